"""The durable store: SQLAlchemy 2 Core on a SQLite file (default) or PostgreSQL.

One :meth:`SqlStore.commit` is one database transaction holding every row a change writes:
the case (optimistic ``rev`` check), its event-log rows, timers set, cancelled or fired,
outbox rows and, while a webhook subscription is active, the events' webhook feed rows
(:mod:`govflow.store.webhooks`). Timers are handed to workers as leases
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; ``BEGIN IMMEDIATE``, SQLite's single writer, on
SQLite), and marked fired in the same transaction as the change they cause, so a timer
fires once whatever crashes when.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit that returned survives the
process being killed (the WAL is in the OS page cache); only a power cut or OS crash can lose
the last commits before a checkpoint. Use ``synchronous=FULL`` (``?synchronous=full`` in the
URL) when that matters more than speed.
"""

from __future__ import annotations

import os
import secrets
import socket
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from govflow.errors import (
    CaseNotFound,
    ConflictError,
    DeadLetterGone,
    GridError,
    ServiceError,
    StoreError,
)
from govflow.records import ApiKey, Case, Change, DeadLetter, Event, Message, Timer
from govflow.store import statements as q
from govflow.store.changes import Plan, plan
from govflow.store.connect import connect
from govflow.store.query import CasePage, CaseQuery
from govflow.store.reads import CaseReader
from govflow.store.schema import check_schema
from govflow.store.tables import (
    api_keys,
    cursors,
    dead_letters,
    duty,
    fit_key,
    fit_text,
    grid_nodes,
    households,
    party_orgs,
    people,
    too_long,
    workflows,
)
from govflow.store.webhooks import feed_events


class SqlStore:
    """A :class:`~govflow.store.base.Store` on SQLite or PostgreSQL.

    ``url``: ``sqlite:///govflow.db`` (the default), ``postgresql+psycopg://user@host/db``.
    ``schema``: a PostgreSQL schema to work in (also ``?schema=`` in the URL).
    ``create``: upgrade an empty database to the current schema; ``None`` (default) does so
    only for an empty SQLite database, so the embedded default just works. A database at
    another schema revision is refused with :class:`~govflow.errors.SchemaVersionError`.
    ``lease_seconds``: how long (wall-clock) a claimed timer stays with its worker before
    another may take it (the worker may have died). ``worker``: this worker's name in leases.
    """

    def __init__(
        self, url: str | None = None, *, schema: str | None = None, create: bool | None = None,
        lease_seconds: float = 30.0, worker: str | None = None, busy_timeout: float = 10.0,
    ) -> None:
        self._db = connect(url, schema=schema, busy_timeout=busy_timeout)
        self.url = self._db.url
        self.backend = self._db.backend
        self.schema = self._db.schema
        self.lease = timedelta(seconds=lease_seconds)
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._engine = self._db.engine
        self._writer = self._engine.execution_options(govflow_begin="BEGIN IMMEDIATE")
        # reads need no transaction: each is one statement (saves BEGIN/ROLLBACK round trips)
        self._reader = (self._engine.execution_options(govflow_begin="")
                        if self.backend == "sqlite"
                        else self._engine.execution_options(isolation_level="AUTOCOMMIT"))
        self._q = q.Statements(self._engine.dialect.name)
        self._cases = CaseReader(self._engine)
        # a store dropped without close() still returns its connections (no driver warnings)
        self._finalizer = weakref.finalize(self, _release, self._cases, self._engine)
        self._driver_error: type[Exception] = self._engine.dialect.loaded_dbapi.Error
        try:
            with self._guard("opening the store"), self._writer.begin() as conn:
                check_schema(conn, self.url, create, self.schema)
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"SqlStore({self.url!r})"

    # -- plumbing ------------------------------------------------------------------------
    def _guard(self, what: str) -> AbstractContextManager[None]:
        return self._db.guard(what)

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        with self._guard(what), self._writer.begin() as conn:
            yield conn

    @contextmanager
    def _read(self, what: str) -> Iterator[Connection]:
        with self._guard(what), self._reader.connect() as conn:
            yield conn

    # -- writing -------------------------------------------------------------------------
    def commit(
        self, changes: Sequence[Change], *, cursor: tuple[str, str] | None = None,
        dead_letters: Sequence[DeadLetter] = (), retired: Sequence[str] = (),
    ) -> None:
        rows = plan(changes)
        try:
            with self._write("commit") as conn:
                self._apply(conn, rows)
                if cursor is not None:
                    conn.execute(self._q.upsert_cursor,
                                 {"source": cursor[0], "position": cursor[1]})
                if dead_letters:
                    conn.execute(q.INSERT_DEAD, [_dead_row(d) for d in dead_letters])
                if retired:
                    _retire(conn, retired)
        except _Taken as taken:
            raise self._taken(taken.ids) from None

    def _apply(self, conn: Connection, rows: Plan) -> None:
        if rows.inserts:
            try:
                conn.execute(q.INSERT_CASE, rows.inserts)
            except sa.exc.IntegrityError:
                raise _Taken([row["id"] for row in rows.inserts]) from None
        if rows.updates:
            done = conn.execute(q.UPDATE_CASE, rows.updates).rowcount
            if done != len(rows.updates):
                raise self._stale(conn, rows)
        if rows.fired:
            done = conn.execute(q.FIRE_TIMER, [
                {"b_id": f["b_id"], "fired_at": f["fired_at"]} for f in rows.fired
            ]).rowcount
            if done != len(rows.fired):
                raise self._fired_twice(conn, rows)
        for cancel in rows.cancels:
            ids = cancel["b_cases"]
            for start in range(0, len(ids), 500):
                conn.execute(q.CANCEL_TIMERS,
                             {"b_cases": ids[start:start + 500], "b_kinds": cancel["b_kinds"]})
        if rows.timers:
            conn.execute(q.INSERT_TIMER, rows.timers)
        if rows.events:
            conn.execute(q.INSERT_EVENT, rows.events)
            feed_events(conn, rows.events)  # for webhooks, in this same transaction
        if rows.outbox:
            conn.execute(self._q.insert_outbox, rows.outbox)

    def _stale(self, conn: Connection, rows: Plan) -> ConflictError:
        ids = [row["b_id"] for row in rows.updates]
        found = dict(conn.execute(q.REVS, {"b_ids": ids}).all())
        for row in rows.updates:
            if found.get(row["b_id"]) != row["b_expected"]:
                return ConflictError(case_id=row["b_id"], expected=row["b_expected"],
                                     actual=found.get(row["b_id"]))
        return ConflictError(case_id=ids[0], expected=rows.updates[0]["b_expected"],
                             actual=None)

    def _fired_twice(self, conn: Connection, rows: Plan) -> ConflictError:
        ids = [f["b_id"] for f in rows.fired]
        pending = set(conn.execute(q.UNFIRED, {"b_ids": ids}).scalars().all())
        culprit = next((f for f in rows.fired if f["b_id"] not in pending), rows.fired[0])
        case_id = culprit["b_case"]
        expected = rows.expected.get(case_id)
        return ConflictError(case_id=case_id, expected=expected or 0, actual=expected)

    def _taken(self, ids: list[str]) -> ConflictError | StoreError:
        with self._read("commit") as conn:
            found = dict(conn.execute(q.REVS, {"b_ids": ids}).all())
        for case_id in ids:
            if case_id in found:
                return ConflictError(case_id=case_id, expected=0, actual=found[case_id])
        return StoreError(f"commit failed on {self.url}: a new case row was refused")

    def drop_timers(self, timer_ids: Iterable[str], at: datetime) -> None:
        params = [{"b_id": timer_id, "fired_at": at} for timer_id in timer_ids]
        if params:
            with self._write("dropping timers") as conn:
                conn.execute(q.FIRE_TIMER, params)

    def claim_due_timers(self, now: datetime, limit: int) -> list[Timer]:
        wall = datetime.now(UTC)
        params = {"b_now": now, "b_wall": wall, "b_until": wall + self.lease,
                  "b_me": self.worker, "b_n": limit}
        with self._write("claiming due timers") as conn:
            rows = conn.execute(self._q.claim, params).all()
        timers = [Timer(*row) for row in rows]
        timers.sort(key=lambda timer: (timer.due_at, timer.id))
        return timers

    def mark_delivered(self, message_ids: Iterable[str]) -> None:
        now = datetime.now(UTC)
        params = [{"b_id": message_id, "delivered_at": now} for message_id in message_ids]
        if params:
            with self._write("marking messages delivered") as conn:
                conn.execute(q.DELIVERED, params)

    def add_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        if letters:
            with self._write("keeping dead letters") as conn:
                conn.execute(q.INSERT_DEAD, [_dead_row(d) for d in letters])

    def bury_timer(self, timer_id: str, letter: DeadLetter) -> None:
        with self._write("moving a timer to the dead letters") as conn:
            conn.execute(q.CANCEL_TIMER, {"b_id": timer_id})
            conn.execute(q.INSERT_DEAD, [_dead_row(letter)])

    # -- reading -------------------------------------------------------------------------
    def get_case(self, case_id: str) -> Case:
        try:
            case = self._cases.get(case_id)
        except self._driver_error as exc:
            raise self._db.error("reading a case", exc) from exc
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def history(self, case_id: str) -> list[Event]:
        with self._read("reading a case history") as conn:
            rows = conn.execute(q.HISTORY, {"b_id": case_id}).all()
            if not rows and conn.execute(q.REVS, {"b_ids": [case_id]}).first() is None:
                raise CaseNotFound(case_id)
        return [Event(*row) for row in rows]

    def find_open_cases(
        self, *, cell: str | None = None, category: str | None = None,
        opened_after: datetime | None = None, workflow: str | None = None,
    ) -> list[Case]:
        stmt = q.open_cases(cell=cell, category=category, opened_after=opened_after,
                            workflow=workflow)
        with self._read("finding open cases") as conn:
            return [Case(*row) for row in conn.execute(stmt)]

    def pending_timers(self, case_id: str) -> list[Timer]:
        with self._read("reading timers") as conn:
            return [Timer(*row) for row in conn.execute(q.PENDING_TIMERS, {"b_id": case_id})]

    def next_due(self) -> datetime | None:
        with self._read("reading the next due timer") as conn:
            due: datetime | None = conn.execute(
                q.NEXT_DUE, {"b_wall": datetime.now(UTC)}).scalar()
        return due

    def pending_messages(self, limit: int) -> list[Message]:
        with self._read("reading the outbox") as conn:
            return [Message(*row) for row in conn.execute(q.PENDING_MESSAGES, {"b_n": limit})]

    def get_cursor(self, source: str) -> str | None:
        with self._read("reading a cursor") as conn:
            found: str | None = conn.execute(
                sa.select(cursors.c.position).where(cursors.c.source == source)).scalar()
        return found

    def dead_letters(self, source: str | None = None, *,
                     limit: int | None = None) -> list[DeadLetter]:
        stmt = q.DEAD if source is None else q.DEAD.where(dead_letters.c.source == source)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read("reading dead letters") as conn:
            return [DeadLetter(*row) for row in conn.execute(stmt)]

    def count_dead_letters(self, source: str | None = None) -> int:
        stmt = q.COUNT_DEAD if source is None else q.COUNT_DEAD.where(
            dead_letters.c.source == source)
        with self._read("counting dead letters") as conn:
            return int(conn.execute(stmt).scalar() or 0)

    def iter_cases(self) -> Iterator[Case]:
        """Every case in the order they were opened, read page by page."""
        last = 0
        while True:
            with self._read("reading cases") as conn:
                rows = conn.execute(q.CASES_PAGE, {"b_after": last, "b_n": 1000}).all()
            for row in rows:
                yield Case(*tuple(row)[1:])
            if len(rows) < 1000:
                return
            last = rows[-1][0]

    # -- workflows and the grid ----------------------------------------------------------
    def keep_workflow(self, name: str, version: int, text: str, digest: str) -> str | None:
        row = {"name": name, "version": version, "source": text, "digest": digest,
               "loaded_at": datetime.now(UTC)}
        find = sa.select(workflows.c.digest).where(
            workflows.c.name == name, workflows.c.version == version)
        with self._write("keeping a workflow version") as conn:
            kept: str | None = conn.execute(find).scalar()
            if kept is None:
                conn.execute(self._q.insert_workflow, row)
        return kept

    def workflow_versions(self) -> list[tuple[str, int, str, str]]:
        stmt = sa.select(workflows.c.name, workflows.c.version, workflows.c.source,
                         workflows.c.digest).order_by(workflows.c.name, workflows.c.version)
        with self._read("reading workflow versions") as conn:
            return [(r[0], r[1], r[2], r[3]) for r in conn.execute(stmt)]

    def save_workflow(self, name: str, version: int, text: str) -> None:
        """Keep the source text of a workflow version (replacing an earlier copy)."""
        row = {"name": name, "version": version, "source": text, "loaded_at": datetime.now(UTC)}
        with self._write("saving a workflow") as conn:
            conn.execute(self._q.upsert_workflow, row)

    def load_workflow(self, name: str, version: int) -> str | None:
        """The stored source text of a workflow version, or ``None``."""
        stmt = sa.select(workflows.c.source).where(
            workflows.c.name == name, workflows.c.version == version)
        with self._read("reading a workflow") as conn:
            text: str | None = conn.execute(stmt).scalar()
        return text

    def save_grid(
        self, nodes: Sequence[Mapping[str, Any]], people_rows: Sequence[Mapping[str, Any]],
        duties: Sequence[Mapping[str, Any]],
    ) -> None:
        """Replace the stored grid (nodes, people, duty chain) in one transaction."""
        _fits("grid", ((grid_nodes, nodes), (people, people_rows), (duty, duties)))
        with self._write("saving the grid") as conn:
            for table in (duty, people, grid_nodes):
                conn.execute(table.delete())
            for table, rows in ((grid_nodes, nodes), (people, people_rows), (duty, duties)):
                if rows:
                    conn.execute(table.insert(), [dict(row) for row in rows])

    def load_grid(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """The stored grid as plain rows: (nodes, people, duties), each sorted by key."""
        with self._read("reading the grid") as conn:
            found = [
                [dict(row) for row in conn.execute(
                    sa.select(table).order_by(*table.primary_key.columns)).mappings()]
                for table in (grid_nodes, people, duty)
            ]
        return found[0], found[1], found[2]

    def save_party(
        self, orgs: Sequence[Mapping[str, Any]], homes: Sequence[Mapping[str, Any]],
    ) -> None:
        """Replace the stored party organisations and households in one transaction."""
        _fits("party", ((party_orgs, orgs), (households, homes)))
        with self._write("saving the party organisations") as conn:
            for table in (households, party_orgs):
                conn.execute(table.delete())
            for table, rows in ((party_orgs, orgs), (households, homes)):
                if rows:
                    conn.execute(table.insert(), [dict(row) for row in rows])

    def load_party(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The stored party as plain rows: (organisations, households), each sorted by key."""
        with self._read("reading the party organisations") as conn:
            found = [
                [dict(row) for row in conn.execute(
                    sa.select(table).order_by(*table.primary_key.columns)).mappings()]
                for table in (party_orgs, households)
            ]
        return found[0], found[1]

    # -- service reads -------------------------------------------------------------------
    def search_cases(self, query: CaseQuery) -> CasePage:
        """Cases matching ``query`` in the order opened: one page, in one statement."""
        from govflow.store.search import search

        with self._read("searching cases") as conn:
            rows = conn.execute(search(query)).all()
        page = CasePage()
        for row in rows[:query.limit]:
            page.positions.append(row[0])
            page.cases.append(Case(*tuple(row)[1:]))
        if len(rows) > query.limit:
            page.next = page.positions[-1]
        return page

    def last_events(self, case_ids: Iterable[str]) -> dict[str, Event]:
        """The last event of each case, by case id, in one statement (cases without
        events, or unknown, are left out)."""
        from govflow.store.search import last_events

        ids = list(dict.fromkeys(case_ids))
        if not ids:
            return {}
        with self._read("reading the cases' last events") as conn:
            found = [Event(*row) for row in conn.execute(last_events(ids))]
        return {event.case_id: event for event in found}

    def service_figures(self, now: datetime) -> dict[str, float]:
        """Timers due and late (over a minute), dead letters, outbox backlog and lag."""
        from govflow.store.tables import outbox, timers

        pending = sa.and_(timers.c.fired_at.is_(None), timers.c.cancelled == sa.false())
        late = now - timedelta(minutes=1)
        stmt = sa.select(
            sa.select(sa.func.count()).where(pending, timers.c.due_at <= now)
            .scalar_subquery(),
            sa.select(sa.func.count()).where(pending, timers.c.due_at <= late)
            .scalar_subquery(),
            sa.select(sa.func.count()).select_from(dead_letters).scalar_subquery(),
            sa.select(sa.func.count()).where(outbox.c.delivered_at.is_(None))
            .scalar_subquery(),
            sa.select(sa.func.min(outbox.c.created_at)).where(outbox.c.delivered_at.is_(None))
            .scalar_subquery(),
        )
        with self._read("reading the service figures") as conn:
            due, late_n, dead, waiting, oldest = conn.execute(stmt).one()
        if isinstance(oldest, str):  # SQLite: a scalar subquery loses the column type
            oldest = datetime.fromisoformat(oldest).replace(tzinfo=UTC)
        return {"timers_due": due, "timers_late": late_n, "dead_letters": dead,
                "outbox_pending": waiting,
                "outbox_lag_seconds": (now - oldest).total_seconds() if oldest else 0.0}

    def remove_dead_letters(self, ids: Iterable[str]) -> int:
        """Forget dead letters (re-driven ones); returns how many were removed."""
        wanted = list(ids)
        if not wanted:
            return 0
        stmt = dead_letters.delete().where(dead_letters.c.id.in_(wanted))
        with self._write("removing dead letters") as conn:
            return int(conn.execute(stmt).rowcount)

    # -- service keys --------------------------------------------------------------------
    def add_key(self, key: ApiKey) -> None:
        """Keep a new key; a name already used (even by a revoked key) is refused."""
        with self._write("adding a key") as conn:
            taken = conn.execute(sa.select(api_keys.c.name).where(
                api_keys.c.name == key.name)).first()
            if taken is not None:
                raise ServiceError(f"a key named {key.name!r} exists already; pick another "
                                   "name (revoked keys keep theirs)")
            conn.execute(api_keys.insert(), _key_row(key))

    def find_key(self, key_hash: str) -> ApiKey | None:
        """The key whose secret hashes to ``key_hash`` (revoked or not), or ``None``."""
        with self._read("reading a key") as conn:
            row = conn.execute(sa.select(api_keys).where(
                api_keys.c.key_hash == key_hash)).first()
        return _key(row) if row is not None else None

    def list_keys(self) -> list[ApiKey]:
        """Every key, by name."""
        with self._read("listing keys") as conn:
            rows = conn.execute(sa.select(api_keys).order_by(api_keys.c.name)).all()
        return [_key(row) for row in rows]

    def revoke_key(self, name: str, at: datetime) -> bool:
        """Revoke the key ``name``; False if there is no such key or it was revoked."""
        stmt = api_keys.update().where(
            api_keys.c.name == name, api_keys.c.revoked_at.is_(None)).values(revoked_at=at)
        with self._write("revoking a key") as conn:
            return bool(conn.execute(stmt).rowcount)

    def drop_schema(self) -> None:
        """Drop this store's own PostgreSQL schema and everything in it (test sessions).

        Does nothing for a store without a schema of its own (SQLite, or no ``schema=``).
        """
        if self.schema is None or self.backend != "postgresql":
            return
        self._cases.close()
        with self._write("dropping the schema") as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.close()

    def close(self) -> None:
        _release(self._cases, self._engine)

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _release(reader: CaseReader, engine: sa.Engine) -> None:
    reader.close()
    engine.dispose()


class _Taken(Exception):
    """A new case's id is taken (raised inside the transaction, reported after rollback)."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__(ids)
        self.ids = ids


def _retire(conn: Connection, ids: Sequence[str]) -> None:
    """Remove re-driven dead letters in the committing transaction; all must be there."""
    wanted = set(ids)
    gone = conn.execute(dead_letters.delete().where(dead_letters.c.id.in_(wanted))).rowcount
    if gone != len(wanted):
        raise DeadLetterGone(f"dead letter(s) {', '.join(sorted(wanted))} were re-driven or "
                             "removed already; nothing was written")


def _fits(what: str, tables: Iterable[tuple[sa.Table, Sequence[Mapping[str, Any]]]]) -> None:
    """Refuse, before writing, rows with a text longer than its column keeps (every one)."""
    problems = [p for table, rows in tables for p in too_long(table, rows, f"<{what}>")]
    if problems:
        raise GridError(problems)


def _dead_row(letter: DeadLetter) -> dict[str, Any]:
    """A dead letter is the last place a record is kept, so it must fit its columns: an id
    too long is shortened to a prefix and its hash (still one id per letter), a record id or
    source too long is cut with a mark (the payload keeps the whole record)."""
    return {"id": fit_key(letter.id, dead_letters.c.id),
            "source": fit_text(letter.source, dead_letters.c.source),
            "record_id": fit_text(letter.record_id, dead_letters.c.record_id),
            "reason": letter.reason, "payload": letter.payload, "at": letter.at}


def _key_row(key: ApiKey) -> dict[str, Any]:
    return {"name": key.name, "key_hash": key.key_hash, "actor": key.actor,
            "roles": list(key.roles), "scope": list(key.scope), "created_at": key.created_at,
            "revoked_at": key.revoked_at}


def _key(row: Any) -> ApiKey:
    return ApiKey(row.name, row.key_hash, row.actor, tuple(row.roles), tuple(row.scope),
                  row.created_at, row.revoked_at)
