"""File sources: .eml files, directories of them, mbox and Maildir — detected, streamed.

Nothing here holds more than one message in memory: an mbox is read line by line and
split on ``From `` envelope lines that start the file or follow a blank line (the mboxo /
mboxrd convention; escaped ``>From`` lines are left as they are). Each message is
yielded with a :class:`SourceRef` a person can follow back to the file and offset.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from execdesk.ingest.work import SourceRef

MAILDIR_METADATA = ("dovecot", "maildirfolder", "subscriptions", "courier", ".")
READ_LIMIT_FACTOR = 4  # files this many times over max_message_bytes are refused unread
IN_MEMORY_MBOX = 16 * 1024 * 1024  # smaller files are read in one go; larger mboxes are streamed


@dataclass(frozen=True, slots=True)
class RawItem:
    """One message read from a file source, or a file that was skipped and why."""

    raw: bytes | None
    source: SourceRef
    nbytes: int  # bytes of input consumed (progress)
    skipped: str | None = None


def detect_kind(path: Path) -> str:
    """``maildir``, ``directory``, ``mbox`` or ``eml`` (any other single file)."""
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            return "maildir"
        return "directory"
    with path.open("rb") as fh:
        head = fh.read(5)
    return "mbox" if head == b"From " else "eml"


def total_bytes(paths: Iterable[Path]) -> int:
    total = 0
    for p in paths:
        if p.is_dir():
            for root, _dirs, files in os.walk(p):
                for name in files:
                    with contextlib.suppress(OSError):
                        total += (Path(root) / name).stat().st_size
        elif p.exists():
            total += p.stat().st_size
    return total


def iter_raw_messages(paths: Iterable[Path], *, max_message_bytes: int) -> Iterator[RawItem]:
    for path in paths:
        yield from _iter_path(Path(path), max_message_bytes)


def _iter_path(path: Path, max_bytes: int) -> Iterator[RawItem]:
    if not path.exists():
        yield RawItem(None, SourceRef("file", str(path)), 0, skipped="no such file or directory")
        return
    kind = detect_kind(path)
    if kind == "maildir":
        yield from _iter_maildir(path, max_bytes)
    elif kind == "directory":
        yield from _iter_directory(str(path), max_bytes, top=True)
    else:
        yield from _iter_file(path, max_bytes)


def _iter_directory(directory: str, max_bytes: int, *, top: bool = False) -> Iterator[RawItem]:
    """Depth-first, in name order; string paths and scandir entries (no per-file Path objects:
    reading a folder of small .eml files is otherwise as costly as storing them)."""
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield RawItem(None, SourceRef("file", directory), 0, skipped=f"cannot read folder: {exc.strerror}")
        return
    names = {e.name for e in entries}
    if not top and "cur" in names and "new" in names:
        yield from _iter_maildir(Path(directory), max_bytes)
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _iter_directory(entry.path, max_bytes)
        elif entry.name.startswith("."):
            yield RawItem(None, SourceRef("file", entry.path), _size(Path(entry.path)), skipped="hidden file")
        elif entry.is_file(follow_symlinks=False):
            yield from _iter_small_file(entry.path, max_bytes)
        else:
            yield RawItem(None, SourceRef("file", entry.path), 0, skipped="not a regular file")


def _iter_small_file(path: str, max_bytes: int) -> Iterator[RawItem]:
    """One open and one fstat per file; big files take the streaming path."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below on every path
    except OSError as exc:
        yield RawItem(None, SourceRef("file", path), 0, skipped=f"cannot read: {exc.strerror}")
        return
    with fh:
        size = os.fstat(fh.fileno()).st_size
        data = None if size > IN_MEMORY_MBOX or size > max_bytes * READ_LIMIT_FACTOR else fh.read()
    if data is None:
        yield from _iter_file(Path(path), max_bytes)
    elif data.startswith(b"From "):
        yield from split_mbox_bytes(Path(path), data)
    else:
        yield RawItem(data, SourceRef("file", path), len(data))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _iter_file(path: Path, max_bytes: int) -> Iterator[RawItem]:
    """One open per file: a small file is read whole (and split if it is an mbox)."""
    if not path.is_file():
        yield RawItem(None, SourceRef("file", str(path)), 0, skipped="not a regular file")
        return
    size = _size(path)
    if size > IN_MEMORY_MBOX or size > max_bytes * READ_LIMIT_FACTOR:
        if detect_kind(path) == "mbox":
            yield from iter_mbox(path)
            return
        yield _read_single(path, "file", max_bytes)
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield RawItem(None, SourceRef("file", str(path)), size, skipped=f"cannot read: {exc.strerror}")
        return
    if data.startswith(b"From "):
        yield from split_mbox_bytes(path, data)
    else:
        yield RawItem(data, SourceRef("file", str(path)), len(data))


def split_mbox_bytes(path: Path, data: bytes) -> Iterator[RawItem]:
    """The in-memory twin of :func:`iter_mbox` for small files (same splitting rule)."""
    first = data.find(b"\n")
    if first < 0:
        yield RawItem(b"", SourceRef("mbox", f"{path}#0@0"), len(data))
        return
    starts = [(0, first + 1)]  # (envelope start, message start)
    pos = first + 1
    while (i := data.find(b"\nFrom ", pos)) >= 0:  # a literal search: a regex here costs 0.1 ms a file
        pos = i + 1
        blank_before = data[i - 1 : i] == b"\n" or data[i - 2 : i] == b"\n\r"
        line_end = data.find(b"\n", i + 1)
        if blank_before:
            starts.append((i + 1, line_end + 1 if line_end >= 0 else len(data)))
    for i, (env_start, msg_start) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(data)
        body = _drop_separator(data[msg_start:end])
        yield RawItem(body, SourceRef("mbox", f"{path}#{i}@{env_start}"), end - env_start)


def _read_single(path: Path, kind: str, max_bytes: int) -> RawItem:
    size = _size(path)
    if size > max_bytes * READ_LIMIT_FACTOR:
        return RawItem(
            None,
            SourceRef(kind, str(path)),
            size,
            skipped=f"file of {size} bytes is far over the message size limit ({max_bytes}); not read",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        return RawItem(None, SourceRef(kind, str(path)), size, skipped=f"cannot read: {exc.strerror}")
    return RawItem(data, SourceRef(kind, str(path)), size)


def _iter_maildir(path: Path, max_bytes: int) -> Iterator[RawItem]:
    """Messages in cur/ and new/ of this Maildir and of its Maildir++ subfolders."""
    folders = [
        path,
        *sorted(p for p in path.iterdir() if p.is_dir() and p.name.startswith(".") and (p / "cur").is_dir()),
    ]
    for folder in folders:
        for sub in ("new", "cur"):
            d = folder / sub
            if not d.is_dir():
                continue
            for child in sorted(d.iterdir()):
                if not child.is_file():
                    continue
                if child.name.startswith(MAILDIR_METADATA):
                    yield RawItem(None, SourceRef("maildir", str(child)), _size(child), skipped="maildir metadata")
                    continue
                yield _read_single(child, "maildir", max_bytes)


def iter_mbox(path: Path) -> Iterator[RawItem]:
    """Stream an mbox file: one message at a time, envelope line stripped."""
    with path.open("rb") as fh:
        lines: list[bytes] = []
        start = 0
        offset = 0
        index = 0
        prev_blank = True
        envelope_seen = False
        for line in fh:
            if prev_blank and line.startswith(b"From "):
                if envelope_seen:
                    yield _mbox_item(path, index, start, offset, lines)
                    index += 1
                lines = []
                start = offset
                envelope_seen = True
            else:
                lines.append(line)
            offset += len(line)
            prev_blank = line in (b"\n", b"\r\n")
        if envelope_seen:
            yield _mbox_item(path, index, start, offset, lines)


def _drop_separator(body: bytes) -> bytes:
    """The blank line that ends each mbox entry belongs to the mbox format, not the message."""
    if body.endswith(b"\n"):
        prev = body.rfind(b"\n", 0, len(body) - 1)
        if body[prev + 1 :] in (b"\n", b"\r\n"):
            return body[: prev + 1]
    return body


def _mbox_item(path: Path, index: int, start: int, end: int, lines: list[bytes]) -> RawItem:
    # The blank line before the next envelope belongs to the mbox format, not the message.
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return RawItem(b"".join(lines), SourceRef("mbox", f"{path}#{index}@{start}"), end - start)
