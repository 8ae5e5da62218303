"""The numba kernel of :mod:`execdesk.analyze.scan` (loaded by ``native.load("scan")`` on first use:
importing numba takes ~1.5 s, which processes that never analyse should not pay).

``word_index`` reproduces ``Scan.__init__``'s Python loop (``_SPLIT.split`` of the folded text, each
word's key = its first ``KEY_LEN`` characters, ``_ids_for(key)``, the word start appended to every
pattern id's list); ``tests/analyze/test_fast_paths.py`` compares the two on traps and real mail.
Importing this module fails when numba cannot be imported; ``native.load`` then answers ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from execdesk.jit import njit_cached

F = TypeVar("F", bound=Callable[..., Any])

CACHED: dict[str, bool] = {}  # kernel name -> whether its compiled code is cached on disk


def _jit(fn: F) -> F:
    """``numba.njit`` with the on-disk cache (:func:`execdesk.jit.njit_cached`)."""
    return njit_cached(fn, CACHED)


@_jit
def _find(a: np.ndarray, v: Any) -> int:
    """The index of ``v`` in the sorted array ``a``, -1 when absent."""
    i = np.searchsorted(a, v)
    return i if i < a.shape[0] and a[i] == v else -1


HASH_MULTIPLIER = 0x9E3779B97F4A7C15  # Fibonacci hashing: the top bits of code * this pick the slot (scan._slots)


@_jit
def word_index(
    cp: np.ndarray,
    ascii_class: np.ndarray,
    wide_word: np.ndarray,
    wide_space: np.ndarray,
    key_len: int,
    slot_codes: np.ndarray,
    slot_entries: np.ndarray,
    entry_start: np.ndarray,
    entry_pids: np.ndarray,
    entry_req: np.ndarray,
    ext_start: np.ndarray,
    char_start: np.ndarray,
    chars: np.ndarray,
    n_pids: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate word starts per pattern id, grouped by id: (ids, bounds, positions).

    ``ids``: the pattern ids with at least one candidate, ascending; the candidates of ``ids[q]`` are
    ``positions[bounds[q]:bounds[q + 1]]``, ascending. The arguments are ``_candidates``'; its buffers are
    sized here and grown (the text scanned again) only when a text has more candidates than half its
    length: an array reassigned inside the scan loop made numba count references on every word (a
    4,000-character text took 69 instead of 20 µs, decision 0216).

    A candidate found through an entry whose ``entry_req`` is a pattern id (``FastPattern.alt_required``,
    decision 0222) is dropped when that pattern has no candidate in the text.
    """
    cap = cp.shape[0] // 2 + 16
    while True:
        pid_buf = np.empty(cap, np.int32)
        pos_buf = np.empty(cap, np.int32)
        req_buf = np.empty(cap, np.int32)
        counts = np.zeros(n_pids + 1, np.int64)
        m = _candidates(
            cp,
            ascii_class,
            wide_word,
            wide_space,
            key_len,
            slot_codes,
            slot_entries,
            entry_start,
            entry_pids,
            entry_req,
            ext_start,
            char_start,
            chars,
            pid_buf,
            pos_buf,
            req_buf,
            counts,
        )
        if m <= cap:
            break
        cap = m
    for t in range(m):  # requirements are patterns without requirements: their counts are final here
        r = req_buf[t]
        if r >= 0 and counts[r + 1] == 0:
            counts[pid_buf[t] + 1] -= 1
            pid_buf[t] = -1
    present = 0
    for p in range(n_pids):
        present += counts[p + 1] > 0
        counts[p + 1] += counts[p]
    ids = np.empty(present, np.int32)
    bounds = np.empty(present + 1, np.int64)
    bounds[0] = 0
    q = 0
    for p in range(n_pids):
        if counts[p + 1] > counts[p]:
            ids[q] = p
            bounds[q + 1] = counts[p + 1]
            q += 1
    fill = counts[:n_pids].copy()
    positions = np.empty(counts[n_pids], np.int32)
    for t in range(m):  # stable: each id's positions stay in text order
        pid = pid_buf[t]
        if pid >= 0:
            positions[fill[pid]] = pos_buf[t]
            fill[pid] += 1
    return ids, bounds, positions


@_jit
def word_index_many(
    cp: np.ndarray,
    text_start: np.ndarray,
    ascii_class: np.ndarray,
    wide_word: np.ndarray,
    wide_space: np.ndarray,
    key_len: int,
    slot_codes: np.ndarray,
    slot_entries: np.ndarray,
    entry_start: np.ndarray,
    entry_pids: np.ndarray,
    entry_req: np.ndarray,
    ext_start: np.ndarray,
    char_start: np.ndarray,
    chars: np.ndarray,
    n_pids: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``word_index`` of each text ``cp[text_start[k]:text_start[k + 1]]`` in one call (decision 0222: the
    call's dispatch and output conversion cost ~5-10 µs a text): (ids, bounds, positions, id_start).

    The ids of text ``k`` are ``ids[id_start[k]:id_start[k + 1]]``; the candidates of ``ids[q]`` are
    ``positions[bounds[q]:bounds[q + 1]]``, offsets within its own text. ``wide_word`` / ``wide_space``
    may hold the code points of every text (a code point's class does not depend on the text).
    """
    n_texts = text_start.shape[0] - 1
    ids_all = np.empty(n_texts * n_pids, np.int32)
    bounds_all = np.empty(n_texts * n_pids + 1, np.int64)
    id_start = np.empty(n_texts + 1, np.int64)
    room = cp.shape[0] // 2 + 16 * n_texts
    pos_all = np.empty(room, np.int32)
    n_ids = 0
    n_pos = 0
    bounds_all[0] = 0
    for k in range(n_texts):
        id_start[k] = n_ids
        ids, bounds, positions = word_index(
            cp[text_start[k] : text_start[k + 1]],
            ascii_class,
            wide_word,
            wide_space,
            key_len,
            slot_codes,
            slot_entries,
            entry_start,
            entry_pids,
            entry_req,
            ext_start,
            char_start,
            chars,
            n_pids,
        )
        m = positions.shape[0]
        if n_pos + m > pos_all.shape[0]:
            grown = np.empty(2 * (n_pos + m), np.int32)
            grown[:n_pos] = pos_all[:n_pos]
            pos_all = grown
        pos_all[n_pos : n_pos + m] = positions
        for q in range(ids.shape[0]):
            ids_all[n_ids + q] = ids[q]
            bounds_all[n_ids + q + 1] = n_pos + bounds[q + 1]
        n_ids += ids.shape[0]
        n_pos += m
    id_start[n_texts] = n_ids
    return ids_all[:n_ids], bounds_all[: n_ids + 1], pos_all[:n_pos], id_start


@_jit
def _candidates(
    cp: np.ndarray,
    ascii_class: np.ndarray,
    wide_word: np.ndarray,
    wide_space: np.ndarray,
    key_len: int,
    slot_codes: np.ndarray,
    slot_entries: np.ndarray,
    entry_start: np.ndarray,
    entry_pids: np.ndarray,
    entry_req: np.ndarray,
    ext_start: np.ndarray,
    char_start: np.ndarray,
    chars: np.ndarray,
    pid_buf: np.ndarray,
    pos_buf: np.ndarray,
    req_buf: np.ndarray,
    counts: np.ndarray,
) -> int:
    """The candidates (pattern id, word start) in text order into ``pid_buf`` / ``pos_buf`` while they fit,
    ``counts[pid + 1]`` of each id; returns how many there are (more than the buffers hold: call again
    with larger ones).

    ``cp``: the folded text's code points (uint32). A character is a word character (``\\w``) when
    ``ascii_class[c] & 1`` (c < 128) or c is in the sorted ``wide_word``; one of RUN_H's (``[^\\S\\n]``) when
    ``ascii_class[c] & 2`` or c is in the sorted ``wide_space``, one of RUN_S's (``\\s``) when
    ``ascii_class[c] & 4`` or c is in ``wide_space``. A word's key is coded one byte per
    character (``c << 8*n``; only ASCII characters can be in an indexed key), "the word ends here" (END)
    as byte 1 after the key. ``slot_codes`` / ``slot_entries`` (a power of two long) map each code to
    its entry ``e`` (``scan._slots``: linear probing from the top bits of ``code * HASH_MULTIPLIER``, 0 =
    an empty slot); an entry is an indexed head (a leading part of some key: a miss stops
    the walk, as ``_HEADS`` does) or an END key, and its pattern ids are
    ``entry_pids[entry_start[e]:entry_start[e + 1]]``, with ``entry_req[t]`` (-1: none) copied into
    ``req_buf`` next to each candidate found through ``entry_pids[t]``. The word start is a candidate of the id
    ``entry_pids[t]`` only where the text begins one of its prefixes ``ext_start[t]:ext_start[t + 1]``;
    a prefix ``j`` is stored without the key's characters (the word's code already matched them), as
    ``chars[char_start[j]:char_start[j + 1]]``: 0xFFFFFFFF = END: a non-word character or the text's end;
    0xFFFFFFFE = RUN_H, 0xFFFFFFFD = RUN_S: one or more of the run's characters, read to the run's end
    (``_prefix_re`` in scan.py).
    """
    n = cp.shape[0]
    cap = pid_buf.shape[0]
    bits = 0
    while (1 << bits) < slot_codes.shape[0]:
        bits += 1
    shift = np.uint64(64 - bits)
    mask = np.int64(slot_codes.shape[0] - 1)
    stamp = np.full(counts.shape[0] - 1, -1, np.int64)
    m = 0
    i = 0
    word = 0
    while i < n:
        c = cp[i]
        if not ((ascii_class[c] & 1) != 0 if c < 128 else _find(wide_word, c) >= 0):
            i += 1
            continue
        start = i
        i += 1
        while i < n:
            c = cp[i]
            if not ((ascii_class[c] & 1) != 0 if c < 128 else _find(wide_word, c) >= 0):
                break
            i += 1
        word += 1
        klen = min(i - start, key_len)
        code = np.int64(0)
        for k in range(klen + 1):
            if k == klen:
                if i - start >= key_len:
                    break
                code |= np.int64(1) << np.int64(8 * k)  # a short word: its key + END
                matched = k
            else:
                ch = cp[start + k]
                if ch >= 128:  # not in any indexed key
                    break
                code |= np.int64(ch) << np.int64(8 * k)
                matched = k + 1
            # the entry of ``code``, -1 when absent: one multiply and usually one probe (a binary search over
            # the ~2,500 codes took ~12 dependent steps). Written out, like the \\w tests: a call passing
            # arrays counts references each time, which cost more than the look-up itself.
            h = np.int64((np.uint64(code) * np.uint64(HASH_MULTIPLIER)) >> shift)
            e = -1
            while slot_codes[h] != 0:
                if slot_codes[h] == code:
                    e = slot_entries[h]
                    break
                h = (h + np.int64(1)) & mask
            if e < 0:
                break  # no indexed key starts like this: longer ones cannot either
            for t in range(entry_start[e], entry_start[e + 1]):
                pid = entry_pids[t]
                if stamp[pid] == word:
                    continue
                begins = False
                for j in range(ext_start[t], ext_start[t + 1]):
                    begins = True
                    at = start + matched
                    for x in range(char_start[j], char_start[j + 1]):
                        pc = chars[x]
                        if pc == 0xFFFFFFFF:
                            if at < n:
                                c = cp[at]
                                if (ascii_class[c] & 1) != 0 if c < 128 else _find(wide_word, c) >= 0:
                                    begins = False
                        elif pc == 0xFFFFFFFE or pc == 0xFFFFFFFD:
                            bit = 2 if pc == 0xFFFFFFFE else 4
                            r = at
                            while r < n:
                                c = cp[r]
                                if not ((ascii_class[c] & bit) != 0 if c < 128 else _find(wide_space, c) >= 0):
                                    break
                                r += 1
                            if r == at:
                                begins = False
                            at = r
                        else:
                            if at >= n or cp[at] != pc:
                                begins = False
                            at += 1
                        if not begins:
                            break
                    if begins:
                        break
                if not begins:
                    continue
                stamp[pid] = word
                if m < cap:
                    pid_buf[m] = pid
                    pos_buf[m] = start
                    req_buf[m] = entry_req[t]
                m += 1
                counts[pid + 1] += 1
    return m
