"""Cases and contacts: threading messages into cases, contact history, and the one write path
(:mod:`execdesk.cases.service`) through which every case state change goes, with its audit event."""
