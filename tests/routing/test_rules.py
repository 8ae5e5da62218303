"""Routing rules: order decides, each decision says why, supervisors edit rules and the desk follows.

The pure evaluator is tested on facts; the rest runs real mail through ingest (SQLite and
PostgreSQL) and reads the case, its audit trail and its alerts.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from execdesk.notify.alerts import list_alerts
from execdesk.routing import service
from execdesk.routing.rules import CaseFacts, Conditions, RuleSpec, check, evaluate, holds, matches
from execdesk.routing.stage import dry_run
from execdesk.store.models import AuditEvent, Case, table_of
from tests.mailfactory import make_mail, msgid_of
from tests.reply.helpers import ingest

_cases = table_of(Case)
_audit = table_of(AuditEvent)

LEGAL = (
    "I have been overcharged for three months. My lawyer will sue you, I will complain to the FCC "
    "and I will post this on my blog.\n"
)


def rule(name: str, **kw: Any) -> RuleSpec:
    return RuleSpec.model_validate({"name": name, **kw})


def test_the_first_matching_rule_decides_and_each_match_says_why() -> None:
    rules = [
        rule("legal", conditions={"signals": ["legal_threat"]}, actions={"team": "risk"}),
        rule("complaints", conditions={"intents": ["complaint"]}, actions={"team": "care"}),
        rule("fallback", actions={"team": "triage"}),
    ]
    d = evaluate(rules, CaseFacts(intent="complaint", signals=frozenset({"legal_threat", "churn"})))
    assert (d.team, d.rule, d.position) == ("risk", "legal", 0)
    assert d.matched == [{"rule": "legal", "conditions": ["signal legal_threat"], "actions": {"team": "risk"}}]
    d = evaluate(rules, CaseFacts(intent="complaint"))
    assert (d.team, d.rule) == ("care", "complaints")
    assert d.matched[0]["conditions"] == ["intent complaint in ['complaint']"]
    d = evaluate(rules, CaseFacts(intent="praise"))
    assert (d.team, d.rule) == ("triage", "fallback")
    assert d.matched[0]["conditions"] == ["no conditions: matches every case"]


def test_rules_that_continue_add_priority_and_leave_the_team_to_later_rules() -> None:
    rules = [
        rule("vip-bump", conditions={"vip": True}, actions={"priority": 10}, stop=False),
        rule("gov", conditions={"sender_domains": ["gov"]}, actions={"priority": 5, "assignee": "pat"}, stop=False),
        rule("disabled", enabled=False, actions={"team": "nobody"}),
        rule("care", actions={"team": "care", "assignee": "sam"}),
    ]
    d = evaluate(rules, CaseFacts(vip=True, sender="someone@fcc.gov"))
    assert (d.team, d.assignee, d.priority) == ("care", "pat", 15.0)
    assert [m["rule"] for m in d.matched] == ["vip-bump", "gov", "care"]
    assert d.matched[1]["conditions"] == ["sender domain fcc.gov matches gov"]


def test_match_any_and_all_and_recipient_and_campaign_conditions() -> None:
    facts = CaseFacts(intent="request", recipients=("press@corp.example",), campaign_role=None)
    any_rule = rule("any", match="any", conditions={"intents": ["media_inquiry"], "recipients": ["@corp.example"]})
    all_rule = rule("all", conditions={"intents": ["media_inquiry"], "recipients": ["@corp.example"]})
    assert evaluate([any_rule], facts).matched[0]["conditions"] == ["addressed to @corp.example"]
    assert evaluate([all_rule], facts).matched == []
    solo = rule("solo", conditions={"campaign_roles": ["none"]})
    assert evaluate([solo], facts).matched[0]["conditions"] == ["campaign role none in ['none']"]
    assert evaluate([solo], CaseFacts(campaign_role="member")).matched == []


CONDITION_SETS = [
    {},
    {"signals": ["legal_threat", "media"]},
    {"intents": ["spam"], "machine": False},
    {"priority_levels": ["urgent", "high"], "campaign_roles": ["none", "trigger"], "high_risk": True},
    {"min_priority": 40, "max_priority": 60, "vip": True},
    {"sender_domains": ["gov"], "recipients": ["@corp.example", "ceo@corp.example"], "topics": ["billing"]},
]
FACTS = [
    CaseFacts(),
    CaseFacts(intent="spam", signals=frozenset({"media", "x"}), priority=45.0, level="high", sender="a@fcc.gov"),
    CaseFacts(intent="question", topic="billing", recipients=("ceo@corp.example",), vip=True, priority=59.9),
    CaseFacts(campaign_role="trigger", high_risk=True, level="urgent", machine=True, sender="no-at-sign"),
]


@pytest.mark.parametrize("conditions", CONDITION_SETS)
@pytest.mark.parametrize("match", ["all", "any"])
def test_holds_and_matches_agree_with_the_worded_check(conditions: dict[str, Any], match: str) -> None:
    """``holds`` decides without wording; ``matches`` words only what held. Both must agree with
    ``check``, which words every condition: the reasons shown are those of the conditions that held."""
    c = Conditions.model_validate(conditions)
    for facts in FACTS:
        held, failed = check(c, facts)
        expected = (not held and not failed) or (bool(held) if match == "any" else not failed)
        assert holds(c, facts, match) is expected, (conditions, facts)
        reasons = matches(c, facts, match)
        if not expected:
            assert reasons is None
        else:
            assert reasons == (held or ["no conditions: matches every case"])


def test_bad_rules_are_refused_with_a_sentence(store) -> None:  # type: ignore[no-untyped-def]
    with store.transaction() as conn:
        service.ensure_defaults(conn)
        with pytest.raises(service.RoutingError, match="campaign role"):
            service.create_rule(conn, {"name": "x", "conditions": {"campaign_roles": ["leader"]}}, actor="t")
        with pytest.raises(service.RoutingError, match="no team"):
            service.create_rule(conn, {"name": "x", "actions": {"team": "nosuchteam"}}, actor="t")
        with pytest.raises(service.RoutingError, match="exists"):
            service.create_rule(conn, {"name": "safety"}, actor="t")
        with pytest.raises(service.RoutingError, match="used by rule"):
            service.delete_team(conn, "risk", actor="t")


def _case(store, case_id: int) -> Any:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return conn.execute(select(_cases).where(_cases.c.id == case_id)).one()


def _audit_of(store, case_id: int, prefix: str) -> list[Any]:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        rows = conn.execute(select(_audit).where(_audit.c.case_id == case_id).order_by(_audit.c.id)).all()
    return [r for r in rows if r.action.startswith(prefix)]


def test_ingest_routes_with_the_shipped_rules_and_records_why(store) -> None:  # type: ignore[no-untyped-def]
    legal, plain = ingest(
        store,
        make_mail(sender="Lee Park <lee.park@example.org>", subject="Overcharged", body=LEGAL),
        make_mail(),
    )
    case = _case(store, legal)
    assert case.team == "risk"
    assert case.routing["rule"] == "legal-and-regulators"
    (why,) = case.routing["matched"]
    assert why["rule"] == "legal-and-regulators" and "legal_threat" in why["conditions"][0]
    assert case.routing["facts"]["high_risk"] is True
    (routed,) = _audit_of(store, legal, "case.routed")
    assert routed.actor == "system:routing" and routed.details["why"] == case.routing["matched"]
    assert _case(store, plain).team == "care" and _case(store, plain).routing["rule"] == "everyone-else"
    with store.engine.connect() as conn:
        alerts = list_alerts(conn, kinds=("high_risk",))
    assert [a["case_id"] for a in alerts] == [legal]
    assert "legal_threat" in alerts[0]["details"]["signals"] and alerts[0]["details"]["team"] == "risk"
    assert "lawyer" not in str(alerts[0])  # no message text in alerts (they go to chat tools)
    # a follow-up in the same case raises no second high-risk alert
    ingest(store, make_mail(sender="Lee Park <lee.park@example.org>", subject="Re: Overcharged", body=LEGAL, days=1))
    with store.engine.connect() as conn:
        assert len(list_alerts(conn, kinds=("high_risk",))) == 1


def test_a_supervisors_rule_placed_first_wins_and_test_shows_the_change(store, settings) -> None:  # type: ignore[no-untyped-def]
    with store.transaction() as conn:
        service.ensure_defaults(conn)
        service.save_team(conn, {"name": "gov-desk", "members": ["pat"]}, actor="sup")
        service.create_rule(
            conn,
            {
                "name": "government",
                "conditions": {"sender_domains": ["gov"]},
                "actions": {"team": "gov-desk", "assignee": "pat", "priority": 7},
            },
            actor="sup",
            position=0,
        )
        assert [r["name"] for r in service.list_rules(conn)][:2] == ["government", "safety"]
    (case_id,) = ingest(store, make_mail(sender="Ann Ode <ann@fcc.gov>", subject="Complaint 12-345", body=LEGAL))
    case = _case(store, case_id)
    assert (case.team, case.assignee) == ("gov-desk", "pat")
    assert case.routing["matched"][0]["conditions"] == ["sender domain fcc.gov matches gov"]
    assert any(r["source"] == "routing:government" and r["points"] == 7 for r in case.priority_reasons)
    with store.transaction() as conn:
        service.move_rule(conn, "government", 99, actor="sup")  # last: behind everyone-else, never reached
        result = dry_run(conn, case_id, settings)
    assert result["decision"]["rule"] == "legal-and-regulators" and result["decision"]["team"] == "risk"
    assert result["current"]["team"] == "gov-desk"  # dry run changes nothing
    with store.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(_audit.c.action).where(_audit.c.case_id.is_(None)))]
    assert {
        "routing.defaults_installed",
        "routing.team_saved",
        "routing.rule_created",
        "routing.rules_reordered",
    } <= set(actions)


def test_escalation_moves_a_case_up_never_down_and_never_after_a_person_set_it(store) -> None:  # type: ignore[no-untyped-def]
    first = make_mail(subject="Bill", message_id="<b1@example.net>")
    (case_id,) = ingest(store, first)
    assert _case(store, case_id).team == "care"
    threat = make_mail(subject="Re: Bill", body=LEGAL, in_reply_to="<b1@example.net>", days=1)
    assert ingest(store, threat) == [case_id]
    case = _case(store, case_id)
    assert case.team == "risk"
    rerouted = _audit_of(store, case_id, "case.rerouted")
    assert [(r.details["from_team"], r.details["team"]) for r in rerouted] == [("care", "risk")]
    calm = make_mail(subject="Re: Bill", body="Thanks, all fine now.\n", in_reply_to=msgid_of(threat), days=2)
    assert ingest(store, calm) == [case_id]
    assert _case(store, case_id).team == "risk"
    assert len(_audit_of(store, case_id, "case.rerouted")) == 1
    with store.transaction() as conn:
        service.set_team(conn, case_id=case_id, team="care", actor="sup", reason="a billing matter after all")
    ingest(store, make_mail(subject="Re: Bill", body=LEGAL, in_reply_to=msgid_of(calm), days=3))
    case = _case(store, case_id)
    assert case.team == "care" and case.routing["pinned"] is True
    assert [r.details["to"] for r in _audit_of(store, case_id, "case.team")] == ["care"]
