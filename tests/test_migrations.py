"""Schema migrations: the Alembic head is the revision the code expects, the migrated schema
is exactly the tables the code uses, and ``govflow db`` creates, upgrades and reports it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from govflow.cli import main
from govflow.store import migrations
from govflow.store.connect import connect, upgrade
from govflow.store.tables import SCHEMA_REVISION, metadata
from tests.test_crash import postgres_url


def test_head_is_the_revision_the_code_expects() -> None:
    """The newest migration is the schema revision the tables module names."""
    assert migrations.head() == SCHEMA_REVISION


def test_migrations_ship_inside_the_package() -> None:
    """The env and revision files are in the package folder, found without alembic.ini."""
    assert (migrations.HERE / "env.py").is_file()
    assert (migrations.HERE / "versions" / f"{SCHEMA_REVISION}.py").is_file()


def _diff(conn: sa.engine.Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return [d for d in compare_metadata(context, metadata)
            if not (isinstance(d, tuple) and d[0] == "remove_table" and
                    d[1].name == "alembic_version")]


def test_migrated_sqlite_schema_matches_the_tables(tmp_path: Path) -> None:
    """An upgraded SQLite database has exactly the tables, columns and indexes of the code."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert upgrade(url) == (None, SCHEMA_REVISION)
    db = connect(url)
    with db.engine.connect() as conn:
        assert _diff(conn) == []
    db.engine.dispose()


@pytest.mark.postgres
def test_migrated_postgres_schema_matches_the_tables() -> None:
    """An upgraded PostgreSQL schema has exactly the tables, columns and indexes of the code."""
    schema = f"gf_test_{uuid.uuid4().hex[:12]}"
    url = postgres_url()
    assert upgrade(url, schema=schema) == (None, SCHEMA_REVISION)
    db = connect(url, schema=schema)
    try:
        with db.engine.connect() as conn:
            assert _diff(conn) == []
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        db.engine.dispose()


def test_downgrade_removes_everything_and_upgrade_restores_it(tmp_path: Path) -> None:
    """Downgrading to base leaves only Alembic's table; upgrading again brings the schema back."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    db = connect(url)
    with db.engine.begin() as conn:
        migrations.downgrade(conn, "base")
    with db.engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == ["alembic_version"]
        assert migrations.current(conn) is None
    db.engine.dispose()
    assert upgrade(url) == (None, SCHEMA_REVISION)


def test_db_commands_create_and_report_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """`govflow db current` fails on a missing database (and leaves no file), `upgrade`
    creates it, then it passes."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["db", "current", "--store", url]) == 1
    assert "govflow db upgrade" in capsys.readouterr().err
    assert not (tmp_path / "cli.db").exists()
    assert main(["db", "upgrade", "--store", url]) == 0
    assert f"upgraded from (empty) to {SCHEMA_REVISION}" in capsys.readouterr().out
    assert main(["db", "upgrade", "--store", url]) == 0
    assert "already at" in capsys.readouterr().out
    assert main(["db", "current", "--store", url]) == 0
    assert "(current)" in capsys.readouterr().out


def test_db_command_errors_hide_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    """A database that cannot be reached is reported without its password, exit code 1."""
    code = main(["db", "upgrade", "--store", "postgresql+psycopg://gov:Sesame99@127.0.0.1:1/x"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Sesame99" not in err and "gov:***@127.0.0.1:1/x" in err


def test_party_revision_adds_and_removes_only_its_tables(tmp_path: Path) -> None:
    """Upgrading from the revision before 0007_party adds party_orgs and households (and
    keeps a stored grid); downgrading back drops just those two."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = migrations.config()
    assert isinstance(cfg, Config)
    before = ScriptDirectory.from_config(cfg).get_revision("0007_party").down_revision
    assert isinstance(before, str)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, revision=before)
    db = connect(url)
    with db.engine.begin() as conn:
        old = set(sa.inspect(conn).get_table_names())
        conn.exec_driver_sql("INSERT INTO grid_nodes VALUES ('410102', NULL, 0, '中原区', 0, NULL)")
        migrations.upgrade(conn, "0007_party")
    with db.engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) - old == {"party_orgs", "households"}
        assert conn.exec_driver_sql("SELECT name FROM grid_nodes").scalar() == "中原区"
    with db.engine.begin() as conn:
        migrations.downgrade(conn, before)
    with db.engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) == old
        assert migrations.current(conn) == before
    db.engine.dispose()
