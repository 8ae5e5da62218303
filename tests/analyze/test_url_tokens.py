"""``spamtokens.url_tokens`` (one regex search per URL, decision 0214) finds what the loop it replaced
found: each ``://`` from ``str.find``, the scheme checked with ``str.lower``, host and path matched after it.
The old loop is kept here as the reference and compared on real mail, traps and seeded random strings."""

from __future__ import annotations

import random
import re
from pathlib import Path

from execdesk.analyze import spamtokens
from execdesk.analyze.spamtokens import MAX_URL_MATCHES, MAX_URLS, url_tokens
from execdesk.analyze.training.data import load_enron, spamassassin_members
from execdesk.parse import ParseRefused, parse_message

_HOST_PATH = re.compile(r"([^/\s\"'<>:?#)]+)(/[^\s\"'<>)]*)?")


def reference_url_tokens(text: str) -> list[str]:
    """The loop before decision 0214."""
    out: list[str] = []
    seen: set[str] = set()
    matches = 0
    i = text.find("://")
    last = 0
    while i >= 0:
        nxt = i + 3
        if text[max(last, i - 5) : i].lower().endswith(("http", "https", "ftp")):
            m = _HOST_PATH.match(text, nxt)
            if m is not None:
                nxt = last = m.end()
                url = m.group(0)
                if url not in seen:
                    seen.add(url)
                    out += spamtokens._one_url(m.group(1), m.group(2) or "")
                    if len(seen) >= MAX_URLS:
                        break
                matches += 1
                if matches >= MAX_URL_MATCHES:
                    break
        i = text.find("://", nxt)
    return out


TRAPS = [
    "",
    "://",
    "http://",
    "see http://example.com/a/b?c=d and HTTPS://Example.ORG/x",
    "hTtP://mixed.case/Path ftp://files.example.net/pub/file.tar.gz",
    "\u212aHTTP://kelvin.example/",  # Kelvin sign before the scheme
    "http\u017f://long-s.example/",  # long s: re.IGNORECASE would take it for "s"
    "\u0130http://dotted-i.example/",
    "ﬀhttp://ligature.example/",
    "http://a.example/http://b.example/ https://c.example/ftp://d.example",
    "http://x.example/phttp://y.example",  # a scheme inside the previous URL's path
    "http://x.examplehttp://y.example",  # the next scheme glued to the host
    "http://x.exampleHTTPS://y.example/p ftp://zftp://w",  # glued, any case
    "http://x.examplehttp http://y.example/ http://z.ftp?q",  # a host ending in a scheme, not glued
    "https://1.2.3.4/login http://[::1]/ http://ex\u00e4mple.de/\u00fcber",
    "http://under_score.example/a_b http://digits\u0663.example/",
    "http://a.example/\ud800lone-surrogate http://b.example/\u2003em-space",
    "xhttp://glued.example yhttps://glued2.example ftp:/not.a.url http:/x",
    "'http://quoted.example/' <https://angle.example/> (http://paren.example/)",
    "http://e.example/" + "x" * 3990,
    # every character ``\s`` holds ends a host and a path (decision 0226 writes the class out); ZWSP does not
    "".join(f"http://h{ord(c):x}.example/p{c}q{c}" for c in map(chr, range(0x3001)) if c.isspace()),
    "http://zwsp\u200b.example/a\u200bb http://nbsp\u00a0.example/ http://nnbsp.example/\u202fx",
    " ".join(f"http://host{i}.example/p{i}" for i in range(MAX_URLS + 20)),
    " ".join("http://same.example/" for _ in range(MAX_URL_MATCHES + 5)) + " http://late.example/",
]


def test_traps_give_the_reference_tokens() -> None:
    for text in TRAPS:
        assert url_tokens(text) == reference_url_tokens(text), text[:80]


def test_long_s_is_not_a_scheme_letter() -> None:
    assert url_tokens("http\u017f://long-s.example/") == []
    assert url_tokens("https://long-s.example/")


def test_seeded_random_strings_give_the_reference_tokens() -> None:
    rng = random.Random(214)
    pieces = [
        *("http", "HTTPS", "ftp", "hTtPs", "://", ":/", "/", ".", "a", "b.c", "'", ")", "?", "#", ":"),
        *("\u017f", "\u212a", "K", "\u0130", "1.2.3.4", "x", "https://", "ftp://", " ", "\n"),
    ]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 24)))
        assert url_tokens(text) == reference_url_tokens(text), repr(text)


def test_real_mail_gives_the_reference_tokens(shared_data: Path) -> None:
    checked = with_urls = 0
    for n, (_group, _name, raw) in enumerate(spamassassin_members(shared_data)):
        if n % 3:
            continue
        try:
            parsed = parse_message(raw)
        except ParseRefused:
            continue
        for text in (parsed.text, parsed.html or ""):
            got = url_tokens(text)
            assert got == reference_url_tokens(text)
            with_urls += bool(got)
            checked += 1
    for e in load_enron(shared_data)[::5]:
        assert url_tokens(e.body) == reference_url_tokens(e.body)
        checked += 1
    assert checked > 1000 and with_urls > 300
