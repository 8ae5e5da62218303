"""Customer-side risk signals on customers' own words, and their office and product near misses (decision 0232).

Three kinds of case:

* ``REAL_HITS``: customer tweets from the twcs DEV half (``benchmarks/signal_split.py --sets twcs-dev``; the id is the
  ``tweet_id`` in ``data/twcs_customer_support/tweets.csv``) that HEAD missed, each with the rule that reads the
  construction now. Only DEV tweets are quoted: the BLIND half's errors were not read.
* ``REAL_TRAPS``: real texts that must stay quiet, from the same DEV half, Ken Lay's mail and SpamAssassin ham.
* ``PAIRS``: written for this test: the construction in a customer's words, and an office near miss with the same
  core words.
"""

from __future__ import annotations

import pytest

from execdesk.analyze import analyze_text
from execdesk.analyze.signals import run_rules
from execdesk.analyze.text import build_view
from tests.analyze.constructions import assert_fires_and_not_on_the_near_miss

# (source, signal, rule, text)
REAL_HITS = [
    (
        "twcs 2125",
        "escalation",
        "escalation.after_contact",
        "@Uber_Support  After contacting you concerning deactivation of my account, it was reactivated but after "
        "48 hrs, ,it has been been deactivated. Please help",
    ),
    (
        "twcs 208",
        "escalation",
        "escalation.told_no",
        "@MicrosoftHelps I need assistance recovering 2 hotmail accounts. I have  filled the recovery forms but am "
        "told am not providing enough info",
    ),
    (
        "twcs 5757",
        "escalation",
        "escalation.wrong_answers",
        "@CenturyLinkHelp Trying to order bonded DSL but getting conflicting answers from customer support. Help!!",
    ),
    (
        "twcs 29",
        "escalation",
        "escalation.wrong_answers",
        "actually that's a broken link you sent me and incorrect information https://t.co/V4yfrHR8VI",
    ),
    (
        "twcs 2111",
        "escalation",
        "escalation.many_staff",
        "@115714 customer service 👎! 4 different people said they have no idea how to help, the two people who "
        "actually have tried did it wrong 😡",
    ),
    (
        "twcs 2237",
        "escalation",
        "escalation.told_to_wait",
        "@115722 I have been without internet for two days and y’all gonna tell me to wait til tomorrow",
    ),
    (
        "twcs 2438",
        "escalation",
        "escalation.futile_contact",
        "@115873 awful customer service, why bother trying to contact the head office?",
    ),
    (
        "twcs 5331",
        "escalation",
        "escalation.channel_down",
        "@AmazonHelp live chat down in the UK and as a prime member I cannot t get any items delivered before Tuesday "
        "whats going on?",
    ),
    (
        "twcs 4859",
        "escalation",
        "escalation.contact_failed",
        "@AmazonHelp Im not receiving 2step code by text or call in my smartphone can't log in into my account "
        "already got help by phone with no luck",
    ),
    (
        "twcs 4829",
        "escalation",
        "escalation.circles",
        "@115830  website impossible to navigate - all I want to do is email about a faulty item - 20 min going "
        "round in circles. Infuriating 😡😡😡",
    ),
    (
        "twcs 3616",
        "escalation",
        "escalation.ignored",
        "@AmericanAir Let’s see if your social media team will respond here, as they obviously overlook negative "
        "feedback on Facebook. #AmericanAirlines #NoResponse https://t.co/dzWB2HPGDQ",
    ),
    (
        "twcs 1177",
        "escalation",
        "escalation.staff_unhelpful",
        "@VirginTrains so i wait almost 3 hours and then they are rude and arrogant &amp; unhelpful after which she "
        "is raising a technical case https://t.co/yi9oxFMatO",
    ),
    (
        "twcs 7179",
        "escalation",
        "escalation.staff_unhelpful",
        "@115913 how you feel about your customer service supervisors hanging up on a customer telling them to take "
        "their business elsewhere 🌚",
    ),
    (
        "twcs 1686",
        "churn",
        "churn.gained_customer",
        "Hey @81 you just gained a customer @115817 lost my package I paid for overnight first am delivery, "
        'they "lost" it hope you can do better',
    ),
    (
        "twcs 2484",
        "churn",
        "churn.from_now_on",
        "@115817 has ONE job...so why is my daughter's bday gift lost? Despite bar code, no one knows where it is. "
        "GREAT job. @81 ONLY from now on.",
    ),
    (
        "twcs 2488",
        "churn",
        "churn.switch",
        'I bought @172 #LUMIX &amp; sensor crapped w/in 6 months. It\'s been "in repair" 6 wks. At this point, I say '
        "go another brand. cc/ @116297",
    ),
    (
        "twcs 3163",
        "churn",
        "churn.hashtag",
        "Uber driver drove me to wrong location, makes me get out anyway and @115873 won't provide a proper refund "
        "🙃🙃🙃 #Delete #Fail Sup @115879 😘😘😘",
    ),
    ("twcs 3181", "churn", "churn.leave_handle", "I want to go see to @115725 and leave @115714 they are liars"),
    (
        "twcs 4871",
        "churn",
        "churn.switch",
        "Really considering getting a new kind of phone since my iPhone dies with 90% while using my camera 😤 "
        "@115858 @AppleSupport @318",
    ),
    (
        "twcs 1436",
        "vulnerable",
        "vulnerable.money_lost",
        "@115996 can you please help me recovering my hard earned money i lost in a cyber crime on @115993 . "
        "PayPal case ID is PP-006-234-348-863",
    ),
    (
        "twcs 1911",
        "vulnerable",
        "vulnerable.distress",
        "@115900 My house was destroyed by Hurricane Irma, I've called you THREE times to place temporary hold, and "
        "you STILL send me a bill",
    ),
    (
        "twcs 3147",
        "vulnerable",
        "vulnerable.recovery",
        "It looks like @SouthwestAir is trying to make up to me. Too bad they sent drink coupons to an almost 4 year "
        "sober former alcoholic. https://t.co/RVPn7wBLSv",
    ),
    ("twcs 5125", "vulnerable", "vulnerable.victim", "I was just assaulted by an Amazon delivery person."),
    (
        "twcs 1668",
        "abusive",
        "abusive.hashtag",
        "@116072 really knows how to celebrate Halloween. I have basically no internet 😠 #centurylinksucks",
    ),
]

# (source, signal, text): real texts the rules must leave alone
REAL_TRAPS = [
    # an intensifier and an exclamation are not aimed at anyone (LABELS.md: abusive is aimed at the recipient or staff)
    (
        "twcs 2735",
        "abusive",
        "@Uber_Support it's fucking cold and we have to wait 15 min. I want to cancel my taxi. It doesn't work.",
    ),
    (
        "twcs 5669",
        "abusive",
        "I'm sat getting emotional trying to make an Xbox work almost crying I just want to watch Fucking Harry Potter",
    ),
    ("twcs 5034", "abusive", '@115888 can you stop spamming me with "would you like to open Waze?" Fuck.'),
    # the sender's own things called names are a complaint about the service, not an insult to anyone
    ("twcs 4056", "abusive", "@comcastcares My upload speeds are trash. Explain."),
    (
        "spamassassin easy_ham/00664",
        "abusive",
        "Are you kidding? It was fucking BRILLIANT. Do you know what exposure that got them?",
    ),
    # asking about the terms of leaving is not leaving
    ("twcs 2418", "churn", "If I cancel I pay $5."),
    # "and was told": news reported, not a failed contact (the construction was tried and dropped)
    (
        "twcs 1418",
        "escalation",
        "@ChipotleTweets Just got ghosted by Chipotle :( Went in at 3pm and was told we had to wait another hour for "
        "#BOOritos!",
    ),
    (
        "lay-k_inbox_804",
        "escalation",
        "However, I was laid off from Enron Europe last Friday with another 800 people and we were told that our "
        "expenses were not going to be repaid by the company.",
    ),
]

# (construction, signal, fires, quiet)
PAIRS = [
    (
        "the company or its staff called names, not the sender's own things",
        "abusive",
        "Honestly your customer service is garbage.",
        "Honestly our wifi at home is garbage since the storm.",
    ),
    (
        "an earlier contact with the company that failed, not a meeting",
        "escalation",
        "After contacting you about my refund twice, nothing has changed.",
        "After speaking with you this morning, I called Jeff about the gas desk.",
    ),
    (
        "told a refusal, not told news",
        "escalation",
        "I sent the forms twice but was told they were not received.",
        "I planned to join the call but was told the room had moved to 3C.",
    ),
    (
        "conflicting answers received, not a model's",
        "escalation",
        "I keep getting conflicting answers from your customer service.",
        "The model gave conflicting answers on the two curves.",
    ),
    (
        "several agents contacted, not several departments at work",
        "escalation",
        "I have spoken to three different agents and nobody could help.",
        "Three different departments will review the budget.",
    ),
    (
        "told to wait by the company, not by a colleague",
        "escalation",
        "Your agents keep telling me to wait another week.",
        "They told me to wait for the signed copy before booking the trade.",
    ),
    (
        "contacting is pointless, not a meeting",
        "escalation",
        "Why bother calling your helpline at all?",
        "Why bother with the Friday meeting if nobody attends?",
    ),
    (
        "the contact channel fails",
        "escalation",
        "Your live chat is down again and I need help.",
        "The call center project is down to two bidders.",
    ),
    (
        "a contact and nothing since, not an agreement",
        "escalation",
        "I emailed your support team on Monday and heard nothing.",
        "I called Jeff and we agreed nothing changes on the curve.",
    ),
    (
        "time on the phone with the company, not a working morning",
        "escalation",
        "I have been on the phone with your billing team for two hours.",
        "I was on the phone with the lawyers for an hour this morning.",
    ),
    (
        "trying to reach the company, not a counterparty",
        "escalation",
        "I have been trying to reach your billing department for three days.",
        "I have been trying to reach the Calpine desk for two days about the swap.",
    ),
    (
        "going round in circles beside a contact, not in a negotiation",
        "escalation",
        "I emailed about a faulty kettle and have been going round in circles for a week.",
        "The negotiators keep going round in circles on the price.",
    ),
    (
        "the sender transferred, not files",
        "escalation",
        "I keep getting transferred between departments.",
        "The files keep getting transferred to the wrong server.",
    ),
    (
        "buying elsewhere: the sender's, not the desk's gas",
        "churn",
        "I will be shopping elsewhere from now on.",
        "The gas will be bought elsewhere if the price holds.",
    ),
    (
        "a competitor gains a customer, not a trade a point",
        "churn",
        "@rival you just gained a customer.",
        "You gained a point on that trade.",
    ),
    (
        "leaving a handle, as an intention",
        "churn",
        "Time to leave @brand for good.",
        "Please leave @mentions out of the press release.",
    ),
    (
        "a competitor only from now on, not a template",
        "churn",
        "@rival only from now on.",
        "Use the new template only from now on.",
    ),
    (
        "another brand, not another structure",
        "churn",
        "I say go with another brand.",
        "We should go with a different structure for the deal.",
    ),
    (
        "the sender's own card cut up, not office cleaning",
        "churn",
        "Time to cut up my store card.",
        "Please shred the old badge cards in the bin.",
    ),
    (
        "a churn hashtag, not a file deleted",
        "churn",
        "#DeleteUber after tonight.",
        "File moved to the archive #deleted",
    ),
    (
        "no longer a customer, not a condition of business",
        "churn",
        "I don't want to be a customer anymore.",
        "We don't want to be a customer of the new exchange unless fees fall.",
    ),
    (
        "getting rid of the sender's membership, not of servers",
        "churn",
        "I'm getting rid of my membership.",
        "We are getting rid of the old servers.",
    ),
    (
        "the sender's money lost, not the desk's",
        "vulnerable",
        "Please help me recover my hard earned money I lost to a scam.",
        "Our money we lost on the hedges is booked.",
    ),
    (
        "the sender's home destroyed, not a plant damaged",
        "vulnerable",
        "My house was destroyed by the hurricane last week.",
        "The plant was damaged by the hurricane but is back online.",
    ),
    (
        "the sender's recovery, not a relative's",
        "vulnerable",
        "I am a recovering alcoholic and your bar offer upset me.",
        "His brother, a former addict, now runs the charity.",
    ),
    (
        "assaulted, not attacked in the press",
        "vulnerable",
        "I was assaulted by your driver.",
        "We were attacked in the press all week.",
    ),
    (
        "a curse aimed at the company, not an intensifier",
        "abusive",
        "Fuck you and your fees.",
        "It's fucking cold out here and the bus is late.",
    ),
    (
        "the intensifier beside you, not beside a build",
        "abusive",
        "Your fucking app deleted my files.",
        "Fucking finally, the new build works.",
    ),
]


def _signal_rules(text: str) -> dict[str, str]:
    return {s.name: s.rule for s in analyze_text("", text).signals}


@pytest.mark.parametrize(("source", "signal", "rule", "text"), REAL_HITS, ids=[h[0] for h in REAL_HITS])
def test_a_customers_construction_fires_with_its_evidence(source: str, signal: str, rule: str, text: str) -> None:
    """The rule that reads the construction reports it, with evidence taken from the text."""
    hits, traces = run_rules(build_view("", text), trace=True)
    fired = [t for t in traces if t.fired and t.rule == rule]
    assert fired, (source, [(t.rule, t.why) for t in traces])
    assert all(t.evidence is not None and t.evidence.text in text for t in fired)
    assert signal in {h.name for h in hits}
    assert signal in _signal_rules(text), source


@pytest.mark.parametrize(("source", "signal", "text"), REAL_TRAPS, ids=[t[0] for t in REAL_TRAPS])
def test_real_near_misses_stay_quiet(source: str, signal: str, text: str) -> None:
    assert signal not in _signal_rules(text), source


@pytest.mark.parametrize(("construction", "signal", "fires", "quiet"), PAIRS, ids=[p[0] for p in PAIRS])
def test_construction_fires_in_a_customers_words_and_not_on_the_near_miss(
    construction: str, signal: str, fires: str, quiet: str
) -> None:
    assert_fires_and_not_on_the_near_miss(construction, signal, fires, quiet, subject="")


def test_a_hashtag_is_not_negated_by_the_words_before_it() -> None:
    """The same complaint with and without a negation before the hashtag: both fire (the hashtag is a label)."""
    for text in ("No internet again today #brandsucks", "Internet down again today #brandsucks"):
        assert _signal_rules(text).get("abusive") == "abusive.hashtag", text


def test_a_dropped_intensifier_is_explained_in_the_trace() -> None:
    """'fucking' with no second person near it matches and is cancelled with the reason (Rule.needs)."""
    _, traces = run_rules(build_view("", "It's fucking cold and the bus is late."), trace=True)
    why = {t.rule: t.why for t in traces if t.signal == "abusive"}
    assert why.get("abusive.curse_at_you") == "what makes it count is missing around it"
