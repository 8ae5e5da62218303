"""A small desk with the story's shape for the digest tests: a repeat customer, a flood about her,
a journalist asking about it, a legal threat, praise, and one answered case.

The mail goes through the real ingest. The campaign rows are written here directly (the
``campaigns`` tables are the digest's input), after clearing whatever the campaigns stage made of
the flood, so these tests do not depend on the detector's thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update

from execdesk.digest.period import Period
from execdesk.store import Store
from execdesk.store.models import Alert, Campaign, CampaignMember, Case, Message, table_of
from tests.mailfactory import BASE, make_mail
from tests.reply.helpers import ingest

BLOG = "https://techblog.example/2026/northwind-ceo-threatens-customer"
FORM = (
    "Dear Mr. Hale,\n\nYour office threatened a customer with a cease-and-desist letter for e-mailing you twice. "
    "That is not customer service. Please apologise to Ms. Whitfield and fix her account.\n\n"
    f"I read about it here: {BLOG}\n\nSincerely,\n"
)
ADDITIONS = [
    "I have been a customer for nine years and I am now looking at other carriers.",
    "I have been a customer for twelve years and I am looking at other carriers now.",
    "My own bill has been wrong since June and nobody answers me either.",
]


@dataclass
class Story:
    customer: int
    press: int
    legal: int
    praise: int
    answered: int
    flood: list[int]
    period: Period


def build_story(store: Store) -> Story:
    dana = "Dana Whitfield <dana.whitfield@postbox.example>"
    ingest(
        store,
        make_mail(sender=dana, subject="Charged three times for one day pass", days=-14,
                  body="Mr. Hale,\n\nI was billed three times for a day pass and never credited.\n\nDana\n"),
    )  # fmt: skip
    (customer,) = ingest(
        store,
        make_mail(sender=dana, subject="Calls dropping at home every day", days=0,
                  body="Mr. Hale,\n\nI wrote to you two weeks ago about a billing error and have not had an answer.\n\n"
                  "Since September 15 almost every call I make from home drops within a minute. "
                  "Could someone who can see the network in Columbus look at this?\n\nDana Whitfield\n"),
    )  # fmt: skip
    (press,) = ingest(
        store,
        make_mail(sender="Priya Raman <priya.raman@ledgerdaily.example>", days=0.2,
                  subject="Press inquiry: cease-and-desist threat to customer Dana Whitfield",
                  body="Mr. Hale,\n\nI'm a technology reporter at The Ledger Daily. I'm writing a story about a "
                  "customer, Dana Whitfield, whom your office threatened with a cease-and-desist letter. "
                  f"TechBlog published it: {BLOG}\n\n"
                  "Would you comment on the record? My deadline is 5 p.m. Eastern today.\n\nPriya Raman\n"),
    )  # fmt: skip
    (legal,) = ingest(
        store,
        make_mail(sender="Tom Payne <t.payne@mailbox.example>", subject="Final notice before I sue", days=0.1,
                  body="To whom it may concern,\n\nYou kept billing me for six months after I cancelled. "
                  "I have spoken to my lawyer and I will sue Northwind Mobile if this is not refunded "
                  "by Friday.\n\nTom\n"),
    )  # fmt: skip
    (praise,) = ingest(
        store,
        make_mail(sender="Ana Ortiz <ana.ortiz@webmail.example>", subject="Thank you to your store in Dayton", days=0.3,
                  body="Hello,\n\nI want to thank Marcus at your Dayton store, who spent an hour moving my mother's "
                  "contacts to her new phone. Outstanding service, please tell him.\n\nAna\n"),
    )  # fmt: skip
    (answered,) = ingest(
        store,
        make_mail(sender="Lee Chen <lee.chen@inbox.example>", subject="Roaming charges in Canada", days=0.05,
                  body="Hi,\n\nI was charged $84 for roaming in Canada although I bought the travel pass. "
                  "Could you refund the charge?\n\nLee\n"),
    )  # fmt: skip
    flood = []
    for i in range(14):
        extra = ADDITIONS[i % len(ADDITIONS)] + "\n\n" if i < 6 else ""
        (case,) = ingest(
            store,
            make_mail(sender=f"Reader {i} <reader{i}@example.org>", subject="Your treatment of Dana Whitfield",
                      days=0.4 + i * 0.01, body=FORM.replace("Sincerely,", f"{extra}Sincerely,") + f"Reader {i}\n"),
        )  # fmt: skip
        flood.append(case)
    _record_campaign(store, customer, flood)
    with store.transaction() as conn:  # a reply to the roaming case two hours after it arrived
        conn.execute(
            insert(table_of(Message)).values(
                raw_sha256="0" * 64, content_hash="0" * 64, message_id="reply-1@northwind-mobile.example",
                size=10, direction="out", subject="Re: Roaming charges in Canada", case_id=answered,
                received_at=BASE + timedelta(days=0.05, hours=2), date=BASE + timedelta(days=0.05, hours=2),
            )
        )  # fmt: skip
    return Story(
        customer, press, legal, praise, answered, flood, Period(BASE - timedelta(hours=1), BASE + timedelta(days=2))
    )


def _record_campaign(store: Store, trigger: int, flood: list[int]) -> None:
    cases, members, messages = table_of(Case), table_of(CampaignMember), table_of(Message)
    now = datetime(2026, 10, 1, 20, 0, tzinfo=UTC)
    with store.transaction() as conn:
        conn.execute(delete(table_of(Alert)))
        conn.execute(delete(members))
        conn.execute(update(cases).values(campaign_id=None, campaign_role=None))
        conn.execute(delete(table_of(Campaign)))
        conn.execute(
            insert(table_of(Campaign)).values(
                id="cmp_0123456789abcdef", title="Your treatment of Dana Whitfield", status="active",
                representative_text=FORM, size=len(flood), distinct_senders=len(flood), own_text_members=6,
                first_seen=BASE + timedelta(days=0.4), last_seen=BASE + timedelta(days=0.53),
                shared_links=[[BLOG, len(flood)]], trigger_case_id=trigger, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        pks = dict(conn.execute(select(messages.c.case_id, messages.c.id).where(messages.c.case_id.in_(flood))).all())
        for i, case_id in enumerate(flood):
            own = ADDITIONS[i % len(ADDITIONS)] if i < 6 else ""
            conn.execute(
                insert(members).values(
                    campaign_id="cmp_0123456789abcdef", message_pk=pks[case_id], case_id=case_id, joined_at=now,
                    similarity=0.9, adds_own_text=bool(own), own_text=own,
                )
            )  # fmt: skip
        conn.execute(
            update(cases)
            .where(cases.c.id.in_(flood))
            .values(campaign_id="cmp_0123456789abcdef", campaign_role="member")
        )
        conn.execute(
            update(cases)
            .where(cases.c.id == trigger)
            .values(campaign_id="cmp_0123456789abcdef", campaign_role="trigger")
        )
