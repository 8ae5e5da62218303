"""A small campaign for the desk's tests: a customer writes, then readers of a post about her send
one form letter naming her (some add a line of their own, one a paragraph). Built with
tests/mailfactory.py, the same shape as tests/campaigns/test_campaign_ingest.py's story."""

from __future__ import annotations

from datetime import timedelta

from tests.mailfactory import BASE, make_mail

FORM = (
    "I read how your company treated Maria Lopez, a customer who wrote to you about being charged twice "
    "and was told that legal action may follow if she kept writing. A customer who writes to the CEO has "
    "tried everything else first. Threatening her is not customer service; it is intimidation. "
    "Apologise to Ms. Lopez, refund her, and make sure nobody who writes to your office is threatened again."
)
OWN_TEXT = (
    "My own mother was treated the same way last spring: three months of double charges and a rude letter "
    "when she complained. I am cancelling my contract at the end of the month unless this changes."
)
READERS = 8


def _ending(i: int) -> str:
    if i == 5:
        return f"\n\n{OWN_TEXT}\n"
    return f"\n\nI have been a customer for {i + 2} years.\n" if i % 3 else "\n"


def flood_mail(readers: int = READERS) -> list[bytes]:
    """The customer's message, then ``readers`` form letters over a few hours (reader 5 adds a paragraph)."""
    customer = make_mail(
        sender="Maria Lopez <maria.lopez@example.net>",
        subject="Charged twice and nobody answers",
        body="Dear Mr. Hale,\n\nI have been charged twice for my plan since August and support keeps "
        "promising a refund that never comes. Please have someone look at my account.\n\nMaria Lopez\n",
        when=BASE + timedelta(days=3),
    )
    letters = [
        make_mail(
            sender=f"Reader {i} <reader{i}@example.org>",
            subject="How you treated Maria Lopez",
            body=("Hello,\n\n" if i % 2 else "") + FORM + _ending(i),
            when=BASE + timedelta(days=4, minutes=25 * i),
        )
        for i in range(readers)
    ]
    return [customer, *letters]
