"""The ingest analyze stage runs one batch call, and falls back to one message at a time when it fails."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.mailfactory import make_mail

from execdesk.ingest import stages
from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import SourceRef
from execdesk.store import Store
from execdesk.store.models import Message, table_of

SRC = SourceRef("file", "test")


def test_a_failing_batch_call_falls_back_to_one_message_at_a_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_batch(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("batch arithmetic failed")

    monkeypatch.setattr(stages, "analyze_batch", broken_batch)
    mails = [
        make_mail(subject="Refund", body="I will sue you if my refund is not paid by Friday.\n"),
        make_mail(sender="Pat <pat@example.org>", subject="Thanks", body="Your staff were wonderful, thank you.\n"),
    ]
    with IngestSession(store, after_commit=False) as session:
        results = session.process_batch([(raw, SRC) for raw in mails])
    assert [r.status for r in results] == ["imported", "imported"]
    m = table_of(Message)
    with store.engine.connect() as conn:
        analyses = [r.analysis for r in conn.execute(select(m.c.analysis).order_by(m.c.id))]
    assert all(a is not None and a["intent"]["label"] for a in analyses)
    assert any(s["name"] == "legal_threat" for s in analyses[0]["signals"])
