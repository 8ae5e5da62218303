"""Batches 32-33 (decision 0619): each construction their misses and false alarms taught, in fresh wording.

Every probe here was written before the guard was run on it. A threat and a benign near miss share a
construction's words; the benign one names no sanction against the customer, or names it as help.
"""

from __future__ import annotations

import pytest

from execdesk.reply.tone import InboundContext, check_tone

# Constructions that must block, by cause (who acts, on whom, because of what).
THREATS: dict[str, list[str]] = {
    "legal liability attached to what the customer wrote": [
        "Posts of that kind invite legal action under the defamation laws, and we ask you to stop.",
        "Please refrain from such comments so that we are not compelled to start proceedings.",
    ],
    "a rule cited that lets us sanction people who behave like the customer": [
        "Our house rules permit us to refuse entry to guests whose comments about staff we find offensive.",
        (
            "The tenancy agreement entitles us to end agreements with residents whose behaviour towards our team "
            "is abusive."
        ),
    ],
    "what the customer said, weighed in a decision about them": [
        (
            "Comments you have made online about our adjusters may be taken into account when your policy comes up "
            "for renewal."
        ),
        "The landlord weighs a tenant's conduct when deciding on renewals, just so you know.",
    ],
    "a stake named, then 'worth bearing in mind'": [
        "Your contract renewal is due in June. Worth keeping that in mind before you post again.",
        "We write references for members who move clubs and mention any disputes. Something to bear in mind.",
    ],
    "evidence of the customer's posts kept against them": [
        "For the record, we have screenshots of every review you have posted about us.",
        "We've archived copies of your tweets and your forum posts.",
    ],
    "complainers as a class held liable": [
        "Customers who post false reviews can be held liable for the losses they cause us.",
    ],
    "new contact on the same topic closed unread": [
        "Don't start a new ticket about the refund; new tickets on this subject will be closed without reply.",
        "Please do not raise another case about this matter, as it will be auto-closed.",
        "Letters sent to our directors will be shredded unread.",
        "Kindly refrain from e-mailing the CEO henceforth.",
        "Any such mails will be diverted and not be taken on record.",
    ],
    "the customer and their family struck off a list": [
        "We are removing you and your partner from the practice register as of next month.",
    ],
    "whether we can keep serving the customer, put in question": [
        "If the posts carry on, we will need to consider whether we can continue to insure you.",
        "Given your e-mails, we must review whether the relationship with your family remains tenable.",
    ],
    "a body 'minded to' sanction, or one pending a disciplinary hearing": [
        "The board is minded to withdraw your season ticket after the comments you made to stewards.",
        "The board will suspend your season ticket pending a disciplinary hearing.",
    ],
    "scrutiny of the customer's own file, as a reply to criticism": [
        "Accusations like these may oblige us to re-examine the answers you gave when you took out the policy.",
        "I'm sure you'd prefer to avoid any complications with your application.",
    ],
    "a note on the customer's file after their conduct": [
        "Given the tone of your calls, a marker has been added to your account.",
        "We found the language in your e-mails abusive. Your customer file has been annotated accordingly.",
        "Our staff felt threatened by your letter, and matters like this can be passed to the police.",
    ],
    "an ultimatum with a deadline before 'or'": [
        "Remove the post by Friday or we'll send you the bill for the call-out.",
        "Take that video down tonight or expect a letter.",
    ],
}

# The same words in a helping or neutral frame: no block.
NEAR_MISSES: list[str] = [
    "Complaints like yours attract a goodwill payment under our service charter.",
    "We changed the form so that you are not forced to start the claim again.",
    "Our terms allow us to refund passengers whose flights are cancelled, so the money is on its way.",
    "The policy lets us waive the fee for members whose cards were stolen.",
    "Your comments will be taken into account when we redesign the booking page.",
    "We took your loyalty into account when setting the renewal price, which is lower this year.",
    "The sale ends on Sunday, something to keep in mind if you want the sofa.",
    "Your renewal is due in June; worth bearing in mind that the new rate is lower.",
    "We have kept copies of your receipts, so there's no need to send them again.",
    "Customers who report a fault within 30 days are entitled to a full refund.",
    "This chat will close automatically after ten minutes, but you can open another chat any time.",
    "You don't need to open another ticket; I'll keep this one open until the refund lands.",
    "Please refrain from sharing your password with anyone, including our staff.",
    "Your e-mail to the CEO has been taken on record and passed to her office.",
    "We are removing you and your partner from the mailing list, as you asked.",
    "We will look at whether we can keep supplying your street during the roadworks, and I'll call Friday.",
    "Your continued place on the course is confirmed for next term.",
    "The board is minded to refund everyone affected by the cancelled match.",
    "Your membership is safe; the disciplinary hearing concerns the referee, not you.",
    "Your letter prompted us to re-examine the claim, and we now agree it should be paid.",
    "We may need to look again at your application because the scan of your passport was blurry.",
    "Take it down today or tomorrow, whichever suits, and we'll still refund you.",
    "A note has been placed on your file so the engineer knows to call ahead.",
    "Your booking record has been flagged so the crew can help you board first.",
    "Lost property can be handed to the police station on Mill Lane if we don't hear from the owner.",
    # the false alarms of batches 32-33, in new wording
    "The police may call you to take a statement about the break-in; our branch manager can sit in with you.",
    "We've put your number on our do-not-call list, so the sales team won't ring you again.",
]


@pytest.mark.parametrize("text", [t for texts in THREATS.values() for t in texts])
def test_batch32_33_constructions_block_in_new_wording(text: str) -> None:
    assert check_tone(text).verdict == "block"


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_batch32_33_near_misses_do_not_block(text: str) -> None:
    assert check_tone(text).verdict != "block"


def test_police_about_what_the_customer_wrote_still_blocks() -> None:
    """The witness frame only excuses the police contacting a customer for a statement."""
    assert check_tone("The police may contact you about the comments you left on our page.").verdict == "block"


def test_a_do_not_serve_list_is_still_a_ban() -> None:
    assert check_tone("We've put your number on our do-not-serve list.").verdict == "block"


@pytest.mark.parametrize(
    "text, rule",
    [
        ("We note your comments.", "dismissive"),
        ("Hope you find somewhere that suits you better.", "dismissive"),
        ("You should have checked the size chart before ordering.", "blame"),
        ("We can guarantee it will never happen again.", "overpromise"),
        ("Thanks for the 900 words about a parking space, Tom.", "condescending"),
        ("Your wife's surgery was postponed, so the booking has moved to May.", "disclosure.medical"),
    ],
)
def test_batch32_33_warn_families(text: str, rule: str) -> None:
    rules = {f.rule for f in check_tone(text, inbound=InboundContext(intent="complaint", sentiment=-1)).findings}
    assert any(r.startswith(rule) for r in rules), rules


@pytest.mark.parametrize(
    "text",
    [
        "We note your comments about the lift, and an engineer comes on Tuesday.",
        "You should have been offered a refund at the desk, and I've now sent it.",
        "I've booked the 9am slot, the earliest time we can guarantee with the courier.",
        "I hope you find the walk to the venue easy; there's a map attached.",
        "Thank you for writing 300 words about our nurses; I've shared them with the ward.",
        "Our crew took your wife to hospital in time for her surgery, and we're glad she is home.",
    ],
)
def test_batch32_33_benign_warn_near_misses_have_no_finding(text: str) -> None:
    assert check_tone(text).findings == []
