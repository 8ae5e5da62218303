"""Real servers for the tests, started from the Debian binaries in throwaway directories.

Tests own their servers: nothing has to be running before ``pytest`` starts, and every
daemon is stopped by its PID when the session ends. A missing binary skips the tests
that need it on a developer machine but FAILS them when ``CI`` is set, so that CI can
never pass by silently skipping the IMAP or PostgreSQL tests.

Daemons inherit ``</dev/null`` and write to a log file, never to our stdout/stderr: a
daemon that keeps a piped stderr open makes a CI step hang (see ../shared/ENVIRONMENT.md).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DOVECOT_BINARY_NAMES = ("dovecot",)
DOVECOT_DIRS = ("/usr/sbin", "/usr/local/sbin")


class ServiceUnavailable(Exception):
    """A server binary is not installed here."""


def unavailable(reason: str) -> None:
    """Skip locally; fail under CI, where every service must really run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: services must be installed, see .ci/run)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now (the small race is acceptable in tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None, log: Path, timeout: float = 30.0) -> None:
    """Block until something accepts connections on the port, or raise with the log's tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
    raise RuntimeError(f"server did not listen on 127.0.0.1:{port}; log {log}:\n{tail}")


def stop_pid(pid: int, sig: signal.Signals = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Stop one process we started, by its PID; SIGKILL if it does not go in time."""
    with suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if _is_zombie(pid):  # exited; a PID 1 that does not reap (containers) leaves it so
            return
        with suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        time.sleep(0.05)
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"


def _world_readable_tempdir(prefix: str) -> Path:
    """A temp dir that unprivileged daemon users can traverse (pytest's tmp dirs are 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


# --------------------------------------------------------------------------- Dovecot


@dataclass
class DovecotServer:
    """A running Dovecot IMAP server on 127.0.0.1 with plaintext login (ssl = no).

    ``add_user()`` creates a fresh account (passwd-file is re-read on change), so tests
    sharing the session-wide server never see each other's mail.
    """

    root: Path
    config: Path
    port: int
    pid: int
    mail_uid: int
    mail_gid: int
    log: Path
    tls_port: int | None = None  # implicit TLS (imaps); STARTTLS is offered on ``port``
    cert: Path | None = None  # self-signed certificate for 127.0.0.1 (trust it via SSL_CERT_FILE)
    host: str = "127.0.0.1"
    users: dict[str, str] = field(default_factory=dict)

    def add_user(self, name: str | None = None, password: str | None = None) -> tuple[str, str]:
        """Create an account; returns (username, password).

        One passwd-file per user: Dovecot re-reads a changed passwd-file only when its mtime
        or size changes, which two quick additions of same-length lines can defeat.
        """
        name = name or f"u{secrets.token_hex(4)}"
        password = password or secrets.token_urlsafe(12)
        self.users[name] = password
        path = self.root / "passwd.d" / name
        path.write_text(f"{name}:{{PLAIN}}{password}\n")
        path.chmod(0o644)
        return name, password

    def maildir(self, user: str) -> Path:
        return self.root / "home" / user / "Maildir"

    def client(self, user: str):  # type: ignore[no-untyped-def]  # -> imapclient.IMAPClient
        """A logged-in IMAPClient for direct server-side checks in tests."""
        from imapclient import IMAPClient

        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        c.login(user, self.users[user])
        return c

    def append(self, user: str, raw: bytes, mailbox: str = "INBOX", flags: tuple[str, ...] = ()) -> int:
        """Deliver one message by IMAP APPEND; returns its UID (Dovecot has UIDPLUS)."""
        c = self.client(user)
        try:
            if not c.folder_exists(mailbox):
                c.create_folder(mailbox)
            resp = c.append(mailbox, raw, flags=flags)
        finally:
            c.logout()
        # b'[APPENDUID <uidvalidity> <uid>] Append completed.'
        text = resp.decode() if isinstance(resp, bytes) else str(resp)
        return int(text.split("APPENDUID", 1)[1].split("]", 1)[0].split()[1])


def _dovecot_binary() -> str:
    found = shutil.which("dovecot") or next((p for d in DOVECOT_DIRS if os.access(p := f"{d}/dovecot", os.X_OK)), None)
    if not found:
        raise ServiceUnavailable("dovecot not installed (apt-get install dovecot-imapd)")
    return found


def _mail_user() -> pwd.struct_passwd:
    """The system user that owns the test mailboxes.

    As root: ``vmail`` if it exists, else ``nobody`` (present on every Debian system;
    Dovecot refuses to run mail processes as root). Not root: the current user, and
    Dovecot runs entirely unprivileged.
    """
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    for name in ("vmail", "nobody"):
        with suppress(KeyError):
            return pwd.getpwnam(name)
    raise ServiceUnavailable("no unprivileged user (vmail or nobody) for Dovecot's mail processes")


DOVECOT_CONF = """\
# Written by tests/services.py: a throwaway Dovecot for the test session.
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = {uid}
last_valid_uid = 0
first_valid_gid = {gid}
{unprivileged}
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd.d/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"""


def _self_signed_cert(root: Path) -> Path | None:
    """cert.pem/key.pem for 127.0.0.1 with the openssl CLI (a dovecot-core dependency); None without it."""
    openssl = shutil.which("openssl")
    if not openssl:
        return None
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return cert


@contextmanager
def dovecot_server() -> Iterator[DovecotServer]:
    """Start Dovecot in the foreground (so we hold its PID) and stop it on exit."""
    binary = _dovecot_binary()
    user = _mail_user()
    root = _world_readable_tempdir("execdesk-dovecot-")
    proc: subprocess.Popen[bytes] | None = None
    try:
        for sub in ("run", "state", "home"):
            (root / sub).mkdir()
        home = root / "home"
        if os.geteuid() == 0:
            os.chown(home, user.pw_uid, user.pw_gid)
            unprivileged = ""
        else:
            # Without root every Dovecot process runs as us.
            unprivileged = f"default_login_user = {user.pw_name}\ndefault_internal_user = {user.pw_name}\n"
        port = free_port()
        cert = _self_signed_cert(root)
        tls_port = free_port() if cert else 0
        ssl = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{root / 'key.pem'}" if cert else "ssl = no"
        config = root / "dovecot.conf"
        config.write_text(
            DOVECOT_CONF.format(
                root=root,
                uid=user.pw_uid,
                gid=user.pw_gid,
                port=port,
                tls_port=tls_port,
                ssl=ssl,
                unprivileged=unprivileged,
            )
        )
        (root / "passwd.d").mkdir(mode=0o755)
        log = root / "dovecot.log"
        with (root / "dovecot.stderr").open("ab") as err:
            proc = subprocess.Popen([binary, "-F", "-c", str(config)], stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        wait_for_port(port, proc, log if log.exists() else root / "dovecot.stderr")
        yield DovecotServer(
            root=root,
            config=config,
            port=port,
            pid=proc.pid,
            mail_uid=user.pw_uid,
            mail_gid=user.pw_gid,
            log=log,
            tls_port=tls_port or None,
            cert=cert,
        )
    finally:
        if proc is not None:
            stop_pid(proc.pid)
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class PostgresServer:
    """A PostgreSQL server we may create databases on; ``url(db)`` gives a SQLAlchemy URL."""

    base_url: str  # postgresql+psycopg://user@host:port/ (no database)
    admin_db: str = "postgres"
    pid: int | None = None  # set when we started it ourselves

    def url(self, database: str) -> str:
        return f"{self.base_url.rstrip('/')}/{database}"

    def _admin(self):  # type: ignore[no-untyped-def]  # -> psycopg.Connection
        import psycopg

        conninfo = self.url(self.admin_db).replace("postgresql+psycopg://", "postgresql://", 1)
        return psycopg.connect(conninfo, autocommit=True)

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"execdesk_{prefix}_{secrets.token_hex(5)}".lower()
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise ServiceUnavailable(f"{name} not installed (apt-get install postgresql)")
    return found


def _from_env_url(url: str) -> PostgresServer:
    """EXECDESK_TEST_POSTGRES_URL names an existing server (any database on it)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    base, _, db = url.rpartition("/")
    return PostgresServer(base_url=base + "/", admin_db=db or "postgres")


@contextmanager
def postgres_server(options: dict[str, str] | None = None) -> Iterator[PostgresServer]:
    """Use EXECDESK_TEST_POSTGRES_URL when set; otherwise initdb and start a throwaway cluster.

    ``options`` are extra server settings for the throwaway cluster (benchmarks: e.g.
    ``track_commit_timestamp``); they are ignored for a server named by the environment.
    """
    env_url = os.environ.get("EXECDESK_TEST_POSTGRES_URL")
    if env_url:
        yield _from_env_url(env_url)
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    # initdb refuses to run as root: run the cluster as `postgres` then.
    run_as: str | None = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ServiceUnavailable("running as root and no `postgres` user to own the cluster") from exc
        run_as = "postgres"
    owner = pwd.getpwnam(run_as) if run_as else pwd.getpwuid(os.geteuid())
    root = _world_readable_tempdir("execdesk-pg-")
    data, sock, log = root / "data", root / "sock", root / "postgres.log"
    pid: int | None = None
    try:
        for d in (data, sock):
            d.mkdir()
            os.chown(d, owner.pw_uid, owner.pw_gid)
        log.touch()
        os.chown(log, owner.pw_uid, owner.pw_gid)
        port = free_port()
        try:
            with log.open("ab") as out:
                common = {
                    "stdin": subprocess.DEVNULL,
                    "stdout": out,
                    "stderr": out,
                    "user": run_as,
                    "cwd": root,
                }
                subprocess.run(
                    [initdb, "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
                    check=True,
                    **common,  # type: ignore[arg-type]
                )
                opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off -c full_page_writes=off"
                opts += "".join(f" -c {k}={v}" for k, v in (options or {}).items())
                subprocess.run(
                    [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", opts, "start"],
                    check=True,
                    **common,  # type: ignore[arg-type]
                )
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"PostgreSQL did not start ({exc}); log {log}:\n{log.read_text()[-3000:]}") from exc
        pid = int((data / "postmaster.pid").read_text().split()[0])
        yield PostgresServer(base_url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/", pid=pid)
    finally:
        if pid is not None:
            stop_pid(pid, signal.SIGINT)  # "fast" shutdown
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------- Redis


@dataclass
class RedisServer:
    """A throwaway Redis on 127.0.0.1 (no persistence: tests and benchmarks only)."""

    port: int
    pid: int | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """EXECDESK_TEST_REDIS_URL when set; otherwise start ``redis-server`` on a free port."""
    env_url = os.environ.get("EXECDESK_TEST_REDIS_URL")
    if env_url:
        yield RedisServer(port=int(env_url.rsplit(":", 1)[1].split("/")[0]))
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceUnavailable("redis-server not installed (apt-get install redis-server)")
    root = Path(tempfile.mkdtemp(prefix="execdesk-redis-"))
    log = root / "redis.log"
    port = free_port()
    proc: subprocess.Popen[bytes] | None = None
    try:
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "."],
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        wait_for_port(port, proc, log)
        yield RedisServer(port=port, pid=proc.pid)
    finally:
        if proc is not None:
            stop_pid(proc.pid)
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)
