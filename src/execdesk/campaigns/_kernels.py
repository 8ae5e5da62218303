"""The numba kernels of :mod:`execdesk.campaigns.native` (imported on first use: importing numba
takes ~1.5 s, which processes that never assign a message should not pay).

Each function states the Python definition it reproduces; ``tests/campaigns/test_native.py`` checks
them against rensa and against plain-Python definitions. Importing this module fails when numba
cannot be imported; :func:`execdesk.campaigns.native.load` then answers ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from execdesk.jit import njit_cached

F = TypeVar("F", bound=Callable[..., Any])

CACHED: dict[str, bool] = {}  # kernel name -> whether its compiled code is cached on disk


def _jit(fn: F) -> F:
    """``numba.njit`` with the on-disk cache (:func:`execdesk.jit.njit_cached`)."""
    return njit_cached(fn, CACHED)


_U64 = np.uint64
_M32 = _U64(0xFFFFFFFF)
_S8 = _U64(8)
_S16 = _U64(16)
_S24 = _U64(24)
_S26 = _U64(26)
_S27 = _U64(27)
_S30 = _U64(30)
_S31 = _U64(31)
_S32 = _U64(32)
_S34 = _U64(34)
_S38 = _U64(38)
# rustc-hash 2 (rensa's token hash)
_SEED1 = _U64(0x243F6A8885A308D3)
_SEED2 = _U64(0x13198A2E03707344)
_NO_ZERO = _U64(0xA4093822299F31D0)
_FX_K = _U64(0xF1357AEA2E62A9C5)
# SplitMix64
_GOLDEN = _U64(0x9E3779B97F4A7C15)
_SM1 = _U64(0xBF58476D1CE4E5B9)
_SM2 = _U64(0x94D049BB133111EB)
# rensa R-MinHash version 2 domains
_BUCKET_DOMAIN = _U64(0x6A09E667F3BCC909)
_ROUND_DOMAIN = _U64(0x3C6EF372FE94F82B)
_FALLBACK_DOMAIN = _U64(0xBB67AE8584CAA73B)
_ROUNDS = 3
_FALLBACK = np.uint32(3 << 30)
_RANK_MASK = _U64((1 << 30) - 1)
_EMPTY32 = np.uint32(0xFFFFFFFF)
_SPACE = 32
_NEWLINE = 10


# -- hashing -------------------------------------------------------------------------------


@_jit
def _mul_mix(x: np.uint64, y: np.uint64) -> np.uint64:
    """Low 64 bits xor high 64 bits of the 128-bit product (rustc-hash ``multiply_mix``)."""
    x0 = x & _M32
    x1 = x >> _S32
    y0 = y & _M32
    y1 = y >> _S32
    p00 = x0 * y0
    p01 = x0 * y1
    p10 = x1 * y0
    p11 = x1 * y1
    mid = (p00 >> _S32) + (p01 & _M32) + (p10 & _M32)
    hi = p11 + (p01 >> _S32) + (p10 >> _S32) + (mid >> _S32)
    return (x * y) ^ hi


@_jit
def _read64(buf: np.ndarray, i: int) -> np.uint64:
    v = _U64(buf[i])
    v |= _U64(buf[i + 1]) << _S8
    v |= _U64(buf[i + 2]) << _S16
    v |= _U64(buf[i + 3]) << _S24
    v |= _U64(buf[i + 4]) << _S32
    v |= _U64(buf[i + 5]) << _U64(40)
    v |= _U64(buf[i + 6]) << _U64(48)
    v |= _U64(buf[i + 7]) << _U64(56)
    return v


@_jit
def _read32(buf: np.ndarray, i: int) -> np.uint64:
    v = _U64(buf[i])
    v |= _U64(buf[i + 1]) << _S8
    v |= _U64(buf[i + 2]) << _S16
    v |= _U64(buf[i + 3]) << _S24
    return v


@_jit
def token_hash(buf: np.ndarray, start: int, end: int) -> np.uint64:
    """rensa's hash of the token ``buf[start:end]`` (rustc-hash ``FxHasher``: ``write`` then ``finish``)."""
    n = end - start
    s0 = _SEED1
    s1 = _SEED2
    if n <= 16:
        if n >= 8:
            s0 ^= _read64(buf, start)
            s1 ^= _read64(buf, end - 8)
        elif n >= 4:
            s0 ^= _read32(buf, start)
            s1 ^= _read32(buf, end - 4)
        elif n > 0:
            s0 ^= _U64(buf[start])
            s1 ^= (_U64(buf[end - 1]) << _S8) | _U64(buf[start + n // 2])
    else:
        off = 0
        while off < n - 16:
            x = _read64(buf, start + off)
            y = _read64(buf, start + off + 8)
            t = _mul_mix(s0 ^ x, _NO_ZERO ^ y)
            s0 = s1
            s1 = t
            off += 16
        s0 ^= _read64(buf, end - 16)
        s1 ^= _read64(buf, end - 8)
    h = (_mul_mix(s0, s1) ^ _U64(n)) * _FX_K
    return (h << _S26) | (h >> _S38)


@_jit
def _splitmix(v: np.uint64) -> np.uint64:
    v = v + _GOLDEN
    v = (v ^ (v >> _S30)) * _SM1
    v = (v ^ (v >> _S27)) * _SM2
    return v ^ (v >> _S31)


@_jit
def _bucket(mixed: np.uint64, count: int) -> int:
    """Lemire's unbiased bucket of ``count`` from the low 32 bits, re-mixed on rejection (rensa)."""
    c = _U64(count)
    threshold = ((_M32 + _U64(1)) % c) & _M32
    while True:
        product = (mixed & _M32) * c
        if (product & _M32) >= threshold:
            return int(product >> _S32)
        mixed = _splitmix(mixed)


@_jit
def minhash(hashes: np.ndarray, perm_a: np.ndarray, perm_b: np.ndarray) -> np.ndarray:
    """rensa R-MinHash (algorithm version 2) of a set of token hashes (repeats do not matter)."""
    vals = np.empty(len(perm_a), dtype=np.uint32)
    _minhash_into(hashes, perm_a, perm_b, vals)
    return vals


@_jit
def _minhash_into(hashes: np.ndarray, perm_a: np.ndarray, perm_b: np.ndarray, vals: np.ndarray) -> None:
    """:func:`minhash` written into ``vals`` (``len(perm_a)`` values)."""
    num_perm = len(perm_a)
    vals[:] = _EMPTY32
    if len(hashes) == 0:
        return
    b0 = perm_b[0]
    for r in range(_ROUNDS):
        seed = b0 ^ _BUCKET_DOMAIN ^ (_U64(r) * _ROUND_DOMAIN)
        prefix = np.uint32(r << 30)
        for h in hashes:
            mixed = _splitmix(h ^ seed)
            rank = prefix | np.uint32(mixed >> _S34)
            b = _bucket(mixed, num_perm)
            if rank < vals[b]:
                vals[b] = rank
    missing = 0
    for i in range(num_perm):
        if vals[i] >= _FALLBACK:
            missing += 1
    if missing:
        fb_seed = perm_a[0] ^ _FALLBACK_DOMAIN
        mixed_all = np.empty(len(hashes), dtype=np.uint64)
        for j in range(len(hashes)):
            mixed_all[j] = _splitmix(hashes[j] ^ fb_seed)
        for i in range(num_perm):
            if vals[i] < _FALLBACK:
                continue
            a = perm_a[i]
            b = perm_b[i]
            best = vals[i]
            for fh in mixed_all:
                v = _FALLBACK | np.uint32(((a * fh + b) >> _S34) & _RANK_MASK)
                if v < best:
                    best = v
            vals[i] = best


@_jit
def band_keys(sig: np.ndarray, mult: np.ndarray, salt: np.ndarray) -> np.ndarray:
    """LSH band keys: per band ``sum(rows * mult) ^ salt`` (uint64, wrapping), times the golden ratio,
    high half folded in, low 32 bits (``detector.Signer.bands``)."""
    out = np.empty(len(salt), dtype=np.uint32)
    _band_keys_into(sig, mult, salt, out)
    return out


@_jit
def _band_keys_into(sig: np.ndarray, mult: np.ndarray, salt: np.ndarray, out: np.ndarray) -> None:
    """:func:`band_keys` written into ``out`` (``len(salt)`` values)."""
    n_bands = len(salt)
    n_rows = len(mult)
    for b in range(n_bands):
        h = _U64(0)
        for r in range(n_rows):
            h += _U64(sig[b * n_rows + r]) * mult[r]
        h = (h ^ salt[b]) * _GOLDEN
        h ^= h >> _S32
        out[b] = np.uint32(h & _M32)


@_jit
def _spans(buf: np.ndarray, sep: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the runs of bytes other than ``sep``."""
    n = len(buf)
    starts = np.empty(n // 2 + 1, dtype=np.int64)
    ends = np.empty(n // 2 + 1, dtype=np.int64)
    nw = 0
    i = 0
    while i < n:
        while i < n and buf[i] == sep:
            i += 1
        if i >= n:
            break
        j = i
        while j < n and buf[j] != sep:
            j += 1
        starts[nw] = i
        ends[nw] = j
        nw += 1
        i = j
    return starts[:nw], ends[:nw]


@_jit
def shingle_hashes(buf: np.ndarray, k: int) -> np.ndarray:
    """Hashes of the word k-grams of ``buf`` (words joined by single spaces), in order, repeats kept;
    fewer than k words give one shingle (the whole text), none give none (``normalise.shingles``)."""
    starts, ends = _spans(buf, _SPACE)
    nw = len(starts)
    if nw == 0:
        return np.empty(0, dtype=np.uint64)
    if nw < k:
        out = np.empty(1, dtype=np.uint64)
        out[0] = token_hash(buf, starts[0], ends[nw - 1])
        return out
    m = nw - k + 1
    out = np.empty(m, dtype=np.uint64)
    for i in range(m):
        out[i] = token_hash(buf, starts[i], ends[i + k - 1])
    return out


@_jit
def _unique_sorted(hs: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a new array; any integer dtype: numba compiles one per dtype)."""
    if len(hs) == 0:
        return hs
    s = np.sort(hs)
    keep = 1
    for i in range(1, len(s)):
        if s[i] != s[keep - 1]:
            s[keep] = s[i]
            keep += 1
    return s[:keep]


@_jit
def unique_in_order(hs: np.ndarray) -> np.ndarray:
    """The distinct values in order of first occurrence (``dict.fromkeys``)."""
    n = len(hs)
    out = np.empty(n, dtype=np.uint64)
    if n == 0:
        return out
    order = np.argsort(hs, kind="mergesort")
    first = np.zeros(n, dtype=np.uint8)
    first[order[0]] = 1
    for i in range(1, n):
        if hs[order[i]] != hs[order[i - 1]]:
            first[order[i]] = 1
    m = 0
    for i in range(n):
        if first[i]:
            out[m] = hs[i]
            m += 1
    return out[:m]


@_jit
def _n_distinct(hs: np.ndarray) -> int:
    """``len(set(hs))`` (open addressing; 0 kept apart as the empty mark)."""
    n = len(hs)
    if n < 2:
        return n
    cap = 16
    while cap < 2 * n:
        cap *= 2
    mask = cap - 1
    seen = np.zeros(cap, dtype=np.uint64)
    zero = 0
    d = 0
    for h in hs:
        if h == 0:
            zero = 1
            continue
        i = int((h * _GOLDEN) >> _S34) & mask
        while seen[i] != 0 and seen[i] != h:
            i = (i + 1) & mask
        if seen[i] == 0:
            seen[i] = h
            d += 1
    return d + zero


@_jit
def featurise(
    text: np.ndarray,
    table: np.ndarray,
    max_words: int,
    k: int,
    head_words: int,
    perm_a: np.ndarray,
    perm_b: np.ndarray,
    mult: np.ndarray,
    salt: np.ndarray,
    buf: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    hs: np.ndarray,
    sig: np.ndarray,
    bsig: np.ndarray,
    bands: np.ndarray,
    head: np.ndarray,
    content: np.ndarray,
) -> tuple[int, int, int, int]:
    """One message, from its ASCII text and the token ``table`` (or its tokens joined by spaces and an
    identity table), written into the caller's arrays (no array is made or returned: numba boxes each
    returned array at ~1 us): ``buf`` the first ``max_words`` tokens joined by single spaces, ``hs`` the
    hashes of its shingles in order (repeats kept), ``sig`` the MinHash signature and ``bsig`` its low
    16 bits, ``bands`` the band keys, ``head`` the hashes of the first ``head_words`` words and
    ``content`` 1 where such a word has >= 3 bytes and does not start with a digit. ``buf`` holds
    ``len(text)`` bytes, ``starts``/``ends``/``hs`` ``len(text) // 2 + 1`` values. Returns (bytes in
    ``buf``, shingles in ``hs``, distinct shingles, words in ``head``). MinHash is a minimum per slot:
    repeated shingles do not change it."""
    n = len(text)
    m = 0
    nw = 0
    in_word = False
    for i in range(n):  # tokens through the table, digit runs as one 0, joined by single spaces
        t = table[text[i]]
        if t == _SPACE:
            if in_word:
                ends[nw - 1] = m
            in_word = False
            continue
        if not in_word:
            if nw == max_words:
                break
            if nw:
                buf[m] = _SPACE
                m += 1
            starts[nw] = m
            nw += 1
            in_word = True
        elif t == 48 and buf[m - 1] == 48:
            continue
        buf[m] = t
        m += 1
    if in_word:
        ends[nw - 1] = m
    n_hs = 0
    if nw == 0:
        n_hs = 0
    elif nw < k:
        hs[0] = token_hash(buf, starts[0], ends[nw - 1])
        n_hs = 1
    else:
        n_hs = nw - k + 1
        for i in range(n_hs):
            hs[i] = token_hash(buf, starts[i], ends[i + k - 1])
    _minhash_into(hs[:n_hs], perm_a, perm_b, sig)
    for i in range(len(sig)):
        bsig[i] = np.uint16(sig[i] & np.uint32(0xFFFF))
    _band_keys_into(sig, mult, salt, bands)
    nh = min(nw, head_words)
    for i in range(nh):
        head[i] = token_hash(buf, starts[i], ends[i])
        c = buf[starts[i]]
        content[i] = 1 if ends[i] - starts[i] >= 3 and not (48 <= c <= 57) else 0
    return m, n_hs, _n_distinct(hs[:n_hs]), nh


@_jit
def line_hashes(buf: np.ndarray) -> np.ndarray:
    """Hashes of the ``\\n``-separated lines of ``buf`` (a group's form: shingles joined by newlines)."""
    starts, ends = _spans(buf, _NEWLINE)
    out = np.empty(len(starts), dtype=np.uint64)
    for i in range(len(starts)):
        out[i] = token_hash(buf, starts[i], ends[i])
    return out


@_jit
def word_heads(buf: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``topics.TriggerLinker.head_hashes`` of ASCII words joined by newlines (``n`` of them, none empty):
    their hashes (:func:`line_hashes`) and 1 where a word has 3 bytes or more and does not start with
    a digit."""
    hs = np.empty(n, dtype=np.uint64)
    content = np.zeros(n, dtype=np.uint8)
    start = 0
    w = 0
    for i in range(len(buf) + 1):
        if i == len(buf) or buf[i] == _NEWLINE:
            if w < n:
                hs[w] = token_hash(buf, start, i)
                c = buf[start] if i > start else 0
                content[w] = 1 if i - start >= 3 and not (48 <= c <= 57) else 0
            w += 1
            start = i + 1
    return hs, content


@_jit
def unique_sorted(hs: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` without its set-up cost)."""
    return _unique_sorted(hs.copy())


@_jit
def line_shingles_inside(buf: np.ndarray, k: int, form: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each ``\\n``-separated line of space-joined words: (shingles, shingles in the sorted ``form``),
    shingles counted with repeats (``detector._own_text``)."""
    ls, le = _spans(buf, _NEWLINE)
    n_sh = np.zeros(len(ls), dtype=np.int64)
    inside = np.zeros(len(ls), dtype=np.int64)
    for li in range(len(ls)):
        hs = shingle_hashes(buf[ls[li] : le[li]], k)
        n_sh[li] = len(hs)
        if len(hs):
            pos = np.searchsorted(form, hs)
            for i in range(len(hs)):
                if pos[i] < len(form) and form[pos[i]] == hs[i]:
                    inside[li] += 1
    return n_sh, inside


@_jit
def _is_space(c: int) -> bool:
    """``str.isspace`` (and the regex ``\\s``) of an ASCII byte."""
    return (9 <= c <= 13) or (28 <= c <= 32)


@_jit
def _join_tokens(
    text: np.ndarray, table: np.ndarray, start: int, end: int, max_words: int, buf: np.ndarray
) -> tuple[int, int]:
    """The tokens of ``text[start:end]`` (bytes through the token ``table``, digit runs as one ``0``), at most
    ``max_words`` of them, joined by single spaces into ``buf``: (bytes written, words)."""
    m = 0
    nw = 0
    in_word = False
    for q in range(start, end):
        t = table[text[q]]
        if t == _SPACE:
            in_word = False
            continue
        if not in_word:
            if nw == max_words:
                break
            if nw:
                buf[m] = _SPACE
                m += 1
            nw += 1
            in_word = True
        elif t == 48 and buf[m - 1] == 48:
            continue
        buf[m] = t
        m += 1
    return m, nw


@_jit
def band_lookup(keys: np.ndarray, vals: np.ndarray, bands: np.ndarray, limit: int) -> np.ndarray:
    """``index.BandTable.lookup_list`` then ``sorted(set(...))[:limit]``: the slots of the messages
    holding these band keys (bucket = key & mask; a bucket holds the full key and slot + 1)."""
    mask = len(keys) - 1
    out = np.empty(len(bands), dtype=np.int64)
    m = 0
    for b in bands:
        i = int(b) & mask
        v = vals[i]
        if v != 0 and keys[i] == b:
            out[m] = int(v) - 1
            m += 1
    if m == 0:
        return out[:0]
    u = _unique_sorted(out[:m])
    return u[:limit]


@_jit
def band_query(
    keys: np.ndarray,
    vals: np.ndarray,
    bands: np.ndarray,
    limit: int,
    sigs: np.ndarray,
    bsig: np.ndarray,
    slots_out: np.ndarray,
    same_out: np.ndarray,
) -> int:
    """:func:`band_lookup` into ``slots_out`` (``len(bands)`` values), and for each slot the number of
    b-bit values of its row of ``sigs`` equal to ``bsig`` into ``same_out`` (``np.count_nonzero(sigs[slots]
    == bsig, axis=1)``). Returns the number of slots."""
    mask = len(keys) - 1
    m = 0
    for b in bands:
        i = int(b) & mask
        v = vals[i]
        if v != 0 and keys[i] == b:
            slots_out[m] = int(v) - 1
            m += 1
    if m == 0:
        return 0
    s = slots_out[:m]
    s.sort()
    keep = 1
    for i in range(1, m):
        if s[i] != s[keep - 1]:
            s[keep] = s[i]
            keep += 1
    keep = min(keep, limit)
    for i in range(keep):
        row = s[i]
        same = 0
        for j in range(len(bsig)):
            if sigs[row, j] == bsig[j]:
                same += 1
        same_out[i] = same
    return keep


@_jit
def index_add(
    sigs: np.ndarray,
    sizes: np.ndarray,
    senders: np.ndarray,
    slot: int,
    signature: np.ndarray,
    size: int,
    sender: int,
    keys: np.ndarray,
    vals: np.ndarray,
    bands: np.ndarray,
) -> int:
    """``index.InMemoryCampaignIndex.add``'s array writes (signature row, size, sender) and
    :func:`band_insert` of its band keys, in one call; returns band_insert's count of empty buckets."""
    for j in range(len(signature)):
        sigs[slot, j] = signature[j]
    sizes[slot] = size
    senders[slot] = sender
    return band_insert(keys, vals, bands, slot)


@_jit
def band_insert(keys: np.ndarray, vals: np.ndarray, bands: np.ndarray, value: int) -> int:
    """``index.BandTable.insert_list``: the empty buckets among the targets, counted before writing
    (a bucket hit twice counts twice), then every target bucket holds (key, value + 1)."""
    mask = len(keys) - 1
    empty = 0
    for b in bands:
        if vals[int(b) & mask] == 0:
            empty += 1
    v = np.uint32(value + 1)
    for b in bands:
        i = int(b) & mask
        keys[i] = b
        vals[i] = v
    return empty


# -- trigger families --------------------------------------------------------------------------


@_jit
def _slot(keys: np.ndarray, used: np.ndarray, h: np.uint64) -> int:
    """Open addressing (linear probing): the slot holding ``h``, or the empty slot where it goes."""
    mask = len(keys) - 1
    i = int((h * _GOLDEN) >> _S34) & mask
    while used[i] and keys[i] != h:
        i = (i + 1) & mask
    return i


@_jit
def _distinct_in_order(head: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """The distinct word hashes of ``head`` in order of first occurrence, as a ``Counter`` keeps them:
    (the hash table's keys and used flags, position in ``head`` of each one's first occurrence, its
    count, how many)."""
    nh = len(head)
    cap = 256
    while cap < 4 * nh:
        cap *= 2
    lk = np.empty(cap, dtype=np.uint64)
    lu = np.zeros(cap, dtype=np.uint8)
    lpos = np.empty(cap, dtype=np.int64)
    d_pos = np.empty(nh, dtype=np.int64)
    d_cnt = np.zeros(nh, dtype=np.int64)
    nd = 0
    for i in range(nh):
        s = _slot(lk, lu, head[i])
        if not lu[s]:
            lu[s] = 1
            lk[s] = head[i]
            lpos[s] = nd
            d_pos[nd] = i
            nd += 1
        d_cnt[lpos[s]] += 1
    return lk, lu, d_pos, d_cnt, nd


@_jit
def table_insert(keys: np.ndarray, used: np.ndarray, h: np.uint64) -> int:
    """Slot of ``h`` in the table, added if absent (the caller keeps the load under one half)."""
    i = _slot(keys, used, h)
    if not used[i]:
        used[i] = 1
        keys[i] = h
    return i


@_jit
def table_fill(keys: np.ndarray, used: np.ndarray, hs: np.ndarray) -> np.ndarray:
    """Insert every hash; their slots."""
    out = np.empty(len(hs), dtype=np.int64)
    for j in range(len(hs)):
        out[j] = table_insert(keys, used, hs[j])
    return out


@_jit
def table_add(keys: np.ndarray, used: np.ndarray, hs: np.ndarray) -> int:
    """Insert every hash; the number that were new."""
    added = 0
    for h in hs:
        i = _slot(keys, used, h)
        if not used[i]:
            used[i] = 1
            keys[i] = h
            added += 1
    return added


@_jit
def _sum(values: np.ndarray, n: int, compensated: bool) -> float:
    """Python's ``sum`` of floats: left to right, plus Neumaier's compensation from Python 3.12 on."""
    total = 0.0
    c = 0.0
    for i in range(n):
        x = values[i]
        t = total + x
        if compensated:
            if abs(total) >= abs(x):
                c += (total - t) + x
            else:
                c += (x - t) + total
        total = t
    if compensated and c != 0.0 and math.isfinite(c):
        total += c
    return total


@_jit
def family_scores(
    head: np.ndarray,
    content: np.ndarray,
    w_keys: np.ndarray,
    w_used: np.ndarray,
    w_vals: np.ndarray,
    unseen_weight: float,
    r_keys: np.ndarray,
    r_used: np.ndarray,
    p_keys: np.ndarray,
    p_used: np.ndarray,
    p_len: np.ndarray,
    p_ids: np.ndarray,
    prof_h: np.ndarray,
    prof_w: np.ndarray,
    prof_n: np.ndarray,
    limits: np.ndarray,
    cosine: float,
    compensated: bool,
    out_fam: np.ndarray,
    out_cos: np.ndarray,
    out_counts: np.ndarray,
    out_shared: np.ndarray,
    out_prods: np.ndarray,
) -> tuple[int, int]:
    """``TriggerLinker.attach_words`` for a message's first words (no trigger URL), up to the choice
    among the candidate families, whose activity only the caller knows.

    ``limits``: rare profile words a message needs before its vector is built (0: no such gate),
    max_checked, and the thresholds min_shared_terms and min_rare_shared. Writes the scored candidate families
    into the ``out_*`` arrays ordered by cosine, highest first (ties in vote order: the first active
    one is ``_best``'s choice): family id, cosine, (shared words, rare shared words, 1 if it passes
    the attach thresholds), the shared words as first-occurrence positions in ``head`` in ``_best``'s
    order, and the products profile weight x vector weight of those words. Returns (candidates,
    candidates passing the thresholds); (0, 0) when the message shares fewer than min_rare_shared
    rare profile words or has no weighted word."""
    gate = limits[0]
    max_checked = limits[1]
    min_shared = limits[2]
    min_rare = limits[3]
    lk, lu, d_pos, d_cnt, nd = _distinct_in_order(head)  # the table is reused below
    if gate > 0:
        rare = 0
        for j in range(nd):
            if r_used[_slot(r_keys, r_used, head[d_pos[j]])]:
                rare += 1
        if rare < gate:
            return 0, 0
    # TF-IDF vector over words with a non-zero weight
    v_pos, v_val = _unit_vector(head, content, d_pos, d_cnt, nd, w_keys, w_used, w_vals, unseen_weight, compensated)
    nv = len(v_pos)
    if nv == 0:
        return 0, 0
    # the vector by word hash (reuses the distinct-word table: same keys, vector index or -1)
    vi = np.empty(len(lk), dtype=np.int64)
    for j in range(nd):
        vi[_slot(lk, lu, head[d_pos[j]])] = -1
    for j in range(nv):
        vi[_slot(lk, lu, head[v_pos[j]])] = j
    # the ten heaviest words (stable: ties keep first-occurrence order)
    order = np.argsort(-v_val[:nv], kind="mergesort")
    n_top = min(10, nv)
    # votes: families on the posting lists of the top words, counted in list order
    maxp = p_ids.shape[1]
    fam = np.empty(n_top * maxp, dtype=np.int64)
    votes = np.empty(n_top * maxp, dtype=np.int64)
    fcap = 64
    while fcap < 2 * n_top * maxp:
        fcap *= 2
    fk = np.empty(fcap, dtype=np.uint64)  # family id -> its index in fam (order of first vote)
    fu = np.zeros(fcap, dtype=np.uint8)
    fi = np.empty(fcap, dtype=np.int64)
    nf = 0
    for t in range(n_top):
        s = _slot(p_keys, p_used, head[v_pos[order[t]]])
        if not p_used[s]:
            continue
        for q in range(p_len[s]):
            f = p_ids[s, q]
            fs = _slot(fk, fu, _U64(f))
            if not fu[fs]:
                fu[fs] = 1
                fk[fs] = _U64(f)
                fi[fs] = nf
                fam[nf] = f
                votes[nf] = 1
                nf += 1
            else:
                votes[fi[fs]] += 1
    # most_common(max_checked): by votes, ties in order of first vote
    nc = min(max_checked, nf)
    cand = np.empty(nc, dtype=np.int64)
    taken = np.zeros(nf, dtype=np.uint8)
    for c in range(nc):
        best = -1
        for x in range(nf):
            if not taken[x] and (best < 0 or votes[x] > votes[best]):
                best = x
        taken[best] = 1
        cand[c] = fam[best]
    pw = prof_h.shape[1]
    cos = np.empty(nc, dtype=np.float64)
    counts = np.zeros((nc, 3), dtype=np.int64)
    shared = np.full((nc, pw), -1, dtype=np.int64)
    prods = np.zeros((nc, pw), dtype=np.float64)
    pairs_v = np.empty(pw, dtype=np.int64)
    pairs_p = np.empty(pw, dtype=np.int64)
    terms = np.empty(pw, dtype=np.float64)
    n_pass = 0
    for c in range(nc):
        f = cand[c]
        npf = prof_n[f]
        m = 0
        for q in range(npf):
            s = _slot(lk, lu, prof_h[f, q])
            if lu[s] and vi[s] >= 0:
                pairs_v[m] = vi[s]
                pairs_p[m] = q
                m += 1
        if npf > nv and m > 1:  # the vector is the smaller dict: shared words in vector order
            for x in range(1, m):
                kv = pairs_v[x]
                kp = pairs_p[x]
                y = x - 1
                while y >= 0 and pairs_v[y] > kv:
                    pairs_v[y + 1] = pairs_v[y]
                    pairs_p[y + 1] = pairs_p[y]
                    y -= 1
                pairs_v[y + 1] = kv
                pairs_p[y + 1] = kp
        rare = 0
        for x in range(m):
            terms[x] = v_val[pairs_v[x]] * prof_w[f, pairs_p[x]]
            shared[c, x] = v_pos[pairs_v[x]]
            prods[c, x] = prof_w[f, pairs_p[x]] * v_val[pairs_v[x]]
            if r_used[_slot(r_keys, r_used, prof_h[f, pairs_p[x]])]:
                rare += 1
        cos[c] = _sum(terms, m, compensated)
        counts[c, 0] = m
        counts[c, 1] = rare
        if cos[c] >= cosine and m >= min_shared and rare >= min_rare:
            counts[c, 2] = 1
            n_pass += 1
    if n_pass == 0:
        return nc, 0
    by_cos = np.argsort(-cos, kind="mergesort")
    for r in range(nc):
        c = by_cos[r]
        out_fam[r] = cand[c]
        out_cos[r] = cos[c]
        out_counts[r, 0] = counts[c, 0]
        out_counts[r, 1] = counts[c, 1]
        out_counts[r, 2] = counts[c, 2]
        for x in range(pw):
            out_shared[r, x] = shared[c, x]
            out_prods[r, x] = prods[c, x]
    return nc, n_pass


@_jit
def family_vector(
    head: np.ndarray,
    content: np.ndarray,
    w_keys: np.ndarray,
    w_used: np.ndarray,
    w_vals: np.ndarray,
    unseen_weight: float,
    compensated: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """``TriggerLinker.vector`` of a message's first words: (first-occurrence position in ``head`` of
    each word with a weight, its unit TF-IDF value), in the dict's order; the same float operations
    as ``family_scores``."""
    _lk, _lu, d_pos, d_cnt, nd = _distinct_in_order(head)
    return _unit_vector(head, content, d_pos, d_cnt, nd, w_keys, w_used, w_vals, unseen_weight, compensated)


@_jit
def _unit_vector(
    head: np.ndarray,
    content: np.ndarray,
    d_pos: np.ndarray,
    d_cnt: np.ndarray,
    nd: int,
    w_keys: np.ndarray,
    w_used: np.ndarray,
    w_vals: np.ndarray,
    unseen_weight: float,
    compensated: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The unit TF-IDF vector of the distinct words (``_distinct_in_order``) that carry a weight:
    (their first-occurrence positions in ``head``, their values), in first-occurrence order."""
    v_pos = np.empty(nd, dtype=np.int64)
    v_val = np.empty(nd, dtype=np.float64)
    nv = 0
    for j in range(nd):
        s = _slot(w_keys, w_used, head[d_pos[j]])
        w = w_vals[s] if w_used[s] else (unseen_weight if content[d_pos[j]] else 0.0)
        if w != 0.0:
            c = d_cnt[j]
            v_pos[nv] = d_pos[j]
            v_val[nv] = w if c == 1 else (1.0 + math.log(c)) * w
            nv += 1
    sq = np.empty(nv, dtype=np.float64)
    for j in range(nv):
        sq[j] = v_val[j] * v_val[j]
    norm = math.sqrt(_sum(sq, nv, compensated))
    if norm == 0.0:
        norm = 1.0
    inv = 1.0 / norm
    for j in range(nv):
        v_val[j] = v_val[j] * inv
    return v_pos[:nv], v_val[:nv]


@_jit
def posting_add(
    p_keys: np.ndarray, p_used: np.ndarray, p_len: np.ndarray, p_ids: np.ndarray, hs: np.ndarray, fam: int
) -> int:
    """For each word hash, ``deque(maxlen)`` semantics: append ``fam`` to the word's posting list
    unless present; the oldest entry leaves when the list is full. Returns the number of new words."""
    added = 0
    for h in hs:
        slot = _slot(p_keys, p_used, h)
        if not p_used[slot]:
            p_used[slot] = 1
            p_keys[slot] = h
            added += 1
        n = p_len[slot]
        present = False
        for q in range(n):
            if p_ids[slot, q] == fam:
                present = True
                break
        if present:
            continue
        if n == p_ids.shape[1]:
            for q in range(1, n):
                p_ids[slot, q - 1] = p_ids[slot, q]
            p_ids[slot, n - 1] = fam
        else:
            p_ids[slot, n] = fam
            p_len[slot] = n + 1
    return added


def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table[i] = c
    return table


_CRC_TABLE = _crc_table()
_CR = 13


@_jit
def crc32(buf: np.ndarray, start: int, end: int) -> int:
    """``zlib.crc32(bytes(buf[start:end]))`` (CRC-32, reflected polynomial 0xEDB88320)."""
    c = np.uint32(0xFFFFFFFF)
    for i in range(start, end):
        c = _CRC_TABLE[(c ^ np.uint32(buf[i])) & np.uint32(0xFF)] ^ (c >> np.uint32(8))
    return int(c ^ np.uint32(0xFFFFFFFF))


@_jit
def line_keys(text: np.ndarray, table: np.ndarray, min_words: int) -> np.ndarray:
    """``boilerplate.line_keys`` of ASCII text without the separators only ``str.splitlines`` knows:
    per line of ``bytes.splitlines`` (``\\n``, ``\\r``, ``\\r\\n``), the CRC-32 of its words (bytes through
    the token ``table``, digit runs as one ``0``) joined by single spaces, or 1 when that is 0; 0 for a
    line with fewer than ``min_words`` words."""
    n = len(text)
    out = np.empty(n + 1, dtype=np.int64)
    buf = np.empty(n + 1, dtype=np.uint8)
    nl = 0
    start = 0
    while start < n:
        j = start
        while j < n and text[j] != _NEWLINE and text[j] != _CR:
            j += 1
        m, nw = _join_tokens(text, table, start, j, n + 1, buf)
        if nw >= min_words:
            key = crc32(buf, 0, m)
            out[nl] = key if key else 1
        else:
            out[nl] = 0
        nl += 1
        if j >= n:
            break
        start = j + 2 if text[j] == _CR and j + 1 < n and text[j + 1] == _NEWLINE else j + 1
    return out[:nl]


@_jit
def _line_slot(keys: np.ndarray, key: int) -> int:
    """Open addressing over non-zero int64 keys (0 = empty slot)."""
    mask = len(keys) - 1
    i = int((_U64(key) * _GOLDEN) >> _S34) & mask
    while keys[i] != 0 and keys[i] != key:
        i = (i + 1) & mask
    return i


@_jit
def boilerplate_count(
    lk: np.ndarray,
    thread: int,
    keys: np.ndarray,
    counts: np.ndarray,
    kmv: np.ndarray,
    kmv_n: np.ndarray,
    seq: np.ndarray,
    state: np.ndarray,
    min_threads: float,
    thread_share: float,
) -> np.ndarray:
    """``BoilerplateModel.strip`` from a message's line keys ``lk`` (two or more lines) up to the
    rebuilt text: each distinct non-zero key of the message is counted (a new key gets count 1 and
    the thread, when there is one, as the first of at most ``kmv.shape[1]`` smallest thread hashes;
    a known key gets count + 1 and the thread filed among its smallest ones) and judged: boilerplate
    when its distinct threads (exact below the sketch size, else estimated from the largest kept
    hash) reach ``min_threads`` and ``thread_share`` of its count. ``state``: [entries, next
    insertion number]. Returns the indices of the lines judged boilerplate; the caller keeps the
    table under half full."""
    n = len(lk)
    dropped = np.empty(n, dtype=np.int64)
    size = kmv.shape[1]
    cap = 16
    while cap < 2 * n:
        cap *= 2
    here = np.zeros(cap, dtype=np.int64)  # keys seen in this message
    nd = 0
    for i in range(n):
        k = lk[i]
        if k == 0:
            continue
        hs = _line_slot(here, k)
        if here[hs] == k:
            continue
        here[hs] = k
        s = _line_slot(keys, k)
        if keys[s] == 0:
            keys[s] = k
            counts[s] = 1
            kmv_n[s] = 0
            if thread:
                kmv[s, 0] = thread
                kmv_n[s] = 1
            seq[s] = state[1]
            state[1] += 1
            state[0] += 1
            continue
        counts[s] += 1
        m = kmv_n[s]
        if thread:
            present = False
            for q in range(m):
                if kmv[s, q] == thread:
                    present = True
                    break
            if not present and (m < size or thread < kmv[s, m - 1]):
                q = m if m < size else size - 1  # the largest leaves when full
                while q > 0 and kmv[s, q - 1] > thread:
                    if q < size:
                        kmv[s, q] = kmv[s, q - 1]
                    q -= 1
                kmv[s, q] = thread
                if m < size:
                    kmv_n[s] = m + 1
        m = kmv_n[s]
        threads = float(m) if m < size else (size - 1) / (float(kmv[s, m - 1] + 1) / 4294967296.0)
        if threads >= min_threads and threads >= thread_share * float(counts[s]):
            dropped[nd] = i
            nd += 1
    return dropped[:nd]


@_jit
def line_table_fill(
    keys: np.ndarray,
    counts: np.ndarray,
    kmv: np.ndarray,
    kmv_n: np.ndarray,
    seq: np.ndarray,
    e_keys: np.ndarray,
    e_counts: np.ndarray,
    e_kmv: np.ndarray,
    e_kmv_n: np.ndarray,
) -> None:
    """Insert entries (distinct keys) numbered in the given order."""
    for j in range(len(e_keys)):
        s = _line_slot(keys, e_keys[j])
        keys[s] = e_keys[j]
        counts[s] = e_counts[j]
        kmv_n[s] = e_kmv_n[j]
        for q in range(e_kmv_n[j]):
            kmv[s, q] = e_kmv[j, q]
        seq[s] = j


@_jit
def hash_set(hs: np.ndarray, table: np.ndarray) -> int:
    """The distinct values of ``hs`` as an open-addressing set written into ``table`` (linear probing,
    0 marks an empty slot); returns its capacity ``cap``, a power of two (``table`` must hold
    ``cap + 1`` values: ``table[cap]`` is 1 when 0 is among the values). Built in one pass, where
    sorting the values (``unique_sorted``) costs a sort."""
    n = len(hs)
    cap = 16
    while cap < 2 * n:
        cap *= 2
    mask = cap - 1
    table[: cap + 1] = 0
    for h in hs:
        if h == 0:
            table[cap] = 1
            continue
        i = int((h * _GOLDEN) >> _S34) & mask
        while table[i] != 0 and table[i] != h:
            i = (i + 1) & mask
        table[i] = h
    return cap


@_jit
def _in_set(table: np.ndarray, cap: int, h: np.uint64) -> bool:
    if h == 0:
        return table[cap] != 0
    mask = cap - 1
    i = int((h * _GOLDEN) >> _S34) & mask
    while table[i] != 0:
        if table[i] == h:
            return True
        i = (i + 1) & mask
    return False


@_jit
def set_count(values: np.ndarray, table: np.ndarray, cap: int) -> int:
    """How many of ``values`` are in the :func:`hash_set` ``table`` (``intersect_count`` when the values
    are distinct)."""
    n = 0
    for h in values:
        if _in_set(table, cap, h):
            n += 1
    return n


@_jit
def set_members(values: np.ndarray, table: np.ndarray, cap: int) -> np.ndarray:
    """1 where ``values[i]`` is in the :func:`hash_set` ``table`` (``members`` of a sorted array)."""
    out = np.zeros(len(values), dtype=np.int64)
    for i in range(len(values)):
        if _in_set(table, cap, values[i]):
            out[i] = 1
    return out


@_jit
def _count_tokens(text: np.ndarray, table: np.ndarray, start: int, end: int) -> int:
    """Tokens of ``text[start:end]`` through the token ``table`` (no cap)."""
    nw = 0
    in_word = False
    for q in range(start, end):
        if table[text[q]] == _SPACE:
            in_word = False
        elif not in_word:
            nw += 1
            in_word = True
    return nw


@_jit
def _hashed_inside(
    text: np.ndarray,
    table: np.ndarray,
    start: int,
    end: int,
    max_words: int,
    k: int,
    form: np.ndarray,
    cap: int,
    scratch: Any,
) -> tuple[int, int]:
    """(shingles, shingles in the form) of one piece, hashed from its joined tokens (``shingle_hashes``
    of ``tokens(piece, max_words)``); ``form``: a :func:`hash_set` of capacity ``cap``; ``scratch``:
    (bytes, word starts, word ends) of ``len(text)``."""
    buf, ws, we = scratch
    m, nw = _join_tokens(text, table, start, end, max_words, buf)
    w = 0
    ws[0] = 0
    for q in range(m):
        if buf[q] == _SPACE:
            we[w] = q
            w += 1
            ws[w] = q + 1
    we[w] = m
    count = 1 if nw < k else nw - k + 1
    inside = 0
    for x in range(count):
        h = token_hash(buf, 0, m) if nw < k else token_hash(buf, ws[x], we[x + k - 1])
        if _in_set(form, cap, h):
            inside += 1
    return count, inside


@_jit
def own_pieces(
    text: np.ndarray,
    table: np.ndarray,
    max_words: int,
    k: int,
    form: np.ndarray,
    hs: np.ndarray,
    n_hs: int,
    out: np.ndarray,
) -> int:
    """``detector._own_text`` for ASCII text: the pieces of ``normalise.sentences``
    (``re.split(r"(?<=[.!?])\\s+|\\n+")``, unstripped spans) with three tokens or more (``tokens(piece,
    max_words)``: bytes through the token ``table``) of which fewer than half the shingles (repeats
    counted) are in ``form`` (looked up in a :func:`hash_set` of it: probes cost less than binary
    searches). Writes each such piece's start, end and token count into ``out[0]``, ``out[1]``,
    ``out[2]`` (``len(text) + 1`` columns) and returns how many.

    ``hs[:n_hs]``: the whole text's shingle hashes in order, as ``featurise`` wrote them (0: none).
    Pieces split the text at separators, so a piece's tokens are the whole text's at its offset and
    its shingles are ``hs[offset : offset + tokens - k + 1]`` when all its tokens are among the
    ``n_hs + k - 1`` that ``featurise`` kept; other pieces are hashed from their joined tokens."""
    n = len(text)
    scratch = (
        np.empty(n + 1, dtype=np.uint8),
        np.empty(n // 2 + 1, dtype=np.int64),
        np.empty(n // 2 + 1, dtype=np.int64),
    )
    form_set = np.empty(4 * len(form) + 17, dtype=np.uint64)
    cap = hash_set(form, form_set)
    kept_tokens = n_hs + k - 1 if n_hs > 0 else 0
    kept = 0
    offset = 0
    prev = 0
    i = 0
    while i <= n:
        j = i
        if i == n:
            j = n + 1  # the last piece
        elif i > 0 and _is_space(text[i]) and (text[i - 1] == 46 or text[i - 1] == 33 or text[i - 1] == 63):
            while j < n and _is_space(text[j]):
                j += 1
        elif text[i] == _NEWLINE:
            while j < n and text[j] == _NEWLINE:
                j += 1
        if j == i:
            i += 1
            continue
        nw_all = _count_tokens(text, table, prev, i)
        nw = min(nw_all, max_words)
        if nw >= 3:
            if nw_all >= k and offset + nw_all <= kept_tokens:
                count = nw_all - k + 1
                inside = 0
                for x in range(offset, offset + count):
                    if _in_set(form_set, cap, hs[x]):
                        inside += 1
            else:
                count, inside = _hashed_inside(text, table, prev, i, max_words, k, form_set, cap, scratch)
            if 2 * inside < count:
                out[0, kept] = prev
                out[1, kept] = i
                out[2, kept] = nw
                kept += 1
        offset += nw_all
        prev = j
        i = j
    return kept


@_jit
def family_register(
    joined: np.ndarray,
    weights: np.ndarray,
    rare: np.ndarray,
    fid: int,
    prof_h: np.ndarray,
    prof_w: np.ndarray,
    prof_n: np.ndarray,
    p_keys: np.ndarray,
    p_used: np.ndarray,
    p_len: np.ndarray,
    p_ids: np.ndarray,
    r_keys: np.ndarray,
    r_used: np.ndarray,
) -> tuple[int, int]:
    """``FamilyMirror.register``'s writes in one call: the hashes of the profile words (the lines of
    ``joined``) and their ``weights`` into row ``fid`` of the profiles, the family onto the words'
    posting lists (:func:`posting_add`), the words flagged in ``rare`` into the rare-word table
    (:func:`table_add`, in profile order). Returns (words new to the posting table, new rare words)."""
    hs = line_hashes(joined)
    n = len(hs)
    for i in range(n):
        prof_h[fid, i] = hs[i]
        prof_w[fid, i] = weights[i]
    prof_n[fid] = n
    added = posting_add(p_keys, p_used, p_len, p_ids, hs, fid)
    new_rare = 0
    for i in range(n):
        if rare[i]:
            s = _slot(r_keys, r_used, hs[i])
            if not r_used[s]:
                r_used[s] = 1
                r_keys[s] = hs[i]
                new_rare += 1
    return added, new_rare
