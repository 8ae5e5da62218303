"""The tokens of the spam model's Naive Bayes half: the analysed text's words + SpamBayes-style header and
URL tokens (decision 0209).

One tokeniser for training and run time: :func:`header_tokens` reads a :class:`ParsedMessage` (what
the analyze stage receives from the parse stage, and what ``load_spamassassin`` builds for training),
:func:`spam_tokens` puts them after the words of the analysed text. The tokens are

- the analysed text's words: ``linear.tokens`` of the view (subject + the sender's text, cut at the
  analysis cap), which the pipeline has already computed for the other models: no second pass over
  the body;
- header-field-prefixed tokens (words here: runs of letters, digits, ``$``, ``'`` and ``-``,
  lower-cased, 3-12 characters, a longer run as ``skip:<first character> <length rounded down to 10>``,
  numbers dropped): ``subject:`` words, ``from:name:`` words, the From domain (and its
  last one and two labels) and address, the Reply-To domain and whether it differs from From's,
  ``x-mailer:`` words, the number of To/Cc addresses (capped at 5), the content types of the root,
  the HTML part and the attachments;
- URL tokens from the text and the HTML: ``url:`` host (and its last labels), ``url:ip``, and
  ``url:path:`` words (at most ``MAX_URLS`` distinct URLs each);
- the non-ASCII characters of the Subject and of the first ``CHARS_SAMPLE`` characters of the text
  (:func:`char_tokens`, decision 0212): their share and their classes (CJK, Cyrillic, accented Latin
  letters, the Latin-1 symbols that text decoded with the wrong charset is made of, typographic
  punctuation...), not which characters: evidence of the charset and of mis-decoding, no phrase.

No Received-chain tokens and no Message-ID domain: in the SpamAssassin corpus the spam came through the
collector's own relays and the ham did not (zzzzason.org in the Received chain of half the spam, none of
the ham), and those relays wrote the Message-ID of mail that had none (``@webnote.net``: 68 spam, 1 ham;
``@dogma.slashnull.org``: the collector's host, mostly on its RSS-feed ham). Both would teach how the
corpus was gathered, not what spam is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from execdesk.parse.model import ParsedMessage

_WORD = re.compile(r"[a-z0-9$](?:[a-z0-9$'\-]*[a-z0-9$])?")  # a run of [a-z0-9$'-] without leading/trailing ' or -
_SCHEMES = ("http", "https", "ftp")
# "://" + host (+ path), where one of _SCHEMES (any ASCII case) ends at the "://": the URLs of ``url_tokens``
# found by one C-level search each (its literal "://" prefix is searched like ``str.find``), the scheme checked
# by a look-behind; only a scheme that may reach into the previous URL is checked again in Python (0214)
# ``\s`` written out (the characters ``str.isspace`` holds, as ``\s`` does for str patterns): a set of
# ranges is tested from the pattern's bitmap, ``\s`` by a Unicode category call per character (decision 0226)
_SPACE = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_URL = re.compile(
    r"://(?:(?<=[hH][tT][tT][pP]://)|(?<=[hH][tT][tT][pP][sS]://)|(?<=[fF][tT][pP]://))"
    rf"([^/{_SPACE}\"'<>:?#)]+)(/[^{_SPACE}\"'<>)]*)?"
)
_IP = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
MAX_TO = 5
# URLs read per text (and per HTML part): a bound on the time a message can take. In SpamAssassin 10
# messages (all hard_ham newsletters) have more than 100 distinct URLs; a list of thousands stays cheap.
MAX_URLS = 100
MAX_URL_MATCHES = 1000
# Characters of the text whose non-ASCII characters are counted (char_tokens): enough to tell the script.
CHARS_SAMPLE = 3000
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# (first, last code point, class): the first range that holds a character gives its class; "other" otherwise
_CHAR_CLASSES = (
    (0x3000, 0x30FF, "cjk"),  # CJK punctuation, hiragana, katakana
    (0x4E00, 0x9FFF, "cjk"),  # CJK ideographs
    (0xAC00, 0xD7AF, "cjk"),  # Hangul syllables
    (0x1100, 0x11FF, "cjk"),  # Hangul jamo
    (0xFF00, 0xFFEF, "cjk"),  # full-width and half-width forms
    (0x0400, 0x052F, "cyrillic"),
    (0x0370, 0x03FF, "greek"),
    (0x0590, 0x06FF, "rtl"),  # Hebrew, Arabic
    (0x00A0, 0x00BF, "latin1-symbol"),  # ° ± ¤ ¿ ...: what CJK text decoded as Latin-1 mostly reads as
    (0x00D7, 0x00D7, "latin1-symbol"),
    (0x00F7, 0x00F7, "latin1-symbol"),
    (0x00C0, 0x024F, "latin-letter"),  # accented Latin letters
    (0x2000, 0x2BFF, "punct"),  # typographic quotes, dashes, bullets, symbols
    (0xFB00, 0xFEFF, "punct"),  # ligatures, presentation forms, BOM
)
_SHARE_EDGES = (0.01, 0.05, 0.2, 0.5)


def words(text: str, prefix: str) -> list[str]:
    """``prefix`` + the lower-cased words of 3-12 characters (numbers dropped); a longer one as
    ``<prefix>skip:<first character> <length rounded down to 10>``. Each word once, in the order of first
    occurrence: the model reads presence, not counts."""
    return [
        prefix + w if len(w) <= 12 else f"{prefix}skip:{w[0]} {len(w) // 10 * 10}"
        for w in dict.fromkeys(_WORD.findall(text.lower()))
        if len(w) >= 3 and not w.isdigit()
    ]


def _domain(addr: str | None) -> str:
    return addr.rsplit("@", 1)[-1].lower().strip(">. ") if addr and "@" in addr else ""


def _domain_tokens(prefix: str, dom: str) -> list[str]:
    if not dom:
        return [prefix + "none"]
    labels = dom.split(".")
    out = [prefix + dom]
    for k in (1, 2):
        if len(labels) > k:
            out.append(prefix + ".".join(labels[-k:]))
    return out


@lru_cache(maxsize=16384)
def _one_url(host: str, path: str) -> tuple[str, ...]:
    """One URL's tokens (cached: list footers and trackers repeat the same URLs from message to message)."""
    out = _domain_tokens("url:", host.lower())
    if _IP.fullmatch(host):
        out.append("url:ip")
    if path:
        out += words(path, "url:path:")
    return tuple(out)


def url_tokens(text: str) -> list[str]:
    """Host tokens, ``url:ip`` and path words of the distinct http/https/ftp URLs in ``text`` (the first
    ``MAX_URLS`` of them, within its first ``MAX_URL_MATCHES`` URLs).

    The URLs are those ``(?:https?|ftp)://host(/path)?`` finds left to right, case-insensitively (ASCII
    letters), a scheme starting after the previous URL: one C-level walk of ``_URL`` (decisions 0214, 0219). The
    letters of a scheme are ASCII, and the only non-ASCII character that lower-cases to an ASCII letter is
    the Kelvin sign's "k", so "any ASCII case" is the ``str.lower`` test this replaced.
    """
    out: list[str] = []
    if "://" not in text:  # every URL has one: no search to set up
        return out
    seen: set[str] = set()  # a repeated URL adds nothing to a presence model
    matches = 0
    last = 0  # where the previous URL ended: a scheme starts after it
    pos = 0  # where the next walk of ``finditer`` starts
    while pos >= 0:
        restart = -1
        # ``finditer`` searches again from where a match ended, as ``search(text, last)`` did (decision 0219);
        # only a match whose scheme reaches into the previous URL makes the walk restart, 3 characters on
        for m in _URL.finditer(text, pos):
            i = m.start()
            if i - last < 5 and not text[max(last, i - 5) : i].lower().endswith(_SCHEMES):
                restart = i + 3  # not a URL here
                break
            last = m.end()
            url, host, path = m.group(0, 1, 2)
            if url not in seen:
                seen.add(url)
                out += _one_url(host, path or "")
                if len(seen) >= MAX_URLS:
                    return out
            matches += 1
            if matches >= MAX_URL_MATCHES:
                return out
        pos = restart
    return out


@lru_cache(maxsize=4096)
def _char_class(ch: str) -> str:
    o = ord(ch)
    for lo, hi, name in _CHAR_CLASSES:
        if lo <= o <= hi:
            return name
    return "other"


def char_tokens(text: str, prefix: str, expected: frozenset[str] = frozenset()) -> list[str]:
    """The non-ASCII characters of ``text`` as tokens (decision 0212): ``<prefix>8bit:none`` for ASCII text;
    otherwise ``<prefix>8bit:<share>`` (their share of the characters, rounded up to 0.01 / 0.05 / 0.2 / 0.5,
    or ``>0.5``) and, for each class of ``_CHAR_CLASSES`` present, ``<prefix>8bit:<class>``, plus
    ``<prefix>8bit:<class>:many`` when that class is over 5 % of the characters.

    Characters of the ``expected`` classes (the office's correspondents' scripts, configuration
    ``intent.spam_expected_scripts``) are not counted: text made only of them reads as ASCII text."""
    if text.isascii():
        return [prefix + "8bit:none"]
    found = _NON_ASCII.findall(text)
    if expected:
        found = [ch for ch in found if _char_class(ch) not in expected]
        if not found:
            return [prefix + "8bit:none"]
    n = len(text)
    share = len(found) / n
    out = [prefix + "8bit:" + next((str(e) for e in _SHARE_EDGES if share <= e), f">{_SHARE_EDGES[-1]}")]
    classes: dict[str, int] = {}
    for ch in found:
        c = _char_class(ch)
        classes[c] = classes.get(c, 0) + 1
    for c, k in classes.items():
        out.append(f"{prefix}8bit:{c}")
        if k / n > 0.05:
            out.append(f"{prefix}8bit:{c}:many")
    return out


@lru_cache(maxsize=4096)
def _sender_tokens(from_name: str | None, from_addr: str | None, reply_to: str | None) -> tuple[str, ...]:
    """The ``from:name:``, ``from:`` and ``reply-to:`` tokens (cached, decision 0226: a sender writes many
    messages; in the benchmark's 1,500 SpamAssassin messages there are 573 distinct senders)."""
    out = words(from_name, "from:name:") if from_name else []
    from_dom = _domain(from_addr)
    out += _domain_tokens("from:", from_dom)
    out.append("from:addr:" + (from_addr.lower() if from_addr else "none"))
    if reply_to:
        rdom = _domain(reply_to)
        out += _domain_tokens("reply-to:", rdom)
        out.append("reply-to:" + ("same" if rdom == from_dom else "differs"))
    return tuple(out)


@lru_cache(maxsize=1024)
def _mailer_tokens(mailer: str | None) -> tuple[str, ...]:
    """The ``x-mailer:`` tokens (cached, decision 0226: 139 distinct X-Mailer values in 1,500 messages)."""
    return tuple(words(mailer, "x-mailer:")) if mailer else ("x-mailer:none",)


def header_tokens(parsed: ParsedMessage | None, expected_scripts: frozenset[str] = frozenset()) -> list[str]:
    """The header-field-prefixed and URL tokens of a parsed message (``expected_scripts``: see
    :func:`char_tokens`).

    Empty for text that came without a MIME header block (no message, or ``parsed_from_text``: no root
    content type, which ``parse_message`` always records): there is no header evidence to read, and the
    pipeline then scores the text with the logistic regression alone.
    """
    if parsed is None or "content-type" not in parsed.headers:
        return []
    out = words(parsed.subject, "subject:")
    out += _sender_tokens(parsed.from_name, parsed.from_addr, parsed.reply_to)
    out += _mailer_tokens(parsed.headers.get("x-mailer"))
    out.append(f"to:count:{min(len(parsed.to_addrs) + len(parsed.cc_addrs), MAX_TO)}")
    out.append("content-type:" + parsed.headers["content-type"])
    if parsed.html is not None:
        out.append("content-type:text/html")
    out += ["content-type:" + a.content_type for a in parsed.attachments]
    out += url_tokens(parsed.text)
    if parsed.html:
        out += url_tokens(parsed.html)
    out += char_tokens(parsed.subject, "subject:", expected_scripts)
    out += char_tokens(parsed.text[:CHARS_SAMPLE], "body:", expected_scripts)
    return out


def spam_tokens(view_tokens: Sequence[str], header: Sequence[str] = ()) -> list[str]:
    """The Naive Bayes model's tokens of one message: the analysed text's distinct tokens (``linear.tokens``
    of the view, in order of first occurrence), then ``header`` (``header_tokens``)."""
    return [*dict.fromkeys(view_tokens), *header]
