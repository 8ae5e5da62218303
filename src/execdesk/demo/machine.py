"""Mail that no person typed, and mail that is broken: auto-replies, a bounce, malformed bytes.

These are written as raw bytes on purpose: an MTA's delivery report and a broken client's
output are exactly the things the stdlib email package would tidy up if it built them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import format_datetime

from execdesk.demo.people import Person, doc_ip
from execdesk.demo.scenario import Scenario

OOO_TEXTS = (
    "Thank you for your message. I am out of the office until {back} with limited access to e-mail. "
    "For urgent matters please contact my colleague at {alt}.",
    "I'm currently travelling and will respond when I return on {back}. If this is about an open "
    "account issue, I'll get back to you then.",
)


def out_of_office(rng: random.Random, scenario: Scenario, person: Person, when: datetime, n: int) -> bytes:
    """An RFC 3834 auto-reply to a message the office sent (Exchange or Gmail shape)."""
    back = (when + timedelta(days=rng.randrange(3, 12))).strftime("%A, %B %d").replace(" 0", " ")
    text = OOO_TEXTS[n % len(OOO_TEXTS)].format(back=back, alt=f"help@{person.domain}")
    office = scenario.executive
    orig = f"<ecr.{rng.getrandbits(40):010x}@{scenario.company.domain}>"
    if n % 2 == 0:
        subject = "Automatic reply: Your message to the Office of the CEO"
        extra = "X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: " + person.address + "\n"
    else:
        subject = "Out of office Re: Your message to the Office of the CEO"
        extra = "Precedence: bulk\n"
    head = (
        f"Return-Path: <{person.address}>\n"
        f"From: {person.name} <{person.address}>\n"
        f"To: {office.office_name} <{office.address}>\n"
        f"Subject: {subject}\n"
        f"Date: {format_datetime(when)}\n"
        f"Message-ID: <ooo.{rng.getrandbits(56):014x}@{person.domain}>\n"
        f"In-Reply-To: {orig}\nReferences: {orig}\n"
        "Auto-Submitted: auto-replied\n"
        f"{extra}"
        'MIME-Version: 1.0\nContent-Type: text/plain; charset="us-ascii"\nContent-Transfer-Encoding: 7bit\n'
    )
    return (head + "\n" + text + "\n").encode("ascii")


def bounce(rng: random.Random, scenario: Scenario, when: datetime) -> bytes:
    """An RFC 3464 delivery-status report for a reply the office sent to a mistyped address."""
    dom = scenario.company.domain
    bad = "linda.marsh@postbox.exmaple"
    boundary = f"{rng.getrandbits(40):010X}.{int(when.timestamp())}/mx1.{dom}"
    orig_id = f"<ecr.{rng.getrandbits(40):010x}@{dom}>"
    sent = format_datetime(when - timedelta(minutes=3))
    return (
        "Return-Path: <>\n"
        f"From: Mail Delivery System <MAILER-DAEMON@mx1.{dom}>\n"
        f"To: {scenario.executive.address}\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        f"Date: {format_datetime(when)}\n"
        f"Message-ID: <{rng.getrandbits(48):012X}.{int(when.timestamp())}@mx1.{dom}>\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="{boundary}"\n'
        "\n"
        "This is a MIME-encapsulated message.\n\n"
        f"--{boundary}\n"
        "Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n"
        f"This is the mail system at host mx1.{dom}.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        f"<{bad}>: Host or domain name not found. Name service error for\n"
        "    name=postbox.exmaple type=A: Host not found\n\n"
        f"--{boundary}\n"
        "Content-Description: Delivery report\nContent-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; mx1.{dom}\n"
        f"Arrival-Date: {sent}\n\n"
        f"Final-Recipient: rfc822; {bad}\n"
        "Action: failed\nStatus: 5.4.4\n"
        "Diagnostic-Code: X-Postfix; Host or domain name not found. Name service error\n"
        "    for name=postbox.exmaple type=A: Host not found\n\n"
        f"--{boundary}\n"
        "Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n"
        f"From: {scenario.executive.office_name} <{scenario.executive.address}>\n"
        f"To: {bad}\n"
        "Subject: Re: Charges after cancellation\n"
        f"Date: {sent}\n"
        f"Message-ID: {orig_id}\n\n"
        f"--{boundary}--\n"
    ).encode("ascii")


def malformed(rng: random.Random, scenario: Scenario, person: Person, when: datetime, n: int) -> tuple[str, bytes]:
    """Three kinds of broken mail a real mailbox holds; returns (defect name, raw bytes)."""
    to = scenario.executive.address
    common = (
        f"Received: from mail.{person.domain} ([{doc_ip(rng)}]) by mx1.{scenario.company.domain}; "
        f"{format_datetime(when)}\n"
        f"From: {person.name} <{person.address}>\nTo: {to}\nDate: {format_datetime(when)}\n"
        f"Message-ID: <{rng.getrandbits(64):016x}@{person.domain}>\n"
    )
    kind = ("bad_charset", "broken_boundary", "header_only")[n % 3]
    if kind == "bad_charset":
        last = scenario.executive.name.split()[-1]
        body = (
            f"Dear Mr. {last},\n\nI was charged \x8045 for a roaming pass I never used while visiting my "
            "daughter in Montr\xe9al. Your agent said it was \x93company policy\x94. I would like the "
            "money back.\n\nRen\xe9e Caron\n"
        ).encode("latin-1")
        head = common + (
            "Subject: =?iso-8859-16x?Q?Roaming_charge_=E0_Montr=E9al?=\nMIME-Version: 1.0\n"
            'Content-Type: text/plain; charset="iso-8859-16x"\nContent-Transfer-Encoding: 8bit\n'
        )
        return kind, head.encode("ascii") + b"\n" + body
    if kind == "broken_boundary":
        head = common + (  # the parts use a boundary one digit off, and there is no closing one
            "Subject: screenshot of my bill\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="----=_Part_4471_1193.1727"\n'
        )
        text = (
            "This is a multi-part message in MIME format.\n\n"
            "------=_Part_4471_1193.1728\nContent-Type: text/plain; charset=utf-8\n\n"
            "see the attached screenshot, the $89.99 charge is the one I never agreed to.\n\n"
            '------=_Part_4471_1193.1728\nContent-Type: image/png; name="bill.png"\n'
            "Content-Transfer-Encoding: base64\n\niVBORw0KGgoAAAANSUhEUgAAAAEAAAAB\n"
        )
        return kind, (head + "\n" + text).encode("ascii")
    head = common + "Subject: Fw: my bill\nMIME-Version: 1.0\n"
    return kind, head.encode("ascii")
