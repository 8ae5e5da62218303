"""The compiled per-message path (campaigns/native.py, _kernels.py; docs/decisions/0309) gives what the
Python path gives: rensa's shingle hashes and R-MinHash signatures, the same band keys, tokens, line
keys, own-text splits, family scores and, end to end, the same assignments field for field, on real
texts (regulations.gov floods, CFPB narratives, SpamAssassin ham through the parser, Enron mail) and
on traps (empty, one word, non-ASCII, very long). The compiled path is what the product runs when
numba imports; these tests fail (not skip) when it does not.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import rensa

from execdesk.campaigns import CampaignDetector, CampaignDoc, CampaignSettings, native
from execdesk.campaigns.boilerplate import line_key, line_keys
from execdesk.campaigns.detector import Signer
from execdesk.campaigns.evaluate import flood_docs, load_cfpb, load_enron, load_floods, load_ham
from execdesk.campaigns.index import BandTable, InMemoryCampaignIndex
from execdesk.campaigns.normalise import clean, shingles, token_bytes, tokens, urls

norm = importlib.import_module("execdesk.campaigns.normalise")
K = native.kernels()  # fails when numba cannot be imported: the product would run the slow path
M64 = (1 << 64) - 1

TRAPS = [
    "",
    "one",
    "two words",
    "exactly three words",
    "   \n\t  ",
    "!!! ... ???",
    "0 00 007 1,000,000.50 a1b22c333 12abc34",
    "caf\u00e9 na\u00efve stra\u00dfe \u0130stanbul \u03a3\u0391\u03a3 \u212a kelvin \u00bd \u00b2 \u0663 \ufb01ne",
    "\u201cquoted\u201d \u2014 curly \u2019apostrophes\u2019 only \u2026 punctuation \u2013 here and there again",
    "\u4e2d\u6587 \u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4 mixed with english words for the shingles",
    "emoji \U0001f600 between words \U0001f389 and more words after them",
    "tab\tsep\x0bvt\x0cff\x1cfs\x1dgs\x1ers\x85nel\u2028ls\u2029ps words",
    "Dear Sir,\nMy name is Bob Smith and I live in Ohio.\nPlease stop the rule. It harms us!\n\nSincerely,\nBob",
    "word " * 2500,
    " ".join(f"w{i} tok{i % 97} x{i % 13}" for i in range(3000)),
    "a@b.com x.y+z@ex-ample.co.uk http://a.com/p?q=1 www.b.org/x. HTTPS://C.NET",
]


# -- plain-Python definitions --------------------------------------------------------------------


def fx_hash(data: bytes) -> int:
    """rustc-hash 2 ``FxHasher``: ``write(bytes)`` then ``finish`` (rensa's token hash)."""

    def mix(x: int, y: int) -> int:
        full = x * y
        return (full & M64) ^ (full >> 64)

    n = len(data)
    s0, s1 = 0x243F6A8885A308D3, 0x13198A2E03707344

    def u64(i: int) -> int:
        return int.from_bytes(data[i : i + 8], "little")

    if n <= 16:
        if n >= 8:
            s0 ^= u64(0)
            s1 ^= u64(n - 8)
        elif n >= 4:
            s0 ^= int.from_bytes(data[:4], "little")
            s1 ^= int.from_bytes(data[n - 4 :], "little")
        elif n > 0:
            s0 ^= data[0]
            s1 ^= (data[n - 1] << 8) | data[n // 2]
    else:
        off = 0
        while off < n - 16:
            s0, s1 = s1, mix(s0 ^ u64(off), 0xA4093822299F31D0 ^ u64(off + 8))
            off += 16
        s0 ^= u64(n - 16)
        s1 ^= u64(n - 8)
    h = ((mix(s0, s1) ^ n) * 0xF1357AEA2E62A9C5) & M64
    return ((h << 26) | (h >> 38)) & M64


def splitmix(v: int) -> int:
    v = (v + 0x9E3779B97F4A7C15) & M64
    v = ((v ^ (v >> 30)) * 0xBF58476D1CE4E5B9) & M64
    v = ((v ^ (v >> 27)) * 0x94D049BB133111EB) & M64
    return v ^ (v >> 31)


def rminhash_v2(hashes: set[int], num_perm: int = 128, seed: int = 1) -> list[int]:
    """rensa R-MinHash version 2 as its own reference: per token a fallback rank in every slot
    (prefix 3) and, per round r < 3, a rank with prefix r in one bucket; each slot keeps its minimum."""
    pa, pb = native.rensa_permutations(num_perm, seed)
    a_s, b_s = [int(x) for x in pa], [int(x) for x in pb]
    vals = [0xFFFFFFFF] * num_perm
    for h in hashes:
        fh = splitmix(h ^ a_s[0] ^ 0xBB67AE8584CAA73B)
        for i in range(num_perm):
            rank = (3 << 30) | ((((a_s[i] * fh + b_s[i]) & M64) >> 34) & ((1 << 30) - 1))
            vals[i] = min(vals[i], rank)
        for r in range(3):
            mixed = splitmix(h ^ b_s[0] ^ 0x6A09E667F3BCC909 ^ ((r * 0x3C6EF372FE94F82B) & M64))
            cand, threshold = mixed, (1 << 32) % num_perm
            while ((cand & 0xFFFFFFFF) * num_perm) & 0xFFFFFFFF < threshold:
                cand = splitmix(cand)
            bucket = ((cand & 0xFFFFFFFF) * num_perm) >> 32
            vals[bucket] = min(vals[bucket], (r << 30) | (mixed >> 34))
    return vals


def rensa_digest(items: set[str], num_perm: int = 128, seed: int = 1) -> list[int]:
    mh = rensa.RMinHash(num_perm, seed)
    mh.update(items)
    return list(mh.digest())


# -- corpora ---------------------------------------------------------------------------------------


_TEXTS: dict[Path, list[str]] = {}


@pytest.fixture
def real_texts(shared_data: Path) -> list[str]:
    """Flood comments, CFPB narratives, SpamAssassin ham through the parser, Enron bodies (read once)."""
    if shared_data not in _TEXTS:
        texts = [r["text"] for r in load_floods(shared_data)]
        texts += [r["Consumer complaint narrative"] for r in load_cfpb(shared_data)[:1500]]
        texts += [d.text for d in load_ham(shared_data)[:1200]]
        texts += [d.text for d in load_enron(shared_data)[:1200]]
        _TEXTS[shared_data] = texts
    return _TEXTS[shared_data]


def test_rensa_is_the_version_the_kernels_reproduce() -> None:
    assert rensa.RMinHash.ALGORITHM_VERSION == native.RENSA_ALGORITHM_VERSION


def test_token_hash_is_rensas_on_traps_and_random_tokens() -> None:
    rng = random.Random(4)
    tokens_ = ["", "a", "ab", "abc", "abcd", "abcdefg", "abcdefgh", "abcdefghi", "x" * 16, "x" * 17, "y" * 33]
    tokens_ += ["caf\u00e9 na\u00efve", "\u4e2d\u6587 words", "\U0001f600"]
    tokens_ += ["".join(rng.choice("ab c0\u00e9") for _ in range(rng.randrange(60))) for _ in range(400)]
    expected = rensa.RMinHash.hash_token_sets([tokens_])[0]
    for t, want in zip(tokens_, expected, strict=True):
        b = np.frombuffer(t.encode("utf-8"), dtype=np.uint8)
        assert fx_hash(t.encode("utf-8")) == want
        assert int(K.token_hash(b, 0, len(b))) == want


def test_minhash_is_rensas_and_the_plain_definition() -> None:
    rng = random.Random(5)
    for size in [1, 2, 3, 7, 31, 32, 33, 100, 128, 500, 2000]:
        hashes = {rng.getrandbits(64) for _ in range(size)}
        arr = np.array(sorted(hashes), dtype=np.uint64)
        pa, pb = native.rensa_permutations(128, 1)
        got = K.minhash(arr, pa, pb).tolist()
        flat = rensa.RMinHash.digest_matrix_from_flat_token_hashes(arr, np.array([0, size], dtype=np.uint64), 128, 1)
        assert got == flat.to_rows()[0]
        if size <= 100:
            assert got == rminhash_v2(hashes)
    for num_perm, seed in [(64, 7), (96, 2), (200, 1)]:  # other settings, non power-of-two slot counts
        items = {f"shingle {i}" for i in range(rng.randrange(1, 300))}
        arr = K.unique_sorted(K.line_hashes(native.utf8("\n".join(items))))
        pa, pb = native.rensa_permutations(num_perm, seed)
        assert K.minhash(arr, pa, pb).tolist() == rensa_digest(items, num_perm, seed)


def python_features(signer: Signer, cleaned: str) -> tuple[list[str], list[int], list[int], list[int], list[int]]:
    """What the Python path computes: tokens, distinct shingle hashes, signature, band keys, head hashes."""
    words = tokens(cleaned, signer.s.max_words)
    sh = set(shingles(words, signer.s.shingle_words))
    hashes = sorted(fx_hash(s.encode("utf-8", "surrogatepass")) for s in sh)
    sig = signer.signature(sh) if sh else np.full(signer.s.num_perm, 0xFFFFFFFF, dtype=np.uint32)
    head = [fx_hash(w.encode("utf-8")) for w in words[:100]]
    return words, hashes, sig.tolist(), signer.bands(sig).tolist(), head


def check_features(signer: Signer, text: str) -> None:
    cleaned = clean(text)
    joined, ascii_words, (hashes, n, sig, bands, head, content, _) = signer.features(cleaned)
    words, ref_hashes, ref_sig, ref_bands, ref_head = python_features(signer, cleaned)
    assert joined == " ".join(words)
    assert ascii_words == joined.isascii()
    assert hashes.tolist() == [fx_hash(x.encode("utf-8")) for x in shingles(words, signer.s.shingle_words)]
    assert K.unique_sorted(hashes).tolist() == ref_hashes
    assert n == len(ref_hashes)
    assert sig.tolist() == ref_sig
    assert bands.tolist() == ref_bands
    assert head.tolist() == ref_head
    if ascii_words:
        assert content.tolist() == [int(len(w) >= 3 and not w[0].isdigit()) for w in words[:100]]


@pytest.mark.parametrize("text", TRAPS)
def test_features_match_the_python_path_on_traps(text: str) -> None:
    for settings in (CampaignSettings(), CampaignSettings(shingle_words=5, max_words=60, num_perm=96, lsh_bands=12)):
        check_features(Signer(settings), text)


def test_features_match_the_python_path_on_real_texts(real_texts: list[str]) -> None:
    signer = Signer(CampaignSettings())
    non_ascii = 0
    for text in real_texts:
        non_ascii += not text.isascii()
        check_features(signer, text)
    assert non_ascii > 20  # the token_bytes and regex tokeniser branches were exercised


def test_line_keys_match_line_by_line_keys(real_texts: list[str]) -> None:
    # non-ASCII punctuation only, and breaks only str.splitlines knows
    punctuation_only = "\u201cfooter\u201d line \u2014 x\nnext\u2028line\x85sep\u00a012 34\n\u3000\n\x0cend"
    for text in [*TRAPS, "a b\r\nc d\r\re f\n", "x\n", "\n\n", "12 34\n56 78", punctuation_only, *real_texts]:
        for min_words in (1, 2):
            ref = [line_key(line, min_words) if line.strip() else 0 for line in text.splitlines()]
            assert line_keys(text, min_words, K) == ref


def test_email_and_url_fast_paths_match_the_regexes(real_texts: list[str]) -> None:
    traps = ["@@@", "a@b", "..@a.com", "foo@bar.com@baz.org", "a@b..com@c.de", "\u00e9@\u00fc.de x@y.zz"]
    traps += ["xhttp://a.com", "HTTP://X.COM/p", "(http://a.b)", "http://www.a.com www.a.com", "wwww.a.com"]
    rng = random.Random(9)
    texts = traps + TRAPS + real_texts + [t.replace(" ", "@", 3) for t in rng.sample(real_texts, 500)]
    for text in texts:
        assert norm._drop_emails(text) == norm._EMAIL.sub(" ", text)
        assert urls(text) == [u.rstrip(".,;:!?") for u in norm._URL.findall(text)]


@pytest.mark.parametrize(
    "settings", [CampaignSettings(), CampaignSettings(shingle_words=5, max_words=60)], ids=["default", "k5-cut60"]
)
def test_own_text_split_matches_the_python_path(real_texts: list[str], settings: CampaignSettings) -> None:
    compiled = CampaignDetector(settings)
    with native.python_path():
        plain = CampaignDetector(settings)
    rng = random.Random(3)
    extra = ["Dr. Smith said no.  Really?!\n\nYes.\x1cNext\tpiece. ok ok ok", "a. b. c.\n\n\n d e f g h i"]
    for text in [*TRAPS, *extra, *rng.sample(real_texts, 1500)]:
        cleaned = clean(text)
        sh = list(dict.fromkeys(shingles(tokens(cleaned, settings.max_words), settings.shingle_words)))
        form = set(rng.sample(sh, len(sh) // 2)) | {"not in the text"}
        form_hashes = K.unique_sorted(K.line_hashes(native.utf8("\n".join(form))))
        expected = plain._own_text(cleaned, frozenset(form))
        assert compiled._own_text(cleaned, form_hashes) == expected
        # with the message's shingle hashes from featurise (what assign passes): read, not hashed again
        in_order = compiled.signer.features(cleaned)[2][0]
        assert compiled._own_text(cleaned, form_hashes, in_order) == expected


def test_own_text_split_past_the_tokens_featurise_kept_matches_the_python_path() -> None:
    """A text of more than ``max_words`` tokens: sentences up to there read featurise's shingle hashes,
    the later ones are hashed from their tokens; both must give the Python path's split."""
    rng = random.Random(5)
    vocab = ["".join(rng.choice("abcdefghij") for _ in range(5)) for _ in range(400)]
    text = ". ".join(" ".join(rng.choice(vocab) for _ in range(rng.randint(2, 9))) for _ in range(700))
    settings = CampaignSettings()
    compiled = CampaignDetector(settings)
    with native.python_path():
        plain = CampaignDetector(settings)
    cleaned = clean(text)
    assert len(tokens(cleaned, 10**6)) > 1.5 * settings.max_words
    sh = list(dict.fromkeys(shingles(tokens(cleaned), 3)))
    form = set(sh[::2])
    form_hashes = K.unique_sorted(K.line_hashes(native.utf8("\n".join(form))))
    in_order = compiled.signer.features(cleaned)[2][0]
    own, n_words = compiled._own_text(cleaned, form_hashes, in_order)
    assert (own, n_words) == plain._own_text(cleaned, frozenset(form))
    assert n_words > settings.max_words  # own sentences on both sides of the cut


def test_hash_set_counts_and_members_match_python_sets(real_texts: list[str]) -> None:
    """The hash set of a message's shingle hashes (``hash_set``) answers as a Python set: on real texts
    against forms drawn from other texts and from themselves, and on traps (0, which marks an empty
    slot, repeats, an empty set, values that collide in the table)."""
    rng = random.Random(7)
    hashed = [K.shingle_hashes(native.utf8(" ".join(tokens(clean(t)))), 3) for t in rng.sample(real_texts, 800)]
    mask = np.uint64(0xFFFF_0000_0000_0000)
    traps = [np.array(v, dtype=np.uint64) for v in ([], [0], [0, 0, 5], [7] * 40, [1, 2, 3, M64], [0, M64, 1 << 63])]
    traps += [np.arange(1, 600, dtype=np.uint64) * mask]  # equal low bits
    cases = [*traps, *hashed]
    for i, doc in enumerate(cases):
        table = np.zeros(4 * len(doc) + 17, dtype=np.uint64)
        cap = K.hash_set(doc, table)
        doc_set = set(doc.tolist())
        own = doc.tolist()
        other = cases[(i * 31 + 7) % len(cases)].tolist()
        probes = list(dict.fromkeys(rng.sample(own, len(own) // 2) + other + [0, M64, 12345]))
        values = np.array(probes, dtype=np.uint64)
        assert K.set_count(values, table, cap) == len(doc_set & set(probes))
        assert K.set_members(values, table, cap).tolist() == [int(v in doc_set) for v in probes]


def test_band_table_matches_the_python_table() -> None:
    rng = random.Random(11)
    compiled = BandTable(capacity=64)
    with native.python_path():
        plain = BandTable(capacity=64)
    assert compiled._k is not None and plain._k is None
    for slot in range(3000):  # grows several times
        bands = np.array([rng.getrandbits(32) if rng.random() < 0.9 else 5 for _ in range(24)], dtype=np.uint32)
        for table in (compiled, plain):
            table.insert(bands, slot)
        assert compiled.count == plain.count
        probe = np.array([rng.getrandbits(32) for _ in range(20)] + bands[:4].tolist(), dtype=np.uint32)
        want = sorted(set(plain.lookup_list(probe.tolist())))[:8]
        assert K.band_lookup(compiled.keys, compiled.vals, probe, 8).tolist() == want
    assert np.array_equal(compiled.keys, plain.keys) and np.array_equal(compiled.vals, plain.vals)


def test_index_query_and_add_match_the_python_index() -> None:
    """The compiled lookup with its b-bit counts (``band_query``) and the one-call ``add`` (``index_add``)
    against the Python path's index: the same candidates, counts, arrays and bucket table."""
    rng = random.Random(12)
    compiled = InMemoryCampaignIndex(32)
    with native.python_path():
        plain = InMemoryCampaignIndex(32)
    assert compiled.table._k is not None and plain.table._k is None
    added: list[tuple[np.ndarray, np.ndarray]] = []
    queried = 0
    for slot in range(2500):  # the arrays and the bucket table grow several times
        sig = np.array([rng.getrandbits(16) for _ in range(32)], dtype=np.uint16)
        bands = np.array([rng.getrandbits(32) if rng.random() < 0.9 else 5 for _ in range(24)], dtype=np.uint32)
        if added and slot % 3 == 0:  # a near-copy of an earlier message: some bands and values shared
            e_sig, e_bands = added[rng.randrange(len(added))]
            cut, shared = rng.randrange(33), rng.randrange(25)
            sig[:cut], bands[:shared] = e_sig[:cut], e_bands[:shared]
        mine = compiled.query(bands, 8, sig)
        want = plain.query(bands, 8, sig)
        assert want.same is None
        assert mine.slots.tolist() == want.slots.tolist() and mine.keys == want.keys and mine.groups == want.groups
        assert mine.sizes.tolist() == want.sizes.tolist() and mine.senders.tolist() == want.senders.tolist()
        assert np.array_equal(mine.signatures, want.signatures)
        if want.keys:  # (no candidate: the shared empty answer, nothing to count)
            assert mine.same == np.count_nonzero(want.signatures == sig, axis=1).tolist()
            queried += 1
        group = f"g{slot % 7}" if slot % 4 == 0 else None
        sender = rng.getrandbits(32)
        for index in (compiled, plain):
            assert index.add(f"m{slot}", sig, slot % 300, sender, bands, group) == slot
        added.append((sig, bands))
    assert queried > 500
    n = len(plain)
    for name in ("_sigs", "_sizes", "_senders"):
        assert np.array_equal(getattr(compiled, name)[:n], getattr(plain, name)[:n])
    assert compiled.table.count == plain.table.count
    assert np.array_equal(compiled.table.keys, plain.table.keys)
    assert np.array_equal(compiled.table.vals, plain.table.vals)


def test_word_heads_match_the_python_head_hashes(real_texts: list[str]) -> None:
    """``TriggerLinker.head_hashes`` of ASCII words (one compiled call) against its Python definition."""
    for text in [*TRAPS, *real_texts[:1500]]:
        words = tokens(clean(text))
        head = words[:100]
        if not head or not "".join(head).isascii():
            continue
        hs, content = K.word_heads(native.utf8("\n".join(head)), len(head))
        assert hs.tolist() == [fx_hash(w.encode("ascii")) for w in head]
        assert content.tolist() == [int(len(w) > 2 and not w[0].isdigit()) for w in head]


def test_family_scores_match_the_python_scoring(shared_data: Path) -> None:
    """Families from the interleaved floods, built by a compiled and a Python detector alike; then every
    flood comment, CFPB narrative and trap is scored as a lone message by both trigger linkers, at
    times that leave some families outside their window, and as the words of a new campaign."""
    docs = [d for d, _ in flood_docs(load_floods(shared_data), 7)]
    compiled = CampaignDetector(CampaignSettings())
    with native.python_path():
        plain = CampaignDetector(CampaignSettings())
    for d in docs:
        assert compiled.assign(d) == plain.assign(d)
    fast, slow = compiled.topics, plain.topics
    assert fast._mirror is not None and slow._mirror is None and len(fast.families) > 10
    assert fast.to_json() == slow.to_json()
    texts = [d.text for d in docs] + [r["Consumer complaint narrative"] for r in load_cfpb(shared_data)[:800]]
    texts += TRAPS
    attached = linked = 0
    t_end = max(d.received_at for d in docs if d.received_at is not None)
    for i, text in enumerate(texts):
        when = t_end + timedelta(hours=(i % 5) * 60)
        joined, ascii_words, (_, _, _, _, head, content, _) = compiled.signer.features(clean(text))
        words = joined.split(" ") if joined else []
        hashed = (head, content) if ascii_words else None
        assert list(fast.vector_of(words, hashed).items()) == list(slow.vector(words).items())  # order, floats
        want = slow.attach_words(words, [], when)
        assert fast.attach_words(words, [], when, hashed) == want
        attached += want is not None
        if i % 7 == 0:  # the words of a new campaign: joins a family or founds one (then both linkers grow)
            cid = f"cmp_test{i}"
            want_link = slow.on_campaign(cid, slow.vector(words), [], when)
            assert fast.on_campaign(cid, fast.vector_of(words), [], when, words) == want_link
            linked += want_link[1] != "founds its own family"
    assert attached > 100 and linked > 10
    assert fast.to_json() == slow.to_json()


def stream(data: Path) -> list[CampaignDoc]:
    docs = [d for d, _ in flood_docs(load_floods(data), 7)]
    t0 = datetime(2021, 3, 1, tzinfo=UTC)
    rng = random.Random(2)
    for i, r in enumerate(load_cfpb(data)[:1200]):
        docs.append(CampaignDoc(f"c{i}", r["Consumer complaint narrative"], sender=f"c{i}", received_at=t0))
    docs += load_ham(data)[:800] + load_enron(data)[:800]
    for i, text in enumerate(TRAPS * 4):  # traps repeated by different senders: some form groups
        docs.append(CampaignDoc(f"t{i}", text, sender=f"t{i % 7}@x.org", received_at=t0 + timedelta(minutes=i)))
    for i in range(300):  # non-ASCII copies of a flood comment: the regex tokeniser path forms campaigns
        base = docs[i % 40].text
        words = base.split()
        words[rng.randrange(len(words))] = rng.choice(["\u00e9t\u00e9", "stra\u00dfe", "\u4e2d\u6587", "na\u00efve"])
        docs.append(CampaignDoc(f"u{i}", " ".join(words), sender=f"u{i}@y.org", received_at=t0))
    return docs


def assignments(det: CampaignDetector, docs: list[CampaignDoc]) -> Iterator[dict[str, object]]:
    for d in docs:
        yield det.assign(d).to_dict()


def test_compiled_and_python_paths_decide_alike_with_snapshots_across(shared_data: Path, tmp_path: Path) -> None:
    """Every assignment field for field, and snapshots written by one path resume in the other."""
    docs = stream(shared_data)
    settings = CampaignSettings()
    compiled = CampaignDetector(settings)
    with native.python_path():
        plain = CampaignDetector(settings)
    assert compiled._native and not plain._native
    half = len(docs) // 2
    for a, b in zip(assignments(compiled, docs[:half]), assignments(plain, docs[:half]), strict=True):
        assert a == b
    compiled.save(tmp_path / "compiled.snap")
    plain.save(tmp_path / "plain.snap")
    with np.load(tmp_path / "compiled.snap") as x, np.load(tmp_path / "plain.snap") as y:
        assert sorted(x.files) == sorted(y.files)
        for name in x.files:
            assert np.array_equal(x[name], y[name]), name
    resumed_compiled = CampaignDetector.load(tmp_path / "plain.snap", settings)
    with native.python_path():
        resumed_plain = CampaignDetector.load(tmp_path / "compiled.snap", settings)
    n_campaigns = 0
    for a, b in zip(assignments(resumed_compiled, docs[half:]), assignments(resumed_plain, docs[half:]), strict=True):
        assert a == b
        n_campaigns += a["is_new_campaign"] is True
    assert n_campaigns > 0


def test_kernels_warm_up_and_the_python_switch() -> None:
    assert native.warm_up() >= 0.0
    with native.python_path():
        assert native.load() is None
        assert not Signer(CampaignSettings()).native
    assert native.load() is K
    assert set(K.CACHED) >= {"featurise", "family_scores", "line_keys"}


def test_token_bytes_path_and_regex_path_agree_with_tokens() -> None:
    """The three tokeniser branches of ``Signer.features`` (ASCII, punctuation-only non-ASCII, regex)."""
    signer = Signer(CampaignSettings())
    for text in TRAPS:
        cleaned = clean(text)
        branch = "ascii" if cleaned.isascii() else ("bytes" if token_bytes(cleaned) is not None else "regex")
        joined = signer.features(cleaned)[0]
        assert joined == " ".join(tokens(cleaned)), branch


def test_boilerplate_table_matches_the_python_table_through_pruning(shared_data: Path) -> None:
    """Line statistics, judgements, dropped lines and the persisted table, with the table pruned often
    (max_lines at its minimum) and a snapshot round trip halfway."""
    from execdesk.campaigns.boilerplate import BoilerplateModel, BoilerplateSettings

    settings = BoilerplateSettings(max_lines=1000)
    docs = load_ham(shared_data) + load_enron(shared_data)
    docs += [CampaignDoc(f"x{i}", "footer line here\n" + t, subject=f"s{i % 5}") for i, t in enumerate(TRAPS * 3)]
    compiled = BoilerplateModel(settings)
    with native.python_path():
        plain = BoilerplateModel(settings)
    assert compiled._table is not None and plain._table is None
    dropped = 0
    for i, d in enumerate(docs):
        got, want = compiled.strip(d.text, d.subject), plain.strip(d.text, d.subject)
        assert got == want
        dropped += want[1]
        if i == len(docs) // 2:
            assert compiled.to_json() == plain.to_json()
            compiled = BoilerplateModel.from_json(compiled.to_json(), settings)
    assert compiled.to_json() == plain.to_json()
    assert dropped > 100
    assert compiled.is_boilerplate("Spamassassin-talk mailing list") == plain.is_boilerplate(
        "Spamassassin-talk mailing list"
    )
