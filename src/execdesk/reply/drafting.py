"""Drafting a reply on a case: templates with variables, the executive voice, and the case's context.

Pure text work plus one read of the case: the outbox (``execdesk.reply.outbox``) stores the
result, and every text it stores has been through the tone guard with this inbound context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from execdesk.cases.refs import case_ref
from execdesk.reply.tone import InboundContext
from execdesk.settings import Settings
from execdesk.store.models import Case, Contact, Message, table_of

_cases = table_of(Case)
_contacts = table_of(Contact)
_messages = table_of(Message)

VARIABLES = ("customer_name", "customer_first_name", "case_ref", "agent", "executive", "company", "subject")
_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DESCRIPTION = re.compile(r"\A\s*<!--(.*?)-->\s*\n?", re.S)
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
#: Executive replies longer than this are flagged in the draft's notes: the voice is short.
EXECUTIVE_MAX_WORDS = 120


class DraftError(ValueError):
    """A draft cannot be made as asked (unknown template or variable, no inbound mail...)."""


@dataclass(frozen=True)
class Template:
    """A reply template: its body (with ``{variables}``), where it came from, and what it is for."""

    name: str
    body: str
    description: str
    origin: str  # "shipped" or the organisation file's path


@dataclass
class CaseContext:
    """What a draft needs to know about its case: who wrote, what they wrote, how to thread the reply."""

    case_id: int
    subject: str
    customer_address: str | None
    customer_name: str | None
    last_inbound_pk: int | None = None
    last_inbound_message_id: str | None = None
    last_inbound_references: list[str] = field(default_factory=list)
    inbound_text: str = ""
    inbound: InboundContext = field(default_factory=InboundContext)

    @property
    def ref(self) -> str:
        return case_ref(self.case_id)

    def threading(self) -> tuple[str | None, list[str]]:
        """In-Reply-To and References of a reply to the last inbound message (RFC 5322 §3.6.4)."""
        if self.last_inbound_message_id is None:
            return None, list(self.last_inbound_references[-20:])
        refs = [r for r in self.last_inbound_references if r != self.last_inbound_message_id]
        return self.last_inbound_message_id, [*refs[-19:], self.last_inbound_message_id]


def _parse_template(name: str, text: str, origin: str) -> Template:
    m = _DESCRIPTION.match(text)
    description = m.group(1).strip() if m else ""
    body = text[m.end() :] if m else text
    return Template(name=name, body=body.strip("\n") + "\n", description=description, origin=origin)


def templates_dir(settings: Settings) -> Path:
    return settings.reply.templates_dir or settings.home / "templates"


def load_templates(settings: Settings) -> dict[str, Template]:
    """The shipped templates, with the organisation's ``<home>/templates/*.md`` over them (same name wins)."""
    found: dict[str, Template] = {}
    shipped = resources.files("execdesk.reply") / "templates"
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".md"):
            name = entry.name[:-3]
            found[name] = _parse_template(name, entry.read_text(encoding="utf-8"), "shipped")
    org = templates_dir(settings)
    if org.is_dir():
        for path in sorted(org.glob("*.md")):
            if _NAME.match(path.stem):
                found[path.stem] = _parse_template(path.stem, path.read_text(encoding="utf-8"), str(path))
    return found


def get_template(settings: Settings, name: str) -> Template:
    templates = load_templates(settings)
    if name not in templates:
        raise DraftError(f"no template {name!r}; available: {', '.join(sorted(templates))}")
    return templates[name]


def render(text: str, variables: dict[str, str]) -> str:
    """Fill ``{name}`` variables; an unknown name is an error that lists the known ones (no silent blanks)."""
    unknown = sorted({m.group(1) for m in _VAR.finditer(text)} - set(variables))
    if unknown:
        raise DraftError(f"unknown template variable {', '.join(unknown)}; known: {', '.join(sorted(variables))}")
    return _VAR.sub(lambda m: variables[m.group(1)], text)


def variables_for(ctx: CaseContext, settings: Settings, agent: str) -> dict[str, str]:
    name = (ctx.customer_name or "").strip().strip('"')
    return {
        "customer_name": name or "customer",
        "customer_first_name": name.split()[0] if name else "there",
        "case_ref": ctx.ref,
        "agent": agent,
        "executive": settings.reply.executive_name,
        "company": settings.reply.company_name,
        "subject": ctx.subject,
    }


def signature_for(settings: Settings, variables: dict[str, str], *, executive: bool) -> str:
    if executive:
        return render(settings.reply.executive_signature or "{executive}", variables)
    return render(settings.reply.signature, variables)


def compose(
    body: str, settings: Settings, variables: dict[str, str], *, executive: bool, sign: bool = True
) -> tuple[str, dict[str, Any]]:
    """The final text (signature appended unless already there) and notes about the voice."""
    text = body.rstrip() + "\n"
    notes: dict[str, Any] = {}
    if sign:
        sig = signature_for(settings, variables, executive=executive).strip()
        if sig and sig.splitlines()[0].strip() not in text:
            text = f"{text}\n{sig}\n"
    if executive:
        words = len(text.split())
        notes["executive_words"] = words
        if words > EXECUTIVE_MAX_WORDS:
            notes["executive_too_long"] = (
                f"{words} words: an executive's personal reply reads best under {EXECUTIVE_MAX_WORDS}"
            )
    return text, notes


def case_context(conn: Connection, case_id: int) -> CaseContext:
    """The case, its customer and its last inbound message (the one a reply answers)."""
    row = conn.execute(
        select(_cases.c.id, _cases.c.subject, _contacts.c.address, _contacts.c.display_name)
        .select_from(_cases.outerjoin(_contacts, _cases.c.contact_id == _contacts.c.id))
        .where(_cases.c.id == case_id)
    ).first()
    if row is None:
        raise DraftError(f"no case {case_ref(case_id)}")
    ctx = CaseContext(case_id=case_id, subject=row.subject or "", customer_address=row.address, customer_name=None)
    ctx.customer_name = row.display_name
    last = conn.execute(
        select(_messages)
        .where(_messages.c.case_id == case_id, _messages.c.direction == "in", _messages.c.status == "ok")
        .order_by(_messages.c.received_at.desc(), _messages.c.id.desc())
        .limit(1)
    ).first()
    if last is not None:
        ctx.last_inbound_pk = last.id
        ctx.last_inbound_message_id = last.message_id
        ctx.last_inbound_references = [str(r) for r in (last.references or [])]
        ctx.customer_address = _reply_address(last) or ctx.customer_address
        ctx.customer_name = last.from_name or ctx.customer_name
        ctx.inbound_text = last.new_text or ""
        ctx.inbound = inbound_context(last)
    return ctx


def _reply_address(msg: Any) -> str | None:
    headers = msg.headers or {}
    reply_to = headers.get("reply-to") if isinstance(headers, dict) else None
    if isinstance(reply_to, str) and "@" in reply_to:
        from email.utils import parseaddr

        addr = parseaddr(reply_to)[1]
        if addr:
            return addr.lower()
    return str(msg.from_addr) if msg.from_addr else None


def inbound_context(msg: Any) -> InboundContext:
    """The guard's context from a stored message's analysis (intent, sentiment label -2..2, signals)."""
    analysis = msg.analysis or {}
    sentiment = analysis.get("sentiment") or {}
    label = sentiment.get("label") if isinstance(sentiment, dict) else None
    signals = tuple(str(s.get("name")) for s in analysis.get("signals") or [] if isinstance(s, dict))
    return InboundContext(
        intent=msg.intent,
        sentiment=int(label) if isinstance(label, int | float) else None,
        text=msg.new_text or "",
        signals=signals,
    )


def reply_subject(case_subject: str, ref: str) -> str:
    """``Re: <subject> [ED-000123]``: the tag lets intake thread the answer even without headers."""
    subject = (case_subject or "").strip() or "Your message"
    if not re.match(r"(?i)^re:", subject):
        subject = f"Re: {subject}"
    tag = f"[{ref}]"
    return subject if tag in subject else f"{subject} {tag}"
