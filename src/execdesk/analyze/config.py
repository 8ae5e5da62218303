"""Analyze configuration: the shipped defaults merged with an admin's override file.

Rules report what they saw; this configuration decides what it is worth (weights, group
caps, thresholds) and which labels exist. The override is a YAML file with the same shape
(``<home>/analyze.yaml`` by convention); it is merged over the defaults key by key, so an
admin writes only what they change.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

OVERRIDE_FILE_NAME = "analyze.yaml"


class ConfigError(ValueError):
    """The override file is not valid; the message names the key and the valid options."""


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    text = resources.files("execdesk.analyze").joinpath("default_config.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@dataclass(frozen=True)
class AnalyzeConfig:
    """The merged configuration. ``raw`` is the full mapping; properties name the parts used often.

    ``models_dir`` points at a folder of retrained model files (``execdesk train --out``);
    None uses the models shipped in the package.
    """

    raw: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(_defaults()))
    models_dir: Path | None = None
    source: str = "defaults"

    @property
    def intents(self) -> list[str]:
        return list(self.raw["taxonomy"]["intents"])

    @property
    def topics(self) -> list[str]:
        return list(self.raw["taxonomy"]["topics"])

    @property
    def enabled_signals(self) -> set[str]:
        return set(self.raw["signals"]["enabled"])

    @property
    def min_strength(self) -> float:
        return float(self.raw["signals"]["min_strength"])

    @property
    def spam_expected_scripts(self) -> frozenset[str]:
        """Scripts the spam model does not count as evidence (``intent.spam_expected_scripts``)."""
        return frozenset(self.raw["intent"].get("spam_expected_scripts") or ())

    def __hash__(self) -> int:
        return id(self)


_KNOWN_TOP = {"taxonomy", "signals", "intent", "priority"}
# character classes of spamtokens.char_tokens an office may declare as its correspondents' scripts
EXPECTABLE_SCRIPTS = frozenset({"cjk", "cyrillic", "greek", "rtl", "latin-letter"})


def _validate(raw: dict[str, Any]) -> None:
    unknown = set(raw) - _KNOWN_TOP
    if unknown:
        raise ConfigError(f"unknown section(s) {sorted(unknown)}; valid sections: {sorted(_KNOWN_TOP)}")
    weights = raw["priority"]["signal_weights"]
    for name, w in weights.items():
        if not isinstance(w, int | float):
            raise ConfigError(f"priority.signal_weights.{name} must be a number, got {w!r}")
    for name in raw["signals"]["enabled"]:
        if name not in weights:
            raise ConfigError(f"signals.enabled names {name!r}, which has no priority.signal_weights entry")
    _validate_gate(raw["signals"].get("internal_mail_gate"), set(weights))
    scripts = raw["intent"].get("spam_expected_scripts") or []
    if not isinstance(scripts, list) or not set(scripts) <= EXPECTABLE_SCRIPTS:
        raise ConfigError(
            f"intent.spam_expected_scripts must be a list of {sorted(EXPECTABLE_SCRIPTS)}, got {scripts!r}"
        )
    levels = raw["priority"]["levels"]
    if not levels or not all(isinstance(v, int | float) for v in levels.values()):
        raise ConfigError("priority.levels must map level names to numbers")


def _validate_gate(gate: Any, known: set[str]) -> None:
    """``signals.internal_mail_gate`` (decision 0229): signals with a weight, a probability and a factor in 0..1."""
    if gate is None:
        return
    if not isinstance(gate, dict) or not isinstance(gate.get("signals", []), list):
        raise ConfigError("signals.internal_mail_gate must be a mapping with a list of signals")
    unknown = set(gate.get("signals") or []) - known
    if unknown:
        raise ConfigError(
            f"signals.internal_mail_gate.signals names {sorted(unknown)}; valid: the priority.signal_weights names"
        )
    for key in ("min_other", "factor"):
        v = gate.get(key)
        if not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
            raise ConfigError(f"signals.internal_mail_gate.{key} must be a number from 0 to 1, got {v!r}")
    words = gate.get("min_words")
    if not isinstance(words, int) or words < 0:
        raise ConfigError(f"signals.internal_mail_gate.min_words must be a whole number >= 0, got {words!r}")


def load_config(
    path: Path | str | None = None, *, home: Path | None = None, models_dir: Path | None = None
) -> AnalyzeConfig:
    """Defaults merged with ``path`` (or ``<home>/analyze.yaml`` when it exists).

    Raises ConfigError for an unreadable or invalid override: a typo must not silently
    fall back to defaults.
    """
    raw = copy.deepcopy(_defaults())
    source = "defaults"
    candidate: Path | None = Path(path) if path is not None else None
    if candidate is None and home is not None and (home / OVERRIDE_FILE_NAME).is_file():
        candidate = home / OVERRIDE_FILE_NAME
    if candidate is not None:
        try:
            over = yaml.safe_load(candidate.read_text("utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read analyze config {candidate}: {exc}") from exc
        if not isinstance(over, dict):
            raise ConfigError(f"{candidate}: the top level must be a mapping")
        raw = _merge(raw, over)
        source = str(candidate)
    _validate(raw)
    if models_dir is None and home is not None and (home / "models").is_dir():
        models_dir = home / "models"
    return AnalyzeConfig(raw=raw, models_dir=models_dir, source=source)


_DEFAULT: AnalyzeConfig | None = None


def default_config() -> AnalyzeConfig:
    """The shipped defaults, built once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_config()
    return _DEFAULT
