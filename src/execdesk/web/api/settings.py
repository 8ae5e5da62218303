"""Settings over the API: teams, routing rules, SLA policies, reply templates (supervisor, admin).

The same core calls as the settings pages; every change is audited by the core. Bodies are the
core's own specs (``RuleSpec``, ``TeamSpec``, ``PolicySpec``), refusing NUL characters that no
database stores faithfully.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path
from pydantic import BaseModel, ConfigDict, Field, model_validator

from execdesk.reply.drafting import load_templates
from execdesk.reply.template_files import save_template
from execdesk.routing import service
from execdesk.routing.rules import RuleSpec
from execdesk.routing.service import PolicySpec, TeamSpec
from execdesk.web.accounts import Principal
from execdesk.web.actions import settings_change
from execdesk.web.api import api_router
from execdesk.web.api.schemas import Open, Text
from execdesk.web.auth import EDITORS, StoreDep, require_role

router = api_router("settings")
Editor = Annotated[Principal, Depends(require_role(*EDITORS))]
Name = Annotated[Text, Path(min_length=1, max_length=100)]


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if isinstance(value, dict):
        for k, v in value.items():
            _no_nul(k)
            _no_nul(v)
    if isinstance(value, list):
        for v in value:
            _no_nul(v)
    return value


class _Clean(BaseModel):
    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: Any) -> Any:
        return _no_nul(data)


class RuleIn(_Clean, RuleSpec):
    pass


class RulePatch(_Clean):
    """Fields to change; conditions and actions are replaced whole."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = None
    enabled: bool | None = None
    match: str | None = None
    stop: bool | None = None
    conditions: dict[str, Any] | None = None
    actions: dict[str, Any] | None = None


class TeamIn(_Clean, TeamSpec):
    pass


class PolicyIn(_Clean, PolicySpec):
    pass


class Order(_Clean):
    names: list[str] = Field(max_length=1000)


class TemplateIn(_Clean):
    name: str = Field(min_length=1, max_length=64)
    body: str = Field(min_length=1, max_length=65536)
    description: str = Field("", max_length=500)


class RuleOut(Open):
    name: str
    position: int
    enabled: bool
    conditions: dict[str, Any]
    actions: dict[str, Any]
    stop: bool


class TeamOut(Open):
    name: str
    description: str
    members: list[str]


class PolicyOut(Open):
    name: str
    enabled: bool


class TemplateOut(Open):
    name: str
    description: str
    body: str
    origin: str


class TemplateSaved(TemplateOut):
    tone: dict[str, Any]


@router.get("/settings/rules", response_model=list[RuleOut], summary="Routing rules in evaluation order")
def rules(store: StoreDep, user: Editor) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return service.list_rules(conn)


@router.post("/settings/rules", response_model=RuleOut, summary="Add a routing rule (last)")
def rule_create(store: StoreDep, user: Editor, body: RuleIn) -> dict[str, Any]:
    with settings_change(store) as conn:
        return service.create_rule(conn, body.model_dump(), actor=user.name)


@router.patch("/settings/rules/{name}", response_model=RuleOut, summary="Change a routing rule")
def rule_update(store: StoreDep, user: Editor, name: Name, body: RulePatch) -> dict[str, Any]:
    with settings_change(store) as conn:
        return service.update_rule(conn, name, body.model_dump(exclude_none=True), actor=user.name)


@router.delete("/settings/rules/{name}", status_code=204, summary="Delete a routing rule")
def rule_delete(store: StoreDep, user: Editor, name: Name) -> None:
    with settings_change(store) as conn:
        service.delete_rule(conn, name, actor=user.name)


@router.put("/settings/rules-order", response_model=list[RuleOut], summary="Set the rules' order (names first)")
def rule_order(store: StoreDep, user: Editor, body: Order) -> list[dict[str, Any]]:
    with settings_change(store) as conn:
        return service.reorder_rules(conn, body.names, actor=user.name)


@router.get("/settings/teams", response_model=list[TeamOut], summary="Teams")
def teams(store: StoreDep, user: Editor) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return service.list_teams(conn)


@router.put("/settings/teams", response_model=TeamOut, summary="Create or change a team")
def team_save(store: StoreDep, user: Editor, body: TeamIn) -> dict[str, Any]:
    with settings_change(store) as conn:
        return service.save_team(conn, body.model_dump(), actor=user.name)


@router.get("/settings/sla-policies", response_model=list[PolicyOut], summary="SLA policies in order")
def policies(store: StoreDep, user: Editor) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return service.list_policies(conn)


@router.put("/settings/sla-policies", response_model=PolicyOut, summary="Create or change an SLA policy")
def policy_save(store: StoreDep, user: Editor, body: PolicyIn) -> dict[str, Any]:
    with settings_change(store) as conn:
        return service.save_policy(conn, body.model_dump(), actor=user.name)


@router.get("/settings/templates", response_model=list[TemplateOut], summary="Reply templates (shipped and own)")
def templates(store: StoreDep, user: Editor) -> list[dict[str, Any]]:
    return [
        {
            "name": t.name,
            "description": t.description,
            "body": t.body,
            "origin": "shipped" if t.origin == "shipped" else "organisation",
        }
        for t in load_templates(store.settings).values()
    ]


@router.put("/settings/templates", response_model=TemplateSaved, summary="Save an organisation template (tone-checked)")
def template_save(store: StoreDep, user: Editor, body: TemplateIn) -> dict[str, Any]:
    with settings_change(store) as conn:
        saved = save_template(
            conn, store.settings, name=body.name, body=body.body, description=body.description, actor=user.name
        )
    t = saved.template
    return {
        "name": t.name,
        "description": t.description,
        "body": t.body,
        "origin": "organisation",
        "tone": saved.tone.to_dict(),
    }
