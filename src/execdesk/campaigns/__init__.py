"""Campaign stage: near-identical and same-trigger messages grouped as they arrive.

Pure of I/O except the explicit snapshot ``save``/``load``; the store keeps membership rows.
"""

from execdesk.campaigns.background import Background
from execdesk.campaigns.boilerplate import BoilerplateModel, BoilerplateSettings
from execdesk.campaigns.detector import CampaignDetector, campaign_id_for, fingerprint
from execdesk.campaigns.index import CampaignIndex, Candidates, InMemoryCampaignIndex
from execdesk.campaigns.model import Assignment, CampaignDoc, CampaignSettings, GroupState, campaign_doc
from execdesk.campaigns.normalise import clean, normalise, shingles, tokens
from execdesk.campaigns.spikes import SpikeAlert, SpikeDetector, SpikeSettings
from execdesk.campaigns.summary import CampaignSummary, summarise
from execdesk.campaigns.topics import TopicSettings, TriggerLinker

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
