"""Streaming campaign detection: one :meth:`CampaignDetector.assign` call per arriving message.

How a message is judged (each step is in the returned evidence):

0. Lines that many different threads repeat verbatim (list footers, disclaimers) are learnt as
   boilerplate and removed (:mod:`execdesk.campaigns.boilerplate`), so only the rest must match.
1. :func:`~execdesk.campaigns.normalise.clean` drops greetings, sign-offs, self-introductions and
   addresses; the rest becomes word 3-gram shingles and a 128-value MinHash (rensa).
2. LSH bands find earlier messages that may be similar (candidates).
3. A candidate that belongs to a group sends us to that group's *form* (its seed's shingles,
   later the core most members share). The message joins when it contains
   ``contain_threshold`` of the form (a copy with an added paragraph) or the form contains that
   share of the message (a copy with a paragraph removed), and the smaller direction is at
   least ``overlap_floor``. It is compared with the form only, never with the member that led
   there, so a chain A~B~C cannot pull C in when C is far from the form (no single-linkage drift),
   and two groups are never merged.
4. Otherwise, candidates that are still singletons and pass the same test (estimated from the
   signatures) form a new group seeded by this message.
5. A group becomes a campaign when ``min_size`` distinct senders are in it.
6. The campaign, or a message in no campaign, is placed in a trigger *family* (same trigger,
   other wording) by :class:`~execdesk.campaigns.topics.TriggerLinker`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import rensa

from execdesk.campaigns import native
from execdesk.campaigns.boilerplate import BoilerplateModel
from execdesk.campaigns.index import CampaignIndex, Candidates, InMemoryCampaignIndex
from execdesk.campaigns.model import Assignment, CampaignDoc, CampaignSettings, GroupState
from execdesk.campaigns.normalise import (
    Words,
    ascii_token_table,
    clean,
    sentences,
    shingle_set,
    shingles,
    token_bytes,
    tokens,
    urls,
)
from execdesk.campaigns.topics import VECTOR_WORDS, TriggerLinker
from execdesk.collector import collector_paused

_B_BITS_CHANCE = 1.0 / 65536.0
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SHIFT32 = np.uint64(32)
_REP_CACHE = 8192
_TOKEN_TABLE = np.frombuffer(ascii_token_table(), dtype=np.uint8)
_IDENTITY = np.frombuffer(bytes(range(256)), dtype=np.uint8)
_NO_HASHES = np.empty(0, dtype=np.uint64)


def fingerprint(settings: CampaignSettings) -> dict[str, int]:
    """Settings that change signatures or band keys; a persisted index is valid only for these."""
    return {
        "shingle_words": settings.shingle_words,
        "max_words": settings.max_words,
        "num_perm": settings.num_perm,
        "lsh_bands": settings.lsh_bands,
        "lsh_rows": settings.lsh_rows,
        "seed": settings.seed,
    }


def campaign_id_for(seed_key: str) -> str:
    """Stable id derived from the seed message's key: the same on every worker and after restarts."""
    return "cmp_" + hashlib.sha1(seed_key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def sender_id(sender: str, key: str) -> int:
    """32-bit id of a sender address; a message without one counts as its own sender."""
    s = sender.strip().lower() or "key:" + key
    return zlib.crc32(s.encode("utf-8", "surrogatepass"))


class Signer:
    """Text -> (shingles, MinHash signature, LSH band keys). Deterministic across processes.

    With the compiled kernels (:mod:`execdesk.campaigns.native`), :meth:`features` gives a message's
    distinct shingle hashes, signature, band keys and first word hashes in one call; the signature
    and band keys are the ones :meth:`signature` and :meth:`bands` give (rensa)."""

    def __init__(self, settings: CampaignSettings) -> None:
        if settings.lsh_bands * settings.lsh_rows > settings.num_perm:
            raise ValueError("campaigns: lsh_bands * lsh_rows must not exceed num_perm")
        self.s = settings
        rng = np.random.default_rng(0x5EED + settings.seed)
        self._mult = rng.integers(1, 2**63, size=settings.lsh_rows, dtype=np.uint64) | np.uint64(1)
        self._salt = rng.integers(1, 2**63, size=settings.lsh_bands, dtype=np.uint64)
        self._n = settings.lsh_bands * settings.lsh_rows
        self._k = native.load()
        self.native = self._k is not None
        if self.native:
            self._perm_a, self._perm_b = native.rensa_permutations(settings.num_perm, settings.seed)
            # what featurise writes (reused by every message: valid until the next call)
            self.sig = np.zeros(settings.num_perm, dtype=np.uint32)
            self.bsig = np.zeros(settings.num_perm, dtype=np.uint16)
            self._bands = np.zeros(settings.lsh_bands, dtype=np.uint32)
            self._head = np.zeros(VECTOR_WORDS, dtype=np.uint64)
            self._content = np.zeros(VECTOR_WORDS, dtype=np.uint8)
            self._room(4096)

    def _room(self, n: int) -> None:
        """Scratch arrays of ``featurise`` for texts of up to ``n`` bytes."""
        self._cap = n
        self._buf = np.zeros(n, dtype=np.uint8)
        self._starts = np.zeros(n // 2 + 1, dtype=np.int64)
        self._ends = np.zeros(n // 2 + 1, dtype=np.int64)
        self._hs = np.zeros(n // 2 + 1, dtype=np.uint64)

    def words(self, text: str) -> tuple[str, list[str]]:
        cleaned = clean(text)
        return cleaned, tokens(cleaned, self.s.max_words)

    def features(self, cleaned: str) -> tuple[str, bool, tuple[Any, ...]]:
        """Of cleaned text: (its first ``max_words`` tokens joined by single spaces, whether they are
        ASCII, and ``_kernels.featurise``'s shingle hashes (in order, repeats kept), distinct shingle
        count, signature, band keys, hashes of the first ``VECTOR_WORDS`` words, which of those can
        carry a weight, and the joined tokens as bytes). The tokens are those of :meth:`words`: ASCII
        text goes through the byte table in the compiled call, text whose other characters are
        punctuation through :func:`token_bytes`, the rest through :func:`tokens` (the regex).

        The arrays are views of this signer's scratch arrays, valid until its next call (and
        :attr:`bsig`, the signature's low 16 bits, with them): copy what must outlive the message."""
        if cleaned.isascii():
            f = self._featurise(np.frombuffer(cleaned.encode("ascii"), dtype=np.uint8), _TOKEN_TABLE)
            return f[6].tobytes().decode("ascii"), True, f
        tb = token_bytes(cleaned)
        if tb is None:
            joined = " ".join(tokens(cleaned, self.s.max_words))
            f = self._featurise(native.utf8(joined), _IDENTITY)
            return joined, joined.isascii(), f
        f = self._featurise(np.frombuffer(tb, dtype=np.uint8), _TOKEN_TABLE)
        return f[6].tobytes().decode("ascii"), True, f

    def _featurise(self, text: np.ndarray, table: np.ndarray) -> tuple[Any, ...]:
        if len(text) > self._cap:
            self._room(max(len(text), 2 * self._cap))
        m, n_hs, n, nh = self._k.featurise(  # type: ignore[union-attr]
            text,
            table,
            self.s.max_words,
            self.s.shingle_words,
            VECTOR_WORDS,
            self._perm_a,
            self._perm_b,
            self._mult,
            self._salt,
            self._buf,
            self._starts,
            self._ends,
            self._hs,
            self.sig,
            self.bsig,
            self._bands,
            self._head,
            self._content,
        )
        return self._hs[:n_hs], n, self.sig, self._bands, self._head[:nh], self._content[:nh], self._buf[:m]

    def signature(self, shingle_list: Iterable[str]) -> np.ndarray:
        mh = rensa.RMinHash(self.s.num_perm, self.s.seed)
        mh.update(shingle_list)
        return np.array(mh.digest(), dtype=np.uint32)

    def bands(self, sig: np.ndarray) -> np.ndarray:
        rows = sig[: self._n].astype(np.uint64).reshape(self.s.lsh_bands, self.s.lsh_rows)
        h = (rows @ self._mult) ^ self._salt  # uint64 arithmetic wraps: the same as sum(rows * mult)
        h *= _GOLDEN
        h ^= h >> _SHIFT32
        return h.astype(np.uint32)


_ASSIGNMENT_FIELDS = tuple(f.name for f in dataclasses.fields(Assignment))


def _replace(a: Assignment, **changes: Any) -> Assignment:
    """``dataclasses.replace`` for an assignment, half the cost (it runs for most messages)."""
    return Assignment(*[changes[f] if f in changes else getattr(a, f) for f in _ASSIGNMENT_FIELDS])


def _with_family(a: Assignment, family_id: str, evidence: str) -> Assignment:
    """``_replace(a, family_id=..., family_evidence=...)``, field by field (the family layer's result;
    positional: half the cost of ``_replace``, and the field list is checked below)."""
    return Assignment(
        a.key,
        a.campaign_id,
        a.is_new_campaign,
        a.group_id,
        a.group_size,
        a.matched_key,
        a.similarity,
        a.jaccard,
        a.adds_own_text,
        a.own_text,
        a.joined_earlier,
        a.evidence,
        family_id,
        evidence,
    )


if _ASSIGNMENT_FIELDS[-2:] != ("family_id", "family_evidence") or len(_ASSIGNMENT_FIELDS) != 14:
    raise RuntimeError("campaigns: Assignment's fields changed; update detector._with_family")


def _passes(cf: float, cd: float, s: CampaignSettings) -> bool:
    return max(cf, cd) >= s.contain_threshold and min(cf, cd) >= s.overlap_floor


class CampaignDetector:
    """Assigns each arriving message to a campaign, a candidate group, or nothing (pure of I/O).

    Not thread-safe: one detector per index partition, messages in arrival order.
    """

    def __init__(self, settings: CampaignSettings | None = None, index: CampaignIndex | None = None) -> None:
        self.settings = settings or CampaignSettings()
        self.signer = Signer(self.settings)
        self.index: CampaignIndex = index or InMemoryCampaignIndex(self.settings.num_perm, fingerprint(self.settings))
        # group id -> (version, seed_norm, core, distinct seed shingles in order, form): strings and a
        # frozenset on the Python path, uint64 hash arrays (in order; sorted) with the compiled kernels.
        # A hit needs the same seed text and core too (see _rep), not only the same id and version.
        self._reps: OrderedDict[str, tuple[int, str, str | None, Any, Any]] = OrderedDict()
        self._native = self.signer.native
        self._k: Any = native.load() if self._native else None
        # InMemoryCampaignIndex.query takes the signature and counts equal b-bit values (compiled path)
        self._counted = self._native and type(self.index) is InMemoryCampaignIndex
        self._own_out = np.zeros((3, 4096), dtype=np.int64)  # own_pieces' output: start, end, tokens
        self._doc_table = np.zeros(4097, dtype=np.uint64)  # hash_set of a group candidate's shingle hashes
        self.topics = TriggerLinker(self.settings.topics)
        self.boilerplate = BoilerplateModel(self.settings.boilerplate)

    def save(self, path: Path) -> None:
        """Snapshot the in-memory index, boilerplate lines and trigger families to one file (atomic replace)."""
        if not isinstance(self.index, InMemoryCampaignIndex):
            raise TypeError("save() is for the in-memory index; a shared store persists itself")
        with collector_paused():  # decision 0315
            self.index.extra = {
                **self.index.extra,
                "topics": self.topics.to_json(),
                "boilerplate": self.boilerplate.to_json(),
            }
            self.index.save(path)

    @classmethod
    def load(cls, path: Path, settings: CampaignSettings | None = None) -> CampaignDetector:
        """Resume from a snapshot; refuses one built with different shingling/MinHash settings."""
        settings = settings or CampaignSettings()
        with collector_paused():  # decision 0315
            index = InMemoryCampaignIndex.load(path, fingerprint(settings))
            det = cls(settings, index)
            if "topics" in index.extra:
                det.topics = TriggerLinker.from_json(index.extra["topics"], settings.topics)
            if "boilerplate" in index.extra:
                det.boilerplate = BoilerplateModel.from_json(index.extra["boilerplate"], settings.boilerplate)
        return det

    # -- the form of a group ---------------------------------------------------------------

    def _seed_shingles(self, group: GroupState) -> list[str]:
        return list(dict.fromkeys(shingles(group.seed_norm.split(" "), self.settings.shingle_words)))

    def _rep(self, group: GroupState) -> tuple[Any, Any]:
        """(distinct seed shingles in order, current form set), cached per group version. With the
        compiled kernels both are 64-bit shingle hashes: in seed order, and sorted."""
        hit = self._reps.get(group.id)
        # keyed by what the values are computed from, not by the id alone: a group seeded again
        # under the same id (a key reused by another message) must not get another seed's form
        if hit is not None and hit[0] == group.version and hit[1] == group.seed_norm and hit[2] == group.core:
            self._reps.move_to_end(group.id)
            return hit[3], hit[4]
        seed_unique: Any
        form: Any
        if self._native:
            seed_unique = self._k.unique_in_order(
                self._k.shingle_hashes(native.utf8(group.seed_norm), self.settings.shingle_words)
            )
            if group.core is not None:
                form = self._k.unique_sorted(self._k.line_hashes(native.utf8(group.core)))
            else:
                form = self._k.unique_sorted(seed_unique)
        else:
            seed_unique = self._seed_shingles(group)
            form = frozenset(group.core.split("\n")) if group.core is not None else frozenset(seed_unique)
        self._reps[group.id] = (group.version, group.seed_norm, group.core, seed_unique, form)
        if len(self._reps) > _REP_CACHE:
            self._reps.popitem(last=False)
        return seed_unique, form

    def _vote(self, group: GroupState, doc_set: Any, seed_unique: Any) -> None:
        """Let an early member vote on the form; freeze the core after ``rep_sample`` votes. ``doc_set``:
        the message's distinct shingles, or with the compiled kernels the capacity of the hash set of
        their hashes in ``_doc_table``; ``seed_unique``: the group's seed shingles from :meth:`_rep`."""
        if group.core is not None:
            return
        s = self.settings
        if not group.sample_counts:
            group.sample_counts = [1] * len(seed_unique)
            group.n_sampled = 1
        if self._native:  # doc_set: the message's shingle hashes as a hash set (see _try_groups)
            hits = self._k.set_members(seed_unique, self._doc_table, doc_set).tolist()
            group.sample_counts = list(map(int.__add__, group.sample_counts, hits))
        else:
            counts = zip(group.sample_counts, seed_unique, strict=True)
            group.sample_counts = [c + (sh in doc_set) for c, sh in counts]
        group.n_sampled += 1
        if group.n_sampled >= s.rep_sample:
            if self._native:
                seed_unique = self._seed_shingles(group)
            need = s.core_share * group.n_sampled
            core = [sh for sh, c in zip(seed_unique, group.sample_counts, strict=True) if c >= need]
            if len(core) < max(s.min_shingles, 0.3 * len(seed_unique)):
                core = seed_unique
            group.core = "\n".join(core)
            group.sample_counts = []
            group.version += 1

    def _own_text(self, cleaned: str, form: Any, in_order: np.ndarray | None = None) -> tuple[str, int]:
        """Sentences of the message mostly outside the form, and their word count. ``in_order``: the
        message's shingle hashes in order as :meth:`Signer.features` gave them for ``cleaned`` (compiled
        path): the split reads a sentence's shingles from there instead of hashing them again."""
        k = self.settings.shingle_words
        own: list[str] = []
        n_words = 0
        if self._native and cleaned.isascii():  # the same test: sentences, tokens and shingles in one call
            text = np.frombuffer(cleaned.encode("ascii"), dtype=np.uint8)
            if self._own_out.shape[1] <= len(text):
                self._own_out = np.zeros((3, max(len(text) + 1, 2 * self._own_out.shape[1])), dtype=np.int64)
            hs = in_order if in_order is not None else _NO_HASHES
            n_own = self._k.own_pieces(text, _TOKEN_TABLE, self.settings.max_words, k, form, hs, len(hs), self._own_out)
            if not n_own:
                return "", 0
            starts, ends, n_w = self._own_out[:, :n_own].tolist()
            return " ".join([cleaned[a:b].strip() for a, b in zip(starts, ends, strict=True)]), sum(n_w)
        if self._native:  # the same test, shingles of all sentences counted in one call
            kept = []
            for sentence in sentences(cleaned):
                words = tokens(sentence, self.settings.max_words)
                if len(words) >= 3:
                    kept.append((sentence, words))
            if not kept:
                return "", 0
            joined = "\n".join(" ".join(words) for _, words in kept)
            n_sh, inside = self._k.line_shingles_inside(native.utf8(joined), k, form)
            for (sentence, words), n, i in zip(kept, n_sh.tolist(), inside.tolist(), strict=True):
                if i < 0.5 * n:
                    own.append(sentence)
                    n_words += len(words)
            return " ".join(own), n_words
        for sentence in sentences(cleaned):
            words = tokens(sentence, self.settings.max_words)
            if len(words) < 3:
                continue
            sh = shingles(words, k)
            inside = sum(map(form.__contains__, sh))
            if inside < 0.5 * len(sh):
                own.append(sentence)
                n_words += len(words)
        return " ".join(own), n_words

    # -- the decision ----------------------------------------------------------------------

    def assign(self, doc: CampaignDoc) -> Assignment:
        """Decide for one arriving message; updates the index. Call in arrival order."""
        s = self.settings
        when = doc.received_at.isoformat() if doc.received_at is not None else None
        if when is not None and isinstance(self.index, InMemoryCampaignIndex):
            self.index.watermark = when
        text, dropped = self.boilerplate.strip(doc.text, doc.subject)
        doc_set: Any
        head: tuple[np.ndarray, np.ndarray] | None = None
        if self._native:  # tokens, shingle hashes, signature and band keys in one compiled call
            cleaned = clean(text)
            # doc_set: the shingle hashes in order (made a hash set only when a group is checked)
            joined, ascii_words, (doc_set, n, sig, bands, head_h, content, _) = self.signer.features(cleaned)
            words = Words(joined)
            if ascii_words:  # the compiled family scorer reads ASCII words (weights need char counts)
                head = (head_h, content)
        else:
            cleaned, word_list = self.signer.words(text)
            words = Words(None, word_list)
            doc_set = shingle_set(word_list, s.shingle_words)  # MinHash is a minimum per permutation: the set suffices
            n = len(doc_set)
        links = list(doc.links)
        if "http" in text or "www." in text:
            links += urls(text)
        if n < s.min_shingles:
            why = f"too short to compare: {n} distinct shingles < {s.min_shingles}"
            if dropped:
                why += f" (after dropping {dropped} boilerplate line(s))"
            return self._family(Assignment(doc.key, None, evidence=why), words, links, doc.received_at, head)
        if self._native:
            bsig = self.signer.bsig  # b-bit: the low 16 bits (written by featurise)
        else:
            sig = self.signer.signature(doc_set)
            bands = self.signer.bands(sig)
            bsig = sig.astype(np.uint16)  # b-bit: the low 16 bits
        if self._counted:  # the in-memory index counts equal b-bit values in its compiled lookup
            cands = self.index.query(bands, s.max_candidates, bsig)  # type: ignore[call-arg]
        else:
            cands = self.index.query(bands, s.max_candidates)
        sender = sender_id(doc.sender, doc.key)

        # chance-corrected b-bit Jaccard estimates, as plain floats (a few candidates: no numpy per value)
        est: list[float] = []
        if cands.keys:
            perms = cands.signatures.shape[1]
            counts = cands.same
            if counts is None:
                counts = np.count_nonzero(cands.signatures == bsig, axis=1).tolist()
            for same in counts:
                e = (same / perms - _B_BITS_CHANCE) / (1.0 - _B_BITS_CHANCE)
                est.append(min(max(e, 0.0), 1.0))

        result = self._try_groups(doc, cleaned, doc_set, n, bsig, bands, cands, est, sender, when)
        if result is None:
            result = self._try_singletons(doc, words, n, bsig, bands, cands, est, sender, when)
        if dropped:
            result = _replace(result, evidence=result.evidence + f"; {dropped} boilerplate line(s) ignored")
        return self._family(result, words, links, doc.received_at, head)

    def _family(
        self,
        a: Assignment,
        words: Words,
        links: list[str],
        when: datetime | None,
        head: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Assignment:
        """Add the trigger family: of the campaign, or by topic/link for a message in no campaign."""
        topics = self.topics
        if a.campaign_id is not None:
            if a.is_new_campaign:
                group = self.index.get_group(a.campaign_id)
                # the family layer reads the first VECTOR_WORDS words only (vector, head hashes, evidence)
                seed = group.seed_norm.split(" ", VECTOR_WORDS)[:VECTOR_WORDS] if group else []
                both = (seed + words.head(VECTOR_WORDS))[:VECTOR_WORDS]
                hashed = topics.head_hashes(both) if topics.compiled else None  # once for both calls
                fam, ev = topics.on_campaign(a.campaign_id, topics.vector_of(both, hashed), links, when, both, hashed)
            else:
                vec = topics.vector_of(words.head(VECTOR_WORDS), head) if topics.needs_vector(a.campaign_id) else None
                fam, ev = topics.member(a.campaign_id, vec, links, when), "its campaign's family"
            return _with_family(a, fam, ev)
        hit = topics.attach_words(words, links, when, head)
        if hit is None:
            return a
        return _with_family(a, hit[0], hit[1])

    def _try_groups(
        self,
        doc: CampaignDoc,
        cleaned: str,
        doc_set: Any,
        n: int,
        bsig: np.ndarray,
        bands: np.ndarray,
        cands: Candidates,
        est: list[float],
        sender: int,
        when: str | None,
    ) -> Assignment | None:
        s = self.settings
        best: tuple[float, GroupState, float, float, int, Any, Any] | None = None  # with _rep's values
        seen: set[str] = set()
        if cands.groups.count(None) == len(cands.groups):  # no candidate in a group
            return None
        in_order = None
        if self._native:  # the distinct shingle hashes as a hash set: containment and votes probe it
            if len(self._doc_table) < 4 * len(doc_set) + 17:
                self._doc_table = np.zeros(8 * len(doc_set) + 17, dtype=np.uint64)
            in_order, doc_set = doc_set, self._k.hash_set(doc_set, self._doc_table)
        # stable (reverse keeps equal keys in order): most similar first, then oldest
        for i in sorted(range(len(est)), key=est.__getitem__, reverse=True):
            gid = cands.groups[i]
            if gid is None or gid in seen:
                continue
            seen.add(gid)
            group = self.index.get_group(gid)
            if group is None:
                continue
            seed_unique, form = self._rep(group)
            if self._native:
                inter = self._k.set_count(form, self._doc_table, doc_set)
            else:
                inter = len(doc_set & form) if len(doc_set) < len(form) else len(form & doc_set)
            cf, cd = inter / max(1, len(form)), inter / max(1, n)
            jac = inter / max(1, len(form) + n - inter)
            if _passes(cf, cd, s) and (best is None or jac > best[0]):
                best = (jac, group, cf, cd, inter, seed_unique, form)
            if len(seen) >= 8:
                break
        if best is None:
            return None
        jac, group, cf, cd, inter, seed_unique, form = best
        form_n = len(form)
        members = [i for i, g in enumerate(cands.groups) if g == group.id]
        nearest = max(members, key=lambda i: est[i])
        own, own_words = "", 0
        if n - inter >= s.own_text_min_words // 2:  # cheap bound first: most members add nothing
            own, own_words = self._own_text(cleaned, form, in_order)
        adds_own = own_words >= s.own_text_min_words

        group.size += 1
        group.last_seen = when or group.last_seen
        self._vote(group, doc_set, seed_unique)
        is_new, earlier = False, tuple[str, ...]()
        if not group.promoted:
            if sender not in group.senders:
                group.senders.append(sender)
            group.pending.append(doc.key)
            if len(group.senders) >= s.min_size:
                group.promoted, is_new = True, True
                earlier = tuple(k for k in group.pending if k != doc.key)
                group.pending, group.senders = [], []
        if group.indexed_members < s.max_indexed_members and jac < s.near_copy:
            self.index.add(doc.key, bsig, n, sender, bands, group.id)
            group.indexed_members += 1
        self.index.put_group(group)
        cid = group.id if group.promoted else None
        state = "new campaign" if is_new else ("campaign" if group.promoted else "candidate group")
        evidence = (
            f"{state} {group.id} (size {group.size}): message contains {cf:.2f} of the form "
            f"({inter}/{form_n} shingles) and the form is {cd:.2f} of the message; Jaccard {jac:.2f}; "
            f"rule max>={s.contain_threshold:.2f} and min>={s.overlap_floor:.2f}; "
            f"nearest indexed member {cands.keys[nearest]} (est. Jaccard {est[nearest]:.2f})"
        )
        if adds_own:
            evidence += f"; adds {own_words} words of its own (>= {s.own_text_min_words})"
        return Assignment(
            doc.key,
            cid,
            is_new,
            group.id,
            group.size,
            cands.keys[nearest],
            round(max(cf, cd), 4),
            round(jac, 4),
            adds_own,
            own if adds_own else "",
            earlier,
            evidence,
        )

    def _try_singletons(
        self,
        doc: CampaignDoc,
        words: Words,
        n: int,
        bsig: np.ndarray,
        bands: np.ndarray,
        cands: Candidates,
        est: list[float],
        sender: int,
        when: str | None,
    ) -> Assignment:
        s = self.settings
        partners: list[tuple[int, float, float, float]] = []
        if est:
            ct, floor = s.contain_threshold, s.overlap_floor
            for i, (e, size, g) in enumerate(zip(est, cands.sizes.tolist(), cands.groups, strict=True)):
                if g is not None:
                    continue
                inter = e * (n + size) / (1.0 + e)  # the intersection implied by the Jaccard estimate
                cf = min(inter / max(1.0, size), 1.0)
                cd = min(inter / n, 1.0)
                if max(cf, cd) >= ct and min(cf, cd) >= floor:
                    partners.append((i, e, cf, cd))
        if not partners:
            self.index.add(doc.key, bsig, n, sender, bands, None)
            best = f"; best candidate est. Jaccard {max(est):.2f}" if est else ""
            return Assignment(
                doc.key, None, evidence=f"no near-identical earlier message ({len(est)} candidates{best})"
            )
        gid = campaign_id_for(doc.key)
        group = GroupState(id=gid, seed_key=doc.key, seed_norm=words.joined, first_seen=when, last_seen=when)
        group.senders = [sender]
        for i, *_ in partners:
            self.index.set_group(int(cands.slots[i]), gid)
            group.pending.append(cands.keys[i])
            group.indexed_members += 1
        group.size = 1 + len(partners)
        senders = cands.senders.tolist()
        group.senders = list(dict.fromkeys([sender] + [senders[i] for i, *_ in partners]))
        group.pending.append(doc.key)
        is_new, earlier = False, tuple[str, ...]()
        if len(group.senders) >= s.min_size:
            group.promoted, is_new = True, True
            earlier = tuple(k for k in group.pending if k != doc.key)
            group.pending, group.senders = [], []
        self.index.add(doc.key, bsig, n, sender, bands, gid)
        group.indexed_members += 1
        self.index.put_group(group)
        i, j, pcf, pcd = max(partners, key=lambda p: p[1])
        state = "new campaign" if is_new else "candidate group"
        evidence = (
            f"{state} {gid} seeded by this message with {len(partners)} earlier message(s); nearest "
            f"{cands.keys[i]}: est. Jaccard {j:.2f}, containment {max(pcf, pcd):.2f}/{min(pcf, pcd):.2f}; "
            f"rule max>={s.contain_threshold:.2f} and min>={s.overlap_floor:.2f}"
        )
        return Assignment(
            doc.key,
            gid if is_new else None,
            is_new,
            gid,
            group.size,
            cands.keys[i],
            round(max(pcf, pcd), 4),
            round(j, 4),
            False,
            "",
            earlier,
            evidence,
        )
