"""A drafted message before it becomes bytes, and what every writer shares.

``Draft`` carries the text, the sender and the ground truth (LABELS.md); ``Deck`` deals text
parts so that a month spreads them out; ``Writer`` frames a text with a greeting, a closing and a
client's signature; ``voice`` and ``to_spec`` give it the writer's habits and a mail client's form.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from execdesk.demo import bank_customer as bc
from execdesk.demo.compose import MailSpec, add_typos, lower_voice
from execdesk.demo.people import Person, doc_ip, message_id, tz
from execdesk.demo.scenario import Scenario

# When people write, by local hour: little at night, a peak in the evening after work.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 8, 8, 8, 8, 8, 8, 9, 10, 10, 9, 6, 3)
NEUTRAL_CLOSINGS = ("Thank you,", "Best regards,", "Kind regards,", "Sincerely,", "Regards,", "Many thanks,", "")
POSITIVE_CLOSINGS = (
    "Thank you,",
    "Best regards,",
    "Kind regards,",
    "With thanks,",
    "All the best,",
    "Cheers,",
    "Warmly,",
    "",
)


@dataclass
class Draft:
    """A message before it becomes bytes: its text, its sender, and what it is (ground truth)."""

    kind: str
    intent: str
    topic: str
    person: Person
    when: datetime
    subject: str
    body: str
    signals: set[str] = field(default_factory=set)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    fmt: str | None = None  # forced format; None lets the writer's habits decide
    voice: bool = True  # False for texts whose wording must stay exact
    raw: bytes | None = None  # machine mail and broken mail come as bytes
    message_id: str | None = None


def fill(text: str, d: dict[str, str]) -> str:
    return text.format(**d)


def join_parts(parts: list[str]) -> str:
    return "\n\n".join(p for p in parts if p.strip())


def when_in_period(
    rng: random.Random, scenario: Scenario, person: Person, *, day_lo: int = 1, day_hi: int | None = None
) -> datetime:
    """A plausible sending time: any day of the period, mostly waking hours in the writer's zone."""
    day_hi = day_hi or scenario.period.days
    start = scenario.period.start
    for _ in range(20):
        day = rng.randint(day_lo, day_hi)
        base = start + timedelta(days=day - 1)
        if base.weekday() >= 5 and rng.random() < 0.35:
            continue  # fewer on weekends
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        local = datetime(
            base.year, base.month, base.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=tz(person.utc_offset)
        )
        if start <= local <= scenario.period.end:
            return local
    return start + timedelta(days=1, hours=10)


class Deck:
    """Draw parts like cards: each is used once before any repeats (a shuffled deck, reshuffled when empty).

    Plain random choice lets a lucky part appear five times and another never; a month of mail
    reads as written by different people only when the parts are spread out, and every kind of
    threat or hardship in the bank then shows up at least once.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._piles: dict[tuple[str, ...], list[str]] = {}

    def draw(self, options: tuple[str, ...]) -> str:
        pile = self._piles.get(options)
        if not pile:
            pile = self._piles[options] = list(options)
            self.rng.shuffle(pile)
        return pile.pop()


class Writer:
    """Shared by every kind of writer: the scenario, the RNG, the deck, and how a letter is framed."""

    def __init__(self, rng: random.Random, scenario: Scenario) -> None:
        self.rng = rng
        self.sc = scenario
        self.deck = Deck(rng)

    def _frame(
        self,
        parts: list[str],
        person: Person,
        d: dict[str, str],
        *,
        formal: bool,
        closings: tuple[str, ...] = bc.CLOSINGS,
    ) -> str:
        rng = self.rng
        greeting = fill(rng.choice(bc.GREETINGS), d) if formal or rng.random() < 0.4 else ""
        closing = rng.choice(closings)
        name = rng.choice(
            (
                person.name,
                person.name,
                person.first,
                f"{person.name}\n{person.place}",
                f"{person.name}\n{d['phone']}",
                f"{person.name}\nAccount {d['account']}",
            )
        )
        sig = next((v for k, v in bc.CLIENT_SIGNATURES.items() if (person.client or "").startswith(k)), "")
        if len(parts) > 3 and rng.random() < 0.4:  # some people write one block, others many
            parts = [" ".join(p for p in parts[:2] if p), *parts[2:]]
        return join_parts([greeting, *parts, f"{closing}\n{name}" if closing else name, sig])


def quote(prev: Draft) -> str:
    """The quoted earlier message a mail client appends under a reply."""
    head = (
        f"On {prev.when:%a, %b} {prev.when.day}, {prev.when:%Y at %I:%M %p}, {prev.person.name} "
        f"<{prev.person.address}> wrote:"
    )
    return head + "\n" + "\n".join("> " + line if line else ">" for line in prev.body.splitlines())


def voice(draft: Draft, rng: random.Random, lowercase: bool, typos: bool) -> None:
    """Give the text its writer's habits (in place)."""
    if not draft.voice:
        return
    if lowercase:
        draft.body = lower_voice(draft.body, rng)
        draft.subject = draft.subject.lower()
    if typos:
        draft.body = add_typos(draft.body, rng)


def to_spec(draft: Draft, scenario: Scenario, rng: random.Random, fmt: str) -> MailSpec:
    ex = scenario.executive
    mid = draft.message_id or message_id(rng, draft.person.domain, draft.person.msgid_style, draft.when)
    draft.message_id = mid
    to = [(ex.name if rng.random() < 0.5 else "", ex.address)]
    return MailSpec(
        from_name=draft.person.name.strip(),
        from_addr=draft.person.address,
        to=to,
        subject=draft.subject,
        body=draft.body,
        when=draft.when,
        message_id=mid,
        fmt=draft.fmt or fmt,
        in_reply_to=draft.in_reply_to,
        references=draft.references,
        attachments=draft.attachments,
        headers=draft.headers,
        client=draft.person.client,
        received_ip=doc_ip(rng),
        mx_host=f"mx1.{scenario.company.domain}",
        qp=rng.random() < 0.3,
    )
