"""Alembic environment: runs on the connection govflow hands over, or on ``sqlalchemy.url``."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from govflow.store.tables import metadata


def _run(connection: sa.engine.Connection) -> None:
    context.configure(
        connection=connection, target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Offline: print SQL; online: migrate the given connection or a new one from the URL."""
    config = context.config
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"),
                          target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


main()
