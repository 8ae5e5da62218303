"""``execdesk fetch`` against a real Dovecot (tests/services.py starts it).

What is promised and checked here: every message stored once; flagged or moved on the
server only after the commit; resumable from the UIDVALIDITY/UID checkpoint; a crash
between commit and acknowledgement stores nothing twice; the server's errors are one
line and exit code 1, without the password.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.mailfactory import make_mail
from tests.services import DovecotServer
from typer.testing import CliRunner

from execdesk.cases import queries
from execdesk.cli.main import app
from execdesk.ingest.core import IngestSession
from execdesk.ingest.imap import ImapError, ImapSource
from execdesk.settings import Settings, load_settings
from execdesk.store import Store
from execdesk.store.blobs import BlobStore
from execdesk.store.models import Arrival

pytestmark = pytest.mark.dovecot

FLAG = "$Execdesk"


@pytest.fixture
def account(dovecot: DovecotServer) -> tuple[str, str]:
    """A fresh, empty IMAP account on the session's Dovecot."""
    return dovecot.add_user()


def imap_settings(home: Path, dovecot: DovecotServer, account: tuple[str, str], **imap: Any) -> Settings:
    user, password = account
    cfg = {
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "none",
        "username": user,
        "password": password,
    }
    return load_settings(home, imap={**cfg, **imap})


@pytest.fixture
def store_for(home: Path) -> Iterator[Any]:
    opened: list[Store] = []

    def open_(settings: Settings) -> Store:
        opened.append(Store.open(settings))
        return opened[-1]

    yield open_
    for s in opened:
        s.close()


def stats(store: Store) -> dict[str, int]:
    with store.transaction() as conn:
        return queries.stats(conn)


def server_flags(dovecot: DovecotServer, user: str, mailbox: str = "INBOX") -> dict[int, set[str]]:
    client = dovecot.client(user)
    try:
        client.select_folder(mailbox, readonly=True)
        uids = client.search(["ALL"])
        flags = client.get_flags(uids) if uids else {}
        return {uid: {f.decode() for f in fl} for uid, fl in flags.items()}
    finally:
        client.logout()


def mails(n: int, tag: str = "") -> list[bytes]:
    return [make_mail(subject=f"Request {tag}{i}", body=f"Please help with item {tag}{i}.\n", days=i) for i in range(n)]


# ---------------------------------------------------------------------------- the promises


def test_fetch_stores_once_and_flags_only_after_commit(
    dovecot: DovecotServer,
    account: tuple[str, str],
    home: Path,
    store_for: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = account[0]
    uids = [dovecot.append(user, raw) for raw in mails(3)]
    settings = imap_settings(home, dovecot, account, fetch_batch=2)
    store = store_for(settings)

    # At every commit, look at the server from a second connection: nothing may be flagged
    # that was not committed by an earlier commit.
    seen_at_commit: list[dict[int, set[str]]] = []
    real_commit = IngestSession.commit

    def observing_commit(self: IngestSession) -> None:
        seen_at_commit.append(server_flags(dovecot, user))
        real_commit(self)

    monkeypatch.setattr(IngestSession, "commit", observing_commit)
    report = ImapSource(store, settings).run_once().to_json()
    monkeypatch.undo()

    assert (report["imported"], report["duplicates"], report["quarantined"]) == (3, 0, 0)
    assert report["mailboxes"]["INBOX"]["flagged"] == 3
    assert report["mailboxes"]["INBOX"]["last_uid"] == max(uids)
    # Commits: reading the checkpoint, batch 1 (2 messages), batch 2 (1 message). The server
    # as seen at each commit: nothing flagged before batch 1 is committed, and before batch 2's
    # commit only batch 1's messages.
    flagged_at_commit = [sum(FLAG in f for f in s.values()) for s in seen_at_commit]
    assert flagged_at_commit[:3] == [0, 0, 2]
    after = server_flags(dovecot, user)
    assert all(FLAG in f for f in after.values())
    assert all("\\Seen" not in f for f in after.values()), "reading must not mark mail as seen"
    assert stats(store)["messages"] == 3
    with store.transaction() as conn:
        refs = conn.execute(select(Arrival.__table__.c.source_ref)).scalars().all()
    prefix = f"imap://{user}@127.0.0.1/INBOX;UIDVALIDITY={report['mailboxes']['INBOX']['uidvalidity']}/;UID="
    assert sorted(refs) == sorted(f"{prefix}{uid}" for uid in uids)

    # Run again: the checkpoint says there is nothing new.
    again = ImapSource(store, settings).run_once().to_json()
    assert (again["imported"], again["duplicates"], again["mailboxes"]["INBOX"]["flagged"]) == (0, 0, 0)
    assert stats(store)["messages"] == 3

    # New mail after the checkpoint is read, and only it.
    dovecot.append(user, make_mail(subject="One more"))
    third = ImapSource(store, settings).run_once().to_json()
    assert (third["imported"], third["duplicates"]) == (1, 0)
    assert stats(store)["messages"] == 4


def test_unparseable_message_is_kept_in_quarantine_and_still_flagged(
    dovecot: DovecotServer, account: tuple[str, str], home: Path, store_for: Any
) -> None:
    user = account[0]
    dovecot.append(user, b"this is a note someone saved into the mailbox, not an RFC 5322 message\r\n")
    dovecot.append(user, make_mail())
    settings = imap_settings(home, dovecot, account)
    store = store_for(settings)
    report = ImapSource(store, settings).run_once().to_json()
    assert (report["imported"], report["quarantined"]) == (1, 1)
    assert all(FLAG in f for f in server_flags(dovecot, user).values()), "a quarantined message IS stored"
    counts = stats(store)
    assert (counts["messages"], counts["quarantined"]) == (2, 1)


def test_uidvalidity_change_rereads_the_mailbox_without_duplicates(
    dovecot: DovecotServer, account: tuple[str, str], home: Path, store_for: Any
) -> None:
    user = account[0]
    first = mails(2, "v")
    for raw in first:
        dovecot.append(user, raw, mailbox="Board")
    settings = imap_settings(home, dovecot, account, mailboxes=["Board"], after_commit="none")
    store = store_for(settings)
    before = ImapSource(store, settings).run_once().to_json()["mailboxes"]["Board"]
    assert before["imported"] == 2

    # Recreating a mailbox gives it a new UIDVALIDITY: old UIDs mean nothing any more.
    client = dovecot.client(user)
    client.delete_folder("Board")
    client.logout()
    for raw in [*first, make_mail(subject="After the migration")]:
        dovecot.append(user, raw, mailbox="Board")

    after = ImapSource(store, settings).run_once().to_json()["mailboxes"]["Board"]
    assert after["uidvalidity"] != before["uidvalidity"]
    assert after["uidvalidity_changed"] is True
    assert (after["imported"], after["duplicates"]) == (1, 2)
    assert stats(store)["messages"] == 3


@pytest.mark.parametrize("server_has_move", [True, False], ids=["MOVE", "COPY+EXPUNGE"])
def test_move_mode_moves_after_commit(
    dovecot: DovecotServer,
    account: tuple[str, str],
    home: Path,
    store_for: Any,
    monkeypatch: pytest.MonkeyPatch,
    server_has_move: bool,
) -> None:
    user = account[0]
    for raw in mails(3, "m"):
        dovecot.append(user, raw)
    settings = imap_settings(home, dovecot, account, after_commit="move", move_to="Execdesk/Processed")
    store = store_for(settings)
    if not server_has_move:
        from imapclient import IMAPClient

        real = IMAPClient.has_capability
        monkeypatch.setattr(IMAPClient, "has_capability", lambda self, cap: cap != "MOVE" and real(self, cap))
    report = ImapSource(store, settings).run_once().to_json()
    assert report["imported"] == 3 and report["mailboxes"]["INBOX"]["moved"] == 3
    assert server_flags(dovecot, user, "INBOX") == {}
    moved = server_flags(dovecot, user, "Execdesk/Processed")
    assert len(moved) == 3 and all("\\Deleted" not in f and "\\Seen" not in f for f in moved.values())
    assert stats(store)["messages"] == 3


@pytest.mark.parametrize("mode", ["flag", "move"])
def test_crash_between_commit_and_acknowledgement_stores_nothing_twice(
    dovecot: DovecotServer,
    account: tuple[str, str],
    home: Path,
    store_for: Any,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    user = account[0]
    for raw in mails(3, "c"):
        dovecot.append(user, raw)
    settings = imap_settings(home, dovecot, account, after_commit=mode)
    store = store_for(settings)

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("simulated crash after the commit, before the server was told")

    monkeypatch.setattr(ImapSource, "acknowledge", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ImapSource(store, settings).run_once()
    monkeypatch.undo()
    assert stats(store)["messages"] == 3, "committed before the crash"
    assert all(FLAG not in f for f in server_flags(dovecot, user).values())
    assert len(server_flags(dovecot, user)) == 3, "nothing acknowledged on the server yet"

    report = ImapSource(store, settings).run_once().to_json()
    assert (report["imported"], report["duplicates"]) == (0, 0), "the checkpoint covers them: not read again"
    acked = report["mailboxes"]["INBOX"]["flagged" if mode == "flag" else "moved"]
    assert acked == 3, "the rerun acknowledges what the crashed run committed"
    if mode == "flag":
        assert all(FLAG in f for f in server_flags(dovecot, user).values())
    else:
        assert server_flags(dovecot, user) == {}
    assert stats(store)["messages"] == 3


def test_crash_before_commit_reads_the_batch_again(
    dovecot: DovecotServer,
    account: tuple[str, str],
    home: Path,
    store_for: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Our failure mid-batch (the disk, the database) rolls back: nothing flagged, all read again."""
    user = account[0]
    for raw in mails(2, "d"):
        dovecot.append(user, raw)
    settings = imap_settings(home, dovecot, account)
    store = store_for(settings)
    real = BlobStore.put
    calls = {"n": 0}

    def fail_second(self: BlobStore, data: bytes, sha256: str | None = None) -> str:
        calls["n"] += 1
        if calls["n"] == 2:  # the disk fills up while the batch's raw bytes are written
            raise OSError(28, "No space left on device")
        return real(self, data, sha256)

    monkeypatch.setattr(BlobStore, "put", fail_second)
    with pytest.raises(OSError, match="No space"):
        ImapSource(store, settings).run_once()
    monkeypatch.undo()
    assert stats(store)["messages"] == 0
    assert all(FLAG not in f for f in server_flags(dovecot, user).values())
    report = ImapSource(store, settings).run_once().to_json()
    assert report["imported"] == 2 and stats(store)["messages"] == 2


def test_a_missing_mailbox_is_reported_and_the_others_are_read(
    dovecot: DovecotServer, account: tuple[str, str], home: Path, store_for: Any
) -> None:
    dovecot.append(account[0], make_mail())
    settings = imap_settings(home, dovecot, account, mailboxes=["INBOX", "No/Such/Folder"])
    report = ImapSource(store_for(settings), settings).run_once()
    assert report.mailboxes["INBOX"].imported == 1
    assert report.errors and "No/Such/Folder" in report.errors[0]


def test_real_spam_corpus_sample_round_trips_through_imap(
    dovecot: DovecotServer, account: tuple[str, str], home: Path, store_for: Any, shared_data: Path
) -> None:
    samples = sorted(p for p in (shared_data / "spamassassin" / "samples").rglob("*") if p.is_file())[:15]
    if not samples:
        pytest.skip("no spamassassin samples")
    for path in samples:
        dovecot.append(account[0], path.read_bytes())
    settings = imap_settings(home, dovecot, account)
    store = store_for(settings)
    report = ImapSource(store, settings).run_once().to_json()
    assert report["imported"] + report["duplicates"] + report["quarantined"] == len(samples)
    assert stats(store)["messages"] == report["imported"] + report["quarantined"]


# ---------------------------------------------------------------------------- the command


def cli_env(dovecot: DovecotServer, account: tuple[str, str], **extra: str) -> dict[str, str]:
    env = {
        "EXECDESK_IMAP__HOST": dovecot.host,
        "EXECDESK_IMAP__PORT": str(dovecot.port),
        "EXECDESK_IMAP__SECURITY": "none",
        "EXECDESK_IMAP__USERNAME": account[0],
        "EXECDESK_IMAP__PASSWORD": account[1],
    }
    env.update(extra)
    return env


def test_cli_fetch_json_summary(dovecot: DovecotServer, account: tuple[str, str], home: Path) -> None:
    dovecot.append(account[0], make_mail())
    result = CliRunner().invoke(app, ["--home", str(home), "fetch", "--json"], env=cli_env(dovecot, account))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["imported"], data["duplicates"], data["quarantined"]) == (1, 0, 0)
    assert data["mailboxes"]["INBOX"]["flagged"] == 1


def test_cli_password_file_is_read(dovecot: DovecotServer, account: tuple[str, str], home: Path) -> None:
    secret = home / "imap-password"
    secret.write_text(account[1] + "\n")
    secret.chmod(0o600)  # a group- or world-readable secret file is refused
    env = cli_env(dovecot, account, EXECDESK_IMAP__PASSWORD_FILE=str(secret))
    del env["EXECDESK_IMAP__PASSWORD"]
    result = CliRunner().invoke(app, ["--home", str(home), "fetch"], env=env)
    assert result.exit_code == 0, result.output
    assert "imported 0" in result.stdout


def test_cli_wrong_password_is_one_line_exit_1_and_never_shows_the_password(
    dovecot: DovecotServer, account: tuple[str, str], home: Path
) -> None:
    wrong = "Sw0rdfish-not-the-password"
    env = cli_env(dovecot, account, EXECDESK_IMAP__PASSWORD=wrong)
    result = CliRunner().invoke(app, ["--home", str(home), "fetch"], env=env)
    assert result.exit_code == 1
    assert "login" in result.stderr.lower() and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert wrong not in result.output and account[1] not in result.output


def test_cli_connection_refused_is_one_line_exit_1(home: Path) -> None:
    from tests.services import free_port

    env = {
        "EXECDESK_IMAP__HOST": "127.0.0.1",
        "EXECDESK_IMAP__PORT": str(free_port()),
        "EXECDESK_IMAP__SECURITY": "none",
        "EXECDESK_IMAP__USERNAME": "someone",
        "EXECDESK_IMAP__PASSWORD": "pw",
    }
    result = CliRunner().invoke(app, ["--home", str(home), "fetch"], env=env)
    assert result.exit_code == 1
    assert "cannot connect" in result.stderr and "Traceback" not in result.output


def test_unconfigured_imap_is_refused_before_the_network(home: Path) -> None:
    with pytest.raises(ImapError, match=r"imap\.host"):
        ImapSource(Store.open(load_settings(home)), load_settings(home)).run_once()


def test_watch_uses_idle_picks_up_new_mail_and_stops_cleanly_on_sigterm(
    dovecot: DovecotServer, account: tuple[str, str], home: Path
) -> None:
    """A real `execdesk fetch --watch` process: mail appended while it waits in IDLE is stored;
    SIGTERM ends it with exit code 0."""
    env = {**os.environ, **cli_env(dovecot, account, EXECDESK_IMAP__POLL_SECONDS="600")}
    env.pop("EXECDESK_DATABASE_URL", None)
    store = Store.open(load_settings(home))  # migrate before the child starts
    dovecot.append(account[0], make_mail(subject="Waiting before the desk started"))
    cmd = [
        sys.executable,
        "-c",
        "from execdesk.cli.main import app; app()",
        "--home",
        str(home),
        "fetch",
        "--watch",
    ]
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def wait_for_messages(n: int) -> None:
        deadline = time.monotonic() + 60
        while stats(store)["messages"] < n and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        assert stats(store)["messages"] == n

    try:
        wait_for_messages(1)  # the first pass
        # poll_seconds is 600: the second message can only arrive through IDLE.
        dovecot.append(account[0], make_mail(subject="Sent while the desk was waiting"))
        wait_for_messages(2)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
    finally:
        store.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------- TLS


@pytest.fixture
def trusted_cert(dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Trust the test server's self-signed certificate (OpenSSL reads SSL_CERT_FILE per context)."""
    if dovecot.cert is None or dovecot.tls_port is None:
        pytest.skip("no openssl to make a test certificate")
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))
    return dovecot.cert


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_certificate_verification(
    dovecot: DovecotServer,
    account: tuple[str, str],
    home: Path,
    store_for: Any,
    trusted_cert: Path,
    security: str,
) -> None:
    dovecot.append(account[0], make_mail())
    port = dovecot.tls_port if security == "ssl" else dovecot.port
    settings = imap_settings(home, dovecot, account, security=security, port=port)
    report = ImapSource(store_for(settings), settings).run_once().to_json()
    assert report["imported"] == 1


def test_untrusted_certificate_is_refused_unless_verification_is_off(
    dovecot: DovecotServer, account: tuple[str, str], home: Path, store_for: Any
) -> None:
    if dovecot.tls_port is None:
        pytest.skip("no openssl to make a test certificate")
    dovecot.append(account[0], make_mail())
    settings = imap_settings(home, dovecot, account, security="ssl", port=dovecot.tls_port)
    with pytest.raises(ImapError, match="certificate verify failed"):
        ImapSource(store_for(settings), settings).run_once()
    lax = imap_settings(home, dovecot, account, security="ssl", port=dovecot.tls_port, verify_tls=False)
    assert ImapSource(store_for(lax), lax).run_once().to_json()["imported"] == 1
    prod = load_settings(
        home,
        environment="production",
        imap={**lax.imap.model_dump(), "host": "imap.example.com", "password": account[1]},
    )
    with pytest.raises(ImapError, match="refusing"):
        ImapSource(store_for(lax), prod).run_once()


def test_cli_our_own_failure_is_exit_2_and_nothing_is_flagged(
    dovecot: DovecotServer, account: tuple[str, str], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.append(account[0], make_mail())

    def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(BlobStore, "put", disk_full)
    result = CliRunner().invoke(app, ["--home", str(home), "fetch"], env=cli_env(dovecot, account))
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr and "Traceback" not in result.output
    assert all(FLAG not in f for f in server_flags(dovecot, account[0]).values())
