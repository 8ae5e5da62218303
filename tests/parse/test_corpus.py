"""Every message of the real SpamAssassin corpus (malformed ones included) parses, with sane results."""

from __future__ import annotations

import email
import email.policy
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from execdesk.parse import parse_message

GROUPS = ("easy_ham", "hard_ham", "spam")


def corpus(shared_data: Path) -> Iterator[tuple[str, bytes]]:
    for group in GROUPS:
        with tarfile.open(shared_data / "spamassassin" / f"{group}.tar.gz") as tar:
            for member in tar:
                fh = tar.extractfile(member) if member.isfile() else None
                if fh is not None:
                    yield member.name, fh.read()


@pytest.mark.slow
def test_every_corpus_message_parses(shared_data: Path) -> None:
    count = flagged_by_stdlib = 0
    machine_kinds: dict[str, int] = {}
    for name, raw in corpus(shared_data):
        count += 1
        p = parse_message(raw)  # no ParseRefused, no other exception
        assert p.from_addr, name
        assert isinstance(p.subject, str)
        assert "\x00" not in p.text and "\r" not in p.text, name
        assert p.new_text in p.text or not p.new_text or p.quoted_text, name
        for att in p.attachments:
            assert att.size == len(att.data), name
        if p.machine is not None:
            machine_kinds[p.machine.kind] = machine_kinds.get(p.machine.kind, 0) + 1
        stdlib = email.message_from_bytes(raw, policy=email.policy.default)
        if any(part.defects for part in stdlib.walk()):
            flagged_by_stdlib += 1
            assert p.defects, f"{name}: the stdlib found defects, we reported none"
    assert count == 3177
    assert flagged_by_stdlib == 28  # 27 spam + 1 hard_ham, per the corpus README
    assert machine_kinds.get("list", 0) > 1000  # easy_ham is mostly mailing-list traffic


@pytest.mark.slow
def test_plain_bodies_agree_with_the_stdlib(shared_data: Path) -> None:
    """Cross-check against ``email.policy.default``: the same text/plain body in >= 95% of messages.

    The rest differ for good reasons (windows-1252 instead of latin-1 for undeclared 8-bit text,
    inline text parts after the first one, such as list footers, kept).
    """
    compared = agreed = 0
    for _, raw in corpus(shared_data):
        body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",))
        if body is None:
            continue
        try:
            reference = body.get_content()
        except (LookupError, ValueError):
            continue
        compared += 1
        ours = " ".join(parse_message(raw).text.split())
        theirs = " ".join(reference.split())
        agreed += theirs in ours
    assert compared > 2500
    assert agreed / compared >= 0.95
