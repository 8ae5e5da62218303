"""The numba kernels of the model-side text work (decision 0211), loaded by ``native.load("token")``.

Text comes in as code points (``uint32``, one per ``str`` index, lone surrogates included), so
offsets are Python ``str`` indices. Vocabularies are open-addressing tables of 64-bit polynomial
hashes over code points; a hash hit is confirmed by comparing the code points of the term, so a
look-up answers exactly what ``dict.get`` answers.

* :func:`model_terms` is ``linear.tokens`` over the ranges ``pipeline.request_sentence_tokens``
  tokenises (on the lower-cased text), followed by ``counts_of`` and the vocabulary look-ups of
  ``batchmath.shared_entries`` (the union vocabulary) and of ``LinearModel.positive_probabilities``
  (the request model, per picked sentence): the known terms, in the order of the ``Counter`` keys,
  with their counts. One call takes a whole batch (decision 0217).
* :func:`sentence_spans` is ``text._python_sentences`` (sentence breaks, abbreviations not breaking);
  :func:`sentence_spans_many` runs it over a batch's texts in one call (decision 0224).
* :func:`sentiment_words` is ``sentiment._word_scores``' token split, lexicon look-up and scoring loop;
  :func:`sentiment_words_many` runs it over a batch's texts in one call.
* :func:`visit_counts` is py3langid's feature walk (``language._identifier``); :func:`visit_counts_many`
  runs it over a batch's texts in one call, and :func:`ascii_word_counts` is ``language.detect``'s stop-word
  test over a batch's ASCII samples (decision 0230).
* :func:`add_segment_sums` is ``batchmath.multiclass``'s sparse product and per-message sums, and
  :func:`known_entries` is ``batchmath._entries`` of one model in one pass (decision 0230).
* :func:`top_pushes` is ``batchmath.Scored._explain_many``'s ranking, and :func:`ascii_char_counts` counts the
  characters of ``cues.dense_features``' window, each over a batch in one call (decision 0231).
* :func:`build_table` builds the tables (``linear.TermTable``).

Helpers called per character or per token are inlined into their callers (``_inline``); the entry
points and the per-range tokeniser (``_tokenize``) are compiled and cached (``cache=True``).

Importing this module fails when numba cannot be imported; ``native.load`` then answers ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

from execdesk.jit import njit_cached

F = TypeVar("F", bound=Callable[..., Any])

CACHED: dict[str, bool] = {}  # kernel name -> whether its compiled code is cached on disk


def _jit(fn: F) -> F:
    """``numba.njit`` with the on-disk cache (:func:`execdesk.jit.njit_cached`)."""
    return njit_cached(fn, CACHED)


def _inline(fn: F) -> F:
    """A helper called per character or per token: inlined into its callers (numba IR inlining), so that
    no call passes arrays (each such call costs reference-count updates on every array argument)."""
    return cast(F, numba.njit(inline="always")(fn))


_U64 = np.uint64
_BASE = _U64(0x100000001B3)  # polynomial hash base (odd)
_GOLD = _U64(0x9E3779B97F4A7C15)  # Fibonacci hashing: slot = (h * _GOLD) >> shift
_SPACE_CP = _U64(32)
_NUM = np.array([95, 110, 117, 109, 95], dtype=np.uint32)  # "_num_"
_URL = np.array([117, 114, 108], dtype=np.uint32)  # "url" (of " _url_ ")
_HTTP = np.array([104, 116, 116, 112], dtype=np.uint32)  # "http"
_WWW = np.array([119, 119, 119, 46], dtype=np.uint32)  # "www."
# str.isspace of the ASCII code points (re's \s); the non-ASCII ones come per text, sorted
_ASCII_SPACE = np.array([chr(c).isspace() for c in range(128)], dtype=np.bool_)
_RSQUO = 0x2019  # ’


# -- hash tables -------------------------------------------------------------------------


@_jit
def build_table(cps: np.ndarray, off: np.ndarray, bits: int) -> np.ndarray:
    """The hash table of the terms ``cps[off[i]:off[i + 1]]`` (distinct; see ``linear.TermTable`` for the
    limits): one row of 16 bytes per slot, (hash, (id + 1) << 40 | length << 32 | start); 0 marks an empty
    slot. Two columns, not three: the table of ~35k terms fits a core's L2 cache (decision 0217)."""
    size = 1 << bits
    slots = np.zeros((size, 2), dtype=np.uint64)
    shift = _U64(64 - bits)
    mask = size - 1
    for t in range(len(off) - 1):
        h = _U64(0)
        for i in range(off[t], off[t + 1]):
            h = h * _BASE + _U64(cps[i])
        s = np.int64((h * _GOLD) >> shift)
        while slots[s, 1] != 0:
            s = (s + 1) & mask
        slots[s, 0] = h
        slots[s, 1] = (_U64(t + 1) << _U64(40)) | (_U64(off[t + 1] - off[t]) << _U64(32)) | _U64(off[t])
    return slots


@_inline
def _shift_of(slots: np.ndarray) -> np.uint64:
    bits = 0
    while (1 << bits) < slots.shape[0]:
        bits += 1
    return _U64(64 - bits)


@_inline
def _equal(cps: np.ndarray, where: np.uint64, buf: np.ndarray, a1: int, b1: int, a2: int, b2: int) -> bool:
    """The term at ``where`` (length << 32 | start, above the id) is ``buf[a1:b1]`` (``a2 < 0``) or
    ``buf[a1:b1] + " " + buf[a2:b2]``."""
    s = np.int64(where & _U64(0xFFFFFFFF))
    n1 = b1 - a1
    n = n1 if a2 < 0 else n1 + 1 + b2 - a2
    if np.int64((where >> _U64(32)) & _U64(0xFF)) != n:
        return False
    for i in range(n1):
        if cps[s + i] != buf[a1 + i]:
            return False
    if a2 >= 0:
        if cps[s + n1] != 32:
            return False
        for i in range(b2 - a2):
            if cps[s + n1 + 1 + i] != buf[a2 + i]:
                return False
    return True


@_inline
def _find(
    slots: np.ndarray,
    shift: np.uint64,
    cps: np.ndarray,
    h: np.uint64,
    buf: np.ndarray,
    a1: int,
    b1: int,
    a2: int,
    b2: int,
) -> int:
    """The id of the term (see ``_equal``) with hash ``h``, or -1; ``shift``: 64 - log2(table size)."""
    mask = slots.shape[0] - 1
    s = np.int64((h * _GOLD) >> shift)
    while True:
        w = slots[s, 1]
        if w == 0:
            return -1
        if slots[s, 0] == h and _equal(cps, w, buf, a1, b1, a2, b2):
            return int(np.int64(w >> _U64(40)) - 1)
        s = (s + 1) & mask


# -- linear.tokens ------------------------------------------------------------------------


@_inline
def _in_sorted(c: int, values: np.ndarray) -> bool:
    i = np.searchsorted(values, c)
    return bool(i < len(values) and values[i] == c)


@_inline
def _is_space(c: int, spaces: np.ndarray) -> bool:
    if c < 128:
        return _ASCII_SPACE[c]
    return len(spaces) > 0 and _in_sorted(c, spaces)


@_inline
def _is_digit(c: int, digits: np.ndarray) -> bool:
    if c < 128:
        return 48 <= c <= 57
    return len(digits) > 0 and _in_sorted(c, digits)


@_inline
def _starts(cp: np.ndarray, p: int, e: int, lit: np.ndarray) -> bool:
    if p + len(lit) > e:
        return False
    for i in range(len(lit)):  # noqa: SIM110 - a loop numba compiles
        if cp[p + i] != lit[i]:
            return False
    return True


@_inline
def _url_end(cp: np.ndarray, p: int, e: int, spaces: np.ndarray) -> int:
    """End of the match of ``https?://\\S+|www\\.\\S+`` at ``p`` (within ``[p, e)``), or -1."""
    q = -1
    if _starts(cp, p, e, _HTTP):
        q = p + 4
        if q < e and cp[q] == 115:  # s
            q += 1
        if q + 3 <= e and cp[q] == 58 and cp[q + 1] == 47 and cp[q + 2] == 47:
            q += 3
        else:
            q = -1
    elif _starts(cp, p, e, _WWW):
        q = p + 4
    if q < 0 or q >= e or _is_space(cp[q], spaces):
        return -1
    while q < e and not _is_space(cp[q], spaces):
        q += 1
    return q


@_inline
def _emit(
    src: np.ndarray, a: int, b: int, buf: np.ndarray, nb: int, ts: np.ndarray, th: np.ndarray, tp: np.ndarray, nt: int
) -> int:
    """Append token ``src[a:b]`` (’ made ') to ``buf`` at ``nb``, as token ``nt``; the new ``nb``."""
    h = _U64(0)
    pw = _U64(1)
    for i in range(a, b):
        c = src[i]
        if c == _RSQUO:
            c = 39
        buf[nb] = c
        nb += 1
        h = h * _BASE + _U64(c)
        pw = pw * _BASE
    ts[nt + 1] = nb
    th[nt] = h
    tp[nt] = pw
    return nb


@_jit
def _tokenize(
    cp: np.ndarray,
    s: int,
    e: int,
    digits: np.ndarray,
    spaces: np.ndarray,
    buf: np.ndarray,
    ts: np.ndarray,
    th: np.ndarray,
    tp: np.ndarray,
    nt: int,
) -> int:
    """``linear.tokens(text[s:e])`` of the lower-cased code points ``cp``, appended as tokens ``nt``, ...;
    the new token count. ``ts[k]:ts[k + 1]`` is token k in ``buf``.

    The URL replacement comes first in ``tokens``: its leftmost matches, wherever the word tokens would be.
    One pass finds the same ones: every position a URL can start at (an "h" or "w", never in a number) is
    tried before it is consumed, and a word ends where a URL starts (decision 0217: a first pass that
    collected the URLs cost more than the rest of the tokenising)."""
    p = s
    nb = ts[nt]
    while p < e:
        c = cp[p]
        if c == 104 or c == 119:  # h, w
            q = _url_end(cp, p, e, spaces)
            if q >= 0:
                nb = _emit(_URL, 0, 3, buf, nb, ts, th, tp, nt)
                nt += 1
                p = q
                continue
        if 97 <= c <= 122:  # [a-z][a-z0-9'’]*
            q = p + 1
            while q < e:
                d = cp[q]
                if (d == 104 or d == 119) and _url_end(cp, q, e, spaces) >= 0:
                    break
                if (97 <= d <= 122) or (48 <= d <= 57) or d == 39 or d == _RSQUO:
                    q += 1
                else:
                    break
            nb = _emit(cp, p, q, buf, nb, ts, th, tp, nt)
            nt += 1
            p = q
        elif _is_digit(c, digits):  # \d+ -> _num_
            q = p + 1
            while q < e and _is_digit(cp[q], digits):
                q += 1
            nb = _emit(_NUM, 0, 5, buf, nb, ts, th, tp, nt)
            nt += 1
            p = q
        elif c == 36 or c == 33 or c == 63 or c == 0x20AC or c == 0xA3:  # [$!?€£]
            nb = _emit(cp, p, p + 1, buf, nb, ts, th, tp, nt)
            nt += 1
            p += 1
        else:
            p += 1
    return nt


@_inline
def _tally_table(min_size: int) -> tuple[np.ndarray, np.uint64]:
    """An empty counting table for :func:`_tally`: a power-of-two number of slots (at least ``min_size``),
    -1 = free, and the shift that takes a Fibonacci hash of a key to a slot."""
    size = 16
    while size < min_size:
        size <<= 1
    bits = 0
    while (1 << bits) < size:
        bits += 1
    return np.full(size, -1, dtype=np.int64), _U64(64 - bits)


@_inline
def _tally(key: int, slot: np.ndarray, shift: np.uint64, ids: np.ndarray, counts: np.ndarray, k: int) -> int:
    """Count ``key`` (a ``Counter`` in arrays): ``ids[:k]``/``counts[:k]`` hold the distinct keys in order of
    first occurrence, ``slot`` maps a key's hash to its position; returns the new number of distinct keys."""
    size = len(slot)
    s = np.int64((_U64(key) * _GOLD) >> shift)
    while True:
        pos = slot[s]
        if pos < 0:
            slot[s] = k
            ids[k] = key
            counts[k] = 1
            return k + 1
        if ids[pos] == key:
            counts[pos] += 1
            return k
        s = (s + 1) & (size - 1)


@_inline
def _lookup(
    slots: np.ndarray,
    shift: np.uint64,
    cps: np.ndarray,
    buf: np.ndarray,
    ts: np.ndarray,
    th: np.ndarray,
    tp: np.ndarray,
    nt: int,
    uj: np.ndarray,
    bj: np.ndarray,
) -> None:
    """The term id (or -1) of every token (``uj[t]``) and of every bigram of tokens t - 1, t (``bj[t]``):
    each looked up once, whether the whole text's count or a sentence's count reads it."""
    for t in range(nt):
        uj[t] = _find(slots, shift, cps, th[t], buf, ts[t], ts[t + 1], -1, -1)
    for t in range(1, nt):
        h = (th[t - 1] * _BASE + _SPACE_CP) * tp[t] + th[t]
        bj[t] = _find(slots, shift, cps, h, buf, ts[t - 1], ts[t], ts[t], ts[t + 1])


@_inline
def _count(
    t0: int,
    t1: int,
    uj: np.ndarray,
    bj: np.ndarray,
    to_model: np.ndarray,
    col: int,
    out_id: np.ndarray,
    out_n: np.ndarray,
    n: int,
) -> int:
    """``counts_of`` of tokens ``t0..t1`` in a model: its known terms (ids ``to_model[term, col]``) in the order
    of the Counter's keys (unigrams, then bigrams, each by first occurrence) with their counts, appended to
    ``out_id``/``out_n`` from ``n``; the new ``n``."""
    slot, sshift = _tally_table(4 * (t1 - t0) + 4)  # model id -> position in out_id (first occurrence)
    for k in range(2 * (t1 - t0) - 1):
        j = uj[t0 + k] if k < t1 - t0 else bj[t0 + k - (t1 - t0) + 1]
        if j < 0:
            continue
        m = to_model[j, col]
        if m >= 0:
            n = _tally(m, slot, sshift, out_id, out_n, n)
    return n


@_inline
def _room(a: np.ndarray, need: int) -> np.ndarray:
    """``a`` (rows x columns) with at least ``need`` columns, its content kept."""
    if need <= a.shape[1]:
        return a
    b = np.empty((a.shape[0], max(need, 2 * a.shape[1])), dtype=a.dtype)
    b[:, : a.shape[1]] = a
    return b


@_inline
def _ranges(starts: np.ndarray, ends: np.ndarray, n_chars: int, max_picked: int, rng: np.ndarray) -> tuple[int, int]:
    """``request_sentence_tokens``' ranges of a text: each of the first sentences until ``max_picked`` of 8+
    characters were picked, then the rest of the text from the next start. Row r of ``rng``: start, end,
    picked sentence number (-1: not picked). Returns (ranges, sentences picked)."""
    n_picked = 0
    nr = 0
    i = 0
    s1 = len(starts)
    while i < s1 and n_picked < max_picked:
        rng[nr, 0] = starts[i]
        rng[nr, 1] = ends[i]
        rng[nr, 2] = -1
        if ends[i] - starts[i] >= 8:
            rng[nr, 2] = n_picked
            n_picked += 1
        nr += 1
        i += 1
    if i < s1:
        rng[nr, 0] = starts[i]
        rng[nr, 1] = n_chars
        rng[nr, 2] = -1
        nr += 1
    return nr, n_picked


@_jit
def model_terms(
    cp: np.ndarray,
    text_off: np.ndarray,
    spans: np.ndarray,
    span_off: np.ndarray,
    max_picked: int,
    digits: np.ndarray,
    spaces: np.ndarray,
    slots: np.ndarray,
    cps: np.ndarray,
    to_model: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``pipeline._python_terms`` of a batch: text i is the lower-cased code points ``cp[text_off[i]:
    text_off[i + 1]]``; ``spans[span_off[i]:span_off[i + 1]]`` holds its k sentences' starts, then their k ends
    (offsets within the text). ``digits``/``spaces``: the non-ASCII decimal digits and spaces among the
    texts' characters, sorted. ``to_model[term]``: (union id, request id), -1 where unknown.

    Returns (text, union id, count) of each text's known terms in its ``Counter``'s key order (3 x n),
    (text, picked sentence number, request id, count) of each picked sentence's (4 x n), and the number of
    sentences picked per text (decision 0217: one call and three arrays for a batch)."""
    m = len(text_off) - 1
    longest = 1
    most_sents = 0
    for i in range(m):
        longest = max(longest, text_off[i + 1] - text_off[i])
        most_sents = max(most_sents, (span_off[i + 1] - span_off[i]) // 2)
    buf = np.empty(5 * longest + 8, dtype=np.uint32)
    ts = np.zeros(longest + 2, dtype=np.int64)
    th = np.zeros(longest + 1, dtype=np.uint64)
    tp = np.zeros(longest + 1, dtype=np.uint64)
    uj = np.empty(longest + 1, dtype=np.int64)
    bj = np.empty(longest + 1, dtype=np.int64)
    rng = np.empty((most_sents + 1, 3), dtype=np.int64)
    first = np.empty(most_sents + 2, dtype=np.int64)
    ids = np.empty(2 * longest + 2, dtype=np.int64)
    cnt = np.empty(2 * longest + 2, dtype=np.int64)
    union = np.empty((3, 2 * len(cp) // 3 + 16), dtype=np.int64)
    request = np.empty((4, len(cp) // 2 + 16), dtype=np.int64)
    n_picked = np.zeros(m, dtype=np.int64)
    shift = _shift_of(slots)
    nu = 0
    nq = 0
    for i in range(m):
        text = cp[text_off[i] : text_off[i + 1]]
        k = (span_off[i + 1] - span_off[i]) // 2
        starts = spans[span_off[i] : span_off[i] + k]
        nr, n_picked[i] = _ranges(starts, spans[span_off[i] + k : span_off[i + 1]], len(text), max_picked, rng)
        nt = 0
        ts[0] = 0
        for r in range(nr):
            first[r] = nt
            nt = _tokenize(text, rng[r, 0], rng[r, 1], digits, spaces, buf, ts, th, tp, nt)
        first[nr] = nt
        _lookup(slots, shift, cps, buf, ts, th, tp, nt, uj, bj)
        k = _count(0, nt, uj, bj, to_model, 0, ids, cnt, 0)
        union = _room(union, nu + k)
        union[0, nu : nu + k] = i
        union[1, nu : nu + k] = ids[:k]
        union[2, nu : nu + k] = cnt[:k]
        nu += k
        for r in range(nr):
            if rng[r, 2] < 0:
                continue
            k = _count(first[r], first[r + 1], uj, bj, to_model, 1, ids, cnt, 0)
            request = _room(request, nq + k)
            request[0, nq : nq + k] = i
            request[1, nq : nq + k] = rng[r, 2]
            request[2, nq : nq + k] = ids[:k]
            request[3, nq : nq + k] = cnt[:k]
            nq += k
    return union[:, :nu], request[:, :nq], n_picked


# -- text._sentences ----------------------------------------------------------------------


@_inline
def _is_word(c: int, words: np.ndarray) -> bool:
    """re's \\w (``str.isalnum()`` or "_"); the non-ASCII ones come per text, sorted."""
    if c < 128:
        return (48 <= c <= 57) or (65 <= c <= 90) or (97 <= c <= 122) or c == 95
    return len(words) > 0 and _in_sorted(c, words)


@_inline
def _after_abbreviation(cp: np.ndarray, dot: int, words: np.ndarray, abbrevs: np.ndarray) -> bool:
    """``_ABBREV.search(text, max(0, dot - 5), dot + 1)``: the "." at ``dot`` ends an abbreviation (one of
    ``abbrevs``: length << 32 | its ASCII letters packed 8 bits each, or one capital letter) that starts
    a word (re's \\b looks at the character before the search window too)."""
    key = 0
    for n in range(1, 5):
        st = dot - n
        if st < 0:
            return False
        c = cp[st]
        if c >= 128:
            return False
        key = key | (int(c) << (8 * (n - 1)))
        if st > 0 and _is_word(cp[st - 1], words):
            continue
        if n == 1 and 65 <= c <= 90:
            return True
        packed = (n << 32) | key
        for a in abbrevs:
            if a == packed:
                return True
    return False


@_jit
def sentence_spans(cp: np.ndarray, spaces: np.ndarray, words: np.ndarray, abbrevs: np.ndarray) -> np.ndarray:
    """``text._python_sentences``: the breaks ``_SENT_END`` finds (``(?<=[.!?])["')\\]]*\\s+|\\n+``, leftmost
    first), less those after an abbreviation's ".", and the non-empty sentences between them: their starts,
    then their ends, in one array. ``spaces``/``words``: the text's non-ASCII \\s and \\w characters."""
    n = len(cp)
    starts = np.empty(n + 1, dtype=np.int64)
    ends = np.empty(n + 1, dtype=np.int64)
    k = 0
    start = 0
    p = 0
    while p < n:
        b = -1
        if p > 0 and (cp[p - 1] == 46 or cp[p - 1] == 33 or cp[p - 1] == 63):  # after [.!?]
            q = p
            while q < n and (cp[q] == 34 or cp[q] == 39 or cp[q] == 41 or cp[q] == 93):  # ["')\]]*
                q += 1
            if q < n and _is_space(cp[q], spaces):
                b = q + 1
                while b < n and _is_space(cp[b], spaces):
                    b += 1
        if b < 0 and cp[p] == 10:  # \n+
            b = p + 1
            while b < n and cp[b] == 10:
                b += 1
        if b < 0:
            p += 1
            continue
        if not (p > 0 and cp[p - 1] == 46 and _after_abbreviation(cp, p - 1, words, abbrevs)):
            if start < p:
                starts[k] = start
                ends[k] = p
                k += 1
            start = b
        p = b
    if start < n:
        starts[k] = start
        ends[k] = n
        k += 1
    out = np.empty(2 * k, dtype=np.int64)
    out[:k] = starts[:k]
    out[k:] = ends[:k]
    return out


@_jit
def _append(out: np.ndarray, n_out: int, part: np.ndarray) -> np.ndarray:
    """``out`` (its first ``n_out`` entries kept) with ``part`` written after them, grown when it is full."""
    m = part.shape[0]
    if n_out + m > out.shape[0]:
        grown = np.empty(2 * (n_out + m), out.dtype)
        grown[:n_out] = out[:n_out]
        out = grown
    out[n_out : n_out + m] = part
    return out


@_jit
def sentence_spans_many(
    cp: np.ndarray, text_start: np.ndarray, spaces: np.ndarray, words: np.ndarray, abbrevs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``sentence_spans`` of each text ``cp[text_start[k]:text_start[k + 1]]`` in one call (decision 0224: a
    call's dispatch costs ~4 µs a text): (spans, span_start), text ``k``'s being ``spans[span_start[k]:
    span_start[k + 1]]``, offsets within its own text. ``spaces``/``words`` may hold every text's non-ASCII
    \\s and \\w characters (a code point's class does not depend on the text)."""
    n_texts = text_start.shape[0] - 1
    span_start = np.empty(n_texts + 1, np.int64)
    out = np.empty(cp.shape[0] // 8 + 8 * n_texts, np.int64)
    n_out = 0
    for k in range(n_texts):
        span_start[k] = n_out
        part = sentence_spans(cp[text_start[k] : text_start[k + 1]], spaces, words, abbrevs)
        out = _append(out, n_out, part)
        n_out += part.shape[0]
    span_start[n_texts] = n_out
    return out[:n_out], span_start


# -- sentiment._word_scores ---------------------------------------------------------------


@_jit
def sentiment_words(
    cp: np.ndarray,
    slots: np.ndarray,
    cps: np.ndarray,
    is_neg: np.ndarray,
    valence: np.ndarray,
    caps_window: int,
) -> np.ndarray:
    """The total, the ASCII letters and capitals among the first ``caps_window`` code points (what
    ``scan.ascii_letter_counts(text[:caps_window])`` gives; decision 0221), then the scored words' valences,
    starts and ends (as float64, in text order: one array to return, decision 0217), as ``_word_scores``
    computes them over the tokens ``[A-Za-z][A-Za-z'’]*|!+`` of ``cp``. ``valence[t]`` is NaN for a term
    that is only a negator."""
    n = len(cp)
    letters = 0
    capitals = 0
    for i in range(min(n, caps_window)):
        c = cp[i]
        if 65 <= c <= 90:
            capitals += 1
            letters += 1
        elif 97 <= c <= 122:
            letters += 1
    buf = np.empty(n + 1, dtype=np.uint32)
    sv = np.empty(n // 2 + 1, dtype=np.float64)
    ss = np.empty(n // 2 + 1, dtype=np.int64)
    se = np.empty(n // 2 + 1, dtype=np.int64)
    ns = 0
    shift = _shift_of(slots)
    total = 0.0
    last_neg = -10
    bangs = 0
    k = -1
    p = 0
    while p < n:
        c = cp[p]
        if c == 33:  # a run of '!'
            q = p + 1
            while q < n and cp[q] == 33:
                q += 1
            k += 1
            if total != 0.0:
                total += 0.3 * np.copysign(float(min(q - p, 4)), total)
            else:
                total += 0.0
            bangs += 1
            p = q
            continue
        if not ((65 <= c <= 90) or (97 <= c <= 122)):
            p += 1
            continue
        q = p
        h = _U64(0)
        lower = False
        while q < n:
            d = cp[q]
            if 65 <= d <= 90:
                d += 32
            elif 97 <= d <= 122:
                lower = True
            elif d == _RSQUO:
                d = 39
            elif d != 39:
                break
            buf[q - p] = d
            h = h * _BASE + _U64(d)
            q += 1
        k += 1
        t = _find(slots, shift, cps, h, buf, 0, q - p, -1, -1)
        if t >= 0:
            if is_neg[t]:
                last_neg = k
                bangs = 0
            else:
                v = valence[t]
                if not lower and q - p > 2:  # w.isupper(): no lower-case letter (a letter always there)
                    v += np.copysign(0.733, v)
                if k - last_neg - 1 - bangs < 3:
                    v *= -0.74
                total += v
                sv[ns] = v
                ss[ns] = p
                se[ns] = q
                ns += 1
        p = q
    out = np.empty(3 + 3 * ns, dtype=np.float64)
    out[0] = total
    out[1] = letters
    out[2] = capitals
    out[3 : 3 + ns] = sv[:ns]
    out[3 + ns : 3 + 2 * ns] = ss[:ns]
    out[3 + 2 * ns :] = se[:ns]
    return out


@_jit
def sentiment_words_many(
    cp: np.ndarray,
    text_start: np.ndarray,
    slots: np.ndarray,
    cps: np.ndarray,
    is_neg: np.ndarray,
    valence: np.ndarray,
    caps_window: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``sentiment_words`` of each text ``cp[text_start[k]:text_start[k + 1]]`` in one call (decision 0224):
    (outputs, out_start), text ``k``'s output being ``outputs[out_start[k]:out_start[k + 1]]``."""
    n_texts = text_start.shape[0] - 1
    out_start = np.empty(n_texts + 1, np.int64)
    out = np.empty(cp.shape[0] // 16 + 8 * n_texts, np.float64)
    n_out = 0
    for k in range(n_texts):
        out_start[k] = n_out
        part = sentiment_words(cp[text_start[k] : text_start[k + 1]], slots, cps, is_neg, valence, caps_window)
        out = _append(out, n_out, part)
        n_out += part.shape[0]
    out_start[n_texts] = n_out
    return out[:n_out], out_start


# -- py3langid's visit_counts -------------------------------------------------------------


@_inline
def _visit(
    nm: np.ndarray, rowbase: np.ndarray, out: np.ndarray, text: np.ndarray, idx: np.ndarray, cnt: np.ndarray
) -> int:
    """The DFA walk of ``visit_counts`` over ``text``: its (feature, count) pairs written to ``idx[:k]``,
    ``cnt[:k]`` (both at least ``len(text)`` long: a byte visits at most one new feature); returns ``k``."""
    n = len(text)
    slot, shift = _tally_table(2 * n + 2)
    k = 0
    state = 0
    for i in range(n):
        state = nm[rowbase[state] + text[i]]
        f = out[state]
        if f < 0:
            continue
        k = _tally(f, slot, shift, idx, cnt, k)
    return k


@_jit
def visit_counts(
    nm: np.ndarray, rowbase: np.ndarray, out: np.ndarray, text: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``py3langid.langid.visit_counts``: the DFA walk over the bytes ``text``, as (feature, count) in
    the order of the ``Counter`` it returns (first visit); empty arrays where it returns None."""
    n = len(text)
    idx = np.empty(n, dtype=np.int64)
    cnt = np.empty(n, dtype=np.int64)
    k = _visit(nm, rowbase, out, text, idx, cnt)
    return idx[:k], cnt[:k]


@_jit
def visit_counts_many(
    nm: np.ndarray, rowbase: np.ndarray, out: np.ndarray, text: np.ndarray, text_start: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``visit_counts`` of each text ``text[text_start[k]:text_start[k + 1]]`` in one call (decision 0230):
    (idx, cnt, out_start), text ``k``'s pairs being ``idx``/``cnt[out_start[k]:out_start[k + 1]]``."""
    n_texts = text_start.shape[0] - 1
    idx = np.empty(len(text), dtype=np.int64)
    cnt = np.empty(len(text), dtype=np.int64)
    out_start = np.empty(n_texts + 1, np.int64)
    k = 0
    for t in range(n_texts):
        out_start[t] = k
        a, b = text_start[t], text_start[t + 1]
        k += _visit(nm, rowbase, out, text[a:b], idx[k:b], cnt[k:b])
    out_start[n_texts] = k
    return idx[:k], cnt[:k], out_start


# -- language.detect's stop-word test ---------------------------------------------------------


@_jit
def ascii_word_counts(text: np.ndarray, text_start: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each ASCII text ``text[text_start[k]:text_start[k + 1]]`` (bytes): how many ``[a-z']+`` words its
    lower-cased form holds, and how many of them are in ``stops`` (sorted words of 1-7 bytes, each packed
    big-endian into an integer: ``"to"`` is ``0x746F``), as ``language._ascii_words`` and its stop-word
    share count them (decision 0230)."""
    n_texts = text_start.shape[0] - 1
    n_words = np.zeros(n_texts, np.int64)
    n_stops = np.zeros(n_texts, np.int64)
    for t in range(n_texts):
        run = 0  # letters of the current word
        code = 0  # its first 7 letters, packed
        for i in range(text_start[t], text_start[t + 1] + 1):
            c = int(text[i]) if i < text_start[t + 1] else 32  # a space after the last word
            if 65 <= c <= 90:
                c += 32  # bytes.lower / str.lower of ASCII
            if 97 <= c <= 122 or c == 39:
                if run < 7:
                    code = (code << 8) | c
                run += 1
            elif run:
                n_words[t] += 1
                if run <= 7 and _in_sorted(code, stops):
                    n_stops[t] += 1
                run = 0
                code = 0
    return n_words, n_stops


# -- batchmath.multiclass's sparse sums --------------------------------------------------------


_PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE: runs up to this long are summed in 8 running sums


@_inline
def _block_sum(a: np.ndarray, c: int, lo: int, n: int) -> float:
    """numpy's ``pairwise_sum`` of ``a[lo:lo + n, c]`` for ``n <= _PAIRWISE_BLOCK``: fewer than 8 values one by
    one from -0.0, else 8 running sums (of every 8th value) added in a tree, then the rest one by one."""
    if n < 8:
        res = -0.0
        for i in range(lo, lo + n):
            res += a[i, c]
        return res
    r0, r1, r2, r3 = a[lo, c], a[lo + 1, c], a[lo + 2, c], a[lo + 3, c]
    r4, r5, r6, r7 = a[lo + 4, c], a[lo + 5, c], a[lo + 6, c], a[lo + 7, c]
    i = lo + 8
    while i < lo + n - (n % 8):
        r0, r1, r2, r3 = r0 + a[i, c], r1 + a[i + 1, c], r2 + a[i + 2, c], r3 + a[i + 3, c]
        r4, r5, r6, r7 = r4 + a[i + 4, c], r5 + a[i + 5, c], r6 + a[i + 6, c], r7 + a[i + 7, c]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < lo + n:
        res += a[i, c]
        i += 1
    return res


@_jit
def _pairwise_sum(a: np.ndarray, c: int, lo: int, n: int) -> float:
    """numpy's ``pairwise_sum`` of ``a[lo:lo + n, c]`` (float64), what its add loop adds when it reduces: a
    longer run is split in two halves (the first a multiple of 8 long), each summed so, then added. The
    halving is walked with a stack, not by recursion (numba's on-disk cache does not hold recursive
    functions safely)."""
    if n <= _PAIRWISE_BLOCK:
        return _block_sum(a, c, lo, n)
    starts = np.empty(64, np.int64)
    sizes = np.empty(64, np.int64)
    stage = np.empty(64, np.int64)  # 0: not split yet, 1: first half being summed, 2: second half
    first = np.empty(64, np.float64)  # the first half's sum, while the second is summed
    top = 0
    starts[0], sizes[0], stage[0] = lo, n, 0
    value = 0.0  # the sum of the frame last finished
    while True:
        s, m = starts[top], sizes[top]
        half = m // 2
        half -= half % 8
        if stage[top] == 0 and m > _PAIRWISE_BLOCK:
            stage[top] = 1
            top += 1
            starts[top], sizes[top], stage[top] = s, half, 0
            continue
        if stage[top] == 1:
            first[top] = value
            stage[top] = 2
            top += 1
            starts[top], sizes[top], stage[top] = s + half, m - half, 0
            continue
        value = first[top] + value if stage[top] == 2 else _block_sum(a, c, s, m)
        if top == 0:
            return value
        top -= 1


@_jit
def add_segment_sums(z: np.ndarray, seg: np.ndarray, idx: np.ndarray, unit: np.ndarray, coef: np.ndarray) -> None:
    """``z[i] += np.add.reduceat(coef[idx] * unit[:, None], starts)`` for each message ``i`` with entries
    (``seg`` ascending, ``starts`` where each run of ``seg`` begins), in place, without the batch's
    (entries x classes) array (decision 0230). The same floats: each product as numpy rounds it, and a run's
    sum as ``reduceat`` adds it column by column, its first product plus numpy's pairwise sum of the others."""
    n_out = coef.shape[1]
    m = len(idx)
    longest = 0
    a = 0
    while a < m:  # the longest run: the size of the one buffer of products
        b = a + 1
        while b < m and seg[b] == seg[a]:
            b += 1
        longest = max(longest, b - a)
        a = b
    rows = np.empty((longest, n_out), np.float64)
    a = 0
    while a < m:
        b = a + 1
        while b < m and seg[b] == seg[a]:
            b += 1
        for k in range(a, b):
            j = idx[k]
            u = unit[k]
            for c in range(n_out):
                rows[k - a, c] = coef[j, c] * u
        i = seg[a]
        for c in range(n_out):
            total = rows[0, c]
            if b - a > 1:
                total += _pairwise_sum(rows, c, 1, b - a - 1)
            z[i, c] += total
        a = b


# -- batchmath.shared_entries_from ----------------------------------------------------------------


@_jit
def known_entries(
    seg: np.ndarray,
    ua: np.ndarray,
    ca: np.ndarray,
    to_model: np.ndarray,
    idf: np.ndarray,
    tf: np.ndarray,
    presence: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``batchmath._entries`` of one model from the batch's union terms (segment ``seg``, union index ``ua``,
    count ``ca``; ``to_model``: union index -> the model's, -1 where unknown), in one pass (decision 0230):
    the known terms' (segment, model index, value), in the input's order. The value is the float32 product
    ``idf[j] * tf[count]`` (``tf[1]`` is 1.0, so a count of 1 keeps ``idf[j]`` as numpy's path does) widened
    to float64, or 1.0 for a ``presence`` model. Every count must be below ``len(tf)``."""
    m = len(ua)
    seg_out = np.empty(m, seg.dtype)
    idx_out = np.empty(m, to_model.dtype)
    val_out = np.empty(m, np.float64)
    k = 0
    for t in range(m):
        j = to_model[ua[t]]
        if j < 0:
            continue
        seg_out[k] = seg[t]
        idx_out[k] = j
        val_out[k] = 1.0 if presence else np.float64(idf[j] * tf[ca[t]])
        k += 1
    return seg_out[:k], idx_out[:k], val_out[:k]


# -- batchmath.Scored._explain_many ---------------------------------------------------------------


@_inline
def _rank_in(i: int, w: float, row: int, top_w: np.ndarray, top_row: np.ndarray, held: np.ndarray) -> None:
    """Put (``row``, ``w``) into message ``i``'s list of its strongest pushes, strongest first, after the
    entries it ties with (they came earlier in list order); the weakest falls off a full list."""
    k = top_w.shape[1]
    n = held[i]
    if n == k and w <= top_w[i, k - 1]:
        return
    at = n if n < k else k - 1
    while at > 0 and top_w[i, at - 1] < w:
        if at < k:
            top_w[i, at] = top_w[i, at - 1]
            top_row[i, at] = top_row[i, at - 1]
        at -= 1
    top_w[i, at] = w
    top_row[i, at] = row
    if n < k:
        held[i] = n + 1


@_jit
def top_pushes(
    seg: np.ndarray,
    idx: np.ndarray,
    unit: np.ndarray,
    coef: np.ndarray,
    col_of: np.ndarray,
    dense: np.ndarray,
    dense_coef: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Scored._explain_many``'s ranking in one pass (decision 0231): per message ``i``, its ``k`` strongest
    positive pushes on class ``col_of[i]``, ranked by -weight, ties in list order: its terms (entry ``e``:
    ``unit[e] * coef[idx[e], col]``, in entry order), then its dense features (``dense[i, j] *
    dense_coef[j, col]``, by column), each product the one numpy computes. Returns (rows, weights, held):
    message ``i``'s are ``rows[i, :held[i]]`` (a term's index, or ``coef``'s term count + the dense column)."""
    n = col_of.shape[0]
    top_w = np.empty((n, max(k, 1)), np.float64)
    top_row = np.empty((n, max(k, 1)), np.int64)
    held = np.zeros(n, np.int64)
    if k <= 0:
        return top_row, top_w, held
    for e in range(seg.shape[0]):
        i = seg[e]
        w = unit[e] * np.float64(coef[idx[e], col_of[i]])
        if w > 0:
            _rank_in(i, w, idx[e], top_w, top_row, held)
    n_terms = coef.shape[0] - dense_coef.shape[0]
    for i in range(dense.shape[0]):
        c = col_of[i]
        for j in range(dense.shape[1]):
            w = dense[i, j] * dense_coef[j, c]
            if w > 0:
                _rank_in(i, w, n_terms + j, top_w, top_row, held)
    return top_row, top_w, held


# -- cues.dense_features ------------------------------------------------------------------------------


@_jit
def ascii_char_counts(text: np.ndarray, text_start: np.ndarray) -> np.ndarray:
    """For each text ``text[text_start[k]:text_start[k + 1]]`` (its ASCII bytes, the others left out): its
    spaces, letters, capitals, "?" and "!" (row ``k``), what ``cues.window_counts`` counts (decision 0231).
    A histogram of the bytes, then the sums: no branch per byte."""
    n_texts = text_start.shape[0] - 1
    out = np.zeros((n_texts, 5), np.int64)
    seen = np.zeros(256, np.int64)
    for t in range(n_texts):
        seen[:] = 0
        for i in range(text_start[t], text_start[t + 1]):
            seen[text[i]] += 1
        capitals = 0
        small = 0
        for c in range(65, 91):  # A-Z, and a-z 32 above them
            capitals += seen[c]
            small += seen[c + 32]
        out[t, 0] = seen[32]
        out[t, 1] = capitals + small
        out[t, 2] = capitals
        out[t, 3] = seen[63]
        out[t, 4] = seen[33]
    return out
