"""Accounts for admins: list, add, disable users; list and revoke API tokens.

A stop-gap until the settings pages take users over; the same core functions serve both.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from execdesk.web import accounts
from execdesk.web.accounts import ROLES, Principal
from execdesk.web.app import render
from execdesk.web.auth import ADMINS, StoreDep, require_role

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, Depends(require_role(*ADMINS))]


@router.get("/admin/users")
def users_page(request: Request, store: StoreDep, user: Admin) -> Response:
    with store.engine.connect() as conn:
        users = accounts.list_users(conn)
        tokens = accounts.list_tokens(conn)
    return render(request, "admin_users.html", {"users": users, "tokens": tokens, "roles": ROLES})


@router.post("/admin/users")
def add_user(
    store: StoreDep,
    user: Admin,
    name: Annotated[str, Form(max_length=120)],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    with store.transaction() as conn:
        accounts.add_user(conn, name=name, role=role, password=password, actor=user.name)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}/active")
def set_active(store: StoreDep, user: Admin, name: str, active: Annotated[bool, Form()] = False) -> Response:
    with store.transaction() as conn:
        accounts.set_active(conn, name=name, active=active, actor=user.name)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(store: StoreDep, user: Admin, token_id: int) -> Response:
    with store.transaction() as conn:
        accounts.revoke_token(conn, token_id=token_id, actor=user.name)
    return RedirectResponse("/admin/users", status_code=303)
