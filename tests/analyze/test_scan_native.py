"""Decision 0210: the compiled word index (``_scan_kernels.word_index``) gives exactly the Python path's
candidates, and analyses are the same with and without it.

The Python path (``scan._python_cands``: ``_SPLIT.split``, keys, ``_ids_for``) is the definition; the
kernel is compared with it on traps (non-ASCII words, Kelvin sign, dotted I, combining marks, digits,
underscores, surrogates, empty text, text at the 4,000-character cap, every indexed key cut and
extended) and on real mail from ../shared/data (Enron, twcs, CFPB, SpamAssassin).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from execdesk.analyze import analyze_batch, default_config, native, parsed_from_text
from execdesk.analyze.scan import _KEY_INDEX, END, KEY_LEN, Scan, _native_cands, _python_cands, fold, scans
from execdesk.analyze.text import MAX_ANALYSED_CHARS, build_view
from execdesk.analyze.training.data import load_cfpb, load_enron, load_spamassassin, load_twcs

TRAPS = [
    "",
    " ",
    "I",
    "i we you u ur my me",
    "The \u212aelvin sign: \u212aILL and \u017fue (long s) and \u0130 am here, \u0131 too",
    "écrivez-moi: I am a journaliste. Über-reporter; naïve résumé attached, RÉSUMÉ, re\u0301sume\u0301",
    "s\u0301ue su\u0301e sue\u0301 i\u0307 thank\u0301s",  # combining marks are word characters (\w)
    "sue1 1sue sue_ _sue su_e 12345 ١٢٣ x² ½ thanks99 __init__",
    "\ud83d\ude00 sue \ud800 \udfff we\udc80 i\ud800m \U0001f600thank you\U0001f600",  # lone surrogates, emoji
    "I\u2019m going to SUE!!! i'd like a refund, I'M, we're, \u201cquoted\u201d",
    "\x00sue\x01 i\x00 we\t\nyou\r\n\u00a0u\u2003ur\u3000my",
    "ThAnK yOu ThAnKs THANKFUL thankfulness grateful gratefully",
    "日本語のテキスト sue 中文 we 한국어 i",
    "x" * (MAX_ANALYSED_CHARS - 5) + " sue",
    "thank " * (MAX_ANALYSED_CHARS // 6),
    "a" * MAX_ANALYSED_CHARS,
    # decision 0213: RUN marks (whitespace runs, ASCII and not) and "’" in the longer prefixes
    "the   staff told; the\u00a0\u2003staff said; the \n staff; the\u200bstaff; your\u3000team gave; the\x1cteam",
    "I\u2019ll kill. we\u2018ll hurt; I\u2019m   writing a story; i\u2019 m; every\ttime I call; each time\u2028we ask",
    "the " + " " * (MAX_ANALYSED_CHARS - 20) + "staff told",
    "you" + "\u00a0" * 50 + "idiots and you \u0301 morons, what\u3000a joke",
]


def _key_traps() -> list[str]:
    """Every indexed key as a word, cut, extended, capitalised and after a non-ASCII letter."""
    words = []
    for k in _KEY_INDEX:
        bare = k.rstrip(END)
        words += [bare, bare[:-1], bare + "x", bare + "é", "é" + bare, bare.upper(), bare + "_", bare[:KEY_LEN] + "s"]
    rng = random.Random(210)
    rng.shuffle(words)
    return [" ".join(words[i : i + 300]) for i in range(0, len(words), 300)]


def _kernels() -> Any:
    k = native.load("scan")
    if k is None:
        pytest.skip("numba not importable or EXECDESK_ANALYZE_NATIVE=0: only the Python path exists")
    return k


def _same(kernels: object, text: str) -> None:
    folded = fold(text)
    assert _native_cands(kernels, folded) == _python_cands(folded), text[:120]


def test_word_index_equals_python_on_traps() -> None:
    k = _kernels()
    texts = TRAPS + _key_traps()
    for t in texts:
        _same(k, t)
        _same(k, build_view("Re: " + t[:50], t).text)


def test_code_points_are_str_indices() -> None:
    """The kernel reads UTF-32 code units: one per str index, lone surrogates included."""
    for t in TRAPS:
        cp = fold(t).encode("utf-32-le", "surrogatepass")
        assert len(cp) == 4 * len(t)


def test_word_index_equals_python_on_real_mail(shared_data: Path) -> None:
    k = _kernels()
    examples = load_enron(shared_data, labelled_only=False) + load_twcs(shared_data)
    examples += load_cfpb(shared_data, limit=1500) + load_spamassassin(shared_data)[::3]
    n_non_ascii = 0
    for e in examples:
        text = build_view(e.subject, e.body).text
        n_non_ascii += not text.isascii()
        _same(k, text)
    assert len(examples) > 5000
    assert n_non_ascii > 100  # the non-ASCII branch is exercised on real text too


def test_scan_candidates_equal_on_both_paths(shared_data: Path) -> None:
    _kernels()
    texts = [build_view(e.subject, e.body).text for e in load_twcs(shared_data)[::5]] + TRAPS
    for text in texts:
        fast = Scan(text)
        with native.python_path():
            slow = Scan(text)
        assert fast._cands == slow._cands


def test_analyses_equal_with_and_without_kernels(shared_data: Path) -> None:
    _kernels()
    pairs = [(e.subject, e.body) for e in load_enron(shared_data)[::2] + load_spamassassin(shared_data)[::10]]
    pairs += [("Trap", t) for t in TRAPS]
    msgs = [parsed_from_text(s, b) for s, b in pairs]
    cfg = default_config()
    fast = [a.to_dict() for a in analyze_batch(msgs, None, cfg)]
    with native.python_path():
        slow = [a.to_dict() for a in analyze_batch(msgs, None, cfg)]
    assert fast == slow


def test_scans_of_a_batch_equal_each_text_alone(shared_data: Path) -> None:
    """Decision 0222: ``scans`` (one ``word_index_many`` call for a batch; the non-ASCII word and space
    characters of every text together) gives each text the candidates ``Scan`` finds for it alone, on the
    Python path too. Batches of real mail with non-ASCII texts among ASCII ones, and the traps."""
    _kernels()
    examples = load_twcs(shared_data)[::7] + load_cfpb(shared_data, limit=300) + load_spamassassin(shared_data)[::20]
    texts = [build_view(e.subject, e.body).text for e in examples] + TRAPS + _key_traps()
    assert sum(not t.isascii() for t in texts) > 20
    for i in range(0, len(texts), 250):
        batch = texts[i : i + 250]
        for sc, text in zip(scans(batch), batch, strict=True):
            alone = Scan(text)
            assert (sc.text, sc.folded, sc._cands) == (text, alone.folded, alone._cands), text[:120]
            with native.python_path():
                assert sc._cands == Scan(text)._cands, text[:120]
