"""One error shape for the whole desk.

The API answers ``{"error": {"code": "...", "message": "..."}}`` with the HTTP status; pages
render ``error.html`` with the same code and message (401 on a page redirects to the sign-in).
Core errors (CaseError, ReplyError, DraftError, AccountError) are the user's mistakes: 400
with their sentence, never a traceback.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from execdesk.cases.service import CaseError
from execdesk.reply.drafting import DraftError
from execdesk.reply.outbox import ReplyError
from execdesk.web.accounts import AccountError


class DeskError(Exception):
    """An expected refusal: HTTP status, a stable code and a sentence for the user."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """The one JSON error shape of the API."""

    error: ErrorDetail


#: Responses every API route may give; listed in the OpenAPI document.
API_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The request was understood but refused (the message says why)."},
    401: {"model": ErrorBody, "description": "No valid session or API token."},
    403: {
        "model": ErrorBody,
        "description": "Signed in, but the role does not allow this (or the CSRF token is missing).",
    },
    404: {"model": ErrorBody, "description": "No such object."},
    422: {"model": ErrorBody, "description": "The request does not match the schema."},
}

_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, code: str, message: str) -> Response:
    if is_api(request):
        headers = {"www-authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)
    if status == 401 and request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "code": code, "message": message}, status_code=status
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every refusal into the one shape."""

    @app.exception_handler(DeskError)
    async def desk_error(request: Request, exc: DeskError) -> Response:
        return error_response(request, exc.status, exc.code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(request, exc.status_code, code, message)

    @app.exception_handler(CaseError)
    @app.exception_handler(ReplyError)
    @app.exception_handler(DraftError)
    @app.exception_handler(AccountError)
    async def refused(request: Request, exc: Exception) -> Response:
        return error_response(request, 400, "refused", str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid')}" if where else "the request is invalid"
        return error_response(request, 422, "invalid_request", message)
