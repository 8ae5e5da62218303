"""The web desk: server-rendered pages and a REST API over the same core as the CLI.

Conventions for anyone adding a page group (campaigns, dashboard, search, settings...):

- **One router per page group** in ``web/routes/<group>.py`` (pages, ``include_in_schema=False``)
  and, for JSON, ``web/api/<group>.py`` built with ``web.api.api_router(tag)`` (prefix ``/api/v1``,
  the shared error responses). Add the module to ``web.app.ROUTERS``.
- **Routes hold no logic.** Parse input, call the core (``execdesk.cases.service``,
  ``execdesk.reply.outbox``, ``execdesk.campaigns.actions``...) inside ``store.transaction()``,
  render the result. A composition used by both a page and the API lives in ``web/actions.py``.
  Reads beyond ``execdesk.cases.queries`` live in ``web/queries.py``. Routes are plain ``def``
  (FastAPI runs them in its thread pool; the database calls are synchronous).
- **Roles on every route**: ``user: Annotated[Principal, Depends(require_role(*STAFF))]`` from
  ``web.auth`` (``STAFF``, ``READERS``, ``REPLIERS``, ``APPROVERS``, ``ADMINS``). A route without
  it is public; only ``/login``, ``/healthz``, ``/static`` and ``/openapi.json`` are.
- **CSRF**: ``require_role`` verifies it for every cookie-borne POST/PUT/PATCH/DELETE. Every form
  carries ``<input type="hidden" name="csrf_token" value="{{ csrf_token(request) }}">``; htmx
  requests send the ``X-CSRF-Token`` header that ``base.html`` sets on ``<body>``. API calls with a
  bearer token need no CSRF token.
- **Errors**: raise ``web.errors.DeskError(status, code, message)``; core errors (CaseError,
  ReplyError, DraftError, AccountError) become 400 ``refused``. The API answers
  ``{"error": {"code", "message"}}``; pages render ``error.html``; 401 on a page redirects to sign in.
- **Templates** extend ``base.html`` (``{% block title %}``, ``{% block content %}``), render through
  ``web.app.render(request, name, context)`` (adds ``user``). Autoescaping is on; mail text is never
  marked safe: HTML bodies go through ``web.mailview.sanitise_html`` first.
- **No inline script or style** (the Content-Security-Policy forbids them): behaviour goes in
  ``static/desk.js`` or htmx attributes; vendored code in ``static/vendor/`` with its licence.
- **Every state change is audited** by the core function it calls (``record_audit``).

Run it with ``execdesk serve``; see docs/web.md.
"""
