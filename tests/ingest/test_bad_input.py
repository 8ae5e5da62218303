"""Bad and hostile input through the real import path: stored or quarantined, with a reason, never lost."""

from __future__ import annotations

import tarfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.mailfactory import make_mail

from execdesk.cases import queries
from execdesk.ingest.batch import import_paths
from execdesk.store.models import Message, QuarantineEntry


def _nested(depth: int) -> bytes:
    inner = b"Content-Type: text/plain\n\ninnermost words\n"
    for level in range(depth):
        b = f"b{level}".encode()
        inner = b"Content-Type: multipart/mixed; boundary=" + b + b"\n\n--" + b + b"\n" + inner + b"\n--" + b + b"--\n"
    return b"From: deep@example.org\nSubject: deep\nMIME-Version: 1.0\n" + inner


def _many_parts(n: int) -> bytes:
    parts = b"".join(b"--sep\nContent-Type: text/plain\n\npart %d\n" % i for i in range(n))
    return (
        b"From: parts@example.org\nSubject: many parts\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=sep\n\n" + parts + b"--sep--\n"
    )


def _big(mb: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "big@example.org"
    msg["Subject"] = "big attachment"
    msg.set_content("see attached")
    msg.add_attachment(b"\x89PNG" + b"\x00" * (mb * 1024 * 1024), maintype="image", subtype="png", filename="x.png")
    return msg.as_bytes()


HOSTILE = {
    "empty.eml": b"",
    "garbage.bin": bytes((i * 7919) % 256 for i in range(20000)),
    "nul_bytes.eml": b"From: n@example.org\nSubject: nul\n\nhello\x00world\x00\n",
    "headers_only.eml": b"From: h@example.org\nSubject: only headers\n",
    "unknown_charset.eml": (
        b"From: u@example.org\nSubject: charset\nContent-Type: text/plain; charset=x-klingon\n\nqapla\xe9\n"
    ),
    "deep_nesting.eml": _nested(100),
    "many_parts.eml": _many_parts(10_000),
}


def test_every_hostile_input_is_stored_or_quarantined_with_a_reason(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in"
    src.mkdir()
    for name, data in HOSTILE.items():
        (src / name).write_bytes(data)
    summary = import_paths(store, [src])
    assert summary["imported"] + summary["quarantined"] == len(HOSTILE)
    with store.engine.connect() as conn:
        rows = conn.execute(select(Message.raw_sha256, Message.status, Message.defects, Message.new_text)).all()
        reasons = {r.code: r.reason for r in conn.execute(select(QuarantineEntry))}
    assert len(rows) == len(HOSTILE)
    for r in rows:
        assert store.blobs.exists(r.raw_sha256)  # never lost
    assert reasons.get("empty")
    assert any(code in reasons for code in ("not_rfc5322",)), reasons
    by_status = {r.status for r in rows}
    assert by_status <= {"ok", "quarantined"}
    defects = [d for r in rows for d in (r.defects or [])]
    assert any("part" in d.lower() for d in defects), "10,000 parts must be reported as a defect"
    assert any("depth" in d.lower() or "nest" in d.lower() for d in defects), "100 levels must be reported"
    assert any("charset" in d.lower() for d in defects)


def test_a_50_mb_message(home: Path, tmp_path: Path) -> None:
    from execdesk.settings import load_settings
    from execdesk.store import Store

    (tmp_path / "big.eml").write_bytes(_big(50))
    over = Store.open(load_settings(home / "a"))  # default limit (40 MiB): kept and quarantined
    s1 = import_paths(over, [tmp_path / "big.eml"])
    assert s1["quarantined"] == 1
    with over.engine.connect() as conn:
        (entry,) = conn.execute(select(QuarantineEntry)).all()
    assert entry.code == "too_large" and "limit" in entry.reason
    roomy = Store.open(load_settings(home / "b", limits={"max_message_bytes": 80 * 1024 * 1024}))
    s2 = import_paths(roomy, [tmp_path / "big.eml"])
    assert s2["imported"] == 1
    with roomy.engine.connect() as conn:
        detail = queries.case_detail(conn, 1)
    assert detail is not None
    (att,) = detail["thread"][0]["attachments"]
    assert att["filename"] == "x.png" and att["size"] > 50 * 1024 * 1024
    assert roomy.blobs.exists(att["sha256"])


def test_non_mail_file_in_a_maildir(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    md = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1.host:2,S").write_bytes(make_mail())
    (md / "cur" / "holiday.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 10)
    summary = import_paths(store, [md])
    assert summary["imported"] == 1 and summary["quarantined"] == 1
    with store.engine.connect() as conn:
        (entry,) = conn.execute(select(QuarantineEntry)).all()
    assert entry.stage == "parse" and entry.reason


@pytest.mark.slow
def test_every_spamassassin_message_imports_without_a_crash(store, shared_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    total = 0
    for name in ("easy_ham", "hard_ham", "spam"):
        with tarfile.open(shared_data / "spamassassin" / f"{name}.tar.gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            tar.extractall(tmp_path / "corpus" / name, members=members, filter="data")
            total += len(members)
    summary = import_paths(store, [tmp_path / "corpus"])
    assert summary["imported"] + summary["duplicates"] + summary["quarantined"] == total == 3177
    assert summary["quarantined"] == 0, summary["quarantine_reasons"]
    with store.engine.connect() as conn:
        stats = queries.stats(conn)
    assert stats["messages"] == summary["imported"]
    assert stats["cases"] > 1000 and stats["contacts"] > 500
