# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""Dense cue features for the intent model: general lexicons of what each intent *does*.

Each cue family is a pattern over the speech act (thanking, asking, offering, applying,
interviewing, notifying formally, talking about shares, selling in bulk), not a phrase list
copied from the labelled mail, so it carries over to mailboxes the model has never seen.
The learned model decides how much each family counts; ``explain`` shows them as ``#name``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import cast

import numpy as np

from execdesk.analyze import native
from execdesk.analyze.linear import piece_starts
from execdesk.analyze.model import SignalHit
from execdesk.analyze.scan import FastPattern, ascii_letter_counts, register
from execdesk.analyze.text import FIRST_PERSON, SECOND_PERSON, TextView

CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(p, re.I)
    for name, p in {
        "praise": r"\b(?:thank\w*|grateful|gratitude|appreciat\w*|congratulat\w*|prayers?|praying|pray|god bless|bless you|proud|admire\w*"
        r"|best wishes|keep up|hang in there|confidence in you|support you|behind you|good luck|well done|great job|kudos|inspir\w*|"
        r"with you|sympath\w*|thoughts are with|encourag\w*|hats off)\b",
        "request": r"\b(?:please|could you|would you|can you|will you|I would like|I'd like|we would like|request\w*|invit\w*|"
        r"let me know|would be grateful|would appreciate|need your|asking|ask you|meet with you|speak at|keynote|"
        r"how (?:do|can|should) I|what is|when will|is there)\b",
        "solicitation": r"\b(?:donat\w*|sponsor\w*|fundrais\w*|contribut\w*|charit\w*|gala|benefit dinner|auction|pledge|"
        r"our (?:services|products?|company|firm|solution|software|technology)|business opportunit\w*|partnership|"
        r"proposal|investment opportunit\w*|demo\w*|free (?:trial|consultation)|we offer|offering|represent\w* (?:a|an)"
        r"|introduce (?:you|our|my)|joint venture|exclusive)\b",
        "job": r"\b(?:resume|résumé|r[eé]sum[eé]|curriculum vitae|cv|position|employment|job|jobs|hire|hiring|intern\w*|career|"
        r"qualifications|my experience|opportunit(?:y|ies) (?:with|at|in)|apply\w*|application|interview|degree|graduat\w*|mba|"
        r"laid off|severance|work for (?:you|enron|your))\b",
        "media": r"\b(?:reporter|journalist|editor|producer|correspondent|article|story|interview|magazine|newspaper|column|"
        r"broadcast|documentary|television|radio|press|deadline|on the record|comment)\b",
        "legal": r"\b(?:subpoena\w*|pursuant|hereby|notice of|cease and desist|on behalf of (?:my|our) client|counsel for|"
        r"committee|congress\w*|senat\w*|hearing|testimony|testify|investigat\w*|documents|formal(?:ly)?|statute|section \d+|"
        r"jurisdiction|plaintiff|defendant|court|attorney|counsel|claim)\b",
        "investor": r"\b(?:shares?|stock|stocks|shareholders?|stockholders?|dividends?|share price|investors?|invest\w*|401\s?\(?k\)?|"
        r"options|market cap\w*|portfolio|equity|esop|savings plan|analysts?|earnings|nyse)\b",
        "spam": r"\b(?:unsubscribe|click here|opt[- ]?out|remove(?:d)? from (?:this|our|the) (?:list|mailing)|free|\$\$+|money|earn|"
        r"limited time|act now|offer expires|guarantee\w*|winner|prize|viagra|mortgage|credit card|work at home|income|"
        r"newsletter|subscribe\w*|special offer|discount|per cent|percent|%|order now|call now|toll free)\b",
        # bulk promotion of events, courses and offers (LABELS.md: marketing is spam when nothing personal ties it to the reader)
        "bulk": r"\b(?:register(?:ed|ing)? (?:now|today|online|before|by|at)|registration|early[- ]bird|conference|summit|seminar|webinar|workshop|symposium"
        r"|brochure|exhibit(?:ion|ors?)|speakers? (?:include|will)|don'?t miss|learn how|sign up|book (?:now|your)|reserve your|save \$|%\s+(?:off|discount)"
        r"|limited (?:seats|places|time|offer)|visit (?:our|us at)|special (?:offer|price|rate)|to be removed|no longer wish to receive|this (?:e-?mail|message) was sent to"
        r"|view (?:it )?online|forward (?:this|it) to a (?:friend|colleague)|issue of|newsletters?|subscribers?)\b",
        "complaint": r"\b(?:greed\w*|lie|lied|lies|lying|mismanag\w*|shame\w*|disgrac\w*|betray\w*|fault|responsib\w*|blame\w*|"
        r"disappoint\w*|angry|anger|outrag\w*|unacceptable|terrible|worst|horrible|awful|fail\w*|problem|issue|"
        r"wrong|broken|still (?:not|no|waiting)|never (?:received|got)|complain\w*|frustrat\w*|ridiculous|"
        r"how (?:could|can) you|why (?:did|do|does|would) you|you (?:have|did|should have))\b",
        "suggestion": r"\b(?:suggest\w*|idea|ideas|propos\w*|recommend\w*|should consider|why not|how about|might (?:want|consider)|"
        r"could consider|would be (?:a )?(?:good|great|wise)|my advice|advise|it would help|consider(?:ing)?)\b",
        "internal": r"\b(?:fyi|attached|attachment|meeting|conference call|agenda|schedule\w*|calendar|memo|board|committee|"
        r"forwarded|original message|regards|per our|as discussed|update|report|draft|review|"
        r"q[1-4]|budget|deal|contract|counterparty|trading|gas|power|energy|plant|pipeline)\b",
        "personal": r"\b(?:family|wife|husband|kids|children|friend|birthday|wedding|dinner|golf|vacation|trip|holiday|"
        r"christmas|love|mom|dad)\b",
    }.items()
}

CUE_CHARS = 2000  # cue families are counted on the first part of the text (speed)

SIGNALS_AS_FEATURES = (
    "legal_threat",
    "regulator",
    "going_public",
    "media",
    "churn",
    "escalation",
    "vulnerable",
    "safety",
    "abusive",
    "urgent",
)

DENSE_NAMES: list[str] = (
    [f"cue_{n}" for n in CUES]
    + [f"sig_{n}" for n in SIGNALS_AS_FEATURES]
    + [
        "sentiment",
        "anger",
        "request_sentence",
        "spam_model",
        "log_len",
        "questions",
        "exclaims",
        "caps_ratio",
        "first_person",
        "second_person",
        "has_url",
        "short",
        "no_subject",
    ]
)


_FAST_CUES: tuple[FastPattern, ...] = tuple(register(p) for p in CUES.values())
FAST_CUES: dict[str, FastPattern] = dict(zip(CUES, _FAST_CUES, strict=True))
_FAST_FIRST = register(FIRST_PERSON)
_FAST_SECOND = register(SECOND_PERSON)
# what dense_features counts, in one Scan.counts call: the cue families, then first and second person
_FAST_COUNTED: tuple[FastPattern, ...] = (*_FAST_CUES, _FAST_FIRST, _FAST_SECOND)
_N_CUES = len(_FAST_CUES)
# a cue family's feature per count: min(3, log1p(count)), read off a table for the usual small counts
_CUE_VALUES: tuple[float, ...] = tuple(min(3.0, math.log1p(c)) for c in range(64))


def _cue_value(c: int) -> float:
    """``min(3.0, math.log1p(c))``, the same float."""
    return _CUE_VALUES[c] if c < 64 else min(3.0, math.log1p(c))


WindowCounts = tuple[int, int, int, int, int]  # the cue window's spaces, ASCII letters, capitals, "?", "!"


def window_counts(text: str) -> WindowCounts:
    """The characters ``dense_features`` counts in the first ``CUE_CHARS`` characters of ``text``."""
    window = text[:CUE_CHARS]
    n_letters, n_upper = ascii_letter_counts(window)
    return window.count(" "), n_letters, n_upper, window.count("?"), window.count("!")


def window_counts_many(texts: Sequence[str]) -> list[WindowCounts]:
    """``[window_counts(t) for t in texts]``, with the kernels by one ``ascii_char_counts`` call over the
    windows' ASCII bytes (decision 0231: every counted character is ASCII, so dropping the others changes
    no count)."""
    kernels = native.load("token")
    if kernels is None or len(texts) < 2:
        return [window_counts(t) for t in texts]
    windows = [t[:CUE_CHARS].encode("ascii", "ignore") for t in texts]
    joined = np.frombuffer(b"".join(windows), dtype=np.uint8)
    counted = kernels.ascii_char_counts(joined, piece_starts(windows)).tolist()
    return [cast(WindowCounts, tuple(row)) for row in counted]


def dense_features(
    view: TextView,
    hits: list[SignalHit],
    sentiment: float,
    anger: float,
    request_prob: float,
    spam_prob: float,
    counts: WindowCounts | None = None,
) -> list[float]:
    """The dense feature vector, in ``DENSE_NAMES`` order. ``counts``: ``window_counts(view.text)``, when the
    batch has counted them already."""
    text = view.text[:CUE_CHARS]
    sc = view.scanner()
    n_spaces, n_letters, n_upper, n_questions, n_exclaims = counts or window_counts(text)
    n_words = max(1, n_spaces + 1)
    counted = sc.counts(_FAST_COUNTED, CUE_CHARS)
    out = [_CUE_VALUES[c] if c < 64 else _cue_value(c) for c in counted[:_N_CUES]]
    n_first, n_second = counted[_N_CUES:]
    strength = {h.name: h.strength for h in hits}
    out.extend(strength.get(n, 0.0) for n in SIGNALS_AS_FEATURES)
    letters = n_letters or 1
    caps = n_upper / letters
    out.extend(
        [
            sentiment,
            anger,
            request_prob,
            spam_prob,
            math.log1p(len(text)) / 8.0,
            min(3.0, math.log1p(n_questions)),
            min(3.0, math.log1p(n_exclaims)),
            caps,
            min(1.0, 10.0 * n_first / n_words),
            min(1.0, 10.0 * n_second / n_words),
            1.0 if ("http" in text or "www." in text) else 0.0,
            1.0 if n_words < 40 else 0.0,
            1.0 if view.body_start <= 2 else 0.0,
        ]
    )
    return out


# Intent rules: speech acts that decide the intent outright when they fire (config: intent.rule_override_min).
INTENT_RULES: tuple[tuple[str, str, re.Pattern[str], float], ...] = tuple(
    (intent, name, re.compile(p, re.I), strength)
    for intent, name, p, strength in (
        (
            "legal_notice",
            "legal_notice.formal",
            # a subpoena delivered to the reader, not the subpoenas an internal memo organises work around; a
            # citation of a provision, not "pursuant to the agreement" of ordinary business; a notice given to
            # the reader, not a confidentiality footer's "hereby notified that any dissemination..." (decision 0228)
            r"\b(?:(?:serv(?:e|ed|ing)|service of|sending|sent|deliver(?:ed|ing)?|enclos(?:e|ed|ing)|attach(?:ed|ing)?|copy of)"
            r"\b[^.\n]{0,40}?\bsubpoena|cease and desist|notice of (?:claim|intent to sue|default|breach|lawsuit|hearing|deposition)"
            r"|on behalf of (?:my|our) client|we represent [A-Z]|pursuant to (?:section|rule|article|paragraph)\b"
            r"|hereby (?:notif|demand|request)\w*\b(?!\s+that\s+any\b))",
            0.9,
        ),
        (
            "job_seeker",
            "job_seeker.apply",
            r"\b(?:(?:attached|enclosed|attaching|enclosing)\s+(?:is\s+|please find\s+|herewith\s+)?(?:my|a copy of my)\s+(?:resume|résumé|cv|curriculum vitae)"
            r"|my (?:resume|résumé|cv|curriculum vitae) (?:is )?(?:attached|enclosed)|(?:seeking|looking for|interested in|apply(?:ing)? for|consider(?:ation)? (?:me )?for)"
            r"\s+(?:a |an |the |any )?(?:\w+[^\S\n]+){0,2}(?:position|job|employment|internship|opening)s?\b)",
            0.9,
        ),
    )
)
FAST_INTENT_RULES: tuple[FastPattern, ...] = tuple(register(r[2]) for r in INTENT_RULES)
INTENT_FROM_SIGNAL_RULES: dict[str, str] = {
    "media.role": "media_inquiry",
    "media.writing_story": "media_inquiry",
    "media.interview": "media_inquiry",
    "regulator.official_sender": "legal_notice",
}
