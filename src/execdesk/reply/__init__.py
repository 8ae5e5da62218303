"""Reply stage: drafting, the tone guard, approval and sending.

The tone guard (``execdesk.reply.tone``) is pure and fast: every outgoing text passes it.
``drafting`` (templates, executive voice, the case's context) and ``similar`` (precedents from
resolved cases) make the text; ``service.draft_reply`` stores it; ``outbox`` is the one audited
write path of the policy (draft, blocked, approved, queued); ``send`` delivers over SMTP,
idempotently; ``ack`` sends loop-safe automatic acknowledgments; ``bounces`` links delivery
reports back to the case; ``hooks.after_ingest`` runs the last two after an ingest commit.
"""
