"""Contacts: one per normalised sender address. Written in bulk by :mod:`execdesk.cases.intake`,
read as history by :mod:`execdesk.cases.history`; this module says what an address is."""

from __future__ import annotations


def normalise_address(address: str | None) -> str | None:
    """Lower-case, trimmed addr-spec. No provider-specific tricks (dots, +tags): they are
    different mailboxes to the sender's provider and we must not merge people."""
    if not address:
        return None
    addr = address.strip().strip("<>").strip().lower()
    return addr if "@" in addr and len(addr) <= 320 else None
