"""Saving the organisation's reply templates (``<home>/templates/NAME.md``): the one write path
for the settings page and the API. Each save is tone-checked and audited; the file is replaced
atomically so a drafting process never reads half a template."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from sqlalchemy import Connection

from execdesk.cases.service import record_audit
from execdesk.reply.drafting import _NAME, DraftError, Template, get_template, templates_dir
from execdesk.reply.outbox import check
from execdesk.reply.tone import ToneReport
from execdesk.settings import Settings

MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class SavedTemplate:
    template: Template
    tone: ToneReport


def save_template(
    conn: Connection, settings: Settings, *, name: str, body: str, description: str = "", actor: str
) -> SavedTemplate:
    """Write (create or replace) an organisation template and tone-check its text. A template over
    a shipped one of the same name takes its place. Raises DraftError for a bad name or body."""
    if not _NAME.match(name or "") or len(name) > 64:
        raise DraftError("a template name is letters, digits, '-' and '_' (at most 64)")
    body = body.replace("\r\n", "\n").strip("\n")
    if not body.strip():
        raise DraftError("the template is empty")
    description = " ".join(description.split()).replace("--", "-")
    text = (f"<!-- {description} -->\n" if description else "") + body + "\n"
    if len(text.encode("utf-8")) > MAX_BYTES or "\x00" in text:
        raise DraftError(f"a template is plain text of at most {MAX_BYTES // 1024} KiB")
    folder = templates_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    created = not path.is_file()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    report = check(body, settings, None)
    record_audit(
        conn,
        actor=actor,
        action="template.saved",
        details={
            "name": name,
            "path": str(path),
            "created": created,
            "tone_verdict": report.verdict,
            "tone_findings": [f.rule for f in report.findings],
        },
    )
    return SavedTemplate(get_template(settings, name), report)
