"""Machine-mail rules: was this message sent by a program rather than a person?

Each rule is a named yes/no check that quotes the header or text that decided it
(the Mailman "rules" habit). They run from the most to the least specific and the
first hit wins, so a DSN that also carries ``Precedence: bulk`` is a ``bounce``.

Kinds (see :class:`~execdesk.parse.model.MachineMail`):

==================  ==================================================================
``bounce``          RFC 3464 delivery report, or a mailer-daemon / null-sender failure notice
``auto_reply``      out-of-office / vacation: RFC 3834 ``auto-replied``, X-Autoreply,
                    Exchange "Automatic reply:", Gmail vacation, Zimbra "Out of Office"
``auto_generated``  other RFC 3834 auto-submitted mail, read receipts (RFC 8098),
                    feedback-loop reports (RFC 5965), null return path
``list``            mailing-list traffic: List-Id, List-Post, Mailman's X-BeenThere, Precedence: list
``bulk``            Precedence bulk/junk, or a List-Unsubscribe without a list (newsletters, marketing)
==================  ==================================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from execdesk.parse.mime import Part
from execdesk.parse.model import MachineMail


@dataclass(frozen=True, slots=True)
class MailFacts:
    """What the rules look at, gathered once by the parser."""

    headers: dict[str, str]  # first value of each NEEDED_HEADERS field present, lower-case names
    subject: str
    from_addr: str | None
    root: Part


_DAEMON = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounces?|noreply-dsn)@", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"^(?:undeliver(?:ed|able)|delivery (?:status notification|failure|has failed|notification)|"
    r"returned mail|failure notice|mail delivery (?:failed|system|subsystem)|"
    r"message (?:not delivered|delivery failure)|non[- ]?delivery|warning: could not send|"
    r"unzustellbar|nicht zustellbar|delivery delayed)",
    re.I,
)
# Prefixes that only auto-responders write; enough on their own.
_AUTO_REPLY_SUBJECT = re.compile(
    r"^(?:automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|out of (?:the )?office(?: auto ?reply)?|"
    r"abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática|risposta automatica|"
    r"automatisch antwoord|resposta automática|autosvar|automaattinen vastaus)\s*[:(\[]",
    re.I,
)
# Looser wording that needs a supporting header (X-Auto-Response-Suppress, Precedence...).
_AWAY_SUBJECT = re.compile(
    r"\b(?:out of (?:the )?office|on vacation|on holiday|on leave|away from (?:the|my) (?:office|desk|e-?mail)|"
    r"vacation (?:reply|response|message)|auto(?:matic)?[- ]?(?:reply|response))\b",
    re.I,
)
_X_AUTOREPLY = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply", "x-vacation")
#: Header fields the rules read; the parser decodes only these into ``MailFacts.headers``.
NEEDED_HEADERS = (
    "return-path",
    "auto-submitted",
    *_X_AUTOREPLY,
    "x-auto-response-suppress",
    "precedence",
    "list-id",
    "list-post",
    "x-beenthere",
    "mailing-list",
    "x-mailing-list",
    "list-unsubscribe",
)


def _report_type(root: Part) -> str | None:
    """report-type of a multipart/report at the top or one level down (some MTAs wrap it)."""
    for part in (root, *root.children):
        if part.ctype == "multipart/report":
            return (part.params.get("report-type") or "").lower()
    return None


def _status_line(root: Part) -> str:
    """``Status:``/``Action:`` lines of a message/delivery-status part, for evidence."""
    stack = [root]
    while stack:
        part = stack.pop()
        if part.ctype in ("message/delivery-status", "message/global-delivery-status"):
            found = re.findall(rb"(?im)^(?:Action|Status|Diagnostic-Code):[^\r\n]{0,120}", part.body[:20000])
            return "; ".join(s.decode("ascii", "replace").strip() for s in found[:3])
        stack.extend(part.children)
    return ""


def _delivery_report(f: MailFacts) -> MachineMail | None:
    rtype = _report_type(f.root)
    if rtype == "delivery-status":
        status = _status_line(f.root)
        evidence = "Content-Type: multipart/report; report-type=delivery-status"
        return MachineMail("bounce", "RFC 3464 delivery status notification", f"{evidence}; {status}".rstrip("; "))
    return None


def _other_report(f: MailFacts) -> MachineMail | None:
    rtype = _report_type(f.root)
    if rtype == "disposition-notification":
        return MachineMail("auto_generated", "read receipt (RFC 8098)", f"report-type={rtype}")
    if rtype == "feedback-report":
        return MachineMail("auto_generated", "abuse feedback-loop report (RFC 5965)", f"report-type={rtype}")
    if rtype:
        return MachineMail("auto_generated", "machine-readable report", f"report-type={rtype}")
    return None


def _daemon_bounce(f: MailFacts) -> MachineMail | None:
    null_sender = f.headers.get("return-path", "").replace(" ", "") == "<>"
    daemon = bool(f.from_addr and _DAEMON.match(f.from_addr))
    if (daemon or null_sender) and _BOUNCE_SUBJECT.match(f.subject):
        who = f"From: {f.from_addr}" if daemon else "Return-Path: <>"
        return MachineMail("bounce", "failure notice from a mail server", f"{who}; Subject: {f.subject[:80]}")
    return None


def _auto_reply(f: MailFacts) -> MachineMail | None:
    auto = f.headers.get("auto-submitted", "").strip()
    if auto.lower().startswith("auto-replied"):
        return MachineMail("auto_reply", "RFC 3834 auto-reply", f"Auto-Submitted: {auto}")
    for name in _X_AUTOREPLY:
        if name in f.headers:
            return MachineMail("auto_reply", "auto-responder header", f"{name}: {f.headers[name][:80]}")
    if _AUTO_REPLY_SUBJECT.match(f.subject):
        return MachineMail("auto_reply", "auto-reply subject", f"Subject: {f.subject[:80]}")
    support = next((n for n in ("x-auto-response-suppress", "auto-submitted", "precedence") if n in f.headers), None)
    m = _AWAY_SUBJECT.search(f.subject)
    if m and support:
        return MachineMail(
            "auto_reply",
            "out-of-office subject with an automation header",
            f"Subject: {f.subject[:80]}; {support}: {f.headers[support][:40]}",
        )
    return None


def _auto_submitted(f: MailFacts) -> MachineMail | None:
    auto = f.headers.get("auto-submitted", "").strip()
    if auto and auto.lower().split(";")[0].strip() != "no":
        return MachineMail("auto_generated", "RFC 3834 auto-submitted", f"Auto-Submitted: {auto[:80]}")
    return None


def _daemon_sender(f: MailFacts) -> MachineMail | None:
    if f.from_addr and _DAEMON.match(f.from_addr):
        return MachineMail("auto_generated", "sent by a mail server account", f"From: {f.from_addr}")
    if f.headers.get("return-path", "").replace(" ", "") == "<>":
        return MachineMail("auto_generated", "null return path (RFC 5321 bounce sender)", "Return-Path: <>")
    return None


def _mailing_list(f: MailFacts) -> MachineMail | None:
    for name in ("list-id", "list-post", "x-beenthere", "mailing-list", "x-mailing-list"):
        if name in f.headers:
            return MachineMail("list", "mailing-list header", f"{name}: {f.headers[name][:100]}")
    prec = f.headers.get("precedence", "").strip().lower()
    if prec == "list":
        return MachineMail("list", "Precedence: list", "Precedence: list")
    return None


def _bulk(f: MailFacts) -> MachineMail | None:
    prec = f.headers.get("precedence", "").strip().lower()
    if prec in ("bulk", "junk"):
        return MachineMail("bulk", f"Precedence: {prec}", f"Precedence: {f.headers['precedence'][:40]}")
    if "list-unsubscribe" in f.headers:
        return MachineMail(
            "bulk",
            "unsubscribe link (newsletter or marketing)",
            f"List-Unsubscribe: {f.headers['list-unsubscribe'][:100]}",
        )
    return None


Rule = Callable[[MailFacts], MachineMail | None]
#: Most specific first; the first rule that answers decides.
RULES: tuple[tuple[str, Rule], ...] = (
    ("delivery_report", _delivery_report),
    ("other_report", _other_report),
    ("daemon_bounce", _daemon_bounce),
    ("auto_reply", _auto_reply),
    ("auto_submitted", _auto_submitted),
    ("daemon_sender", _daemon_sender),
    ("mailing_list", _mailing_list),
    ("bulk", _bulk),
)


def detect(facts: MailFacts) -> MachineMail | None:
    """The first machine-mail rule that matches, or None for mail from a person."""
    for _, rule in RULES:
        found = rule(facts)
        if found is not None:
            return found
    return None
