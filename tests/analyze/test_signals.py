"""Each signal with its evidence span, plus negation and quoting (table-driven)."""

from __future__ import annotations

import pytest

from execdesk.analyze import analyze_text
from execdesk.analyze.signals import run_rules
from execdesk.analyze.text import build_view

# (signal, body): the evidence is the whole sentence, so its text is exactly the body
HITS = [
    ("legal_threat", "I have spoken to my lawyer about this."),
    ("legal_threat", "If this is not fixed by Monday, I will sue you."),
    ("legal_threat", "We will not hesitate to take legal action."),
    ("regulator", "I have filed a complaint with the FCC about your billing."),
    ("regulator", "Next I am writing to my senator about this company."),
    ("going_public", "I will post this whole exchange online."),
    ("going_public", "The world will know how you treat customers."),
    ("media", "I am a reporter with the Houston Chronicle."),
    ("media", "We would like to request an interview with Mr. Smith."),
    ("churn", "I am cancelling my account today."),
    ("churn", "I sold all my shares this morning."),
    ("escalation", "This is the third time I have written to you."),
    ("escalation", "I want to speak to a supervisor."),
    ("escalation", "Nobody has responded to my letters."),
    ("vulnerable", "I lost my entire life savings in the 401k."),
    ("vulnerable", "My wife has cancer and we cannot pay the bills."),
    ("safety", "I am worried about the safety of my family."),
    ("safety", "I will hurt somebody if this goes on."),
    ("abusive", "You are a bunch of crooks."),
    ("abusive", "May you rot in hell."),
    # the sender's own claim in court (LABELS.md: "a suit, a claim")
    ("legal_threat", "We filed a proof of claim with the bankruptcy court last week."),
    ("escalation", "I have called you three times about this."),
    ("escalation", "This is my 4th email to your office."),
    ("escalation", "I spent 40 minutes on hold yesterday."),
    ("escalation", "Your support staff were rude and refused to help."),
    ("escalation", "Still no answer from anyone."),
    ("churn", "You have just lost two customers."),
    ("churn", "I have stopped ordering from your site."),
    ("safety", "I was assaulted by your delivery driver."),
    ("vulnerable", "Your letter made me cry."),
    ("vulnerable", "I'm now on the brink of bankruptcy because I cannot find a job."),
    ("abusive", "Honestly, you suck."),
    ("abusive", "Your customer service is trash."),
    ("urgent", "Please reply by Friday."),
    ("urgent", "I need this fixed as soon as possible."),
]


@pytest.mark.parametrize(("signal", "body"), HITS)
def test_signal_fires_with_its_evidence(signal: str, body: str) -> None:
    a = analyze_text("Hello", body)
    hit = a.signal(signal)
    assert hit is not None, [s.name for s in a.signals]
    ev = hit.evidence[0]
    assert ev.text == body
    assert a.text[ev.start : ev.end] == ev.text  # offsets point into the analysed text
    assert 0.5 <= hit.strength <= 1.0
    assert hit.rule.startswith(signal + ".")


NEGATED_OR_NOT_OWN = [
    ("legal_threat", "I am not going to sue you, I just want an answer."),
    ("legal_threat", "Shareholders have filed a class action against the firm."),  # others' lawsuit, reported
    ("churn", "I have no intention of cancelling my account."),
    ("churn", "I will never stop buying your products."),
    ("going_public", "I read the article you posted online."),
    ("regulator", "I wrote to my senator in support of your company."),
    ("abusive", "You lied to us about the pension plan."),  # harsh but factual
    ("going_public", "They cancelled the order and posted it online."),
    ("safety", "May you die of shame."),  # a wish of harm is abusive, not a threat
    ("legal_threat", "I never said I would sue."),
    ("safety", "Leaving now would be political suicide for the board."),  # an idiom, not self-harm
    ("vulnerable", "Judy tells us he is doing well after his surgery."),  # someone else's health, reported
    ("vulnerable", "My suggestion fell on deaf ears."),
    ("vulnerable", "You disabled my account without notice."),
    ("churn", "We decided to cancel the holiday party this year."),  # an event, not a service
    ("escalation", "We met on two occasions last year."),  # a count that is not about failed contacts
    ("abusive", "It is a disgrace the way you treated us."),  # harsh but factual
    # office idioms and business talk seen in executives' internal mail
    ("safety", "I'll shoot it over to you tomorrow."),
    ("churn", "If you want to leave me a voicemail, my number is below."),
    ("vulnerable", "We grieve for all those who are suffering."),
    ("vulnerable", "We discussed the bankruptcy exposure in the meeting."),
    ("escalation", "The group will meet about 4 times a year."),
    ("regulator", "We are prepared to file the HSR form with the Federal Trade Commission."),
    ("escalation", "If you have not already been contacted, please RSVP by May 22."),  # an invitation
    ("escalation", "This notice was sent in error and should be disregarded."),  # an instruction
    ("escalation", "The money passing to top management worries me."),
    # hypotheses in an if-clause are not reports of unanswered contact
    ("escalation", "If I have not heard back from you by Friday, I will assume the terms are fine."),
    ("escalation", "Please call the help desk if the problem has not been fixed by noon."),
    ("escalation", "Unless your request has not been answered within a week, there is nothing more to do."),
    ("escalation", "If you get no answer from calling, use the web form instead."),
    ("escalation", "If nobody answers the phone, leave a message for Anne."),
    ("escalation", "Please call me back, but only after five."),
    # the reader's earlier message, not the sender's
    ("escalation", "As per your earlier e-mail, I assume you are working on the Reeding deal."),
    # a company's own legal department and a business judgement
    ("legal_threat", "We have checked with our department and our lawyers are not aware of any such contracts."),
    ("legal_threat", "Our outside counsel shall be instructed to submit a revised estimate."),
    ("vulnerable", "I feel strongly that I cannot support the valuations my group has produced so far."),
    # quoted-printable debris: "issue" and "pursue" cut by a soft line break
    ("legal_threat", "I am available to discuss this is= sue at your convenience."),
    ("legal_threat", "We will pur= sue the matter with the vendor next week."),
    # "Sue" the name, Title-case inside a sentence (a sign-off, a list of names)
    ("legal_threat", "I spoke with Sue and we agreed on the terms."),
    ("legal_threat", "Thanks  Sue  TIM: can you make sure that Jeff gets this message."),
    ("legal_threat", "Present: Teresa Seibel, James Copeland, Sue Rollins and I."),
]


@pytest.mark.parametrize(
    "body",
    [
        "I have not heard back, and if you do not reply I will write again.",  # the report is outside the if
        "You approved us two years ago, but we have not been contacted since.",
        "Your earlier letter promised a fix; my previous emails went unanswered.",
        # failed contact in customer-service wording (written for this test, not taken from a data set)
        "I rang the helpline twice, no answer either time.",
        "Live chat were no help whatsoever.",  # the core's own "no" is not a negation
        "Your agent couldn’t find my booking.",  # a typographic apostrophe
        "They promised to call me back by noon but nobody ever did.",
        "How do I reach someone higher than the call centre?",
        "After several transfers I gave up on the phone line.",
        "Useless support agents, every one of them.",
    ],
)
def test_reports_next_to_conditions_and_other_peoples_letters_still_fire(body: str) -> None:
    assert analyze_text("Hello", body).signal("escalation") is not None


@pytest.mark.parametrize(
    ("signal", "body"),
    [
        ("legal_threat", "Our lawyer has advised us to keep every letter you sent."),
        ("legal_threat", "We have contacted our lawyers about the missing deposit."),
        ("legal_threat", "I have spoken to my lawyers about this."),
        ("vulnerable", "I can no longer support my family on this pension."),
    ],
)
def test_a_customers_own_lawyer_and_hardship_still_fire(signal: str, body: str) -> None:
    assert analyze_text("Hello", body).signal(signal) is not None


@pytest.mark.parametrize(
    ("signal", "body", "fires"),
    [
        # the story's customer: the "not" belongs to the condition, the threat is the main clause
        ("going_public", "If this is not fixed I will post this on my blog.", True),
        ("legal_threat", "If I don't get a refund I will contact my lawyer.", True),
        ("going_public", "If the charge is not reversed by Friday we will share this story on social media.", True),
        # a negated main clause stays negated, with or without a comma
        ("legal_threat", "If you pay I will not sue.", False),
        ("going_public", "If the parcel arrives I won't post anything online.", False),
    ],
)
def test_a_negation_inside_an_if_clause_does_not_cancel_the_main_clause(signal: str, body: str, fires: bool) -> None:
    assert (analyze_text("Hello", body).signal(signal) is not None) is fires


@pytest.mark.parametrize(
    "body", ["Sue them, I say.", "I WILL SUE YOU FOR THIS.", "Sue Rollins says I should sue you for this."]
)
def test_the_verb_sue_still_fires_beside_the_name(body: str) -> None:
    """Sentence-initial "Sue", capitals and the lower-case verb are the verb."""
    hit = analyze_text("Hello", body).signal("legal_threat")
    assert hit is not None and hit.rule == "legal_threat.sue"


@pytest.mark.parametrize(("signal", "body"), NEGATED_OR_NOT_OWN)
def test_signal_does_not_fire(signal: str, body: str) -> None:
    a = analyze_text("Hello", body)
    assert a.signal(signal) is None, a.signal(signal)


def test_negation_is_reported_in_the_trace() -> None:
    _, traces = run_rules(build_view("", "I am not going to sue you."), trace=True)
    assert [(t.rule, t.why) for t in traces] == [("legal_threat.sue", "negated")]


def test_quoted_lines_and_quotations_do_not_fire() -> None:
    body = (
        "Thanks for your help.\n"
        "> I will sue you and post this online.\n"
        'Your agent said "we will cancel your account tomorrow" which was odd.'
    )
    a = analyze_text("Re: my case", body)
    assert a.signal("legal_threat") is None
    assert a.signal("going_public") is None
    assert a.signal("churn") is None


def test_forwarded_part_is_masked() -> None:
    body = "FYI, see below.\n-----Original Message-----\nFrom: x\nI am going to sue you."
    assert analyze_text("Fw: complaint", body).signal("legal_threat") is None


def test_quoted_text_of_a_parsed_message_is_not_analysed() -> None:
    from execdesk.analyze import analyze_message, parsed_from_text

    p = parsed_from_text("Re: bill", "Thank you, that solved it.")
    p.quoted_text = "I will sue you unless you refund me."
    p.text = p.new_text + "\n\n> " + p.quoted_text
    a = analyze_message(p)
    assert a.signal("legal_threat") is None
    assert "sue" not in a.text


def test_rule_does_not_span_subject_and_body() -> None:
    a = analyze_text("Your website", "You idiot.")
    ev = a.signal("abusive").evidence[0]  # type: ignore[union-attr]
    assert ev.text == "You idiot."


def test_a_cancelled_match_does_not_hide_a_later_one() -> None:
    a = analyze_text("Third time", "I am not going to sue, but I have filed a complaint with the FCC.")
    assert a.signal("legal_threat") is None
    reg = a.signal("regulator")
    assert reg is not None
    assert reg.evidence[0].text == "I am not going to sue, but I have filed a complaint with the FCC."
