"""Background document frequencies of ordinary text: what is *rare* for a trigger family.

A flood's own words cannot tell which of them are distinctive (inside the flood everything is
frequent), so trigger families weigh words and link domains by their document frequency in a
shipped background corpus of ordinary mail and complaints (SpamAssassin ham, PDDL/CC0; CFPB
narratives, US public domain): "rodenticide" or "faith-based" are rare there, "please" or
"account" are not. Model card: ``campaigns/data/BACKGROUND.md``.

Rebuild: ``python -m execdesk.campaigns.background build`` (reads ../shared/data).
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from execdesk.campaigns.normalise import clean, tokens, urls

PATH = Path(__file__).resolve().parent / "data" / "background_df.json.gz"
FORMAT = 1

_STOPWORDS = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself
    yourselves
"""
_STOP = frozenset(_STOPWORDS.split())


def content_words(words: Iterable[str]) -> list[str]:
    """Content words: no stopwords, no digit-led tokens, at least three characters."""
    return [w for w in words if len(w) > 2 and w not in _STOP and not w[0].isdigit()]


def domain(url: str) -> str:
    """Host of a URL without ``www.``; "" when it has none."""
    try:
        host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


class Background:
    """Word and link-domain document frequencies over ``n_docs`` background texts."""

    def __init__(self, n_docs: int, words: dict[str, int], domains: dict[str, int], source: str = "") -> None:
        self.n_docs = n_docs
        self.words = words
        self.domains = domains
        self.source = source
        self._max = math.log(n_docs + 1.0)

    def idf(self, word: str) -> float:
        """log((N + 1) / (df + 1)): unseen words get the maximum weight."""
        df = self.words.get(word)
        return self._max if df is None else math.log((self.n_docs + 1.0) / (df + 1.0))

    @property
    def max_idf(self) -> float:
        return self._max

    def domain_share(self, host: str) -> float:
        """Share of background texts linking this domain (or a parent domain)."""
        best = 0
        parts = host.split(".")
        for i in range(max(1, len(parts) - 1)):
            best = max(best, self.domains.get(".".join(parts[i:]), 0))
        return best / max(1, self.n_docs)

    @classmethod
    def build(cls, texts: Iterable[str], source: str = "", min_df: int = 2) -> Background:
        """Count each word/domain once per text; words seen fewer than ``min_df`` times are dropped."""
        wdf: Counter[str] = Counter()
        ddf: Counter[str] = Counter()
        n = 0
        for text in texts:
            n += 1
            wdf.update(set(content_words(tokens(clean(text)))))
            ddf.update({d for d in (domain(u) for u in urls(text)) if d})
        return cls(
            n,
            {w: c for w, c in wdf.items() if c >= min_df},
            {d: c for d, c in ddf.items() if c >= min_df},
            source,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "n_docs": self.n_docs,
            "source": self.source,
            "words": dict(sorted(self.words.items())),
            "domains": dict(sorted(self.domains.items())),
        }

    def save(self, path: Path = PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            json.dump(self.to_json(), fh, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Background:
        if data.get("format") != FORMAT:
            raise ValueError(f"background table: unknown format {data.get('format')!r}")
        words: dict[str, int] = data["words"]  # type: ignore[assignment]
        domains: dict[str, int] = data["domains"]  # type: ignore[assignment]
        return cls(int(str(data["n_docs"])), dict(words), dict(domains), str(data.get("source", "")))


@lru_cache(maxsize=1)
def shipped() -> Background:
    """The background table that ships with the package (read once per process)."""
    with gzip.open(PATH, "rt", encoding="utf-8") as fh:
        return Background.from_json(json.load(fh))


def ham_bodies(data: Path, group: str) -> list[str]:
    """SpamAssassin bodies as the shipped table was built: stdlib parser, text/plain part, ``>`` lines dropped."""
    import email
    import email.policy
    import re
    import tarfile

    quote = re.compile(r"^\s*>.*$", re.M)
    out: list[str] = []
    with tarfile.open(data / "spamassassin" / f"{group}.tar.gz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            fh = tar.extractfile(member) if member.isfile() else None
            if fh is None:
                continue
            msg = email.message_from_bytes(fh.read(), policy=email.policy.default)
            try:
                part = msg.get_body(preferencelist=("plain",))
                body = part.get_content() if part is not None else ""
            except (LookupError, ValueError, AttributeError):
                body = ""
            out.append(quote.sub("", body))
    return out


def background_texts(data: Path, corpora: Sequence[str] = ("easy_ham", "hard_ham", "cfpb")) -> list[str]:
    """Texts of the permissive background corpora in ../shared/data (for building, or held-out variants)."""
    from execdesk.campaigns.evaluate import load_cfpb

    texts: list[str] = []
    for name in corpora:
        if name == "cfpb":
            texts += [r["Consumer complaint narrative"] for r in load_cfpb(data)]
        else:
            texts += ham_bodies(data, name)
    return texts


def main(argv: Sequence[str] | None = None) -> int:
    from execdesk.campaigns.evaluate import DATA

    args = list(argv if argv is not None else sys.argv[1:])
    if args[:1] != ["build"]:
        print("usage: python -m execdesk.campaigns.background build", file=sys.stderr)
        return 2
    corpora = ("easy_ham", "hard_ham", "cfpb")
    bg = Background.build(
        background_texts(DATA, corpora),
        source="SpamAssassin public corpus easy_ham + hard_ham bodies (PDDL/CC0); CFPB consumer complaint "
        "narratives, development sample (US public domain)",
    )
    bg.save()
    print(f"{PATH}: {bg.n_docs} texts, {len(bg.words)} words, {len(bg.domains)} domains")
    return 0


if __name__ == "__main__":
    sys.exit(main())
