"""Workers on a task queue (procrastinate on PostgreSQL; docs/decisions/1000-task-queue.md).

Sources store raw bytes durably and enqueue a small ingest task (:mod:`.intake`); ``execdesk
worker`` runs those tasks (:mod:`.runner`), which call the same ingest core as every other
source (:mod:`.ingest`). Off by default: without ``queue.backend`` nothing here is used.
"""
