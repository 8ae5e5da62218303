"""Ingest: every source (files, IMAP, SMTP) ends in :meth:`IngestSession.process_message`."""
