"""What the reply stage does after an ingest commit, in one call for the ingest commands and workers.

Order matters: bounces are linked first (a bounce is machine mail and never acknowledged
anyway, but linking it marks the reply ``bounced`` before anyone looks), then acknowledgments.
Both run in their own transactions, after the messages are durable: a failure here never
loses or re-imports mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from execdesk.reply.ack import AckDecision, auto_acknowledge
from execdesk.reply.bounces import BounceLink, link_bounces
from execdesk.settings import Settings
from execdesk.store.db import Store


@dataclass
class AfterIngest:
    bounces: list[BounceLink] = field(default_factory=list)
    acks: list[AckDecision] = field(default_factory=list)


def after_ingest(store: Store, message_pks: list[int], settings: Settings | None = None) -> AfterIngest:
    """Link bounces of our replies to their cases, then queue automatic acknowledgments (if enabled)."""
    settings = settings or store.settings
    done = AfterIngest(bounces=link_bounces(store, message_pks), acks=auto_acknowledge(store, settings, message_pks))
    if settings.queue.backend != "none" and any(a.outcome == "queued" for a in done.acks):
        from execdesk.workers.periodic import request_send

        request_send(settings)  # committed above: a worker sends them within seconds, not at the next tick
    return done
