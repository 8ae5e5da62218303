"""Full-text search over messages, one core for the web page, the API and ``execdesk search``.

``query.search(conn, text, ...)`` finds messages (subject, new text, sender, case reference) with
SQLite FTS5 or PostgreSQL full-text search; ``snippet`` marks the matched words; ``index`` is the
index's maintenance (``remove`` for ``execdesk forget``, ``rebuild``). The index is created and
kept current by the database itself (migrations 0008 and 0011): see docs/decisions/0720 and 0722.
"""
