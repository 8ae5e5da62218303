"""Analyze stage: ParsedMessage (+ contact history) -> Analysis. Pure: no database, no network.

Rules report (signals with strength and evidence spans), models classify (intent, topic,
spam), policy decides (priority from the configuration). See docs/analysis.md.

Importing the package imports none of its stage modules: the names below load their module on
first use (PEP 562), so that importing one light submodule (settings types, the analysis model)
does not load the whole stage (numpy, numba, compiled rules): every CLI command paid for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

_WHERE = {
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
