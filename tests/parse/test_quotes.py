"""Table-driven cases for the new text / quoted text / signature splitter."""

from __future__ import annotations

import pytest

from execdesk.parse.quotes import split_text

CASES = [
    # (text, new_text, quoted_text, signature)
    ("Just text.", "Just text.", "", ""),
    ("Yes.\n\n> Can you come?\n> Thanks", "Yes.", "> Can you come?\n> Thanks", ""),
    (
        "On Tue, Bob wrote:\n> q1\n\nanswer 1\n> q2\nanswer 2",
        "answer 1\nanswer 2",
        "On Tue, Bob wrote:\n> q1\n> q2",
        "",
    ),
    (
        "Fine.\n\nLe mar. 4 avr. 2023, Marie <m@x.fr> a écrit :\n> Bonjour",
        "Fine.",
        "Le mar. 4 avr. 2023, Marie <m@x.fr> a écrit :\n> Bonjour",
        "",
    ),
    (
        "Ok.\n\n________________________________\nFrom: A <a@x>\nSent: Monday\nTo: B\nSubject: x\n\nold",
        "Ok.",
        "________________________________\nFrom: A <a@x>\nSent: Monday\nTo: B\nSubject: x\n\nold",
        "",
    ),
    ("Please help.\n\nKind regards,\nJohn Smith\nACME Ltd", "Please help.", "", "Kind regards,\nJohn Smith\nACME Ltd"),
    # conservative: a "thanks" line followed by real content is not a signature
    (
        "Thanks,\nbut the refund never arrived and I want to know why it takes 6 weeks. Please answer today.",
        "Thanks,\nbut the refund never arrived and I want to know why it takes 6 weeks. Please answer today.",
        "",
        "",
    ),
    ("Thanks", "Thanks", "", ""),  # a one-line message is content, not a sign-off
    ("Call me.\n\nSent from my Galaxy", "Call me.", "", "Sent from my Galaxy"),
    ("From: the start of a sentence is not a header", "From: the start of a sentence is not a header", "", ""),
]


@pytest.mark.parametrize(("text", "new", "quoted", "signature"), CASES)
def test_split(text: str, new: str, quoted: str, signature: str) -> None:
    got = split_text(text)
    assert (got.new_text, got.quoted_text, got.signature) == (new, quoted, signature)


def test_long_hostile_text_is_fast_enough_to_finish() -> None:
    text = "Header:\n" * 50_000 + "> q\n" * 1000
    got = split_text(text)
    assert got.quoted_text.count("> q") == 1000
