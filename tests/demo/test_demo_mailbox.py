"""The demo mailbox as a file: reproducible bytes, a standard mbox, mail the stdlib reads cleanly."""

from __future__ import annotations

import mailbox
import re
from datetime import timedelta
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

import pytest
from demo_helpers import parse, text_of

from execdesk.demo import DemoMailbox, build_demo, generate_demo_mailbox, load_scenario


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    a = generate_demo_mailbox(tmp_path / "a", seed=7, flood_size=40)
    b = generate_demo_mailbox(tmp_path / "b", seed=7, flood_size=40)
    assert a == tmp_path / "a" / "demo.mbox"
    assert a.read_bytes() == b.read_bytes()


def test_default_seed_comes_from_the_scenario(tmp_path: Path) -> None:
    seed = load_scenario().seed
    a = generate_demo_mailbox(tmp_path / "a", flood_size=30)
    b = generate_demo_mailbox(tmp_path / "b", seed=seed, flood_size=30)
    assert a.read_bytes() == b.read_bytes()


def test_different_seed_gives_different_mail(tmp_path: Path) -> None:
    a = generate_demo_mailbox(tmp_path / "a", seed=1, flood_size=40).read_bytes()
    b = generate_demo_mailbox(tmp_path / "b", seed=2, flood_size=40).read_bytes()
    assert a != b
    # ...but the story's fixed mails are in both, word for word.
    for mid in load_scenario().customer_message_ids:
        assert mid.encode() in a and mid.encode() in b


def test_flood_size_leaves_the_rest_of_the_month_alone() -> None:
    small, large = build_demo(flood_size=10), build_demo(flood_size=60)
    rest = [m.raw for m in small.messages if not m.kind.startswith("flood")]
    assert rest == [m.raw for m in large.messages if not m.kind.startswith("flood")]
    assert len(small.of_kind("flood")) == 10 and len(large.of_kind("flood")) == 60


def test_default_month_is_a_few_hundred_messages(demo: DemoMailbox) -> None:
    assert 300 <= len(demo.messages) <= 600


def test_mbox_round_trips_through_the_stdlib(tmp_path: Path, demo: DemoMailbox) -> None:
    path = generate_demo_mailbox(tmp_path)
    box = mailbox.mbox(path, create=False)
    try:
        entries = list(box)
        assert len(entries) == len(demo.messages)
        for entry, made in zip(entries, demo.messages, strict=True):
            assert entry.get_from().split()[0] == made.sender
            if made.message_id:
                assert entry["Message-ID"] == made.message_id
    finally:
        box.close()


def test_mbox_envelopes_and_from_escaping(tmp_path: Path, demo: DemoMailbox) -> None:
    data = generate_demo_mailbox(tmp_path).read_bytes()
    lines = data.split(b"\n")
    envelopes = [i for i, line in enumerate(lines) if line.startswith(b"From ")]
    assert len(envelopes) == len(demo.messages)
    # every envelope but the first follows the blank line that ends the previous message
    assert envelopes[0] == 0 and all(lines[i - 1] == b"" for i in envelopes[1:])
    assert b"\r\n" not in data


def test_from_lines_in_a_body_are_escaped(tmp_path: Path) -> None:
    """A body line starting with 'From ' would split the message in two; mboxrd escapes it."""
    from execdesk.demo.generate import mbox_entries

    box = build_demo(flood_size=0)
    msg = box.messages[0]
    raw = msg.raw.rstrip(b"\n") + b"\nFrom the desk of a customer\n>From an earlier quote\n"
    entry = b"".join(mbox_entries([type(msg)(**{**_fields(msg), "raw": raw})]))
    assert b"\n>From the desk of a customer\n>>From an earlier quote\n" in entry
    (tmp_path / "one.mbox").write_bytes(entry)
    assert len(mailbox.mbox(tmp_path / "one.mbox")) == 1


def _fields(msg: object) -> dict[str, object]:
    return {name: getattr(msg, name) for name in msg.__slots__}  # type: ignore[attr-defined]


def test_every_well_formed_message_parses_without_defects(demo: DemoMailbox) -> None:
    sc = demo.scenario
    for m in demo.messages:
        if m.malformed:
            continue
        msg = parse(m.raw)
        defects = [d for part in msg.walk() for d in part.defects]
        assert not defects, (m.kind, m.message_id, defects)
        assert msg["Message-ID"] == m.message_id
        assert parsedate_to_datetime(msg["Date"]) == m.date
        addresses = [a for _, a in getaddresses(msg.get_all("To", []))]
        assert sc.executive.address in addresses
        if m.kind != "bounce":
            assert msg["From"].addresses[0].addr_spec == m.sender
        assert text_of(m.raw).strip() or m.kind == "bounce", m.kind


def test_message_ids_are_unique(demo: DemoMailbox) -> None:
    ids = [m.message_id for m in demo.messages]
    assert None not in ids
    assert len(set(ids)) == len(ids)


def test_malformed_messages_are_really_malformed_and_still_stored(tmp_path: Path, demo: DemoMailbox) -> None:
    broken = {m.kind: m for m in demo.of_kind("malformed/")}
    assert set(broken) == {"malformed/bad_charset", "malformed/broken_boundary", "malformed/header_only"}

    bad_charset = parse(broken["malformed/bad_charset"].raw)
    with pytest.raises(LookupError):
        bad_charset.get_content()

    boundary = parse(broken["malformed/broken_boundary"].raw)
    names = {type(d).__name__ for d in boundary.defects}
    assert {"StartBoundaryNotFoundDefect", "CloseBoundaryNotFoundDefect"} & names

    header_only = broken["malformed/header_only"].raw
    assert b"\n\n" not in header_only and parse(header_only).get_payload() == ""

    box = mailbox.mbox(generate_demo_mailbox(tmp_path), create=False)
    stored = {msg["Message-ID"] for msg in box}
    assert {m.message_id for m in broken.values()} <= stored


def test_dates_lie_in_the_scenario_period(demo: DemoMailbox) -> None:
    period = demo.scenario.period
    for m in demo.messages:
        assert period.start <= m.date <= period.end + timedelta(hours=1), (m.kind, m.date)
    assert max(m.date for m in demo.messages) >= period.end - timedelta(days=3)
    assert min(m.date for m in demo.messages) <= period.start + timedelta(days=3)


def test_only_reserved_domains_are_used(demo: DemoMailbox) -> None:
    """Fiction only: every address and link is under .example or .test (RFC 2606)."""
    for m in demo.messages:
        if m.malformed:
            text = m.raw.decode("latin-1")
        else:
            msg = parse(m.raw)
            text = "".join(f"{k}: {v}\n" for k, v in msg.items()) + text_of(m.raw)
            text += "".join(p.get_content() for p in msg.walk() if p.get_content_maintype() == "text")
        for domain in re.findall(r"@([A-Za-z0-9.-]+\.[A-Za-z]+)", text):
            # .exmaple: the bounce's mistyped recipient, a reserved name misspelt on purpose
            assert domain.lower().endswith((".example", ".test", ".exmaple")), (m.kind, domain)
        for host in re.findall(r"https?://([A-Za-z0-9.-]+)", text):
            assert host.lower().endswith((".example", ".test")), (m.kind, host)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_seed_gives_clean_mail_and_the_whole_story(seed: int) -> None:
    """The guarantees hold for every seed, not only for the one the scenario ships with."""
    box = build_demo(seed=seed, flood_size=60)
    sc = box.scenario
    for m in box.messages:
        if m.malformed:
            continue
        msg = parse(m.raw)
        assert not [d for part in msg.walk() for d in part.defects], (seed, m.kind)
        assert text_of(m.raw).strip() or m.kind == "bounce"
    ids = [m.message_id for m in box.messages]
    assert len(set(ids)) == len(ids)
    assert set(sc.customer_message_ids) <= set(ids)
    assert len(box.of_kind("flood")) == 60
    assert any(sc.blog_url in text_of(m.raw) for m in box.of_kind("flood"))
