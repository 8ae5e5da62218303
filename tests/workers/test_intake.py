"""The producer side and the task body, in process, on a real PostgreSQL: SMTP answers 250 only
with the bytes stored and the task committed; a task delivered twice stores nothing twice; the
embedded default (no queue) refuses ``import --enqueue``."""

from __future__ import annotations

import hashlib
import smtplib
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from typer.testing import CliRunner

from execdesk.cli.main import app
from execdesk.ingest.smtp import SmtpListener
from execdesk.settings import Settings, load_settings
from execdesk.store import Store
from execdesk.store.models import Arrival, Message, table_of
from execdesk.workers.ingest import ingest_queued
from execdesk.workers.intake import close_producers, queue_enabled
from execdesk.workers.message import QueuedMessage
from tests.mailfactory import make_mail
from tests.services import free_port


def _queued_settings(home: Path, url: str) -> Settings:
    s = load_settings(home, database_url=url)
    s.queue = type(s.queue).model_validate({"backend": "procrastinate"})
    s.ingest = type(s.ingest).model_validate({**s.ingest.model_dump(), "fsync": False})
    return s


def test_smtp_queues_then_a_twice_delivered_task_stores_once(tmp_path: Path, postgres_url: str) -> None:
    settings = _queued_settings(tmp_path / "home", postgres_url)
    assert queue_enabled(settings)
    store = Store.open(settings)
    listener = SmtpListener(store, settings, host="127.0.0.1", port=free_port())
    listener.start()
    raw = make_mail(sender="Ann <ann@example.org>", subject="Queued", body="Please call me.\n")
    try:
        with smtplib.SMTP(listener.host, listener.port) as client:
            client.ehlo()
            client.mail("ann@example.org")
            client.rcpt("ceo@example.com")
            code, reply = client.data(raw)
    finally:
        listener.stop()
        close_producers()
    assert code == 250 and b"queued as" in reply
    assert listener.counters.queued == 1 and listener.counters.accepted == 0
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        rows = conn.execute("select args from procrastinate_jobs where status = 'todo'").fetchall()
    assert len(rows) == 1
    (item,) = [QueuedMessage.from_json(i) for i in rows[0][0]["items"]]
    stored = store.blobs.get(item.sha256)  # durable before the 250 (as received: CRLF line ends)
    assert hashlib.sha256(stored).hexdigest() == item.sha256 and b"Please call me." in stored
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table_of(Message))).scalar_one() == 0

    first = ingest_queued(store, [item])
    again = ingest_queued(store, [item])  # a redelivery after the commit
    assert [r.status for r in first] == ["imported"] and again == []
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table_of(Message))).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(table_of(Arrival))).scalar_one() == 1
    other_copy = QueuedMessage(item.sha256, "imap", "imap://x/INBOX;UIDVALIDITY=1/;UID=7", item.received_at)
    assert [r.status for r in ingest_queued(store, [other_copy])] == ["duplicate"]
    # one item twice in one batch (its job re-queued while the batch was pulled, and pulled again): stored once
    twice = QueuedMessage(item.sha256, "smtp", "smtp://x/twice", item.received_at)
    assert [r.status for r in ingest_queued(store, [twice, twice])] == ["duplicate"]
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table_of(Arrival))).scalar_one() == 3
    store.close()


def test_import_enqueue_needs_a_queue_backend(tmp_path: Path) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(make_mail())
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "import", "--enqueue", str(eml)])
    assert result.exit_code != 0
    assert "queue.backend" in result.output
