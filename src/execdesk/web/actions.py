"""Compositions of core calls shared by pages and API routes (so neither holds logic of its own).

Each function opens one transaction, calls the core's write functions (which audit), and
returns the plain-dict result the core returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from execdesk.analyze import load_config
from execdesk.cases import service
from execdesk.cases.refs import parse_case_ref
from execdesk.cases.service import CaseError
from execdesk.reply import outbox
from execdesk.reply.drafting import DraftError, case_context
from execdesk.reply.tone import ToneReport
from execdesk.routing import service as routing
from execdesk.store import Store
from execdesk.web.errors import DeskError

BULK_ACTIONS = ("assign", "unassign", "close", "resolve", "reopen")
MAX_BULK = 500


def case_id_of(ref: str) -> int:
    """The case id a reference names (``ED-000042``, ``ed-42``, ``42``); 404 for anything else,
    including numbers no database id column holds."""
    case_id = parse_case_ref(ref)
    if case_id is None or not 1 <= case_id < 2**31:
        raise DeskError(404, "not_found", f"{ref!r} is not a case reference (e.g. ED-000042)")
    return case_id


def bulk(store: Store, *, case_ids: list[int], action: str, actor: str, assignee: str | None = None) -> int:
    """Apply one action to many cases in one transaction (all or nothing); returns how many."""
    if action not in BULK_ACTIONS:
        raise CaseError(f"unknown action {action!r}; choose one of {', '.join(BULK_ACTIONS)}")
    if not case_ids:
        raise CaseError("select at least one case")
    if len(case_ids) > MAX_BULK:
        raise CaseError(f"at most {MAX_BULK} cases at once")
    if action == "assign" and not (assignee or "").strip():
        raise CaseError("choose whom to assign the cases to")
    with store.transaction() as conn:
        for case_id in case_ids:
            if action in ("assign", "unassign"):
                who = (assignee or "").strip() if action == "assign" else None
                service.assign(conn, case_id=case_id, assignee=who, actor=actor, reason="bulk")
            else:
                status = {"close": "closed", "resolve": "resolved", "reopen": "open"}[action]
                service.set_status(conn, case_id=case_id, status=status, actor=actor, reason="bulk")
    return len(case_ids)


@contextmanager
def settings_change(store: Store) -> Iterator[Connection]:
    """One audited settings change: the shipped routing defaults first (as the CLI does), the
    core's refusals (RoutingError, DraftError, a spec's ValueError) as 400 ``refused``."""
    try:
        with store.transaction() as conn:
            routing.ensure_defaults(conn)
            yield conn
    except (DraftError, ValueError) as exc:
        raise DeskError(400, "refused", str(exc)) from None


def tone_check(store: Store, text: str, *, case_id: int | None = None) -> ToneReport:
    """The tone guard on a text, with the case's last inbound message as context when given."""
    with store.engine.connect() as conn:
        inbound = case_context(conn, case_id).inbound if case_id is not None else None
    return outbox.check(text, store.settings, inbound)


def queue_and_send(store: Store, outbox_id: int, *, actor: str) -> dict[str, Any]:
    """Queue an entry (refused while blocked) and send it now when SMTP is configured;
    otherwise it waits for ``execdesk send`` or a worker."""
    with store.transaction() as conn:
        entry = outbox.queue(conn, outbox_id, actor=actor)
    if store.settings.reply.smtp_host:
        from execdesk.reply.send import send_due

        send_due(store, store.settings, ids=[outbox_id])
        with store.engine.connect() as conn:
            entry = outbox.get(conn, outbox_id)
    return entry


@lru_cache(maxsize=8)
def _taxonomy(home: Path) -> dict[str, tuple[str, ...]]:
    cfg = load_config(home=home)
    return {"intent": tuple(cfg.intents), "topic": tuple(cfg.topics), "signal": tuple(sorted(cfg.enabled_signals))}


def taxonomy(store: Store) -> dict[str, tuple[str, ...]]:
    """The organisation's intents, topics and signals (what filters offer and corrections allow)."""
    return _taxonomy(store.settings.home)
