"""File sources: detection of .eml / directory / mbox / Maildir, streaming, skipped files explained."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.mailfactory import make_mail, to_mbox

from execdesk.ingest.files import detect_kind, iter_mbox, iter_raw_messages, split_mbox_bytes

LIMIT = 10 * 1024 * 1024


def test_mbox_is_split_on_envelope_lines_only(tmp_path: Path) -> None:
    tricky = make_mail(body="Hello\n\nFrom here on I will write daily.\nFrom what I see, nothing works.\n")
    mails = [make_mail(subject=f"n{i}") for i in range(3)] + [tricky]
    box = tmp_path / "in.mbox"
    box.write_bytes(to_mbox(mails))
    items = list(iter_mbox(box))
    assert len(items) == 4
    assert b">From here on" in (items[3].raw or b"")  # escaped line kept, message not split
    assert items[0].raw == mails[0].rstrip(b"\n") + b"\n"  # envelope line and separator stripped
    assert items[2].source.ref.startswith(f"{box}#2@")
    assert sum(i.nbytes for i in items) == box.stat().st_size


def test_detects_each_kind(tmp_path: Path) -> None:
    (tmp_path / "md" / "cur").mkdir(parents=True)
    (tmp_path / "md" / "new").mkdir()
    (tmp_path / "box").write_bytes(to_mbox([make_mail()]))
    (tmp_path / "one.eml").write_bytes(make_mail())
    assert detect_kind(tmp_path / "md") == "maildir"
    assert detect_kind(tmp_path) == "directory"
    assert detect_kind(tmp_path / "box") == "mbox"
    assert detect_kind(tmp_path / "one.eml") == "eml"


def test_maildir_reads_cur_new_and_subfolders_and_explains_metadata(tmp_path: Path) -> None:
    md = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp", ".Sent/cur", ".Sent/new"):
        (md / sub).mkdir(parents=True)
    (md / "new" / "1.host").write_bytes(make_mail(subject="a"))
    (md / "cur" / "2.host:2,S").write_bytes(make_mail(subject="b"))
    (md / ".Sent" / "cur" / "3.host:2,S").write_bytes(make_mail(subject="c"))
    (md / "tmp" / "4.host").write_bytes(make_mail(subject="in delivery"))
    (md / "cur" / "dovecot-uidlist").write_bytes(b"3 V1 N4\n")
    items = list(iter_raw_messages([md], max_message_bytes=LIMIT))
    got = sorted(i.source.ref.rsplit("/", 1)[-1] for i in items if i.raw is not None)
    assert got == ["1.host", "2.host:2,S", "3.host:2,S"]
    skipped = [i for i in items if i.raw is None]
    assert [(Path(i.source.ref).name, i.skipped) for i in skipped] == [("dovecot-uidlist", "maildir metadata")]


def test_directories_recurse_and_hidden_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.eml").write_bytes(make_mail())
    (tmp_path / "a" / "y.eml").write_bytes(make_mail(subject="y"))
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    items = list(iter_raw_messages([tmp_path], max_message_bytes=LIMIT))
    assert sum(1 for i in items if i.raw) == 2
    assert [i.skipped for i in items if i.raw is None] == ["hidden file"]


def test_absurdly_large_single_file_is_refused_unread_with_a_reason(tmp_path: Path) -> None:
    big = tmp_path / "huge.eml"
    with big.open("wb") as fh:
        fh.truncate(5 * 1024 * 1024)
    (item,) = iter_raw_messages([big], max_message_bytes=1024 * 1024)
    assert item.raw is None and "far over the message size limit" in (item.skipped or "")


def test_missing_path_is_reported_not_raised(tmp_path: Path) -> None:
    (item,) = iter_raw_messages([tmp_path / "nope"], max_message_bytes=LIMIT)
    assert item.raw is None and item.skipped == "no such file or directory"


_PIECES = [b"From a\n", b"\n", b"\r\n", b"x\n", b"From b", b"\r\nFrom c\n", b"y\r\n", b">From d\n", b"Subject: s\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=14))
def test_in_memory_and_streaming_mbox_splitting_agree(
    tmp_path_factory: pytest.TempPathFactory, pieces: list[bytes]
) -> None:
    """Small mbox files are split in memory, big ones streamed: both must cut at the same places."""
    data = b"From z\n" + b"".join(pieces)
    path = tmp_path_factory.mktemp("mbox") / "m.mbox"
    path.write_bytes(data)
    streamed = [(i.raw, i.source.ref, i.nbytes) for i in iter_mbox(path)]
    in_memory = [(i.raw, i.source.ref, i.nbytes) for i in split_mbox_bytes(path, data)]
    assert streamed == in_memory
