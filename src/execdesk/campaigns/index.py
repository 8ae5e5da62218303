"""Where the campaign stage keeps its state: the :class:`CampaignIndex` protocol and an
in-memory implementation that snapshots to one file.

The detector never touches storage directly; it asks the index for LSH candidates, adds
signatures and reads/writes :class:`GroupState`. A shared store (PostgreSQL rows keyed by band
hash, or Redis sets) can implement the same protocol for several workers.

Memory is bounded by design: a message's signature is kept as 16-bit b-bit MinHash values
(2 bytes per permutation; the Jaccard estimate is corrected for the 1/65536 chance match),
band keys are 32-bit in a bucket table (8 bytes per bucket, the most recent message wins a
bucket, capped at 2**25 buckets = 256 MB), and members of a campaign are indexed only while they add variety
(``max_indexed_members``), so a 300,000-message flood costs a few kilobytes.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from execdesk.campaigns import native
from execdesk.campaigns.model import GroupState

SNAPSHOT_FORMAT = 2


@dataclass(slots=True)
class Candidates:
    """Indexed messages that share at least one LSH band with a query, most shared bands first."""

    slots: np.ndarray  # int64 handles of indexed messages
    signatures: np.ndarray  # (n, num_perm) uint16 b-bit MinHash values
    sizes: np.ndarray  # (n,) distinct shingle counts
    keys: list[str]
    groups: list[str | None]
    senders: np.ndarray  # (n,) uint32 sender ids
    # b-bit values equal to the query's signature, per candidate, when the index counted them (compiled
    # path of the in-memory index); None: the caller compares ``signatures`` itself
    same: list[int] | None = None


_NO_CANDIDATES: dict[int, Candidates] = {}


def _no_candidates(num_perm: int) -> Candidates:
    """The empty answer (shared, read-only arrays: most messages have no candidate)."""
    empty = np.empty(0, np.int64)
    empty.flags.writeable = False
    sigs = np.empty((0, num_perm), np.uint16)
    sigs.flags.writeable = False
    _NO_CANDIDATES[num_perm] = Candidates(empty, sigs, empty, [], [], empty)
    return _NO_CANDIDATES[num_perm]


class CampaignIndex(Protocol):
    """Storage the detector needs. Implementations must be safe to call in arrival order only;
    several workers need a store that serialises ``add`` and ``put_group`` per group. The arrays passed
    in (signature, bands) may be the detector's scratch arrays: copy what must outlive the call."""

    def query(self, bands: np.ndarray, limit: int) -> Candidates: ...

    def add(
        self,
        key: str,
        signature: np.ndarray,
        size: int,
        sender: int,
        bands: np.ndarray | None,
        group: str | None,
    ) -> int: ...

    def set_group(self, slot: int, group: str) -> None: ...

    def get_group(self, group_id: str) -> GroupState | None: ...

    def put_group(self, group: GroupState) -> None: ...

    def __len__(self) -> int: ...


class BandTable:
    """Bucket table: band key -> the most recent indexed message with that band (lossy, flat cost).

    Each bucket holds one message (``keys`` keeps the full 32-bit band key to reject bucket
    collisions; ``vals`` holds slot + 1, 0 = empty); a later message with the same band replaces
    the earlier one. Candidate lists are therefore bounded by the number of bands, whatever the
    index size, and lookups and inserts touch one bucket per band (24). The table doubles
    while it is more than half full, up to ``max_bits``; beyond that old entries are overwritten,
    which forgets the oldest singletons first (campaigns stay reachable through their recent or
    representative members). See docs/decisions/0304-flat-cost-index.md.
    """

    def __init__(self, capacity: int = 1 << 16, max_bits: int = 25) -> None:
        cap = 1 << max(4, (capacity - 1).bit_length())
        self.keys = np.zeros(cap, dtype=np.uint32)
        self.vals = np.zeros(cap, dtype=np.uint32)
        self.count = 0
        self.max_bits = max_bits
        self._k = native.load()  # compiled lookup/insert (the same results), or None
        self.rebind()

    def rebind(self) -> None:
        """Refresh the scalar views after ``keys``/``vals`` were replaced (growth, snapshot load).

        A message touches 24 buckets: a loop over memoryviews of the numpy arrays (plain ints) costs
        less than the ~10 numpy calls a vectorised gather/scatter of 24 elements needs."""
        self._kv = memoryview(self.keys)  # type: ignore[arg-type]  # numpy arrays export the buffer protocol
        self._vv = memoryview(self.vals)  # type: ignore[arg-type]
        self._mask = len(self.keys) - 1

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        return np.array(self.lookup_list(keys.tolist()), dtype=np.int64)

    def lookup_list(self, keys: list[int]) -> list[int]:
        """Slots of the messages holding these band keys (one per hit bucket, repeats possible)."""
        kv, vv, mask = self._kv, self._vv, self._mask
        out = []
        for k in keys:
            v = vv[k & mask]
            if v and kv[k & mask] == k:
                out.append(v - 1)
        return out

    def insert(self, keys: np.ndarray, value: int) -> None:
        if self._k is not None:  # the same writes and count, compiled
            self.count += self._k.band_insert(self.keys, self.vals, keys, value)
            self.grow_if_full()
            return
        self.insert_list(keys.tolist(), value)

    def grow_if_full(self) -> None:
        if self.count * 2 > len(self.keys) and len(self.keys) < (1 << self.max_bits):
            self._grow()

    def insert_list(self, keys: list[int], value: int) -> None:
        kv, vv, mask = self._kv, self._vv, self._mask
        # empty buckets among the targets, counted before writing (a bucket hit twice counts twice)
        self.count += sum(1 for k in keys if not vv[k & mask])
        v = value + 1
        for k in keys:
            kv[k & mask] = k
            vv[k & mask] = v
        if self.count * 2 > len(self.keys) and len(self.keys) < (1 << self.max_bits):
            self._grow()

    def _grow(self) -> None:
        occupied = self.vals != 0
        keys, vals = self.keys[occupied], self.vals[occupied]
        order = np.argsort(vals, kind="stable")  # older first, so the most recent wins a shared bucket
        keys, vals = keys[order], vals[order]
        self.keys = np.zeros(len(self.keys) * 2, dtype=np.uint32)
        self.vals = np.zeros(len(self.vals) * 2, dtype=np.uint32)
        pos = keys & np.uint32(len(self.keys) - 1)
        self.keys[pos] = keys
        self.vals[pos] = vals
        self.count = int(np.count_nonzero(self.vals))
        self.rebind()

    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.vals.nbytes)


class InMemoryCampaignIndex:
    """The embedded index: numpy arrays plus a dict of groups; ``save``/``load`` one snapshot file."""

    def __init__(self, num_perm: int, fingerprint: dict[str, Any] | None = None) -> None:
        self.num_perm = num_perm
        self.fingerprint = fingerprint or {}
        self.table = BandTable()
        self._sigs = np.zeros((1024, num_perm), dtype=np.uint16)
        self._sizes = np.zeros(1024, dtype=np.uint32)
        self._senders = np.zeros(1024, dtype=np.uint32)
        self._keys: list[str] = []
        self._groups: list[str | None] = []
        self.groups: dict[str, GroupState] = {}
        self.watermark: str | None = None  # received_at (ISO) of the last assigned message
        self.extra: dict[str, Any] = {}  # other in-process state saved with the snapshot (trigger families)
        self._slots_out = np.zeros(32, dtype=np.int64)  # band_query's output (copied out per query)
        self._same_out = np.zeros(32, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._keys)

    def query(self, bands: np.ndarray, limit: int, signature: np.ndarray | None = None) -> Candidates:
        """Candidates of a message's band keys; with ``signature`` (its b-bit values) and the compiled
        kernels, ``Candidates.same`` counts each candidate's values equal to it (one compiled call)."""
        k = self.table._k
        if k is not None and signature is not None:
            if len(self._slots_out) < len(bands):
                self._slots_out = np.zeros(len(bands), dtype=np.int64)
                self._same_out = np.zeros(len(bands), dtype=np.int64)
            n = k.band_query(
                self.table.keys, self.table.vals, bands, limit, self._sigs, signature, self._slots_out, self._same_out
            )
            if not n:
                return _NO_CANDIDATES.get(self.num_perm) or _no_candidates(self.num_perm)
            return self._candidates(self._slots_out[:n].copy(), self._same_out[:n].tolist())
        if k is not None:  # the same slots, looked up compiled
            slots = k.band_lookup(self.table.keys, self.table.vals, bands, limit)
            if not len(slots):
                return _NO_CANDIDATES.get(self.num_perm) or _no_candidates(self.num_perm)
        else:
            hits = self.table.lookup_list(bands.tolist())
            if not hits:
                return _NO_CANDIDATES.get(self.num_perm) or _no_candidates(self.num_perm)
            slots = np.array(sorted(set(hits))[:limit], dtype=np.int64)
        return self._candidates(slots)

    def _candidates(self, slots: np.ndarray, same: list[int] | None = None) -> Candidates:
        """The indexed messages at ``slots`` (int64 handles, in answer order) as :class:`Candidates`."""
        uniq = slots.tolist()
        return Candidates(
            slots,
            self._sigs[slots],
            self._sizes[slots],
            [self._keys[s] for s in uniq],
            [self._groups[s] for s in uniq],
            self._senders[slots],
            same,
        )

    def add(
        self,
        key: str,
        signature: np.ndarray,
        size: int,
        sender: int,
        bands: np.ndarray | None,
        group: str | None,
    ) -> int:
        slot = len(self._keys)
        if slot >= len(self._sizes):
            grow = max(1024, len(self._sizes) // 2)
            self._sigs = np.concatenate([self._sigs, np.zeros((grow, self.num_perm), np.uint16)])
            self._sizes = np.concatenate([self._sizes, np.zeros(grow, np.uint32)])
            self._senders = np.concatenate([self._senders, np.zeros(grow, np.uint32)])
        table = self.table
        if table._k is not None and bands is not None:  # the same writes, in one compiled call
            table.count += table._k.index_add(
                self._sigs, self._sizes, self._senders, slot, signature, size, sender, table.keys, table.vals, bands
            )
            self._keys.append(key)
            self._groups.append(group)
            table.grow_if_full()
            return slot
        self._sigs[slot] = signature
        self._sizes[slot] = size
        self._senders[slot] = sender
        self._keys.append(key)
        self._groups.append(group)
        if bands is not None:
            self.table.insert(bands, slot)
        return slot

    def set_group(self, slot: int, group: str) -> None:
        self._groups[slot] = group

    def get_group(self, group_id: str) -> GroupState | None:
        return self.groups.get(group_id)

    def put_group(self, group: GroupState) -> None:
        self.groups[group.id] = group

    def nbytes(self) -> int:
        """Bytes held by the numpy arrays (Python objects come on top)."""
        return self.table.nbytes() + int(self._sigs.nbytes + self._sizes.nbytes + self._senders.nbytes)

    # -- persistence -------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write a snapshot atomically (temporary file, fsync, rename): a crash keeps the old one."""
        n = len(self._keys)
        meta = {
            "format": SNAPSHOT_FORMAT,
            "num_perm": self.num_perm,
            "fingerprint": self.fingerprint,
            "watermark": self.watermark,
        }
        blob = {
            "meta": json.dumps(meta),
            "keys": json.dumps(self._keys),
            "slot_groups": json.dumps(self._groups),
            "groups": json.dumps([g.to_json() for g in self.groups.values()]),
            "extra": json.dumps(self.extra),
        }
        arrays: dict[str, np.ndarray] = {name: np.frombuffer(t.encode(), dtype=np.uint8) for name, t in blob.items()}
        buf = io.BytesIO()
        arrays.update(
            table_keys=self.table.keys,
            table_vals=self.table.vals,
            sigs=self._sigs[:n],
            sizes=self._sizes[:n],
            senders=self._senders[:n],
        )
        np.savez(buf, allow_pickle=False, **arrays)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(buf.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, fingerprint: dict[str, Any] | None = None) -> InMemoryCampaignIndex:
        """Read a snapshot; refuses one made with different shingling/MinHash settings."""
        with np.load(path, allow_pickle=False) as data:

            def text(name: str) -> Any:
                return json.loads(bytes(data[name]).decode())

            meta = text("meta")
            if meta.get("format") != SNAPSHOT_FORMAT:
                raise ValueError(
                    f"campaign index {path}: snapshot format {meta.get('format')!r}, this version reads "
                    f"{SNAPSHOT_FORMAT}; rebuild it (replay the stored messages)"
                )
            if fingerprint is not None and meta["fingerprint"] != fingerprint:
                raise ValueError(
                    f"campaign index {path} was built with {meta['fingerprint']}, settings now give {fingerprint}; "
                    "rebuild it (replay the stored messages)"
                )
            index = cls(int(meta["num_perm"]), meta["fingerprint"])
            index.watermark = meta.get("watermark")
            index.table.keys = data["table_keys"].copy()
            index.table.vals = data["table_vals"].copy()
            index.table.count = int(np.count_nonzero(index.table.vals))
            index.table.rebind()
            sigs, sizes = data["sigs"], data["sizes"]
            cap = max(1024, len(sizes) + len(sizes) // 2)
            index._sigs = np.zeros((cap, index.num_perm), dtype=np.uint16)
            index._sigs[: len(sizes)] = sigs
            index._sizes = np.zeros(cap, dtype=np.uint32)
            index._sizes[: len(sizes)] = sizes
            index._senders = np.zeros(cap, dtype=np.uint32)
            index._senders[: len(sizes)] = data["senders"]
            index._keys = text("keys")
            index._groups = text("slot_groups")
            index.groups = {g["id"]: GroupState.from_json(g) for g in text("groups")}
            index.extra = text("extra")
        return index
