"""Full-text search over the API (the same core as the search page and ``execdesk search``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel

from execdesk.search.query import MAX_LIMIT, search
from execdesk.web.accounts import Principal
from execdesk.web.api import api_router
from execdesk.web.api.schemas import Text
from execdesk.web.auth import READERS, StoreDep, require_role

router = api_router("search")


class SearchHit(BaseModel):
    message_pk: int
    case: str
    subject: str
    sender: str
    sender_name: str | None = None
    direction: str
    date: str | None = None
    snippet: str
    highlights: list[list[int]]


class SearchResults(BaseModel):
    query: str
    results: list[SearchHit]
    more: bool
    offset: int


@router.get(
    "/search",
    response_model=SearchResults,
    summary="Messages matching words (newest first), each with its case and a passage with the matched spans",
)
def search_messages(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*READERS))],
    q: Annotated[Text, Query(max_length=500, description='Words; "a phrase", a OR b, -word, ED-000042.')],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    with store.engine.connect() as conn:
        return search(conn, q, limit=limit, offset=offset).to_dict()
