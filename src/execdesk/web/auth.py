"""Who is asking, and may they: request dependencies for pages and API routes.

A request proves who it is with a session cookie (browsers) or ``Authorization: Bearer <token>``
(scripts). A state-changing request that rides on the session cookie must carry the session's
CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``); a bearer token is never sent
by a browser on its own, so it needs none. Routes declare their roles with :func:`require_role`::

    @router.post("/cases/{ref}/notes")
    def add_note(user: Annotated[Principal, Depends(require_role(*STAFF))], ...): ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from execdesk.store import Store
from execdesk.web import accounts
from execdesk.web.accounts import ROLES, Principal
from execdesk.web.errors import DeskError
from execdesk.web.security import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, csrf_for_session, csrf_matches

SESSION_COOKIE = "execdesk_session"
#: Roles that read and work the queue; ``admin`` runs the installation and does not read customer mail.
STAFF = ("agent", "supervisor")
READERS = ("agent", "supervisor", "executive")
REPLIERS = ("agent", "supervisor", "executive")
APPROVERS = ("supervisor",)
#: Who edits settings: supervisors (they run the desk's work) and admins (they run the installation).
EDITORS = ("supervisor", "admin")
ADMINS = ("admin",)
#: A session or token is written back (expiry slid, last use noted) at most this often.
TOUCH_AFTER = timedelta(minutes=5)


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def _lookup(store: Store, *, bearer: str | None, cookie: str | None, lifetime: timedelta) -> Principal | None:
    with store.transaction() as conn:
        if bearer is not None:
            return accounts.token_user(conn, bearer, touch_after=TOUCH_AFTER)
        if cookie:
            return accounts.session_user(conn, cookie, lifetime=lifetime, touch_after=TOUCH_AFTER)
    return None


async def current_principal(request: Request) -> Principal | None:
    """The caller, or None. Refuses (403 ``csrf``) a cookie-borne state change without its token."""
    if "principal" in request.state._state:
        return request.state.principal
    auth = request.headers.get("authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    if auth and bearer is None:
        raise DeskError(401, "unauthenticated", "only Bearer tokens are accepted in the Authorization header")
    cookie = None if bearer is not None else request.cookies.get(SESSION_COOKIE)
    store = get_store(request)
    lifetime = timedelta(hours=store.settings.web.session_hours)
    principal = await run_in_threadpool(_lookup, store, bearer=bearer, cookie=cookie, lifetime=lifetime)
    if bearer is not None and principal is None:
        raise DeskError(401, "unauthenticated", "the API token is unknown, expired or revoked")
    if principal is not None and principal.via == "session" and request.method not in SAFE_METHODS:
        await _verify_csrf(request, principal)
    request.state.principal = principal
    return principal


async def _verify_csrf(request: Request, principal: Principal) -> None:
    assert principal.session_hash is not None
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not csrf_matches(csrf_for_session(request.app.state.secret, principal.session_hash), given):
        raise DeskError(403, "csrf", "the form is missing its security token or it has expired; reload the page")


def csrf_token(request: Request) -> str:
    """The CSRF token for the signed-in session (templates put it in every form)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or principal.session_hash is None:
        return ""
    return csrf_for_session(request.app.state.secret, principal.session_hash)


def require_role(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the caller, who must be signed in (401) and hold one of ``roles`` (403)."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise ValueError(f"unknown roles {unknown}; choose from {ROLES}")

    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
        if principal is None:
            raise DeskError(401, "unauthenticated", "sign in first")
        if principal.role not in roles:
            raise DeskError(403, "forbidden", f"this needs the role {' or '.join(roles)}; you are {principal.role}")
        return principal

    dependency.__name__ = f"require_{'_or_'.join(roles)}"
    return dependency


def any_user() -> Callable[[Request], Awaitable[Principal]]:
    return require_role(*ROLES)


def describe(principal: Principal | None) -> dict[str, Any] | None:
    return principal.to_dict() if principal else None
