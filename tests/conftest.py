"""Shared fixtures: a simulated clock, stores of every kind, an engine on the district's file.

The ``store`` fixture runs a test once per store: memory, a SQLite file, and PostgreSQL when
``GOVFLOW_TEST_POSTGRES_URL`` names a server. Without that variable the PostgreSQL runs are
skipped with a message saying how to run them, except in CI (``CI=true``), where a skipped
PostgreSQL test would hide a broken database and fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from govflow import Engine, SimClock
from govflow.store.base import Store
from govflow.store.sql import SqlStore

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SHANGHAI = ZoneInfo("Asia/Shanghai")
POSTGRES_ENV = "GOVFLOW_TEST_POSTGRES_URL"

#: the real ``govflow serve`` process fixture (``service``) and its helpers
pytest_plugins = ["tests.service_fixtures"]
STORE_KINDS = ("memory", "sqlite", "postgresql")


def postgres_url() -> str:
    """The test server's URL, or skip (fail in CI) when none is configured."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = (
            f"PostgreSQL tests need {POSTGRES_ENV}, e.g. "
            f"{POSTGRES_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (in CI a skipped PostgreSQL test is a failure)")
        pytest.skip(message)
    return url


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """The URL of a PostgreSQL schema of its own (``prefix`` and a random part), dropped
    after, for tests that hand a URL to a server process."""
    url = f"{postgres_url()}?schema={prefix}_{uuid.uuid4().hex[:10]}"
    try:
        yield url
    finally:
        SqlStore(url).drop_schema()


def make_store(kind: str, tmp_path: Path) -> Store:
    """A fresh, empty store of ``kind`` (PostgreSQL: a schema of its own, dropped after)."""
    if kind == "memory":
        from govflow.store.memory import MemoryStore

        return MemoryStore()
    from govflow.store.sql import SqlStore

    if kind == "sqlite":
        return SqlStore(f"sqlite:///{tmp_path / 'govflow.db'}", create=True)
    return SqlStore(postgres_url(), schema=f"gf_test_{uuid.uuid4().hex[:12]}", create=True)


@pytest.fixture
def clock() -> SimClock:
    """Tuesday 2026-09-29 09:00 in Shanghai: two days before National Day."""
    return SimClock(datetime(2026, 9, 29, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of each kind in turn."""
    made = make_store(request.param, tmp_path)
    yield made
    drop = getattr(made, "drop_schema", None)
    if callable(drop):
        drop()
    made.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """An empty SQL store on SQLite, then on PostgreSQL (a schema of its own, dropped)."""
    made = make_store(request.param, tmp_path)
    assert isinstance(made, SqlStore)
    yield made
    made.drop_schema()
    made.close()


@pytest.fixture
def memory_store() -> Store:
    """Just the in-memory store (for tests about the engine's logic alone)."""
    from govflow.store.memory import MemoryStore

    return MemoryStore()


@pytest.fixture
def district_workflows() -> Path:
    """The district's own workflows file at the repository root."""
    return ROOT / "workflows.yaml"


@pytest.fixture
def engine(district_workflows: Path, store: Store, clock: SimClock) -> Iterator[Engine]:
    """An engine on the district's workflows, over each store in turn."""
    made = Engine(district_workflows, store=store, clock=clock)
    yield made


@pytest.fixture
def shared_data() -> Path:
    """The real case records beside the project (read-only)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data folder {SHARED_DATA.name!r} is not beside the project")
    return SHARED_DATA
