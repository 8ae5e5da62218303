"""Persistence: the database (SQLAlchemy 2 + Alembic) and the content-addressed blob store.

Only this package and the service functions in ``execdesk.cases`` write to the database.
"""

from execdesk.store.blobs import BlobStore
from execdesk.store.db import Store

__all__ = ["BlobStore", "Store"]
