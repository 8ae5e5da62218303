"""Migrations 0009 and 0010 (production indexes) upgrade and downgrade on SQLite and PostgreSQL, and the
queries they were made for spell their expressions so that the database can use them (the plan names
the index)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, event, func, select, text

from execdesk.cases.dashboard import dashboard
from execdesk.store.db import SCHEMA_HEAD, alembic_config
from execdesk.store.models import Case, table_of
from execdesk.web.queries import _has_signal

BOTH = {"ix_messages_time", "ix_cases_opened_at", "ix_cases_last_inbound_at", "ix_contacts_display_name_lower"}
POSTGRES_ONLY = {"ix_cases_signals"}


def _indexes(conn: Connection) -> set[str]:
    """Index names as the database lists them (SQLAlchemy's SQLite reflection skips expression indexes)."""
    if conn.dialect.name == "postgresql":
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
    return {r[0] for r in conn.execute(text(sql))}


def _migrate(store: Any, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(store.engine)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        if revision == "head":
            command.upgrade(cfg, "head")
        else:
            command.downgrade(cfg, revision)


def test_0009_upgrades_and_downgrades(store: Any) -> None:
    expected = BOTH | (POSTGRES_ONLY if store.engine.dialect.name == "postgresql" else set())
    with store.engine.connect() as conn:
        assert expected <= _indexes(conn)
        assert store.engine.dialect.name == "postgresql" or not POSTGRES_ONLY & _indexes(conn)
    _migrate(store, "0008")
    assert store.current_revision() == "0008"
    with store.engine.connect() as conn:
        assert not (BOTH | POSTGRES_ONLY) & _indexes(conn)
    _migrate(store, "head")
    assert store.current_revision() == SCHEMA_HEAD
    with store.engine.connect() as conn:
        assert expected <= _indexes(conn)


def test_0010_upgrades_and_downgrades(store: Any) -> None:
    with store.engine.connect() as conn:
        assert "ix_messages_outbound" in _indexes(conn)
    _migrate(store, "0009")
    with store.engine.connect() as conn:
        assert "ix_messages_outbound" not in _indexes(conn)
    _migrate(store, "head")
    with store.engine.connect() as conn:
        assert "ix_messages_outbound" in _indexes(conn)


def _plan(conn: Connection, statement: str, params: Any) -> str:
    prefix = "EXPLAIN " if conn.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    return "\n".join(str(r[-1]) for r in conn.exec_driver_sql(prefix + statement, params))


def _statements(store: Any, run: Callable[[Connection], Any]) -> list[tuple[str, Any]]:
    """The SELECT statements ``run`` sends, with their parameters as the driver got them."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        with store.engine.connect() as conn:
            run(conn)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    return seen


def test_the_dashboard_reads_messages_and_cases_through_the_indexes(store: Any) -> None:
    """Every statement of the dashboard that filters messages by time or cases by opening date can use
    0009's index: the expression in the query is the indexed one (execdesk.store.models.MESSAGE_TIME)."""
    seen = _statements(store, lambda conn: dashboard(conn, days=30, high_risk_signals=["legal_threat"]))
    by_messages_time = [s for s in seen if "FROM messages" in s[0] and "coalesce(messages.date" in s[0]]
    by_opened = [s for s in seen if "opened_at >=" in s[0]]
    assert by_messages_time and by_opened
    with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))  # empty tables: ask whether the index CAN be used
        for statement, params in by_messages_time:
            assert "ix_messages_time" in _plan(conn, statement, params), statement
        for statement, params in by_opened:
            assert "ix_cases_opened_at" in _plan(conn, statement, params), statement
        assert "ix_cases_last_inbound_at" in _plan(conn, "SELECT max(last_inbound_at) FROM cases", ())


def test_the_queue_signal_filter_uses_the_gin_index_on_postgresql(store: Any) -> None:
    cases = table_of(Case)
    dialect = store.engine.dialect.name
    stmt = select(cases.c.id).where(_has_signal("legal_threat", dialect)).order_by(cases.c.id)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with store.transaction() as conn:
        conn.execute(
            cases.insert(),
            [
                {"id": 1, "signals": ["churn", "legal_threat"], "opened_at": at, "updated_at": at},
                {"id": 2, "signals": ["legal_threats"], "opened_at": at, "updated_at": at},
                {"id": 3, "signals": [], "opened_at": at, "updated_at": at},
                {"id": 4, "signals": ["legal_threat"], "opened_at": at, "updated_at": at},
            ],
        )
    found: list[int] = []
    [(statement, params)] = _statements(store, lambda conn: found.extend(r.id for r in conn.execute(stmt)))
    assert found == [1, 4]  # whole names in the list, not a prefix
    if dialect == "postgresql":
        with store.engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))
            assert "ix_cases_signals" in _plan(conn, statement, params)


def test_a_wide_window_on_sqlite_scans_and_counts_the_same(store: Any) -> None:
    """SQLite reads a window holding most of the mail by a scan (``Window.scan``, no row lookups through
    the time index); the figures are the same either way, and the plan shows the scan."""
    from dataclasses import replace

    from execdesk.cases.dashboard import inbound_groups, risk, sentiment, sla, volume, window
    from execdesk.store.models import Message

    cases, messages = table_of(Case), table_of(Message)
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    with store.transaction() as conn:
        for i in range(12):  # one case and one inbound message every fifth day, 55 days of mail
            at = start + timedelta(days=5 * i)
            signals = ["legal_threat"] if i % 3 == 0 else ["churn"]
            conn.execute(
                cases.insert(),
                {
                    "id": i + 1,
                    "signals": signals,
                    "opened_at": at,
                    "updated_at": at,
                    "last_inbound_at": at,
                    "sla_policy": "normal",
                    "sla_first_response_due": at + timedelta(hours=8),
                },
            )
            conn.execute(
                messages.insert(),
                {
                    "id": i + 1,
                    "raw_sha256": f"{i:064x}",
                    "content_hash": f"{i:064x}",
                    "size": 10,
                    "date": at,
                    "received_at": at,
                    "case_id": i + 1,
                    "intent": "complaint",
                    "sentiment": -0.5 + i / 10,
                },
            )
    with store.engine.connect() as conn:
        narrow, wide = window(conn, 7), window(conn, 30)
        assert not narrow.scan
        assert wide.scan == (store.engine.dialect.name == "sqlite")  # PostgreSQL's planner decides itself
        if not wide.scan:
            return
        seen = _statements(store, lambda c: inbound_groups(c, wide))
        assert "ix_messages_time" not in _plan(conn, *seen[0])

        def figures(w: Any) -> tuple[Any, ...]:
            groups = inbound_groups(conn, w)
            return volume(conn, w, groups), sentiment(conn, w, groups), risk(conn, w, ["legal_threat"]), sla(conn, w)

        scanned = figures(wide)
        assert scanned == figures(replace(wide, scan=False))
        assert scanned[0]["total"] == 6  # days 30..55 of the mail: 6 messages


def test_the_campaign_trigger_finds_named_contacts_through_the_name_index(store: Any) -> None:
    """The trigger lookup by mentioned names (campaigns/trigger.py) must not read every contact: the
    load test found 2,700 full scans of 390,000 contacts before this index."""
    from execdesk.store.models import Contact

    contacts = table_of(Contact)
    stmt = select(contacts.c.id).where(func.lower(contacts.c.display_name).in_(["dana whitfield"]))
    [(statement, params)] = _statements(store, lambda conn: conn.execute(stmt).all())
    with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
        assert "ix_contacts_display_name_lower" in _plan(conn, statement, params)


def test_the_campaign_trigger_reads_our_latest_replies_through_the_outbound_index(store: Any) -> None:
    """The quoted-reply lookup (campaigns/trigger.py) must not walk every inbound message to find our
    latest replies: in the load test that was 0.66 s per campaign refresh at 500,000 inbound messages."""
    from execdesk.campaigns.summary import CampaignSummary
    from execdesk.campaigns.trigger import _quoted_reply

    summary = CampaignSummary(
        title="",
        representative_key="1",
        representative_text="",
        size=2,
        distinct_senders=2,
        first_seen=None,
        last_seen=None,
        shared_phrases=["we are sorry that your order arrived late and we will refund it"],
    )
    seen = _statements(store, lambda conn: _quoted_reply(conn, summary))
    [(statement, params)] = [s for s in seen if "direction" in s[0]]
    # A literal, not a parameter: PostgreSQL's generic plan of a prepared statement (what psycopg
    # uses after five executions) cannot prove a parameter equals the partial index's 'out'.
    assert "direction = 'out'" in statement
    with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
        assert "ix_messages_outbound" in _plan(conn, statement, params)
