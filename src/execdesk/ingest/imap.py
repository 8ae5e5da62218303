"""IMAP source: read an account's mailboxes into :meth:`IngestSession.process_batch`.

The promise is that a message is acknowledged on the server (flagged or moved) only after
it is durably stored, and that a crash at any point loses nothing and stores nothing twice:

1. SELECT the mailbox; its UIDVALIDITY is compared with the checkpoint ``imap:user@host:MBOX``
   (changed: start again from UID 0; deduplication makes the re-read harmless).
2. Catch up acknowledgements a crash may have left out: messages at or below the checkpoint
   are committed by construction (the checkpoint is written in the same transaction), so the
   ones still unflagged / still in the folder are flagged / moved without being read again.
3. UID SEARCH for UIDs above the checkpoint; FETCH them in batches bounded by count and
   bytes with ``BODY.PEEK[]`` (reading never sets ``\\Seen``); process each message, set the
   checkpoint to the batch's highest UID, commit; only then flag or move the batch.

No database transaction is open while we wait on the network (SQLite has one writer).
Their fault (network, TLS, login, a missing mailbox) raises :class:`ImapError` with one
redacted line; our own failures (disk, database) propagate unchanged.
"""

from __future__ import annotations

import imaplib
import ipaddress
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

from imapclient import IMAPClient

from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import SourceRef
from execdesk.settings import ImapSettings, Settings
from execdesk.store import Store
from execdesk.store.checkpoints import read_checkpoint
from execdesk.workers.intake import enqueue_messages, queue_enabled

log = logging.getLogger("execdesk.ingest.imap")

#: Bytes fetched per FETCH at most (a single larger message is fetched alone).
BATCH_BYTES = 32 * 1024 * 1024
#: RFC 2177: re-issue IDLE at least every 29 minutes.
MAX_IDLE_SECONDS = 25 * 60
CONNECT_TIMEOUT = 60.0
DELETED = "\\Deleted"


class ImapError(Exception):
    """The server side failed or refused (network, TLS, login, mailbox): one line for the user."""


@dataclass(slots=True)
class MailboxReport:
    """What one pass did to one mailbox."""

    imported: int = 0
    queued: int = 0  # handed to the task queue (queue.backend); a worker stores them
    duplicates: int = 0
    quarantined: int = 0
    flagged: int = 0
    moved: int = 0
    uidvalidity: int | None = None
    last_uid: int = 0
    uidvalidity_changed: bool = False
    error: str | None = None

    def add(self, status: str) -> None:
        if status == "imported":
            self.imported += 1
        elif status == "duplicate":
            self.duplicates += 1
        else:
            self.quarantined += 1


@dataclass(slots=True)
class FetchReport:
    """The ``--json`` summary: totals plus one entry per mailbox."""

    mailboxes: dict[str, MailboxReport] = field(default_factory=dict)

    def merge(self, other: FetchReport) -> None:
        for name, mb in other.mailboxes.items():
            mine = self.mailboxes.setdefault(name, MailboxReport())
            for attr in ("imported", "queued", "duplicates", "quarantined", "flagged", "moved"):
                setattr(mine, attr, getattr(mine, attr) + getattr(mb, attr))
            mine.uidvalidity, mine.last_uid, mine.error = mb.uidvalidity, mb.last_uid, mb.error
            mine.uidvalidity_changed |= mb.uidvalidity_changed

    @property
    def errors(self) -> list[str]:
        return [f"{name}: {mb.error}" for name, mb in self.mailboxes.items() if mb.error]

    def to_json(self) -> dict[str, Any]:
        mbs = self.mailboxes.values()
        return {
            "imported": sum(m.imported for m in mbs),
            "queued": sum(m.queued for m in mbs),
            "duplicates": sum(m.duplicates for m in mbs),
            "quarantined": sum(m.quarantined for m in mbs),
            "mailboxes": {name: asdict(mb) for name, mb in self.mailboxes.items()},
        }


# --------------------------------------------------------------------------- connecting


def read_password(cfg: ImapSettings) -> str:
    """settings.imap.password (also EXECDESK_IMAP__PASSWORD), else the first line of password_file."""
    if cfg.password is not None:
        return cfg.password.get_secret_value()
    if cfg.password_file is not None:
        from execdesk.ops.secrets import SecretFileError, read_secret_file

        try:  # refuses a file readable by group or others (docs/OPERATIONS.md, secrets)
            return read_secret_file(cfg.password_file, "imap.password_file")
        except SecretFileError as exc:
            raise ImapError(str(exc)) from None
    raise ImapError("no IMAP password: set EXECDESK_IMAP__PASSWORD or imap.password_file")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_settings(settings: Settings) -> None:
    """Refuse incomplete or unsafe IMAP settings before touching the network."""
    cfg = settings.imap
    missing = [name for name in ("host", "username") if not getattr(cfg, name)]
    if missing:
        raise ImapError("IMAP is not configured: set " + ", ".join(f"imap.{n}" for n in missing))
    if not cfg.mailboxes:
        raise ImapError("imap.mailboxes is empty")
    if cfg.after_commit == "move" and cfg.move_to in cfg.mailboxes:
        raise ImapError(f"imap.move_to ({cfg.move_to}) must not be one of imap.mailboxes")
    assert cfg.host is not None
    insecure = cfg.security == "none" or not cfg.verify_tls
    if settings.environment == "production" and insecure and not _is_loopback(cfg.host):
        raise ImapError("refusing plaintext or unverified IMAP to a remote host in production")


def _tls_context(cfg: ImapSettings) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if not cfg.verify_tls:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connect(settings: Settings) -> IMAPClient:
    """Open and log in, per settings.imap (ssl / starttls / none). Raises ImapError."""
    check_settings(settings)
    cfg = settings.imap
    assert cfg.host is not None and cfg.username is not None
    password = read_password(cfg)
    port = cfg.port or (993 if cfg.security == "ssl" else 143)
    where = f"{cfg.host}:{port}"
    with _their_fault(f"cannot connect to IMAP server {where}", password):
        client = IMAPClient(
            cfg.host,
            port=port,
            ssl=cfg.security == "ssl",
            ssl_context=_tls_context(cfg) if cfg.security == "ssl" else None,
            timeout=CONNECT_TIMEOUT,
        )
    try:
        if cfg.security == "starttls":
            with _their_fault(f"STARTTLS failed with {where}", password):
                client.starttls(_tls_context(cfg))
        with _their_fault(f"IMAP login as {cfg.username} at {where} failed", password):
            client.login(cfg.username, password)
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:  # already gone: nothing left to release
            log.debug("IMAP connection already closed")


def redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


@contextmanager
def _their_fault(what: str, password: str | None = None) -> Iterator[None]:
    """Turn the server's and the network's errors into one redacted ImapError line."""
    try:
        yield
    except ImapError:
        raise
    except (imaplib.IMAP4.error, OSError) as exc:  # IMAP4.abort/readonly subclass IMAP4.error
        detail = exc.args[0] if exc.args else type(exc).__name__
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        if isinstance(exc, OSError) and exc.strerror:
            detail = exc.strerror
        raise ImapError(redact(f"{what}: {detail}", password)) from None


# --------------------------------------------------------------------------- the source


class ImapSource:
    """Reads settings.imap's mailboxes into the store; see the module docstring for the order."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        mailboxes: Sequence[str] | None = None,
        connector: Callable[[Settings], IMAPClient] = connect,
        stop: threading.Event | None = None,
    ) -> None:
        """``stop``, when set (Ctrl-C, SIGTERM), ends the run after the batch being stored."""
        self.stop = stop or threading.Event()
        self.store = store
        self.settings = settings
        self.cfg = settings.imap
        self.mailboxes = list(mailboxes or self.cfg.mailboxes)
        self.connector = connector
        self._delimiter: str | None = None

    # -- entry points ----------------------------------------------------------
    def run_once(self) -> FetchReport:
        """Connect, read every mailbox once, log out."""
        client = self.connector(self.settings)
        try:
            return self.fetch_all(client)
        finally:
            _close(client)

    def watch(
        self,
        on_pass: Callable[[FetchReport], None] | None = None,
        on_error: Callable[[ImapError], None] | None = None,
    ) -> FetchReport:
        """Poll (or IDLE) until ``self.stop`` is set. A failure to connect at start-up raises;
        a connection lost later is retried with backoff, so a server restart is survived."""
        stop = self.stop
        total = FetchReport()
        client: IMAPClient | None = self.connector(self.settings)
        backoff = 5.0
        try:
            while not stop.is_set():
                try:
                    if client is None:
                        client = self.connector(self.settings)
                        backoff = 5.0
                    report = self.fetch_all(client)
                    total.merge(report)
                    if on_pass is not None:
                        on_pass(report)
                    self._wait(client, stop)
                except ImapError as exc:
                    if on_error is not None:
                        on_error(exc)
                    if client is not None:
                        _close(client)
                        client = None
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 300.0)
        finally:
            if client is not None:
                _close(client)
        return total

    def fetch_all(self, client: IMAPClient) -> FetchReport:
        """One pass over every mailbox; a failing mailbox is reported and the others go on."""
        report = FetchReport()
        for mailbox in self.mailboxes:
            if self.stop.is_set():
                break
            mb = report.mailboxes[mailbox] = MailboxReport()
            try:
                self.sync_mailbox(client, mailbox, mb)
            except ImapError as exc:
                mb.error = str(exc)
                log.info("IMAP mailbox %s: %s", mailbox, exc)
                if client_is_dead(client):
                    raise
        return report

    # -- one mailbox -----------------------------------------------------------
    def checkpoint_key(self, mailbox: str) -> str:
        return f"imap:{self.cfg.username}@{self.cfg.host}:{mailbox}"

    def source_ref(self, mailbox: str, uidvalidity: int, uid: int) -> SourceRef:
        """An RFC 5092 IMAP URL a person can follow back to the server's copy."""
        user = quote(self.cfg.username or "", safe="")
        return SourceRef("imap", f"imap://{user}@{self.cfg.host}/{quote(mailbox)};UIDVALIDITY={uidvalidity}/;UID={uid}")

    def sync_mailbox(self, client: IMAPClient, mailbox: str, report: MailboxReport) -> None:
        key = self.checkpoint_key(mailbox)
        with _their_fault(f"cannot select mailbox {mailbox}"):
            info = client.select_folder(mailbox)
        uidvalidity = int(info[b"UIDVALIDITY"])
        self._check_flag_allowed(info)
        report.uidvalidity = uidvalidity

        with IngestSession(self.store, self.settings) as session:
            checkpoint = session.get_checkpoint(key)
            session.commit()  # release the database while we talk to the server
            last_uid = 0
            if checkpoint is not None:
                if int(checkpoint.get("uidvalidity", -1)) == uidvalidity:
                    last_uid = int(checkpoint.get("last_uid", 0))
                else:
                    report.uidvalidity_changed = True
                    log.warning(
                        "IMAP %s: UIDVALIDITY changed %s -> %s; reading it again (duplicates are skipped)",
                        mailbox,
                        checkpoint.get("uidvalidity"),
                        uidvalidity,
                    )
            report.last_uid = last_uid

            self._catch_up(client, mailbox, last_uid, report)

            with _their_fault(f"cannot search mailbox {mailbox}"):
                found = client.search(["UID", f"{last_uid + 1}:*"])
            # "UID n:*" always matches the last message, even when its UID is below n.
            uids = sorted(u for u in found if u > last_uid)
            for batch in self._batches(client, mailbox, uids):
                if self.stop.is_set():
                    break
                with _their_fault(f"cannot fetch from mailbox {mailbox}"):
                    fetched = client.fetch(batch, ["BODY.PEEK[]"])
                items = []
                for uid in batch:
                    data = fetched.get(uid)
                    raw = data.get(b"BODY[]") if data else None
                    if raw is None:  # expunged by someone else since the SEARCH: nothing to keep
                        log.info("IMAP %s UID %s vanished before it was read", mailbox, uid)
                        continue
                    items.append((bytes(raw), self.source_ref(mailbox, uidvalidity, uid)))
                if queue_enabled(self.settings):  # durable blobs + committed task, then the checkpoint
                    report.queued += len(enqueue_messages(self.store, self.settings, items))
                else:
                    for result in session.process_batch(items):
                        report.add(result.status)
                session.set_checkpoint(key, {"uidvalidity": uidvalidity, "last_uid": batch[-1]})
                session.commit()  # durable: raw bytes fsynced and the database committed
                report.last_uid = batch[-1]
                self.acknowledge(client, mailbox, batch, report)

    def _batches(self, client: IMAPClient, mailbox: str, uids: list[int]) -> Iterator[list[int]]:
        """UIDs in ascending order, grouped by count (imap.fetch_batch) and by BATCH_BYTES."""
        step = max(1, self.cfg.fetch_batch)
        for start in range(0, len(uids), step * 10):
            chunk = uids[start : start + step * 10]
            with _their_fault(f"cannot read message sizes in mailbox {mailbox}"):
                sizes = client.fetch(chunk, ["RFC822.SIZE"])
            batch: list[int] = []
            size = 0
            for uid in chunk:
                n = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
                if batch and (len(batch) >= step or size + n > BATCH_BYTES):
                    yield batch
                    batch, size = [], 0
                batch.append(uid)
                size += n
            if batch:
                yield batch

    # -- acknowledging on the server ---------------------------------------------
    def acknowledge(self, client: IMAPClient, mailbox: str, uids: list[int], report: MailboxReport) -> None:
        """Flag or move messages that are committed (never call it before the commit)."""
        if not uids or self.cfg.after_commit == "none":
            return
        if self.cfg.after_commit == "flag":
            with _their_fault(f"cannot flag messages in {mailbox}"):
                client.add_flags(uids, [self.cfg.flag], silent=True)
            report.flagged += len(uids)
            return
        dest = self._destination(client)
        with _their_fault(f"cannot move messages from {mailbox} to {dest}"):
            if client.has_capability("MOVE"):
                client.move(uids, dest)
            else:
                client.copy(uids, dest)
                client.add_flags(uids, [DELETED], silent=True)
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge(uids)
                else:  # no UIDPLUS: a plain EXPUNGE also removes others' \Deleted messages
                    client.expunge()
        report.moved += len(uids)

    def _catch_up(self, client: IMAPClient, mailbox: str, last_uid: int, report: MailboxReport) -> None:
        """Acknowledge committed messages whose acknowledgement a crash interrupted."""
        if last_uid <= 0 or self.cfg.after_commit == "none":
            return
        criteria: list[Any] = ["UID", f"1:{last_uid}"]
        if self.cfg.after_commit == "flag":
            criteria += ["UNKEYWORD", self.cfg.flag]
        with _their_fault(f"cannot search mailbox {mailbox}"):
            pending = sorted(u for u in client.search(criteria) if u <= last_uid)
        if pending:
            log.info("IMAP %s: %d committed message(s) left unacknowledged", mailbox, len(pending))
            self.acknowledge(client, mailbox, pending, report)

    def _check_flag_allowed(self, info: dict[bytes, Any]) -> None:
        if self.cfg.after_commit != "flag":
            return
        permanent = {f.decode() if isinstance(f, bytes) else str(f) for f in info.get(b"PERMANENTFLAGS", ())}
        if permanent and "\\*" not in permanent and self.cfg.flag not in permanent:
            raise ImapError(f"server does not keep the keyword {self.cfg.flag}: use imap.after_commit = move or none")

    def _destination(self, client: IMAPClient) -> str:
        """imap.move_to with '/' as the hierarchy separator, mapped to the server's; created if absent."""
        if self._delimiter is None:
            with _their_fault("cannot list folders"):
                rows = client.list_folders("", "")
            delim = rows[0][1] if rows else None
            self._delimiter = (delim.decode() if isinstance(delim, bytes) else delim) or "/"
        dest = self.cfg.move_to.replace("/", self._delimiter)
        with _their_fault(f"cannot create folder {dest}"):
            if not client.folder_exists(dest):
                client.create_folder(dest)
                try:
                    client.subscribe_folder(dest)
                except imaplib.IMAP4.error:
                    log.info("IMAP server refused to subscribe %s (harmless)", dest)
        return dest

    # -- waiting between passes -------------------------------------------------
    def _unread_before_idle(self, mailbox: str, info: dict[bytes, object]) -> bool:
        """True when the mailbox holds UIDs above our checkpoint (SELECT's UIDNEXT says so)."""
        uidnext = _uidnext(info)
        if uidnext is None:
            return False
        with self.store.engine.connect() as conn:  # a read: never takes the write lock
            checkpoint = read_checkpoint(conn, self.checkpoint_key(mailbox)) or {}
        if checkpoint.get("uidvalidity") != info.get(b"UIDVALIDITY"):
            return True
        return uidnext > int(checkpoint.get("last_uid", 0)) + 1

    def _wait(self, client: IMAPClient, stop: threading.Event) -> None:
        """IDLE on the first mailbox when allowed and supported, else sleep poll_seconds.
        Other mailboxes are read at least every poll_seconds either way."""
        timeout = max(1.0, min(self.cfg.poll_seconds, MAX_IDLE_SECONDS))
        with _their_fault("IMAP connection lost"):
            use_idle = self.cfg.idle and client.has_capability("IDLE")
            if not use_idle:
                stop.wait(timeout)
                return
            info = client.select_folder(self.mailboxes[0], readonly=True)
            if self._unread_before_idle(self.mailboxes[0], info):
                return  # mail arrived between the last search and now: IDLE would not report it
            client.idle()
            try:
                deadline = time.monotonic() + timeout
                while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
                    responses = client.idle_check(timeout=min(1.0, left))
                    if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                        break
            finally:
                client.idle_done()


def _uidnext(info: dict[bytes, object]) -> int | None:
    value = info.get(b"UIDNEXT")
    return int(value) if isinstance(value, int | bytes | str) else None


def client_is_dead(client: IMAPClient) -> bool:
    """After an error: can this connection still be used for the next mailbox?"""
    try:
        client.noop()
    except Exception:
        return True
    return False
