"""The Alembic migrations of the store, run from code (no ``alembic.ini`` needed).

``govflow db upgrade`` and ``SqlStore(url, create=True)`` call :func:`upgrade`; the revision
files live in ``versions/`` beside this module and ship inside the package.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Connection

HERE = Path(__file__).resolve().parent


def config(connection: Connection | None = None, url: str | None = None) -> object:
    """An Alembic ``Config`` for these migrations, bound to ``connection`` (or ``url``)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database behind ``connection`` to ``revision``, in its transaction."""
    from alembic import command
    from alembic.config import Config

    cfg = config(connection)
    assert isinstance(cfg, Config)
    command.upgrade(cfg, revision)


def downgrade(connection: Connection, revision: str) -> None:
    """Downgrade the database behind ``connection`` to ``revision`` (``"base"``: empty)."""
    from alembic import command
    from alembic.config import Config

    cfg = config(connection)
    assert isinstance(cfg, Config)
    command.downgrade(cfg, revision)


def current(connection: Connection) -> str | None:
    """The revision the database is at, or ``None`` when it has no ``alembic_version`` table."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    """The newest revision in ``versions/``."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = config()
    assert isinstance(cfg, Config)
    found = ScriptDirectory.from_config(cfg).get_current_head()
    assert found is not None, "no migration in govflow/store/migrations/versions"
    return found
