"""Full-text search: the search box's results with the matched words marked (execdesk.search)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from execdesk.search.query import search
from execdesk.web.accounts import Principal
from execdesk.web.app import render
from execdesk.web.auth import READERS, StoreDep, require_role

router = APIRouter(include_in_schema=False)
PAGE = 20


@router.get("/search")
def search_page(
    request: Request,
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*READERS))],
    q: Annotated[str, Query(max_length=500)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    results = None
    if q.strip():
        with store.engine.connect() as conn:
            results = search(conn, q, limit=PAGE, offset=(page - 1) * PAGE)

    def link(p: int) -> str:
        return "/search?" + urlencode({"q": q, "page": p})

    return render(request, "search.html", {"q": q, "results": results, "page": page, "link": link})
