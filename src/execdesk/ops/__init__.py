"""Operations and privacy: backup and restore, erasure, retention and legal hold, metrics, doctor.

Each module holds one job; the CLI (``cli/ops_cmds.py``) and the web route (``web/routes/ops.py``)
are thin shells over them. See docs/OPERATIONS.md.
"""
