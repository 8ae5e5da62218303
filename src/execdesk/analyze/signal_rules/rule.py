"""What a signal rule is (``Rule``) and how one is written (``make_rule``, ``W``).

Its own module so that the rule data (the other modules of this package) and the engine that runs it
(``signals.py``) both import it without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

W = r"(?:[\w'’-]+[^\S\n]+)"  # one word and its space, for bounded gaps: W{0,3}


@dataclass(frozen=True, slots=True)
class Rule:
    """One named detector.

    ``person``: "first" (I/we/my... in the sentence), "second" (you/your in the clause before
    the core), "first_or_this" (first person, or "this letter/e-mail"), or None.
    ``negatable``: a negator in the clause before the core cancels the hit.
    ``unless``: a pattern in the sentence that cancels the hit (e.g. support for the company).
    ``word_may_be_a_name``: the core word is also a first name ("Sue"): written Title-case inside a
    sentence (a greeting, a sign-off, a list of names) it is the name, not the verb.
    ``condition_cancels``: a hit inside an if/unless clause is a hypothesis ("If I have not heard back by
    Friday, I'll assume it's fine"), not a report.
    ``requires``: a pattern that matches inside every match of ``pattern`` (a part every alternative of it
    ends with, decision 0215): where it matches nowhere in the text, ``run_rules`` skips the rule without
    trying its candidates. It only saves time; it must never change what the rule finds (tested).
    ``needs``: the opposite of ``unless``: a pattern that must be found around the match for the hit to
    count, in the scope ``needs_in`` names: "sentence", "clause" (the clause up to and including the
    match) or "near" (``NEAR_CHARS`` either side, inside the sentence). Decision 0223: a count of
    times is an escalation only beside a contact ("called you three times", not "met four times").
    """

    name: str
    signal: str
    pattern: re.Pattern[str]
    strength: float
    person: str | None = "first"
    negatable: bool = True
    unless: re.Pattern[str] | None = None
    word_may_be_a_name: bool = False
    condition_cancels: bool = False
    requires: re.Pattern[str] | None = None
    needs: re.Pattern[str] | None = None
    needs_in: str = "sentence"


NEAR_CHARS = 40  # Rule.needs_in == "near": this many characters either side of the match


def make_rule(
    name: str,
    signal: str,
    pattern: str,
    strength: float,
    person: str | None = "first",
    negatable: bool = True,
    unless: str | None = None,
    word_may_be_a_name: bool = False,
    condition_cancels: bool = False,
    requires: str | None = None,
    needs: str | None = None,
    needs_in: str = "sentence",
) -> Rule:
    """A ``Rule`` from pattern strings, compiled case-blind; ``\\s`` in ``pattern`` and ``requires`` never
    crosses a line."""
    pattern = pattern.replace(r"\s", r"[^\S\n]")  # a rule never spans lines (subject/body, list items)
    if requires is not None:
        requires = requires.replace(r"\s", r"[^\S\n]")
    return Rule(
        name,
        signal,
        re.compile(pattern, re.I),
        strength,
        person,
        negatable,
        re.compile(unless, re.I) if unless else None,
        word_may_be_a_name,
        condition_cancels,
        re.compile(requires, re.I) if requires is not None else None,
        re.compile(needs, re.I) if needs is not None else None,
        needs_in,
    )
