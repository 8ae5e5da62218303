"""Analyze stage: ParsedMessage (+ contact history) -> Analysis. Pure: no database, no network.

Rules report (signals with strength and evidence spans), models classify (intent, topic,
spam), policy decides (priority from the configuration). See docs/analysis.md.
"""

from execdesk.analyze.config import AnalyzeConfig, ConfigError, default_config, load_config
from execdesk.analyze.model import (
    Analysis,
    ContactHistory,
    Evidence,
    LabelResult,
    Priority,
    PriorityReason,
    Sentiment,
    SignalHit,
)
from execdesk.analyze.pipeline import analyze_batch, analyze_message, analyze_text, parsed_from_text, reprioritise

__all__ = [
    "Analysis",
    "AnalyzeConfig",
    "ConfigError",
    "ContactHistory",
    "Evidence",
    "LabelResult",
    "Priority",
    "PriorityReason",
    "Sentiment",
    "SignalHit",
    "analyze_batch",
    "analyze_message",
    "analyze_text",
    "default_config",
    "load_config",
    "parsed_from_text",
    "reprioritise",
]
