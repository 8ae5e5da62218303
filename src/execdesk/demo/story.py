"""The story: the customer's mails, the journalist, and the flood of blog readers.

The customer's and the journalist's mails are taken verbatim from the scenario (fixed times,
fixed Message-IDs). The flood is drawn: most readers send the blog's form letter with their
own edits (greeting, a sentence of their own, the link, their sign-off), some write their own
words, and a few add a problem of their own, which should come out of the flood as a case.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta

from execdesk.demo import bank_customer as bc
from execdesk.demo.details import details
from execdesk.demo.draft import Draft, fill
from execdesk.demo.people import Person, make_person, tz
from execdesk.demo.scenario import Scenario, StoryMail

GREETINGS = (
    "Dear Mr. {exec_last},",
    "Dear Mr. {exec_last},",
    "Dear Mr. {exec_last},",
    "Mr. {exec_last},",
    "Dear CEO,",
    "To {exec_first} {exec_last},",
    "Hello,",
    "Dear Mr. {exec_last} and the {company} board,",
    "Mr. {exec_last}:",
    "{exec_first},",
    "Dear Sir,",
    "",
)
SIGNOFFS = (
    "Sincerely,",
    "Sincerely,",
    "Regards,",
    "Thank you,",
    "Respectfully,",
    "A former customer,",
    "Disappointed,",
    "Best,",
    "",
    "-",
)
OWN_LINES = (
    "I have been a {company} customer for {years} years.",
    "I am not a {company} customer, and after reading this I never will be.",
    "My family has {lines} lines with you.",
    "I was about to switch to {company}. Not anymore.",
    "I work in customer service myself, and I would be fired for sending a message like that.",
    "My elderly {relative} is a {company} customer, and this is exactly what I'm afraid will happen to {rel_obj}.",
    "Shame on you.",
    "I'll be watching to see how you respond.",
    "I have shared the article with everyone I know.",
    "This is how you lose customers for life.",
    "I'm a small shareholder and I'm embarrassed.",
    "Your staff need training, not legal letters.",
    "Imagine if she had been your mother.",
    "I expect an answer, and I won't be threatened for asking.",
)
SELF_WRITTEN = (
    (
        "I just read the {outlet} piece about {customer}.",
        "I read about {customer} this morning.",
        "A friend sent me the story about your office threatening a customer.",
        "Is it true that your office threatened a customer with a cease-and-desist letter for e-mailing you?",
        "So e-mailing the CEO twice is now grounds for a legal threat?",
        "I saw the post about the customer from {customer_town}.",
        "I can't believe what I just read.",
    ),
    (
        "She wrote to you twice, politely, about a wrong bill and dropped calls. That is what customers do "
        "when nothing else works.",
        "Threatening a paying customer with a cease-and-desist letter is the most tone-deaf thing I have "
        "seen a company do this year.",
        "I'm sure you didn't write that message yourself, but it went out in your name.",
        "Whoever decided that a customer asking for help deserves a legal threat should not be answering your mail.",
        "Two e-mails in two weeks is not harassment. It's a customer who has given up on your call centre.",
        "You have a customer service problem and you tried to solve it with a lawyer.",
    ),
    (
        "Call her, fix her bill, and apologize publicly.",
        "Please make this right.",
        "I would like to know what you are going to do about it.",
        "A simple apology and a working phone would have cost you nothing.",
        "Fix it, and then fix whatever process produced that message.",
        "I hope someone senior calls her today.",
    ),
)
OWN_PROBLEM_LEADS = (
    "And since I finally have your address: ",
    "While I'm writing, my own problem: ",
    "This hit home because of my own experience. ",
    "It's not just her. ",
    "P.S. Something similar is happening to me. ",
)
LINK_FORMS = ("{url}", "Here's the article: {url}", "({url})", "Source: {url}", "In case you haven't seen it: {url}")


def story_drafts(scenario: Scenario) -> list[Draft]:
    """The customer's and the journalist's mails, verbatim from the scenario file."""
    cust, jour = scenario.cast.customer, scenario.cast.journalist
    first, last = cust.name.split(" ", 1)
    customer = Person(first, last, cust.address, cust.town, "", cust.utc_offset, "iPhone Mail (21G93)", 0)
    jfirst, jlast = jour.name.split(" ", 1)
    journalist = Person(jfirst, jlast, jour.address, "New York", "NY", jour.utc_offset, "Microsoft Outlook 16.0", 3)
    out: list[Draft] = []
    signals = ({"escalation"}, {"escalation"}, {"going_public", "escalation"})
    topics = ("billing", "service", "support")
    for i, mail in enumerate(scenario.story.customer_mails):
        out.append(_verbatim(mail, "story/customer", "complaint", topics[min(i, 2)], customer, signals[min(i, 2)], {}))
    by_key = {m.key: m for m in scenario.story.journalist_mails}
    for mail in scenario.story.journalist_mails:
        out.append(
            _verbatim(mail, "story/journalist", "media_inquiry", "support", journalist, {"media", "urgent"}, by_key)
        )
    return out


def _verbatim(
    mail: StoryMail, kind: str, intent: str, topic: str, person: Person, signals: set[str], by_key: dict[str, StoryMail]
) -> Draft:
    draft = Draft(
        kind,
        intent,
        topic,
        person,
        mail.at.astimezone(tz(person.utc_offset)),
        mail.subject,
        mail.body.rstrip("\n") + "\n",
        set(signals),
        fmt="alternative" if "journalist" in kind else "plain",
        voice=False,
        message_id=mail.message_id,
    )
    if mail.in_reply_to:
        parent = by_key[mail.in_reply_to].message_id
        draft.in_reply_to, draft.references = parent, [parent]
    return draft


def flood_drafts(rng: random.Random, scenario: Scenario, size: int) -> list[Draft]:
    """``size`` reader mails in the hours after the blog post."""
    fl = scenario.story.flood
    cust = scenario.cast.customer
    story = {"customer": cust.name, "customer_town": cust.town.split(",")[0], "outlet": scenario.cast.blogger.outlet}
    out = []
    n_own = round(size * fl.own_problem_share)
    own_idx = set(rng.sample(range(size), n_own)) if size else set()
    for i in range(size):
        person = make_person(rng)
        offset_h = _arrival_hours(rng, fl.half_life_hours, fl.window_hours)
        when = (fl.starts + timedelta(seconds=round(offset_h * 3600))).astimezone(tz(person.utc_offset))
        d = details(rng, scenario, person, when)
        d.update(story)
        self_written = rng.random() < fl.self_written_share
        body = _self_written(rng, d) if self_written else _form(rng, scenario, d)
        signals: set[str] = set()
        kind = "flood/self" if self_written else "flood/form"
        topic = "support"
        if i in own_idx:
            topic = rng.choice(("billing", "service", "product"))
            own = (
                rng.choice(OWN_PROBLEM_LEADS)
                + fill(rng.choice(bc.SITUATIONS[topic]), d)
                + " "
                + fill(rng.choice(bc.ATTEMPTS[:9]), d)
                + " "
                + fill(rng.choice(bc.ASKS), d)
            )
            body = _insert_before_signoff(body, own)
            kind += "+own_problem"
        if rng.random() < fl.link_share and scenario.story.blog_url not in body:
            link = rng.choice(LINK_FORMS).format(url=scenario.story.blog_url)
            body = _insert_before_signoff(body, link) if rng.random() < 0.6 else body.rstrip() + "\n\n" + link
        signoff = rng.choice(SIGNOFFS)
        name_line = rng.choice(
            (
                person.name,
                person.name,
                person.first,
                f"{person.name}\n{person.place}",
                f"{person.name}, {person.town}",
                f"{person.name}\n{d['company']} customer since {2026 - int(d['years'])}",
            )
        )
        body = body.rstrip() + "\n\n" + (f"{signoff}\n{name_line}" if signoff else name_line) + "\n"
        if rng.random() < 0.12:
            body = body.lower() if rng.random() < 0.4 else body
        subject = rng.choice(fl.form_subjects)
        if rng.random() < 0.15:
            tail = rng.choice(("!", "!!", " - shameful"))
            subject = subject.upper() if rng.random() < 0.3 else subject + tail
        fmt = rng.choices(("plain", "alternative", "html"), weights=(5, 4, 1))[0]
        out.append(
            Draft(kind, "complaint", topic, person, when, subject, body, signals, fmt=fmt, voice=rng.random() < 0.3)
        )
    return out


def _arrival_hours(rng: random.Random, half_life: float, window: float) -> float:
    """Hours after the post: exponential decay, truncated to the window (readers react fast)."""
    rate = math.log(2) / half_life
    while True:
        h = rng.expovariate(rate)
        if h <= window:
            return h


def _form(rng: random.Random, scenario: Scenario, d: dict[str, str]) -> str:
    """The blog's form letter with one reader's edits."""
    paras = [" ".join(p.split()) for p in scenario.story.flood.form_letter.strip().split("\n\n")]
    if len(paras) > 2 and rng.random() < 0.1:
        del paras[1]
    paras = [_reword(rng, p) for p in paras]
    for _ in range(rng.choices((0, 1, 2), weights=(4, 5, 2))[0]):
        line = fill(rng.choice(OWN_LINES), d)
        at = rng.randrange(len(paras) + 1)
        if rng.random() < 0.5 and at < len(paras):
            paras[at] = paras[at] + " " + line
        else:
            paras.insert(at, line)
    greeting = fill(rng.choice(GREETINGS), d)
    return "\n\n".join([greeting, *paras] if greeting else paras)


REWORDS = (
    ("apologise", "apologize"),
    ("e-mailed", "emailed"),
    ("intimidation", "bullying"),
    ("I am asking you to", "Please"),
    ("I am asking you", "I ask you"),
    ("I read how", "I have read how"),
    ("is not customer service", "isn't customer service"),
    ("fix her account", "fix her bill"),
)


def _reword(rng: random.Random, para: str) -> str:
    for old, new in REWORDS:
        if old in para and rng.random() < 0.15:
            para = para.replace(old, new, 1)
    return para


def _self_written(rng: random.Random, d: dict[str, str]) -> str:
    opener, judgment, demand = (fill(rng.choice(group), d) for group in SELF_WRITTEN)
    parts = [opener, judgment]
    if rng.random() < 0.5:
        parts.append(fill(rng.choice(OWN_LINES), d))
    parts.append(demand)
    if rng.random() < 0.2:
        parts = [p.upper() if rng.random() < 0.3 else p for p in parts]
    one_block = rng.random() < 0.6
    text = " ".join(parts) if one_block else "\n\n".join(parts)
    greeting = fill(rng.choice(GREETINGS), d)
    return f"{greeting}\n\n{text}" if greeting and rng.random() < 0.7 else text


def _insert_before_signoff(body: str, text: str) -> str:
    """Add a paragraph at the end of the letter's text (sign-offs are added afterwards)."""
    return body.rstrip() + "\n\n" + text
