"""Checking the database's schema revision when a store opens, and creating a new one."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from govflow.errors import SchemaVersionError
from govflow.store.tables import SCHEMA_REVISION


def current_revision(conn: Connection) -> str | None:
    """The Alembic revision stored in the database, or ``None`` for a database without one."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    found: str | None = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return found


def check_schema(conn: Connection, url: str, create: bool | None, schema: str | None) -> None:
    """Accept the current revision; create an empty database when allowed; refuse the rest.

    ``create=None`` creates only an empty SQLite database (the embedded default).
    """
    dialect = conn.dialect.name
    if dialect == "postgresql" and schema is not None and create:
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    found = current_revision(conn)
    if found == SCHEMA_REVISION:
        return
    upgrade = f"run `govflow db upgrade --store {url}`"
    if found is not None:
        raise SchemaVersionError(
            f"the database at {url} has schema revision {found!r} but this govflow needs "
            f"{SCHEMA_REVISION!r}; {upgrade} (or, if the database is newer, upgrade govflow)"
        )
    empty = not sa.inspect(conn).get_table_names()
    if create is None:
        create = dialect == "sqlite"
    if empty and create:
        from govflow.store import migrations

        migrations.upgrade(conn)
        return
    if empty:
        raise SchemaVersionError(f"the database at {url} has no govflow schema yet; {upgrade}")
    raise SchemaVersionError(
        f"the database at {url} has tables but no govflow schema revision (is it another "
        f"application's database?); point govflow at an empty database and {upgrade}"
    )
