"""The campaign detector of one store, kept in memory by the process that ingests.

The database is the log; the detector is a deterministic fold over it. Every message the
campaign stage applies gets the next ``messages.campaign_seq`` in the same transaction, so:

- a process that starts (or restarts) loads the last snapshot (``<home>/campaigns/index.snap``,
  which records the sequence number it covers) and *catches up* by replaying, in sequence
  order, the messages applied after it, without writing anything;
- several processes on one store (an import while the SMTP listener runs, or workers) stay in
  agreement: each catches up on the others' messages before it assigns its own, under the
  database's write lock (SQLite) or a transaction-scoped advisory lock (PostgreSQL), which is
  also what makes ``max(campaign_seq) + 1`` safe;
- a rolled-back batch leaves no trace: the session tells the runtime, which drops its
  in-memory state and rebuilds it from the snapshot and the database on next use;
- the state records which message it ends with (``seq_pk``, also in the snapshot), and is used only
  with a database that holds that message at that sequence number: a store deleted and created
  again at the same home within one process (the import benchmark, tests) starts its ids and
  sequence over, and must not inherit the old store's groups (decision 0312);
- an erasure or a retention purge removes texts that the state of every running process (and
  their snapshots) still holds. It bumps the store's *state epoch* (a row of ``checkpoints``) in
  its own transaction: a process whose state was built under an older epoch drops it at its next
  batch and before writing a snapshot, and a snapshot of an older epoch is deleted, not loaded
  (decision 0314).

See docs/decisions/0306-campaign-state-as-a-fold.md.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from threading import Lock
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from execdesk.campaigns.detector import CampaignDetector
from execdesk.campaigns.model import CampaignDoc, CampaignSettings
from execdesk.campaigns.service import adopt_campaign_ids
from execdesk.campaigns.spikes import SpikeDetector, SpikeSettings
from execdesk.cases.service import record_audits
from execdesk.ingest.work import message_time
from execdesk.store.checkpoints import read_checkpoint, write_checkpoint
from execdesk.store.db import advisory_xact_lock
from execdesk.store.models import Message, table_of

log = logging.getLogger("execdesk.campaigns")

_messages = table_of(Message)
EPOCH_KEY = "campaigns:state_epoch"
LOCK_KEY = 0x6578_6563_6361_6D70  # "execcamp": PostgreSQL advisory lock of the campaign stage
SNAPSHOT_NAME = "index.snap"
SPIKE_REPLAY = 20_000  # messages replayed into the spike detector after a load (its baseline is a week)
_CHUNK = 2000


def replay_doc(r: Any) -> CampaignDoc:
    """The campaign stage's view of a stored message (the same fields the live stage used)."""
    return CampaignDoc(
        str(r.id),
        r.new_text or "",
        subject=r.subject or "",
        sender=r.from_addr or "",
        received_at=message_time(r.date, r.received_at),
    )


_REPLAY_COLUMNS = (
    _messages.c.id,
    _messages.c.campaign_seq,
    _messages.c.new_text,
    _messages.c.subject,
    _messages.c.from_addr,
    _messages.c.date,
    _messages.c.received_at,
    _messages.c.topic,
)


# A snapshot is the whole index (150 MB at 350,000 messages), so writing one every interval costs
# more per message as the index grows: at 350,000 messages it was a quarter of a worker's time in the
# load test (docs/decisions/1003). Waiting until the messages since the last one are this share of
# the index keeps the cost per message flat, and bounds a restart's catch-up to that share.
SNAPSHOT_GROWTH = 0.1


def state_epoch(conn: Connection) -> int:
    """The store's campaign state epoch: 0 until the first erasure or purge."""
    value = read_checkpoint(conn, EPOCH_KEY)
    return int(value["epoch"]) if value else 0


def bump_state_epoch(conn: Connection, why: str) -> int:
    """Make every process's campaign state, and every snapshot, built before this point stale.

    Call it in the transaction that removes stored texts (erasure, retention): the state is a fold
    over the messages and holds their normalised texts, so it must be rebuilt from what remains.
    """
    epoch = state_epoch(conn) + 1
    write_checkpoint(conn, EPOCH_KEY, {"epoch": epoch, "why": why})
    return epoch


def _pk_at(conn: Connection, seq: int) -> int | None:
    """The message applied at ``seq`` in this database (``campaign_seq`` is unique and indexed)."""
    pk = conn.execute(select(_messages.c.id).where(_messages.c.campaign_seq == seq)).scalar_one_or_none()
    return None if pk is None else int(pk)


class CampaignRuntime:
    """Detector + spike detector of one store, with the sequence number they cover."""

    def __init__(self, settings: CampaignSettings, spikes: SpikeSettings, home: Path) -> None:
        self.settings = settings
        self.spike_settings = spikes
        self.path = home / "campaigns" / SNAPSHOT_NAME
        self.detector: CampaignDetector | None = None
        self.spikes = SpikeDetector(spikes)
        self.seq = 0
        self.seq_pk: int | None = None  # the message applied at ``seq`` (None at 0): whose state this is
        self.epoch = 0  # the store's state epoch the state was built under
        self.engine: Engine | None = None  # the store's engine, to check the epoch before a snapshot
        self.saved_seq = 0
        self.saved_at = time.monotonic()
        self.lock = Lock()  # one batch at a time per process (the database serialises processes)

    # -- state ------------------------------------------------------------------------------
    def invalidate(self) -> None:
        """Forget the in-memory state (a batch that touched it was rolled back)."""
        if self.detector is not None:
            log.info("campaign state dropped after a rollback; it is rebuilt from the snapshot and the database")
        self.detector = None

    def ensure(self, conn: Connection) -> CampaignDetector:
        """The detector, caught up with every message applied to this store so far."""
        advisory_xact_lock(conn, LOCK_KEY)
        self.engine = conn.engine
        if self.detector is not None and state_epoch(conn) != self.epoch:
            log.info("campaign state predates an erasure or purge; rebuilding it from the database")
            self.detector = None
        if self.detector is not None and self.seq and _pk_at(conn, self.seq) != self.seq_pk:
            log.warning(
                "campaign state ends with message %s at seq %d, which this database does not hold there "
                "(the store was replaced); rebuilding it from the snapshot and the database",
                self.seq_pk,
                self.seq,
            )
            self.detector = None
        if self.detector is None:
            rebuilt = not self._load(conn)
            self._catch_up(conn)
            if rebuilt and self.epoch:
                self._adopt_ids(conn)
        else:
            self._catch_up(conn)
        assert self.detector is not None
        return self.detector

    def _load(self, conn: Connection) -> bool:
        """Start from the snapshot if it belongs to this database and epoch; whether it did."""
        head = int(conn.execute(select(func.coalesce(func.max(_messages.c.campaign_seq), 0))).scalar_one())
        epoch = state_epoch(conn)
        det, seq = None, 0
        if self.path.exists():
            try:
                det = CampaignDetector.load(self.path, self.settings)
                seq = int(det.index.extra.get("seq", 0)) if hasattr(det.index, "extra") else 0
            except (ValueError, OSError, KeyError) as exc:
                log.warning("campaign snapshot %s not used (%s); rebuilding from the database", self.path, exc)
                det, seq = None, 0
            if det is not None and seq > head:
                log.warning("campaign snapshot covers seq %d but the database ends at %d; rebuilding", seq, head)
                det, seq = None, 0
            if det is not None and int(det.index.extra.get("epoch", 0)) != epoch:  # type: ignore[attr-defined]
                log.info("campaign snapshot %s predates an erasure or purge; deleting it and rebuilding", self.path)
                self.path.unlink(missing_ok=True)  # it may hold erased texts
                det, seq = None, 0
        seq_pk = _pk_at(conn, seq) if seq else None
        if det is not None and seq:
            wrote = det.index.extra.get("seq_pk", seq_pk)  # type: ignore[attr-defined]  # absent before 0312
            if seq_pk is None or wrote != seq_pk:
                log.warning(
                    "campaign snapshot %s ends with message %s at seq %d, the database with %s; rebuilding",
                    self.path,
                    wrote,
                    seq,
                    seq_pk,
                )
                det, seq, seq_pk = None, 0, None
        self.detector = det or CampaignDetector(self.settings)
        self.seq = self.saved_seq = seq
        self.seq_pk = seq_pk
        self.epoch = epoch
        used = det is not None
        self.spikes = SpikeDetector(self.spike_settings)
        recent = conn.execute(
            select(_messages.c.date, _messages.c.received_at, _messages.c.topic)
            .where(_messages.c.campaign_seq.is_not(None), _messages.c.campaign_seq <= seq)
            .order_by(_messages.c.campaign_seq.desc())
            .limit(SPIKE_REPLAY)
        ).all()
        for r in reversed(recent):
            self.spikes.observe(message_time(r.date, r.received_at), r.topic)
        return used

    def _adopt_ids(self, conn: Connection) -> None:
        """After a rebuild from the database in a store that has had an erasure or purge: groups whose
        seed is gone have new ids; alias them to the campaigns their members are in (see
        :func:`execdesk.campaigns.service.adopt_campaign_ids`)."""
        assert self.detector is not None
        seeds = {
            int(g.seed_key): g.id
            for g in self.detector.index.groups.values()  # type: ignore[attr-defined]
            if g.promoted and g.seed_key.isdigit()
        }
        record_audits(conn, adopt_campaign_ids(conn, seeds))

    def _catch_up(self, conn: Connection) -> None:
        assert self.detector is not None
        n = 0
        while True:
            rows = conn.execute(
                select(*_REPLAY_COLUMNS)
                .where(_messages.c.campaign_seq > self.seq)
                .order_by(_messages.c.campaign_seq)
                .limit(_CHUNK)
            ).all()
            for r in rows:
                doc = replay_doc(r)
                self.detector.assign(doc)
                if doc.received_at is not None:
                    self.spikes.observe(doc.received_at, r.topic)
                self.seq, self.seq_pk = int(r.campaign_seq), int(r.id)
            n += len(rows)
            if len(rows) < _CHUNK:
                break
        if n:
            log.info("campaign state caught up on %d message(s), now at seq %d", n, self.seq)

    def next_seq(self, message_pk: int) -> int:
        """The sequence number of the message just applied to the detector."""
        self.seq += 1
        self.seq_pk = message_pk
        return self.seq

    # -- snapshot ---------------------------------------------------------------------------
    def after_commit(self, *, force: bool = False) -> None:
        """Snapshot the committed state now and then (a crash costs only a catch-up)."""
        det = self.detector
        if det is None or self.seq == self.saved_seq:
            return
        if not force:
            if time.monotonic() - self.saved_at < self.settings.snapshot_interval_s:
                return
            if self.seq - self.saved_seq < SNAPSHOT_GROWTH * self.seq:
                return  # a snapshot costs the whole index: write one per SNAPSHOT_GROWTH of new messages
        if self._stale():
            log.info("campaign state predates an erasure or purge; not written, rebuilt on next use")
            self.detector = None
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            det.index.extra["seq"] = self.seq  # type: ignore[attr-defined]
            det.index.extra["seq_pk"] = self.seq_pk  # type: ignore[attr-defined]
            det.index.extra["epoch"] = self.epoch  # type: ignore[attr-defined]
            det.save(self.path)
            self.saved_seq, self.saved_at = self.seq, time.monotonic()
        except (OSError, TypeError):
            log.exception("campaign snapshot %s not written (state is rebuilt from the database)", self.path)

    def _stale(self) -> bool:
        """Whether an erasure or purge committed since this state was built (checked before a snapshot:
        a process that ingested before it must not write the erased texts back to disk)."""
        if self.engine is None:
            return False
        with self.engine.connect() as conn:
            return state_epoch(conn) != self.epoch


_RUNTIMES: dict[tuple[str, str], CampaignRuntime] = {}
_RUNTIMES_LOCK = Lock()


def runtime_for(db_url: str, home: Path, settings: CampaignSettings, spikes: SpikeSettings) -> CampaignRuntime:
    """The process-wide runtime of one store (by database URL and home)."""
    key = (db_url, str(home))
    with _RUNTIMES_LOCK:
        rt = _RUNTIMES.get(key)
        if rt is None or rt.settings != settings or rt.spike_settings != spikes:
            rt = _RUNTIMES[key] = CampaignRuntime(settings, spikes, home)
        return rt


def forget_runtime(db_url: str, home: Path, *, delete_snapshot: bool = False) -> None:
    """Drop a store's runtime (tests; erasure and restore, which must rebuild from the database)."""
    with _RUNTIMES_LOCK:
        _RUNTIMES.pop((db_url, str(home)), None)
    if delete_snapshot:
        (home / "campaigns" / SNAPSHOT_NAME).unlink(missing_ok=True)


def flush_runtime(db_url: str, home: Path) -> None:
    """Snapshot a store's campaign state now (end of an import, shutdown of a listener)."""
    with _RUNTIMES_LOCK:
        rt = _RUNTIMES.get((db_url, str(home)))
    if rt is not None:
        with rt.lock:
            rt.after_commit(force=True)
