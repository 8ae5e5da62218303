"""Pure helpers that summarise a campaign from its member messages (for the stored record).

The lead's store calls :func:`summarise` with the members it holds; nothing here keeps state.
Shared links/domains and shared phrases are the trigger evidence ("they all link the same
blog post"); the representative is the member that is most purely the form.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from execdesk.campaigns.normalise import clean, shingles, tokens, urls

_SAMPLE = 200  # members looked at for the form; enough for a stable majority


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """What a campaign record shows; every list is ordered most-shared first."""

    title: str
    representative_key: str
    representative_text: str
    size: int
    distinct_senders: int
    first_seen: datetime | None
    last_seen: datetime | None
    arrivals: list[tuple[datetime, int]] = field(default_factory=list)
    shared_links: list[tuple[str, int]] = field(default_factory=list)
    shared_domains: list[tuple[str, int]] = field(default_factory=list)
    shared_phrases: list[str] = field(default_factory=list)


class _Member(Protocol):
    """Minimal view of a member: key, text, sender, time, links (a CampaignDoc fits)."""

    @property
    def key(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def received_at(self) -> datetime | None: ...
    @property
    def links(self) -> tuple[str, ...]: ...


def _links(m: _Member) -> set[str]:
    found = set(m.links) | set(urls(m.text))
    return {u.rstrip("/") for u in found if u}


def _domain(url: str) -> str:
    host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
    return host.removeprefix("www.")


def shared_links(members: Sequence[_Member], min_share: float = 0.2) -> list[tuple[str, int]]:
    """URLs present in at least ``min_share`` of members (and in two or more)."""
    counts = Counter(u for m in members for u in _links(m))
    return _ranked(counts, max(2, min_share * len(members)))


def shared_domains(members: Sequence[_Member], min_share: float = 0.2) -> list[tuple[str, int]]:
    """Link domains present in at least ``min_share`` of members (and in two or more)."""
    counts = Counter(d for m in members for d in {_domain(u) for u in _links(m)} if d)
    return _ranked(counts, max(2, min_share * len(members)))


def _ranked(counts: Counter[str], need: float) -> list[tuple[str, int]]:
    """Most members first, ties in alphabetical order: the counts come from sets, whose order changes
    from one process to the next with string hashing, and the stored summary (and the link the trigger
    rule checks first) must not."""
    return sorted(((k, c) for k, c in counts.items() if c >= need), key=lambda kc: (-kc[1], kc[0]))


def _form(members: Sequence[_Member], k: int, share: float) -> tuple[set[str], list[list[str]]]:
    words = [tokens(clean(m.text)) for m in members[:_SAMPLE]]
    counts = Counter(s for w in words for s in set(shingles(w, k)))
    need = max(2.0, share * len(words)) if len(words) > 1 else 1.0
    return {s for s, c in counts.items() if c >= need}, words


def representative(members: Sequence[_Member], k: int = 3, share: float = 0.5) -> int:
    """Index of the member that is most purely the form (the largest share of its shingles is shared)."""
    if not members:
        raise ValueError("representative() needs at least one member")
    form, words = _form(members, k, share)

    def purity(i: int) -> tuple[float, int]:
        sh = set(shingles(words[i], k))
        return (len(sh & form) / max(1, len(sh)), len(sh & form))

    return max(range(len(words)), key=purity)


def shared_phrases(members: Sequence[_Member], k: int = 3, share: float = 0.5, top: int = 5) -> list[str]:
    """Longest word runs of the representative whose shingles most members share (the form's phrases)."""
    if not members:
        return []
    form, words = _form(members, k, share)
    rep = words[representative(members, k, share)]
    runs: list[tuple[int, int]] = []
    start = None
    for i in range(max(0, len(rep) - k + 1)):
        inside = " ".join(rep[i : i + k]) in form
        if inside and start is None:
            start = i
        if not inside and start is not None:
            runs.append((start, i - 1 + k))
            start = None
    if start is not None:
        runs.append((start, len(rep)))
    runs.sort(key=lambda r: r[0] - r[1])
    return [" ".join(rep[a:b]) for a, b in runs[:top] if b - a >= k + 2]


def arrival_counts(members: Sequence[_Member], bucket: timedelta = timedelta(hours=1)) -> list[tuple[datetime, int]]:
    """Members per time bucket (bucket start, count), oldest first; only buckets with members.

    Sparse on purpose: one member with an absurd Date (spam dated 1970 or year 1) beside one of
    today would otherwise be millions of empty hours — gigabytes in a worker and in the stored
    record. Readers fill the gaps within the window they show (web ``growth_chart``)."""
    times = sorted(m.received_at for m in members if m.received_at is not None)
    if not times:
        return []
    secs = bucket.total_seconds()
    first = times[0]
    counts = Counter(int((t - first).total_seconds() // secs) for t in times)
    return [(first + i * bucket, counts[i]) for i in sorted(counts)]


def title(text: str, limit: int = 80) -> str:
    """A short title: the first sentence of the form text, cut at a word boundary."""
    flat = re.sub(r"\s+", " ", clean(text)).strip()
    sentences = re.split(r"(?<=[.!?])\s", flat)
    first = next((x for x in sentences if len(x.split()) >= 4), sentences[0])
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"


def summarise(members: Sequence[_Member], bucket: timedelta = timedelta(hours=1)) -> CampaignSummary:
    """Everything the campaign record stores, computed from its members (arrival order)."""
    if not members:
        raise ValueError("summarise() needs at least one member")
    rep = members[representative(members)]
    times = [m.received_at for m in members if m.received_at is not None]
    senders = {(m.sender or "").strip().lower() or "key:" + m.key for m in members}
    return CampaignSummary(
        title=title(rep.text),
        representative_key=rep.key,
        representative_text=rep.text,
        size=len(members),
        distinct_senders=len(senders),
        first_seen=min(times) if times else None,
        last_seen=max(times) if times else None,
        arrivals=arrival_counts(members, bucket),
        shared_links=shared_links(members),
        shared_domains=shared_domains(members),
        shared_phrases=shared_phrases(members),
    )
