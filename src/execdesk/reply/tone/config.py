"""Tone rules as configuration: the shipped YAML, an organisation override, compiled once.

Rules report what they saw; severities, word classes, thresholds and the score's weights
live in the YAML (``default_rules.yaml``), so an organisation tunes the guard without code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from execdesk.reply.tone.gates import AnyBranch, Gate, LiteralIndex, Searchable, gate
from execdesk.reply.tone.model import Severity

_MACRO = re.compile(r"\{([a-z_]+)\}")


class ToneConfigError(ValueError):
    """The rules file is invalid (unknown word class, bad regex, bad severity); the message says where."""


@dataclass(frozen=True)
class Rule:
    """One pattern rule: any pattern hit in a sentence is a finding unless an ``unless`` matches the sentence.

    ``requires`` patterns must all match the same sentence too: a rule can ask for a
    co-occurrence of word classes (a sanction, the customer as its target, a future or
    conditional frame) instead of one fixed construction, which generalises to new wording.
    """

    id: str
    severity: Severity
    why: str
    suggestion: str
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[Searchable, ...] = ()
    # ``unless_before`` cancels a hit when it matches the sentence just before: the thing acted on
    # is often named there ("That site is a scam. We've reported it to the police.").
    unless_before: tuple[Searchable, ...] = ()
    # ``unless_after`` cancels a hit when it matches the sentence just after: an admission often
    # follows what it admits ("The account was sent to collections anyway. That was our error.").
    unless_after: tuple[Searchable, ...] = ()
    skip_negated: bool = False
    requires: tuple[Searchable, ...] = ()
    # ``requires_in: sentence_or_previous``: each ``requires`` pattern may match the sentence or the one
    # before it. The cause often comes first: "We note your review. Your discount has been withdrawn."
    requires_previous: bool = False
    # Literal gates of ``patterns`` and ``requires`` (see gates.py), derived when compiled.
    gates: tuple[Gate, ...] = ()
    require_gates: tuple[Gate, ...] = ()


@dataclass(frozen=True)
class ToneConfig:
    rules: tuple[Rule, ...]
    lexicon: dict[str, re.Pattern[str]]
    context: dict[str, Any]
    score: dict[str, Any]
    allow: re.Pattern[str] | None = None
    disabled: frozenset[str] = field(default_factory=frozenset)
    # One automaton over every rule's gate literals, built with the rules (gates.py).
    literals: LiteralIndex = field(default_factory=lambda: LiteralIndex(()))

    # Word classes searched for yes or no by the whole-reply rules, branch by branch (built on first use).
    _searchers: dict[str, Searchable] = field(default_factory=dict, init=False, compare=False, repr=False)

    def enabled(self, rule_id: str) -> bool:
        return rule_id not in self.disabled

    def searcher(self, word_class: str) -> Searchable:
        """The word class as a yes/no search: the same answer as ``lexicon[word_class].search``, faster."""
        got = self._searchers.get(word_class)
        if got is None:
            got = self._searchers[word_class] = AnyBranch.of(self.lexicon[word_class])
        return got


def _expand(pattern: str, lexicon: dict[str, str], where: str, depth: int = 0) -> str:
    if depth > 5:
        raise ToneConfigError(f"{where}: word classes nest too deeply")

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in lexicon:
            raise ToneConfigError(f"{where}: unknown word class {{{name}}}; known: {', '.join(sorted(lexicon))}")
        return _expand(lexicon[name], lexicon, where, depth + 1)

    return _MACRO.sub(sub, pattern)


def _compile(pattern: str, lexicon: dict[str, str], where: str) -> re.Pattern[str]:
    try:
        return re.compile(_expand(pattern, lexicon, where), re.S)
    except re.error as exc:
        raise ToneConfigError(f"{where}: bad regular expression ({exc})") from exc


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Override semantics: lexicon entries and rules by id replace; context/score and context_rules merge per
    key; allow adds."""
    out = dict(base)
    out["lexicon"] = {**base.get("lexicon", {}), **(override.get("lexicon") or {})}
    rules = {r["id"]: r for r in base.get("rules", [])}
    for r in override.get("rules") or []:
        if "id" not in r:
            raise ToneConfigError("override rule without an id")
        rules[r["id"]] = {**rules.get(r["id"], {}), **r}
    out["rules"] = list(rules.values())
    for key in ("context", "score"):
        merged = dict(base.get(key, {}))
        for k, v in (override.get(key) or {}).items():
            merged[k] = {**merged.get(k, {}), **v} if isinstance(v, dict) else v
        out[key] = merged
    out["allow"] = list(base.get("allow") or []) + list(override.get("allow") or [])
    # Whole-reply rules (no_apology, readability, threat.overall...) are turned off by name.
    out["context_rules"] = {**(base.get("context_rules") or {}), **(override.get("context_rules") or {})}
    return out


def build_config(raw: dict[str, Any]) -> ToneConfig:
    """Compile a rules document (already merged) into a ToneConfig."""
    lex_src: dict[str, str] = {k: str(v) for k, v in (raw.get("lexicon") or {}).items()}
    rules: list[Rule] = []
    disabled: set[str] = set()
    for r in raw.get("rules") or []:
        rid = str(r.get("id", ""))
        if not r.get("enabled", True):
            disabled.add(rid)
            continue
        sev = r.get("severity")
        scope = r.get("requires_in", "sentence")
        if scope not in ("sentence", "sentence_or_previous"):
            raise ToneConfigError(f"rule {rid}: requires_in must be sentence or sentence_or_previous, not {scope!r}")
        if sev not in ("block", "warn"):
            raise ToneConfigError(f"rule {rid}: severity must be block or warn, not {sev!r}")
        patterns = tuple(_compile(p, lex_src, f"rule {rid}") for p in r.get("patterns") or [])
        # requires and the exceptions are only ever searched for yes or no: branch by branch (gates.AnyBranch).
        requires = tuple(_boolean(p, lex_src, f"rule {rid} requires") for p in r.get("requires") or [])
        rules.append(
            Rule(
                id=rid,
                severity=sev,
                why=str(r.get("why", "")),
                suggestion=str(r.get("suggestion", "")),
                patterns=patterns,
                unless=tuple(_boolean(p, lex_src, f"rule {rid} unless") for p in r.get("unless") or []),
                unless_before=tuple(
                    _boolean(p, lex_src, f"rule {rid} unless_before") for p in r.get("unless_before") or []
                ),
                unless_after=tuple(
                    _boolean(p, lex_src, f"rule {rid} unless_after") for p in r.get("unless_after") or []
                ),
                skip_negated=r.get("negation") == "skip",
                requires=requires,
                requires_previous=scope == "sentence_or_previous",
                gates=tuple(gate(p) for p in patterns),
                require_gates=tuple(gate(p) for p in requires),
            )
        )
    for name, enabled in (raw.get("context_rules") or {}).items():
        if not enabled:
            disabled.add(name)
    allow = [re.escape(str(a).lower()) for a in raw.get("allow") or []]
    return ToneConfig(
        rules=tuple(rules),
        lexicon={k: _compile(v, lex_src, f"word class {k}") for k, v in lex_src.items()},
        context=dict(raw.get("context") or {}),
        score=dict(raw.get("score") or {}),
        allow=re.compile("|".join(allow), re.I) if allow else None,
        disabled=frozenset(disabled),
        literals=LiteralIndex(g for r in rules for g in (*r.gates, *r.require_gates)),
    )


def _boolean(pattern: str, lexicon: dict[str, str], where: str) -> AnyBranch:
    return AnyBranch.of(_compile(pattern, lexicon, where))


def _default_raw() -> dict[str, Any]:
    text = resources.files("execdesk.reply.tone").joinpath("default_rules.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@lru_cache(maxsize=1)
def default_config() -> ToneConfig:
    """The shipped rules, compiled once per process."""
    return build_config(_default_raw())


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> ToneConfig:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ToneConfigError(f"{path}: expected a mapping at the top level")
    return build_config(_merge(_default_raw(), data))


def load_config(override: Path | str | None = None) -> ToneConfig:
    """The shipped rules merged with an organisation's override file (recompiled when the file changes)."""
    if override is None:
        return default_config()
    p = Path(override)
    if not p.exists():
        raise ToneConfigError(f"tone rules file {p} does not exist")
    return _load_cached(str(p.resolve()), p.stat().st_mtime)
