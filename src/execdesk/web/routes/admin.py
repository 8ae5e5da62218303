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


@router.get("/admin/erasure")
def erasure_page(request: Request, user: Admin) -> Response:
    return render(
        request, "admin_erasure.html", {"plan": None, "done": None, "error": None, "address": "", "reason": ""}
    )


@router.post("/admin/erasure")
def erasure(
    request: Request,
    store: StoreDep,
    user: Admin,
    address: Annotated[str, Form(max_length=320)],
    reason: Annotated[str, Form(max_length=2000)],
    confirm: Annotated[bool, Form()] = False,
) -> Response:
    """An erasure request (issue 9): first a dry run showing what would go, then the erasure itself,
    through the same core as ``execdesk forget`` (refused under a legal hold; leaves a hashed tombstone)."""
    from execdesk.ops.erasure import ErasureRefused, forget

    context: dict[str, object] = {"plan": None, "done": None, "error": None, "address": address, "reason": reason}
    if not reason.strip():
        context["error"] = "an erasure needs a written reason (it goes into the audit tombstone)"
        return render(request, "admin_erasure.html", context, status_code=400)
    try:
        result = forget(store, address, by=user.name, reason=reason, dry_run=not confirm)
    except ErasureRefused as exc:
        context["error"] = str(exc)
        return render(request, "admin_erasure.html", context, status_code=409)
    context["done" if confirm else "plan"] = result
    return render(request, "admin_erasure.html", context)
