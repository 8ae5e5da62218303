"""The queue query merges one index walk per status; its pages must equal one ORDER BY over all
matching cases, on SQLite and PostgreSQL, ties and filters included."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from execdesk.store.models import Case, table_of
from execdesk.web.queries import QueueFilter, queue_page


def _fill(store, n: int = 260) -> None:  # type: ignore[no-untyped-def]
    rnd = random.Random(3)
    base = datetime(2026, 10, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        at = base + timedelta(hours=rnd.randrange(50))  # many equal times: the id breaks ties
        rows.append(
            {
                "id": i + 1,
                "subject": f"case {i}",
                "status": rnd.choice(["open", "pending", "closed"]),
                "machine": rnd.random() < 0.1,
                "priority": float(rnd.choice([10, 20, 20, 35.5, 50])),  # many equal priorities
                "priority_reasons": [],
                "signals": rnd.sample(["legal_threat", "going_public", "churn"], k=rnd.choice([0, 1, 2])),
                "intent": rnd.choice(["complaint", "praise"]),
                "assignee": rnd.choice([None, "sam"]),
                "campaign_id": "cmp_x" if rnd.random() < 0.2 else None,
                "campaign_role": rnd.choice(["member", "own_text"]) if rnd.random() < 0.2 else None,
                "opened_at": at,
                "updated_at": at,
                "last_inbound_at": at,
                "message_count": 1,
            }
        )
    with store.transaction() as conn:
        conn.execute(insert(table_of(Case)), rows)


def _expected(store, flt: QueueFilter) -> list[int]:  # type: ignore[no-untyped-def]
    c = table_of(Case).c
    with store.engine.connect() as conn:
        rows = conn.execute(select(c.id, c.status, c.machine, c.priority, c.last_inbound_at, c.signals, c.intent,
                                   c.assignee, c.campaign_role)).all()  # fmt: skip
    keep = [
        r
        for r in rows
        if r.status in flt.statuses()
        and (flt.include_machine or not r.machine)
        and (flt.include_members or r.campaign_role != "member")
        and (flt.signal is None or flt.signal in r.signals)
        and (flt.intent is None or r.intent == flt.intent)
        and (flt.assignee is None or (r.assignee is None if flt.assignee == "-" else r.assignee == flt.assignee))
    ]
    keep.sort(key=lambda r: (r.machine, -r.priority, -r.last_inbound_at.timestamp(), -r.id))
    return [r.id for r in keep]


def test_pages_equal_one_global_order(store) -> None:  # type: ignore[no-untyped-def]
    _fill(store)
    for flt in (
        QueueFilter(),
        QueueFilter(include_machine=True, include_members=True),
        QueueFilter(signal="legal_threat"),
        QueueFilter(intent="complaint", assignee="-"),
        QueueFilter(status="all"),
        QueueFilter(status="pending"),
    ):
        want = _expected(store, flt)
        got: list[int] = []
        offset, more = 0, True
        with store.engine.connect() as conn:
            while more:
                page, more = queue_page(conn, flt, limit=17, offset=offset)
                got.extend(r["case_id"] for r in page)
                offset += 17
        assert got == want, flt
        assert len(want) > 10, flt
