"""High-risk signals stay quiet on internal executive mail and still fire on a customer's own words (decision 0223).

Each construction is a pair written for this test (not taken from a data set): the sender's own stance, which
must fire, and a near miss from ordinary office mail with the same core words, which must not.
"""

from __future__ import annotations

import pytest

from execdesk.analyze.signals import run_rules
from execdesk.analyze.text import build_view
from tests.analyze.constructions import assert_fires_and_not_on_the_near_miss

# (construction, signal, fires, does not fire)
PAIRS = [
    (
        "object pronoun is not the subject",
        "legal_threat",
        "Unless the deposit is returned, I will take you to court.",
        "The landlord will take them to court next spring, Mary tells me.",
    ),
    (
        "object pronoun is not the subject (regulator)",
        "regulator",
        "Tomorrow I'll be reporting you to the FTC.",
        "Our analyst told me the auditors will be reporting to the SEC on Monday.",
    ),
    (
        "a third party's noun phrase acts",
        "legal_threat",
        "We filed a class action against your firm in March.",
        "As I mentioned, the lawyers for the pension fund have filed a class action in March.",
    ),
    (
        "regulatory filing is business",
        "regulator",
        "I filed a complaint with the Public Utility Commission about your meter readings.",
        "We filed our comments on the proposed tariff with FERC yesterday.",
    ),
    (
        "a noun is not the act of complaining",
        "regulator",
        "I have informed the attorney general of your billing practices.",
        "My information is that the SEC staff review is going smoothly.",
    ),
    (
        "a relayed letter from an official body",
        "regulator",
        "United States Senate\nCommittee on Commerce, Science and Transportation\nDear Mr. Bell, we need the files.",
        "Our counsel asked me to forward the attached letter from the Committee on Energy and Commerce.",
    ),
    (
        "public as a place, not an adjective",
        "going_public",
        "I am going to make this whole story public.",
        "I told them we could make this work for the public power customers too.",
    ),
    (
        "the world will know about this, not an instruction",
        "going_public",
        "Everybody is going to hear about this.",
        "Everybody needs to know the new badge rules before Monday.",
    ),
    (
        "asking for someone senior, not a report of a talk",
        "escalation",
        "I would like to speak with your manager about my claim.",
        "Yesterday I spoke with the president of the pipeline company about capacity.",
    ),
    (
        "one's own case escalated, not office escalation",
        "escalation",
        "Please escalate my complaint to a senior manager.",
        "We will escalate the outage issue to the operations director tonight.",
    ),
    (
        "repeated contacts sent, not received",
        "escalation",
        "I have sent several e-mails about the refund.",
        "The desk has received many calls from brokers about the new index.",
    ),
    (
        "a count of times beside a contact",
        "escalation",
        "I have phoned your office four times this month.",
        "The board will review the plan several times during the year.",
    ),
    (
        "not resolved: the sender's problem, not a minute",
        "escalation",
        "My billing problem still has not been fixed.",
        "The directors discussed the lease at length but it was not resolved.",
    ),
    (
        "replies owed to a circular",
        "escalation",
        "Nobody has responded to my complaint.",
        "So far nobody has responded to the benefits survey.",
    ),
    (
        "nobody cares beside a failed contact, not as a remark",
        "escalation",
        "I keep writing to your agents and nobody seems to care.",
        "Nobody seems to care that the curve is two days stale.",
    ),
    (
        "ignored: the sender or their contacts",
        "escalation",
        "Your staff have ignored my letters since June.",
        "The first estimate was too low and ignored the option value.",
    ),
    (
        "unanswered contacts",
        "escalation",
        "All my questions to your help desk remained unanswered.",
        "The question of transport pricing remains unanswered.",
    ),
    (
        "earlier contact, not a pointer to what it said",
        "escalation",
        "I previously wrote to your office about this bill.",
        "As I set out in my earlier note, the swap should be booked to the east desk.",
    ),
    (
        "earlier contact is the sender's, not a demonstrative's",
        "escalation",
        "My last email to your support team was about the same fault.",
        "I suspect that last e-mail of mine got garbled somewhere.",
    ),
    (
        "the sender's own account, not a deal",
        "churn",
        "After twenty years I am closing my account with you over these fees.",
        "We expect the Houston deal will be cancelled by the buyer.",
    ),
    (
        "the sender's own account, not a contract spoken of impersonally",
        "churn",
        "Please cancel my subscription at once.",
        "Legal says the supply contract was terminated last year.",
    ),
    (
        "health: a newspaper and institutions are not illness",
        "vulnerable",
        "I have a chronic heart condition and cannot work.",
        "I read in the Chronicle that three hospitals in the region are looking for an energy partner.",
    ),
    (
        "stress that is the sender's own",
        "vulnerable",
        "This dispute is causing me immense stress.",
        "We stress that the figures are preliminary.",
    ),
    (
        "sleepless nights, not one sleepless night",
        "vulnerable",
        "I have had sleepless nights since the layoff.",
        "After a sleepless night on the red-eye I went straight to the meeting.",
    ),
    (
        "a business loss is not hardship",
        "vulnerable",
        "I lost my whole investment when the shares collapsed.",
        "We could lose our entire investment in the pipeline project this quarter.",
    ),
    (
        "an injury that did not happen",
        "safety",
        "My son was injured by the faulty heater.",
        "I made a narrow escape from serious injury on the icy steps, a good story for dinner.",
    ),
]


@pytest.mark.parametrize(("construction", "signal", "fires", "quiet"), PAIRS, ids=[p[0] for p in PAIRS])
def test_construction_fires_on_the_senders_own_and_not_on_the_near_miss(
    construction: str, signal: str, fires: str, quiet: str
) -> None:
    assert_fires_and_not_on_the_near_miss(construction, signal, fires, quiet, subject="Hello")


def test_a_count_without_a_contact_is_cancelled_with_a_reason() -> None:
    """The trace says why a matched count did not count (Rule.needs)."""
    _, traces = run_rules(build_view("", "We meet three times a quarter to review the hedges."), trace=True)
    why = {t.rule: t.why for t in traces if t.signal == "escalation"}
    assert why.get("escalation.repeated") == "what makes it count is missing around it"
