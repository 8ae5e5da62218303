"""Reading generated mail back the way a careful consumer would: the stdlib, policy.default."""

from __future__ import annotations

import email
import email.policy
import html
import re
from email.message import EmailMessage
from functools import lru_cache


@lru_cache(maxsize=4096)
def parse(raw: bytes) -> EmailMessage:
    """Parsed once per test session (the tests only read the result)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@lru_cache(maxsize=4096)
def text_of(raw: bytes) -> str:
    """The readable text of a message: its plain part, or its HTML part with the tags removed."""
    part = parse(raw).get_body(("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = html.unescape(re.sub(r"<[^>]+>", "", content))
    return str(content)


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0
