"""Schema migrations: the code's idea of the head equals the scripts'; a fresh database migrates."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from execdesk.store.db import SCHEMA_HEAD, alembic_config
from execdesk.store.models import Base


def test_schema_head_constant_matches_the_migration_scripts(store) -> None:  # type: ignore[no-untyped-def]
    script = ScriptDirectory.from_config(alembic_config(store.engine))
    assert script.get_heads() == [SCHEMA_HEAD]


def test_fresh_database_is_migrated_to_every_table_of_the_models(store) -> None:  # type: ignore[no-untyped-def]
    assert store.current_revision() == SCHEMA_HEAD
    assert store.pending_migrations() == []
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_models_and_migrations_agree(store) -> None:  # type: ignore[no-untyped-def]
    """Autogenerate finds nothing to do: every model change has its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from execdesk.search.schema import include_object  # the search index is no model (migration 0008)

    with store.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"include_object": include_object}), Base.metadata
        )
    assert diff == []
