"""Settings pages for supervisors and admins: mailboxes (read-only), teams, routing rules, SLA
policies and business hours, reply templates, the taxonomy (read-only), users (``/admin/users``).

Every change goes through the core (``execdesk.routing.service``, ``execdesk.reply.template_files``),
which audits it; forms carry the CSRF token. Testing a rule against a case reads the case's
facts, so it is the supervisor's alone (the admin does not read customer mail, decision 0702).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import SecretStr
from sqlalchemy import Connection

from execdesk.analyze.config import ConfigError, load_config
from execdesk.cases.refs import parse_case_ref
from execdesk.reply.drafting import load_templates
from execdesk.reply.template_files import save_template
from execdesk.routing import service
from execdesk.routing.rules import Conditions
from execdesk.routing.service import RoutingError
from execdesk.web.accounts import Principal
from execdesk.web.actions import settings_change
from execdesk.web.app import render
from execdesk.web.auth import APPROVERS, EDITORS, StoreDep, require_role
from execdesk.web.errors import DeskError
from execdesk.web.mailview import mark_findings

router = APIRouter(include_in_schema=False)
Editor = Annotated[Principal, Depends(require_role(*EDITORS))]
Supervisor = Annotated[Principal, Depends(require_role(*APPROVERS))]


async def form_data(request: Request) -> dict[str, str]:
    """The posted form as strings (read once; require_role already parsed it for CSRF)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


Form = Annotated[dict[str, str], Depends(form_data)]


def _see(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


# -- form <-> conditions ---------------------------------------------------------------------------


def condition_fields(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The Conditions model as form fields (lists comma-separated, yes/no/any, numbers)."""
    values = values or {}
    out = []
    for name, f in Conditions.model_fields.items():
        v = values.get(name)
        kind = "list" if "list" in str(f.annotation) else "bool" if "bool" in str(f.annotation) else "number"
        shown = (
            ", ".join(v) if kind == "list" and v else ("yes" if v else "no") if kind == "bool" and v is not None else v
        )
        out.append({"name": name, "kind": kind, "help": f.description, "value": "" if shown is None else str(shown)})
    return out


def conditions_from(form: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in condition_fields():
        raw = form.get(f"c_{field['name']}", "").strip()
        if not raw:
            continue
        if field["kind"] == "list":
            out[field["name"]] = [v.strip() for v in raw.split(",") if v.strip()]
        elif field["kind"] == "bool":
            out[field["name"]] = raw == "yes"
        else:
            try:
                out[field["name"]] = float(raw)
            except ValueError:
                raise DeskError(400, "refused", f"{field['name']}: {raw!r} is not a number") from None
    return out


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _int_or_none(value: str, what: str) -> int | None:
    try:
        return int(value) if value.strip() else None
    except ValueError:
        raise DeskError(400, "refused", f"{what}: {value!r} is not a whole number") from None


# -- index, mailboxes, taxonomy --------------------------------------------------------------------


@router.get("/settings")
def settings_index(request: Request, user: Editor) -> Response:
    return render(request, "settings/index.html", {})


def _redacted(section: Any) -> list[tuple[str, str, str]]:
    rows = []
    for name, f in type(section).model_fields.items():
        v = getattr(section, name)
        shown = ("set (hidden)" if v.get_secret_value() else "not set") if isinstance(v, SecretStr) else v
        rows.append((name, "not set" if shown is None else str(shown), f.description or ""))
    return rows


@router.get("/settings/mailboxes")
def mailboxes(request: Request, store: StoreDep, user: Editor) -> Response:
    s = store.settings
    smtp_out = [(k, v, d) for k, v, d in _redacted(s.reply) if k.startswith(("smtp_", "from_", "verify_tls"))]
    sections = [
        ("IMAP (execdesk fetch)", "imap", _redacted(s.imap)),
        ("SMTP listener (execdesk listen-smtp)", "smtp_listen", _redacted(s.smtp_listen)),
        ("Outgoing replies (SMTP)", "reply", smtp_out),
    ]
    return render(request, "settings/mailboxes.html", {"sections": sections})


@router.get("/settings/taxonomy")
def taxonomy(request: Request, store: StoreDep, user: Editor) -> Response:
    try:
        config = load_config(home=store.settings.home)
        error = None
    except ConfigError as exc:
        config, error = load_config(), str(exc)
    raw = config.raw
    return render(
        request,
        "settings/taxonomy.html",
        {
            "config": config,
            "error": error,
            "weights": raw["priority"]["signal_weights"],
            "levels": raw["priority"]["levels"],
            "path": store.settings.home / "analyze.yaml",
        },
    )


# -- teams -----------------------------------------------------------------------------------------


@router.get("/settings/teams")
def teams(request: Request, store: StoreDep, user: Editor) -> Response:
    with store.engine.connect() as conn:
        rows = service.list_teams(conn)
    return render(request, "settings/teams.html", {"teams": rows})


@router.post("/settings/teams")
def team_save(store: StoreDep, user: Editor, form: Form) -> Response:
    data = {
        "name": form.get("name", "").strip(),
        "description": form.get("description", ""),
        "members": _csv(form.get("members", "")),
    }
    with settings_change(store) as conn:
        service.save_team(conn, data, actor=user.name)
    return _see("/settings/teams")


@router.post("/settings/teams/{name}/delete")
def team_delete(store: StoreDep, user: Editor, name: str) -> Response:
    with settings_change(store) as conn:
        service.delete_team(conn, name, actor=user.name)
    return _see("/settings/teams")


# -- routing rules ---------------------------------------------------------------------------------


def _rule_context(conn: Connection) -> dict[str, Any]:
    return {
        "rules": service.list_rules(conn),
        "teams": [t["name"] for t in service.list_teams(conn)],
        "policies": [p["name"] for p in service.list_policies(conn)],
    }


@router.get("/settings/rules")
def rules(request: Request, store: StoreDep, user: Editor, case: str = "") -> Response:
    test = None
    with store.engine.connect() as conn:
        context = _rule_context(conn)
        if case.strip():
            if user.role not in APPROVERS:
                raise DeskError(403, "forbidden", "testing a rule reads a case: this needs the role supervisor")
            case_id = parse_case_ref(case)
            if case_id is None or case_id >= 2**31:
                raise DeskError(400, "refused", f"{case!r} is not a case reference (e.g. ED-000042)")
            from execdesk.cases.service import CaseError
            from execdesk.routing.stage import dry_run

            try:
                test = dry_run(conn, case_id, store.settings)
            except CaseError as exc:
                raise DeskError(404, "not_found", str(exc)) from None
    return render(
        request,
        "settings/rules.html",
        {**context, "fields": condition_fields(), "test": test, "case": case, "rule": None},
    )


@router.get("/settings/rules/{name}")
def rule_page(request: Request, store: StoreDep, user: Editor, name: str) -> Response:
    with store.engine.connect() as conn:
        try:
            rule = service.get_rule(conn, name)
        except RoutingError as exc:
            raise DeskError(404, "not_found", str(exc)) from None
        context = _rule_context(conn)
    return render(
        request, "settings/rule.html", {**context, "rule": rule, "fields": condition_fields(rule["conditions"])}
    )


def _rule_from(form: dict[str, str]) -> dict[str, Any]:
    actions: dict[str, Any] = {}
    for key in ("team", "assignee", "sla_policy"):
        if form.get(f"a_{key}", "").strip():
            actions[key] = form[f"a_{key}"].strip()
    if form.get("a_priority", "").strip():
        try:
            actions["priority"] = float(form["a_priority"])
        except ValueError:
            raise DeskError(400, "refused", f"priority: {form['a_priority']!r} is not a number") from None
    return {
        "name": form.get("name", "").strip(),
        "description": form.get("description", ""),
        "enabled": form.get("enabled") == "on",
        "match": form.get("match", "all"),
        "stop": form.get("stop") == "on",
        "conditions": conditions_from(form),
        "actions": actions,
    }


@router.post("/settings/rules")
def rule_create(store: StoreDep, user: Editor, form: Form) -> Response:
    position = _int_or_none(form.get("position", ""), "position")
    with settings_change(store) as conn:
        service.create_rule(
            conn, _rule_from(form), actor=user.name, position=None if position is None else position - 1
        )
    return _see("/settings/rules")


@router.post("/settings/rules/{name}")
def rule_update(store: StoreDep, user: Editor, name: str, form: Form) -> Response:
    with settings_change(store) as conn:
        rule = service.update_rule(conn, name, _rule_from(form), actor=user.name)
    return _see(f"/settings/rules/{rule['name']}")


@router.post("/settings/rules/{name}/move")
def rule_move(store: StoreDep, user: Editor, name: str, form: Form) -> Response:
    with settings_change(store) as conn:
        step = {"up": -1, "down": 1}.get(form.get("direction", ""))
        if step is None:
            raise DeskError(400, "refused", "direction must be up or down")
        order = [r["name"] for r in service.list_rules(conn)]
        if name not in order:
            raise DeskError(404, "not_found", f"no routing rule {name!r}")
        service.move_rule(conn, name, max(0, order.index(name) + step), actor=user.name)
    return _see("/settings/rules")


@router.post("/settings/rules/{name}/delete")
def rule_delete(store: StoreDep, user: Editor, name: str) -> Response:
    with settings_change(store) as conn:
        service.delete_rule(conn, name, actor=user.name)
    return _see("/settings/rules")


# -- SLA policies and business hours ---------------------------------------------------------------


@router.get("/settings/sla")
def sla(request: Request, store: StoreDep, user: Editor, edit: str = "") -> Response:
    with store.engine.connect() as conn:
        policies = service.list_policies(conn)
        hours = service.list_hours(conn)
    editing = next((p for p in policies if p["name"] == edit), None)
    return render(
        request,
        "settings/sla.html",
        {
            "policies": policies,
            "hours": hours,
            "editing": editing,
            "fields": condition_fields(editing["conditions"] if editing else None),
        },
    )


@router.post("/settings/sla/policies")
def policy_save(store: StoreDep, user: Editor, form: Form) -> Response:
    data = {
        "name": form.get("name", "").strip(),
        "description": form.get("description", ""),
        "enabled": form.get("enabled") == "on",
        "conditions": conditions_from(form),
        "first_response_minutes": _int_or_none(form.get("first_response_minutes", ""), "first response"),
        "next_response_minutes": _int_or_none(form.get("next_response_minutes", ""), "next response"),
        "resolution_minutes": _int_or_none(form.get("resolution_minutes", ""), "resolution"),
        "calendar": form.get("calendar", "").strip() or None,
    }
    with settings_change(store) as conn:
        service.save_policy(conn, data, actor=user.name)
    return _see("/settings/sla")


@router.post("/settings/sla/policies/{name}/delete")
def policy_delete(store: StoreDep, user: Editor, name: str) -> Response:
    with settings_change(store) as conn:
        service.delete_policy(conn, name, actor=user.name)
    return _see("/settings/sla")


@router.post("/settings/sla/hours")
def hours_save(store: StoreDep, user: Editor, form: Form) -> Response:
    data = {
        "name": form.get("name", "").strip() or "office",
        "timezone": form.get("timezone", "UTC").strip(),
        "working_days": _csv(form.get("working_days", "")),
        "day_start": form.get("day_start", "").strip(),
        "day_end": form.get("day_end", "").strip(),
        "holidays": _csv(form.get("holidays", "")),
    }
    with settings_change(store) as conn:
        service.save_hours(conn, data, actor=user.name)
    return _see("/settings/sla")


# -- reply templates -------------------------------------------------------------------------------


@router.get("/settings/templates")
def templates(request: Request, store: StoreDep, user: Editor, name: str = "") -> Response:
    found = load_templates(store.settings)
    current = found.get(name) if name else None
    if name and current is None:
        raise DeskError(404, "not_found", f"no template {name!r}")
    return render(
        request, "settings/templates.html", {"templates": found, "current": current, "saved": None, "tone": None}
    )


@router.post("/settings/templates")
def template_save(request: Request, store: StoreDep, user: Editor, form: Form) -> Response:
    with settings_change(store) as conn:
        saved = save_template(
            conn,
            store.settings,
            name=form.get("name", "").strip(),
            body=form.get("body", ""),
            description=form.get("description", ""),
            actor=user.name,
        )
    tone = saved.tone.to_dict()
    return render(
        request,
        "settings/templates.html",
        {
            "templates": load_templates(store.settings),
            "current": saved.template,
            "saved": saved.template.name,
            "tone": tone,
            "segments": mark_findings(saved.template.body, tone["findings"]),
        },
    )
