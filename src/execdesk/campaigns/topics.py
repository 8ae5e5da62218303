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
import weakref
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, compress
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from execdesk.campaigns import native
from execdesk.campaigns.background import _STOP, Background, content_words, shipped
from execdesk.campaigns.model import TopicSettings
from execdesk.campaigns.normalise import Words

_VECTOR_WORDS = 100  # a trigger shows in the first few hundred words; bounds the cost of long texts
VECTOR_WORDS = _VECTOR_WORDS
# word weights of a background table as a compiled hash table (built once per table)
_WEIGHT_TABLES: weakref.WeakKeyDictionary[Background, tuple[native.HashTable, np.ndarray]] = weakref.WeakKeyDictionary()

_WORD = operator.itemgetter(0)  # of a (word, weight) item
_WEIGHT = operator.itemgetter(1)

STOPWORDS: frozenset[str] = _STOP  # kept for compatibility; stopwords live in background.content_words


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
        # the same state as hash tables for the compiled scorer of lone messages (native.family_scores)
        self._mirror: native.FamilyMirror | None = None
        if self.s.enabled and native.load() is not None:
            table = _WEIGHT_TABLES.get(self.bg)
            if table is None:
                table = _WEIGHT_TABLES[self.bg] = native.weight_table(self._weight)
            self._mirror = native.FamilyMirror(table, self._max_idf, self.s.max_posting, self.s.profile_terms)
        # family_scores limits: rare-word gate, families checked, shared and rare words needed
        s = self.s
        self._attach_limits = np.array(
            [s.min_rare_shared, s.max_checked, s.min_shared_terms, s.min_rare_shared], dtype=np.int64
        )
        self._link_limits = np.array([0, s.max_checked, 0, s.min_rare_shared], dtype=np.int64)

    @property
    def compiled(self) -> bool:
        """Whether the compiled family scorer is on (``head_hashes`` then feeds it)."""
        return self._mirror is not None

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
        idf, max_idf, rare_idf = self._idf.get, self._max_idf, self.s.rare_idf  # self.idf, inlined
        flags = [idf(t, max_idf) >= rare_idf for t in fam.profile]
        self._rare_terms.update(compress(fam.profile, flags))
        if self._mirror is not None:  # the compiled scorer keeps the posting lists (_best is not used)
            self._mirror.register(fam.root, fam.profile, flags)
            return
        for t in fam.profile:
            post = self._by_term[t]
            if fam.root not in post:
                post.append(fam.root)

    def _best(self, vec: dict[str, float], when: datetime | None) -> tuple[Family, float, list[str]] | None:
        if self._mirror is not None:  # the posting lists live in the mirror: score words, not vectors
            raise RuntimeError("trigger families: with the compiled scorer, use attach_words/on_campaign(words=)")
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
            terms = self.s.profile_terms
            # only words weighing at least the terms-th largest weight can be in the top: sorting those
            # (ties included, in the dict's order) gives the same top as sorting all of them
            weights = sorted(acc.values())
            items = acc.items()
            if len(weights) > terms:
                floor = weights[-terms]
                items = [kv for kv in items if kv[1] >= floor]  # type: ignore[assignment]
            # by weight, heaviest first, ties by word: two C-level stable sorts give key (-weight, word)
            top = sorted(sorted(items, key=_WORD), key=_WEIGHT, reverse=True)[:terms]
            ws = [w for _, w in top]
            norm = math.sqrt(sum(map(operator.mul, ws, ws))) or 1.0  # the same products, summed in order
            fam.profile = {t: w / norm for t, w in top}
            self._register(fam)
            if len(acc) > 4 * terms:
                floor = weights[-4 * terms]  # the same cut: a stable sort keeps ties in the dict's order
                kept = [kv for kv in acc.items() if kv[1] >= floor]
                # reverse=True keeps equal weights in order, as key=-weight did
                fam.sum = dict(sorted(kept, key=_WEIGHT, reverse=True)[: 4 * terms])
        if fam.n >= self.s.centroid_members:
            fam.frozen, fam.sum = True, {}

    def needs_vector(self, campaign_id: str | None) -> bool:
        """Whether this message's words matter (lone message, or a member of a family's founding
        campaign while the family learns: :meth:`member` ignores the vector of any other member)."""
        if not self.s.enabled:
            return False
        if campaign_id is None:
            return bool(self.families)
        root = self.family_of.get(campaign_id)
        return root == campaign_id and not self.families[campaign_id].frozen

    def vector_of(self, words: list[str], hashed: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, float]:
        """:meth:`vector`, computed by the compiled kernel when it is on (the same floats, in the same
        order); ``hashed``: :meth:`head_hashes` of the words when the caller has them."""
        if self._mirror is None:
            return self.vector(words)
        if hashed is None:
            hashed = self.head_hashes(words)
        pos, val = self._mirror.vector(hashed[0], hashed[1])
        return dict(zip(map(words.__getitem__, pos.tolist()), val.tolist(), strict=True))

    # -- decisions -------------------------------------------------------------------------

    def on_campaign(
        self,
        campaign_id: str,
        vec: dict[str, float],
        links: list[str],
        when: datetime | None,
        words: list[str] | None = None,
        hashed: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[str, str]:
        """Place a newly promoted campaign in a family; returns (family id, evidence). ``words``: those
        ``vec`` was made of (``vector(words)``), for the compiled scorer (required when it is on);
        ``hashed``: :meth:`head_hashes` of them when the caller has them."""
        stamp = when.isoformat() if when else None
        if self.s.enabled:
            if self._mirror is not None:
                if words is None:
                    raise ValueError("on_campaign: the compiled family scorer needs the words of the vector")
                if hashed is None:
                    hashed = self.head_hashes(words)
                hit = self._scored(words, hashed, self._link_limits, self.s.link_cosine, when)
                if hit is not None:
                    return self._join(hit[0], campaign_id, stamp, hit[1])
            else:
                best = self._best(vec, when)
                if best is not None:
                    fam, cos, shared = best
                    rare = self._rare(shared)
                    if cos >= self.s.link_cosine and rare >= self.s.min_rare_shared:
                        why = self._why(fam, cos, shared, vec, self.s.link_cosine)
                        return self._join(fam, campaign_id, stamp, why)
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
        if not self.s.url_links or not self._by_url:  # no family has a link yet: none can match
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

    def head_hashes(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Hashes of the first ``VECTOR_WORDS`` words and which of them may carry a weight outside the
        background table (3 characters or more, not led by a digit), for the compiled scorer."""
        head = words[:_VECTOR_WORDS]
        joined = "\n".join(head)
        if joined.isascii():  # bytes are characters: hashes and flags in one compiled call
            return native.kernels().word_heads(np.frombuffer(joined.encode("ascii"), dtype=np.uint8), len(head))
        content = np.fromiter((len(w) > 2 and not w[0].isdigit() for w in head), dtype=np.uint8, count=len(head))
        return native.word_hashes(head), content

    def attach_words(
        self,
        words: list[str] | Words,
        links: list[str],
        when: datetime | None,
        hashed: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[str, str] | None:
        """:meth:`attach` from the message's words: the same decision, but the TF-IDF vector is built
        only when the message shares at least ``min_rare_shared`` rare profile words with the families
        together (a necessary condition of joining by words; most lone messages fail it).

        With the compiled scorer the vector and the scoring run in ``native.family_scores`` (same
        decision, same evidence); ``hashed``: :meth:`head_hashes` of the words when the caller has
        them (``native.featurise`` does for ASCII text)."""
        if not self.s.enabled or not self.families:
            return None
        hit = self._url_family(links, when)
        if hit is None and self._mirror is not None:
            if hashed is None:
                hashed = self.head_hashes(words.head(_VECTOR_WORDS) if isinstance(words, Words) else words)
            scored = self._scored(words, hashed, self._attach_limits, self.s.attach_cosine, when)
            if scored is None:
                return None
            fam, why = scored
            if when is not None:
                fam.last_seen = when.isoformat()
            return fam.root, why
        if isinstance(words, Words):
            words = words.list
        if hit is None and self.s.min_rare_shared > 0:
            head = words[:_VECTOR_WORDS] if len(words) > _VECTOR_WORDS else words
            if len(self._rare_terms.intersection(head)) < self.s.min_rare_shared:
                return None
        return self.attach(self.vector(words) if hit is None else {}, links, when, hit)

    def _scored(
        self,
        words: list[str] | Words,
        hashed: tuple[np.ndarray, np.ndarray],
        limits: np.ndarray,
        need: float,
        when: datetime | None,
    ) -> tuple[Family, str] | None:
        """:meth:`_best` and the threshold test of :meth:`attach` / :meth:`on_campaign`, compiled
        (``native.family_scores``): candidate families, cosines and threshold tests come ordered by
        cosine, and the first active one is ``_best``'s choice. Most messages have no candidate that
        passes: no activity check then. Returns (family, evidence) when the choice passes."""
        mirror = self._mirror
        assert mirror is not None
        n_cand, n_pass = mirror.scores(hashed[0], hashed[1], limits, need)
        if n_pass == 0:
            return None
        roots = mirror.roots
        for c, fid in enumerate(mirror.out_fam[:n_cand].tolist()):  # noqa: B007 (c: the chosen row)
            fam = self.families[roots[fid]]
            if self._active(fam, when):
                break
        else:
            return None
        n, rare, passes = mirror.out_counts[c].tolist()
        if not passes:
            return None
        cos = float(mirror.out_cos[c])
        word_list = words.head(_VECTOR_WORDS) if isinstance(words, Words) else words  # positions < 100
        terms = [word_list[i] for i in mirror.out_shared[c, :n].tolist()]
        keys = mirror.out_prods[c, :n].tolist()
        top = [terms[i] for i in sorted(range(n), key=lambda i: -keys[i])[:8]]
        return fam, (
            f"same trigger as family {fam.root}: cosine {cos:.2f} >= {need:.2f} with its profile (background "
            f"IDF), {n} shared words, {rare} rare ({', '.join(top)})"
        )

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
