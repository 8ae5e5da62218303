"""Compiled per-message path of the campaign stage (numba), with the decisions of the Python path.

One call per message takes the message's tokens (the byte-table output of ``normalise.token_bytes``,
or the tokens joined by spaces) and writes the shingle hashes, the 128-value MinHash signature, the
LSH band keys and the hashes of the first words (for trigger families) into the signer's scratch
arrays, instead of ~200 shingle strings, a Python set and a rensa call (``_kernels.featurise``).
Kernels called per message return ints and write arrays the caller owns where they can: numba boxes
each returned array at ~1-2 us (docs/decisions/0310).

* Shingle hash: rensa's token hash (rustc-hash ``FxHasher::write`` over the UTF-8 bytes, then
  ``finish``), the hash rensa 0.5 computes for a ``str`` token.
* MinHash: rensa's R-MinHash algorithm version 2 (three seeded bucket rounds, per-slot fallback),
  the signature ``rensa.RMinHash(num_perm, seed).update(shingles).digest()`` gives, so signatures,
  band keys and snapshots are those of the Python path. See docs/decisions/0309.
* Containment and form votes compare 64-bit shingle hashes (sorted arrays) instead of shingle
  strings: the same counts unless two different shingles of a message and its group's form share a
  64-bit hash (about 1e-14 per message).
* Trigger families: :class:`FamilyMirror` keeps the family profiles, posting lists and rare words in
  hash tables keyed by 64-bit word hashes; ``_kernels.family_scores`` computes the TF-IDF vector,
  the candidate families and their cosines with the float operations of ``TriggerLinker``, in the
  same order (``sum`` as the running Python sums floats).
* The LSH bucket table (``index.BandTable``) is read and written by ``_kernels.band_lookup`` /
  ``band_insert``, and the own-text split of a member (``detector._own_text``) by
  ``_kernels.own_pieces``.

:func:`load` imports the kernels on first use. It answers ``None`` when numba cannot be imported or
``EXECDESK_CAMPAIGNS_NATIVE=0``: the detector then takes the Python path (rensa and string sets),
which gives the same decisions, about twice as slow. Compiled code is cached on disk
(``cache=True``: next to the package, else numba's user cache directory; ``NUMBA_CACHE_DIR``
overrides); when no location is writable, or ``EXECDESK_NUMBA_CACHE=0``, the kernels compile in
memory in every process (~25 s of CPU; loading them from the cache takes ~2 s, see
:func:`warm_up`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np

RENSA_ALGORITHM_VERSION = 2  # the rensa R-MinHash version the kernels reproduce
COMPENSATED_SUM = sys.version_info >= (3, 12)  # Python's float sum() is compensated from 3.12 on

_loaded: list[ModuleType | None] = []
_python_only: list[bool] = []


def load() -> ModuleType | None:
    """The kernels module, imported on the first call; ``None`` when numba is missing or broken, or
    ``EXECDESK_CAMPAIGNS_NATIVE=0`` (or inside :func:`python_path`)."""
    if _python_only:
        return None
    if not _loaded:
        kernels: ModuleType | None = None
        if os.environ.get("EXECDESK_CAMPAIGNS_NATIVE", "1") != "0":
            try:
                from execdesk.campaigns import _kernels

                kernels = _kernels
            except Exception:  # numba/llvmlite missing or incompatible: the Python path
                kernels = None
        _loaded.append(kernels)
    return _loaded[0]


@contextmanager
def python_path() -> Iterator[None]:
    """Detectors (signers, indexes, trigger linkers) made inside take the Python path: for comparing
    the two paths in one process (tests, ``bench_campaigns.py --python``)."""
    _python_only.append(True)
    try:
        yield
    finally:
        _python_only.pop()


def kernels() -> Any:
    """:func:`load`, for callers that checked it is available."""
    k = load()
    if k is None:
        raise RuntimeError("campaigns: the compiled kernels are not available")
    return k


def utf8(text: str) -> np.ndarray:
    """The bytes the kernels read (surrogates kept as in ``surrogatepass``)."""
    return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)


def word_hashes(words: list[str]) -> np.ndarray:
    """64-bit hashes of words (newline-free), the keys of the family tables."""
    if not words:
        return np.empty(0, dtype=np.uint64)
    return kernels().line_hashes(utf8("\n".join(words)))


class HashTable:
    """Open-addressing table of 64-bit keys (load <= 1/2) with parallel value arrays made by the owner."""

    def __init__(self, capacity: int = 1024) -> None:
        cap = 1 << max(4, (2 * capacity - 1).bit_length())
        self.keys = np.zeros(cap, dtype=np.uint64)
        self.used = np.zeros(cap, dtype=np.uint8)
        self.count = 0

    def needs_room(self, extra: int) -> bool:
        return (self.count + extra) * 2 > len(self.keys)


def weight_table(weights: dict[str, float]) -> tuple[HashTable, np.ndarray]:
    """Word -> weight as a hash table of word hashes and an array of weights by slot."""
    words = list(weights)
    table = HashTable(len(words))
    slots = kernels().table_fill(table.keys, table.used, word_hashes(words))
    table.count = int(table.used.sum())
    vals = np.zeros(len(table.keys), dtype=np.float64)
    vals[slots] = np.fromiter(weights.values(), dtype=np.float64, count=len(words))
    return table, vals


class FamilyMirror:
    """The state of ``TriggerLinker`` that scoring a lone message reads, as arrays for
    :func:`family_scores`: word weights (static), rare profile words, posting lists (word -> most
    recent families) and each family's profile. Updated by ``TriggerLinker._register``."""

    def __init__(
        self, weights: tuple[HashTable, np.ndarray], unseen_weight: float, max_posting: int, profile_terms: int
    ) -> None:
        self._k = kernels()
        self.w, self.w_vals = weights  # read only: shared by the mirrors of one background table
        self.unseen_weight = unseen_weight
        self.rare = HashTable(1024)
        self.post = HashTable(4096)
        self.p_len = np.zeros(len(self.post.keys), dtype=np.int64)
        self.p_ids = np.zeros((len(self.post.keys), max_posting), dtype=np.int64)
        self.width = profile_terms
        self.prof_h = np.zeros((64, profile_terms), dtype=np.uint64)
        self.prof_w = np.zeros((64, profile_terms), dtype=np.float64)
        self.prof_n = np.zeros(64, dtype=np.int64)
        self.ids: dict[str, int] = {}
        self.roots: list[str] = []
        self.out_fam = np.zeros(0, dtype=np.int64)
        self.out_cos = np.zeros(0, dtype=np.float64)
        self.out_counts = np.zeros((0, 3), dtype=np.int64)
        self.out_shared = np.zeros((0, profile_terms), dtype=np.int64)
        self.out_prods = np.zeros((0, profile_terms), dtype=np.float64)

    def family_id(self, root: str) -> int:
        fid = self.ids.get(root)
        if fid is None:
            fid = self.ids[root] = len(self.roots)
            self.roots.append(root)
            if fid >= len(self.prof_n):
                n = 2 * len(self.prof_n)
                self.prof_h = np.concatenate([self.prof_h, np.zeros_like(self.prof_h)])[:n]
                self.prof_w = np.concatenate([self.prof_w, np.zeros_like(self.prof_w)])[:n]
                self.prof_n = np.concatenate([self.prof_n, np.zeros_like(self.prof_n)])[:n]
        return fid

    def register(self, root: str, profile: dict[str, float], rare: list[bool]) -> None:
        """A family's profile (re)computed: store it, add the family to its words' posting lists, file
        its rare words (``rare``: a flag per profile word; what ``TriggerLinker._register`` does to its
        dicts), in one compiled call."""
        fid = self.family_id(root)
        n = len(profile)
        if n > self.width:  # a profile longer than profile_terms (a snapshot of other settings)
            self._widen(n)
        if self.post.needs_room(n):
            self._grow_posting()
        n_rare = sum(rare)
        if n_rare and self.rare.needs_room(n_rare):
            self.rare = self._rehash(self.rare, n_rare)[0]
        added, new_rare = self._k.family_register(
            utf8("\n".join(profile)),
            np.fromiter(profile.values(), dtype=np.float64, count=n),
            np.array(rare, dtype=np.bool_),
            fid,
            self.prof_h,
            self.prof_w,
            self.prof_n,
            self.post.keys,
            self.post.used,
            self.p_len,
            self.p_ids,
            self.rare.keys,
            self.rare.used,
        )
        self.post.count += added
        self.rare.count += new_rare

    def _widen(self, width: int) -> None:
        def pad(a: np.ndarray) -> np.ndarray:
            return np.concatenate([a, np.zeros((a.shape[0], width - a.shape[1]), dtype=a.dtype)], axis=1)

        self.prof_h, self.prof_w, self.width = pad(self.prof_h), pad(self.prof_w), width

    @staticmethod
    def _rehash(table: HashTable, extra: int) -> tuple[HashTable, np.ndarray, np.ndarray]:
        """A larger table with the same keys; (table, old slots of the kept keys, their new slots)."""
        old = np.flatnonzero(table.used)
        bigger = HashTable(max(2 * (table.count + extra), len(table.keys)))
        new = kernels().table_fill(bigger.keys, bigger.used, table.keys[old])
        bigger.count = table.count
        return bigger, old, new

    def _grow_posting(self) -> None:
        bigger, old, new = self._rehash(self.post, len(self.post.keys) // 2)
        p_len = np.zeros(len(bigger.keys), dtype=np.int64)
        p_ids = np.zeros((len(bigger.keys), self.p_ids.shape[1]), dtype=np.int64)
        p_len[new] = self.p_len[old]
        p_ids[new] = self.p_ids[old]
        self.post, self.p_len, self.p_ids = bigger, p_len, p_ids

    def vector(self, head: np.ndarray, content: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``_kernels.family_vector``: positions in ``head`` and values of the TF-IDF vector."""
        return self._k.family_vector(
            head, content, self.w.keys, self.w.used, self.w_vals, self.unseen_weight, COMPENSATED_SUM
        )

    def scores(self, head: np.ndarray, content: np.ndarray, limits: np.ndarray, cosine: float) -> tuple[int, int]:
        """:func:`family_scores` into this mirror's output arrays (``out_*``, valid until the next call)."""
        nc = int(limits[1])
        if len(self.out_fam) < nc or self.out_shared.shape[1] != self.width:
            self.out_fam = np.zeros(nc, dtype=np.int64)
            self.out_cos = np.zeros(nc, dtype=np.float64)
            self.out_counts = np.zeros((nc, 3), dtype=np.int64)
            self.out_shared = np.zeros((nc, self.width), dtype=np.int64)
            self.out_prods = np.zeros((nc, self.width), dtype=np.float64)
        return self._k.family_scores(
            head,
            content,
            self.w.keys,
            self.w.used,
            self.w_vals,
            self.unseen_weight,
            self.rare.keys,
            self.rare.used,
            self.post.keys,
            self.post.used,
            self.p_len,
            self.p_ids,
            self.prof_h,
            self.prof_w,
            self.prof_n,
            limits,
            cosine,
            COMPENSATED_SUM,
            self.out_fam,
            self.out_cos,
            self.out_counts,
            self.out_shared,
            self.out_prods,
        )


class LineTable:
    """``BoilerplateModel``'s line statistics (line key -> occurrences, smallest thread hashes) as arrays
    for ``_kernels.boilerplate_count``; iteration order is insertion order, as the dict's."""

    def __init__(self, sketch: int, capacity: int = 1024) -> None:
        self._k = kernels()
        cap = 1 << max(4, (2 * capacity - 1).bit_length())
        self.keys = np.zeros(cap, dtype=np.int64)
        self.counts = np.zeros(cap, dtype=np.int64)
        self.kmv = np.zeros((cap, sketch), dtype=np.uint32)  # thread hashes are 32-bit
        self.kmv_n = np.zeros(cap, dtype=np.int64)
        self.seq = np.zeros(cap, dtype=np.int64)
        self.state = np.zeros(2, dtype=np.int64)  # entries, next insertion number

    def __len__(self) -> int:
        return int(self.state[0])

    def count(self, lk: np.ndarray, thread: int, min_threads: float, thread_share: float) -> np.ndarray:
        """Count a message's line keys; the indices of its lines judged boilerplate."""
        if (len(self) + len(lk)) * 2 > len(self.keys):
            self._rebuild(self._occupied(), 2 * (len(self) + len(lk)))
        return self._k.boilerplate_count(
            lk,
            thread,
            self.keys,
            self.counts,
            self.kmv,
            self.kmv_n,
            self.seq,
            self.state,
            min_threads,
            thread_share,
        )

    def get(self, key: int) -> list[Any] | None:
        """``[occurrences, smallest thread hashes]`` of a line key, or None."""
        if key == 0:
            return None
        s = self._k._line_slot(self.keys, key)
        if self.keys[s] != key:
            return None
        return [int(self.counts[s]), self.kmv[s, : self.kmv_n[s]].tolist()]

    def _occupied(self) -> np.ndarray:
        """Slots in use, in insertion order."""
        used = np.flatnonzero(self.keys)
        return used[np.argsort(self.seq[used], kind="stable")]

    def entries(self) -> list[tuple[int, int, list[int]]]:
        """(key, occurrences, smallest thread hashes) in insertion order."""
        used = self._occupied()
        # one tolist of the sketches, then list slices: a numpy slice and tolist per line cost ~5 us
        # each, most of a snapshot's time with 50,000 lines (docs/decisions/0315)
        rows, kmv_n = self.kmv[used].tolist(), self.kmv_n[used].tolist()
        keys, counts = self.keys[used].tolist(), self.counts[used].tolist()
        return [(k, c, row[:m]) for k, c, row, m in zip(keys, counts, rows, kmv_n, strict=True)]

    def prune(self) -> None:
        """Drop the lines seen once (order kept)."""
        used = self._occupied()
        self._rebuild(used[self.counts[used] > 1], len(self.keys) // 2)

    def _rebuild(self, slots: np.ndarray, capacity: int) -> None:
        """A table of ``capacity`` (at least twice the entries) holding the entries at ``slots``, in order."""
        fresh = LineTable(self.kmv.shape[1], max(capacity, 2 * len(slots), 512))
        self._k.line_table_fill(
            fresh.keys,
            fresh.counts,
            fresh.kmv,
            fresh.kmv_n,
            fresh.seq,
            self.keys[slots],
            self.counts[slots],
            self.kmv[slots],
            self.kmv_n[slots],
        )
        self.keys, self.counts, self.kmv, self.kmv_n, self.seq = (
            fresh.keys,
            fresh.counts,
            fresh.kmv,
            fresh.kmv_n,
            fresh.seq,
        )
        self.state[:] = (len(slots), len(slots))

    @classmethod
    def from_entries(cls, sketch: int, entries: list[tuple[int, int, list[int]]]) -> LineTable:
        n = len(entries)
        table = cls(sketch, max(1024, 2 * n))
        src = cls(sketch, 16)  # the entries as arrays, slots 0..n-1
        src.keys = np.array([e[0] for e in entries], dtype=np.int64)
        src.counts = np.array([e[1] for e in entries], dtype=np.int64)
        # the sketches padded with zeros to one matrix in one call (a row assignment each cost ~1 us)
        pad = [0] * sketch
        src.kmv = np.array([(e[2] + pad)[:sketch] for e in entries], dtype=np.uint32).reshape(n, sketch)
        src.kmv_n = np.array([min(len(e[2]), sketch) for e in entries], dtype=np.int64)
        table.keys, table.counts, table.kmv, table.kmv_n = src.keys, src.counts, src.kmv, src.kmv_n
        table._rebuild(np.arange(n, dtype=np.int64), 2 * n)
        return table


def rensa_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """rensa's (a, b) pairs of ``RMinHash(num_perm, seed)``: Xoshiro256++ seeded by SplitMix64 (as
    ``rand_xoshiro``'s ``seed_from_u64``), ``a = next | 1``, ``b = next``. Plain Python, run once."""
    mask = (1 << 64) - 1

    def rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & mask

    state = seed & mask
    s = []
    for _ in range(4):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        s.append(z ^ (z >> 31))

    def next_u64() -> int:
        out = (rotl((s[0] + s[3]) & mask, 23) + s[0]) & mask
        t = (s[1] << 17) & mask
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return out

    a = np.empty(num_perm, dtype=np.uint64)
    b = np.empty(num_perm, dtype=np.uint64)
    for i in range(num_perm):
        a[i] = next_u64() | 1
        b[i] = next_u64()
    return a, b


def warm_up() -> float:
    """Compile (or load from the on-disk cache) every kernel with the argument types the campaign stage
    passes, so that the first message does not pay for it; returns the seconds it took."""
    t = time.perf_counter()
    if load() is None:
        return 0.0
    k = kernels()
    ro = utf8("warm up the compiled kernels of the campaign stage. now")
    u64 = np.zeros(4, dtype=np.uint64)
    u64[:] = [1, 2, 3, 4]
    pa, pb = rensa_permutations(8, 1)
    mult = np.ones(2, dtype=np.uint64)
    salt = np.ones(2, dtype=np.uint64)
    table = np.frombuffer(bytes(range(256)), dtype=np.uint8)
    n = len(ro)
    sig = np.zeros(8, dtype=np.uint32)
    bands = np.zeros(2, dtype=np.uint32)
    head = np.zeros(10, dtype=np.uint64)
    content = np.zeros(10, dtype=np.uint8)
    ends = np.zeros(n // 2 + 1, dtype=np.int64)
    hs = np.zeros(n // 2 + 1, dtype=np.uint64)
    bsig = np.zeros(8, dtype=np.uint16)
    _, n_hs, _, nh = k.featurise(
        ro,
        table,
        50,
        3,
        10,
        pa,
        pb,
        mult,
        salt,
        np.zeros(n, dtype=np.uint8),
        ends.copy(),
        ends,
        hs,
        sig,
        bsig,
        bands,
        head,
        content,
    )
    out = (hs[:n_hs], 0, sig, bands, head[:nh], content[:nh])
    k.word_heads(utf8("warm\nup"), 2)
    k.shingle_hashes(ro, 3)
    hs = k.line_hashes(ro)
    k.unique_in_order(hs)
    form = k.unique_sorted(hs)
    k.own_pieces(ro, table, 50, 3, form, out[0], len(out[0]), np.zeros((3, n + 1), dtype=np.int64))
    doc_table = np.zeros(4 * len(out[0]) + 17, dtype=np.uint64)
    cap = k.hash_set(out[0], doc_table)
    k.set_count(form, doc_table, cap)
    k.set_members(form, doc_table, cap)
    lines = LineTable(16)
    lines.count(k.line_keys(ro, table, 2), 7, 3.0, 0.3)
    lines.prune()
    lines.get(1)
    k.line_shingles_inside(ro, 3, form)
    keys = np.zeros(16, dtype=np.uint32)
    vals = np.zeros(16, dtype=np.uint32)
    k.band_insert(keys, vals, out[3], 0)
    k.band_lookup(keys, vals, out[3], 8)
    sigs = np.zeros((4, 8), dtype=np.uint16)
    slots = np.zeros(2, dtype=np.int64)
    k.band_query(keys, vals, out[3], 8, sigs, bsig, slots, slots.copy())
    k.index_add(sigs, np.zeros(4, dtype=np.uint32), np.zeros(4, dtype=np.uint32), 1, bsig, 5, 7, keys, vals, out[3])
    mirror = FamilyMirror(weight_table({"warm": 1.0}), 1.0, 4, 5)
    mirror.register("f", {"warm": 1.0, "kernels": 0.5}, [False, True])
    mirror.scores(out[4], out[5], np.array([1, 6, 1, 1], dtype=np.int64), 0.1)
    mirror.vector(out[4], out[5])
    return time.perf_counter() - t
