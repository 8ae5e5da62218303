"""Sending for real, to an SMTP server the test starts on loopback (aiosmtpd): threading headers,
the case tag, Auto-Submitted on automatic mail, retries with backoff, idempotency across a crash,
the sent message in the case's thread, and bounces linked back to the case."""

from __future__ import annotations

import json
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from execdesk.cases.queries import case_detail
from execdesk.cli.main import app
from execdesk.demo import load_scenario
from execdesk.reply.bounces import link_bounces, quoted_message_ids
from execdesk.reply.outbox import approve, get, queue
from execdesk.reply.send import SendConfigError, send_due, smtp_deliver
from execdesk.reply.service import draft_reply
from execdesk.store.db import utcnow
from execdesk.store.models import AuditEvent, Case, Message, table_of
from tests.mailfactory import make_mail, msgid_of
from tests.reply.helpers import configure_sending, ingest, ingest_pks, smtp_server
from tests.services import _self_signed_cert, unavailable

_audit = table_of(AuditEvent)
_messages = table_of(Message)
_cases = table_of(Case)


def _draft_and_queue(store, settings, case_id: int, **kw) -> int:  # type: ignore[no-untyped-def]
    with store.transaction() as conn:
        entry = draft_reply(conn, settings, case_id, by="Sam", **kw)
        queue(conn, entry["id"], actor="Sam")
    return int(entry["id"])


def _actions(store, case_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return [
            r.action
            for r in conn.execute(select(_audit.c.action).where(_audit.c.case_id == case_id).order_by(_audit.c.id))
            if not r.action.startswith(("sla.", "case.routed"))  # routing and SLA clocks audit their own events
        ]


def test_reply_is_sent_threaded_tagged_and_kept_on_the_case(store, settings) -> None:  # type: ignore[no-untyped-def]
    first = make_mail(subject="My bill is wrong again", message_id="<first@example.net>")
    second = make_mail(
        subject="Re: My bill is wrong again", in_reply_to="<first@example.net>", references=["<first@example.net>"],
        message_id="<second@example.net>", days=1,
    )  # fmt: skip
    (case_id, same) = ingest(store, first, second)
    assert same == case_id
    with smtp_server() as server:
        configure_sending(settings, server)
        outbox_id = _draft_and_queue(store, settings, case_id, template="apology_next_step")
        results = send_due(store, settings)
    assert [r.status for r in results] == ["sent"]
    (got,) = server.recorder.received
    msg = got.message
    assert got.rcpt_tos == ["dana.whitfield@example.net"] and got.mail_from == "ceo-office@northwind-mobile.example"
    assert msg["In-Reply-To"] == "<second@example.net>"
    assert msg["References"] == "<first@example.net> <second@example.net>"
    assert msg["Subject"] == f"Re: My bill is wrong again [ED-{case_id:06d}]"
    assert msg["From"] == "Office of the CEO <ceo-office@northwind-mobile.example>"
    assert msg["Date"] and msg["Auto-Submitted"] is None
    with store.engine.connect() as conn:
        entry = get(conn, outbox_id)
        assert msg["Message-ID"] == f"<{entry['message_id']}>" and entry["status"] == "sent"
        detail = case_detail(conn, case_id)
        case = conn.execute(select(_cases).where(_cases.c.id == case_id)).one()
    assert detail is not None
    out = [m for m in detail["thread"] if m["direction"] == "out"]
    assert len(out) == 1 and out[0]["message_id"] == entry["message_id"] and "I am sorry" in out[0]["new_text"]
    assert case.last_outbound_at is not None and case.message_count == 3
    with store.engine.connect() as conn:
        sha = conn.execute(select(_messages.c.raw_sha256).where(_messages.c.direction == "out")).scalar_one()
    assert store.blobs.get(sha) == got.data  # the thread keeps exactly the bytes that were sent
    assert _actions(store, case_id)[-3:] == ["reply.drafted", "reply.queued", "reply.sent"]


def test_a_customer_answer_to_our_reply_threads_into_the_case(store, settings) -> None:  # type: ignore[no-untyped-def]
    (case_id,) = ingest(store, make_mail())
    with smtp_server() as server:
        configure_sending(settings, server)
        _draft_and_queue(store, settings, case_id, template="apology_next_step")
        send_due(store, settings)
    sent_id = server.recorder.received[0].message["Message-ID"]
    answer = make_mail(subject="Re: thanks", in_reply_to=sent_id, references=[sent_id], days=20)
    assert ingest(store, answer) == [case_id]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_auth_is_used_when_configured(store, settings) -> None:  # type: ignore[no-untyped-def]
    (case_id,) = ingest(store, make_mail())
    with smtp_server(username="desk", password="s3cret") as server:
        configure_sending(settings, server, smtp_username="desk", smtp_password="s3cret")
        _draft_and_queue(store, settings, case_id, template="apology_next_step")
        assert [r.status for r in send_due(store, settings)] == ["sent"]
    assert server.logins == ["desk"] and len(server.recorder.received) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # implicit TLS: aiosmtpd cannot tell
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_a_verified_certificate(  # type: ignore[no-untyped-def]
    store, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    cert = _self_signed_cert(tmp_path)
    if cert is None:
        unavailable("openssl is needed to make the test certificate")
    assert cert is not None
    (case_id,) = ingest(store, make_mail())
    with smtp_server(tls=security, cert=cert, username="desk", password="s3cret") as server:
        configure_sending(
            settings, server, smtp_security=security, smtp_username="desk", smtp_password="s3cret", max_attempts=2
        )
        _draft_and_queue(store, settings, case_id, template="apology_next_step")
        (untrusted,) = send_due(store, settings)  # the self-signed certificate is not trusted yet
        assert untrusted.status == "retry" and "CERTIFICATE_VERIFY_FAILED" in (untrusted.error or "")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        (trusted,) = send_due(store, settings, now=utcnow() + timedelta(hours=1))
    assert trusted.status == "sent" and server.logins == ["desk"], trusted
    assert [r.encrypted for r in server.recorder.received] == [True]


def test_451_is_retried_with_exponential_backoff_and_the_same_message_id(store, settings) -> None:  # type: ignore[no-untyped-def]
    (case_id,) = ingest(store, make_mail())
    with smtp_server() as server:
        configure_sending(settings, server, max_attempts=4, retry_base_seconds=60)
        outbox_id = _draft_and_queue(store, settings, case_id, template="apology_next_step")
        t0 = utcnow()
        server.recorder.fail_next = 2
        (r1,) = send_due(store, settings, now=t0)
        assert r1.status == "retry" and "451" in (r1.error or "") and r1.attempts == 1
        assert send_due(store, settings, now=t0 + timedelta(seconds=30)) == []  # not due yet
        (r2,) = send_due(store, settings, now=t0 + timedelta(seconds=61))
        assert r2.status == "retry" and r2.attempts == 2
        assert send_due(store, settings, now=t0 + timedelta(seconds=61 + 100)) == []  # 120 s after attempt 2
        (r3,) = send_due(store, settings, now=t0 + timedelta(seconds=61 + 121))
    assert r3.status == "sent" and r3.attempts == 3
    assert r1.message_id == r2.message_id == r3.message_id
    assert len(server.recorder.received) == 1
    assert server.recorder.received[0].message["Message-ID"] == f"<{r1.message_id}>"
    with store.engine.connect() as conn:
        assert get(conn, outbox_id)["status"] == "sent"
    assert _actions(store, case_id).count("reply.retry") == 2


def test_gives_up_after_max_attempts_and_on_a_permanent_error(store, settings) -> None:  # type: ignore[no-untyped-def]
    a, b = ingest(store, make_mail(sender="a@example.org"), make_mail(sender="b@example.org", subject="Other"))
    with smtp_server() as server:
        configure_sending(settings, server, max_attempts=2, retry_base_seconds=1)
        _draft_and_queue(store, settings, a, template="apology_next_step")
        t0 = utcnow()
        server.recorder.fail_next = 5
        assert [r.status for r in send_due(store, settings, now=t0)] == ["retry"]
        assert [r.status for r in send_due(store, settings, now=t0 + timedelta(seconds=5))] == ["failed"]
        assert send_due(store, settings, now=t0 + timedelta(days=1)) == []  # failed stays failed
        server.recorder.fail_next, server.recorder.fail_with = 1, "550 5.1.1 No such user"
        _draft_and_queue(store, settings, b, template="apology_next_step")
        (perm,) = send_due(store, settings, now=t0 + timedelta(days=1))
    assert perm.status == "failed" and perm.attempts == 1 and "550" in (perm.error or "")
    assert "reply.failed" in _actions(store, a) and "reply.failed" in _actions(store, b)


def test_crash_between_sending_and_sent_resends_the_same_message(store, settings) -> None:  # type: ignore[no-untyped-def]
    """The SMTP server took the message, then the process died before 'sent' was committed."""
    (case_id,) = ingest(store, make_mail())
    with smtp_server() as server:
        configure_sending(settings, server, sending_lease_seconds=300)
        outbox_id = _draft_and_queue(store, settings, case_id, template="apology_next_step")
        t0 = utcnow()
        real = smtp_deliver(settings)

        class PowerCut(BaseException):  # like a killed process, nothing in the sender may catch it
            pass

        def deliver_then_crash(raw: bytes, sender: str, recipients: list[str]) -> None:
            real(raw, sender, recipients)
            raise PowerCut("power cut after the SMTP transaction")

        with pytest.raises(PowerCut, match="power cut"):
            send_due(store, settings, deliver=deliver_then_crash, now=t0)
        with store.engine.connect() as conn:
            assert get(conn, outbox_id)["status"] == "sending"  # committed before the SMTP transaction
        assert send_due(store, settings, now=t0 + timedelta(seconds=10)) == []  # another sender may hold it
        (again,) = send_due(store, settings, now=t0 + timedelta(seconds=301))
    assert again.status == "sent" and again.attempts == 2
    first, second = server.recorder.received
    assert first.message["Message-ID"] == second.message["Message-ID"] == f"<{again.message_id}>"
    assert first.data == second.data  # the same message, byte for byte: never two different replies
    with store.engine.connect() as conn:
        outs = conn.execute(select(_messages.c.id).where(_messages.c.direction == "out")).all()
    assert len(outs) == 1
    assert "reply.resend_after_interruption" in _actions(store, case_id)


def test_blocked_reply_is_not_sent_until_approved(store, settings) -> None:  # type: ignore[no-untyped-def]
    (case_id,) = ingest(store, make_mail())
    with smtp_server() as server:
        configure_sending(settings, server)
        with store.transaction() as conn:
            entry = draft_reply(conn, settings, case_id, by="Office", text=load_scenario().story.office_draft_reply)
        assert entry["status"] == "blocked"
        assert send_due(store, settings) == [] and server.recorder.received == []
        with store.transaction() as conn:
            approve(conn, settings, entry["id"], by="Maria", role="supervisor", reason="Counsel reviewed it")
            queue(conn, entry["id"], actor="Office")
        assert [r.status for r in send_due(store, settings)] == ["sent"]
    assert len(server.recorder.received) == 1
    actions = _actions(store, case_id)
    assert actions.index("reply.approved") < actions.index("reply.queued") < actions.index("reply.sent")


def test_sending_without_configuration_is_a_clear_error(store, settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SendConfigError, match=r"reply\.smtp_host and reply\.from_address"):
        send_due(store, settings)


def test_production_refuses_insecure_transport(store, settings) -> None:  # type: ignore[no-untyped-def]
    configure_sending(settings, smtp_host="smtp.example.com", smtp_security="none")
    settings.environment = "production"
    with pytest.raises(SendConfigError, match="smtp_security = none is refused"):
        send_due(store, settings)
    configure_sending(settings, smtp_security="starttls", verify_tls=False)
    with pytest.raises(SendConfigError, match="verify_tls = false is refused"):
        send_due(store, settings)


def _dsn(original: bytes, to: str = "ceo-office@northwind-mobile.example") -> bytes:
    """A Postfix-style RFC 3464 report carrying the original message (message/rfc822)."""
    msg = EmailMessage()
    msg["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.org>"
    msg["To"] = to
    msg["Subject"] = "Undelivered Mail Returned to Sender"
    msg["Message-ID"] = make_msgid(domain="mx.example.org")
    msg["Auto-Submitted"] = "auto-replied"
    msg.set_content("I'm sorry to have to inform you that your message could not be delivered.\n")
    status = EmailMessage()
    status.set_content(
        "Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; dana@example.net\nAction: failed\n"
        "Status: 5.1.1\n"
    )
    msg.make_mixed()
    msg.add_attachment(original, maintype="message", subtype="rfc822")
    raw = msg.as_bytes()
    return raw.replace(b"multipart/mixed", b"multipart/report; report-type=delivery-status", 1)


def test_bounce_of_a_reply_is_linked_to_its_case(store, settings) -> None:  # type: ignore[no-untyped-def]
    (case_id,) = ingest(store, make_mail())
    with smtp_server() as server:
        configure_sending(settings, server)
        outbox_id = _draft_and_queue(store, settings, case_id, template="apology_next_step")
        send_due(store, settings)
    sent = server.recorder.received[0].data
    assert quoted_message_ids(sent)[0] == msgid_of(sent)
    (bounce_pk,) = ingest_pks(store, _dsn(sent))
    links = link_bounces(store, [bounce_pk])
    assert [(lk.outbox_id, lk.case) for lk in links] == [(outbox_id, f"ED-{case_id:06d}")]
    with store.engine.connect() as conn:
        entry = get(conn, outbox_id)
        bounce = conn.execute(select(_messages).where(_messages.c.id == bounce_pk)).one()
        detail = case_detail(conn, case_id)
    assert entry["status"] == "bounced" and bounce.case_id == case_id and bounce.machine_kind == "bounce"
    assert detail is not None and any(m["message_pk"] == bounce_pk for m in detail["thread"])
    assert "reply.bounced" in _actions(store, case_id)
    assert link_bounces(store, [bounce_pk])[0].moved_from is None  # idempotent


def test_fixture_dsn_from_postfix_is_read(eml_dir: Path) -> None:
    assert "reply-1@example.com" in quoted_message_ids((eml_dir / "bounce_dsn_rfc3464.eml").read_bytes())


def test_cli_reply_send_approve_outbox(home: Path) -> None:  # one end-to-end run of the commands, on SQLite
    runner = CliRunner()
    box = home / "in.eml"
    box.write_bytes(make_mail())
    assert runner.invoke(app, ["--home", str(home), "import", str(box)]).exit_code == 0
    threat = home / "threat.txt"
    threat.write_text(load_scenario().story.office_draft_reply)
    with smtp_server() as server:
        (home / "execdesk.toml").write_text(
            "[reply]\nfrom_address = 'desk@northwind-mobile.example'\nsmtp_host = '127.0.0.1'\n"
            f"smtp_port = {server.port}\nsmtp_security = 'none'\n"
        )
        r = runner.invoke(app, ["--home", str(home), "reply", "ED-000001", "--template", "apology_next_step",
                                "--send", "--by", "Sam", "--json"])  # fmt: skip
        assert r.exit_code == 0, r.output
        sent = json.loads(r.output)
        assert sent["status"] == "sent" and sent["send"][0]["status"] == "sent"
        r = runner.invoke(app, ["--home", str(home), "reply", "1", "--text", str(threat), "--send", "--by", "Sam"])
        assert r.exit_code == 3 and "BLOCK" in r.output and "execdesk approve 2" in r.output
        r = runner.invoke(app, ["--home", str(home), "approve", "2", "--by", "Maria", "--reason", "ok"])
        assert r.exit_code == 2 and "not a supervisor" in r.output
        r = runner.invoke(
            app, ["--home", str(home), "approve", "2", "--by", "Maria", "--role", "supervisor", "--reason", "Legal ok"]
        )
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["--home", str(home), "send", "--queue", "2", "--by", "Sam", "--json"])
        assert r.exit_code == 0, r.output and [x["status"] for x in json.loads(r.output)] == ["sent"]
    assert len(server.recorder.received) == 2
    listing = json.loads(runner.invoke(app, ["--home", str(home), "outbox", "--json"]).output)
    assert [(e["id"], e["status"], e["approved_by"]) for e in listing] == [(2, "sent", "Maria"), (1, "sent", None)]


def test_cli_templates_and_edit(home: Path) -> None:
    runner = CliRunner()
    names = [t["name"] for t in json.loads(runner.invoke(app, ["--home", str(home), "templates", "--json"]).output)]
    assert names == ["acknowledgment", "apology_next_step", "campaign_answer", "executive_note"]
    box = home / "in.eml"
    box.write_bytes(make_mail())
    assert runner.invoke(app, ["--home", str(home), "import", str(box)]).exit_code == 0
    r = runner.invoke(app, ["--home", str(home), "reply", "1", "--template", "apology_next_step", "--by", "Sam"])
    assert r.exit_code == 0, r.output
    threat = home / "threat.txt"
    threat.write_text(load_scenario().story.office_draft_reply)
    r = runner.invoke(app, ["--home", str(home), "edit", "1", "--text", str(threat), "--by", "Sam", "--json"])
    assert r.exit_code == 3 and json.loads(r.output)["status"] == "blocked"
    r = runner.invoke(app, ["--home", str(home), "send", "--queue", "1"])
    assert r.exit_code == 2 and "blocked by the tone guard" in r.output


def test_a_claimed_entry_is_not_claimed_twice(store, settings) -> None:  # type: ignore[no-untyped-def]
    from execdesk.reply.send import claim

    (case_id,) = ingest(store, make_mail())
    configure_sending(settings)
    outbox_id = _draft_and_queue(store, settings, case_id, template="apology_next_step")
    now = utcnow() + timedelta(seconds=1)
    first = claim(store, settings, outbox_id, now)
    assert first is not None and first.status == "sending" and first.attempts == 1
    assert claim(store, settings, outbox_id, now) is None  # a second worker gets nothing while the lease runs
    later = now + timedelta(seconds=settings.reply.sending_lease_seconds + 1)
    again = claim(store, settings, outbox_id, later)
    assert again is not None and again.message_id == first.message_id and again.attempts == 2


def test_cli_send_without_configuration_keeps_the_entry_queued(home: Path) -> None:
    runner = CliRunner()
    box = home / "in.eml"
    box.write_bytes(make_mail())
    assert runner.invoke(app, ["--home", str(home), "import", str(box)]).exit_code == 0
    r = runner.invoke(app, ["--home", str(home), "reply", "1", "--template", "apology_next_step", "--send"])
    assert r.exit_code == 2 and "reply.smtp_host" in r.output and "stays queued" in r.output
    listing = json.loads(runner.invoke(app, ["--home", str(home), "outbox", "--json", "--status", "queued"]).output)
    assert [e["id"] for e in listing] == [1]


def _raw_mail(sender: str, subject_header: str) -> bytes:
    """A message written byte by byte: the headers exactly as a hostile or international sender may write them."""
    return (
        f"From: {sender}\r\nTo: ceo@northwind-mobile.example\r\nSubject: {subject_header}\r\n"
        f"Date: Mon, 02 Nov 2026 09:00:00 +0000\r\nMessage-ID: {make_msgid(domain='example.net')}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Hello,\r\n\r\nI was charged twice for October. Please fix it.\r\n"
    ).encode()


def test_a_subject_with_encoded_line_breaks_cannot_inject_headers_into_the_reply(store, settings) -> None:  # type: ignore[no-untyped-def]
    # "Refund=0D=0ABcc: victim@example.org": an encoded-word that decodes to a line break and a header
    hostile = "=?utf-8?q?Refund=0D=0ABcc=3A_victim=40example=2Eorg?="
    (case_id,) = ingest(store, _raw_mail("mallory@example.org", hostile))
    with smtp_server() as server:
        configure_sending(settings, server)
        _draft_and_queue(store, settings, case_id, template="apology_next_step")
        (result,) = send_due(store, settings)
    assert result.status == "sent"
    (got,) = server.recorder.received
    assert got.rcpt_tos == ["mallory@example.org"] and got.message["Bcc"] is None
    assert b"\r\nBcc:" not in got.data and "victim@example.org" in got.message["Subject"]


def test_international_addresses_are_sent_as_the_server_allows(store, settings) -> None:  # type: ignore[no-untyped-def]
    """An IDN domain goes out in its ASCII form; a non-ASCII mailbox name needs SMTPUTF8 (RFC 6531), and a
    server without it fails that reply alone, permanently and with the reason, not the replies behind it."""
    idn, eai, plain = ingest(
        store,
        _raw_mail("anna@bücher.example", "Lieferung"),
        _raw_mail("josé@correo.example", "Factura"),
        _raw_mail("li@example.org", "Bill"),
    )
    with smtp_server() as server:
        configure_sending(settings, server)
        for case_id in (idn, eai, plain):
            _draft_and_queue(store, settings, case_id, template="apology_next_step")
        results = {r.case: r for r in send_due(store, settings)}
    assert results[f"ED-{idn:06d}"].status == "sent" and results[f"ED-{plain:06d}"].status == "sent"
    refused = results[f"ED-{eai:06d}"]
    assert refused.status == "failed" and "SMTPUTF8" in (refused.error or "")
    assert sorted(r for got in server.recorder.received for r in got.rcpt_tos) == [
        "anna@xn--bcher-kva.example",
        "li@example.org",
    ]
    assert "reply.failed" in _actions(store, eai)
    with smtp_server(smtputf8=True) as server:
        configure_sending(settings, server)
        _draft_and_queue(store, settings, eai, template="apology_next_step")
        (sent,) = send_due(store, settings)
    assert sent.status == "sent"
    (got,) = server.recorder.received
    assert got.rcpt_tos == ["josé@correo.example"] and got.message["To"] == "josé@correo.example"


def test_an_unexpected_error_fails_one_reply_and_the_pass_goes_on(store, settings) -> None:  # type: ignore[no-untyped-def]
    a, b = ingest(store, make_mail(sender="a@example.org"), make_mail(sender="b@example.org", subject="Other"))
    with smtp_server() as server:
        configure_sending(settings, server, max_attempts=2, retry_base_seconds=1)
        first = _draft_and_queue(store, settings, a, template="apology_next_step")
        _draft_and_queue(store, settings, b, template="apology_next_step")
        real = smtp_deliver(settings)

        def deliver(raw: bytes, sender: str, recipients: list[str]) -> None:
            if recipients == ["a@example.org"]:
                raise KeyError("a defect in a deliver plug-in")
            real(raw, sender, recipients)

        t0 = utcnow()
        results = send_due(store, settings, deliver=deliver, now=t0)
        assert [(r.case, r.status) for r in results] == [(f"ED-{a:06d}", "retry"), (f"ED-{b:06d}", "sent")]
        assert "KeyError" in (results[0].error or "")
        (again,) = send_due(store, settings, now=t0 + timedelta(seconds=5))
    assert again.outbox_id == first and again.status == "sent" and again.attempts == 2
