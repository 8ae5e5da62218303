"""Quality of the tone guard on real data (docs/QUALITY.md, section "Tone guard").

Usage: ``python -m execdesk.reply.tone.evaluate [SHARED_DATA_DIR] [--examples N] [--seed S]``
(SHARED_DATA_DIR defaults to ``$EXECDESK_SHARED_DATA`` or ``../shared/data``, as for ``execdesk train``).

1. Real brand replies (twcs pairs.csv): block and warn rates, with examples; the inbound
   context of each reply is the customer's tweet run through the analyze stage.
2. Stanford politeness: AUC of the front-page score between the impolite and polite
   quartiles, per community. The politeness weights inside the score are cross-validated
   (10 folds over both communities, each text scored by a model that never saw it; ``--seed``
   reshuffles the folds, default 0), and also trained on one community and tested on the other.
3. The story's draft and the executive one-liner.
4. Our own written set of criticised and praised replies (tests/reply/fixtures/tone_eval_set.yaml,
   tone_eval_batch7.yaml to tone_eval_batch33.yaml, in batches; NOT the held-out set the issue
   will use): block recall, block-or-warn recall and false alarms on praised replies, per batch and
   overall, with the misses listed; then the unfitted blind batches (34-35, when written), figures only.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from execdesk.analyze.training.data import default_data_dir
from execdesk.reply.tone import InboundContext, check_tone, default_config
from execdesk.reply.tone.guard import front_page_score, mask
from execdesk.reply.tone.inbound import context_from_text
from execdesk.reply.tone.politeness import cues
from execdesk.reply.tone.train import COMMUNITIES, auc, fit, load


def twcs(shared: Path, n_examples: int) -> None:
    rows = list(csv.DictReader((shared / "twcs_customer_support" / "pairs.csv").open(encoding="utf-8")))
    verdicts: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for r in rows:
        ctx = context_from_text("", r["customer_text"])
        rep = check_tone(r["brand_text"], inbound=ctx)
        verdicts[rep.verdict] += 1
        for f in {f.rule: f for f in rep.findings}.values():
            rules[f.rule] += 1
            ex = examples.setdefault(f.rule, [])
            if len(ex) < n_examples:
                ex.append(f"{r['brand']}: {r['brand_text'][:140]!r} -> {f.text!r}")
    n = len(rows)
    print(f"## twcs brand replies (pairs.csv, n={n})")
    print(
        f"block rate {verdicts['block'] / n:.2%} ({verdicts['block']}), warn rate {verdicts['warn'] / n:.2%} "
        f"({verdicts['warn']}), ok {verdicts['ok'] / n:.2%}"
    )
    for rule, c in rules.most_common():
        print(f"- {rule}: {c} ({c / n:.1%})")
        for e in examples[rule]:
            print(f"    {e}")


def politeness(shared: Path, seed: int = 0) -> None:
    from sklearn.model_selection import StratifiedKFold

    cfg = default_config()
    data = {c: load(shared / "stanford_politeness", c) for c in COMMUNITIES}
    texts: list[str] = []
    labels: list[int] = []
    comm: list[str] = []
    for c, (t, y) in data.items():
        texts += t
        labels += y
        comm += [c] * len(t)
    masked = [mask(t, cfg) for t in texts]
    reports = [check_tone(t) for t in texts]
    xs = [cues(m) for m in masked]
    strata = [f"{c}:{y}" for c, y in zip(comm, labels, strict=True)]
    oof = [0.0] * len(texts)
    for tr, te in StratifiedKFold(10, shuffle=True, random_state=seed).split(xs, strata):
        model = fit([xs[i] for i in tr], [labels[i] for i in tr])
        for i in te:
            oof[i] = float(front_page_score(masked[i], reports[i].findings, cfg, model)[0])
    print(f"## Stanford politeness: front-page score, impolite vs polite quartiles (AUC; folds seed {seed})")
    print(f"- both communities, 10-fold cross-validated: {auc(oof, labels):.3f} (n={len(labels)})")
    for c in COMMUNITIES:
        idx = [i for i, k in enumerate(comm) if k == c]
        print(
            f"- {c}, 10-fold cross-validated: {auc([oof[i] for i in idx], [labels[i] for i in idx]):.3f} (n={len(idx)})"
        )
    for tr_c, te_c in (tuple(COMMUNITIES), tuple(reversed(list(COMMUNITIES)))):
        tr = [i for i, k in enumerate(comm) if k == tr_c]
        te = [i for i, k in enumerate(comm) if k == te_c]
        model = fit([xs[i] for i in tr], [labels[i] for i in tr])
        sc = [float(front_page_score(masked[i], reports[i].findings, cfg, model)[0]) for i in te]
        print(f"- trained on {tr_c}, tested on {te_c}: {auc(sc, [labels[i] for i in te]):.3f}")
    flagged = Counter((labels[i], r.verdict) for i, r in enumerate(reports))
    print(
        f"- verdicts: impolite {dict((v, n) for (y, v), n in flagged.items() if y == 0)}, "
        f"polite {dict((v, n) for (y, v), n in flagged.items() if y == 1)}"
    )


def story() -> None:
    from importlib import resources

    import yaml

    scen = yaml.safe_load(resources.files("execdesk.demo").joinpath("scenario.yaml").read_text(encoding="utf-8"))
    draft = scen["story"]["office_draft_reply"]
    r = check_tone(draft, inbound=InboundContext(intent="complaint", sentiment=-1))
    print("## Story")
    print(f"- office draft: {r.verdict}, score {r.front_page_score}, rules {sorted({f.rule for f in r.findings})}")
    r = check_tone("Thanks — we're on it.")
    print(f"- 'Thanks — we're on it.': {r.verdict}, score {r.front_page_score}, findings {len(r.findings)}")


FIXTURES = Path(__file__).resolve().parents[4] / "tests" / "reply" / "fixtures"
EVAL_SET = FIXTURES / "tone_eval_set.yaml"
# Each file holds `criticised[_batchN]` / `praised[_batchN]` lists; batches 7 on were each written by
# someone who never saw the rules (their headers say how, and what they scored blind), so each keeps a
# file of its own. A batch joins this list once rules were written from it: batches 32 and 33 were
# fitted in decision 0619, batch 36 (replies of publicly reported kinds) in decision 0623, batch 38 in
# decision 0625, batches 40-43 in decisions 0626-0629, batch 46 in decision 0631, batch 47 (short
# replies) in decisions 0634-0635, batch 49 (founders' own replies) in decision 0636; batches 34-35, 37,
# 39, 44, 45, 48 and 50 (BLIND_SETS) are the blind estimate of the rules; batches 26, 27 and 38 are false-alarm
# batches (70 praised replies each that use threat words in a helping frame).
EVAL_SETS = (
    EVAL_SET,
    *(FIXTURES / f"tone_eval_batch{n}.yaml" for n in (*range(7, 34), 36, 38, *range(40, 44), 46, 47, 49)),
)
# Written blind and not fitted: the honest estimate of the current rules. Their misses are not printed,
# so that reading the report does not fit them by accident.
BLIND_SETS = tuple(FIXTURES / f"tone_eval_batch{n}.yaml" for n in (34, 35, 37, 39, 44, 45, 48, 50))
# What makes a criticised case embarrassing (the fixtures' `kind`); batch 7 added the last three.
KINDS = frozenset(
    {
        *("threat", "restriction", "ban", "dismissive", "blame", "condescending", "sarcasm", "defensive"),
        *("boilerplate", "disclosure", "overpromise", "profane", "no_apology", "no_next_step"),
    }
)
Counts = tuple[int, int, int, int, int, int]


def _verdict(case: dict[str, object]) -> str:
    ctx = InboundContext(**case["inbound"]) if case.get("inbound") else None  # type: ignore[arg-type]
    return check_tone(str(case["text"]), inbound=ctx).verdict


def written_set(paths: Path | Sequence[Path] = EVAL_SETS, show_misses: bool = True) -> dict[str, Counts]:
    """Per batch: (blocked, must block, flagged, criticised, false alarms, praised); prints misses by kind."""
    import yaml

    files = [paths] if isinstance(paths, Path) else list(paths)
    out: dict[str, Counts] = {}
    print(f"## Our written set ({', '.join(p.name for p in files)}; written by us, not the held-out set)")
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in [k for k in data if k.startswith("criticised")]:
            batch = key.removeprefix("criticised").lstrip("_") or "batch1"
            crit, praised = data[key], data.get(key.replace("criticised", "praised"), [])
            got = [_verdict(c) for c in crit]
            must = [(c, v) for c, v in zip(crit, got, strict=True) if c["expect"] == "block"]
            blocked = sum(v == "block" for _, v in must)
            flagged = sum(v != "ok" for v in got)
            alarms = [c for c in praised if _verdict(c) != "ok"]
            out[batch] = (blocked, len(must), flagged, len(crit), len(alarms), len(praised))
            print(
                f"- {batch}: block recall {blocked}/{len(must)}, block-or-warn {flagged}/{len(crit)}, "
                f"false alarms {len(alarms)}/{len(praised)}"
            )
            for c, v in zip(crit, got, strict=True) if show_misses else ():
                if (c["expect"] == "block" and v != "block") or v == "ok":
                    print(f"    missed {c['expect']} ({c.get('kind', '?')}, got {v}): {c['text']!r}")
            for c in alarms if show_misses else ():
                print(f"    false alarm: {c['text']!r}")
    tot = [sum(v[i] for v in out.values()) for i in range(6)]
    print(
        f"- all: block recall {tot[0]}/{tot[1]} = {tot[0] / tot[1]:.2f}, block-or-warn {tot[2]}/{tot[3]} = "
        f"{tot[2] / tot[3]:.2f}, false alarms {tot[4]}/{tot[5]} = {tot[4] / tot[5]:.2f}"
    )
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m execdesk.reply.tone.evaluate", description=__doc__.split("\n\n")[0])
    ap.add_argument("shared", nargs="?", type=Path, default=None, help="the shared data folder")
    ap.add_argument("--examples", type=int, default=3, help="examples listed per twcs warning rule")
    ap.add_argument("--seed", type=int, default=0, help="the politeness folds' shuffle")
    args = ap.parse_args(argv)
    shared = args.shared or default_data_dir()
    story()
    written_set([p for p in EVAL_SETS if p.exists()])
    blind = [p for p in BLIND_SETS if p.exists()]
    if blind:
        print("\n### Blind, not fitted (figures only)")
        written_set(blind, show_misses=False)
    twcs(shared, args.examples)
    politeness(shared, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
