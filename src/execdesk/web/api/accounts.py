"""Who am I; users and tokens (admins see all, others only their own tokens)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from execdesk.web import accounts
from execdesk.web.accounts import Principal
from execdesk.web.api import api_router
from execdesk.web.api.schemas import Me, TokenOut, UserOut
from execdesk.web.auth import ADMINS, StoreDep, any_user, require_role

router = api_router("accounts")
Anyone = Annotated[Principal, Depends(any_user())]


@router.get("/me", response_model=Me, summary="The caller's name and role")
def me(user: Anyone) -> dict[str, Any]:
    return user.to_dict()


@router.get("/users", response_model=list[UserOut], summary="All users (admin)")
def users(store: StoreDep, user: Annotated[Principal, Depends(require_role(*ADMINS))]) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return accounts.list_users(conn)


@router.get("/tokens", response_model=list[TokenOut], summary="API tokens: your own; an admin sees everyone's")
def tokens(store: StoreDep, user: Anyone) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return accounts.list_tokens(conn, user_id=None if user.role == "admin" else user.id)
