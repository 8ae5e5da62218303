"""A learned threat model for the tone guard, measured and NOT shipped (decision 0612).

Usage: ``nice .venv/bin/python benchmarks/tone_threat_model_cv.py [--blind]``.

The question: would a logistic regression over a reply's word 1-2-grams (within sentences), trained
on our written batches, catch the threats the rules miss on a new batch? It does on the batches
(leave-one-batch-out), but it reads register, not direction: it blocks hard benign probes that the
rules pass ("We will not take any legal action, of course." scores 0.84), so it stays out.

Data: every written batch of criticised and praised replies (``tests/reply/fixtures/tone_eval*.yaml``;
``expect: block`` items are positives, warn-level and praised items negatives), the real brand
replies of ../shared/data/twcs_customer_support/pairs.csv as negatives; every request of the Stanford
politeness corpus (../shared/data/stanford_politeness: editors writing to editors, none a company's
threat) as negatives with a small weight, so that the model does not take a formal or curt register
for a threat (decision 0612). The positives are weighted to balance the in-domain negatives.

Prints, for each batch, what a model trained on all the *other* batches blocks in it (block recall,
praised replies blocked) and the block rate on a tenth of the brand replies held out of that
model's training. ``--blind`` also combines each model with the rules as they were before that
batch was written into them (git revisions in ``BLIND_RULES``), which is the figure a new batch
would see: the rules' blind verdicts, plus the model's blocks. ``--write`` stores the model
Last, a model trained on everything scores the hand-written probes of tests/reply/test_tone.py: the
benign sentences with risky words (which the rules must pass) and the threats in new wording.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from execdesk.analyze.training.data import default_data_dir
from execdesk.reply.tone import text as T
from execdesk.reply.tone.guard import mask
from execdesk.reply.tone.train_overall import (  # noqa: F401  (the loaders other benchmarks import from here)
    FIXTURES,
    Item,
    batch_order,
    brand_replies,
    politeness_requests,
    written_batches,
)
from execdesk.reply.tone.train_overall import probe_sentences as test_probes

ROOT = Path(__file__).resolve().parents[1]
DATA = default_data_dir()  # $EXECDESK_SHARED_DATA or ../shared/data
TWCS = DATA / "twcs_customer_support" / "pairs.csv"
POLITENESS = DATA / "stanford_politeness"
C = 10.0
MIN_DF = 2
POLITENESS_WEIGHT = 0.1
THRESHOLD = 0.5
# The tone rules as they were just before each batch was generalised into them.
BLIND_RULES = {"batch7": "eb618d3", "batch8": "686ff8d", "batch9": "3bc7e97", "batch10": "5e95b4d"}


_TOKEN = re.compile(r"\b\w\w+\b")  # scikit-learn's default token pattern


def terms(masked: str) -> list[str]:
    """Each sentence's word unigrams and bigrams (no bigram spans two sentences)."""
    out: list[str] = []
    for s in T.sentences(masked):
        toks = _TOKEN.findall(s.text)
        out += toks + [f"{a} {b}" for a, b in pairwise(toks)]
    return out


class Model:
    """A fitted vectoriser and logistic regression: ``probability(text)``."""

    def __init__(self, vec: Any, lr: Any) -> None:
        self.vec, self.lr = vec, lr

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        return [float(p) for p in self.lr.predict_proba(self.vec.transform(list(texts)))[:, 1]]


def fit(texts: Sequence[str], labels: Sequence[int], other: Sequence[str] = ()) -> Model:
    """Positives weigh as much as the in-domain negatives together; ``other`` texts are negatives of weight 0.1."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    n_pos = sum(labels)
    w_pos = (len(labels) - n_pos) / max(1, n_pos)
    weights = [w_pos if y else 1.0 for y in labels] + [POLITENESS_WEIGHT] * len(other)
    vec = TfidfVectorizer(analyzer=lambda t: terms(mask(t)), min_df=MIN_DF, sublinear_tf=True)
    x = vec.fit_transform([*texts, *other])
    lr = LogisticRegression(C=C, max_iter=5000, random_state=0)
    lr.fit(x, [*labels, *([0] * len(other))], sample_weight=weights)
    return Model(vec, lr)


def leave_one_batch_out(
    items: list[Item], brands: list[str], requests: list[str], blind: bool = False
) -> dict[str, Any]:
    """Per batch: a model trained on the other batches (and 9/10 of the brand replies and requests) tested on it."""
    batches = sorted({b for b, *_ in items}, key=batch_order)
    rows: dict[str, Any] = {}
    brand_blocked = request_blocked = 0
    for n, batch in enumerate(batches):
        held = set(range(n % 10, len(brands), 10))
        train = [(t, int(e == "block")) for b, e, t, _ in items if b != batch]
        train += [(t, 0) for i, t in enumerate(brands) if i not in held]
        held_requests = set(range(n % 10, len(requests), 10))
        other = [t for i, t in enumerate(requests) if i not in held_requests]
        model = fit([t for t, _ in train], [y for _, y in train], other)
        brand_blocked += sum(p >= THRESHOLD for p in model.probabilities([brands[i] for i in held]))
        request_blocked += sum(p >= THRESHOLD for p in model.probabilities([requests[i] for i in held_requests]))
        test = [(e, t, ib) for b, e, t, ib in items if b == batch]
        hits = [p >= THRESHOLD for p in model.probabilities([t for _, t, _ in test])]
        row: dict[str, Any] = {
            "block": (sum(h for (e, _, _), h in zip(test, hits, strict=True) if e == "block"),
                      sum(e == "block" for e, _, _ in test)),
            "praised_blocked": (sum(h for (e, _, _), h in zip(test, hits, strict=True) if e == "ok"),
                                sum(e == "ok" for e, _, _ in test)),
        }  # fmt: skip
        if blind and batch in BLIND_RULES:
            verdicts = _blind_verdicts(BLIND_RULES[batch], test)
            row["rules_blind"] = _tally(test, verdicts, [False] * len(test))
            row["rules_blind_plus_model"] = _tally(test, verdicts, hits)
        rows[batch] = row
    return {
        "batches": rows,
        "brand_replies_blocked": (brand_blocked, len(brands)),
        "politeness_requests_blocked": (request_blocked, len(requests)),
    }


def _tally(test: list[tuple[str, str, Any]], verdicts: list[str], hits: list[bool]) -> dict[str, tuple[int, int]]:
    final = ["block" if h else v for v, h in zip(verdicts, hits, strict=True)]
    crit = [(e, v) for (e, _, _), v in zip(test, final, strict=True) if e != "ok"]
    praised = [v for (e, _, _), v in zip(test, final, strict=True) if e == "ok"]
    return {
        "block": (sum(v == "block" for e, v in crit if e == "block"), sum(e == "block" for e, _ in crit)),
        "block_or_warn": (sum(v != "ok" for _, v in crit), len(crit)),
        "false_alarms": (sum(v != "ok" for v in praised), len(praised)),
    }


def _blind_verdicts(rev: str, test: list[tuple[str, str, Any]]) -> list[str]:
    """Verdicts of the tone package of git revision ``rev`` (imported under another name)."""
    from revision import package_at

    mod = package_at(rev, "reply.tone")
    out = []
    for _, text, inbound in test:
        ctx = mod.InboundContext(**inbound) if inbound else None
        out.append(str(mod.check_tone(text, inbound=ctx).verdict))
    return out


def _fmt(pair: tuple[int, int]) -> str:
    a, b = pair
    return f"{a}/{b} ({a / b:.3g})" if b else "-"


def main(argv: list[str]) -> int:
    items = written_batches()
    brands = brand_replies()
    requests = politeness_requests()
    res = leave_one_batch_out(items, brands, requests, blind="--blind" in argv)
    print(f"threshold {THRESHOLD}, C={C}, min_df={MIN_DF}; each batch scored by a model trained on the others")
    tot = [0, 0, 0, 0]
    for batch, row in res["batches"].items():
        line = f"- {batch}: model blocks {_fmt(row['block'])} of must-block, {_fmt(row['praised_blocked'])} of praised"
        if "rules_blind" in row:
            rb, rm = row["rules_blind"], row["rules_blind_plus_model"]
            line += (
                f"; rules blind: block {_fmt(rb['block'])}, block-or-warn {_fmt(rb['block_or_warn'])}, "
                f"false alarms {_fmt(rb['false_alarms'])}; rules blind + model: block {_fmt(rm['block'])}, "
                f"block-or-warn {_fmt(rm['block_or_warn'])}, false alarms {_fmt(rm['false_alarms'])}"
            )
            for k, key in enumerate(("block", "false_alarms")):
                tot[2 * k] += rm[key][0]
                tot[2 * k + 1] += rm[key][1]
        print(line)
    print(f"- brand replies (twcs) blocked by the held-out-fold models: {_fmt(res['brand_replies_blocked'])}")
    print(f"- politeness requests blocked by the held-out-fold models: {_fmt(res['politeness_requests_blocked'])}")
    if tot[1]:
        print(f"- rules blind + model, all blind batches: block {_fmt((tot[0], tot[1]))}, "
              f"false alarms {_fmt((tot[2], tot[3]))}")  # fmt: skip
    probes = test_probes()
    texts = [t for _, _, t, _ in items] + brands
    labels = [int(e == "block") for _, e, _, _ in items] + [0] * len(brands)
    model = fit(texts, labels, requests)
    benign = [p >= THRESHOLD for p in model.probabilities(probes["benign"])]
    threats = [p >= THRESHOLD for p in model.probabilities(probes["threat"])]
    print(f"- trained on everything: hand-written benign probes blocked {_fmt((sum(benign), len(benign)))}, "
          f"threat probes caught {_fmt((sum(threats), len(threats)))}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
