"""``execdesk doctor``: checks an installation and says what to fix, with secrets redacted.

Each check returns a :class:`Check` with a status (ok, warn, fail, skip), what it found and,
when not ok, the fix. Connectivity checks only connect and log in; they read no mail and send
none. Nothing a check prints contains a password or token (``redact_secrets``).
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import shutil
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from execdesk.ops.secrets import REDACTED, SecretFileError, read_secret_file
from execdesk.settings import Settings


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str
    fix: str = ""


def _secrets(settings: Settings) -> list[str]:
    values = []
    for secret in (
        settings.imap.password,
        settings.reply.smtp_password,
        settings.web.secret_key,
        settings.ops.metrics_token,
    ):
        if secret is not None and secret.get_secret_value():
            values.append(secret.get_secret_value())
    for path in (settings.imap.password_file, settings.reply.smtp_password_file):
        if path is not None:
            with contextlib.suppress(OSError, IndexError):
                values.append(path.expanduser().read_text().splitlines()[0])
    return [v for v in values if len(v) >= 3]


def redact_secrets(text: str, secrets: list[str]) -> str:
    for s in secrets:
        text = text.replace(s, REDACTED)
    return text


def check_config(settings: Settings) -> Check:
    problems = []
    if settings.environment == "production" and settings.database_url is None:
        problems.append("production on SQLite: fine for one machine; set database_url for PostgreSQL")
    if settings.imap.password is not None:
        problems.append("imap.password is set in the config or environment; prefer imap.password_file (chmod 600)")
    if settings.reply.smtp_password is not None:
        problems.append("reply.smtp_password is set directly; prefer reply.smtp_password_file (chmod 600)")
    for what, path in (
        ("imap.password_file", settings.imap.password_file),
        ("reply.smtp_password_file", settings.reply.smtp_password_file),
    ):
        if path is not None:
            try:
                read_secret_file(path, what)
            except SecretFileError as exc:
                return Check("configuration", "fail", str(exc), f"fix the file: chmod 600 {path}")
    if problems:
        return Check("configuration", "warn", "; ".join(problems), "move secrets into files readable only by the desk")
    return Check("configuration", "ok", f"home {settings.home}, environment {settings.environment}")


def check_database(settings: Settings) -> Check:
    from sqlalchemy.engine import make_url

    from execdesk.store.db import Store

    shown = make_url(settings.db_url).render_as_string(hide_password=True)
    try:
        store = Store.open(settings, migrate=False)
        try:
            pending = store.pending_migrations()
            current = store.current_revision()
        finally:
            store.close()
    except Exception as exc:
        return Check("database", "fail", f"{shown}: {type(exc).__name__}: {exc}", "check database_url and that it runs")
    if pending:
        return Check("database", "warn", f"{shown} at {current}; pending {', '.join(pending)}", "run: execdesk init")
    return Check("database", "ok", f"{shown} at revision {current}")


def check_disk(settings: Settings) -> Check:
    path = settings.home if settings.home.exists() else settings.home.parent
    free_mb = shutil.disk_usage(path).free // (1024 * 1024)
    if free_mb < settings.ops.min_free_disk_mb:
        return Check("disk", "warn", f"{free_mb} MiB free at {path}", "free space or move the home to a larger disk")
    return Check("disk", "ok", f"{free_mb} MiB free at {path}")


def check_blobs(settings: Settings) -> Check:
    """Read a random sample of blobs back and compare each with its SHA-256."""
    from execdesk.store.blobs import BlobStore

    if not (settings.blobs_path / "index.sqlite3").exists():
        return Check("blob store", "skip", "no blob store yet")
    blobs = BlobStore(settings.blobs_path, fsync=False)
    try:
        shas = [r[0] for r in blobs._db.execute("select sha256 from blobs")]
        sample = random.sample(shas, min(len(shas), settings.ops.blob_sample))
        bad = [s for s in sample if hashlib.sha256(blobs.get(s)).hexdigest() != s]
    except Exception as exc:
        return Check("blob store", "fail", f"{type(exc).__name__}: {exc}", "restore the blob store from a backup")
    finally:
        blobs.close()
    if bad:
        return Check(
            "blob store", "fail", f"{len(bad)} of {len(sample)} sampled blobs do not match", "restore from a backup"
        )
    return Check("blob store", "ok", f"{len(sample)} of {len(shas)} blobs read back intact")


def check_imap(settings: Settings) -> Check:
    cfg = settings.imap
    if not cfg.host:
        return Check("imap", "skip", "no IMAP account configured")
    from execdesk.ingest.imap import ImapError, read_password

    try:
        import imapclient

        password = read_password(cfg)
        port = cfg.port or (993 if cfg.security == "ssl" else 143)
        context = ssl.create_default_context()
        if not cfg.verify_tls:
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        client = imapclient.IMAPClient(
            cfg.host, port=port, ssl=cfg.security == "ssl", ssl_context=context, timeout=settings.ops.check_timeout_s
        )
        try:
            if cfg.security == "starttls":
                client.starttls(context)
            client.login(cfg.username or "", password)
            missing = [m for m in cfg.mailboxes if not client.folder_exists(m)]
        finally:
            with contextlib.suppress(Exception):
                client.logout()
    except (ImapError, OSError, Exception) as exc:
        return Check("imap", "fail", f"{cfg.host}: {type(exc).__name__}: {exc}", "check imap.host, port, login")
    if missing:
        return Check("imap", "fail", f"mailboxes not found: {', '.join(missing)}", "fix imap.mailboxes")
    return Check("imap", "ok", f"logged in to {cfg.host}; mailboxes {', '.join(cfg.mailboxes)} exist")


def check_smtp(settings: Settings) -> Check:
    r = settings.reply
    if not r.smtp_host:
        return Check("smtp", "skip", "no SMTP server configured for replies")
    port = r.smtp_port or {"ssl": 465, "starttls": 587, "none": 25}[r.smtp_security]
    try:
        from execdesk.reply.send import _password

        context = ssl.create_default_context()
        if not r.verify_tls:
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        timeout = settings.ops.check_timeout_s
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(r.smtp_host, port, timeout=timeout, context=context)
            if r.smtp_security == "ssl"
            else smtplib.SMTP(r.smtp_host, port, timeout=timeout)
        )
        with client:
            client.ehlo()
            if r.smtp_security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if r.smtp_username:
                client.login(r.smtp_username, _password(settings) or "")
    except (TimeoutError, smtplib.SMTPException, OSError, ValueError) as exc:
        return Check(
            "smtp", "fail", f"{r.smtp_host}:{port}: {type(exc).__name__}: {exc}", "check reply.smtp_* settings"
        )
    return Check(
        "smtp", "ok", f"{r.smtp_host}:{port} answered" + (" and accepted the login" if r.smtp_username else "")
    )


CHECKS: list[Callable[[Settings], Check]] = [
    check_config,
    check_database,
    check_disk,
    check_blobs,
    check_imap,
    check_smtp,
]


def run(settings: Settings) -> dict[str, Any]:
    """Every check, secrets redacted; ``ok`` is false when any check failed."""
    secrets = _secrets(settings)
    results = []
    for check in CHECKS:
        try:
            c = check(settings)
        except Exception as exc:  # a check must never stop the others
            c = Check(check.__name__.removeprefix("check_"), "fail", f"{type(exc).__name__}: {exc}", "see the error")
        results.append({k: redact_secrets(str(v), secrets) for k, v in asdict(c).items()})
    return {"ok": all(r["status"] != "fail" for r in results), "checks": results}
