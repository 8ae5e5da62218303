"""A campaign in three lines: what the form says, what members add of their own, what it is about.

The form text (the campaign's representative) is condensed with the same sentence scorer as a
case. What members add is found among their own sentences (the text a member wrote beside the
form): sentences that share little with the form and much with other members' additions are the
common additions ("I am switching carriers"), each shown with how many members wrote something
like it. The trigger is the case the flood is about, when the campaigns stage linked one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from execdesk.summarize.extractive import Summary, summarize_text
from execdesk.summarize.sentences import split_sentences
from execdesk.summarize.words import content_words, jaccard, overlap

_MAX_MEMBERS_READ = 300  # enough for a stable picture; a flood of 10,000 costs the same
_SIMILAR = 0.3  # two additions "say the same" above this Jaccard similarity of content words


@dataclass(frozen=True, slots=True)
class Addition:
    """A sentence members add to the form, and how many members wrote something like it."""

    text: str
    members: int


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """The form condensed, the common additions, and the trigger, ready for the digest and the desk."""

    form: Summary
    additions: tuple[Addition, ...] = field(default_factory=tuple)
    members_with_own_text: int = 0
    trigger: str | None = None

    @property
    def text(self) -> str:
        parts = [f"Form: {self.form.text}" if self.form.text else ""]
        if self.additions:
            adds = "; ".join(f"“{a.text}” ({a.members})" for a in self.additions)
            parts.append(f"Members add: {adds}")
        if self.trigger:
            parts.append(f"About: {self.trigger}")
        return " ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "text": self.text}


def common_additions(form_text: str, own_texts: Sequence[str], *, limit: int = 2) -> list[Addition]:
    """The additions most members share: sentences unlike the form and like other members' additions."""
    form_words = content_words(form_text)
    candidates: list[tuple[int, str, set[str]]] = []
    for member, text in enumerate(own_texts[:_MAX_MEMBERS_READ]):
        for s in split_sentences(text, max_sentences=12):
            words = content_words(s.text)
            if not 6 <= len(s.words) <= 40 or len(words) < 3 or overlap(words, form_words) > 0.6:
                continue
            candidates.append((member, s.text, words))
    support: list[tuple[int, int, str, set[str]]] = []
    for i, (member, text, words) in enumerate(candidates):
        backers = {m for m, _t, w in candidates if m != member and jaccard(words, w) >= _SIMILAR}
        support.append((len(backers) + 1, -i, text, words))
    support.sort(reverse=True)
    chosen: list[Addition] = []
    chosen_words: list[set[str]] = []
    for members, _i, text, words in support:
        if members < 2 and chosen:
            break
        if any(jaccard(words, w) >= _SIMILAR for w in chosen_words):
            continue
        chosen.append(Addition(text, members))
        chosen_words.append(words)
        if len(chosen) >= limit:
            break
    return chosen


def summarize_campaign(
    form_text: str,
    own_texts: Sequence[str] = (),
    *,
    title: str = "",
    trigger: str | None = None,
    max_chars: int = 280,
) -> CampaignSummary:
    """Summary of a campaign from its form text, its members' own texts and the trigger's description."""
    form = summarize_text(form_text, subject=title, intent="complaint", max_chars=max_chars)
    own = [t for t in own_texts if t and t.strip()]
    return CampaignSummary(form, tuple(common_additions(form_text, own)), len(own), trigger)
