"""Decision 0212: families of extra tokens for the spam model's Naive Bayes half, on honest splits.

Reproduce (about 30 min on 2 busy cores; --splits ord,g0 for a quicker look)::

    nice -n 19 .venv/bin/python benchmarks/spam_token_families.py [--splits ord,g0,g1,g2] [FAMILY ...]

The baseline is decision 0209's tokens (the shipped header tokens without ``spamtokens.char_tokens``); each
family's tokens are added to it. ``chars`` is what shipped in 0212 (``spamtokens.char_tokens`` of the Subject
and of the text's first ``CHARS_SAMPLE`` characters). The other families are kept here, not in the product:

- ``defects``: the parse stage's defects as classes (undeclared 8-bit bytes, 8-bit headers, unclosed MIME
  boundaries, damaged base64, unparsable Date, unknown charset...);
- ``scripts``: a first version of ``chars`` (the main non-ASCII class and the share only);
- ``fromshape``: the From address's shape (digits and length of the local part, odd characters, deep domain,
  display name that holds an address or differs from it, no display name) and Reply-To address != From;
- ``subjshape``: the Subject's shape (capitals share, "!", "Re:" without In-Reply-To/References, trailing
  id-like word, money signs);
- ``html``: the HTML's structure (image count, image-mostly, tiny or hidden text, forms, scripts, embeds,
  comments or entities inside words, link text naming another domain than its href, IP hrefs, number of link
  domains);
- ``headers``: presence and values of priority headers, presence of list/organization/user-agent headers,
  no Date, no To.

Splits: ``g0``-``g2``: 5-fold ``StratifiedGroupKFold`` grouped by sender with fold seeds 0-2 (seed 0 is
crossval's); ``ord``: crossval's ordered split. The procedure is ``execdesk train``'s: the logistic
regression (its probabilities do not depend on these tokens, so they are computed once per split) averaged
with NB, whose alpha is chosen by the 3-fold inner CV grouped by sender on the training part (the inner F1
of the mean at 0.5). Printed per family and split: spam F1, precision, recall, false positives (easy/hard
ham), misses, the alphas chosen, and the difference from the baseline with a 95 % paired bootstrap interval
over the test messages (2,000 resamples).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from execdesk.analyze.linear import tokens  # noqa: E402
from execdesk.analyze.pipeline import combine_spam, meta_tokens  # noqa: E402
from execdesk.analyze.spamtokens import CHARS_SAMPLE, char_tokens, header_tokens  # noqa: E402
from execdesk.analyze.text import body_of, build_view  # noqa: E402
from execdesk.analyze.training.crossval import spam_ordered_split  # noqa: E402
from execdesk.analyze.training.data import Example, default_data_dir, spamassassin_members  # noqa: E402
from execdesk.analyze.training.train import (  # noqa: E402
    SPAM_NB_ALPHAS,
    SPAM_NB_WEIGHT,
    fit_presence_nb,
    spam_f1,
    spam_terms,
    train_spam,
)
from execdesk.parse import ParseRefused, parse_message  # noqa: E402
from execdesk.parse.model import ParsedMessage  # noqa: E402


def _bucket(n: float, edges: Sequence[float]) -> str:
    return next((str(e) for e in edges if n <= e), f">{edges[-1]}")


def chars(p: ParsedMessage) -> list[str]:
    return char_tokens(p.subject, "subject:") + char_tokens(p.text[:CHARS_SAMPLE], "body:")


_DEFECTS = (
    ("not valid us-ascii", "8bit-undeclared"),
    ("non-utf", "8bit-header"),
    ("no closing boundary", "boundary"),
    ("never found", "boundary"),
    ("damaged base", "base64"),
    ("date header", "date"),
    ("unknown charset", "charset"),
    ("invalid bytes", "invalid-bytes"),
    ("no address found", "address"),
)


def defects(p: ParsedMessage) -> list[str]:
    out = [next((f"defect:{t}" for k, t in _DEFECTS if k in d.lower()), "defect:other") for d in p.defects]
    return list(dict.fromkeys(out))


def scripts(p: ParsedMessage) -> list[str]:
    out = []
    for name, s in (("subject", p.subject), ("body", p.text[:CHARS_SAMPLE])):
        c: Counter[str] = Counter(t.split(":")[2] for t in char_tokens(s, "x:") if t.count(":") == 2)
        found = [ch for ch in s if ord(ch) >= 128]
        if not found:
            out.append(f"{name}:ascii")
            continue
        classes = [k for k in c if k[:1] not in "0>n"]
        out.append(f"{name}:nonascii:{classes[0] if classes else 'other'}")
        out.append(f"{name}:nonascii-frac:" + _bucket(len(found) / len(s), (0.01, 0.05, 0.2, 0.5)))
    return out


_LOCAL_OK = re.compile(r"^[a-z0-9._+\-]+$")


def fromshape(p: ParsedMessage) -> list[str]:
    a = p.from_addr or ""
    if "@" not in a:
        return ["from:shape:noaddr"]
    local, dom = a.rsplit("@", 1)
    out = [] if _LOCAL_OK.match(local) else ["from:shape:odd-local"]
    out.append("from:shape:digits:" + _bucket(sum(ch.isdigit() for ch in local), (0, 2, 4)))
    out.append("from:shape:local-len:" + _bucket(len(local), (4, 8, 12, 16)))
    if dom.count(".") >= 3:
        out.append("from:shape:deep-domain")
    n = p.from_name or ""
    if not n:
        out.append("from:shape:no-name")
    else:
        if "@" in n:
            out.append("from:shape:name-has-addr")
            if dom not in n.lower():
                out.append("from:shape:name-addr-differs")
        if n.lower().replace(" ", "").replace(".", "") == local.replace(".", "").replace("_", ""):
            out.append("from:shape:name-is-local")
        if n.isupper() and len(n) > 3:
            out.append("from:shape:name-caps")
    if p.reply_to and p.reply_to != a:
        out.append("reply-to:addr-differs")
    if a in p.to_addrs:
        out.append("to:includes-from")
    return out


def subjshape(p: ParsedMessage) -> list[str]:
    s = p.subject
    if not s.strip():
        return ["subject:shape:empty"]
    out = []
    if re.match(r"^\s*(re|aw|sv)\s*:", s, re.I) and not (p.in_reply_to or p.references):
        out.append("subject:shape:re-without-reply")
    if re.match(r"^\s*(fwd?|fw)\s*:", s, re.I):
        out.append("subject:shape:fwd")
    letters = [c for c in s if c.isalpha()]
    if letters:
        out.append(
            "subject:shape:caps:" + _bucket(sum(c.isupper() for c in letters) / len(letters), (0.1, 0.3, 0.6, 0.9))
        )
    if "!" in s:
        out.append("subject:shape:excl:" + _bucket(s.count("!"), (1, 2)))
    if re.search(r"\s{3,}", s):
        out.append("subject:shape:spaces")
    last = s.split()[-1]
    if re.fullmatch(r"[\w\-]*\d[\w\-]*", last) and re.search(r"[a-z]", last, re.I) and len(last) >= 5:
        out.append("subject:shape:tail-id")
    if re.fullmatch(r"\d{3,}", last):
        out.append("subject:shape:tail-num")
    if "$" in s or "%" in s:
        out.append("subject:shape:money")
    return out


_A = re.compile(r"<a\s[^>]*?href\s*=\s*[\"']?([^\"'\s>]+)[^>]*>(.*?)</a\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_HOST_IN_TEXT = re.compile(r"\b((?:[a-z0-9\-]+\.)+[a-z]{2,})\b", re.I)


def _host(u: str) -> str:
    m = re.match(r"(?:[a-z]+://)?([^/:?#\s]+)", u, re.I)
    return m.group(1).lower() if m else ""


def _registered(h: str) -> str:
    return ".".join(h.split(".")[-2:])


def html(p: ParsedMessage) -> list[str]:
    if not p.html:
        return []
    h = p.html[:200000]
    hl = h.lower()
    nimg = hl.count("<img")
    out = ["html:img:" + _bucket(nimg, (0, 1, 3, 10))]
    if nimg and len(p.text.split()) < 40:
        out.append("html:image-mostly")
    if not p.text.strip():
        out.append("html:no-text")
    checks = (
        (r"<font[^>]*size\s*=\s*[\"']?(?:-\d|[01]\b)", "tiny-font"),
        (r"font-size\s*:\s*(?:[0-5]px|[0-4]pt|0)", "tiny-css"),
        (r"display\s*:\s*none|visibility\s*:\s*hidden", "hidden"),
        (r"<form", "form"),
        (r"<script", "script"),
        (r"<(?:iframe|object|embed)", "embed"),
    )
    out += [f"html:{name}" for rx, name in checks if re.search(rx, hl)]
    if re.search(r"\w<!--.*?-->\w", hl[:50000]):
        out.append("html:comment-in-word")
    if re.search(r"&#(?:x[0-9a-f]+|\d+);[a-z]|[a-z]&#(?:x[0-9a-f]+|\d+);", hl[:50000]):
        out.append("html:entity-in-word")
    mismatch = ip = 0
    hosts = set()
    for href, text in _A.findall(h):
        host = _host(href)
        if not href.lower().startswith(("http:", "https:")):
            continue
        hosts.add(_registered(host))
        ip += bool(re.fullmatch(r"[\d.]+", host))
        m = _HOST_IN_TEXT.search(_TAG.sub("", text))
        mismatch += bool(m and host and _registered(m.group(1).lower()) != _registered(host))
    if mismatch:
        out.append("html:link-text-mismatch")
    if ip:
        out.append("html:ip-href")
    out.append("html:link-hosts:" + _bucket(len(hosts), (0, 1, 3, 10)))
    return out


def headers(p: ParsedMessage) -> list[str]:
    out = []
    for k in ("x-priority", "importance", "priority"):
        v = p.headers.get(k, "").strip().lower()
        if v:
            out.append(f"hdr:{k}:" + (v[:1] if k == "x-priority" else v[:10]))
    hs = ("organization", "user-agent", "list-id", "list-unsubscribe", "precedence", "sender", "content-language")
    out += ["hdr:has:" + k for k in hs if k in p.headers]
    if p.date is None:
        out.append("date:none")
    if not p.to_addrs:
        out.append("to:none")
    return out


FAMILIES: dict[str, Callable[[ParsedMessage], list[str]]] = {
    "chars": chars,
    "defects": defects,
    "scripts": scripts,
    "fromshape": fromshape,
    "subjshape": subjshape,
    "html": html,
    "headers": headers,
}


class Corpus:
    def __init__(self, data_dir: Path) -> None:
        self.ex: list[Example] = []
        self.parsed: list[ParsedMessage] = []
        for group, name, raw in spamassassin_members(data_dir):
            try:
                p = parse_message(raw)
            except ParseRefused:
                continue
            self.parsed.append(p)
            self.ex.append(
                Example(
                    id=f"{group}/{name}",
                    subject=p.subject,
                    body=body_of(p),
                    intent="spam" if group == "spam" else "other",
                    source="spamassassin",
                    group=f"{group}/{name.split('.', 1)[0]}",
                    meta=meta_tokens(p),
                    sender=(p.from_addr or "").lower(),
                )
            )
        self.y = np.asarray([1 if e.intent == "spam" else 0 for e in self.ex])
        self.labels = ["spam" if v else "ham" for v in self.y]
        self.folder = np.asarray([e.group.split("/")[0] for e in self.ex])
        self.words = [list(dict.fromkeys(tokens(build_view(e.subject, e.body).text))) for e in self.ex]
        # decision 0209's header tokens: the shipped ones without char_tokens (which come last)
        self.base = []
        for p in self.parsed:
            hdr = header_tokens(p)
            self.base.append(hdr[: len(hdr) - len(chars(p))])

    def docs(self, families: Sequence[str]) -> list[list[str]]:
        return [
            w + b + [t for f in families for t in FAMILIES[f](p)]
            for w, b, p in zip(self.words, self.base, self.parsed, strict=True)
        ]


def lr_scores(c: Corpus, splits: dict[str, list[tuple[np.ndarray, np.ndarray]]]) -> dict[str, list[dict[str, Any]]]:
    """Per split and outer fold: the inner folds, the LR's inner out-of-fold and outer test probabilities."""
    counts = spam_terms(c.ex)
    groups = [e.sender or e.id for e in c.ex]
    out: dict[str, list[dict[str, Any]]] = {}
    for key, folds in splits.items():
        out[key] = []
        for tr, te in folds:
            sgk = StratifiedGroupKFold(n_splits=3, shuffle=True, random_state=0)
            inner = list(sgk.split(np.zeros(len(tr)), c.y[tr], [groups[i] for i in tr]))
            p_in = np.zeros(len(tr))
            for itr, ite in inner:
                lr = train_spam([c.ex[tr[i]] for i in itr], [counts[tr[i]] for i in itr])
                p_in[ite] = lr.positive_probabilities([counts[tr[i]] for i in ite])
            lr = train_spam([c.ex[i] for i in tr], [counts[i] for i in tr])
            p_te = np.asarray(lr.positive_probabilities([counts[i] for i in te]))
            out[key].append({"tr": tr, "te": te, "inner": inner, "p_in": p_in, "p_te": p_te})
            print(f"LR {key}: fold done", file=sys.stderr)
    return out


def predict(c: Corpus, folds: list[dict[str, Any]], docs: list[list[str]]) -> tuple[np.ndarray, list[float]]:
    """P(spam) of every test message of the split (nan elsewhere) and the alphas chosen."""
    prob = np.full(len(docs), np.nan)
    alphas = []
    for f in folds:
        tr, te = f["tr"], f["te"]
        z_in = {a: np.zeros(len(tr)) for a in SPAM_NB_ALPHAS}
        for itr, ite in f["inner"]:
            for a in SPAM_NB_ALPHAS:
                nb = fit_presence_nb([docs[tr[i]] for i in itr], [c.labels[tr[i]] for i in itr], a)
                z_in[a][ite] = nb.presence_log_odds([docs[tr[i]] for i in ite])
        f1 = {a: spam_f1(c.y[tr], combine_spam(f["p_in"], z, SPAM_NB_WEIGHT)) for a, z in z_in.items()}
        alpha = max(f1, key=lambda a: (f1[a], -SPAM_NB_ALPHAS.index(a)))
        alphas.append(alpha)
        nb = fit_presence_nb([docs[i] for i in tr], [c.labels[i] for i in tr], alpha)
        prob[te] = combine_spam(f["p_te"], nb.presence_log_odds([docs[i] for i in te]), SPAM_NB_WEIGHT)
    return prob, alphas


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = int((pred & (y == 1)).sum())
    return 2 * tp / (2 * tp + int((pred != (y == 1)).sum()))


def row(c: Corpus, prob: np.ndarray, base: np.ndarray | None, rng: np.random.Generator) -> str:
    idx = np.flatnonzero(~np.isnan(prob))
    y, pred = c.y[idx], prob[idx] >= 0.5
    tp, fp, fn = int((pred & (y == 1)).sum()), int((pred & (y == 0)).sum()), int((~pred & (y == 1)).sum())
    fps = "/".join(str(int((pred & (c.folder[idx] == f)).sum())) for f in ("easy_ham", "hard_ham"))
    s = f"F1 {_f1(y, pred):.4f} P {tp / max(1, tp + fp):.3f} R {tp / (tp + fn):.3f} FP {fp} ({fps}) FN {fn}"
    if base is not None:
        was = base[idx] >= 0.5
        boot = []
        for _ in range(2000):
            j = rng.integers(0, len(idx), len(idx))
            boot.append(_f1(y[j], pred[j]) - _f1(y[j], was[j]))
        lo, hi = np.percentile(boot, [2.5, 97.5])
        s += f"; vs baseline {_f1(y, pred) - _f1(y, was):+.4f} [{lo:+.4f}, {hi:+.4f}]"
    return s


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--splits", default="ord,g0,g1,g2")
    ap.add_argument("families", nargs="*", default=["chars", "html", "chars+html", "scripts", "defects", "fromshape"])
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    c = Corpus(args.data or default_data_dir())
    splits: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for key in args.splits.split(","):
        if key == "ord":
            tr, te = spam_ordered_split(c.ex)
            splits[key] = [(np.asarray(tr), np.asarray(te))]
        else:
            sgk = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=int(key[1:]))
            splits[key] = list(sgk.split(np.zeros(len(c.ex)), c.labels, [e.sender or e.id for e in c.ex]))
    lr = lr_scores(c, splits)
    rng = np.random.default_rng(0)
    base: dict[str, np.ndarray] = {}
    for spec in ["baseline", *args.families]:
        fams = [] if spec == "baseline" else spec.split("+")
        docs = c.docs(fams)
        print(spec)
        for key, folds in lr.items():
            prob, alphas = predict(c, folds, docs)
            print(f"  {key}: {row(c, prob, base.get(key), rng)}; alphas {alphas}", flush=True)
            base.setdefault(key, prob)
    print(f"total {time.perf_counter() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
