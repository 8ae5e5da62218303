"""``execdesk listen-smtp``: real SMTP over loopback with smtplib.

250 means stored (raw bytes fsynced and committed); 550 5.1.1 for recipients outside the
configured list; 552 5.3.4 above the size limit; 451 4.3.0 when we cannot store, and then
nothing is recorded, so the sender's retry is the only copy that counts.
"""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.mailfactory import make_mail
from tests.services import free_port, wait_for_port
from typer.testing import CliRunner

from execdesk.cases import queries
from execdesk.cli.main import app
from execdesk.ingest.core import IngestSession
from execdesk.ingest.smtp import SmtpListener, recipient_allowed
from execdesk.settings import load_settings
from execdesk.store import Store
from execdesk.store.models import Arrival, Message

CEO = "ceo@northwind-mobile.example"
LIMIT = 200_000


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    s = Store.open(load_settings(home))
    yield s
    s.close()


@pytest.fixture
def listener(home: Path, store: Store) -> Iterator[SmtpListener]:
    settings = load_settings(
        home,
        smtp_listen={
            "host": "127.0.0.1",
            "port": free_port(),
            "recipients": [CEO, "@board.northwind-mobile.example"],
        },
        limits={"max_message_bytes": LIMIT},
    )
    server = SmtpListener(store, settings)
    server.start()
    yield server
    server.stop()


def smtp(listener: SmtpListener) -> smtplib.SMTP:
    return smtplib.SMTP(listener.host, listener.port, timeout=30)


def stats(store: Store) -> dict[str, int]:
    with store.transaction() as conn:
        return queries.stats(conn)


def test_accepted_mail_is_stored_and_visible_in_stats(listener: SmtpListener, store: Store, home: Path) -> None:
    raw = make_mail(to=CEO).replace(b"\n", b"\r\n")  # as an MTA sends it
    with smtp(listener) as client:
        client.ehlo("mta.example.net")
        client.mail("bounces@example.net")
        client.rcpt(CEO)
        code, text = client.data(raw)
    assert code == 250 and b"stored as message" in text
    result = CliRunner().invoke(app, ["--home", str(home), "stats", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["messages"] == 1
    with store.transaction() as conn:
        ref = conn.execute(select(Arrival.__table__.c.source_ref)).scalar_one()
    assert ref.startswith("smtp://") and "from=bounces@example.net" in ref and f"to={CEO}" in ref
    # Stored byte for byte (no trace header added): the IMAP copy of the same mail deduplicates.
    with store.transaction() as conn:
        sha = conn.execute(select(Message.__table__.c.raw_sha256)).scalar_one()
    assert store.blobs.get(sha) == raw


def test_domain_rule_and_duplicates(listener: SmtpListener, store: Store) -> None:
    raw = make_mail(to="chair@board.northwind-mobile.example")
    with smtp(listener) as client:
        assert client.sendmail("a@example.net", ["chair@board.northwind-mobile.example"], raw) == {}
        assert client.sendmail("a@example.net", [CEO], raw) == {}  # the same message again: 250, stored once
    assert stats(store)["messages"] == 1
    assert (listener.counters.accepted, listener.counters.duplicates) == (1, 1)


def test_unknown_recipient_gets_550_5_1_1(listener: SmtpListener, store: Store) -> None:
    with smtp(listener) as client:
        client.ehlo()
        client.mail("a@example.net")
        code, text = client.rcpt("someone.else@example.com")
        assert code == 550 and text.startswith(b"5.1.1")
        client.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("a@example.net", ["intruder@northwind-mobile.example.org"], make_mail())
    assert stats(store)["messages"] == 0


def test_oversize_gets_552_5_3_4_with_and_without_the_size_parameter(listener: SmtpListener, store: Store) -> None:
    big = make_mail(to=CEO, body=("y" * 76 + "\n") * (LIMIT // 70))
    with smtp(listener) as client:
        # smtplib announces SIZE= in MAIL FROM, so the refusal comes before the data.
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail("a@example.net", [CEO], big)
        assert refused.value.smtp_code == 552 and refused.value.smtp_error.startswith(b"5.3.4")
        client.rset()
        # A client that does not announce the size is refused after DATA.
        client.mail("a@example.net")
        client.rcpt(CEO)
        code, text = client.data(big)
        assert code == 552 and text.startswith(b"5.3.4")
    assert stats(store)["messages"] == 0


@pytest.mark.parametrize("failing", ["process_message", "commit"])
def test_our_failure_answers_451_and_records_nothing(
    listener: SmtpListener, store: Store, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(IngestSession, failing, broken)
    raw = make_mail(to=CEO)
    with smtp(listener) as client, pytest.raises(smtplib.SMTPDataError) as deferred:
        client.sendmail("a@example.net", [CEO], raw)
    assert deferred.value.smtp_code == 451 and deferred.value.smtp_error.startswith(b"4.3.0")
    monkeypatch.undo()
    assert stats(store)["messages"] == 0
    assert (listener.counters.accepted, listener.counters.deferred) == (0, 1)

    # The sender retries later: stored once.
    with smtp(listener) as client:
        assert client.sendmail("a@example.net", [CEO], raw) == {}
    assert stats(store)["messages"] == 1


def test_long_lines_are_accepted_not_bounced(listener: SmtpListener, store: Store) -> None:
    raw = make_mail(to=CEO, body="word " * 2000 + "\n")  # one 10 kB line, as some HTML mailers send
    with smtp(listener) as client:
        assert client.sendmail("a@example.net", [CEO], raw) == {}
    assert stats(store)["messages"] == 1


@pytest.mark.parametrize(
    ("address", "rules", "allowed"),
    [
        ("CEO@Northwind-Mobile.example", [CEO], True),
        ("<ceo@northwind-mobile.example>", [CEO], True),
        ("cfo@northwind-mobile.example", [CEO], False),
        ("x@board.example", ["@board.example"], True),
        ("x@evilboard.example", ["@board.example"], False),
        ("anyone@anywhere.example", [], True),
    ],
)
def test_recipient_rules(address: str, rules: list[str], allowed: bool) -> None:
    assert recipient_allowed(address, rules) is allowed


def test_cli_listen_smtp_serves_until_sigterm(home: Path) -> None:
    port = free_port()
    Store.open(load_settings(home)).close()  # migrate before the child starts
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXECDESK_")}
    cmd = [sys.executable, "-c", "from execdesk.cli.main import app; app()", "--home", str(home)]
    cmd += ["listen-smtp", "--port", str(port), "--recipient", CEO]
    log = home / "listen.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    try:
        wait_for_port(port, proc, log)
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            assert client.sendmail("a@example.net", [CEO], make_mail(to=CEO)) == {}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "accepted 1" in log.read_text()
    store = Store.open(load_settings(home))
    try:
        assert stats(store)["messages"] == 1
    finally:
        store.close()
