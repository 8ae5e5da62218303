"""The desk's own safety: sign-in, sessions, CSRF on every state change, roles on every route,
API tokens, the login rate limit, response headers, and production's refusal of weak secrets."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from execdesk.cases.refs import case_ref
from execdesk.settings import load_settings
from execdesk.store.models import ApiToken, AuditEvent, Case, table_of
from execdesk.web import accounts
from execdesk.web.app import create_app
from execdesk.web.security import WebConfigError
from tests.web.conftest import PASSWORD, Desk, csrf_of, login, login_token

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _state_changing_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every (method, path) that may change state, including the routes of included routers."""
    found = []

    def walk(routes, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for route in routes:
            if isinstance(route, APIRoute):
                found.extend((m, prefix + route.path) for m in sorted(route.methods & UNSAFE))
            elif hasattr(route, "original_router"):  # FastAPI keeps included routers as such
                walk(route.original_router.routes, prefix + route.include_context.prefix)

    walk(app.routes, "")
    return found


def _fill(path: str, ref: str) -> str:
    values = {"ref": ref, "message_pk": "1", "outbox_id": "1", "token_id": "1", "name": "agent", "sha256": "x"}
    values["campaign_id"] = "cmp_0"
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_every_state_change_refuses_a_session_request_without_the_csrf_token(desk: Desk) -> None:
    routes = _state_changing_routes(desk.app)
    assert len(routes) >= 20, routes  # the enumeration really sees the routes
    c = desk.client("supervisor")
    ref = case_ref(desk.case_ids()[0])
    checked = 0
    for method, path in routes:
        if path == "/login":
            continue  # it has its own pre-session token: tested below
        url = _fill(path, ref)
        for kwargs in ({"data": {"x": "1"}}, {"json": {"x": 1}}, {"headers": {"x-csrf-token": "forged"}}):
            r = c.request(method, url, **kwargs)  # type: ignore[arg-type]
            assert r.status_code == 403, (method, url, kwargs, r.status_code, r.text[:300])
            assert "csrf" in r.text, (method, url, r.text[:300])
        checked += 1
    assert checked == len(routes) - 1


def test_the_csrf_token_works_and_is_bound_to_its_session(desk: Desk) -> None:
    a, b = desk.client("agent"), desk.client("agent")
    ref = case_ref(desk.case_ids()[0])
    token_a = csrf_of(a)
    assert a.post(f"/cases/{ref}/status", data={"status": "pending", "csrf_token": token_a}).status_code == 303
    # the same user's other session cannot use a's token
    r = b.post(f"/cases/{ref}/status", data={"status": "closed", "csrf_token": token_a})
    assert r.status_code == 403 and "csrf" in r.text
    r = b.post(f"/api/v1/cases/{ref}/status", json={"status": "closed"}, headers={"x-csrf-token": csrf_of(b)})
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_login_form_needs_its_own_token(desk: Desk) -> None:
    c = desk.client()
    c.get("/login")
    r = c.post("/login", data={"username": "agent", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403
    assert "execdesk_session" not in r.headers.get("set-cookie", "")


def test_unauthenticated_pages_redirect_and_api_says_401_in_the_error_shape(desk: Desk) -> None:
    c = desk.client()
    r = c.get("/queue")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    for path in ("/api/v1/cases", "/api/v1/me", "/api/v1/users", f"/api/v1/cases/{case_ref(desk.case_ids()[0])}"):
        r = c.get(path)
        assert r.status_code == 401, path
        assert set(r.json()) == {"error"} and set(r.json()["error"]) == {"code", "message"}
        assert r.json()["error"]["code"] == "unauthenticated"
    assert c.post("/api/v1/tone-check", json={"text": "hi"}).status_code == 401
    assert c.get("/api/v1/me", headers={"authorization": "Basic YWdlbnQ6eA=="}).status_code == 401


def test_roles_are_enforced_on_pages_and_api(desk: Desk) -> None:
    ref = case_ref(desk.case_ids()[0])
    agent, executive, admin = desk.client("agent"), desk.client("executive"), desk.client("admin")
    # the agent cannot reach admin pages or the account list
    assert agent.get("/admin/users").status_code == 403
    assert agent.get("/api/v1/users").status_code == 403
    assert agent.get("/api/v1/users").json()["error"]["code"] == "forbidden"
    token = csrf_of(agent)
    r = agent.post("/admin/users", data={"name": "eve", "role": "admin", "password": "x" * 12, "csrf_token": token})
    assert r.status_code == 403
    # the executive reads cases but does not change their status
    assert executive.get(f"/cases/{ref}").status_code == 200
    r = executive.post(
        f"/api/v1/cases/{ref}/status", json={"status": "closed"}, headers={"x-csrf-token": csrf_of(executive)}
    )
    assert r.status_code == 403
    # the admin runs the installation and does not read customer mail
    assert admin.get("/admin/users").status_code == 200
    assert admin.get(f"/cases/{ref}").status_code == 403
    assert admin.get("/api/v1/cases").status_code == 403


def test_an_agent_sees_only_their_own_tokens(desk: Desk) -> None:
    with desk.store.transaction() as conn:
        mine = accounts.create_token(conn, name="agent", actor="test")
        accounts.create_token(conn, name="supervisor", actor="test")
    r = desk.client().get("/api/v1/tokens", headers={"authorization": f"Bearer {mine['token']}"})
    assert r.status_code == 200
    assert [t["user"] for t in r.json()] == ["agent"]
    admin_view = desk.client("admin").get("/api/v1/tokens").json()
    assert sorted(t["user"] for t in admin_view) == ["agent", "supervisor"]


def test_api_tokens_are_hashed_at_rest_and_revocable(desk: Desk) -> None:
    with desk.store.transaction() as conn:
        tok = accounts.create_token(conn, name="supervisor", actor="test", label="script")
    headers = {"authorization": f"Bearer {tok['token']}"}
    c = desk.client()
    assert c.get("/api/v1/me", headers=headers).json() == {"id": 2, "name": "supervisor", "role": "supervisor"}
    with desk.store.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(select(table_of(ApiToken)))]
    assert tok["token"] not in repr(stored)
    # a bearer-token call changes state without a CSRF token (no browser sends it on its own)
    ref = case_ref(desk.case_ids()[0])
    assert c.post(f"/api/v1/cases/{ref}/assign", json={"assignee": "agent"}, headers=headers).status_code == 200
    with desk.store.transaction() as conn:
        accounts.revoke_token(conn, token_id=tok["id"], actor="test")
    r = c.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_every_state_change_is_audited_with_the_signed_in_user(desk: Desk) -> None:
    c = desk.client("agent")
    case_id = desk.case_ids()[0]
    token = csrf_of(c)
    c.post(f"/cases/{case_ref(case_id)}/assign", data={"assignee": "supervisor", "csrf_token": token})
    c.post(f"/cases/{case_ref(case_id)}/notes", data={"body": "called her back", "csrf_token": token})
    c.post("/logout", data={"csrf_token": token})
    audit = table_of(AuditEvent)
    with desk.store.engine.connect() as conn:
        rows = conn.execute(select(audit.c.actor, audit.c.action).where(audit.c.actor == "agent")).all()
    actions = [r.action for r in rows]
    assert {"auth.login", "case.assigned", "case.note", "auth.logout"} <= set(actions), actions


def test_logout_ends_the_session_on_the_server(desk: Desk) -> None:
    c = desk.client("agent")
    cookie = c.cookies.get("execdesk_session")
    assert c.post("/logout", data={"csrf_token": csrf_of(c)}).status_code == 303
    replay = desk.client()
    replay.cookies.set("execdesk_session", cookie or "")
    assert replay.get("/queue").status_code == 303


def test_login_is_rate_limited_per_account_and_across_processes(desk: Desk) -> None:
    c = desk.client()
    for _ in range(desk.settings.web.login_max_failures_per_account):
        login(c, "agent", "wrong password", expect=401)
    r = login(c, "agent", PASSWORD, expect=429)  # even the right password is refused now
    assert "Too many failed sign-ins" in r.text
    other_process = create_app(desk.settings, store=desk.store)  # a second web process, same database
    from fastapi.testclient import TestClient

    login(TestClient(other_process, follow_redirects=False), "agent", PASSWORD, expect=429)
    login(desk.client(), "supervisor", PASSWORD, expect=303)  # other accounts are unaffected


def test_login_is_rate_limited_per_address(desk: Desk) -> None:
    desk.settings.web.login_max_failures_per_ip = 3
    c = desk.client()
    for i in range(3):
        login(c, f"nobody{i}", "wrong password", expect=401)
    login(c, "supervisor", PASSWORD, expect=429)


def test_login_does_not_redirect_off_site(desk: Desk) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        c = desk.client()
        r = c.post(
            "/login", data={"username": "agent", "password": PASSWORD, "csrf_token": login_token(c), "next": target}
        )
        assert r.status_code == 303 and r.headers["location"] == "/queue", target


def test_session_cookie_flags(desk: Desk) -> None:
    from fastapi.testclient import TestClient

    c = desk.client()
    cookie = login(c, "agent").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # plain http on loopback
    remote = TestClient(desk.app, base_url="https://desk.example.com", follow_redirects=False)
    cookie = login(remote, "agent").headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_security_headers_on_every_response(desk: Desk) -> None:
    c = desk.client("agent")
    for path in ("/queue", f"/cases/{case_ref(desk.case_ids()[0])}", "/login", "/api/v1/me", "/static/desk.css"):
        h = c.get(path).headers
        assert h["content-security-policy"].startswith("default-src 'self'"), path
        assert (
            "script-src 'self'" in h["content-security-policy"] and "unsafe-inline" not in h["content-security-policy"]
        )
        assert "img-src 'self' data:" in h["content-security-policy"]
        assert h["x-frame-options"] == "DENY" and h["referrer-policy"] == "same-origin"
        assert h["x-content-type-options"] == "nosniff"
    page = c.get("/queue").text
    assert (
        "<script>" not in page and " onclick=" not in page and "style=" not in page
    )  # nothing inline for CSP to block


def test_production_refuses_missing_default_or_exposed_secrets(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(WebConfigError, match="no web secret"):
        create_app(load_settings(home, environment="production"))
    monkeypatch.setenv("EXECDESK_WEB__SECRET_KEY", "changeme")
    with pytest.raises(WebConfigError, match="default or shorter"):
        create_app(load_settings(home, environment="production"))
    monkeypatch.delenv("EXECDESK_WEB__SECRET_KEY")
    secret_file = home / "secret"
    secret_file.write_text(os.urandom(32).hex() + "\n")
    secret_file.chmod(0o644)
    monkeypatch.setenv("EXECDESK_WEB__SECRET_KEY_FILE", str(secret_file))
    with pytest.raises(WebConfigError, match="readable by group or others"):
        create_app(load_settings(home, environment="production"))
    secret_file.chmod(0o600)
    app = create_app(load_settings(home, environment="production"))
    app.state.store.close()
    # development makes its own secret, private to the owner
    monkeypatch.delenv("EXECDESK_WEB__SECRET_KEY_FILE")
    dev = create_app(load_settings(home))
    dev.state.store.close()
    assert (home / "web-secret").stat().st_mode & 0o077 == 0


def test_api_errors_have_one_shape(desk: Desk) -> None:
    c = desk.client("agent")
    h = {"x-csrf-token": csrf_of(c)}
    cases = [
        (c.get("/api/v1/cases/ED-999999"), 404, "not_found"),
        (c.get("/api/v1/cases/not-a-ref"), 404, "not_found"),
        (c.get("/api/v1/nothing-here"), 404, "not_found"),
        (
            c.post(f"/api/v1/cases/{case_ref(desk.case_ids()[0])}/status", json={"status": "gone"}, headers=h),
            422,
            "invalid_request",
        ),
        (
            c.post(f"/api/v1/cases/{case_ref(desk.case_ids()[0])}/notes", json={"body": "   "}, headers=h),
            400,
            "refused",
        ),
        (c.get("/api/v1/replies/99999"), 404, "not_found"),
    ]
    for r, status, code in cases:
        assert r.status_code == status, (r.request.url, r.text)
        assert r.json() == {"error": {"code": code, "message": r.json()["error"]["message"]}}
        assert r.json()["error"]["message"]


def test_case_status_change_via_page_is_applied(desk: Desk) -> None:
    c = desk.client("agent")
    case_id = desk.case_ids()[0]
    c.post(f"/cases/{case_ref(case_id)}/status", data={"status": "resolved", "csrf_token": csrf_of(c)})
    with desk.store.engine.connect() as conn:
        assert (
            conn.execute(select(table_of(Case).c.status).where(table_of(Case).c.id == case_id)).scalar() == "resolved"
        )


def test_head_is_answered_like_get_without_a_body(desk: Desk) -> None:
    """Uptime checks send HEAD: same status and headers as GET (security headers too), no body."""
    c = desk.client()
    for path in ("/healthz", "/login", "/queue", "/static/desk.css"):
        got, head = c.get(path), c.head(path)
        assert head.status_code == got.status_code != 405, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        assert head.headers.get("content-security-policy") == got.headers.get("content-security-policy"), path
    assert c.head("/queue").headers["location"].startswith("/login?next=")
    signed_in = desk.client("agent")
    assert signed_in.head("/queue").status_code == 200 and signed_in.head("/queue").content == b""
    assert signed_in.head("/no-such-page").status_code == 404
