"""Named state rows in ``checkpoints``: source resumption (IMAP UIDs), the campaign state epoch, schedules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from execdesk.store.db import utcnow
from execdesk.store.models import Checkpoint, table_of

_checkpoints = table_of(Checkpoint)


def read_checkpoint(conn: Connection, key: str) -> dict[str, Any] | None:
    """A checkpoint's value; readers (an IMAP watcher deciding whether to IDLE) use any connection."""
    row = conn.execute(select(_checkpoints.c.value).where(_checkpoints.c.key == key)).first()
    return dict(row.value) if row is not None else None


def write_checkpoint(conn: Connection, key: str, value: dict[str, Any], now: datetime | None = None) -> None:
    """Set a checkpoint (insert or replace) in the caller's transaction."""
    at = now or utcnow()
    if conn.execute(select(_checkpoints.c.key).where(_checkpoints.c.key == key)).first() is None:
        conn.execute(insert(_checkpoints).values(key=key, value=value, updated_at=at))
    else:
        conn.execute(update(_checkpoints).where(_checkpoints.c.key == key).values(value=value, updated_at=at))
