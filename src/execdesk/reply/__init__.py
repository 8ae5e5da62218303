"""Reply stage: drafting, the tone guard, approval and sending.

The tone guard (``execdesk.reply.tone``) is pure and fast: every outgoing text passes it.
Drafts, approval and the outbox go through ``execdesk.reply.service`` (one write path, audited).
"""
