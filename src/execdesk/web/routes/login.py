"""Sign in and out. The sign-in form has its own CSRF token (there is no session yet), and
failures are counted in the database per account and per client address."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from execdesk.web import accounts
from execdesk.web.accounts import Principal
from execdesk.web.app import render
from execdesk.web.auth import SESSION_COOKIE, StoreDep, any_user, current_principal
from execdesk.web.errors import DeskError
from execdesk.web.security import client_ip, cookie_secure, csrf_matches, sign

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "execdesk_login"


def _safe_next(target: str | None, principal: Principal | None = None) -> str:
    """Only a path on this site; never another host (``//evil``) or a scheme."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/admin/users" if principal is not None and principal.role == "admin" else "/queue"


@router.get("/")
async def home(request: Request) -> Response:
    principal = await current_principal(request)
    return RedirectResponse("/queue" if principal is None else _safe_next(None, principal), status_code=303)


@router.get("/login")
async def login_form(request: Request, next: str = "/queue") -> Response:
    if await current_principal(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, next=_safe_next(next))


def _login_page(request: Request, *, next: str, error: str = "", status: int = 200) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"next": next, "error": error, "login_token": sign(request.app.state.secret, "login", nonce)},
        status_code=status,
    )
    settings = request.app.state.settings
    response.set_cookie(
        LOGIN_COOKIE, nonce, httponly=True, samesite="lax", secure=cookie_secure(request, settings), path="/login"
    )
    return response


@router.post("/login")
def login(
    request: Request,
    store: StoreDep,
    username: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not csrf_matches(sign(request.app.state.secret, "login", nonce), csrf_token):
        raise DeskError(403, "csrf", "the sign-in form has expired; reload the page and try again")
    web = store.settings.web
    ip = client_ip(request, trust_proxy=web.trust_proxy_headers)
    username = username.strip()
    with store.transaction() as conn:
        refused = accounts.login_refused(
            conn,
            name=username,
            ip=ip,
            max_account=web.login_max_failures_per_account,
            max_ip=web.login_max_failures_per_ip,
            window=timedelta(minutes=web.login_window_minutes),
        )
        if refused:
            accounts.record_login(conn, name=username, ip=ip, success=False)
    if refused:
        return _login_page(
            request,
            next=_safe_next(next),
            error=f"Too many failed sign-ins. Wait {web.login_window_minutes:g} minutes and try again.",
            status=429,
        )
    principal = None
    with store.transaction() as conn:
        principal = accounts.authenticate(conn, username, password)
        accounts.record_login(conn, name=username, ip=ip, success=principal is not None)
        token = None
        if principal is not None:
            accounts.purge_expired(conn)  # housekeeping rides on sign-ins: no scheduler needed
            token = accounts.open_session(conn, principal, ip=ip, lifetime=timedelta(hours=web.session_hours))
    if principal is None or token is None:
        return _login_page(request, next=_safe_next(next), error="Wrong name or password.", status=401)
    response = RedirectResponse(_safe_next(next, principal), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, store.settings),
        max_age=int(web.session_hours * 3600),
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, user: Annotated[Principal, Depends(any_user())]) -> Response:
    store = request.app.state.store
    if user.session_hash is not None:

        def close() -> None:
            with store.transaction() as conn:
                accounts.close_session(conn, user.session_hash or "", actor=user.name)

        await run_in_threadpool(close)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
