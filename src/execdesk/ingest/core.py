"""The core every source ends in: :meth:`IngestSession.process_batch` (and its one-message
form :meth:`IngestSession.process_message`).

Order of events, which is what makes ingest lossless and idempotent:

1. identify the bytes (raw SHA-256, transport-independent content hash, Message-ID);
2. a message we already have (same bytes, or same Message-ID *and* same content) is
   recorded as another arrival and goes no further;
3. the raw bytes are written to the blob store **before anything else happens**;
4. the pure stages (parse, analyze) run per message; the database stages write the
   batch in bulk inside a savepoint. If a bulk write fails, the batch is replayed one
   message at a time so that only the guilty message is quarantined. A message that
   fails any stage is stored as quarantined, with the stage and the reason — never dropped;
5. :meth:`IngestSession.commit` makes the blobs durable (one ``syncfs``), then commits the
   database. Sources acknowledge (IMAP flag, SMTP 250) only after ``commit`` returns.

A crash anywhere before the commit leaves at most unreferenced blobs; re-running finds
nothing in the database and processes the messages again, exactly once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from execdesk.analyze import AnalyzeConfig, load_config
from execdesk.ingest.stages import SessionHooks, StageEnv, default_pipeline
from execdesk.ingest.work import IngestResult, MessageWork, SourceRef, StageFailed
from execdesk.parse.identity import identify
from execdesk.pipeline import Pipeline
from execdesk.settings import Settings
from execdesk.store.checkpoints import read_checkpoint, write_checkpoint
from execdesk.store.db import Store, allocate_ids, utcnow
from execdesk.store.models import Arrival, Message, QuarantineEntry, table_of

log = logging.getLogger("execdesk.ingest")

_messages = table_of(Message)
_arrivals = table_of(Arrival)
_quarantine = table_of(QuarantineEntry)

_BY_SHA = select(_messages.c.id, _messages.c.raw_sha256).where(
    _messages.c.raw_sha256.in_(bindparam("shas", expanding=True))
)
_BY_MSGID = select(_messages.c.id, _messages.c.message_id, _messages.c.content_hash).where(
    _messages.c.message_id.in_(bindparam("mids", expanding=True))
)
_INSERT_ARRIVALS = insert(_arrivals)
_INSERT_QUARANTINED = insert(_messages)
_INSERT_QUARANTINE = insert(_quarantine)

Incoming = tuple[bytes, SourceRef] | tuple[bytes, SourceRef, datetime]


class IngestSession:
    """One unit of work over the store. Use as a context manager: commits on success."""

    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        pipeline: Pipeline | None = None,
        *,
        after_commit: bool = True,
    ) -> None:
        self.store = store
        self.settings = settings or store.settings
        self.pipeline = pipeline or default_pipeline()
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self._conn: Connection | None = None
        self._analyze_config: AnalyzeConfig | None = None
        self._new_since_commit: list[int] = []
        self.after_commit = after_commit
        self.hooks = SessionHooks()

    # -- transaction handling -------------------------------------------------
    @property
    def conn(self) -> Connection:
        if self._conn is None:
            self._conn = self.store.write_connection()
            self._conn.begin()
        return self._conn

    def commit(self) -> None:
        """Make everything processed so far durable: blobs first, then the database; then let the
        reply stage react to the new mail (bounces of our replies, automatic acknowledgments)."""
        self.store.blobs.flush()
        if self._conn is not None:
            self._conn.commit()
            self._conn.close()
            self._conn = None
            self.hooks.committed()
        new, self._new_since_commit = self._new_since_commit, []
        if new and self.after_commit:
            self._after_commit(new)

    def _after_commit(self, message_pks: list[int]) -> None:
        """Runs after the messages are durable: a failure here is logged and loses nothing."""
        from execdesk.reply.hooks import after_ingest

        try:
            after_ingest(self.store, message_pks, self.settings)
        except Exception:
            log.exception("after-ingest actions failed for %d messages (they are stored)", len(message_pks))
        from execdesk.notify.dispatcher import after_ingest as deliver_alerts

        deliver_alerts(self.store, self.settings)  # webhooks for new alerts, in the background; never raises

    def rollback(self) -> None:
        self._new_since_commit = []
        self.hooks.rolled_back()
        if self._conn is not None:
            self._conn.rollback()
            self._conn.close()
            self._conn = None

    def __enter__(self) -> IngestSession:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    # -- checkpoints (same transaction as the messages) -----------------------
    def get_checkpoint(self, key: str) -> dict[str, Any] | None:
        return read_checkpoint(self.conn, key)

    def set_checkpoint(self, key: str, value: dict[str, Any]) -> None:
        write_checkpoint(self.conn, key, value)

    # -- the core --------------------------------------------------------------
    def process_message(self, raw: bytes, source: SourceRef, *, received_at: datetime | None = None) -> IngestResult:
        """Store one message exactly once and run it through the pipeline."""
        return self.process_batch([(raw, source, received_at or utcnow())])[0]

    def process_batch(self, incoming: Sequence[Incoming]) -> list[IngestResult]:
        """Store each message exactly once and run the new ones through the pipeline, in order."""
        now = utcnow()
        works = [
            MessageWork(raw=item[0], identity=identify(item[0]), source=item[1], received_at=_at(item, now))
            for item in incoming
        ]
        duplicate_of = self._find_duplicates(works)
        new = [w for i, w in enumerate(works) if i not in duplicate_of]
        for w in new:
            self.store.blobs.put(w.raw, w.identity.raw_sha256)  # raw bytes first, always
        self._run_pipeline(new)
        self._quarantine(new)
        results: list[IngestResult] = []
        arrivals = []
        for i, w in enumerate(works):
            if i in duplicate_of:
                twin = duplicate_of[i]
                pk = twin if isinstance(twin, int) else works[twin[1]].message_pk
                assert pk is not None
                results.append(IngestResult("duplicate", pk))
                self.counts["duplicates"] += 1
            elif w.failure is None:
                assert w.message_pk is not None
                results.append(IngestResult("imported", w.message_pk, case_id=w.case_id))
                self.counts["imported"] += 1
                self._new_since_commit.append(w.message_pk)
            else:
                assert w.message_pk is not None
                f = w.failure
                results.append(IngestResult("quarantined", w.message_pk, stage=f.stage, code=f.code, reason=f.reason))
                self.counts["quarantined"] += 1
                self.reasons[f"{f.stage}:{f.code}"] += 1
            arrivals.append(
                {
                    "message_pk": results[-1].message_pk,
                    "source_kind": w.source.kind,
                    "source_ref": w.source.ref[:2000],
                    "arrived_at": w.received_at,
                    "duplicate": i in duplicate_of,
                }
            )
        if arrivals:
            self.conn.execute(_INSERT_ARRIVALS, arrivals)
        return results

    def retry(self, message_pk: int) -> IngestResult:
        """Run a quarantined message through the pipeline again (after a fix or a settings change)."""
        conn = self.conn
        row = conn.execute(select(_messages).where(_messages.c.id == message_pk)).first()
        if row is None:
            raise LookupError(f"no message {message_pk}")
        raw = self.store.blobs.get(row.raw_sha256)
        work = MessageWork(
            raw=raw,
            identity=identify(raw),
            source=SourceRef("retry", f"message:{message_pk}"),
            received_at=row.received_at,
            existing_pk=message_pk,
        )
        self._run_pipeline([work])
        open_entries = (_quarantine.c.message_pk == message_pk) & _quarantine.c.resolved_at.is_(None)
        if work.failure is None:
            conn.execute(update(_quarantine).where(open_entries).values(resolved_at=utcnow()))
            self.counts["imported"] += 1
            self._new_since_commit.append(message_pk)
            return IngestResult("imported", message_pk, case_id=work.case_id)
        f = work.failure
        conn.execute(
            update(_quarantine)
            .where(open_entries)
            .values(attempts=_quarantine.c.attempts + 1, stage=f.stage, code=f.code, reason=f.reason)
        )
        conn.execute(update(_messages).where(_messages.c.id == message_pk).values(status="quarantined"))
        self.counts["quarantined"] += 1
        return IngestResult("quarantined", message_pk, stage=f.stage, code=f.code, reason=f.reason)

    # -- internals --------------------------------------------------------------
    def _find_duplicates(self, works: list[MessageWork]) -> dict[int, int | tuple[str, int]]:
        """Index of each duplicate -> the stored message's pk, or ("batch", index) of its twin here."""
        conn = self.conn
        shas = list({w.identity.raw_sha256 for w in works})
        by_sha = {r.raw_sha256: int(r.id) for r in conn.execute(_BY_SHA, {"shas": shas})} if shas else {}
        mids = list({w.identity.message_id for w in works if w.identity.message_id})
        by_content: dict[tuple[str, str], int] = {}
        if mids:
            for r in conn.execute(_BY_MSGID, {"mids": mids}):
                by_content.setdefault((r.message_id, r.content_hash), int(r.id))
        out: dict[int, int | tuple[str, int]] = {}
        first_sha: dict[str, int] = {}
        first_content: dict[tuple[str, str], int] = {}
        for i, w in enumerate(works):
            ident = w.identity
            key = (ident.message_id, ident.content_hash) if ident.message_id else None
            if ident.raw_sha256 in by_sha:
                out[i] = by_sha[ident.raw_sha256]
            elif key is not None and key in by_content:
                out[i] = by_content[key]
            elif ident.raw_sha256 in first_sha:
                out[i] = ("batch", first_sha[ident.raw_sha256])
            elif key is not None and key in first_content:
                out[i] = ("batch", first_content[key])
            else:
                first_sha[ident.raw_sha256] = i
                if key is not None:
                    first_content[key] = i
        return out

    @property
    def analyze_config(self) -> AnalyzeConfig:
        if self._analyze_config is None:
            self._analyze_config = load_config(home=self.settings.home)
        return self._analyze_config

    def _run_pipeline(self, works: list[MessageWork]) -> None:
        """Pure stages up to the first database stage run per message outside any savepoint;
        from the first database stage on, everything runs inside one savepoint for the batch."""
        if not works:
            return
        env = StageEnv(self.settings, self.store.blobs, self.conn, self.analyze_config, self.hooks)
        stages = self.pipeline.stages
        first_db = next((i for i, s in enumerate(stages) if not s.pure), len(stages))
        for stage in stages[:first_db]:
            stage.run(works, env)
        writing = stages[first_db:]
        if not writing:
            return
        ok = [w for w in works if w.failure is None]
        if not ok:
            return
        savepoint = self.conn.begin_nested()
        try:
            for stage in writing:
                stage.run(ok, env)
            savepoint.commit()
            return
        except Exception:
            savepoint.rollback()
            self.hooks.rolled_back()
            if len(ok) == 1:
                log.exception("database stages failed on message sha256=%s", ok[0].identity.raw_sha256[:12])
            else:
                log.warning("bulk write of %d messages failed; replaying them one by one", len(ok), exc_info=True)
        for work in ok:  # isolate the guilty message: each on its own
            if work.failure is not None:
                continue
            self._reset(work)
            savepoint = self.conn.begin_nested()
            current = writing[0].name
            try:
                for stage in writing:
                    current = stage.name
                    stage.run([work], env)
                savepoint.commit()
            except Exception as exc:
                savepoint.rollback()
                self.hooks.rolled_back()
                self._reset(work)
                if len(ok) > 1:
                    log.exception("stage %s failed on message sha256=%s", current, work.identity.raw_sha256[:12])
                work.failure = StageFailed(
                    current, "internal_error", f"{type(exc).__name__} in stage {current}", their_fault=False
                )

    @staticmethod
    def _reset(work: MessageWork) -> None:
        """Forget ids created by rolled-back writes."""
        work.message_pk = work.existing_pk
        work.contact_id = None
        work.case_id = None

    def _quarantine(self, works: list[MessageWork]) -> None:
        failed = [w for w in works if w.failure is not None]
        if not failed:
            return
        rows: list[dict[str, Any]] = [
            {
                "raw_sha256": w.identity.raw_sha256,
                "content_hash": w.identity.content_hash,
                "message_id": w.identity.message_id[:998] if w.identity.message_id else None,
                "size": len(w.raw),
                "direction": "in",
                "status": "quarantined",
                "subject": "",
                "to_addrs": [],
                "cc_addrs": [],
                "references": [],
                "defects": [],
                "headers": {},
                "received_at": w.received_at,
            }
            for w in failed
        ]
        for w, row, pk in zip(failed, rows, allocate_ids(self.conn, _messages, len(rows)), strict=True):
            w.message_pk = row["id"] = pk
        self.conn.execute(_INSERT_QUARANTINED, rows)
        now = utcnow()
        self.conn.execute(
            _INSERT_QUARANTINE,
            [
                {
                    "message_pk": w.message_pk,
                    "stage": w.failure.stage,
                    "code": w.failure.code,
                    "reason": w.failure.reason,
                    "created_at": now,
                    "attempts": 1,
                }
                for w in failed
                if w.failure is not None
            ],
        )

    def summary(self) -> dict[str, Any]:
        return {
            "imported": self.counts["imported"],
            "duplicates": self.counts["duplicates"],
            "quarantined": self.counts["quarantined"],
            "quarantine_reasons": dict(self.reasons),
        }


def _at(item: Incoming, default: datetime) -> datetime:
    return item[2] if len(item) > 2 and item[2] is not None else default
