"""Hostile input generated here: each gives a ParsedMessage with a clear defect, or ParseRefused."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from execdesk.parse import ParsedMessage, ParseLimits, ParseRefused, parse_message
from execdesk.parse.identity import identify

HEAD = (
    b"From: a@example.com\r\nTo: b@example.com\r\nSubject: test\r\nDate: Mon, 1 May 2023 10:00:00 +0000\r\n"
    b"Message-ID: <hostile@example.com>\r\n"
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "empty"),
        (b"  \r\n\n\t", "empty"),
        (os.urandom(4096).replace(b":", b"_"), "not_rfc5322"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 8, "not_rfc5322"),
        (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "not_rfc5322"),
        (b"Note: this is a plain text file\nwith: colons\n\nbut no mail headers\n", "not_rfc5322"),
        (b"just some text\n", "not_rfc5322"),
    ],
)
def test_refused_inputs(raw: bytes, code: str) -> None:
    with pytest.raises(ParseRefused) as err:
        parse_message(raw)
    assert err.value.code == code
    assert err.value.reason


def test_over_the_size_limit_is_refused() -> None:
    with pytest.raises(ParseRefused) as err:
        parse_message(HEAD + b"\r\n" + b"x" * 2000, ParseLimits(max_message_bytes=1000))
    assert err.value.code == "too_large"


def test_mbox_envelope_line_is_accepted() -> None:
    p = parse_message(b"From a@example.com Mon May  1 10:00:00 2023\n" + HEAD.replace(b"\r\n", b"\n") + b"\nhi\n")
    assert p.from_addr == "a@example.com" and p.text == "hi"


def test_fifty_megabyte_message_is_bounded() -> None:
    line = b"All work and no play makes Jack a dull boy. " * 2 + b"\r\n"
    raw = HEAD + b"\r\n" + line * (50 * 1024 * 1024 // len(line))
    limits = ParseLimits(max_message_bytes=60 * 1024 * 1024)
    p = parse_message(raw, limits)
    assert len(p.text) <= limits.max_text_chars
    assert any("truncated" in d for d in p.defects)


def test_ten_thousand_parts_stop_at_the_limit() -> None:
    parts = b"".join(
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename=f%d.bin\r\n\r\nx\r\n" % i
        for i in range(10_000)
    )
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n\r\nbody text\r\n' + parts + b"--b--\r\n"
    p = parse_message(raw)
    assert p.text == "body text"
    assert len(p.attachments) == ParseLimits().max_parts - 2  # root + the text part count too
    assert any("more than 1000 MIME parts" in d for d in p.defects)


def _nested(levels: int, leaf: bytes) -> bytes:
    inner = leaf
    for level in range(levels):
        b = b"n%d" % level
        inner = b'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n--%s\r\n%s\r\n--%s--\r\n' % (b, b, inner, b)
    return HEAD + inner


def test_hundred_levels_of_nesting_stop_at_the_limit() -> None:
    p = parse_message(_nested(100, b"Content-Type: text/plain\r\n\r\ndeep text"))
    assert any("nesting deeper than 30" in d for d in p.defects)
    assert p.text == ""  # the text sits below the limit and is not read


def test_nesting_within_the_limit_is_read() -> None:
    p = parse_message(_nested(10, b"Content-Type: text/plain\r\n\r\ndeep text"))
    assert p.text == "deep text" and p.defects == []


@pytest.mark.parametrize(
    ("body", "defect"),
    [
        (b"Content-Type: text/plain; charset=x-klingon\r\n\r\ncaf\xe9", "unknown charset 'x-klingon'"),
        (b"Content-Type: text/plain; charset=utf-8\r\n\r\ncaf\xe9", "not valid utf-8"),
        (b"Content-Type: text/plain\r\n\r\nnul\x00byte", "NUL"),
        (b"Content-Type: multipart/alternative\r\n\r\nno boundary", "without boundary"),
        (b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\nno delimiter here', "never found"),
        (b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\n\r\nunclosed', "no closing boundary"),
        (b"Content-Transfer-Encoding: base64\r\n\r\n@@@@not base64!!", "base64"),
        (b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 f", "unknown Content-Transfer-Encoding"),
        (b"Content-Type: garbage\r\n\r\ntext", "invalid Content-Type"),
    ],
)
def test_bad_mime_is_parsed_with_a_defect(body: bytes, defect: str) -> None:
    p = parse_message(HEAD + body)
    assert any(defect in d for d in p.defects), p.defects
    assert "\x00" not in p.text


def test_missing_fields_are_defects() -> None:
    p = parse_message(b"Received: from x by y\r\n\r\nbody\r\n")
    assert p.from_addr is None and p.date is None and p.message_id is None and p.subject == ""
    assert {"no From header", "no Date header", "no Message-ID header", "no Subject header"} <= set(p.defects)


def test_lf_and_crlf_give_the_same_result() -> None:
    crlf = HEAD + b"\r\nline one\r\nline two\r\n"
    lf = crlf.replace(b"\r\n", b"\n")
    assert parse_message(crlf).text == parse_message(lf).text == "line one\nline two"


def test_refusal_survives_a_context_manager() -> None:
    """Exceptions get __traceback__ set on the way out of a with block (contextlib, sessions)."""

    @contextlib.contextmanager
    def block() -> Iterator[None]:
        yield

    with pytest.raises(ParseRefused), block():
        parse_message(b"")


def test_content_hash_is_identify_or_the_given_one() -> None:
    raw = HEAD + b"\r\nbody"
    assert parse_message(raw).content_hash == identify(raw).content_hash
    assert parse_message(raw, content_hash="abc").content_hash == "abc"


def _ok_or_refused(raw: bytes) -> ParsedMessage | None:
    try:
        return parse_message(raw)
    except ParseRefused as err:
        assert err.code in {"empty", "too_large", "not_rfc5322"}
        return None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise_anything_but_refused(raw: bytes) -> None:
    _ok_or_refused(raw)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "From",
                    "To",
                    "Cc",
                    "Subject",
                    "Date",
                    "Content-Type",
                    "Content-Transfer-Encoding",
                    "Content-Disposition",
                    "Message-ID",
                    "References",
                    "Return-Path",
                    "Precedence",
                ]
            ),
            st.binary(max_size=80),
        ),
        max_size=10,
    ),
    st.binary(max_size=1000),
)
def test_random_header_values_never_raise(fields: list[tuple[str, bytes]], body: bytes) -> None:
    head = b"".join(name.encode() + b": " + value.replace(b"\n", b" ") + b"\r\n" for name, value in fields)
    p = _ok_or_refused(b"Received: by x\r\n" + head + b"\r\n" + body)
    if p is not None:
        assert "\x00" not in p.text and isinstance(p.subject, str)
