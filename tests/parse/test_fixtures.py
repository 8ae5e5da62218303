"""Every fixture in tests/fixtures/eml is asserted on the trap it is named after."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from execdesk.parse import ParsedMessage, parse_message


def parse(eml_dir: Path, name: str) -> ParsedMessage:
    return parse_message((eml_dir / name).read_bytes())


def test_koi8r_subject_and_body_decode_to_cyrillic(eml_dir: Path) -> None:
    p = parse(eml_dir, "koi8r_subject.eml")
    assert p.subject == "Жалоба на обслуживание"
    assert p.from_name == "Иван Петров"
    assert "третий раз пишу вам о счёте" in p.text
    assert p.date == datetime(2023, 3, 14, 6, 12, 44, tzinfo=UTC)
    assert p.defects == []


def test_dsn_is_a_bounce_with_status_evidence(eml_dir: Path) -> None:
    p = parse(eml_dir, "bounce_dsn_rfc3464.eml")
    assert p.machine is not None and p.machine.kind == "bounce"
    assert "report-type=delivery-status" in p.machine.evidence
    assert "Status: 5.1.1" in p.machine.evidence
    assert "Dear customer" not in p.new_text  # the returned original is an attachment
    assert [a.content_type for a in p.attachments] == ["message/delivery-status", "message/rfc822"]


@pytest.mark.parametrize(
    ("name", "kind", "evidence"),
    [
        ("exchange_out_of_office.eml", "auto_reply", "Subject: Automatic reply:"),
        ("gmail_vacation.eml", "auto_reply", "Auto-Submitted: auto-replied"),
        ("zimbra_out_of_office.eml", "auto_reply", "Subject: Out of Office:"),
        ("qmail_failure_notice.eml", "bounce", "From: mailer-daemon@mail.example.org"),
        ("list_mail_list_id.eml", "list", "mailing-list: list zzzzteana@yahoogroups.com"),
        ("precedence_bulk.eml", "bulk", "Precedence: bulk"),
        ("newsletter_list_unsubscribe.eml", "bulk", "List-Unsubscribe: <mailto:unsub@brand.example.com>"),
        ("auto_submitted_generated.eml", "auto_generated", "Auto-Submitted: auto-generated"),
        ("read_receipt_mdn.eml", "auto_generated", "report-type=disposition-notification"),
    ],
)
def test_machine_mail_kind_and_evidence(eml_dir: Path, name: str, kind: str, evidence: str) -> None:
    p = parse(eml_dir, name)
    assert p.machine is not None, name
    assert p.machine.kind == kind
    assert evidence in p.machine.evidence
    assert p.machine.reason


@pytest.mark.parametrize(
    "name",
    ["koi8r_subject.eml", "outlook_quoted_reply.eml", "gmail_quoted_reply.eml", "sent_from_iphone.eml"],
)
def test_mail_from_people_is_not_machine_mail(eml_dir: Path, name: str) -> None:
    assert parse(eml_dir, name).machine is None


def test_rfc2231_filenames_are_decoded(eml_dir: Path) -> None:
    p = parse(eml_dir, "rfc2231_filename.eml")
    names = [a.filename for a in p.attachments]
    assert names == ["Rechnung März €.pdf", "Vertrag für Großkunden.docx"]
    pdf = p.attachments[0]
    assert pdf.content_type == "application/pdf"
    assert pdf.data.startswith(b"%PDF-1.4") and pdf.size == len(pdf.data)
    assert len(pdf.sha256) == 64
    assert p.text == "Anbei die Rechnung und der Vertrag."


def test_unknown_charset_falls_back_with_a_defect(eml_dir: Path) -> None:
    p = parse(eml_dir, "unknown_charset.eml")
    assert p.subject == "Problème de facturation"
    assert "j'ai reçu une facture erronée" in p.text
    assert any("unknown charset 'x-bogus-8'" in d for d in p.defects)


def test_nul_bytes_removed_with_a_defect(eml_dir: Path) -> None:
    p = parse(eml_dir, "nul_bytes.eml")
    assert "\x00" not in p.text
    assert p.text == "Hello there, my account is locked."
    assert any("NUL" in d for d in p.defects)


def test_headers_only_message_is_accepted(eml_dir: Path) -> None:
    p = parse(eml_dir, "headers_only.eml")
    assert p.subject == "(no body)" and p.text == "" and p.new_text == ""
    assert p.message_id == "headers-only@example.com"


def test_html_only_drops_script_and_keeps_lines(eml_dir: Path) -> None:
    p = parse(eml_dir, "html_only_with_script.eml")
    assert "document" not in p.text and "alert" not in p.text and "color" not in p.text
    assert "Spring offers" in p.text.splitlines()[0]
    assert "Our best prices & deals.\nEnds Sunday." in p.text
    assert p.html is not None and "<script>" in p.html  # the original is kept; display sanitises


def test_outlook_original_message_goes_to_quoted_text(eml_dir: Path) -> None:
    p = parse(eml_dir, "outlook_quoted_reply.eml")
    assert p.new_text.startswith("That is not acceptable.")
    assert "refund by Friday" in p.new_text
    assert "We cannot refund the fee" in p.quoted_text and "cannot refund" not in p.new_text
    assert p.quoted_text.startswith("-----Original Message-----")


def test_gmail_wrapped_attribution_goes_to_quoted_text(eml_dir: Path) -> None:
    p = parse(eml_dir, "gmail_quoted_reply.eml")
    assert p.new_text == "Thanks, the engineer came today and the line works again."
    assert p.quoted_text.startswith("On Mon, 27 Mar 2023 at 09:10")
    assert "An engineer will visit" in p.quoted_text
    assert p.in_reply_to == "case-5521@example.com"
    assert p.references == ["case-0001@example.com", "case-5521@example.com"]


def test_dash_dash_signature(eml_dir: Path) -> None:
    p = parse(eml_dir, "signature_dash_dash.eml")
    assert p.new_text == "Can you tell me when my contract ends?"
    assert p.signature.startswith("-- \nTom Baker")


def test_sign_off_and_mobile_footer_are_signature(eml_dir: Path) -> None:
    p = parse(eml_dir, "sent_from_iphone.eml")
    assert p.new_text == "Please cancel my subscription today, I have asked three times."
    assert p.signature == "Thanks,\nMike\n\nSent from my iPhone"


def test_forward_with_note_keeps_note_as_new_text(eml_dir: Path) -> None:
    p = parse(eml_dir, "forwarded_message.eml")
    assert p.new_text == "Look at this bill. This is the third time."
    assert "412.00 EUR" in p.quoted_text


def test_bare_forward_keeps_forwarded_content_as_new_text(eml_dir: Path) -> None:
    p = parse(eml_dir, "forwarded_bare.eml")
    assert "412.00 EUR" in p.new_text and p.quoted_text == ""


def test_multipart_without_boundary_is_read_as_text(eml_dir: Path) -> None:
    p = parse(eml_dir, "multipart_no_boundary.eml")
    assert p.text == "I still want my money back."
    assert any("without boundary" in d for d in p.defects)


def test_bad_base64_is_decoded_leniently(eml_dir: Path) -> None:
    p = parse(eml_dir, "bad_base64.eml")
    assert p.text.startswith("Hello, my order never arrived.")
    assert any("base64" in d for d in p.defects)


def test_broken_encoded_words_and_8bit_headers(eml_dir: Path) -> None:
    p = parse(eml_dir, "broken_encoded_words.eml")
    assert p.from_name == "José García"
    assert p.subject.startswith("日本語の件名 and broken")  # split multi-byte words joined
    assert p.cc_addrs == ["rene@example.fr"]
    assert any("non-UTF-8 bytes in header cc" in d for d in p.defects)


def test_nested_message_is_an_attachment_not_text(eml_dir: Path) -> None:
    p = parse(eml_dir, "nested_rfc822_attachment.eml")
    assert "SECRET INNER TEXT" not in p.text
    (att,) = p.attachments
    assert att.content_type == "message/rfc822" and att.filename == "original.eml"
    assert b"SECRET INNER TEXT" in att.data


def test_bad_date_is_none_with_a_defect(eml_dir: Path) -> None:
    p = parse(eml_dir, "bad_date.eml")
    assert p.date is None
    assert any("Date header does not parse" in d for d in p.defects)


def test_every_fixture_parses_and_is_documented(eml_dir: Path) -> None:
    sources = (eml_dir / "SOURCES.md").read_text()
    for path in sorted(eml_dir.glob("*.eml")):
        assert path.name in sources, f"{path.name} missing from SOURCES.md"
        p = parse_message(path.read_bytes())
        assert p.from_addr and isinstance(p.subject, str)
        assert p.content_hash and p.size == path.stat().st_size
