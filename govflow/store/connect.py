"""Opening a database from a store URL: the SQLAlchemy engine, SQLite pragmas, error mapping.

Shared by :class:`~govflow.store.sql.SqlStore` and ``govflow db``. Every SQLAlchemy or DBAPI
error leaves through :meth:`Database.guard` as a :class:`~govflow.errors.StoreError` that
names the URL with its password replaced by ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from govflow.errors import ContentionError, StoreError
from govflow.store.url import backend, redact, resolve

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_SYNC = ("off", "normal", "full", "extra")


@dataclass(frozen=True, slots=True)
class Database:
    """An open SQLAlchemy engine and how to show it (``url`` is redacted)."""

    engine: Engine
    url: str
    backend: str
    schema: str | None
    password: str | None

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Turn any SQLAlchemy/DBAPI error into a StoreError that shows no password."""
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            raise self.error(what, exc) from exc

    def error(self, what: str, exc: BaseException) -> StoreError:
        """A StoreError for ``exc``: the driver's first line, the URL, no secret."""
        orig = getattr(exc, "orig", None) or exc
        text = str(orig).strip()
        first = text.splitlines()[0] if text else ""
        message = redact(f"{what} failed on {self.url}: {type(orig).__name__}: {first}")
        if self.password:
            message = message.replace(self.password, "***")
        if getattr(orig, "sqlstate", None) in _CONTENTION:
            return ContentionError(message)
        return StoreError(message)


#: PostgreSQL aborted the transaction to settle contention: deadlock, serialization failure
_CONTENTION = frozenset({"40P01", "40001"})


def connect(url: str | None, *, schema: str | None = None,
            busy_timeout: float = 10.0) -> Database:
    """Parse ``url`` (``None``: the default SQLite file) and make an engine; no I/O yet.

    URL query options govflow reads itself: ``schema`` (PostgreSQL schema to work in) and
    ``synchronous`` (SQLite: off, normal — the default —, full, extra).
    """
    raw = resolve(url)
    shown = redact(raw)
    kind = backend(raw)
    if kind not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported store URL {shown}: use sqlite:///FILE.db or "
            f"postgresql+psycopg://USER@HOST/DB (or memory:// for the in-memory store)"
        )
    try:
        parsed = sa.make_url(raw)
    except sa.exc.ArgumentError:
        raise StoreError(f"cannot parse store URL {shown}") from None
    query = dict(parsed.query)
    schema = schema or _one(query.pop("schema", None))
    sync = (_one(query.pop("synchronous", None)) or "normal").lower()
    if sync not in _SYNC:
        raise StoreError(f"store URL {shown}: synchronous must be one of {', '.join(_SYNC)}")
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise StoreError(f"schema name {schema!r} is not a plain SQL identifier")
    parsed = parsed.set(query=query)
    if kind == "postgresql":
        args = {"options": f"-csearch_path={schema}"} if schema is not None else {}
        engine = sa.create_engine(parsed, connect_args=args)
    else:
        engine = _sqlite_engine(parsed, sync, busy_timeout)
    return Database(engine, shown, kind, schema, parsed.password)


def _one(value: str | tuple[str, ...] | None) -> str | None:
    return value[-1] if isinstance(value, tuple) else value


def _sqlite_engine(url: sa.URL, sync: str, busy_timeout: float) -> Engine:
    """SQLite in WAL mode, where govflow (not the driver) decides when to BEGIN.

    Writes run in ``BEGIN IMMEDIATE`` (execution option ``govflow_begin``): the write lock is
    taken first, so two writers queue on ``busy_timeout`` instead of failing later with a
    stale snapshot. Reads run without a transaction (each statement is atomic).
    """
    in_memory = url.database in (None, "", ":memory:")
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False},
        poolclass=sa.pool.StaticPool if in_memory else sa.pool.QueuePool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")  # first: WAL may wait
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={sync.upper()}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        begin = conn.get_execution_options().get("govflow_begin", "BEGIN")
        if begin:
            conn.exec_driver_sql(begin)

    return engine


def upgrade(url: str | None, *, schema: str | None = None,
            revision: str = "head") -> tuple[str | None, str | None]:
    """Create or upgrade the database to ``revision``; returns (before, after) revisions."""
    from govflow.store import migrations
    from govflow.store.schema import current_revision

    db = connect(url, schema=schema)
    try:
        with db.guard("upgrading the schema"), \
                db.engine.execution_options(govflow_begin="BEGIN IMMEDIATE").begin() as conn:
            if db.backend == "postgresql" and db.schema is not None:  # given or ?schema=
                conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"')
            before = current_revision(conn)
            migrations.upgrade(conn, revision)
            after = current_revision(conn)
    finally:
        db.engine.dispose()
    return before, after


def revision(url: str | None, *, schema: str | None = None) -> str | None:
    """The schema revision the database is at (``None``: no govflow schema)."""
    from govflow.store.schema import current_revision

    db = connect(url, schema=schema)
    try:
        with db.guard("reading the schema revision"), db.engine.connect() as conn:
            return current_revision(conn)
    finally:
        db.engine.dispose()
