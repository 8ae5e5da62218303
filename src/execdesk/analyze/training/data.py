"""Loaders for the labelled corpora in ../shared/data (read-only; nothing is copied into the repo).

Every loader yields :class:`Example` records: the message as subject/body plus its labels.
Licences are recorded with each source (see ``SOURCES``) so the model card can say what a
shipped model was built from.
"""

from __future__ import annotations

import csv
import email
import email.policy
import gzip
import json
import os
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOURCES: dict[str, dict[str, str]] = {
    "enron": {"path": "enron_exec_mail", "licence": "CC BY-NC-SA 4.0 (AESLC; non-commercial)", "permissive": "no"},
    "enron_other": {
        "path": "enron_exec_mail",
        "licence": "texts CC BY-NC-SA 4.0 (AESLC; non-commercial); labels ours (labels/README.md)",
        "permissive": "no",
    },
    "twcs": {
        "path": "twcs_customer_support",
        "licence": "none stated (Kaggle page: CC BY-NC-SA 4.0, unverified)",
        "permissive": "no",
    },
    "spamassassin": {"path": "spamassassin", "licence": "PDDL 1.0 / CC0 1.0", "permissive": "yes"},
    "parakweet": {"path": "email_intent_parakweet", "licence": "Apache-2.0", "permissive": "yes"},
    "cfpb": {"path": "cfpb_complaints", "licence": "US public domain", "permissive": "yes"},
    "corrections": {"path": "", "licence": "the organisation's own staff corrections", "permissive": "yes"},
}


@dataclass(slots=True)
class Example:
    """One labelled message. ``signals`` maps signal name -> evidence span (may be empty)."""

    id: str
    subject: str
    body: str
    intent: str | None = None
    topic: str | None = None
    signals: dict[str, str] = field(default_factory=dict)
    sentiment: int | None = None
    source: str = ""
    group: str = ""  # for grouped cross-validation / date splits
    meta: list[str] = field(default_factory=list)  # structural pseudo-words (pipeline.meta_tokens)
    sender: str = ""  # the From address where the data has one (grouped cross-validation)
    spam_header: list[str] = field(default_factory=list)  # the spam model's header tokens (spamtokens.header_tokens)


def default_data_dir() -> Path:
    """``$EXECDESK_SHARED_DATA`` or ``../shared/data`` next to the repository."""
    env = os.environ.get("EXECDESK_SHARED_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent.parent / "shared" / "data"
        if (parent / "pyproject.toml").is_file() and cand.is_dir():
            return cand
    return Path.cwd().parent / "shared" / "data"


def read_labels(path: Path) -> dict[str, dict[str, Any]]:
    """A LABELS.md-format JSONL file as {id: record}.

    Written by other people's tools, so it is read leniently where the meaning is clear: an id given as a
    Message-ID in angle brackets is the same id without them, and signals may be a list of names as well as
    {name: span}. Anything else that is wrong stops with the file, line and reason (ValueError).
    """
    out: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not a JSON object ({exc.msg})") from None
            if not isinstance(rec, dict) or rec.get("id") in (None, ""):
                raise ValueError(f'{path}:{n}: a label needs an "id" (LABELS.md: one JSON object per line)')
            signals = rec.get("signals") or {}
            if isinstance(signals, list):
                rec["signals"] = signals = {str(name): "" for name in signals}
            if not isinstance(signals, dict):
                raise ValueError(f'{path}:{n}: "signals" must be {{name: span}} or a list of names')
            out[str(rec["id"]).strip().strip("<>")] = rec
    return out


def _labelled(id_: str, subject: str, body: str, lab: dict[str, Any] | None, source: str, group: str) -> Example:
    """An example whose labels come from a LABELS.md record (``None``: unlabelled)."""
    if lab is None:
        return Example(id=id_, subject=subject, body=body, source=source, group=group)
    return Example(
        id=id_,
        subject=subject,
        body=body,
        intent=lab["intent"],
        topic=lab["topic"],
        signals=dict(lab.get("signals") or {}),
        sentiment=lab.get("sentiment"),
        source=source,
        group=group,
    )


def load_enron(data_dir: Path, labelled_only: bool = True) -> list[Example]:
    """Ken Lay's labelled messages (subject + body as AESLC gives them)."""
    d = data_dir / "enron_exec_mail"
    labels = read_labels(d / "labels.jsonl")
    out = []
    with (d / "exec_mail.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            lab = labels.get(rec["id"])
            if labelled_only and lab is None:
                continue
            out.append(_labelled(rec["id"], rec.get("subject") or "", rec.get("body") or "", lab, "enron", rec["id"]))
    return out


OTHER_EXEC_LABELS = Path(__file__).with_name("labels") / "enron_other_execs.jsonl"


def load_enron_other(data_dir: Path, labels: Path = OTHER_EXEC_LABELS) -> list[Example]:
    """The eight other executives' mailboxes, with the labels kept in this repository (labels/README.md).

    Mostly internal business, like the held-out executive mail: the set that teaches the models what an
    ordinary executive inbox looks like. ``group`` is the mailbox (leave-one-mailbox-out evaluation).
    """
    labs = read_labels(labels)
    out = []
    with (data_dir / "enron_exec_mail" / "exec_mail.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            lab = labs.get(rec["id"])
            if lab is None or rec["mailbox"] == "lay-k":
                continue
            out.append(
                _labelled(
                    rec["id"], rec.get("subject") or "", rec.get("body") or "", lab, "enron_other", rec["mailbox"]
                )
            )
    return out


def load_twcs(data_dir: Path) -> list[Example]:
    """Customers' first tweets, labelled. The tweet is the body; there is no subject."""
    d = data_dir / "twcs_customer_support"
    labels = read_labels(d / "labels.jsonl")
    out = []
    with (d / "tweets.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            lab = labels.get(row["tweet_id"])
            if lab is None:
                continue
            out.append(_labelled(row["tweet_id"], "", row["text"], lab, "twcs", row["conversation_id"]))
    return out


def load_parakweet(data_dir: Path) -> list[tuple[str, int]]:
    """(sentence, 1 if it asks the reader to act)."""
    out = []
    with (data_dir / "email_intent_parakweet" / "train.tsv").open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            label, _, sentence = line.rstrip("\n").partition("\t")
            out.append((sentence, 1 if label.strip() == "Yes" else 0))
    return out


def load_cfpb(data_dir: Path, limit: int | None = None) -> list[Example]:
    """CFPB narratives: real written complaints (intent ``complaint``)."""
    out = []
    with gzip.open(data_dir / "cfpb_complaints" / "complaints_with_narratives.csv.gz", "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = row["Consumer complaint narrative"]
            out.append(
                Example(
                    id="cfpb:" + row["Complaint ID"],
                    subject=row.get("Issue") or "",
                    body=text,
                    intent="complaint",
                    source="cfpb",
                    group=row["Complaint ID"],
                )
            )
            if limit and len(out) >= limit:
                break
    return out


_TAG = re.compile(r"<[^>]+>")


def text_parts(msg: email.message.Message) -> Iterator[tuple[str, str]]:
    """(content type, decoded text) of each text/* part of a stdlib message; an unknown charset is read as
    latin-1, a part that cannot be decoded is skipped."""
    for part in msg.walk():
        ctype = part.get_content_type()
        if not ctype.startswith("text/"):
            continue
        try:
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            charset = part.get_content_charset() or "latin-1"
            try:
                txt = payload.decode(charset, errors="replace")
            except LookupError:
                txt = payload.decode("latin-1", errors="replace")
        except Exception:
            continue
        yield ctype, txt


def _text_of(msg: email.message.Message) -> str:
    parts = [
        _TAG.sub(" ", txt) if ctype == "text/html" else txt
        for ctype, txt in text_parts(msg)
        if ctype in ("text/plain", "text/html")
    ]
    return "\n".join(parts)


def spamassassin_members(data_dir: Path) -> Iterator[tuple[str, str, bytes]]:
    """(group, member name, raw bytes) for every message of the SpamAssassin tarballs."""
    for group in ("easy_ham", "hard_ham", "spam"):
        path = data_dir / "spamassassin" / f"{group}.tar.gz"
        with tarfile.open(path) as tar:
            for m in tar:
                if not m.isfile():
                    continue
                fh = tar.extractfile(m)
                if fh is None:
                    continue
                name = m.name.rsplit("/", 1)[-1]
                if name.startswith("cmds"):
                    continue
                yield group, name, fh.read()


def load_spamassassin(data_dir: Path) -> list[Example]:
    """SpamAssassin messages parsed by execdesk.parse; intent ``spam`` or ``other``.

    ``group`` is ``<folder>/<number>`` for ordered splits; ``meta`` holds the structural pseudo-words the
    run-time spam model sees (pipeline.meta_tokens), ``spam_header`` its header tokens (spamtokens.header_tokens).
    """
    from execdesk.analyze.pipeline import meta_tokens
    from execdesk.analyze.spamtokens import header_tokens
    from execdesk.analyze.text import body_of
    from execdesk.parse import ParseRefused, parse_message

    out = []
    for group, name, raw in spamassassin_members(data_dir):
        try:
            parsed = parse_message(raw)
        except ParseRefused:
            continue
        out.append(
            Example(
                id=f"{group}/{name}",
                subject=parsed.subject,
                body=body_of(parsed),
                intent="spam" if group == "spam" else "other",
                source="spamassassin",
                group=f"{group}/{name.split('.', 1)[0]}",
                meta=meta_tokens(parsed),
                sender=(parsed.from_addr or "").lower(),
                spam_header=header_tokens(parsed),
            )
        )
    return out


def subject_body_from_raw(raw: bytes) -> tuple[str, str]:
    """Subject and body text of raw mail: execdesk's parser when present, the stdlib otherwise."""
    try:
        from execdesk.parse import parse_message

        parsed = parse_message(raw)
        return parsed.subject, (parsed.new_text if parsed.new_text.strip() else parsed.text)
    except Exception:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        return str(msg.get("Subject") or ""), _text_of(msg)
