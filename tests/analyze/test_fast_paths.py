"""The speed-ups are optimisations only: each fast path must give what the plain code gives.

Reference implementations (the first, straightforward versions) live here; the fast ones in
analyze/scan.py, sentiment.py and linear.py are compared against them on hand-made traps and
on the labelled corpora.
"""

from __future__ import annotations

import itertools
import math
import re
import string
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from execdesk.analyze import sentiment
from execdesk.analyze.cues import CUE_CHARS, CUES, DENSE_NAMES
from execdesk.analyze.linear import _NUM, _TOKEN, _URL, counts_of, terms, tokens
from execdesk.analyze.model import Evidence
from execdesk.analyze.models import load_models
from execdesk.analyze.pipeline import MAX_REQUEST_SENTENCES, _locate, request_sentence_tokens, sentence_tokens
from execdesk.analyze.scan import (
    _ASCII_CLASS,
    _CASELESS,
    _REGISTRY,
    KEY_LEN,
    RUN_H,
    RUN_S,
    Scan,
    ascii_letter_counts,
    fold,
    register,
)
from execdesk.analyze.signals import _INDEXED, _plausible, run_rules
from execdesk.analyze.text import TextView, build_view
from execdesk.analyze.training.data import load_enron, load_twcs
from tests.analyze.test_signals import HITS, NEGATED_OR_NOT_OWN

TRAPS = [
    "I’m going to sue. I'm going to SUE!!! i'd like a refund",
    "The \u212aelvin sign: \u212aILL and \u017fue (long s) and \u0130 am here",  # non-ASCII that re.I folds to ASCII
    "écrivez-moi: I am a journaliste. Über-reporter; naïve résumé attached",
    "Send $$$ now!!! 50% off, click here #enronsucks #fail",
    "x" * (CUE_CHARS - 3) + " I want to thank you",  # a word cut by the cue window
    "a" * (CUE_CHARS - 1) + " i",
    "",
    "!!!",
    "no no no not good, never bad! not very happy at all",
    "I will not hesitate to take legal action; my attorney is ready.",
    # decision 0213: whitespace runs and "’" inside the longer prefixes
    "The   staff told me no. the\tstaff\t\tsaid; the\u00a0staff keeps; the\u3000team failed; the \n staff told",
    "your\u2028staff told, your\u200bstaff told, your\u2003 \u2003reps said, your \x1c staff said, the\x0bteam gave",
    "I\u2019ll kill, I\u2018ll kill, we\u2019ll  hurt, I\u2019m writing a story, I\u2019M   WRITING   AN article",
    "every   time I call, each\ttime we ask, whenever  we  go; every time\nI call; you   idiots. you \u00a0 morons!",
    "We are    currently writing a   story about   it. I am now   researching the piece",
    "the " + " " * 40 + "staff told me" + " " * 30 + "\u2019" + " the      staff",
]


def _texts(shared_data: Path | None) -> list[str]:
    texts = list(TRAPS) + [build_view("Hello", b).text for _s, b, *_ in HITS + NEGATED_OR_NOT_OWN]
    if shared_data is not None:
        texts += [build_view(e.subject, e.body).text for e in load_enron(shared_data) + load_twcs(shared_data)]
    return texts


def _check_scan(text: str) -> None:
    sc = Scan(text)
    for fp in _REGISTRY:
        pat = fp.pattern
        for end in (None, CUE_CHARS, len(text) // 2):
            e = len(text) if end is None else end
            want = [(m.start(), m.end()) for m in pat.finditer(text, 0, e)]
            got = [(m.start(), m.end()) for m in sc.finditer(fp, 0, end)]
            assert got == want, (pat.pattern[:60], text[:80], end)
            assert sc.count(fp, end) == len(pat.findall(text, 0, e))
            for pos in (0, 1, len(text) // 3):
                m1, m2 = pat.search(text, pos, e), sc.search(fp, pos, end)
                assert (m1 and m1.span()) == (m2 and m2.span())
        if not sc.may_match(fp):
            assert pat.search(text) is None
    for end in (None, CUE_CHARS, len(text) // 2):
        e = len(text) if end is None else end
        want_counts = [len(fp.pattern.findall(text, 0, e)) for fp in _REGISTRY]
        assert sc.counts(_REGISTRY, end) == want_counts, (text[:80], end)
        fresh = Scan(text)  # no merged candidates cached yet, patterns in another order
        assert fresh.counts(list(reversed(_REGISTRY)), end) == want_counts[::-1]


def test_scan_equals_regex_on_traps() -> None:
    for t in _texts(None):
        _check_scan(t)


def test_scan_equals_regex_on_real_mail(shared_data: Path) -> None:
    for t in _texts(shared_data)[::3]:
        _check_scan(t)


def test_run_marks_exact_at_every_endpos() -> None:
    """A RUN mark reads a whitespace run to its end, which may lie past a cut ``endpos``: the prefixes
    drop END after a mark, so a cut never hides a match (every endpos of texts full of runs)."""
    texts = [
        "the   staff told me.  We are  writing a  story;   you   idiots  ",
        "x\u2003every\u00a0 time\tI  call\u3000and the\t \tteam  said i\u2019ll   hurt",
    ]
    for text in texts:
        sc = Scan(text)
        for fp in _REGISTRY:
            if not sc.may_match(fp):
                continue
            for e in range(len(text) + 1):
                want = [m.span() for m in fp.pattern.finditer(text, 0, e)]
                assert [m.span() for m in sc.finditer(fp, 0, e)] == want, (fp.pattern.pattern[:60], e)
                assert sc.count(fp, e) == len(want)


def test_run_marks_and_caseless_filter_candidates() -> None:
    """The longer prefixes with RUN marks and "’" are used (the filter is not vacuous) and keep every match."""
    marked = [p for fp in _REGISTRY if fp.ext for v in fp.ext.values() for p in v if RUN_H in p or RUN_S in p]
    assert len(marked) > 100
    assert any("\u2019" in p for fp in _REGISTRY if fp.ext for v in fp.ext.values() for p in v)
    fp = next(f for r, f in _INDEXED if r.name == "escalation.staff_failed")
    assert Scan("the following staff told me; the staff").candidates(fp) == []  # "the" + run + no listed noun
    sc = Scan("the \t staff told me so")
    assert sc.candidates(fp) == [0] and sc.search(fp) is not None


def test_caseless_characters_and_run_classes() -> None:
    """_CASELESS characters match only themselves under re.IGNORECASE and fold() keeps them and maps
    nothing else to them; RUN_H/RUN_S's classes are the same with and without re.IGNORECASE and, outside
    ASCII, the same set (what _wide_classes and the kernel assume). Every code point."""
    for c in _CASELESS:
        one = re.compile(re.escape(c), re.I).fullmatch
        assert [x for x in range(sys.maxunicode + 1) if one(chr(x))] == [ord(c)]
        assert [x for x in range(sys.maxunicode + 1) if fold(chr(x)) == c] == [ord(c)]
    h, hi, s, si = (re.compile(p, f).fullmatch for p in (r"[^\S\n]", r"\s") for f in (0, re.I))
    for x in range(sys.maxunicode + 1):
        ch = chr(x)
        assert bool(h(ch)) == bool(hi(ch)) and bool(s(ch)) == bool(si(ch)), x
        if x >= 128:
            assert bool(h(ch)) == bool(s(ch)), x
    for x in range(128):
        assert _ASCII_CLASS[x] == bool(re.match(r"\w", chr(x))) | 2 * bool(h(chr(x))) | 4 * bool(s(chr(x)))


def test_plausible_rules_are_the_may_match_ones(shared_data: Path) -> None:
    for t in _texts(shared_data)[::7]:
        sc = Scan(t)
        assert _plausible(sc) == [(r, f) for r, f in _INDEXED if sc.may_match(f)]


def test_prefixes_cover_hard_patterns() -> None:
    cases = {
        r"\b(?:foo|ba[rz]\w*|qu+x)\b": ["foo", "BAZZ", "quuux", "a bar."],
        r"(?:x)?\$\$+|\b%": ["$$$", "x$$", "5%", "%"],
        r"\b(?:\d+|two) times": ["3 times", "two times", "٣ times"],  # Unicode digit: scanned in full
        r"\b(?:I|we)\b[^\S\n]+will": ["I will", "we  will", "I\nwill", "wee will"],
        r"\bthe\s+(?:\s|x)yz|\bthe[^\S\n]+?[\s,]+abc|\bthe\s++def": [
            "the  yz",
            "the \nxyz",
            "the \t, abc",
            "the\n def",
        ],
        r"\bfoo[^\S\n]+(?:bar)?[^\S\n]*baz|\bi[’‘]ll\s+go": ["foo  baz", "foo bar baz", "i’ll go", "I‘LL\tgo"],
    }
    for pattern, samples in cases.items():
        fp = register(re.compile(pattern, re.I))
        for s in samples:
            for text in (s, "say " + s + " now", s.upper()):
                assert [m.span() for m in Scan(text).finditer(fp)] == [m.span() for m in fp.pattern.finditer(text)], (
                    pattern,
                    text,
                )


def _rules_same(subject: str, body: str) -> None:
    view = build_view(subject, body)
    fast, ft = run_rules(view, use_index=True, trace=True)
    slow, st = run_rules(build_view(subject, body), use_index=False, trace=True)
    assert [h.to_dict() for h in fast] == [h.to_dict() for h in slow], body[:200]
    assert [(t.rule, t.fired, t.why) for t in ft] == [(t.rule, t.fired, t.why) for t in st]


def test_rule_index_never_changes_results_on_cases() -> None:
    for _sig, body, *_ in HITS + NEGATED_OR_NOT_OWN:
        _rules_same("Hello", body)
    for t in TRAPS:
        _rules_same("", t)


def test_rule_index_never_changes_results_on_real_mail(shared_data: Path) -> None:
    for ex in load_enron(shared_data) + load_twcs(shared_data):
        _rules_same(ex.subject, ex.body)


_REQUIRES_CASES = [
    "you guys suck. y'all sucks! #comcastsucks #Xsucks they suck, u sucks",
    "what an idiot; such a joke. you are useless, your staff are thieves. The service is trash",
    "absolutely garbage, utter scum, complete evil; idiots! morons. imbeciles .",
    "I cancelled. We'll be cancelling the order. I disconnected; cancel my phone line; the account was closed",
    "Terminate our two broadband packages now. My subscription terminated. We will cancel",
    "I have complained to the FCC and wrote to my senator; I'm going to the AG's office and the U.S. senators",
    "We filed with the Better Business Bureau, contacted the attorney-general and cc'd my state rep",
    # "nobody cares" in several forms (escalation.nobody_cares, decision 0223)
    "I wrote twice and nobody cares.",
    "No one cared when I called.",
    "Nobody here seems to care; noone is caring",
]


def test_rule_requires_holds_wherever_the_rule_matches(shared_data: Path) -> None:
    """``Rule.requires`` (decision 0215) matches in every text where its rule's pattern matches, so skipping
    the rule where it does not match changes nothing (run_rules' indexed path skips; the plain one does not)."""
    required = [rule for rule, _fast in _INDEXED if rule.requires is not None]
    assert {r.name for r in required} >= {"abusive.insult", "regulator.complained", "churn.cancel"}
    texts = [build_view(ex.subject, ex.body).text for ex in load_enron(shared_data) + load_twcs(shared_data)]
    texts += [body for _sig, body, *_ in HITS + NEGATED_OR_NOT_OWN] + TRAPS + _REQUIRES_CASES
    for rule in required:
        assert rule.requires is not None
        n = 0
        for text in texts:
            if rule.pattern.search(text) is not None:
                n += 1
                assert rule.requires.search(text) is not None, (rule.name, text[:200])
        assert n >= 3, rule.name  # the check saw real matches


# ---- sentiment ------------------------------------------------------------------------------
def _reference_words(text: str) -> tuple[float, list[Evidence]]:
    """The first version's token loop (VADER lexicon, negation window, '!' boost)."""
    lex = sentiment._lexicon()
    total = 0.0
    neg_window = 0
    strongest: list[tuple[float, int, int]] = []
    for m in sentiment._WORD.finditer(text):
        w = m.group(0)
        if w[0] == "!":
            total += 0.3 * math.copysign(min(len(w), 4), total) if total else 0.0
            continue
        lw = w.lower().replace("’", "'")
        if lw in sentiment._NEG:
            neg_window = 3
            continue
        v = lex.get(lw)
        if v is not None:
            if w.isupper() and len(w) > 2:
                v += math.copysign(0.733, v)
            if neg_window:
                v *= -0.74
            total += v
            strongest.append((v, m.start(), m.end()))
        if neg_window:
            neg_window -= 1
    compound = total / math.sqrt(total * total + 15.0) if total else 0.0
    strongest.sort(key=lambda x: -abs(x[0]))
    return total, [Evidence(text[s:e], s, e) for v, s, e in strongest[:3] if (v < 0) == (compound < 0)]


def _sentiment_same(text: str) -> None:
    total, ev = _reference_words(text)
    got = sentiment.score(text, Scan(text))
    assert got.score == (total / math.sqrt(total * total + 15.0) if total else 0.0), text[:100]
    assert got.evidence == ev
    assert got.anger == sentiment.score(text).anger  # without the index: plain regex count
    letters = len(re.findall(r"[A-Za-z]", text[:1500]))
    assert ascii_letter_counts(text[:1500]) == (letters, len(re.findall(r"[A-Z]", text[:1500])))


def test_sentiment_equals_reference() -> None:
    extra = [
        "not good ! ! ! bad",
        "never " + "!" * 70 + " happy happy",
        "no. good. not ! ! happy",
        "I don’t like it, it isn’t GREAT",
    ]
    for t in TRAPS + extra:
        _sentiment_same(t)


def test_sentiment_equals_reference_on_real_mail(shared_data: Path) -> None:
    for t in _texts(shared_data):
        _sentiment_same(t)


# ---- linear models --------------------------------------------------------------------------
def _reference_terms(text: str) -> Counter[str]:
    text = _URL.sub(" _url_ ", text.lower())
    toks = ["_num_" if t[0].isdigit() else t.replace("’", "'") for t in _TOKEN.findall(text)]
    c: Counter[str] = Counter(toks)
    c.update(a + " " + b for a, b in itertools.pairwise(toks))
    return c


def test_terms_and_vectors_equal_reference(shared_data: Path) -> None:
    models = load_models()
    shared = models.shared_terms()
    assert shared is not None and models.spam is not None and models.request is not None
    assert _NUM.pattern == r"\d"
    texts = [*_texts(shared_data)[::5], "Call 555-1234 at http://x.com/a?b=1 or www.y.org — it’s 2x faster"]
    for t in texts:
        c = terms(t)
        ref = _reference_terms(t)
        assert c == ref and list(c) == list(ref)  # same counts, same order
        for (ia, v), m in zip(shared.term_vectors(c), shared.models, strict=True):
            ja, w = m.term_vector(c)
            assert np.array_equal(ia, ja) and np.allclose(v, w, rtol=0, atol=1e-7)
        batch = models.request.positive_probabilities([c, Counter(), terms(t[:50])])
        for got, cc in zip(batch, [c, Counter(), terms(t[:50])], strict=True):
            assert got == pytest.approx(float(models.request.proba(cc)[1]), abs=1e-6)
        assert models.spam.positive_probabilities([c])[0] == pytest.approx(float(models.spam.proba(c)[1]), abs=1e-6)
        raws = shared.raw_vectors(c)
        assert len(raws) == 3  # intent, topic, spam
        for extra in (Counter(), Counter(["_html_", "_attach_", "_hdr_x-mailer", "_tld_com"])):
            with_meta = Counter(c)
            with_meta.update(extra)
            want = float(models.spam.proba(with_meta)[1])
            assert models.spam.positive_probability_raw(raws[2], extra) == pytest.approx(want, abs=1e-6)


def test_fold_matches_ignorecase_and_keeps_offsets() -> None:
    """Over every code point: fold() keeps length and word-ness, and folds what re.I matches to ASCII."""
    chars = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF]
    text = "".join(chars)
    folded = fold(text)
    assert len(folded) == len(text)
    word = re.compile(r"\w")
    assert [m.start() for m in word.finditer(folded)] == [m.start() for m in word.finditer(text)]
    for ch in set(re.findall(r"[a-z]", text, re.I)):
        target = next(a for a in string.ascii_lowercase if re.fullmatch(a, ch, re.I))
        assert fold(ch) == target, hex(ord(ch))
    assert KEY_LEN == 6


def test_sentence_tokens_join_to_the_whole_text(shared_data: Path) -> None:
    """featurize tokenises sentence by sentence once; joined, that must be tokens(view.text)."""
    texts = [*TRAPS, 'See http://x.com/a. Then www.y.org! "Quoted." (Done.) Mr. Smith\'s İstanbul 3.5 ok?', "a\n\nb"]
    pairs = [("", t) for t in texts] + [(e.subject, e.body) for e in load_enron(shared_data) + load_twcs(shared_data)]
    for subject, body in pairs:
        view = build_view(subject, body)
        joined = list(itertools.chain.from_iterable(sentence_tokens(view)))
        assert joined == tokens(view.text), view.text[:100]
        c = counts_of(joined)
        assert list(c.items()) == list(terms(view.text).items())


def test_request_sentence_tokens_equal_sentence_by_sentence(shared_data: Path) -> None:
    """The request model's sentences and the whole-text tokens, read in one pass after the first sentences."""
    texts = [*TRAPS, "One. Two? Three! " * 20, 'See http://x.com/a. Then www.y.org! "Quoted." (Done.) 3.5 ok?' * 5]
    pairs = [("", t) for t in texts] + [(e.subject, e.body) for e in load_enron(shared_data) + load_twcs(shared_data)]
    for subject, body in pairs:
        view = build_view(subject, body)
        per_sentence = sentence_tokens(view)
        want = [
            t for s, e, t in zip(view.sentence_starts, view.sentence_ends, per_sentence, strict=True) if e - s >= 8
        ][:MAX_REQUEST_SENTENCES]
        picked, every = request_sentence_tokens(view)
        assert picked == want, view.text[:100]
        assert every == tokens(view.text), view.text[:100]


def test_explain_proba_equals_proba_and_top_features(shared_data: Path) -> None:
    """_classify's one-pass scorer gives what ``proba`` and ``top_features`` give separately."""
    from execdesk.analyze.cues import DENSE_NAMES
    from execdesk.analyze.pipeline import featurize

    models = load_models()
    assert models.intent is not None and models.topic is not None
    pairs = [("Hello", t) for t in TRAPS] + [(e.subject, e.body) for e in load_enron(shared_data)[::7]]
    for subject, body in pairs:
        f = featurize(subject, body, models)
        for m in (models.intent, models.topic):
            dense = list(m.dense_in_order(f.dense, DENSE_NAMES))
            tv = m.term_vector(f.counts)
            p, top = m.explain_proba(tv, dense)
            assert np.array_equal(p, m.proba(f.counts, dense, tv))
            for cls in (0, int(np.argmax(p))):
                assert top(cls) == m.top_features(f.counts, dense, cls, tv=tv)


def test_dense_features_are_matched_by_name() -> None:
    """A model trained with fewer or reordered dense features gets its own, by name; unknown ones count 0."""
    from execdesk.analyze.linear import LinearModel

    m = LinearModel(["a", "b"], {"x": 0}, np.ones(1), np.zeros((3, 2)), np.zeros(2), ["cue_b", "cue_gone"])
    assert list(m.dense_in_order([1.0, 2.0, 3.0], ["cue_a", "cue_b", "cue_c"])) == [2.0, 0.0]
    same = LinearModel(["a", "b"], {"x": 0}, np.ones(1), np.zeros((3, 2)), np.zeros(2), ["cue_a", "cue_b"])
    assert list(same.dense_in_order([1.0, 2.0], ["cue_a", "cue_b"])) == [1.0, 2.0]


def test_masking_prefilters_change_nothing(shared_data: Path) -> None:
    """build_view skips a quote/forward scan when its characters are absent; the masks equal a full scan."""
    from execdesk.analyze.text import _FORWARD_MARK, _INLINE_QUOTE, _QUOTE_LINE

    extra = [
        "Hi\n> quoted\nOK",
        'He said "this is a long quotation here" ok',
        "x\nOn Mon, Bob WROTE:\nold",
        "a\n-- Original Message --\nb",
    ]
    pairs = [("", t) for t in TRAPS + extra] + [
        (e.subject, e.body) for e in load_enron(shared_data) + load_twcs(shared_data)
    ]
    for subject, body in pairs:
        view = build_view(subject, body)
        text, start = view.text, view.body_start
        want = [(m.start(), m.end()) for m in _QUOTE_LINE.finditer(text, start)]
        fwd = _FORWARD_MARK.search(text, start)
        if fwd:
            want.append((fwd.start(), len(text)))
        want.extend((m.start(), m.end()) for m in _INLINE_QUOTE.finditer(text))
        want.sort()
        merged: list[tuple[int, int]] = []
        for a, b in want:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        assert view.masked == merged, text[:100]


def _locate_reference(view: TextView, feats: list[tuple[str, float]], limit: int = 3) -> list[Evidence]:
    """pipeline._locate as it was before decision 0218 (a plain loop over the feature names)."""
    out: list[Evidence] = []
    for name, _w in feats:
        if name.startswith("#cue_"):
            pat = CUES.get(name[5:])
            m = pat.search(view.text) if pat else None
            if m:
                out.append(Evidence(m.group(0), m.start(), m.end()))
        elif not name.startswith("#") and not name.startswith("_"):
            i = view.lower.find(name)
            if i >= 0:
                out.append(Evidence(view.text[i : i + len(name)], i, i + len(name)))
        if len(out) >= limit:
            break
    return out


def test_locate_equals_reference(shared_data: Path) -> None:
    """The evidence of the strongest features: cue families, words, signals, the bias, an unknown cue, a
    word absent from the text, a name seen twice (memoised), in several orders and limits."""
    names = [f"#{n}" for n in DENSE_NAMES] + ["#cue_gone", "_bias", "#", "_", "thank", "zzqx", "you", "i", "the"]
    for text in _texts(shared_data)[::7]:
        view = build_view("Hello", text)
        words = view.lower.split()[:5]
        for k in range(0, len(names), 4):
            feats = [(n, 1.0) for n in names[k : k + 6] + words[k % 3 :] + names[k : k + 2]]
            for limit in (1, 3, 50):
                assert _locate(view, feats, limit) == _locate_reference(view, feats, limit), (text[:60], feats)
