"""``execdesk correct``: a person fixes an automated judgment; ``execdesk train`` learns from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from execdesk.analyze import load_config
from execdesk.cases import queries, service
from execdesk.cases.refs import parse_case_ref
from execdesk.cli import context
from execdesk.cli.output import fail, print_json
from execdesk.store import Store
from execdesk.store.models import Message, table_of

_messages = table_of(Message)


def correct(
    case: Annotated[str, typer.Argument(help="Case reference (its latest inbound message is corrected).")],
    by: Annotated[str, typer.Option("--by", help="Who corrects (recorded in the audit log).")],
    intent: Annotated[str | None, typer.Option(help="The right intent (see the taxonomy in analyze.yaml).")] = None,
    topic: Annotated[str | None, typer.Option(help="The right topic.")] = None,
    message: Annotated[int | None, typer.Option(help="Correct this message (number) instead of the latest.")] = None,
    reason: Annotated[str, typer.Option(help="Why (optional, kept with the correction).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Correct a message's intent or topic. Stored with who and when; `execdesk train` learns from it."""
    if intent is None and topic is None:
        fail("say what is right: --intent and/or --topic")
    case_id = parse_case_ref(case)
    if case_id is None:
        fail(f"{case!r} is not a case reference (expected e.g. ED-000042)")
    settings = context.settings()
    cfg = load_config(home=settings.home)
    store = Store.open(settings)
    results = []
    with store.transaction() as conn:
        pk = (
            message
            or conn.execute(
                select(_messages.c.id)
                .where(_messages.c.case_id == case_id, _messages.c.direction == "in")
                .order_by(_messages.c.received_at.desc(), _messages.c.id.desc())
                .limit(1)
            ).scalar()
        )
        if pk is None:
            fail(f"no case {case}")
        try:
            for field, value, allowed in (("intent", intent, cfg.intents), ("topic", topic, cfg.topics)):
                if value is not None:
                    results.append(
                        service.correct_judgment(
                            conn,
                            message_pk=pk,
                            field=field,
                            new_value=value,
                            actor=f"user:{by}",
                            reason=reason,
                            allowed=allowed,
                        )
                    )
        except service.CaseError as exc:
            fail(str(exc))
    if as_json:
        print_json(results)
        return
    for r in results:
        typer.echo(f"message {r['message_pk']}: {r['field']} {r['from']} -> {r['to']} (recorded for retraining)")


def export_corrections(
    out: Annotated[Path, typer.Argument(help="JSONL file to write (the format `execdesk train --corrections` reads).")],
) -> None:
    """Write the staff's corrections as training examples."""
    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        rows = queries.corrections_for_training(conn)
    with out.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    typer.echo(f"{len(rows)} corrected messages written to {out}")


def register(app: typer.Typer) -> None:
    app.command("correct")(correct)
    app.command("export-corrections")(export_corrections)
