"""The one rule for when a message happened: its own Date when plausible, else when we received it.

Spam dated 1 January 1970 (a reset clock) or year 1 must not place a case, a contact's first contact
or a campaign's first member decades in the past (the workers' load test found a campaign of 2002
SpamAssassin re-sends whose hourly arrivals spanned two millennia)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.mailfactory import make_mail

from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import SourceRef, message_time
from execdesk.store.models import Case, Contact, table_of

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_historical_dates_are_kept_and_absurd_ones_fall_back_to_arrival() -> None:
    enron = datetime(2001, 5, 14, 16, 39, tzinfo=UTC)
    assert message_time(enron, NOW) == enron  # a historical import keeps its date
    assert message_time(datetime(1970, 1, 1, tzinfo=UTC), NOW) == NOW
    assert message_time(datetime(1, 1, 1, tzinfo=UTC), NOW) == NOW
    assert message_time(NOW + timedelta(days=30), NOW) == NOW  # from the future
    assert message_time(None, NOW) == NOW


def test_a_message_dated_1970_opens_its_case_when_it_arrived(store) -> None:  # type: ignore[no-untyped-def]
    raw = make_mail(sender="Epoch Spammer <epoch@example.org>", when=datetime(1970, 1, 1, tzinfo=UTC))
    with IngestSession(store) as s:
        assert s.process_message(raw, SourceRef("file", "epoch.eml"), received_at=NOW).status == "imported"
    cases, contacts = table_of(Case), table_of(Contact)
    with store.engine.connect() as conn:
        opened = conn.execute(select(cases.c.opened_at)).scalar_one()
        first_seen = conn.execute(select(contacts.c.first_seen)).scalar_one()
    for value in (opened, first_seen):
        assert (value if value.tzinfo else value.replace(tzinfo=UTC)) == NOW
