# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""Signal detectors: each rule reports what it saw (strength 0..1 + evidence span), nothing more.

A rule is a pattern over a *verb/object core* ("sue", "legal action", "cancel ... account")
plus scope checks written once for all rules: who speaks (a first-person subject in the
sentence, so lawsuits by others do not fire), negation in the clause before the core ("I am
not going to sue"; "not hesitate to sue" still fires), and quoting (quoted lines, forwarded
mail and text in double quotes are masked). What a hit is worth is decided by the policy in
the configuration (priority.py), not here.

This module is the engine: the scope checks, the evidence and the scan-index gate. The rules themselves
are data, one module per signal in ``signal_rules/``; ``RULES`` is re-exported here for the callers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from execdesk.analyze.model import Evidence, SignalHit
from execdesk.analyze.scan import FastPattern, Scan, register
from execdesk.analyze.signal_rules import RULES
from execdesk.analyze.signal_rules.rule import NEAR_CHARS, Rule
from execdesk.analyze.text import FIRST_PERSON, SECOND_PERSON, TextView, is_negated

__all__ = ["RULES", "Rule", "RuleTrace", "run_rules", "signal_names"]


_PRONOUN = re.compile(
    r"\b(?:i|i'm|i’m|i've|i'll|i’ll|i'd|we|we're|we'll|we've|my|our|you|you're|u|he|she|they|they're|it"
    r"|this (?:letter|e-?mail|message|note|story|complaint|recording))\b",
    re.I,
)
_SENDER_SUBJECT = re.compile(r"^(?:i|i'm|i’m|i've|i'll|i’ll|i'd|we|we're|we'll|we've|my|our|this .*)$", re.I)


def _speaker_is_sender(clause: str, match: str, sentence: str) -> bool:
    """The nearest subject before the verb is the sender (I/we/my/this letter); without one, any first person.

    Pronouns inside the match count only when the match opens with one (rules written subject first,
    "we ... cancel"): in "take you to court" or "reporting you to the BBB" the "you" is the object
    (decision 0223). Without a pronoun, a noun phrase right before the verb ("The plaintiffs' lawyers
    filed", "a subsidiary that publishes") is someone else acting.
    """
    lead = _PRONOUN.match(match)
    last = None
    for last in _PRONOUN.finditer(clause + (lead.group(0) if lead else "")):  # noqa: B007 - we want the last one
        pass
    other = None if lead else _OTHER_SUBJECT.search(clause)
    if other is not None and (last is None or other.start() >= last.end()):
        return False  # a noun phrase after the last pronoun is the nearer subject ("our analyst says the auditors")
    if last is None:
        return bool(FIRST_PERSON.search(sentence) or _THIS_MESSAGE.search(sentence))
    return bool(_SENDER_SUBJECT.match(last.group(0)))


_AUX = r"(?:have|has|had|will|would|may|might|could|should|shall|is|are|was|were|be|been|also|just|already|now|recently|then|today|yesterday|reportedly|apparently)"
# a determiner-led noun phrase ending right before the verb, with at most a few auxiliaries between:
# "The lawyers for the bank have " (not "The only way left is to ": a copula is not a subject's end; not after a
# causative verb: in "I will have the lawyers file" the sender acts through them)
_OTHER_SUBJECT = re.compile(
    r"(?<!\bhave\s)(?<!\bhad\s)(?<!\bget\s)(?<!\blet\s)(?<!\bmake\s)(?<!\bask\s)(?<!\binstruct\s)\b(?:the|a|an|his|her|their|its|these|those|other|another|several|many|some)\s+"
    r"(?:(?!(?:to|is|are|was|were|be|that|which|who|than|me|us)\b)[\w'’.&-]+\s+){1,5}?"
    rf"(?:{_AUX}\s+){{0,3}}$",
    re.I,
)


_THIS_MESSAGE = re.compile(r"\bthis (?:letter|e-?mail|message|note|story|complaint|conversation|recording)\b", re.I)


@dataclass(slots=True)
class RuleTrace:
    """What one rule did on one message: fired (hit), or matched but was cancelled (why)."""

    rule: str
    signal: str
    fired: bool
    strength: float
    evidence: Evidence | None
    why: str = ""


def _evidence(view: TextView, start: int, end: int, limit: int = 240) -> Evidence:
    """The sentence around the match, trimmed around the match when long."""
    s, e = view.sentence_of(start)
    e = max(e, end)
    if e - s > limit:
        s = max(s, start - (limit - (end - start)) // 2)
        e = min(e, s + limit)
        s = min(s, start)
        e = max(e, end)
    text = view.text[s:e]
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    return Evidence(text=text, start=s + lead, end=s + lead + len(text))


def _needs_scope(view: TextView, rule: Rule, start: int, end: int, s: int, e: int) -> str:
    """The text where ``rule.needs`` must be found (Rule.needs_in)."""
    if rule.needs_in == "clause":
        return view.clause_prefix(start) + view.text[start:end]
    if rule.needs_in == "near":
        return view.text[max(s, start - NEAR_CHARS) : min(max(e, end), end + NEAR_CHARS)]
    return view.text[s : max(e, end)]


def _cut_by_soft_break(text: str, start: int) -> bool:
    """The match starts right after a letter and "=" (a quoted-printable soft break left in the text, as in
    "is= sue" or "pur=sue"): it is the tail of a longer word."""
    i = start - 1
    if i >= 0 and text[i] == " ":
        i -= 1
    return i >= 1 and text[i] == "=" and text[i - 1].isalpha()


def _is_name_inside_sentence(word: str, before: str) -> bool:
    """``word`` is written like a name ("Sue", not "sue" or "SUE") and something precedes it in its sentence."""
    return word[:1].isupper() and word[1:].islower() and bool(before.strip())


def run_rules(
    view: TextView, enabled: set[str] | None = None, trace: bool = False, use_index: bool = True
) -> tuple[list[SignalHit], list[RuleTrace]]:
    """Run every rule; return the strongest hit per signal (with all its evidence) and, on request, a trace.

    ``use_index``: match only where the shared word index says a rule can start (scan.py);
    False scans with each plain regex (same results, slower; the tests compare the two).
    """
    best: dict[str, SignalHit] = {}
    traces: list[RuleTrace] = []
    text = view.text
    sc = view.scanner() if use_index else None
    for rule, fast in _INDEXED if sc is None else _plausible(sc):
        if enabled is not None and rule.signal not in enabled:
            continue
        if sc is not None and rule.requires is not None and sc.search(_REQUIRED[rule.name]) is None:
            continue  # a part every match holds is nowhere in the text (Rule.requires)
        pos = 0
        while (m := (sc.search(fast, pos) if sc is not None else rule.pattern.search(text, pos))) is not None:
            start, end = m.start(), m.end()
            pos = end if end > start else start + 1
            why = ""
            if view.is_masked(start, end):
                why = "quoted"
            else:
                s, e = view.sentence_of(start)
                sentence = text[s : max(e, end)]
                if _cut_by_soft_break(text, start):
                    why = "part of a word cut by a quoted-printable line break ('is= sue')"
                elif rule.word_may_be_a_name and _is_name_inside_sentence(m.group(0), text[s:start]):
                    why = "a name, not the verb (Title-case inside the sentence)"
                elif rule.condition_cancels and view.in_condition(start):
                    why = "a hypothesis (an if-clause), not a report"
                elif rule.negatable and is_negated(
                    view.clause_prefix(start) + m.group(0)[: -len(m.group(0).split()[-1])]
                ):
                    why = "negated"
                elif rule.person == "first" and not FIRST_PERSON.search(sentence):
                    why = "not the sender's own (no first person)"
                elif rule.person == "subject" and not _speaker_is_sender(
                    view.clause_prefix(start, 90), m.group(0), sentence
                ):
                    why = "not the sender's own (someone else is the subject)"
                elif rule.person == "first_clause" and not FIRST_PERSON.search(view.clause_prefix(start) + m.group(0)):
                    why = "not the sender's own (no first person in the clause)"
                elif rule.person == "first_or_this" and not (
                    FIRST_PERSON.search(sentence) or _THIS_MESSAGE.search(sentence)
                ):
                    why = "not the sender's own (no first person)"
                elif rule.person == "second" and not SECOND_PERSON.search(view.clause_prefix(start) + m.group(0)):
                    why = "not aimed at the recipient"
                elif rule.unless is not None and rule.unless.search(sentence):
                    why = "context says otherwise"
                elif rule.needs is not None and not rule.needs.search(_needs_scope(view, rule, start, end, s, e)):
                    why = "what makes it count is missing around it"
            if why:
                if trace:
                    traces.append(RuleTrace(rule.name, rule.signal, False, 0.0, _evidence(view, start, end), why))
                # a cancelled match may hide a later, overlapping one ("not going to sue, but I filed ... FCC")
                pos = start + 1
                continue
            ev = _evidence(view, start, end)
            if trace:
                traces.append(RuleTrace(rule.name, rule.signal, True, rule.strength, ev))
            hit = best.get(rule.signal)
            if hit is None:
                best[rule.signal] = SignalHit(rule.signal, rule.strength, [ev], rule.name)
            else:
                if all(x.start != ev.start for x in hit.evidence) and len(hit.evidence) < 3:
                    hit.evidence.append(ev)
                if rule.strength > hit.strength:
                    hit.strength, hit.rule = rule.strength, rule.name
                else:
                    # corroboration: a second independent hit adds a little
                    hit.strength = min(1.0, hit.strength + 0.05)
    return list(best.values()), traces


_INDEXED = tuple((r, register(r.pattern)) for r in RULES)
_REQUIRED = {r.name: register(r.requires) for r in RULES if r.requires is not None}
_RULE_OF_PID = {fast.pid: k for k, (_rule, fast) in enumerate(_INDEXED)}
_TRIED_ALWAYS = frozenset(k for k, (_rule, fast) in enumerate(_INDEXED) if fast.always or fast.find_keys)
# per rule, the pattern of the words every match holds (FastPattern.required): absent, the rule cannot match
_REQUIRED_PID = tuple(fast.required.pid if fast.required is not None else None for _rule, fast in _INDEXED)
_LAST_PID = max([*_RULE_OF_PID, *(p for p in _REQUIRED_PID if p is not None)])


def _plausible(sc: Scan) -> list[tuple[Rule, FastPattern]]:
    """The rules ``sc.may_match``, in RULES order: those with a word candidate in the text, and those
    always searched (no word key, or found with ``str.find``), less those whose required words are not
    in the text (``Scan.lacks_required``)."""
    if not sc.knows(_LAST_PID):  # the index was built before these rules were registered
        return [(rule, fast) for rule, fast in _INDEXED if sc.may_match(fast)]
    at = _RULE_OF_PID
    present = sc.word_pids()
    ks = _TRIED_ALWAYS.union([at[p] for p in present if p in at])
    return [_INDEXED[k] for k in sorted(ks) if _REQUIRED_PID[k] is None or _REQUIRED_PID[k] in present]


def signal_names() -> list[str]:
    """Every text signal some rule can report."""
    return sorted({r.signal for r in RULES})
