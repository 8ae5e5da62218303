"""The tone guard: the story's draft is blocked, warm replies pass, findings carry exact spans."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from execdesk.reply.tone import InboundContext, ToneConfigError, check_tone, load_config

FIXTURES = Path(__file__).with_name("fixtures")
CASES = yaml.safe_load((FIXTURES / "tone_cases.yaml").read_text(encoding="utf-8"))
EVAL = yaml.safe_load((FIXTURES / "tone_eval_set.yaml").read_text(encoding="utf-8"))
# Batches 7 and 8 were written by engineers who never saw the rules; each keeps its own file.
BATCH7 = yaml.safe_load((FIXTURES / "tone_eval_batch7.yaml").read_text(encoding="utf-8"))
BATCH8 = yaml.safe_load((FIXTURES / "tone_eval_batch8.yaml").read_text(encoding="utf-8"))


def _ctx(case: dict) -> InboundContext | None:  # type: ignore[type-arg]
    return InboundContext(**case["inbound"]) if case.get("inbound") else None


def _story_draft() -> str:
    scen = yaml.safe_load(resources.files("execdesk.demo").joinpath("scenario.yaml").read_text(encoding="utf-8"))
    return str(scen["story"]["office_draft_reply"])


def test_story_draft_is_blocked_with_the_threat_as_evidence() -> None:
    draft = _story_draft()
    report = check_tone(draft, inbound=InboundContext(intent="complaint", sentiment=-1))
    assert report.verdict == "block"
    blocks = [f for f in report.findings if f.severity == "block"]
    assert any("cease-and-desist" in f.text for f in blocks)
    assert report.front_page_score <= 20
    for f in report.findings:
        assert draft[f.start : f.end] == f.text and f.why and f.suggestion


def test_executive_one_liner_has_no_finding() -> None:
    report = check_tone("Thanks — we're on it.")
    assert report.verdict == "ok" and report.findings == []
    assert report.front_page_score >= 80


def test_recall_on_criticised_replies_and_false_alarms_on_praised_ones() -> None:
    crit = CASES["criticised"]
    blocks = [c for c in crit if c["expect"] == "block"]
    missed_blocks = [c["text"] for c in blocks if check_tone(c["text"], inbound=_ctx(c)).verdict != "block"]
    flagged = [c for c in crit if check_tone(c["text"], inbound=_ctx(c)).verdict != "ok"]
    false_alarms = [c["text"] for c in CASES["praised"] if check_tone(c["text"], inbound=_ctx(c)).verdict != "ok"]
    assert len(blocks) >= 20 and len(CASES["praised"]) >= 30
    assert 1 - len(missed_blocks) / len(blocks) >= 0.9, missed_blocks
    assert len(flagged) / len(crit) >= 0.8
    assert len(false_alarms) / len(CASES["praised"]) <= 0.10, false_alarms


def test_quoted_customer_text_is_not_held_against_the_reply() -> None:
    reply = (
        "Hi Ann, I'm sorry about the bill. I've refunded the fee today.\n\n"
        "> If you don't fix this I will take legal action and call the police.\n"
        "> Do not e-mail me again with excuses.\n\n"
        "On Mon, 3 Mar 2025, Ann <ann@example.org> wrote:\n"
        "Further e-mails will be ignored, you idiots. Cease and desist!\n"
    )
    report = check_tone(reply, inbound=InboundContext(intent="complaint", sentiment=-2))
    assert report.verdict == "ok", report.findings


@pytest.mark.parametrize(
    "text",
    [
        "We will not take any legal action, of course.",
        "If your card was stolen, please report it to the police and call us so we can block it.",
        "You may wish to take independent legal advice before signing.",
        "Please don't hesitate to contact us again if anything else comes up.",
        "Please do not send us your card details by e-mail.",
    ],
)
def test_negation_advice_and_offers_are_not_threats(text: str) -> None:
    assert check_tone(text).verdict != "block"


def test_register_mismatch_needs_a_friendly_inbound() -> None:
    text = "Thank you for your note. Please be advised that the shop opens at nine."
    friendly = check_tone(text, inbound=InboundContext(intent="suggestion", sentiment=1))
    assert [f.rule for f in friendly.findings] == ["register_mismatch"]
    assert check_tone(text).verdict == "ok"
    boilerplate = "Please be advised that we do not accept unsolicited ideas, pursuant to our policy."
    assert "register.boilerplate" in {f.rule for f in check_tone(boilerplate).findings}


def test_missing_apology_only_for_complaints() -> None:
    text = "Your replacement router ships today and should arrive on Thursday."
    assert [f.rule for f in check_tone(text, inbound=InboundContext(intent="complaint", sentiment=-2)).findings] == [
        "no_apology"
    ]
    assert check_tone(text, inbound=InboundContext(intent="request", sentiment=0)).verdict == "ok"


def test_card_number_needs_luhn_and_internal_notes_are_flagged() -> None:
    assert [f.rule for f in check_tone("Your card 4111 1111 1111 1111 was charged.").findings] == ["disclosure.card"]
    assert check_tone("Your order 4111 1111 1111 1112 was shipped.").verdict == "ok"
    report = check_tone("Internal note: VIP, handle with care. Hi Bob, thanks for writing!")
    assert [f.rule for f in report.findings] == ["disclosure.internal"]


def test_organisation_override_allow_list_and_disabled_rule(tmp_path: Path) -> None:
    text = "We have passed your kind note to the Police Federation. Policy is policy."
    assert check_tone(text).verdict == "block"
    rules = tmp_path / "tone.yaml"
    rules.write_text("allow: ['Police Federation']\nrules:\n  - {id: dismissive, enabled: false}\n", encoding="utf-8")
    report = check_tone(text, config=load_config(rules))
    assert report.verdict == "ok", report.findings


def test_bad_rules_file_says_where(tmp_path: Path) -> None:
    rules = tmp_path / "tone.yaml"
    rules.write_text("rules:\n  - {id: mine, severity: block, patterns: ['{nosuchclass}']}\n", encoding="utf-8")
    with pytest.raises(ToneConfigError, match="rule mine: unknown word class"):
        load_config(rules)


def test_real_brand_replies_are_rarely_blocked(shared_data: Path) -> None:
    with (shared_data / "twcs_customer_support" / "pairs.csv").open(encoding="utf-8") as fh:
        texts = [r["brand_text"] for r in csv.DictReader(fh)]
    blocked = [t for t in texts if check_tone(t).verdict == "block"]
    assert len(blocked) / len(texts) <= 0.01, blocked[:5]


def test_tone_check_command_json_and_exit_codes(tmp_path: Path, home: Path) -> None:
    from execdesk.cli.main import app

    runner = CliRunner()
    draft = tmp_path / "draft.txt"
    draft.write_text(_story_draft(), encoding="utf-8")
    res = runner.invoke(app, ["--home", str(home), "tone-check", str(draft), "--json"])
    assert res.exit_code == 3, res.output
    out = json.loads(res.stdout)
    assert set(out) == {"verdict", "front_page_score", "findings"} and out["verdict"] == "block"
    assert set(out["findings"][0]) == {"rule", "severity", "start", "end", "text", "why", "suggestion"}
    res = runner.invoke(app, ["--home", str(home), "tone-check", "-", "--json"], input="Thanks — we're on it.")
    score = check_tone("Thanks — we're on it.").front_page_score
    assert res.exit_code == 0 and json.loads(res.stdout) == {"verdict": "ok", "front_page_score": score, "findings": []}
    res = runner.invoke(app, ["--home", str(home), "tone-check", str(tmp_path / "missing.txt")])
    assert res.exit_code == 2


def test_inbound_eml_gives_context(tmp_path: Path, home: Path) -> None:
    from execdesk.cli.main import app

    eml = tmp_path / "in.eml"
    eml.write_bytes(
        b"From: Ann <ann@example.org>\r\nTo: ceo@example.com\r\nSubject: Love the new app\r\n"
        b"Message-ID: <a1@example.org>\r\n\r\nJust wanted to say the new app is wonderful, thank you so much!\r\n"
    )
    reply = tmp_path / "reply.txt"
    reply.write_text(
        "Please be advised that the company does not accept unsolicited suggestions pursuant to its policy.",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["--home", str(home), "tone-check", str(reply), "--inbound", str(eml), "--json"])
    assert res.exit_code == 0, res.output
    assert "register_mismatch" in {f["rule"] for f in json.loads(res.stdout)["findings"]}


def test_written_eval_set_meets_the_issue_targets() -> None:
    """Our own criticised/praised set (all batches; see the file's header): the issue's three targets."""
    from execdesk.reply.tone.evaluate import EVAL_SETS, written_set

    per_batch = written_set(EVAL_SETS)
    assert len(per_batch) == 42 and per_batch["batch7"][1::2] == (28, 40, 40)
    assert per_batch["batch8"][1::2] == (29, 40, 40)
    full = (*range(9, 26), *range(28, 34), 36, *range(40, 44), 46, 49)
    assert all(per_batch[f"batch{n}"][1::2] == (30, 40, 40) for n in full)
    assert per_batch["batch26"][1::2] == per_batch["batch27"][1::2] == per_batch["batch38"][1::2] == (10, 10, 70)
    blocked, must, flagged, crit, alarms, praised = (sum(v[i] for v in per_batch.values()) for i in range(6))
    assert per_batch["batch47"][1::2] == (20, 20, 80)  # short replies (decision 0634)
    assert must >= 1090 and crit >= 1460 and praised >= 1680
    assert blocked / must >= 0.9
    assert flagged / crit >= 0.8
    assert alarms / praised <= 0.10


def test_blind_batches_are_kept_apart_from_the_fitted_set(capsys: pytest.CaptureFixture[str]) -> None:
    """The blind estimate only means something while its batches are unfitted and their misses unprinted."""
    from execdesk.reply.tone.evaluate import BLIND_SETS, EVAL_SETS, written_set

    assert not set(BLIND_SETS) & set(EVAL_SETS)
    assert [p.name for p in BLIND_SETS] == [f"tone_eval_batch{n}.yaml" for n in (34, 35, 37, 39, 44, 45, 48, 50)]
    written_set(list(BLIND_SETS), show_misses=False)
    printed = capsys.readouterr().out
    assert "missed" not in printed and "false alarm:" not in printed


def test_literal_gates_are_necessary_literals() -> None:
    import re

    from execdesk.reply.tone.gates import gate, open_gate

    cases = {
        r"\bfoo (?:bar|baz)\b": ["foo bar", "a foo baz."],
        r"(?:cease|stop) (?:\S+\s+)?now": ["cease now", "stop it now"],
        r"(?:legal action|the police)": ["call the police", "take legal action"],
        r"you(?: will|'ll)+ be (?:banned|barred)": ["you will be barred", "you'll be banned"],
    }
    for pattern, samples in cases.items():
        rx = re.compile(pattern)
        g = gate(rx)
        assert g, pattern  # a literal pattern always has a gate
        for text in samples:
            m = rx.search(text)
            assert m is not None and any(lit in m.group(0) for lit in g), (pattern, text, g)
    assert gate(re.compile(r"\w+")) is None and gate(re.compile(r"x?y*")) is None
    g = gate(re.compile(r"(?:legal action|the police)"))
    assert open_gate(g, "we will call the police") and not open_gate(g, "we will call you")


def test_literal_index_finds_what_searching_each_literal_finds() -> None:
    """One automaton pass equals a ``str.find`` loop per literal: overlapping literals
    ("sue" inside "pursue"), a literal at a sentence's first and last character, emoji."""
    from bisect import bisect_right

    from execdesk.reply.tone.gates import LiteralIndex

    gates = [frozenset({"sue", "pursue"}), frozenset({"sue"}), frozenset({"🙄", "ban"}), frozenset({"x y"}), None]
    sents = ["we will pursue it", "sue", "🙄 banned", "nothing here", "ban", "x y z", "ooh 🙄"]
    whole = "\n".join(sents)
    starts = [sum(len(s) + 1 for s in sents[:i]) for i in range(len(sents))]
    got = LiteralIndex(gates).sentence_sets(whole, starts)
    for g in gates:
        if g is None:
            continue
        want = set()
        for lit in g:
            at = whole.find(lit)
            while at != -1:
                want.add(bisect_right(starts, at) - 1)
                at = whole.find(lit, at + 1)
        assert got.get(g, set()) == want, (g, got.get(g), want)
    assert got[frozenset({"sue", "pursue"})] == {0, 1} and got[frozenset({"🙄", "ban"})] == {2, 4, 6}
    assert LiteralIndex(()).sentence_sets(whole, starts) == {}


def test_gates_never_change_a_finding(shared_data: Path) -> None:
    """The literal gates are a speed-up only: with them switched off every finding is the same."""
    import dataclasses

    from execdesk.reply.tone import default_config

    cfg = default_config()
    ungated = dataclasses.replace(
        cfg,
        rules=tuple(
            dataclasses.replace(r, gates=(None,) * len(r.gates), require_gates=(None,) * len(r.require_gates))
            for r in cfg.rules
        ),
    )
    texts = [c["text"] for k, v in CASES.items() for c in v]
    texts += [c["text"] for k, v in EVAL.items() for c in v]
    texts += [c["text"] for k, v in BATCH7.items() for c in v]
    texts += [c["text"] for k, v in BATCH8.items() for c in v]
    with (shared_data / "twcs_customer_support" / "pairs.csv").open(encoding="utf-8") as fh:
        texts += [r["brand_text"] for r in csv.DictReader(fh)][:600]
    texts.append(_story_draft())
    for t in texts:
        assert check_tone(t, config=cfg).findings == check_tone(t, config=ungated).findings, t


def test_titles_do_not_end_a_sentence() -> None:
    report = check_tone("Please refrain from reaching out to Mr. Hale again.")
    assert report.verdict == "block"
    assert {f.rule for f in report.findings} == {"restrict.imperative"}


@pytest.mark.parametrize(
    "text",
    [
        "We've blocked the stolen card, and a new one will reach you by Thursday.",
        "Our legal team confirmed you're entitled to the refund; it was paid this morning.",
        "We would never ban anyone for an honest review.",
        "If you'd like, we can close your account today.",
        "Please share your details here and I'll get back to you.",
        # twcs tweets.csv, marksandspencer (a joke between brands): "bants" is not a ban
        "Do you know what happens when you try and keep up with our bants? Well Lidl....",
    ],
)
def test_sanction_words_in_a_harmless_frame_do_not_block(text: str) -> None:
    assert check_tone(text).verdict != "block"


@pytest.mark.parametrize(
    "text",
    [
        "This is now a matter for our solicitors.",
        "We have retained outside counsel and will respond through them from now on.",
        "Given the tone of your messages, we are ending all communication with you, effective immediately.",
        "Consider yourself barred from all future events.",
    ],
)
def test_sanction_word_classes_in_a_threat_frame_block(text: str) -> None:
    assert check_tone(text).verdict == "block"


def test_eval_set_kinds_are_the_known_ones() -> None:
    """Every criticised case says what it must be (block/warn) and a known kind, in both files."""
    from execdesk.reply.tone.evaluate import KINDS

    for data in (EVAL, BATCH7, BATCH8):
        for key, cases in data.items():
            if key.startswith("criticised"):
                for c in cases:
                    assert c["expect"] in ("block", "warn") and c["kind"] in KINDS, c


# Construction families generalised from batch 7's blind misses (decision 0610), in wording that is
# in none of the fixtures: the customer's standing taken because of what they did, conditions on
# what they do next, reserved rights, records of behaviour, penalties for not withdrawing,
# labels that shut contact out, takedown demands, passive reports to an authority.
@pytest.mark.parametrize(
    "text",
    [
        "Because of the tone of your calls, we have decided to close your loyalty account.",
        "Your subscription has been terminated due to the number of complaints you have sent our staff.",
        "After the posts you published about our clinic, we are reconsidering whether to keep you as a patient.",
        "Should this kind of message continue, your account will be suspended.",
        "If another post like this appears, the club will be forced to terminate your membership.",
        "Sending us one more message of this kind will be treated as harassment.",
        "The company reserves all of its legal rights regarding the claims you have made online.",
        "We will not hesitate to protect our reputation by whatever means are available.",
        "Please be aware that a full record of your conduct on the phone is being kept and may be used if needed.",
        "An administration charge of £50 will be added to your account unless the complaint is withdrawn.",
        "Your e-mails are now being treated as vexatious and will be filed without reply.",
        "From now on we will only accept correspondence from you by post.",
        "We request that you take down your review by Monday.",
        "Your account has been referred to our debt collection agency.",
    ],
)
def test_threat_families_block_in_new_wording(text: str) -> None:
    assert check_tone(text).verdict == "block"


@pytest.mark.parametrize(
    "text",
    [
        "As you asked, your subscription has been cancelled and you won't be charged again.",
        "Following your complaint, we've reviewed your account and refunded the two late fees.",
        "Your booking can be cancelled free of charge up to 24 hours before arrival.",
        "We've kept a record of your call so the next advisor knows the whole story.",
        "Our legal team will check the contract wording and I'll write to you by Friday.",
        "You're welcome to take this to the ombudsman if you're not happy with our answer.",
        "The police have the footage, and we'll help them in any way we can.",
        "We have banned smoking on all our platforms from today.",
        "Please delete the photo of your card from your post so nobody can misuse it.",
        "Your order was cancelled by mistake; I've reinstated it and upgraded the delivery.",
        "Our fraud team will call you tomorrow to go through the transactions with you.",
        "Because you've been with us for ten years, we've upgraded your membership for free.",
        "Following your messages, we've reviewed your booking and moved you to a quieter room.",
        "If you continue to have problems, we will cancel the order and refund you.",
        "We've noted your tone was frustrated, and honestly, so would I be.",
        "I've asked our solicitors to draft the refund agreement so you get the money this week.",
    ],
)
def test_the_same_words_in_a_helping_frame_do_not_block(text: str) -> None:
    assert check_tone(text).verdict != "block"


# Construction families generalised from batch 8's blind misses (decision 0611), in wording that is
# in none of the fixtures (two probes, each written before the guard was run on it): interrogative
# and nominalised threats, consequences aimed at the customer's family, employer, visa or credit
# file, surveillance, cross-company lists, remedies withheld as leverage over a review, contact
# shut out as a process.
@pytest.mark.parametrize(
    "text",
    [
        "Is a courtroom really where you want this to end up?",
        "Our advisers have told us that what you wrote about our chef could well be libellous.",
        "Keep this up and your wife may find her own account with us getting a lot more scrutiny.",
        "I understand your son works at one of our suppliers; it would be unfortunate if this spilled over onto him.",
        "Since you've decided to go to the newspapers, we're reporting the arrears to the credit bureaus today.",
        "We've been keeping an eye on your Facebook page and have saved every post you've made about us.",
        "Your name is now on the no-booking list that all twelve of our partner resorts share.",
        "The refund will be paid the day your TikTok video about us disappears.",
        "Until the one-star rating is gone, your repair stays at the back of the queue.",
        "Because of your posts, the extended guarantee on your car is void.",
        "Your inbox address now bounces at our end, so don't bother writing.",
        "From Monday your e-mails will go to an unattended folder that nobody checks.",
        "Further negative comments about our staff will cost you your parking permit.",
        "Anyone leaving malicious reviews will be charged a GBP 100 admin fee, "
        "which has now been applied to your account.",
        "Your visa sponsor may be interested to hear about your behaviour in our store.",
        "What do you think your employer would say if they saw these e-mails?",
        "The cost of the investigation your complaint has triggered will be recovered from you.",
        "Our insurers will be looking to you for the cost of the cancelled event.",
        "Remind me - does your manager at the council know how you spend your lunch breaks?",
        "We will be telling the other landlords in the area about tenants like you.",
        "As your review remains online, we are withholding the balance of your deposit.",
        "Take the blog post down and the replacement ships tomorrow; leave it up and it doesn't.",
        "Any more of these e-mails and we'll let your church group know what you've been writing.",
        "Given your posts, your child's application for the summer camp has been set aside.",
        "This is the last message from this address that our team will open.",
        "Your number has been added to our barred-callers register.",
        "Continue in this vein and your tenancy renewal will be looked at very differently.",
        "It's your choice: withdraw the complaint, or we pass the file to our recovery agents.",
        "Rest assured we have kept screenshots of everything you've posted, and so have our lawyers.",
        "If I were you, I'd think about your kids before sending another e-mail like that.",
        "Because of the comments you left, your loyalty points have been wiped.",
        "Should the ombudsman complaint go ahead, we will seek our costs from you.",
    ],
)
def test_batch8_families_block_in_new_wording(text: str) -> None:
    assert check_tone(text).verdict == "block"


@pytest.mark.parametrize(
    "text",
    [
        "We have your home address on file, so the new card will be posted there on Monday.",
        "Your credit file has been corrected following your complaint, and the default marker removed.",
        "If your review was removed by the platform in error, tell us and we'll ask them to restore it.",
        "Because of your feedback, we've extended your warranty by a year at no cost.",
        "Please don't feel you need to write again - Sam will call you tomorrow with the result.",
        "Your employer's HR team confirmed the benefit is active, so you'll see it on your next payslip.",
        "Do you really want to wait until Monday? We can courier it tomorrow instead.",
        "The court has approved the settlement, and the payment will reach you on Friday.",
        "No action will be taken against you, and I'm sorry for the letter you received.",
        "We monitor your account for suspicious activity, and we flagged these payments to protect you.",
        "We know which branch you use, so I've asked the manager there, Ruth, to look after you personally.",
        "The court date for the man who stole your bike has been set, and the police will keep you updated.",
        "The deposit will be returned once the checkout inspection is complete on Friday.",
        "Your e-mails will now go to Anna, our new account manager, who'll reply within a day.",
        "Thanks - everything is sorted. You don't need to e-mail again: the engineer comes on Tuesday.",
        "We'd be glad to send the kit to our Durban office for you instead.",
        "I've made sure she and her manager both saw your message.",
    ],
)
def test_batch8_words_in_a_helping_frame_do_not_block(text: str) -> None:
    assert check_tone(text).verdict != "block"


# Families of batches 9-17 (decision 0612), each probed in new wording, not the batch's sentences,
# by the batch that taught them: threats that must block, the same words in a helping frame that must
# not, and warn-level families (the text and the rule it must raise).
NEW_WORDING_THREATS: dict[int, list[str]] = {
    9: [
        "We'd rather settle this without getting our lawyers involved, but that now depends on you.",
        "Comments which we deem misleading incur an admin fee of $300, payable within 14 days.",
        "If you keep posting about this bill, we will have to consider whether we can keep supplying your home.",
        "Your address is now in our junk filter, so anything further from you will not reach us.",
        "Further e-mails from you will no longer reach our office.",
    ],
    10: [
        "If the housing ombudsman gets involved, I'll be serving you a section 21 notice.",
        "Ask yourself whether this is really worth the trouble.",
        "The company reserves the right to pursue whatever remedies it sees fit.",
        "Our solicitors have been made aware of your review.",
        "We would hate for this to go any further, so please take the video down.",
        "It would be best for all concerned if the review came down this week.",
        "Your manager at the bakery would be very interested to read what you wrote.",
        "Due to offensive messages, your membership has been banned for a year.",
        "The society has decided to end its relationship with you, following your conduct at the AGM.",
        "Your comments on the noticeboard have been logged and passed to the police.",
        "You will be removed from our client register immediately.",
        "Unless the chargeback is withdrawn by Friday, the account goes to collections.",
        "@kaytee remove it or you'll hear from our lawyers",
        "We will not be shipping to your address again.",
        "I've told you everything I'm going to say.",
        "Muted.",
        "Please not call to this office anymore.",
        "Lose our e-mail address.",
    ],
    11: [
        "If the post isn't removed by Monday, we will keep your deposit.",
        "Your comments have been forwarded to our group security office.",
        "Continued criticism of our staff may result in the cancellation of your loyalty card.",
        "Because you've chosen to complain on Facebook, we are terminating your gym and spa memberships.",
        "If the dispute isn't dropped, we'll hand the balance to our recovery agents.",
        "Given the language, we are cancelling your annual subscription today.",
        "The company reserves the right to pass your details to the police.",
        "We reserve the right to cancel the policy and seek recovery of the claim paid.",
        "Any further tickets about this refund will be closed without reply.",
        "We have decided to block your phone number from our help line.",
        "Our drivers have been told not to speak with you about the parcel.",
        "We're asking that you no longer telephone the surgery about this.",
        "Your account may be suspended while our fraud & risk team reviews your posts.",
    ],
    12: [
        "Should the video stay online, we will close your account.",
        "We wouldn't want your reviews to count against your membership renewal.",
        "A place on the course is a privilege, not a right.",
        "Misconduct findings may be disclosed in references to prospective employers.",
        "Your e-mails may be referred to the staff conduct panel.",
        "We would ask you to think carefully before filing that chargeback.",
        "Your posts about our driver on Facebook and TikTok have been recorded and reported to the police.",
        "Your correspondence with the trust will now be limited to one caseworker.",
        "Letters sent to any other department will not be answered.",
        "Calls from your number will be diverted to our automated line.",
        "Any further enquiries about the refund will not be actioned.",
    ],
    13: [
        "Unless the balance is paid by Monday, the account will be passed to collections.",
        "Any arrears will be listed with the credit bureaus.",
        "Carrying on like this could affect your ability to get a mortgage.",
        "I will be writing to your university's accommodation office about these reviews.",
        "We wouldn't want your letters to the council to cause problems for your tenancy.",
        "Please bear that in mind before you contact the newspaper again.",
        "Following your posts, the club has decided to end its playing relationship with you.",
        "We regard the case as closed and will not reply further.",
        "We trust that this will be the end of the matter.",
        "We would not expect to hear from you again about this.",
    ],
    14: [
        "If the reviews continue, we will reconsider whether we can go ahead with your kitchen installation.",
        "Your booking has been placed under review following your public comments about our staff.",
        "We may close accounts at our discretion. Please consider this before posting again.",
        "We will inform your employer unless a written apology is received this week.",
        "Should this carry on, we will have to review whether we can keep offering Sam a place.",
        "We may feel obliged to raise our concerns about your household with social services.",
        "We have written to your GP surgery about your behaviour at the counter.",
        "I'd hate for your landlord to hear about any of this.",
        "I would strongly advise you to withdraw your complaint to the ombudsman.",
        "Do not contact us about this order through any other channel.",
        "Your account has been barred from raising new support tickets for a month.",
    ],
    15: [
        "The tone of your letters to the chairman has been noted, and we will act accordingly.",
        "The airline has decided to refuse you travel on its routes.",
        "As a result, we are closing your family's savings accounts at the end of the month.",
        "Further calls to the director's home may be treated as a breach of your lease.",
        "Letters like this could put your tenancy at risk.",
        "We would be obliged to share the file with the insurance fraud register.",
        "You may wish to reconsider your position.",
        "With effect from Monday, the depot will no longer accept parcels for your address.",
        "If you don't delete the review, my lawyer will call you.",
        "I will go straight to the police with your messages.",
        "Following the nature of your calls, your accounts are now under review.",
        "Our partner garages are not obliged to service your car.",
        "I have forwarded your posts to your college.",
        "The chief executive does not wish to receive any further letters from you.",
        "Your calls have been logged under our unreasonable customer behaviour policy.",
        "You may contact the society in writing only.",
        "Calls from your number will not be put through.",
        "Visits to our head office will not be permitted.",
    ],
    16: [
        "Given the number of complaints you have sent, we may have to review whether we can keep supplying you.",
        "The society reserves its position on the article you wrote.",
        "Carry on like this and I'll make sure everybody at the trade fair hears about it.",
        "Good luck finding a landlord after this.",
        "Following your posts, the working relationship has broken down.",
    ],
    17: [
        "Having considered the tone of your letters, we have decided to withdraw our services from you.",
        "We've forwarded your comments to their human resources department.",
        "We have decided to refer your review to the nursing regulator.",
        "You wouldn't want this to affect your daughter's internship, so we suggest you let it drop.",
        "As you're clearly unhappy, I've closed your team workspace.",
        "Repeated complaints like these mean we must review whether Mia's place on the squad remains appropriate.",
        "We may void the policy and recover what we have paid.",
        "We've banned you from the group chat.",
        "We have placed a communication restriction on your account.",
        "Please direct any further correspondence to our solicitors.",
        "Our team will not accept any more calls from you.",
        "Letters sent to this office will be filed unread.",
    ],
    18: [
        "Residents who complain to the newspaper may find this is taken into account at the next review.",
        "Members who criticise the club online rarely keep their priority booking.",
        "Guests who post negative reviews may be refused future reservations.",
        "Such posts are grounds for closure of your account.",
        "Our solicitors have read your blog and you will be hearing from them about libel.",
        "We intend to file a lawsuit if the comments stay up.",
        "As you disputed the payment with your card issuer, an administration fee now applies.",
        "Unpaid sums are passed to our debt recovery partner and may be reported to the credit bureaus.",
        "We have taken the liberty of sending your messages to your line manager.",
        "We have lodged a report with our security team about your visits.",
        "Further claims from you will be considered fraudulent.",
        "She knows who you are and where you work.",
        "Ask yourself whether continuing this campaign is really in your own interests.",
        "The matter has been passed to our compliance team for consideration.",
    ],
    19: [
        "Our reception staff have been told never to answer calls from you.",
        "You have been deemed a vexatious complainant.",
        "Correspondence from you will now receive no reply unless it raises something new.",
        "Let us know once the video is down.",
        "Any repeat of your remarks to the press may result in a decision to end your membership.",
    ],
    20: [
        "Your comments in the group chat about Mr Lee have been passed to the Office of Staff Conduct.",
        "Any repetition may jeopardise your place on the course.",
        "As you have repeatedly threatened to go to the papers, we have decided to close your account.",
        "Tenants in breach may face a rent review.",
        "Your line manager, whose name is on your profile, would no doubt be curious to read this.",
        "We have saved screenshots of every post.",
        "Passes may be revoked for comments that damage the gym's reputation.",
        "Our directors have sought advice about libel.",
        "I'd advise you to get legal advice before you publish the video.",
        "One more review like that and the footage goes to the cops.",
        "Further breaches may lead to possession proceedings.",
        "The voucher is subject to the removal of your post.",
        "You are politely asked not to ring the head office again.",
        "We reserve the right not to reply to further e-mails.",
        "Messages sent to the board will be redirected to the complaints queue and will not be read.",
    ],
    21: [
        "We saw your comments on Facebook. The loyalty discount on your account has now been withdrawn.",
        "We have read your blog. Your listing is under review.",
        "Worth bearing in mind that your lease comes up for renewal next month.",
        "Your fundraiser is under review given your public comments about our fees.",
        "We will be raising your posts with the General Medical Council.",
        "We have referred your comments to your professional body.",
        "The academy may request the withdrawal of your son if this continues.",
        "A complaint to the ombudsman may have implications for your renewal premium.",
        "We'd hate for this review to follow you to your next job.",
        "We have muted your account.",
        "We will no longer be responding further on this matter.",
    ],
    22: [
        "Further posts may result in you being refused entry to our venues.",
        "We would urge you to reconsider your review.",
        "We know that you work at the council.",
        "Delete it and we'll say no more.",
        "Your manager wouldn't enjoy reading what you wrote about our staff.",
        "We will be bringing your behaviour to the attention of your regulator.",
        "If you go to the ombudsman, we will issue proceedings for the balance.",
        "Your message has been passed to our abuse team.",
        "Accounts linked with chargebacks may be restricted.",
        "One more comment like that and your booking gets cancelled.",
        "After your review we have reconsidered our willingness to continue insuring the car.",
        "Your children will be removed from the register at the end of term.",
    ],
    23: [
        "Guests who insult our staff online can be refused rooms at any of our hotels.",
        "Have a good think before you post again.",
        "As you left that review, we no longer feel obliged to repair the boiler.",
        "To get the voucher back, just edit your review.",
        "If you drop the complaint we can reconsider the refund.",
        "We'd hate for the GMC to read your posts.",
        "Members writing to the papers about the club may be suspended.",
        "The board may expel any member who brings the club into disrepute.",
        "Landlords in the area all talk to each other.",
        "Given your public comments about our staff, we will be unable to continue with your booking.",
        "Your remarks have been recorded on file in case we need them later.",
        "You've been blocked on WhatsApp.",
        "Reception has been told not to put through any calls from you.",
        "Further letters will be acknowledged but not answered.",
    ],
    24: [
        "We have revoked your premium licence and removed you from the beta programme.",
        "Given what you posted, we won't be doing any more warranty work on the boiler.",
        "Your comments on the forum have been flagged by other users. Your account is now under review.",
        "We reserve the right to terminate your lease.",
        "In light of your letters, we will be rechecking your right to rent with the Home Office.",
        "Messages to the director are now redirected to an inbox that is not monitored.",
    ],
    25: [
        "If the video isn't down by tonight, you can forget about your deposit.",
        "Your bank wouldn't love seeing one of their managers writing this.",
        "We can keep this between us if the review comes down.",
        "As you have since gone to the papers, the compensation offer is withdrawn.",
        "Having read what you wrote online, we've cancelled your appointment.",
        "We know you're the one behind the anonymous posts.",
        "It would be a pity if anything went wrong with your delivery.",
        "Noted your complaint about the damp. Just a reminder that your lease is up for renewal in May.",
        "Keep posting and find out what happens.",
        "Our lawyers are very keen and very expensive.",
    ],
    28: [
        "We've seen your tweets. If they continue, your future orders with us will be refused.",
        "If the ombudsman gets involved again, I'll think hard about whether extending your lease makes sense.",
        "Your comments have been passed to the Dean of Students for review.",
        "Should you keep posting about our teachers, we will consider whether we can keep offering Mia a place.",
        "Maybe think twice before tagging us again.",
        "After the interview in which you criticised us, we have withdrawn the goodwill voucher.",
        "If you pursue the complaint, it is unlikely we will be able to renew your cover.",
        "Breaches of your lease can result in the landlord seeking possession.",
        "It would be a shame if the immigration office heard about this.",
        "Take the post down and we'll call it quits.",
        "Your e-mails will no longer be read.",
    ],
    29: [
        "We will be forwarding your posts to Acme's HR department.",
        "Because you posted those photos, your warranty is therefore void.",
        "We are giving you until Friday to reconsider your review.",
        "This is a small world, and I know most of the people who hire in it.",
        "Customers who escalate to the media will have their loyalty points reviewed.",
        "Your work number has been added to our blocked list. Calls from that number will not be put through.",
    ],
    # Batches 30-31 (decision 0618).
    30: [
        (
            "Residents who bring the association into disrepute online should note that parking permits are "
            "issued at the committee's discretion."
        ),
        "We remind you that the society may end any membership relationship at four weeks' notice.",
        (
            "We saw the video you posted of the boiler panel off. The guarantee on units opened by the "
            "owner is normally voided."
        ),
        "If it's still up on Friday, the refund we offered is withdrawn.",
        "Since you decided to complain on Facebook instead, the loyalty discount no longer applies to your next stay.",
        "Because you've gone to the regulator, we are no longer pausing collection of the arrears.",
        "We'd hate for something to happen to your credit arrangement with us.",
        (
            "We would be reluctant to mention this to your company's finance department, but the tone of "
            "your review leaves us little choice."
        ),
        "We hold your home address and your date of birth, so think about that.",
        "Delete the post and we can forget the whole thing.",
        "Messages from your account will no longer be passed to a manager.",
        "Any future enquiries from you will have to be made in writing.",
    ],
    31: [
        "We had confirmed your upgrade on Monday, but following your comments on Instagram it has been withdrawn.",
        "Your employer would surely take a keen interest in these messages.",
        "Should your reviews of our surgery continue, we will make a formal referral.",
        "The landlord reserves its right to end your tenancy.",
        "Any more complaints we judge to be vexatious will attract an admin charge.",
        "Pull it down or I'll be round for the van.",
        "Next time my lads won't be asking so politely.",
        "It'd be a pity if your appeal somehow went missing, what with all the posts on Reddit.",
        "If the emails to the director carry on, don't be surprised when your lease isn't extended.",
        "Our agents will come after you for the full twelve months of fees.",
        "I've set it so anything from you is sent straight to the recycle bin.",
        "It is no use e-mailing us again about the refund.",
    ],
}

HELPING_FRAMES: dict[int, list[str]] = {
    9: [
        "That text message was a phishing attempt. We have passed it to the police and our fraud team.",
        "I asked our legal team and you are right, so the fee has been refunded today.",
        "If you are still unhappy, you have the right to report your complaint to the ombudsman.",
    ],
    10: [
        "The tribunal ruled in your favour, so we are paying your legal costs in full this week.",
        "If that player messages you again, just type /report and our safety team will see it at once.",
        "Should I remove it or leave it up until the fix ships?",
        "The boiler we fitted for you should not have failed so soon, and the engineer comes on Monday.",
    ],
    11: [
        "Our moderation system banned you by mistake, and the ban has been lifted.",
        "The seller who sent you the fake watch has been banned, and we passed his details to the police.",
        "Our solicitor, who confirmed you are owed the full deposit, has arranged for it to be back in your account "
        "by Friday.",
        "We've frozen the card and told our fraud team, who will refund the two payments tomorrow.",
    ],
    12: [
        "Our solicitor has agreed to release your deposit today, and it will reach you by Thursday.",
        "I've asked our lawyer to simplify the terms, and your renewal has been refunded.",
        "We've blocked that profile and reported it to our safety team; please call the police if you feel unsafe.",
    ],
    13: [
        "If you have not yet filed a police report, the crime number will help us refund you faster.",
        "The tribunal adjourned your hearing to May, and we should have told you sooner.",
    ],
    15: [
        "I've asked our legal team to rewrite that clause, and the fee is gone from your bill.",
        "The reminder from our collections partner should never have been sent, and the file is closed.",
    ],
    16: [
        "I've asked our legal team to simplify the renewal terms before the summer.",
        "We can put you in touch with a local solicitor who will check the will for free.",
        "I'm sorry you had to threaten court action before we listened; the refund went out today.",
        "If it would help, our fraud team can walk you through how to spot these texts.",
    ],
    18: [
        "We take every complaint into account when we train new staff.",
        "Nothing will be passed to a debt collector while the complaint is open.",
        "We have reported that fake website to the police; you did nothing wrong.",
        "These payments were not made by you, so we passed the details to our fraud team.",
        "Customers who complain help us improve, and your renewal price stays the same.",
        "We reported the marker to the credit reference agencies in error and it has now been removed.",
    ],
    19: [
        "As you asked, I have told our staff not to call you about upgrades.",
        "Thank you for your lovely letter about Priya.",
        "We'd love to see you again - just ask for Sam at the desk.",
    ],
    20: [
        "We reported the breach to the regulator ourselves, as we should.",
        "We should have dealt with your leak in March, and the plumber comes on Monday.",
        "The default we wrongly reported to the credit agencies has been removed.",
        "Your review will have no bearing on your tenancy.",
        "We have kept copies of everything you sent, so your claim will be simple.",
    ],
    21: [
        "We saw your lovely post. Your account has been reinstated and the discount restored.",
        "We note the review you left, and we are sorry. The charge has been reversed today.",
        "Complaining to the ombudsman will have no implications for your renewal.",
        "I was mortified to read your letter; the refund went out this morning.",
    ],
    22: [
        "The guest who harassed you has had his booking cancelled and is banned from the hotel.",
        "We have asked the court for an injunction against the neighbour concerned.",
        "We are sharing all the footage with the police.",
        "Nothing will be reported to the credit agencies while we sort this out.",
        "She cried when she read it (happy tears, I promise).",
    ],
    23: [
        "Sorry, you were blocked by our spam filter by mistake; it's fixed.",
        "We have recalled the account from the collections agency and it is closed.",
        "The customer who insulted you at the till has been banned from the store.",
    ],
    26: [
        "We have reported her behaviour to the police, and the engineer no longer works for us.",
        "If the police ask for our CCTV, we will hand it over the same day.",
        "The parking firm should never have phoned you at home, and we have stopped using them.",
        "Thanks for reporting that text. We have blocked the sender and passed it to the police.",
        "No charges or court action will follow.",
        "Please stop using the heater and unplug it; it is part of a safety recall.",
        "We'll post you a returns label today.",
        "The letter threatening legal action was wrong and has been withdrawn.",
        "Our neighbourhood officer has served a warning on the tenant at number 3 to protect you.",
    ],
    27: [
        "Our reminder, which threatened bailiffs, should never have been sent, and the debt is written off.",
        "We are seeking an order to stop him contacting you, and the police have your statement with your consent.",
        "The police are dealing with the incident at the station, so trains are delayed.",
        "Thank you for telling us about the restraining order; only you may collect Sam.",
        "We've told the police about the fake engineer, so please don't open the door to him.",
        "If you are still unhappy you can go to the ombudsman or the small claims court.",
        "We have instructed our solicitors to discontinue the claim and we will pay your costs.",
        "The kettle is being recalled because it can overheat. Please stop using it.",
    ],
    25: [
        "We've cancelled your membership as you asked and refunded this month.",
        "If you ever want to hear from us again, just say; no further action is needed.",
        "You said you were worried that complaining could put your booking at risk. It won't.",
        "I've just learned that our agents sent you a legal letter; it was wrong and is withdrawn.",
        "We were sorry to read about your son's delay, and I wanted to respond personally.",
    ],
    28: [
        "We've passed the fraudster's details to the police, and your money is back.",
        "She has asked me to make sure your place on the course is kept open.",
        "I reported our mistake to the regulator myself.",
    ],
    29: [
        "That account isn't ours; we've reported it to the police and the platform.",
        "That's not the standard we promise, and a new one arrives Thursday.",
    ],
    # Batches 30-31 (decision 0618): their false alarms in new wording, and benign near-misses of the
    # threat families above.
    30: [
        (
            "Once you've given the police your crime number, they can request the footage and we will send "
            "it the same day."
        ),
        (
            "We won't pass your account to collectors, and your payments will be reported to the credit "
            "agencies as agreed."
        ),
        (
            "Your account was sent to collections after you had paid. That was entirely our mistake, and "
            "the balance is cleared."
        ),
        "Parking permits are issued at the committee's discretion, and yours has been renewed for the year.",
        "You can end any membership relationship with us at four weeks' notice, and we will refund the rest.",
        (
            "We saw the video of the boiler you posted, and I'm sorry: your guarantee is not affected, and "
            "an engineer comes Monday."
        ),
        "If the website is still down at the weekend, the voucher will be extended.",
        "The summer discount no longer applies after August, but I've added a 10% code to your account.",
        "We are no longer pausing collection because the arrears were written off in full.",
        "We'd hate for anything to spoil your wedding, so the florist will arrive at nine.",
        "I've raised this with your company's travel department so they can rebook your flight.",
        "We have your address and your phone number on file, so the engineer will call before arriving.",
        "Delete the old app and we can set up the new one together.",
        "That number is a scam; calls from it will no longer be connected to our lines.",
        "Any future enquiries can be made by phone or in writing, whichever suits you.",
    ],
    31: [
        "I've told our collections agency to stop contacting you until you tell us you're ready.",
        (
            "Our manager has given the police the recordings from that evening, and will call you once the "
            "police have finished."
        ),
        "We'll cover the fees your solicitor charged for the delay.",
        "We had approved your refund, but the bank reversed it by mistake; it has been re-sent today.",
        "Our partner charities would take an interest in your story, if you'd like us to share it.",
        "Should your symptoms continue, we will make a formal referral to the hospital.",
        "You reserve the right to end your tenancy with a month's notice.",
        "Further questions about the handling fee are welcome; there is no charge for calling us.",
        "Pull it down or leave it up, it's entirely your choice, and your refund stands.",
        "Take this or the later slot, whichever suits you best.",
        "We asked nicely and the supplier agreed to refund you.",
        "It would be a shame if your holiday got delayed, so we've booked the earlier ferry.",
        "If the damp carries on, don't worry: your lease isn't affected and we will fix it.",
        "We will not be pursuing you for the remaining fees; the contract is cancelled.",
        "Anything from you that lands in spam by mistake, we'll still find, because we check the folder daily.",
        "There's no need to write again; the refund is already on its way.",
    ],
}

WARN_FAMILIES: list[tuple[int, str, str]] = [
    (10, "As we've explained twice now, the fee is fixed.", "condescending"),
    (11, "Perhaps the chain store is more your speed. We'll struggle on without your custom.", "condescending"),
    (12, "If the pin on your map is off, that's something you need to fix before ordering.", "blame"),
    (12, "It's a bloody stout, so maybe stick to lager.", "abusive"),
    (13, "Thanks for the 1 star! We'll be sure to hire a second chef just for you.", "condescending"),
    (
        13,
        "As stated previously, the router has to be plugged in. If this is still too complicated, ask a neighbour.",
        "condescending",
    ),
    (14, "Returning the parcel is the buyer's responsibility, and you chose not to buy the returns cover.", "blame"),
    (14, "A cold croissant, truly the scandal of the age.", "condescending"),
    (14, "We do not enter into correspondence about parking fines by e-mail.", "dismissive"),
    (15, "Sorry the wine list fell short of your clearly very refined tastes.", "condescending"),
    (15, "Perhaps you'd enjoy the match more from the stands than from the keyboard.", "condescending"),
    (15, "Your comments about the waiting list have been noted.", "dismissive"),
    (16, "If the buzzer code was left out, that's down to you; please check your details next time.", "blame"),
    (16, "The dean does not handle timetables, which I would have thought was obvious.", "condescending"),
    (17, "Our washing guide clearly says not to tumble-dry wool.", "blame"),
    (17, "Best of luck elsewhere.", "dismissive"),
    (18, "The chairman receives thousands of letters and is unable to reply to each one.", "dismissive"),
    (19, "Our founder is not able to respond to individual e-mails.", "dismissive"),
    (
        20,
        "Insurance can seem complicated to people outside the industry, so let me put it in plain English.",
        "condescending",
    ),
    (20, "It's printed on the receipt. Perhaps give it a read next time.", "condescending"),
    (
        21,
        "The reset is in the FAQ, which I'd encourage you to read; it's really simple once you look.",
        "condescending",
    ),
    (22, "Pensions can be confusing for people who have never saved before.", "condescending"),
    (22, "Sorry the view wasn't perfect enough for you 🙃", "condescending"),
    (22, "Every road has potholes and yours is no different.", "dismissive"),
    (23, "It may help to understand that a theatre is not a cinema.", "condescending"),
    (26, "You complained twice already. Deal with it.", "abusive"),
    (24, "The delay was the result of the address you supplied.", "blame"),
    (24, "A whole 5 minutes? Perhaps try cooking next time.", "condescending"),
    (24, "We have hundreds of five-star reviews and have been trading for 30 years.", "defensive"),
    (24, "[Internal: customer is a time-waster] Thanks for your message!", "disclosure"),
    (25, "Noted.", "dismissive"),
    (25, "I'll explain this as simply as I can.", "condescending"),
    (25, "I can personally guarantee this will never happen again.", "overpromise"),
    (30, "Dear Customer, your enquiry is important to us. Please allow 10 business days for a reply.", "register"),
    (30, "The booking was made by your partner on her Mastercard ending 9921.", "disclosure"),
    (31, "Hi Sam, your fluoxetine refill is ready at the Station Road branch.", "disclosure"),
    (31, "Gosh, ten minutes late. Simply unprecedented.", "condescending"),
]


@pytest.mark.parametrize("text", [t for texts in NEW_WORDING_THREATS.values() for t in texts])
def test_families_of_later_batches_block_in_new_wording(text: str) -> None:
    assert check_tone(text).verdict == "block"


@pytest.mark.parametrize("text", [t for texts in HELPING_FRAMES.values() for t in texts])
def test_their_words_in_a_helping_frame_do_not_block(text: str) -> None:
    assert check_tone(text).verdict != "block"


@pytest.mark.parametrize("batch, text, rule", WARN_FAMILIES)
def test_warn_families_of_later_batches(batch: int, text: str, rule: str) -> None:
    rules = {f.rule for f in check_tone(text).findings}
    assert any(r.startswith(rule) for r in rules), (batch, rules)


def test_requires_in_sentence_or_previous_reads_one_sentence_back(tmp_path: Path) -> None:
    """A rule may take its cause from the sentence before; two sentences back is too far, and the
    same rule with ``requires_in: sentence`` needs the cause in the sentence itself."""
    notice, sanction = "We note the review you left.", "Your discount has now been withdrawn."
    assert check_tone(f"{notice} {sanction}").verdict == "block"
    assert check_tone(f"{notice} Thank you for your order. {sanction}").verdict != "block"
    assert check_tone(sanction).verdict != "block"
    override = tmp_path / "rules.yaml"
    # The rules alone: the whole-reply model reads this reply as a threat too (decision 0637).
    override.write_text(
        "context_rules: {threat.overall: false}\nrules:\n"
        + "".join(f"  - id: {r}\n    requires_in: sentence\n" for r in ("threat.withholding", "threat.standing")),
        encoding="utf-8",
    )
    from execdesk.reply.tone.config import load_config

    assert check_tone(f"{notice} {sanction}", config=load_config(override)).verdict != "block"
    override.write_text("rules:\n  - id: threat.withholding\n    requires_in: paragraph\n", encoding="utf-8")
    with pytest.raises(ToneConfigError, match="requires_in"):
        load_config(override)


def test_unless_after_reads_one_sentence_ahead(tmp_path: Path) -> None:
    """An admission in the sentence after cancels a hit (decision 0618); a neutral sentence after does not,
    and the same rule without ``unless_after`` still blocks."""
    sent = "Your account was sent to collections after you had paid."
    assert check_tone(f"{sent} That was entirely our mistake.").verdict != "block"
    assert check_tone(f"{sent} Please call us.").verdict == "block"
    assert check_tone(f"That was entirely our mistake. {sent}").verdict == "block"
    override = tmp_path / "rules.yaml"
    override.write_text("rules:\n  - id: threat.passive\n    unless_after: []\n", encoding="utf-8")
    from execdesk.reply.tone.config import load_config

    assert check_tone(f"{sent} That was entirely our mistake.", config=load_config(override)).verdict == "block"


def test_a_list_joined_by_semicolons_is_read_as_its_items() -> None:
    """A long sentence that is a list of short items does not count as one long sentence (decision 0618)."""
    items = [
        "the courier has collected the broken chair from your hall this morning",
        "we have refunded the full price of the chair and the delivery charge to your card",
        "and the new chair in the colour you chose will arrive with two people on Thursday",
    ]
    listed = "Here is what we have done: " + "; ".join(items) + "."
    assert "readability" not in {f.rule for f in check_tone(listed).findings}
    joined = "Here is what we have done: " + ", and ".join(items) + "."
    assert "readability" in {f.rule for f in check_tone(joined).findings}


def test_reporting_the_customer_still_blocks_after_a_neutral_sentence() -> None:
    """``unless_before`` reads only a third party's wrongdoing, not any sentence before."""
    text = "Thank you for your e-mail. We have reported your posts to the police."
    assert check_tone(text).verdict == "block"


def test_a_negated_guarantee_and_a_refund_done_are_not_overpromises() -> None:
    for text in (
        "We can't guarantee the parcel arrives before Friday, but I'll chase the courier at 9am tomorrow.",
        "I've issued a full refund of 89.99 today, and I'm sorry it took a second e-mail.",
    ):
        assert "overpromise" not in {f.rule for f in check_tone(text).findings}, text
    assert "overpromise" in {f.rule for f in check_tone("We guarantee a full refund, whatever happens.").findings}


@pytest.mark.parametrize(
    "text",
    [
        "Oh dear, a whole five minutes in a queue. However did you cope? \U0001f644",
        "Not every gym suits everyone; you might be happier elsewhere.",
        "We can't please everybody, and we're not the right fit for you.",
    ],
)
def test_batch9_sarcasm_and_dismissal_warn(text: str) -> None:
    assert check_tone(text).verdict == "warn"


def test_hyphenated_done_actions_count_as_a_next_step() -> None:
    ctx = InboundContext(intent="complaint", sentiment=-1)
    report = check_tone("I'm sorry about the price drop. I've e-mailed you a prepaid return label.", inbound=ctx)
    assert "no_next_step" not in {f.rule for f in report.findings}


def test_a_ready_prescription_and_care_given_are_not_disclosures() -> None:
    for text in (
        "Your prescription is ready and we can deliver it tomorrow morning.",
        "Looking after Pepper through her surgery was a privilege.",
    ):
        assert "disclosure.medical" not in {f.rule for f in check_tone(text).findings}, text


def test_a_refund_owed_or_issued_with_its_amount_is_no_overpromise() -> None:
    for text in (
        "If you can't make Sunday, you can get a full refund from your booking page.",
        "Your full refund of 138 pounds, including booking fees, was issued this morning.",
    ):
        assert "overpromise" not in {f.rule for f in check_tone(text).findings}, text


def test_reassurance_about_collections_does_not_block() -> None:
    text = "We've written off the balance, so you won't hear from the agency again, and nothing will be reported."
    assert check_tone(text).verdict != "block"


def test_an_offered_full_refund_is_no_overpromise_but_a_guaranteed_one_is() -> None:
    offered = "If it's still not right, we'll take it back for a full refund."
    assert "overpromise" not in {f.rule for f in check_tone(offered).findings}
    guaranteed = "A full refund, guaranteed, no matter what happens."
    assert "overpromise" in {f.rule for f in check_tone(guaranteed).findings}


def test_a_named_refund_from_the_executive_office_is_no_overpromise() -> None:
    text = "We will refund the full 2,870 pounds you paid the dealer within seven days."
    assert "overpromise" not in {f.rule for f in check_tone(text).findings}


def test_our_own_repeated_failure_is_not_condescending() -> None:
    text = "I'm sorry the pipe burst for the second time this year; the engineer comes on Monday."
    assert "condescending" not in {f.rule for f in check_tone(text).findings}
    assert "condescending" in {f.rule for f in check_tone("For the third time, the fee is not refundable.").findings}


def test_sharing_a_customer_photo_with_permission_does_not_block() -> None:
    text = "We'd love to share your photo on our page if you're happy for us to."
    assert check_tone(text).verdict != "block"


# Decision 0622: kinds of publicly reported company replies the guard missed in a probe of twenty (15/20).
REPORTED_KINDS = [
    "A $250 fine is added to your room bill for every negative review a member of your party leaves.",
    "As the harassment of our crew is a criminal offence, we have informed the relevant authorities of your conduct.",
    "I'll personally see to it that you never work in hospitality again.",
    "You agreed to a non-disparagement clause at checkout, and your video breaches it.",
    "If you raise a chargeback with your card issuer, we will pass the account over to collections.",
]
REPORTED_KINDS_HELPING = [
    "I asked our legal team to look at the clause you queried; it was unclear, so we will not rely on it.",
    "We'll make sure you never have to book twice again.",
    "The balance was sent to collections in error; we have recalled it and nothing will be reported.",
    "The police called the caller a criminal and the criminal investigation is theirs; you need do nothing.",
]


# What counts as a next step. "That must have been very disappointing" says nothing will happen and "has been
# refunded" does; a promise with no when and no who is none (decision 0626) unless a time or owner is named.
NEXT_STEPS = [
    ("We're so sorry your vase arrived broken. That must have been very disappointing. Thanks for telling us.", False),
    ("We're so sorry your vase arrived broken. The full price has been refunded to your card.", True),
    ("Sorry about the broken heater. We'll get to it in due course.", False),
    ("Sorry about the broken heater. We'll get to it in due course, and Sam will call you on Friday.", True),
    ("So sorry the boiler is still cold. We'll look into it.", False),
    ("So sorry the boiler is still cold. DM us your postcode and we'll look into it.", True),
]


@pytest.mark.parametrize(("text", "has_step"), NEXT_STEPS)
def test_what_counts_as_a_next_step(text: str, has_step: bool) -> None:
    findings = check_tone(text, inbound=InboundContext(intent="complaint", sentiment=-2)).findings
    assert ("no_next_step" not in {f.rule for f in findings}) is has_step


# Decisions 0625 and 0626: constructions from batches 38 and 40, each in new wording.
POLICY_THREATS = [
    # the sanction as standing policy for people who use their recourse
    "Members that open a dispute with their bank are automatically suspended from the club.",
    "Tenants who persist with these complaints may be removed from the waiting list.",
    # "before this is passed to ..." is an ultimatum; the customer withdrawing is not us helping
    "We strongly advise you to drop the claim before it is passed to our solicitors.",
    # decision 0626 (batch 40): a veiled hint at a place, "whose comments", a hostage, a passive removal
    "It would be a pity if your reviews were to count against your daughter's place in the squad.",
    "Guests whose comments are judged harmful to the hotel may be refused future bookings.",
    "Your deposit stays with us till the post comes down.",
    "You have been removed from the tenants' WhatsApp group for posting complaints.",
    # decision 0627 (batch 41): an employer told, lawyers set on costs, a hostage, "liable to" as policy
    "We may decide it is right to make your line manager aware of these emails.",
    "The directors have instructed our lawyers to recover the costs of your complaints from you.",
    "Your keys will be returned only after you have deleted the posts about our agency.",
    "Members who make offensive comments about staff are liable to immediate suspension.",
    # decision 0628 (batch 42): small businesses' register
    "If the reviews keep coming we will forward your texts to your employer.",
    "A cleaning surcharge of £90 applies to any online comment that damages the salon.",
    "Pupils who post abuse about teachers may be subject to disciplinary action, up to and including exclusion.",
    "Shall we put the video of you shouting at the till on our page and let people judge?",
    "Good luck finding another garage that will touch your car.",
    "Each dispute we receive is flagged to the fraud prevention database under your name.",
    "My cousin is a lawyer and she is drawing up papers as we speak.",
    "Don't message our stylists on Instagram again.",
    # decision 0629 (batch 43): short public replies
    "Your membership has been marked for cancellation after that post.",
    "Diners who leave bad reviews are billed a £40 admin fee.",
    "Can't wait to show the magistrate your little review.",
    "Tag our chef one more time and you're banned from the restaurant.",
    "Should we share your booking history so everyone can judge?",
    "Keep posting fake reviews. You will be caught.",
    "Consider this your warning.",
    "Please don't message me or my team again.",
    # decision 0631 (batch 46): a remedy held until the customer takes their post down
    "We'll process the refund as soon as you delete the review on the parents' forum.",
    "Your deposit is released once you have removed those comments about our staff.",
    # ... and our earlier letter quoted without disowning it is still ours
    "Our letter of 3 May warned that further calls would be treated as vexatious.",
]
THIRD_PARTY_OR_REPORTED = [
    # a condition on a third party, a sanction on a third party's standing
    "Our security staff will call the police at once if he comes back to the shop.",
    "If it happens again, we will begin proceedings to end his lease.",
    # a third party reported; a customer's question reported back
    "We've reported the scammer to the domain registrar so the fake page comes down.",
    "You asked whether we would report the missed payment to the credit agencies while you were in hospital.",
    # a negated subject, and a threat quoted from a scam message
    "I have made sure no late payment is reported to your credit file.",
    "The text saying 'your account will be closed and passed to bailiffs' was not from us.",
    # a ban narrated and reversed, after another player's false report
    "Your account was banned after another player reported you. The ban is lifted and we're sorry.",
    # the lawyers closed their file
    "The claim is paid, and our lawyers have closed their file; nobody will contact you about it.",
    # decision 0626 (batch 40): a withdrawn letter, a third party's sanction, negation with an object
    "The collections notice sent to you last week has been withdrawn; the account is settled.",
    "That courier has been suspended, and we have handed the video to the police.",
    "Nothing about this refund will be reported to your credit file.",
    # decision 0627 (batch 41): stood down, evidence given to the police, a contractor dismissed and sued
    "The bailiffs have been instructed to stand down and will not visit again.",
    "We have given the CCTV footage to the police so they can trace the man who took your bag.",
    "We have dismissed that installer and begun legal action against him to recover the cost.",
    # decision 0628 (batch 42): a third party named with a place in between
    "The family in room 12 who kept banging on your door have been told to leave and are banned from the hotel.",
    "Our solicitor is drafting a letter for you to send to the landlord.",
    # decision 0629 (batch 43): a customer told what they posted; "published publicly" by us, kindly
    "You have posted your phone number publicly, so please delete the post and DM us instead.",
    "I'll share what we changed publicly next week, so everyone can see it's fixed.",
    # decision 0631 (batch 46): an earlier letter of ours quoted, then disowned; a cease-and-desist named as
    # a thing; the customer's own readiness to go to court; a log offered; the police helping a victim
    "Our letter of 3 May warned that further calls would be treated as vexatious. I'm ashamed of it.",
    "The cease-and-desist letter our lawyers sent you was a mistake, and it is withdrawn.",
    "You said you were ready to take us to small claims court, and you were entitled to.",
    "I've attached the inspection report so you can see what we relied on.",
    "If the police contact you about the stolen parcel, give them the reference above.",
    "You won't be chased by the agency again, and no action will be taken against you.",
]


@pytest.mark.parametrize("text", REPORTED_KINDS + POLICY_THREATS)
def test_reported_kinds_of_threat_block(text: str) -> None:
    assert check_tone(text).verdict == "block", [f.rule for f in check_tone(text).findings]


@pytest.mark.parametrize("text", REPORTED_KINDS_HELPING + THIRD_PARTY_OR_REPORTED)
def test_reported_kinds_words_in_a_helping_frame_do_not_block(text: str) -> None:
    assert check_tone(text).verdict != "block", [(f.rule, f.text) for f in check_tone(text).findings]


def test_our_letter_quoted_is_still_ours() -> None:
    """Only someone else's words are masked: a threat in our own letter, quoted, still blocks."""
    text = "As our letter saying 'you will be banned from all our stores' made clear, this stands."
    assert check_tone(text).verdict == "block"


def test_acknowledged_failures_count_as_an_apology() -> None:
    inbound = InboundContext(intent="complaint", sentiment=-3)
    for text in (
        "You had done nothing wrong, and the charge is gone. I'll call you on Monday.",
        "Nobody should be made to wait four hours for a callback. I'll call you on Monday.",
        "The branch should have told you the card was blocked. I'll call you on Monday.",
    ):
        assert "no_apology" not in {f.rule for f in check_tone(text, inbound=inbound).findings}, text
    assert "no_apology" in {
        f.rule for f in check_tone("You should have told us sooner. I'll call you on Monday.", inbound=inbound).findings
    }


def test_our_failure_in_the_passive_is_not_blame_but_an_adjective_is() -> None:
    assert "blame.customer" not in {f.rule for f in check_tone("You should have been moved to another room.").findings}
    assert "blame.customer" in {f.rule for f in check_tone("You should have been more careful with the box.").findings}


def test_mock_alarm_to_the_press_is_sarcasm_but_the_press_office_is_not() -> None:
    assert "condescending" in {f.rule for f in check_tone("A ten-minute queue. We'll alert the media.").findings}
    assert "condescending" not in {f.rule for f in check_tone("I'll tell the press office to correct it.").findings}


# Decision 0635 (batch 47, short replies): paraphrases written after the rules, as regression tests.
SHORT_THREATS = [
    "Keep posting like that and your membership may find itself cancelled.",
    "People who speak to our staff like that usually end up banned from the club.",
    "Customers who raise chargebacks tend to find themselves on our internal watch list.",
    "It would be wise to rethink your review of us before Friday.",
    "Our manager knows the street you live on.",
    "Your number has been flagged and calls from it will no longer be answered.",
]
SHORT_HELP = [
    "Our legal team will write to the builder on your behalf.",
    "Nobody is going to report you to anyone over this.",
    "Accounts are only passed to collections after 90 days. There's plenty of time to sort this out.",
    "Our solicitor will pursue the courier's insurer so you aren't out of pocket.",
    "We've told the collection agency the debt was paid, so they will close their file.",
    "We issued a warning to the man who kept damaging your fence from our car park.",
    "Your number has been flagged as a possible fraud target, so our security team will call to check.",
]


@pytest.mark.parametrize("text", SHORT_THREATS)
def test_short_threats_block(text: str) -> None:
    assert check_tone(text).verdict == "block"


@pytest.mark.parametrize("text", SHORT_HELP)
def test_short_replies_with_threat_words_in_a_helping_frame_do_not_block(text: str) -> None:
    assert check_tone(text).verdict != "block", [(f.rule, f.text) for f in check_tone(text).findings]


# Decision 0636 (batch 49, founders' own replies): the constructions fitted, in new words.
FOUNDER_THREATS = [
    "I'm passing this whole exchange to the HR team at Brightwell Freight, since you wrote from your work account.",
    "Your managers would be really interested to see how you talk to shop staff.",
    "I've put your name and photo in our traders' group so nobody sells to you again.",
    "Because you posted that thread, we've suspended your account.",
    "Settle the invoice by Monday or we pass the debt to a collections agency.",
    "It would be a pity if your booking for the wedding somehow went missing.",
    "Take down the video. I won't ask twice.",
    "Our courier knows exactly which flat is yours.",
    "Messages from you are now deleted automatically.",
]
FOUNDER_HELP = [
    "I've forwarded your complaint to the HR team at our Leeds office so the manager is spoken to.",
    "Our head chef would love to hear how you found the tasting menu.",
    "I've added your name to the list for the spring launch so you get first pick.",
    "Because you posted about the fault, we've refunded your order and sent a new one.",
    "Our lawyers sent the counterfeit seller a cease-and-desist, and your refund is on its way.",
    "It would be a shame if your holiday got delayed, so we've moved you to the earlier ferry.",
    "Our courier knows the building, so he'll bring it to the door himself.",
]


@pytest.mark.parametrize("text", FOUNDER_THREATS)
def test_founder_threats_block(text: str) -> None:
    assert check_tone(text).verdict == "block"


@pytest.mark.parametrize("text", FOUNDER_HELP)
def test_founder_replies_with_threat_words_in_a_helping_frame_do_not_block(text: str) -> None:
    assert check_tone(text).verdict != "block", [(f.rule, f.text) for f in check_tone(text).findings]
