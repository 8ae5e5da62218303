"""HEAD answered like GET, without the body (RFC 9110 §9.3.2).

Uptime checks, load balancers and link checkers send HEAD; FastAPI routes declare GET only and
would answer 405. The GET handler runs (pages are safe to GET), its status and headers go out
unchanged — ``content-length`` included, as the RFC allows — and the body is dropped.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
