"""Campaign stage: near-identical and same-trigger messages grouped as they arrive.

Pure of I/O except the explicit snapshot ``save``/``load``; the store keeps membership rows.

Importing the package imports none of its stage modules: the names below load their module on
first use (PEP 562), so that importing one light submodule (settings types, the analysis model)
does not load the whole stage (numpy, numba, compiled rules): every CLI command paid for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Eager: ``normalise`` is also the name of its submodule, which would shadow the function once any
# module imported ``execdesk.campaigns.normalise`` (a light module: no numpy).
from execdesk.campaigns.normalise import clean, normalise, shingles, tokens

if TYPE_CHECKING:
    from execdesk.campaigns.background import Background
    from execdesk.campaigns.boilerplate import BoilerplateModel, BoilerplateSettings
    from execdesk.campaigns.detector import CampaignDetector, campaign_id_for, fingerprint
    from execdesk.campaigns.index import CampaignIndex, Candidates, InMemoryCampaignIndex
    from execdesk.campaigns.model import Assignment, CampaignDoc, CampaignSettings, GroupState, campaign_doc
    from execdesk.campaigns.spikes import SpikeAlert, SpikeDetector, SpikeSettings
    from execdesk.campaigns.summary import CampaignSummary, summarise
    from execdesk.campaigns.topics import TopicSettings, TriggerLinker

_WHERE = {
    "Background": ".background",
    "BoilerplateModel": ".boilerplate",
    "BoilerplateSettings": ".boilerplate",
    "CampaignDetector": ".detector",
    "campaign_id_for": ".detector",
    "fingerprint": ".detector",
    "CampaignIndex": ".index",
    "Candidates": ".index",
    "InMemoryCampaignIndex": ".index",
    "Assignment": ".model",
    "CampaignDoc": ".model",
    "CampaignSettings": ".model",
    "GroupState": ".model",
    "campaign_doc": ".model",
    "SpikeAlert": ".spikes",
    "SpikeDetector": ".spikes",
    "SpikeSettings": ".spikes",
    "CampaignSummary": ".summary",
    "summarise": ".summary",
    "TopicSettings": ".topics",
    "TriggerLinker": ".topics",
}


def __getattr__(name: str) -> Any:
    """The public name ``name``, imported from its module on first use."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Assignment",
    "Background",
    "BoilerplateModel",
    "BoilerplateSettings",
    "CampaignDetector",
    "CampaignDoc",
    "CampaignIndex",
    "CampaignSettings",
    "CampaignSummary",
    "Candidates",
    "GroupState",
    "InMemoryCampaignIndex",
    "SpikeAlert",
    "SpikeDetector",
    "SpikeSettings",
    "TopicSettings",
    "TriggerLinker",
    "campaign_doc",
    "campaign_id_for",
    "clean",
    "fingerprint",
    "normalise",
    "shingles",
    "summarise",
    "tokens",
]
