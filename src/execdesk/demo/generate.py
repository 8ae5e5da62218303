"""Assemble the month: background mail, the story, the flood; write them as one mbox.

Reproducibility is the contract: the same seed and scenario give byte-identical output.
Each part of the month draws from its own RNG (derived from the seed and the part's name),
so shrinking the flood for a test leaves every other message exactly as it was.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from execdesk.demo.background import Background
from execdesk.demo.compose import render
from execdesk.demo.draft import Draft, to_spec, voice, when_in_period
from execdesk.demo.machine import bounce, malformed, out_of_office
from execdesk.demo.people import make_person
from execdesk.demo.scenario import Scenario, load_scenario
from execdesk.demo.story import flood_drafts, story_drafts

MBOX_NAME = "demo.mbox"


@dataclass(frozen=True, slots=True)
class DemoMessage:
    """One generated message and what it is meant to be (the scenario's ground truth).

    ``kind`` is e.g. ``complaint``, ``complaint/repeat``, ``story/customer``, ``story/journalist``,
    ``flood/form``, ``flood/self``, ``flood/form+own_problem``, ``auto_reply``, ``bounce``,
    ``malformed/bad_charset``, ``foreign/es``. ``intent``, ``topic`` and ``signals`` follow
    LABELS.md; machine and broken mail have intent ``other``.
    """

    kind: str
    intent: str
    topic: str
    signals: frozenset[str]
    message_id: str | None
    sender: str
    date: datetime
    raw: bytes
    in_reply_to: str | None = None

    @property
    def malformed(self) -> bool:
        return self.kind.startswith("malformed/")


@dataclass(frozen=True, slots=True)
class DemoMailbox:
    """The month of mail, in arrival order, with the scenario it came from."""

    scenario: Scenario
    seed: int
    messages: tuple[DemoMessage, ...]

    def of_kind(self, prefix: str) -> list[DemoMessage]:
        return [m for m in self.messages if m.kind.startswith(prefix)]


def build_demo(
    *, seed: int | None = None, scenario: Path | Scenario | None = None, flood_size: int | None = None
) -> DemoMailbox:
    """Generate every message in memory (the mbox writer and the tests both start here)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    seed = sc.seed if seed is None else seed
    size = sc.story.flood.size if flood_size is None else flood_size
    if size < 0:
        raise ValueError("flood_size must be zero or more")

    drafts = [*_background(random.Random(f"{seed}:background"), sc), *story_drafts(sc)]
    drafts += flood_drafts(random.Random(f"{seed}:flood"), sc, size)
    render_rng = random.Random(f"{seed}:render")
    messages = [_render(d, sc, render_rng) for d in drafts]
    messages.sort(key=lambda m: (m.date.astimezone(UTC), m.message_id or "", m.sender))
    return DemoMailbox(sc, seed, tuple(messages))


def generate_demo_mailbox(
    dest_dir: Path, *, seed: int | None = None, scenario: Path | None = None, flood_size: int | None = None
) -> Path:
    """Write ``dest_dir/demo.mbox`` and return its path. Same seed, same bytes."""
    box = build_demo(seed=seed, scenario=scenario, flood_size=flood_size)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / MBOX_NAME
    tmp = path.with_suffix(".mbox.tmp")
    with tmp.open("wb") as fh:
        fh.writelines(mbox_entries(box.messages))
    tmp.replace(path)
    return path


_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)


def mbox_entries(messages: Iterable[DemoMessage]) -> Iterable[bytes]:
    """mboxrd entries: a ``From `` envelope line, body lines starting ``>*From `` get one more ``>``."""
    for m in messages:
        when = m.date.astimezone(UTC)
        envelope = f"From {m.sender or 'MAILER-DAEMON'} {when:%a %b %d %H:%M:%S %Y}\n".encode("ascii")
        body = _FROM_LINE.sub(rb">\1", m.raw.replace(b"\r\n", b"\n"))
        if not body.endswith(b"\n"):
            body += b"\n"
        yield envelope + body + b"\n"


def _background(rng: random.Random, sc: Scenario) -> list[Draft]:
    """The month's ordinary mail, in the amounts of the scenario's mix."""
    bg = Background(rng, sc)
    mix = sc.mix
    out: list[Draft] = []
    out += [bg.complaint() for _ in range(mix.complaint)]
    for _ in range(mix.repeat_writers):
        out += list(bg.repeat_series())
    out += [bg.request(i) for i in range(mix.request)]
    out += [bg.praise(i) for i in range(mix.praise)]
    out += [bg.suggestion(i) for i in range(mix.suggestion)]
    out += [bg.press(i) for i in range(mix.press)]
    out += [bg.legal() for _ in range(mix.legal)]
    out += [bg.investor(i) for i in range(mix.investor)]
    out += [bg.job_seeker(i) for i in range(mix.job_seeker)]
    out += [bg.solicitation(i) for i in range(mix.solicitation)]
    out += [bg.spam(i) for i in range(mix.spam)]
    out += [bg.foreign(i) for i in range(mix.foreign)]
    out += [bg.abusive() for _ in range(mix.abusive)]
    for i in range(mix.auto_reply):
        p = make_person(rng)
        when = when_in_period(rng, sc, p)
        raw = out_of_office(rng, sc, p, when, i)
        out.append(Draft("auto_reply", "other", "other", p, when, "", "", raw=raw))
    for _ in range(mix.bounce):
        day, hour = rng.randrange(2, sc.period.days - 1), rng.randrange(9, 18)
        when = sc.period.start + timedelta(days=day, hours=hour)
        p = make_person(rng, first="Mail", last="Delivery System", domain=f"mx1.{sc.company.domain}")
        out.append(Draft("bounce", "other", "other", p, when, "", "", raw=bounce(rng, sc, when)))
    for i in range(mix.malformed):
        p = make_person(rng)
        when = when_in_period(rng, sc, p)
        kind, raw = malformed(rng, sc, p, when, i)
        out.append(Draft(f"malformed/{kind}", "complaint", "billing", p, when, "", "", raw=raw))
    return out


def _render(draft: Draft, sc: Scenario, rng: random.Random) -> DemoMessage:
    """Bytes for one draft: the writer's voice, a client's format, the headers."""
    if draft.raw is not None:
        mid = _header(draft.raw, b"Message-ID")
        sender = "MAILER-DAEMON" if draft.kind == "bounce" else draft.person.address
        return DemoMessage(
            draft.kind,
            draft.intent,
            draft.topic,
            frozenset(draft.signals),
            mid,
            sender,
            draft.when,
            draft.raw,
            _header(draft.raw, b"In-Reply-To"),
        )
    f = sc.format
    voice(draft, rng, lowercase=rng.random() < f.lowercase_writer, typos=rng.random() < f.typo_writer)
    roll = rng.random()
    fmt = "html" if roll < f.html_only else "alternative" if roll < f.html_only + f.alternative else "plain"
    raw = render(to_spec(draft, sc, rng, fmt), rng)
    return DemoMessage(
        draft.kind,
        draft.intent,
        draft.topic,
        frozenset(draft.signals),
        draft.message_id,
        draft.person.address,
        draft.when,
        raw,
        draft.in_reply_to,
    )


def _header(raw: bytes, name: bytes) -> str | None:
    m = re.search(rb"^" + name + rb":\s*(.+)$", raw.split(b"\n\n", 1)[0], re.MULTILINE | re.IGNORECASE)
    return m.group(1).decode("ascii").strip() if m else None
