"""Campaign stage: near-identical and same-trigger messages grouped as they arrive.

Pure of I/O except the explicit snapshot ``save``/``load``; the store keeps membership rows.

Importing the package imports none of its stage modules but ``normalise``: the other names load
their module on first use (:mod:`execdesk.lazy`), so that the settings, which import the campaign
settings types, do not load the detector and its kernels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# Eager: ``normalise`` is also the name of its submodule, which would shadow the function once any
# module imported ``execdesk.campaigns.normalise`` (a light module: no numpy).
from execdesk.campaigns.normalise import clean, normalise, shingles, tokens
from execdesk.lazy import lazy_exports

if TYPE_CHECKING:
    from execdesk.campaigns.background import Background
    from execdesk.campaigns.boilerplate import BoilerplateModel
    from execdesk.campaigns.detector import CampaignDetector, campaign_id_for, fingerprint
    from execdesk.campaigns.index import CampaignIndex, Candidates, InMemoryCampaignIndex
    from execdesk.campaigns.model import (
        Assignment,
        BoilerplateSettings,
        CampaignDoc,
        CampaignSettings,
        GroupState,
        TopicSettings,
        campaign_doc,
    )
    from execdesk.campaigns.spikes import SpikeAlert, SpikeDetector, SpikeSettings
    from execdesk.campaigns.summary import CampaignSummary, summarise
    from execdesk.campaigns.topics import TriggerLinker

__getattr__ = lazy_exports(
    __name__,
    {
        "Background": ".background",
        "BoilerplateModel": ".boilerplate",
        "BoilerplateSettings": ".model",
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
        "TopicSettings": ".model",
        "TriggerLinker": ".topics",
    },
)


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
