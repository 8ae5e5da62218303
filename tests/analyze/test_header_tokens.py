"""``spamtokens.header_tokens`` (the sender's and the X-Mailer's tokens cached, the URL pattern's ``\\s``
written out: decision 0226) gives the tokens, in the order, of the implementation before it, kept here as
the reference; compared on every SpamAssassin message and on traps."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

from execdesk.analyze.pipeline import parsed_from_text
from execdesk.analyze.spamtokens import (
    _SPACE,
    CHARS_SAMPLE,
    MAX_TO,
    _domain,
    _domain_tokens,
    char_tokens,
    header_tokens,
    url_tokens,
    words,
)
from execdesk.analyze.training.data import spamassassin_members
from execdesk.parse import ParseRefused, parse_message
from execdesk.parse.model import ParsedMessage

SCRIPT_SETS = (frozenset(), frozenset({"cjk"}), frozenset({"latin-letter", "punct", "latin1-symbol"}))


def reference_header_tokens(parsed: ParsedMessage | None, expected: frozenset[str] = frozenset()) -> list[str]:
    """``header_tokens`` before decision 0226."""
    if parsed is None or "content-type" not in parsed.headers:
        return []
    out = words(parsed.subject, "subject:")
    if parsed.from_name:
        out += words(parsed.from_name, "from:name:")
    from_dom = _domain(parsed.from_addr)
    out += _domain_tokens("from:", from_dom)
    out.append("from:addr:" + (parsed.from_addr.lower() if parsed.from_addr else "none"))
    if parsed.reply_to:
        rdom = _domain(parsed.reply_to)
        out += _domain_tokens("reply-to:", rdom)
        out.append("reply-to:" + ("same" if rdom == from_dom else "differs"))
    mailer = parsed.headers.get("x-mailer")
    out += words(mailer, "x-mailer:") if mailer else ["x-mailer:none"]
    out.append(f"to:count:{min(len(parsed.to_addrs) + len(parsed.cc_addrs), MAX_TO)}")
    out.append("content-type:" + parsed.headers["content-type"])
    if parsed.html is not None:
        out.append("content-type:text/html")
    out += ["content-type:" + a.content_type for a in parsed.attachments]
    out += url_tokens(parsed.text)
    if parsed.html:
        out += url_tokens(parsed.html)
    out += char_tokens(parsed.subject, "subject:", expected)
    out += char_tokens(parsed.text[:CHARS_SAMPLE], "body:", expected)
    return out


def _assert_same(parsed: ParsedMessage | None) -> list[str]:
    for expected in SCRIPT_SETS:
        assert header_tokens(parsed, expected) == reference_header_tokens(parsed, expected)
    return header_tokens(parsed)


def test_every_spamassassin_message_gives_the_reference_tokens(shared_data: Path) -> None:
    """All three folders, each message twice: the second call reads the caches the first one filled."""
    checked = repeated_senders = 0
    senders: set[tuple[str | None, str | None, str | None]] = set()
    for _group, _name, raw in spamassassin_members(shared_data):
        try:
            parsed = parse_message(raw)
        except ParseRefused:
            continue
        first = _assert_same(parsed)
        assert first and _assert_same(parsed) == first
        sender = (parsed.from_name, parsed.from_addr, parsed.reply_to)
        repeated_senders += sender in senders
        senders.add(sender)
        checked += 1
    assert checked > 3000 and repeated_senders > 1000  # the cached path is exercised, not only filled


def _raw(headers: dict[str, str], body: str = "Hello there, see the attached notes.\n") -> bytes:
    msg = EmailMessage()
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(body)
    return bytes(msg)


TRAP_HEADERS = [
    {},  # no From, no Subject, no X-Mailer
    {"From": "<>", "Subject": ""},
    {"From": '"" <a@b>', "Reply-To": "a@B.", "X-Mailer": ""},
    {"From": "Ann Lee <ann@Mail.Example.COM>", "Reply-To": "ann@mail.example.com", "X-Mailer": "Outlook 6.00.2800"},
    {
        "From": "ann@example.com",
        "Reply-To": "other@elsewhere.example.net",
        "To": ", ".join(f"u{i}@x.y" for i in range(9)),
    },
    {"From": "=?koi8-r?b?8NLJ18XU?= <ivan@example.ru>", "Subject": "=?koi8-r?b?8NLJ18XUIM3J0g==?="},
    {"From": "=?iso-2022-jp?b?GyRCJUYlOSVIGyhC?= <t@example.jp>", "Subject": "=?shift_jis?b?g2WDWINn?="},
    {"From": "=?x-unknown?q?caf=E9?= <x@example.fr>", "Subject": "=?utf-8?q?=FF=FE_broken?="},
    {"From": "averyveryverylongdisplaynamewithoutspaces <l@ex.example>", "X-Mailer": "Mailer-" + "x" * 40},
    {"From": "no-at-sign", "Reply-To": "also-no-at-sign"},
]
TRAP_BODIES = [
    "",
    " ".join(f"http://host{i}.example/p{i} HTTPS://1.2.3.{i % 250}/x" for i in range(150)),
    "http://a.example/\u3000http://b.example/\u00a0ftp://c.example/\u2028https://d.example/",
    "Gr\u00fc\u00dfe \u2014 \u4f1a\u8b70\u306e\u8cc7\u6599 \u043f\u0440\u0438\u0432\u0435\u0442 " * 300,
]


def test_traps_give_the_reference_tokens() -> None:
    """Odd headers and encodings, senders repeated with another subject, many URLs, non-ASCII bodies."""
    for headers in TRAP_HEADERS:
        for body in TRAP_BODIES:
            try:
                parsed = parse_message(_raw(headers, body))
            except ParseRefused:
                continue
            assert _assert_same(parsed) == _assert_same(parsed)


def test_text_without_headers_has_no_header_tokens() -> None:
    assert _assert_same(None) == []
    assert _assert_same(parsed_from_text("Hi", "see http://a.example/ \u4f1a\u8b70")) == []


def test_the_written_out_space_class_is_backslash_s() -> None:
    everything = "".join(map(chr, range(0x110000)))
    assert re.findall(f"[{_SPACE}]", everything) == re.findall(r"\s", everything)
