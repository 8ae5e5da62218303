"""The digest in each format: plain text, HTML (charts as data URIs), PDF (weasyprint, same HTML),
and the e-mail (multipart/alternative: text, then HTML with the charts as ``cid:`` related parts)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any
from zoneinfo import ZoneInfo

from execdesk.digest.charts import charts
from execdesk.digest.html import TIGHTER, Layout, data_uris, render_html, sla_sentence
from execdesk.digest.model import Digest

FORMATS = ("text", "html", "pdf")
_WIDTH = 78


def _wrap(text: str, indent: str = "   ") -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent)


def render_text(d: Digest) -> str:
    """The briefing as plain text (terminal, the text part of the mail)."""
    zone = ZoneInfo(d.timezone)
    t = d.totals
    out = [f"{d.company}: executive briefing for {d.executive}", d.period_label, ""]
    out += [_wrap(f"{i}. {lead.text}", "") for i, lead in enumerate(d.leads, 1)]
    change = f" ({t.change_pct:+g}% vs the previous period)" if t.change_pct is not None else ""
    out += [
        "",
        f"Mail: {t.messages} messages{change}; {t.new_cases} new cases; {t.campaign_messages} in campaigns; "
        f"{t.open_cases} open cases; {t.machine_messages} machine; {t.quarantined} quarantined.",
    ]
    if d.campaigns:
        out += ["", "CAMPAIGNS"]
        for c in d.campaigns:
            if c.related_to:
                out.append(f" - same event, other words: {c.title}: {c.in_period} in the period, {c.size} in all")
                continue
            out.append(f" - {c.title}: {c.in_period} in the period, {c.size} in all, {c.growth}")
            if c.trigger:
                out.append(
                    _wrap(
                        f"About: {c.trigger.contact_name or c.trigger.contact} ({c.trigger.ref}) — {c.trigger.summary}"
                    )
                )
            if c.form_summary:
                out.append(_wrap(f"The form says: {c.form_summary}"))
            if c.additions:
                out.append(_wrap("Members add: " + "; ".join(c.additions)))
            out += [_wrap(f"→ {step}") for step in c.stance]
    if d.personal_replies:
        out += ["", "WORTH A PERSONAL REPLY"]
        for p in d.personal_replies:
            out.append(f" - {p.contact_name or p.contact} ({p.ref}): {p.subject}")
            out.append(_wrap("Why: " + "; ".join(p.reasons)))
            out.append(_wrap(f"“{p.summary}”"))
    if d.high_risk:
        out += ["", "HIGH RISK"]
        for r in d.high_risk:
            out.append(f" - {r.ref} {r.subject} — {r.contact_name or r.contact} [{r.owner}]")
            out.append(_wrap("; ".join(r.reasons)))
            out.append(_wrap(r.summary))
    if d.themes:
        out += ["", "THEMES", _wrap(" · ".join(f"{x.label} {x.count} (was {x.previous})" for x in d.themes[:8]), " ")]
    if d.praise:
        out += ["", "PRAISE"] + [_wrap(f"“{p.summary}” — {p.contact_name or p.contact} ({p.ref})") for p in d.praise]
    out += ["", "RESPONSE TIMES", _wrap(sla_sentence(d), " ")]
    if d.alerts:
        out += ["", "ALERTS"] + [f" - {a.at.astimezone(zone):%d %b %H:%M} {a.kind}: {a.title}" for a in d.alerts]
    return "\n".join(out) + "\n"


def render_html_file(d: Digest, layout: Layout | None = None) -> str:
    """A self-contained HTML file: charts inlined as data URIs."""
    return render_html(d, data_uris(charts(d)), layout)


#: Paper sizes the PDF can be printed on (``digest.page_size``).
PAGE_SIZES = ("A4", "Letter")
_PRINT_CSS = (
    "@page {{ size: {size}; margin: 8mm }} body {{ background: #ffffff !important }}"
    " table.page {{ width: 100% !important; border: 0 !important }}"
    " table.outer {{ background: #ffffff !important }} table.outer > tbody > tr > td {{ padding: 0 !important }}"
    " td.foot {{ padding: 2px 16px 0 16px !important }}"
)


def pdf_document(
    d: Digest, layout: Layout | None = None, *, page_size: str = "A4", images: Mapping[str, str] | None = None
) -> Any:
    """The laid-out weasyprint document of one layout (``.pages``, ``.write_pdf()``)."""
    from weasyprint import HTML

    if page_size not in PAGE_SIZES:
        raise ValueError(f"unknown page size {page_size!r}; choose from {', '.join(PAGE_SIZES)}")
    css = _PRINT_CSS.format(size=page_size)
    html = render_html(d, images if images is not None else data_uris(charts(d)), layout)
    page = html.replace("<head>", f"<head><style>{css}</style>", 1)
    return HTML(string=page, base_url=None).render()


def fitted_document(d: Digest, *, page_size: str = "A4") -> tuple[Any, Layout]:
    """The weasyprint document of the first layout in :data:`TIGHTER` that fits one page.

    A day too busy for the tightest layout keeps it and runs onto a second page rather than
    losing a section. Returns the document (``.pages``, ``.write_pdf()``) and the layout used.
    """
    images = data_uris(charts(d))
    for layout in TIGHTER:
        document = pdf_document(d, layout, page_size=page_size, images=images)
        if len(document.pages) == 1:
            break
    return document, layout


def render_pdf(d: Digest, *, page_size: str = "A4") -> bytes:
    """The same HTML printed by weasyprint on one page (no network: the charts are data URIs)."""
    document, _layout = fitted_document(d, page_size=page_size)
    pdf = document.write_pdf()
    assert pdf is not None
    return bytes(pdf)


def render(d: Digest, fmt: str, *, page_size: str = "A4") -> bytes:
    if fmt == "text":
        return render_text(d).encode("utf-8")
    if fmt == "html":
        return render_html_file(d).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(d, page_size=page_size)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def build_mail(
    d: Digest,
    *,
    sender: str,
    recipients: list[str],
    subject: str,
    sender_name: str | None = None,
    msgid_domain: str | None = None,
    attach_pdf: bool = False,
    page_size: str = "A4",
) -> EmailMessage:
    """The digest as one e-mail: text for plain readers, HTML with inline charts (``cid:``) for the rest."""
    pngs = charts(d)
    domain = msgid_domain or sender.rpartition("@")[2] or "execdesk.invalid"
    cids = {name: make_msgid(f"digest-{name}", domain=domain) for name in pngs}
    msg = EmailMessage(policy=SMTP.clone(max_line_length=998))
    msg["From"] = formataddr((sender_name, sender)) if sender_name else sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(d.generated_at)
    msg["Message-ID"] = make_msgid("digest", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: nobody should auto-reply to a report
    msg.set_content(render_text(d), charset="utf-8", cte="quoted-printable")
    html = render_html(d, {name: f"cid:{cid[1:-1]}" for name, cid in cids.items()})
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    html_part = msg.get_payload()[1]  # type: ignore[index]
    assert isinstance(html_part, EmailMessage)
    for name, png in pngs.items():
        html_part.add_related(png, "image", "png", cid=cids[name], filename=f"{name}.png", disposition="inline")
    if attach_pdf:
        msg.make_mixed()
        pdf = render_pdf(d, page_size=page_size)
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="briefing.pdf")
    return msg
