"""Analyze stage: ParsedMessage (+ contact history) -> Analysis. Pure: no database, no network.

Rules report (signals with strength and evidence spans), models classify (intent, topic,
spam), policy decides (priority from the configuration). See docs/analysis.md.

Importing the package imports none of its stage modules: the names below load their module on
first use (:mod:`execdesk.lazy`), so that importing one light submodule (the configuration, the
analysis model, the priority levels) does not load the pipeline and its compiled rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from execdesk.lazy import lazy_exports

if TYPE_CHECKING:
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

__getattr__ = lazy_exports(
    __name__,
    {
        "AnalyzeConfig": ".config",
        "ConfigError": ".config",
        "default_config": ".config",
        "load_config": ".config",
        "Analysis": ".model",
        "ContactHistory": ".model",
        "Evidence": ".model",
        "LabelResult": ".model",
        "Priority": ".model",
        "PriorityReason": ".model",
        "Sentiment": ".model",
        "SignalHit": ".model",
        "analyze_batch": ".pipeline",
        "analyze_message": ".pipeline",
        "analyze_text": ".pipeline",
        "parsed_from_text": ".pipeline",
        "reprioritise": ".pipeline",
    },
)


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
