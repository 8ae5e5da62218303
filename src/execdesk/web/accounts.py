"""Desk accounts: users with argon2 password hashes, server-side sessions, API tokens and the
login rate limit. Every function takes the caller's connection; changes are audited through
:func:`execdesk.cases.service.record_audit` in the same transaction. The CLI (``execdesk user``,
``execdesk token``) and the web app call these same functions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, insert, select, update

from execdesk.cases.service import record_audit
from execdesk.store.db import utcnow
from execdesk.store.models import ApiToken, LoginAttempt, User, WebSession, table_of

_users = table_of(User)
_sessions = table_of(WebSession)
_tokens = table_of(ApiToken)
_attempts = table_of(LoginAttempt)

ROLES = ("agent", "supervisor", "executive", "admin")
MIN_PASSWORD_CHARS = 10
TOKEN_PREFIX = "edk_"
_hasher = PasswordHasher()
#: Verified against when the account does not exist, so that timing does not reveal which names exist.
_DUMMY_HASH = _hasher.hash("execdesk-no-such-user")


class AccountError(ValueError):
    """A requested account change is not allowed; the message says why."""


@dataclass(frozen=True)
class Principal:
    """Who is making a request, and how they proved it (``session`` or ``token``)."""

    id: int
    name: str
    role: str
    via: str = "session"
    session_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role}


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 120 or any(c.isspace() or not c.isprintable() for c in name):
        raise AccountError("a user name is 1-120 printable characters without spaces")
    return name


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")


def add_user(conn: Connection, *, name: str, role: str, password: str, actor: str) -> dict[str, Any]:
    name = _check_name(name)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    _check_password(password)
    if conn.execute(select(_users.c.id).where(_users.c.name == name)).first() is not None:
        raise AccountError(f"user {name} exists already")
    now = utcnow()
    user_id = conn.execute(
        insert(_users)
        .values(
            name=name,
            role=role,
            password_hash=_hasher.hash(password),
            active=True,
            created_at=now,
            password_changed_at=now,
        )
        .returning(_users.c.id)
    ).scalar_one()
    record_audit(conn, actor=actor, action="user.added", details={"user": name, "role": role}, at=now)
    return {"id": int(user_id), "name": name, "role": role, "active": True}


def set_password(conn: Connection, *, name: str, password: str, actor: str) -> None:
    """New password; every session of the user ends (whoever held them must sign in again)."""
    _check_password(password)
    user = _user_row(conn, name)
    now = utcnow()
    conn.execute(
        update(_users)
        .where(_users.c.id == user.id)
        .values(password_hash=_hasher.hash(password), password_changed_at=now)
    )
    conn.execute(delete(_sessions).where(_sessions.c.user_id == user.id))
    record_audit(conn, actor=actor, action="user.password_changed", details={"user": name}, at=now)


def set_active(conn: Connection, *, name: str, active: bool, actor: str) -> None:
    """Disable (or re-enable) an account; disabling ends its sessions and its tokens stop working."""
    user = _user_row(conn, name)
    if bool(user.active) == active:
        return
    conn.execute(update(_users).where(_users.c.id == user.id).values(active=active))
    if not active:
        conn.execute(delete(_sessions).where(_sessions.c.user_id == user.id))
    record_audit(conn, actor=actor, action="user.enabled" if active else "user.disabled", details={"user": name})


def set_role(conn: Connection, *, name: str, role: str, actor: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    user = _user_row(conn, name)
    if user.role == role:
        return
    conn.execute(update(_users).where(_users.c.id == user.id).values(role=role))
    record_audit(conn, actor=actor, action="user.role", details={"user": name, "from": user.role, "to": role})


def _user_row(conn: Connection, name: str) -> Any:
    row = conn.execute(select(_users).where(_users.c.name == name)).first()
    if row is None:
        raise AccountError(f"no user {name}")
    return row


def list_users(conn: Connection) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "name": r.name, "role": r.role, "active": bool(r.active), "created_at": r.created_at.isoformat()}
        for r in conn.execute(select(_users).order_by(_users.c.name))
    ]


def authenticate(conn: Connection, name: str, password: str) -> Principal | None:
    """The user when the password is right and the account active; None otherwise (same cost either way)."""
    row = conn.execute(select(_users).where(_users.c.name == name)).first()
    ok: bool
    try:
        ok = _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or not row.active:
        return None
    return Principal(id=row.id, name=row.name, role=row.role)


# -- login rate limit ------------------------------------------------------------------------


def login_refused(conn: Connection, *, name: str, ip: str, max_account: int, max_ip: int, window: timedelta) -> bool:
    """True when the account or the address has too many recent failures to try again now."""
    since = utcnow() - window
    failed = (_attempts.c.success.is_(False)) & (_attempts.c.at >= since)
    per_account = conn.execute(select(func.count()).where(failed, _attempts.c.username == name)).scalar_one()
    if per_account >= max_account:
        return True
    per_ip = conn.execute(select(func.count()).where(failed, _attempts.c.ip == ip)).scalar_one()
    return bool(per_ip >= max_ip)


def record_login(conn: Connection, *, name: str, ip: str, success: bool) -> None:
    """Every attempt is kept (the rate limit's memory) and audited."""
    now = utcnow()
    conn.execute(insert(_attempts).values(at=now, username=name[:120], ip=ip[:64], success=success))
    record_audit(
        conn,
        actor=name[:120] or "?",
        action="auth.login" if success else "auth.login_failed",
        details={"ip": ip},
        at=now,
    )


# -- sessions --------------------------------------------------------------------------------


def open_session(conn: Connection, user: Principal, *, ip: str, lifetime: timedelta) -> str:
    """A new session; returns the cookie value (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    conn.execute(
        insert(_sessions).values(
            token_hash=sha256_hex(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            last_seen_at=now,
            ip=ip,
        )
    )
    return token


def session_user(conn: Connection, token: str, *, lifetime: timedelta, touch_after: timedelta) -> Principal | None:
    """The signed-in user of a session cookie, or None when unknown, expired or disabled.

    The expiry slides with use; the row is written at most once per ``touch_after`` so that
    reading pages does not turn every request into a database write.
    """
    h = sha256_hex(token)
    row = conn.execute(
        select(
            _sessions.c.expires_at, _sessions.c.last_seen_at, _users.c.id, _users.c.name, _users.c.role, _users.c.active
        )
        .select_from(_sessions.join(_users, _sessions.c.user_id == _users.c.id))
        .where(_sessions.c.token_hash == h)
    ).first()
    now = utcnow()
    if row is None or not row.active or row.expires_at <= now:
        return None
    if now - row.last_seen_at >= touch_after:
        conn.execute(
            update(_sessions).where(_sessions.c.token_hash == h).values(last_seen_at=now, expires_at=now + lifetime)
        )
    return Principal(id=row.id, name=row.name, role=row.role, via="session", session_hash=h)


def close_session(conn: Connection, token_hash: str, *, actor: str) -> None:
    """Sign out: the session row goes, so the cookie is worthless even if it was copied."""
    conn.execute(delete(_sessions).where(_sessions.c.token_hash == token_hash))
    record_audit(conn, actor=actor, action="auth.logout")


def purge_expired(conn: Connection, *, keep_attempts: timedelta = timedelta(days=30)) -> None:
    now = utcnow()
    conn.execute(delete(_sessions).where(_sessions.c.expires_at <= now))
    conn.execute(delete(_attempts).where(_attempts.c.at < now - keep_attempts))


# -- API tokens ------------------------------------------------------------------------------


def create_token(
    conn: Connection, *, name: str, actor: str, label: str = "", expires_at: datetime | None = None
) -> dict[str, Any]:
    """A new bearer token for the user; the secret is in the result once and never again."""
    user = _user_row(conn, name)
    if not user.active:
        raise AccountError(f"user {name} is disabled")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token_id = conn.execute(
        insert(_tokens)
        .values(
            user_id=user.id,
            token_hash=sha256_hex(secret),
            prefix=secret[:12],
            label=label[:120],
            created_at=now,
            expires_at=expires_at,
        )
        .returning(_tokens.c.id)
    ).scalar_one()
    record_audit(conn, actor=actor, action="token.created", details={"user": name, "token_id": int(token_id)}, at=now)
    return {"id": int(token_id), "user": name, "token": secret, "prefix": secret[:12], "label": label}


def revoke_token(conn: Connection, *, token_id: int, actor: str) -> None:
    row = conn.execute(select(_tokens).where(_tokens.c.id == token_id)).first()
    if row is None:
        raise AccountError(f"no token {token_id}")
    if row.revoked_at is not None:
        return
    conn.execute(update(_tokens).where(_tokens.c.id == token_id).values(revoked_at=utcnow()))
    record_audit(conn, actor=actor, action="token.revoked", details={"token_id": token_id})


def list_tokens(conn: Connection, *, user_id: int | None = None) -> list[dict[str, Any]]:
    q = (
        select(_tokens, _users.c.name)
        .select_from(_tokens.join(_users, _tokens.c.user_id == _users.c.id))
        .order_by(_tokens.c.id)
    )
    if user_id is not None:
        q = q.where(_tokens.c.user_id == user_id)
    return [
        {
            "id": r.id,
            "user": r.name,
            "prefix": r.prefix,
            "label": r.label,
            "created_at": r.created_at.isoformat(),
            "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
            "revoked": r.revoked_at is not None,
        }
        for r in conn.execute(q)
    ]


def token_user(conn: Connection, secret: str, *, touch_after: timedelta) -> Principal | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    h = sha256_hex(secret)
    row = conn.execute(
        select(
            _tokens.c.expires_at,
            _tokens.c.revoked_at,
            _tokens.c.last_used_at,
            _users.c.id.label("user_id"),
            _users.c.name,
            _users.c.role,
            _users.c.active,
        )
        .select_from(_tokens.join(_users, _tokens.c.user_id == _users.c.id))
        .where(_tokens.c.token_hash == h)
    ).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or not row.active:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if row.last_used_at is None or now - row.last_used_at >= touch_after:
        conn.execute(update(_tokens).where(_tokens.c.token_hash == h).values(last_used_at=now))
    return Principal(id=row.user_id, name=row.name, role=row.role, via="token")
