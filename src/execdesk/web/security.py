"""Security plumbing of the web desk: the secret key, CSRF tokens, response headers, the client
address and cookie flags. Pure helpers and one ASGI middleware; no routes here."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import time
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from execdesk.ops.secrets import SecretFileError, read_secret_file
from execdesk.settings import Settings

MIN_SECRET_CHARS = 32
#: Secrets that appear in docs and examples; never acceptable in production.
KNOWN_DEFAULTS = frozenset({"changeme", "change-me", "secret", "development", "dev-secret-key", "execdesk"})
SECRET_FILE_NAME = "web-secret"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; connect-src 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class WebConfigError(RuntimeError):
    """The web settings are not safe to serve with (production refuses to start)."""


def _read_secret_file(path: Path, *, check_mode: bool) -> str:
    try:
        return read_secret_file(path, "web.secret_key_file", check_mode=check_mode).strip()
    except SecretFileError as exc:
        raise WebConfigError(str(exc)) from None


def load_secret(settings: Settings) -> bytes:
    """The key that signs CSRF tokens. Production needs a real one; development makes and keeps one.

    Development without a configured key uses ``<home>/web-secret`` (created with mode 0600), so
    that several processes on one home agree and a restart does not void every open form.
    """
    web = settings.web
    production = settings.environment == "production"
    secret = ""
    if web.secret_key is not None:
        secret = web.secret_key.get_secret_value().strip()
    elif web.secret_key_file is not None:
        secret = _read_secret_file(web.secret_key_file, check_mode=True)
    elif production:
        raise WebConfigError(
            "environment is production and no web secret is set: set EXECDESK_WEB__SECRET_KEY or "
            "web.secret_key_file (at least 32 random characters, e.g. from `openssl rand -hex 32`)"
        )
    else:
        path = settings.home / SECRET_FILE_NAME
        if not path.exists():
            settings.home.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        secret = _read_secret_file(path, check_mode=False)
    if production and (len(secret) < MIN_SECRET_CHARS or secret.lower() in KNOWN_DEFAULTS):
        raise WebConfigError(
            f"environment is production and the web secret is a default or shorter than {MIN_SECRET_CHARS} characters"
        )
    if not secret:
        raise WebConfigError("the web secret is empty")
    return secret.encode()


def sign(secret: bytes, purpose: str, value: str) -> str:
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def csrf_for_session(secret: bytes, session_hash: str) -> str:
    """The CSRF token of a session: bound to it, so a token from another session is worthless."""
    return sign(secret, "csrf", session_hash)


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")


def client_ip(request: Request, *, trust_proxy: bool) -> str:
    if trust_proxy:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.client.host if request.client else "unknown"


def is_loopback(host: str) -> bool:
    if host in ("localhost", "testserver"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cookie_secure(request: Request, settings: Settings) -> bool:
    """Secure cookies unless configured off or served over plain http on loopback (development)."""
    mode = settings.web.secure_cookies
    if mode != "auto":
        return mode == "always"
    return not (request.url.scheme == "http" and is_loopback(request.url.hostname or ""))


class SecurityHeadersMiddleware:
    """Adds the security headers and a Server-Timing figure to every response.

    Pages are ``no-store`` (they show personal data); static files may be cached.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
                if not static:
                    headers.setdefault("cache-control", "no-store")
                headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
            await send(message)

        await self.app(scope, receive, send_with_headers)
