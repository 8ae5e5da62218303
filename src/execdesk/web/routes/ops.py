"""``/metrics``: Prometheus text metrics (execdesk.ops.metrics) for the monitoring system.

Protected by a bearer token (``ops.metrics_token`` or ``ops.metrics_token_file``) or, without
one, answered only to loopback clients; behind a reverse proxy (``web.trust_proxy_headers``)
the loopback rule cannot tell clients apart, so a token is required there. ``/healthz`` is
served by the app itself (web/app.py).
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from execdesk.ops import metrics
from execdesk.ops.secrets import read_secret_file
from execdesk.settings import Settings
from execdesk.web.auth import StoreDep

router = APIRouter(include_in_schema=False)


def metrics_token(settings: Settings) -> str | None:
    ops = settings.ops
    if ops.metrics_token is not None:
        return ops.metrics_token.get_secret_value()
    if ops.metrics_token_file is not None:
        return read_secret_file(ops.metrics_token_file, "ops.metrics_token_file")
    return None


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "testclient"  # Starlette's TestClient


def allowed(request: Request, settings: Settings) -> bool:
    token = metrics_token(settings)
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if settings.web.trust_proxy_headers:
        return False
    return _loopback(request.client.host if request.client else None)


@router.get("/metrics")
def prometheus(request: Request, store: StoreDep) -> Response:
    settings: Settings = request.app.state.settings
    if not allowed(request, settings):
        return PlainTextResponse("forbidden: set ops.metrics_token and send it as a bearer token\n", status_code=403)
    with store.engine.connect() as conn:
        body = metrics.render(metrics.collect(conn))
    return Response(body, media_type=metrics.CONTENT_TYPE)
