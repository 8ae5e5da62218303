"""The web desk's application factory: one FastAPI app per settings object.

``create_app(settings)`` opens the store, loads the secret (refusing insecure production
settings), mounts the static files and includes every router listed in :data:`ROUTERS`.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from execdesk import __version__
from execdesk.cases.refs import case_ref
from execdesk.settings import Settings
from execdesk.store import Store
from execdesk.web import errors
from execdesk.web.auth import csrf_token
from execdesk.web.head import HeadAsGetMiddleware
from execdesk.web.security import SecurityHeadersMiddleware, load_secret

HERE = Path(__file__).parent
#: Page and API routers, each a module with a ``router``; new page groups add a line here.
ROUTERS = [
    "execdesk.web.routes.login",
    "execdesk.web.routes.queue",
    "execdesk.web.routes.case",
    "execdesk.web.routes.reply",
    "execdesk.web.routes.admin",
    "execdesk.web.routes.briefing",
    "execdesk.web.routes.ops",
    "execdesk.web.routes.search",
    "execdesk.web.routes.settings_pages",
    "execdesk.web.routes.campaigns",
    "execdesk.web.routes.dashboard",
    "execdesk.web.api.cases",
    "execdesk.web.api.replies",
    "execdesk.web.api.accounts",
    "execdesk.web.api.search",
    "execdesk.web.api.settings",
    "execdesk.web.api.campaigns",
    "execdesk.web.api.dashboard",
]


def _when(value: str | datetime | None) -> str:
    """ISO timestamps as people read them (UTC, minutes)."""
    if not value:
        return ""
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


log = logging.getLogger(__name__)


def _warm_up_tone(settings: Settings) -> None:
    from execdesk.reply.outbox import warm_up_tone

    try:
        warm_up_tone(settings)
    except Exception as exc:  # a broken rules file is reported where a reply is checked, with its message
        log.warning("tone guard warm-up failed: %s", exc)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.autoescape = True
    env.globals["csrf_token"] = csrf_token
    env.globals["version"] = __version__
    env.filters["when"] = _when
    env.filters["case_ref"] = case_ref
    return templates


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """The desk for one home. Raises WebConfigError when the settings are unsafe to serve."""
    secret = load_secret(settings)
    owned = store is None
    the_store = store or Store.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from execdesk.web import jobs

        app.state.jobs = jobs.start(the_store, settings) if jobs.wanted(settings) else None
        # The tone guard checks drafts live while agents type: compile its rules and models now, in the
        # background, rather than in the first agent's request (decision 0632).
        threading.Thread(target=_warm_up_tone, args=(settings,), name="tone-warm-up", daemon=True).start()
        try:
            yield
        finally:
            if app.state.jobs is not None:
                await asyncio.to_thread(app.state.jobs.stop)  # joins the threads; the loop keeps serving
            if owned:
                the_store.close()

    app = FastAPI(
        title="execdesk",
        version=__version__,
        description="The desk's REST API. Authenticate with `Authorization: Bearer <token>` "
        '(`execdesk token create USER`). Errors: `{"error": {"code", "message"}}`.',
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = the_store
    app.state.secret = secret
    app.state.templates = make_templates()
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for name in ROUTERS:
        app.include_router(importlib.import_module(name).router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return {"ok": True, "version": __version__}

    return app


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Any:
    """Render a page with the signed-in user in its context (every page extends base.html)."""
    templates: Jinja2Templates = request.app.state.templates
    principal = getattr(request.state, "principal", None)
    return templates.TemplateResponse(request, name, {"user": principal, **context}, status_code=status_code)


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` with several workers: settings from the environment."""
    from execdesk.settings import load_settings

    return create_app(load_settings())
