"""Campaign detection inside ingest: real flood texts imported as mail, state across restarts and
rollbacks, the trigger case, bulk actions (against a real SMTP server), spikes, the CLI's JSON.

Flood texts: ../shared/data/floods (regulations.gov public comments, docket EPA-R05-OAR-2020-0055:
one template personalised by almost every sender; see its README).
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.mailfactory import make_mail, msgid_of
from tests.reply.helpers import configure_sending, smtp_server
from typer.testing import CliRunner

from execdesk.campaigns import actions, queries
from execdesk.campaigns.actions import CampaignError
from execdesk.campaigns.runtime import SNAPSHOT_NAME, forget_runtime
from execdesk.cases import queries as case_queries
from execdesk.ingest.batch import import_paths
from execdesk.ingest.core import IngestSession
from execdesk.ingest.stages import INGEST_STAGES
from execdesk.ingest.work import SourceRef
from execdesk.pipeline import Pipeline, Stage
from execdesk.settings import Settings
from execdesk.store import Store
from execdesk.store.models import Alert, AuditEvent, Campaign, CampaignMember, Case, Message, table_of

T0 = datetime(2026, 9, 28, 9, 0, tzinfo=UTC)
DOCKET = "EPA-R05-OAR-2020-0055"
SRC = SourceRef("file", "test")


def _flood_texts(shared_data: Path, n: int) -> list[str]:
    csv.field_size_limit(10_000_000)
    with open(shared_data / "floods" / "regulations_gov_clustered_comments.csv", encoding="utf-8") as fh:
        rows = [r["text"] for r in csv.DictReader(fh) if r["docket_id"] == DOCKET and len(r["text"].split()) > 40]
    return rows[:n]


def _flood_mails(texts: list[str], start: datetime = T0, prefix: str = "reader") -> list[bytes]:
    return [
        make_mail(
            sender=f"Reader {i} <{prefix}{i}@example.org>",
            subject="Ohio nuisance provision",
            body=text.strip() + "\n",
            when=start + timedelta(minutes=3 * i),
        )
        for i, text in enumerate(texts)
    ]


def _write(dir_: Path, mails: list[bytes]) -> Path:
    dir_.mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(mails):
        (dir_ / f"{i:04d}.eml").write_bytes(raw)
    return dir_


def _campaign_sizes(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {c["id"]: c["size"] for c in queries.list_campaigns(conn, include_members=False)}


def test_a_real_flood_imported_as_mail_becomes_one_campaign(store: Store, shared_data: Path, tmp_path: Path) -> None:
    texts = _flood_texts(shared_data, 60)
    mails = _flood_mails(texts)
    summary = import_paths(store, [_write(tmp_path / "flood", mails)])
    assert summary["imported"] == len(mails)
    with store.engine.connect() as conn:
        listed = queries.list_campaigns(conn)
        queue = case_queries.queue(conn, limit=500)
    assert listed, "the flood formed no campaign"
    biggest = max(listed, key=lambda c: c["size"])
    assert biggest["size"] >= 0.8 * len(mails)
    assert {"id", "title", "size", "first_seen", "last_seen", "members"} <= set(biggest)
    sent_ids = {msgid_of(raw) for raw in mails}
    assert set(biggest["members"]) <= sent_ids  # Message-IDs without angle brackets
    assert len(biggest["members"]) == biggest["size"]
    assert biggest["first_seen"].startswith("2026-09-28T09:")
    # the campaign stands for its plain members: they are not each a line in the queue
    assert len(queue) <= len(mails) - biggest["size"] + biggest["own_text_members"]
    with store.engine.connect() as conn:
        alerts = conn.execute(select(table_of(Alert).c.kind)).scalars().all()
    assert alerts.count("campaign") == len(listed)


def test_campaign_state_survives_a_restart_with_or_without_snapshot(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    texts = _flood_texts(shared_data, 40)
    mails = _flood_mails(texts)
    first, second = _write(tmp_path / "a", mails[:20]), _write(tmp_path / "b", mails[20:])

    reference_home = tmp_path / "reference"
    ref_settings = settings.model_copy(update={"home": reference_home, "database_url": None})
    ref = Store.open(ref_settings)
    import_paths(ref, [_write(tmp_path / "all", mails)])
    expected = sorted(_campaign_sizes(ref).values())
    ref.close()

    for delete_snapshot in (False, True):
        home = tmp_path / f"restart-{delete_snapshot}"
        s = settings.model_copy(update={"home": home, "database_url": None})
        store = Store.open(s)
        import_paths(store, [first])
        store.close()
        assert (home / "campaigns" / SNAPSHOT_NAME).exists()  # the import ends with a snapshot
        forget_runtime(s.db_url, home, delete_snapshot=delete_snapshot)  # a new process
        store = Store.open(s)
        import_paths(store, [second])
        assert sorted(_campaign_sizes(store).values()) == expected, f"delete_snapshot={delete_snapshot}"
        store.close()


def _member_rows(store: Store) -> list[tuple[object, ...]]:
    members = table_of(CampaignMember)
    cols = (members.c.message_pk, members.c.campaign_id, members.c.similarity, members.c.jaccard, members.c.evidence)
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*cols).order_by(members.c.message_pk))]


def test_a_store_recreated_at_the_same_home_starts_from_a_clean_campaign_state(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    """One process, one home wiped and imported into again (the import benchmark does this every
    round): message ids and sequence numbers start over, so the first store's detector must not be
    reused for the second. It was (the process-wide runtime is keyed by database URL and home):
    every decision was taken against groups of other messages under the same ids (decision 0312)."""
    texts = _flood_texts(shared_data, 40)
    later = _flood_mails(texts, prefix="writer")
    home = tmp_path / "reused"
    s = settings.model_copy(update={"home": home, "database_url": None})

    ref = Store.open(settings.model_copy(update={"home": tmp_path / "reference", "database_url": None}))
    import_paths(ref, [_write(tmp_path / "later", later)])
    expected, expected_members = sorted(_campaign_sizes(ref).values()), _member_rows(ref)
    ref.close()
    assert expected_members, "the flood formed no campaign"

    store = Store.open(s)
    import_paths(store, [_write(tmp_path / "first", _flood_mails(texts[::-1]))])  # same ids, other texts
    store.close()
    shutil.rmtree(home)
    store = Store.open(s)
    summary = import_paths(store, [tmp_path / "later"])
    assert summary["imported"] == len(later) and summary["quarantined"] == 0, summary
    assert sorted(_campaign_sizes(store).values()) == expected
    assert _member_rows(store) == expected_members  # the same decisions, evidence included
    store.close()


def test_a_rolled_back_batch_leaves_no_trace_in_the_campaign_state(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    texts = _flood_texts(shared_data, 30)
    mails = _flood_mails(texts)
    guilty = msgid_of(mails[20])

    def explode(works: list, env: object) -> None:  # type: ignore[type-arg]
        for w in works:
            if w.parsed is not None and (w.parsed.message_id or "").strip("<>") == guilty:
                raise RuntimeError("a later stage fails on one message")

    pipeline = Pipeline([*INGEST_STAGES, Stage("explode", ("parsed",), (), explode, "test")])
    with IngestSession(store, pipeline=pipeline, after_commit=False) as session:
        results = session.process_batch([(raw, SRC) for raw in mails])
    assert [r.status for r in results].count("quarantined") == 1
    members = table_of(CampaignMember)
    with store.engine.connect() as conn:
        sizes = dict(conn.execute(select(table_of(Campaign).c.id, table_of(Campaign).c.size)).all())
        counted = dict(
            conn.execute(
                select(members.c.campaign_id, func.count())
                .where(members.c.status == "member")
                .group_by(members.c.campaign_id)
            ).all()
        )
    assert sizes == counted  # no double counting from the failed attempt
    assert sum(sizes.values()) >= 0.8 * (len(mails) - 1)


def _story(store: Store, tmp_path: Path, shared_data: Path) -> dict[str, object]:
    """A customer writes, then readers of a post about her send a form letter naming her."""
    customer = make_mail(
        sender="Maria Lopez <maria.lopez@example.net>",
        subject="Charged twice and nobody answers",
        body="Dear Mr. Hale,\n\nI have been charged twice for my plan since August and support keeps "
        "promising a refund that never comes. Please have someone look at my account.\n\nMaria Lopez\n",
        when=T0 - timedelta(days=3),
    )
    form = (
        "I read how your company treated Maria Lopez, a customer who wrote to you about being charged twice "
        "and was told that legal action may follow if she kept writing. A customer who writes to the CEO has "
        "tried everything else first. Threatening her is not customer service; it is intimidation. "
        "Apologise to Ms. Lopez, refund her, and make sure nobody who writes to your office is threatened again."
    )
    readers = [
        make_mail(
            sender=f"Reader {i} <reader{i}@example.org>",
            subject="How you treated Maria Lopez",
            body=("Hello,\n\n" if i % 2 else "")
            + form
            + (f"\n\nI have been a customer for {i + 2} years.\n" if i % 3 else "\n"),
            when=T0 + timedelta(minutes=7 * i),
        )
        for i in range(12)
    ]
    follow_up = make_mail(
        sender="Maria Lopez <maria.lopez@example.net>",
        subject="About your office's message",
        body="Mr. Hale,\n\nI read how your company treated Maria Lopez, a customer who wrote to you about being "
        "charged twice, because it is me. I still have the double charge. Please fix it.\n\nMaria\n",
        when=T0 + timedelta(hours=5),
    )
    import_paths(store, [_write(tmp_path / "story", [customer, *readers, follow_up])])
    return {"customer": msgid_of(customer), "readers": [msgid_of(r) for r in readers], "follow_up": msgid_of(follow_up)}


def test_the_flood_links_the_case_it_is_about_and_that_case_rises(
    store: Store, tmp_path: Path, shared_data: Path
) -> None:
    ids = _story(store, tmp_path, shared_data)
    with store.engine.connect() as conn:
        listed = queries.list_campaigns(conn)
        assert len(listed) == 1
        c = listed[0]
        assert c["size"] == 12 and set(c["members"]) == set(ids["readers"])  # type: ignore[arg-type]
        assert ids["follow_up"] not in c["members"]  # the person it is about is not one of its voices
        assert c["trigger"] is not None and c["trigger"]["rule"] == "named_contact"
        trigger = case_queries.case_detail(conn, c["trigger"]["case_id"])
        queue = case_queries.queue(conn)
    assert trigger is not None and trigger["contact"] == "maria.lopez@example.net"
    assert trigger["campaign_role"] == "trigger"
    assert any(r["source"] == "signal:campaign_trigger" for r in trigger["priority_reasons"])
    assert queue[0]["contact"] == "maria.lopez@example.net"  # the original is not buried
    assert {r["contact"] for r in queue} >= {"maria.lopez@example.net"}
    assert not any((r["contact"] or "").startswith("reader") and r["campaign_role"] == "member" for r in queue)


def test_bulk_actions_ack_answer_close_detach(settings: Settings, tmp_path: Path, shared_data: Path) -> None:
    with smtp_server() as server:
        s = configure_sending(settings, server)
        store = Store.open(s)
        _story(store, tmp_path, shared_data)
        # one reader writes again with the same text: one sender, one acknowledgment
        again = make_mail(
            sender="Reader 3 <reader3@example.org>",
            subject="How you treated Maria Lopez (again)",
            body="I read how your company treated Maria Lopez, a customer who wrote to you about being charged "
            "twice and was told that legal action may follow if she kept writing. A customer who writes to the CEO "
            "has tried everything else first. Threatening her is not customer service; it is intimidation. "
            "Apologise to Ms. Lopez, refund her, and make sure nobody who writes to your office is threatened again.\n",
            when=T0 + timedelta(hours=6),
        )
        import_paths(store, [_write(tmp_path / "again", [again])])
        with store.engine.connect() as conn:
            cid = queries.list_campaigns(conn)[0]["id"]
            size = queries.list_campaigns(conn)[0]["size"]
        assert size == 13
        with store.transaction() as conn:
            acked = actions.acknowledge_all(conn, s, cid, by="agent")
        assert len(acked.done) == 12 and any("already" in x["why"] for x in acked.skipped)
        with store.transaction() as conn:
            assert actions.acknowledge_all(conn, s, cid, by="agent").done == []  # idempotent

        threat = (
            "Dear {customer_name},\n\nIf you continue to e-mail the CEO, "
            "a cease-and-desist letter may be sent to you.\n"
        )
        with pytest.raises(CampaignError, match="blocks"), store.transaction() as conn:
            actions.answer_all(conn, s, cid, text=threat, by="agent")
        with pytest.raises(CampaignError, match="supervisor"), store.transaction() as conn:
            actions.answer_all(conn, s, cid, text=threat, by="agent", role="agent", approval_reason="legal said so")
        kind = (
            "Dear {customer_name},\n\nThank you for writing. We are sorry for how Ms. Lopez was treated; we have "
            "called her, refunded her, and are changing how our office answers mail.\n"
        )
        with store.transaction() as conn:
            answered = actions.answer_all(conn, s, cid, text=kind, by="agent")
        assert len(answered.done) == 12 and answered.tone is not None and answered.tone["verdict"] != "block"

        from execdesk.reply.send import send_due

        results = send_due(store, s)
        assert sum(1 for r in results if r.status == "sent") == 24
        to = sorted(r.rcpt_tos[0] for r in server.recorder.received)
        assert len(to) == 24 and len(set(to)) == 12
        bodies = [r.message for r in server.recorder.received]
        assert any("Dear Reader 5," in m.get_body().get_content() for m in bodies)  # personalised
        assert all(m["In-Reply-To"] for m in bodies)

        with store.engine.connect() as conn:
            detail = queries.campaign_detail(conn, cid)
        assert detail is not None
        victim = detail["member_details"][0]
        with store.transaction() as conn:
            actions.detach(conn, cid, victim["message_pk"], by="supervisor", reason="not about the campaign")
        with store.transaction() as conn:
            closed = actions.close_all(conn, cid, by="supervisor")
        cases = table_of(Case)
        with store.engine.connect() as conn:
            statuses = dict(conn.execute(select(cases.c.id, cases.c.status)).all())
            detail = queries.campaign_detail(conn, cid)
        assert detail is not None and detail["status"] == "closed" and detail["size"] == 12
        assert statuses[victim["case_id"]] == "open"  # detached: back in the queue, not closed
        assert statuses[detail["trigger"]["case_id"]] == "open"
        assert closed.done and all(statuses[int(d["case"].split("-")[1])] == "closed" for d in closed.done)
        store.close()


def test_a_volume_spike_raises_one_alert(store: Store, tmp_path: Path) -> None:
    background = [
        make_mail(
            sender=f"Person {i} <p{i}@example.com>",
            subject=f"Question {i}",
            body=f"Hello, a short question number {i} about my plan.\n",
            when=T0 - timedelta(hours=40 - i),
        )
        for i in range(40)
    ]
    burst = [
        make_mail(
            sender=f"Caller {i} <c{i}@example.com>",
            subject=f"Outage {i}",
            body=f"My line {i} has been dead since this morning; nothing works.\n",
            when=T0 + timedelta(minutes=2 * i),
        )
        for i in range(25)
    ]
    import_paths(store, [_write(tmp_path / "spike", [*background, *burst])])
    with store.engine.connect() as conn:
        spikes = [a for a in queries.alerts(conn, kind="spike") if a["details"]["topic"] == "*"]
    assert len(spikes) == 1
    assert spikes[0]["details"]["count"] >= 10 and "median" in spikes[0]["details"]["evidence"]


def test_cli_campaigns_json_and_show(settings: Settings, tmp_path: Path, shared_data: Path) -> None:
    from execdesk.cli.main import app

    store = Store.open(settings)
    _story(store, tmp_path, shared_data)
    store.close()
    runner = CliRunner()
    env = {"EXECDESK_DATABASE_URL": settings.database_url or ""} if settings.database_url else {}
    out = runner.invoke(app, ["--home", str(settings.home), "campaigns", "--json"], env=env)
    assert out.exit_code == 0, out.output
    listed = json.loads(out.stdout)
    assert len(listed) == 1 and listed[0]["size"] == 12 and all("<" not in m for m in listed[0]["members"])
    shown = runner.invoke(app, ["--home", str(settings.home), "campaign", "show", listed[0]["id"]], env=env)
    assert shown.exit_code == 0 and "trigger: ED-" in shown.stdout and "named_contact" in shown.stdout
    missing = runner.invoke(app, ["--home", str(settings.home), "campaign", "show", "cmp_nope"], env=env)
    assert missing.exit_code == 2 and "no campaign" in missing.output


def test_a_second_flood_about_the_same_case_joins_the_first_and_stays_joined(store: Store, tmp_path: Path) -> None:
    """Two different letters about one customer (two batches, then more of the second after a restart): one
    campaign. (The demo story exercises the merge-by-trigger path: tests/test_story_end_to_end.py.)"""
    _story(store, tmp_path, Path("."))
    other = (
        "Your office told a paying customer, Maria Lopez, that she could face legal action for writing to the "
        "chief executive about a double charge. I have cancelled my upgrade order because of it and I will tell "
        "my friends and family why. Treat your customers with respect and answer their questions instead."
    )

    def wave(start: int, n: int, folder: str) -> None:
        mails = [
            make_mail(
                sender=f"Other {i} <other{i}@example.com>",
                subject="Maria Lopez",
                body=other + (f"\n\nSigned, customer number {i}\n" if i % 2 else "\n"),
                when=T0 + timedelta(hours=8, minutes=5 * i),
            )
            for i in range(start, start + n)
        ]
        import_paths(store, [_write(tmp_path / folder, mails)])

    wave(0, 6, "wave1")
    forget_runtime(store.settings.db_url, store.settings.home)  # and a restart in between
    wave(6, 4, "wave2")
    with store.engine.connect() as conn:
        listed = queries.list_campaigns(conn)
        merged = queries.list_campaigns(conn, status="merged", include_members=False)
    assert len(listed) == 1, [(c["id"], c["size"]) for c in listed]
    assert listed[0]["size"] == 12 + 10
    assert listed[0]["trigger"]["rule"] == "named_contact"
    with store.engine.connect() as conn:  # joined by the family link, or merged by the trigger (then an alias)
        detail = queries.campaign_detail(conn, listed[0]["id"])
    assert detail is not None and detail["merged"] == [m["id"] for m in merged]


def test_a_hidden_member_case_that_gets_a_message_outside_the_flood_surfaces(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    """A member's own case hides behind the campaign until a message about something else arrives in it;
    then it is an ordinary case again, with an audit event, and the other members' cases stay hidden."""
    mails = _flood_mails(_flood_texts(shared_data, 30))
    import_paths(store, [_write(tmp_path / "flood", mails)])
    cases, messages = table_of(Case), table_of(Message)
    with store.engine.connect() as conn:
        hidden = conn.execute(
            select(cases.c.id, messages.c.message_id)
            .join(messages, messages.c.case_id == cases.c.id)
            .where(cases.c.campaign_role == "member")
            .order_by(cases.c.id)
        ).all()
    assert len(hidden) >= 10
    case_id, message_id = hidden[3]
    sender = next(m for m in mails if msgid_of(m) == message_id.strip("<>"))
    follow_up = make_mail(
        sender=BytesParser(policy=policy.default).parsebytes(sender)["From"],
        subject="Re: Ohio nuisance provision",
        body="Separately: my water bill for August shows a meter reading of 88120, twice last year's. "
        "Could someone from billing call me back about it this week?\n",
        when=T0 + timedelta(days=2),
        in_reply_to=f"<{message_id.strip('<>')}>",
    )
    import_paths(store, [_write(tmp_path / "follow_up", [follow_up])])
    with store.engine.connect() as conn:
        roles = dict(
            conn.execute(select(cases.c.id, cases.c.campaign_role).where(cases.c.id.in_([c for c, _ in hidden]))).all()
        )
        surfaced = (
            conn.execute(
                select(table_of(AuditEvent).c.case_id).where(table_of(AuditEvent).c.action == "campaign.case_surfaced")
            )
            .scalars()
            .all()
        )
    assert roles[case_id] is None
    assert surfaced == [case_id]
    assert all(role == "member" for c, role in roles.items() if c != case_id)
