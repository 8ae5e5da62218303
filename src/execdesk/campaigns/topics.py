"""Trigger families: campaigns and lone messages about the same trigger, worded differently.

Near-duplicate detection groups copies of one form. A flood often has several forms (each
advocacy group writes its own) plus people writing in their own words about the same trigger.
A *family* collects them without touching campaign membership (families are advisory, "same
trigger"; campaigns stay the unit of bulk action).

* Words are weighed by their rarity in a **background** corpus of ordinary mail
  (:mod:`execdesk.campaigns.background`), never by their frequency inside the stream: inside a
  flood its own words are frequent, so stream-learned weights cannot tell the trigger's words.
* A family is founded by a campaign. Its profile is the centroid of the TF-IDF vectors of its
  first ``centroid_members`` campaign members, then frozen (top ``profile_terms`` words). Its
  trigger links are the URLs (with a path) at least two of those members share.
* A new campaign joins the active family (last message within ``window_hours``) whose profile
  is closest when cosine >= ``link_cosine``; a message in no campaign joins when cosine >=
  ``attach_cosine`` with ``min_shared_terms`` shared profile words, ``min_rare_shared`` of them
  rare in the background, or when it carries one of the family's trigger URLs.
* Everything is compared with the family's frozen profile, never with another member, and
  lone messages never change a profile: families cannot drift through chains.
"""

from __future__ import annotations

import math
import operator
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from execdesk.campaigns.background import _STOP, Background, content_words, shipped

_VECTOR_WORDS = 100  # a trigger shows in the first few hundred words; bounds the cost of long texts

STOPWORDS: frozenset[str] = _STOP  # kept for compatibility; stopwords live in background.content_words


class TopicSettings(BaseModel):
    """Thresholds of trigger families (docs/decisions/0305-trigger-families.md)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="Link same-trigger campaigns and messages into families.")
    profile_terms: int = Field(default=60, ge=5, description="Words kept in a family's frozen profile.")
    centroid_members: int = Field(
        default=16, ge=1, description="Campaign members whose words build the family profile before it freezes."
    )
    link_cosine: float = Field(
        default=0.30, ge=0.0, le=1.0, description="Profile cosine for a new campaign to join a family."
    )
    attach_cosine: float = Field(
        default=0.35, ge=0.0, le=1.0, description="Cosine with a family's profile for a lone message to join it."
    )
    min_shared_terms: int = Field(default=4, ge=1, description="Profile words a lone message must share.")
    min_rare_shared: int = Field(
        default=2, ge=0, description="...of which at least this many are rare in the background."
    )
    rare_idf: float = Field(
        default=3.0, ge=0.0, description="Background IDF of a rare word (3.0: in under 5% of ordinary texts)."
    )
    window_hours: float = Field(
        default=168.0, gt=0, description="A family accepts messages this long after its last one."
    )
    url_links: bool = Field(default=True, description="A shared trigger URL (with a path) joins a message.")
    max_checked: int = Field(default=6, ge=1, description="Families scored per message (most shared words).")
    max_posting: int = Field(default=32, ge=4, description="Most recent families remembered per word.")


@dataclass(slots=True)
class Family:
    root: str
    profile: dict[str, float]
    last_seen: str | None = None
    campaigns: list[str] = field(default_factory=list)
    sum: dict[str, float] = field(default_factory=dict)  # running centroid until frozen
    n: int = 0
    frozen: bool = False
    urls: dict[str, int] = field(default_factory=dict)


def content_terms(words: list[str]) -> set[str]:
    """Distinct content words (compatibility helper)."""
    return set(content_words(words))


def url_key(url: str) -> str:
    """Comparable form of a link: host without www, path without trailing slash; "" without a path."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return ""
    path = parts.path.rstrip("/")
    if not host or len(path) < 2:
        return ""  # a bare domain ("nytimes.com") is not evidence of one trigger
    return host + path


def _parse(stamp: str | None) -> datetime | None:
    if stamp is None:
        return None
    t = datetime.fromisoformat(stamp)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class TriggerLinker:
    """Family profiles over background IDF; state is plain data (``to_json``/``from_json``)."""

    def __init__(self, settings: TopicSettings | None = None, background: Background | None = None) -> None:
        self.s = settings or TopicSettings()
        self.bg = background or shipped()
        self.families: dict[str, Family] = {}
        self.family_of: dict[str, str] = {}
        self._by_term: dict[str, deque[str]] = defaultdict(lambda: deque(maxlen=self.s.max_posting))
        self._by_url: dict[str, str] = {}
        self._idf: dict[str, float] = {t: self.bg.idf(t) for t in self.bg.words}
        self._max_idf = self.bg.max_idf
        # word -> weight, 0.0 for stopwords/short/numeric tokens; one dict lookup per distinct word
        self._weight: dict[str, float] = dict(self._idf)
        self._weight.update(dict.fromkeys(_STOP, 0.0))
        # rare words (idf >= rare_idf) that are or were in any family profile: a lone message sharing
        # fewer than min_rare_shared of them with all profiles together cannot attach (attach_words)
        self._rare_terms: set[str] = set()
        self._stamps: dict[str, datetime | None] = {}  # last_seen string -> parsed, for _active

    # -- vectors ---------------------------------------------------------------------------

    def idf(self, t: str) -> float:
        return self._idf.get(t, self._max_idf)

    def vector(self, words: list[str]) -> dict[str, float]:
        """Unit TF-IDF vector of a text's content words (first ``_VECTOR_WORDS``), (1 + log tf) x background IDF."""
        counts = Counter(words[:_VECTOR_WORDS] if len(words) > _VECTOR_WORDS else words)
        weight, log = self._weight, math.log
        if counts.keys() <= weight.keys():  # one C-level test instead of comparing every weight with None
            ws = list(map(weight.__getitem__, counts))
        else:
            ws = [weight[t] if t in weight else self._unseen(t) for t in counts]
        vec: dict[str, float] = {
            t: (w if c == 1 else (1.0 + log(c)) * w) for t, c, w in zip(counts, counts.values(), ws, strict=True) if w
        }
        vals = vec.values()
        norm = math.sqrt(sum(map(operator.mul, vals, vals))) or 1.0
        inv = 1.0 / norm
        return {t: w * inv for t, w in vec.items()}

    def _unseen(self, t: str) -> float:
        """Weight of a word outside the background table (cached while the cache is small)."""
        w = 0.0 if len(t) < 3 or t[0].isdigit() else self._max_idf
        if len(self._weight) < 1_000_000:
            self._weight[t] = w
        return w

    def _active(self, fam: Family, when: datetime | None) -> bool:
        stamp = fam.last_seen
        if stamp is None:
            last = None
        elif stamp in self._stamps:
            last = self._stamps[stamp]
        else:
            last = _parse(stamp)
            if len(self._stamps) >= 4096:
                self._stamps.clear()
            self._stamps[stamp] = last
        if when is None or last is None:
            return True
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        return (when - last).total_seconds() / 3600.0 <= self.s.window_hours

    def _register(self, fam: Family) -> None:
        for t in fam.profile:
            post = self._by_term[t]
            if fam.root not in post:
                post.append(fam.root)
            if self.idf(t) >= self.s.rare_idf:
                self._rare_terms.add(t)

    def _best(self, vec: dict[str, float], when: datetime | None) -> tuple[Family, float, list[str]] | None:
        top = sorted(vec, key=vec.__getitem__, reverse=True)[:10]
        by_term = self._by_term
        # one counting pass over the posting lists of the top words (same order as updating word by word)
        votes: Counter[str] = Counter(chain.from_iterable(by_term[t] for t in top if t in by_term))
        best: tuple[Family, float, list[str]] | None = None
        for root, _ in votes.most_common(self.s.max_checked):
            fam = self.families[root]
            if not self._active(fam, when):
                continue
            prof = fam.profile
            small, big = (prof, vec) if len(prof) <= len(vec) else (vec, prof)
            shared = list(filter(big.__contains__, small))
            cos = sum(map(operator.mul, map(vec.__getitem__, shared), map(prof.__getitem__, shared)))
            if best is None or cos > best[1]:
                best = (fam, cos, shared)
        return best

    def _rare(self, terms: list[str]) -> int:
        """Rare words among profile words (every profile word went through ``_register``, which files
        the rare ones in ``_rare_terms``)."""
        return sum(map(self._rare_terms.__contains__, terms))

    def _add_member(self, fam: Family, vec: dict[str, float], links: list[str]) -> None:
        """A campaign member's words and links join the family centroid until it freezes."""
        if fam.frozen:
            return
        acc = fam.sum
        for t, w in vec.items():
            acc[t] = acc.get(t, 0.0) + w
        fam.n += 1
        for u in {url_key(u) for u in links} - {""}:
            fam.urls[u] = fam.urls.get(u, 0) + 1
            if fam.urls[u] >= 2:
                self._by_url[u] = fam.root
        if fam.n >= self.s.centroid_members or fam.n in (1, 2, 4, 8):
            top = sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))[: self.s.profile_terms]
            norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
            fam.profile = {t: w / norm for t, w in top}
            self._register(fam)
            if len(acc) > 4 * self.s.profile_terms:
                fam.sum = dict(sorted(acc.items(), key=lambda kv: -kv[1])[: 4 * self.s.profile_terms])
        if fam.n >= self.s.centroid_members:
            fam.frozen, fam.sum = True, {}

    def needs_vector(self, campaign_id: str | None) -> bool:
        """Whether this message's words matter (lone message, or a member while its family learns)."""
        if not self.s.enabled:
            return False
        if campaign_id is None:
            return bool(self.families)
        root = self.family_of.get(campaign_id)
        return root is None or not self.families[root].frozen

    # -- decisions -------------------------------------------------------------------------

    def on_campaign(
        self, campaign_id: str, vec: dict[str, float], links: list[str], when: datetime | None
    ) -> tuple[str, str]:
        """Place a newly promoted campaign in a family; returns (family id, evidence)."""
        stamp = when.isoformat() if when else None
        if self.s.enabled:
            best = self._best(vec, when)
            if best is not None:
                fam, cos, shared = best
                rare = self._rare(shared)
                if cos >= self.s.link_cosine and rare >= self.s.min_rare_shared:
                    return self._join(fam, campaign_id, stamp, self._why(fam, cos, shared, vec, self.s.link_cosine))
            hit = self._url_family(links, when)
            if hit is not None:
                return self._join(hit[0], campaign_id, stamp, hit[1])
        fam = Family(campaign_id, {}, stamp, [campaign_id])
        self.families[campaign_id] = fam
        self.family_of[campaign_id] = campaign_id
        if self.s.enabled:
            self._add_member(fam, vec, links)
        return campaign_id, "founds its own family"

    def _join(self, fam: Family, campaign_id: str, stamp: str | None, why: str) -> tuple[str, str]:
        fam.campaigns.append(campaign_id)
        fam.last_seen = stamp or fam.last_seen
        self.family_of[campaign_id] = fam.root
        return fam.root, why

    def _why(self, fam: Family, cos: float, shared: list[str], vec: dict[str, float], need: float) -> str:
        top = sorted(shared, key=lambda t: -fam.profile[t] * vec[t])[:8]
        return (
            f"same trigger as family {fam.root}: cosine {cos:.2f} >= {need:.2f} with its profile (background "
            f"IDF), {len(shared)} shared words, {self._rare(shared)} rare ({', '.join(top)})"
        )

    def _url_family(self, links: list[str], when: datetime | None) -> tuple[Family, str] | None:
        if not self.s.url_links:
            return None
        for u in links:
            k = url_key(u)
            root = self._by_url.get(k) if k else None
            if root is not None and self._active(self.families[root], when):
                return self.families[root], f"same trigger as family {root}: links {k}, a link its members share"
        return None

    def member(self, campaign_id: str, vec: dict[str, float] | None, links: list[str], when: datetime | None) -> str:
        """A campaign received a member: keep its family active (and learning). Returns the family id."""
        root = self.family_of.get(campaign_id)
        if root is None:
            return campaign_id
        fam = self.families[root]
        if when is not None:
            fam.last_seen = when.isoformat()
        if vec is not None and campaign_id == root:
            self._add_member(fam, vec, links)
        return root

    def attach_words(self, words: list[str], links: list[str], when: datetime | None) -> tuple[str, str] | None:
        """:meth:`attach` from the message's words: the same decision, but the TF-IDF vector is built
        only when the message shares at least ``min_rare_shared`` rare profile words with the families
        together (a necessary condition of joining by words; most lone messages fail it)."""
        if not self.s.enabled or not self.families:
            return None
        hit = self._url_family(links, when)
        if hit is None and self.s.min_rare_shared > 0:
            head = words[:_VECTOR_WORDS] if len(words) > _VECTOR_WORDS else words
            if len(self._rare_terms.intersection(head)) < self.s.min_rare_shared:
                return None
        return self.attach(self.vector(words) if hit is None else {}, links, when, hit)

    def attach(
        self,
        vec: dict[str, float],
        links: list[str],
        when: datetime | None,
        url_hit: tuple[Family, str] | None = None,
    ) -> tuple[str, str] | None:
        """A message in no campaign: the family it belongs to, with evidence, or None."""
        if not self.s.enabled or not self.families:
            return None
        hit = url_hit or self._url_family(links, when)
        if hit is not None:
            fam, why = hit
        else:
            best = self._best(vec, when) if vec else None
            if best is None:
                return None
            fam, cos, shared = best
            if (
                cos < self.s.attach_cosine
                or len(shared) < self.s.min_shared_terms
                or self._rare(shared) < self.s.min_rare_shared
            ):
                return None
            why = self._why(fam, cos, shared, vec, self.s.attach_cosine)
        if when is not None:
            fam.last_seen = when.isoformat()
        return fam.root, why

    # -- persistence -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "families": [
                {
                    "root": f.root,
                    "profile": f.profile,
                    "last_seen": f.last_seen,
                    "campaigns": f.campaigns,
                    "sum": f.sum,
                    "n": f.n,
                    "frozen": f.frozen,
                    "urls": f.urls,
                }
                for f in self.families.values()
            ],
        }

    @classmethod
    def from_json(
        cls, data: dict[str, Any], settings: TopicSettings | None = None, background: Background | None = None
    ) -> TriggerLinker:
        linker = cls(settings, background)
        for f in data.get("families", []):
            fam = Family(
                f["root"],
                dict(f["profile"]),
                f["last_seen"],
                list(f["campaigns"]),
                dict(f.get("sum", {})),
                int(f.get("n", 0)),
                bool(f.get("frozen", True)),
                dict(f.get("urls", {})),
            )
            linker.families[fam.root] = fam
            for c in fam.campaigns:
                linker.family_of[c] = fam.root
            linker._register(fam)
            for link, count in fam.urls.items():
                if count >= 2:
                    linker._by_url[link] = fam.root
        return linker
