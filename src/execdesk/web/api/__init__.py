"""The REST API under ``/api/v1``: the same core calls as the pages, JSON in and out.

Every route lists the shared error responses (``errors.API_ERROR_RESPONSES``) so the OpenAPI
document tells clients (and schemathesis) what a refusal looks like.
"""

from __future__ import annotations

from fastapi import APIRouter

from execdesk.web.errors import API_ERROR_RESPONSES

PREFIX = "/api/v1"


def api_router(tag: str) -> APIRouter:
    return APIRouter(prefix=PREFIX, tags=[tag], responses=API_ERROR_RESPONSES)
