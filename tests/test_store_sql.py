"""The Store protocol, run over every store (memory, SQLite, PostgreSQL) by the ``store`` fixture.

The memory store is the reference: each behaviour here holds on all three. The last part checks
what only the SQL store has (URLs, errors, schema, leases, the grid tables).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from govflow.errors import CaseNotFound, ConflictError, SchemaVersionError, StoreError
from govflow.records import Case, Change, DeadLetter, Event, Message, Timer
from govflow.store import MemoryStore, open_store
from govflow.store.base import Store
from govflow.store.url import DEFAULT_URL, redact
from tests.conftest import postgres_url

T0 = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)
CELL = "410102001001001"
OTHER_CELL = "410102001001002"


def make_case(case_id: str, *, cell: str = CELL, category: str = "vending",
              at: datetime = T0) -> Case:
    """A freshly opened case (rev 1, one event)."""
    return Case(id=case_id, workflow="street_vending", version=1, state="reported", cell=cell,
                owner=cell, category=category, source="patrol", data={"note": "占道经营"},
                opened_at=at, state_entered_at=at, epoch=1, events=1, rev=1)


def opened(case: Case, *timers: Timer, outbox: tuple[Message, ...] = ()) -> Change:
    """The change that opens ``case``."""
    event = Event(case.id, 1, case.opened_at, "li", "grid_worker", "open", "", case.state)
    return Change(case=case, expected_rev=None, events=[event], timers=list(timers),
                  outbox=list(outbox))


def moved(case: Case, dest: str, at: datetime, *, timers: tuple[Timer, ...] = (),
          cancel: tuple[str, ...] = (), fired: str | None = None) -> Change:
    """The change that moves a copy of ``case`` to ``dest`` (chaining from ``case.rev``)."""
    after = case.copy()
    expected = after.rev
    event = Event(after.id, after.events + 1, at, "li", "grid_worker", "go", after.state, dest)
    after.state, after.state_entered_at, after.events = dest, at, after.events + 1
    after.epoch += 1
    after.rev = expected + 1
    return Change(case=after, expected_rev=expected, events=[event], timers=list(timers),
                  cancel_kinds=cancel, fired_timer=fired)


def timer(timer_id: str, case_id: str, due: datetime, kind: str = "yellow") -> Timer:
    """A pending timer."""
    return Timer(timer_id, case_id, kind, due, 1, {"due": due.isoformat()})


def message(message_id: str, case_id: str, kind: str = "warning") -> Message:
    """An outbox message."""
    return Message(message_id, case_id, kind, "p-1", T0, {"state": "reported"})


# -- cases and the event log --------------------------------------------------------------
def test_new_case_reads_back_equal(store: Store) -> None:
    """A committed case reads back field for field, with aware UTC times and JSON data."""
    case = make_case("c1")
    store.commit([opened(case)])
    got = store.get_case("c1")
    assert got == case
    assert got.opened_at.tzinfo is not None and got.opened_at.utcoffset() == timedelta(0)
    assert [e.trigger for e in store.history("c1")] == ["open"]


def test_times_in_other_zones_come_back_as_the_same_instant_in_utc(store: Store) -> None:
    """A Shanghai time is stored as the same instant (the SQL stores read it back in UTC)."""
    local = datetime(2026, 10, 8, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    store.commit([opened(make_case("c1", at=local))])
    got = store.get_case("c1").opened_at
    assert got == local
    if not isinstance(store, MemoryStore):
        assert got.utcoffset() == timedelta(0)


def test_missing_case_is_case_not_found(store: Store) -> None:
    """Reading a case or history that does not exist raises CaseNotFound."""
    with pytest.raises(CaseNotFound):
        store.get_case("nope")
    with pytest.raises(CaseNotFound):
        store.history("nope")


def test_returned_case_is_a_private_copy(store: Store) -> None:
    """Mutating a case read from the store changes nothing stored."""
    store.commit([opened(make_case("c1"))])
    got = store.get_case("c1")
    got.data["note"] = "changed"
    got.state = "closed"
    assert store.get_case("c1").data["note"] == "占道经营"
    assert store.get_case("c1").state == "reported"


def test_update_with_the_expected_rev_applies(store: Store) -> None:
    """An update that expects the stored rev writes the case and appends its events."""
    case = make_case("c1")
    store.commit([opened(case)])
    change = moved(case, "dispatched", T0 + timedelta(hours=1))
    store.commit([change])
    got = store.get_case("c1")
    assert (got.state, got.rev, got.events) == ("dispatched", 2, 2)
    assert [e.seq for e in store.history("c1")] == [1, 2]


def test_stale_update_conflicts_and_writes_nothing(store: Store) -> None:
    """Two writers from the same read: the second gets ConflictError and nothing of it lands."""
    case = make_case("c1")
    store.commit([opened(case)])
    store.commit([moved(case, "dispatched", T0 + timedelta(hours=1))])
    loser = moved(case, "invalid", T0 + timedelta(hours=2),
                  timers=(timer("t-late", "c1", T0 + timedelta(days=1)),))
    with pytest.raises(ConflictError) as info:
        store.commit([loser], cursor=("hotline", "99"),
                     dead_letters=[DeadLetter("d1", "hotline", "r1", "bad", "{}", T0)])
    assert info.value.case_id == "c1" and info.value.expected == 1 and info.value.actual == 2
    assert store.get_case("c1").state == "dispatched"
    assert len(store.history("c1")) == 2
    assert store.pending_timers("c1") == []
    assert store.get_cursor("hotline") is None and store.dead_letters() == []


def test_inserting_an_existing_case_conflicts(store: Store) -> None:
    """A second insert of the same case id is a ConflictError, and the batch is not written."""
    store.commit([opened(make_case("c1"))])
    with pytest.raises(ConflictError) as info:
        store.commit([opened(make_case("c2")), opened(make_case("c1"))])
    assert info.value.case_id == "c1"
    with pytest.raises(CaseNotFound):
        store.get_case("c2")


def test_changes_to_one_case_chain_within_a_commit(store: Store) -> None:
    """Open and two moves of one case in one commit land as one final row and three events."""
    case = make_case("c1")
    first = moved(case, "dispatched", T0 + timedelta(minutes=5))
    second = moved(first.case, "handling", T0 + timedelta(minutes=9))
    store.commit([opened(case), first, second])
    got = store.get_case("c1")
    assert (got.state, got.rev) == ("handling", 3)
    assert [e.dest for e in store.history("c1")] == ["reported", "dispatched", "handling"]


def test_a_broken_chain_in_one_commit_conflicts(store: Store) -> None:
    """A change that does not follow the previous one of its case fails the whole commit."""
    case = make_case("c1")
    store.commit([opened(case)])
    first = moved(case, "dispatched", T0 + timedelta(minutes=5))
    also_from_one = moved(case, "invalid", T0 + timedelta(minutes=6))
    with pytest.raises(ConflictError):
        store.commit([first, also_from_one])
    assert store.get_case("c1").state == "reported"


def test_many_changes_in_one_commit(store: Store) -> None:
    """A batch of 300 new cases and updates to 100 existing ones commits as one unit."""
    olds = [make_case(f"old{i:03}") for i in range(100)]
    store.commit([opened(c) for c in olds])
    news = [make_case(f"new{i:03}") for i in range(300)]
    store.commit([opened(c) for c in news] + [moved(c, "closed", T0) for c in olds])
    assert sum(1 for _ in store.iter_cases()) == 400
    assert store.get_case("old042").state == "closed"
    with pytest.raises(ConflictError) as info:
        store.commit([opened(make_case("new999"))] + [moved(c, "x", T0) for c in olds])
    assert info.value.case_id == "old000"
    assert store.get_case("old042").state == "closed"


# -- timers -------------------------------------------------------------------------------
def test_claim_gives_due_timers_earliest_first_up_to_limit(store: Store) -> None:
    """Only timers due by ``now`` are claimed, earliest first, at most ``limit``."""
    case = make_case("c1")
    due = [timer(f"t{i}", "c1", T0 + timedelta(hours=h)) for i, h in enumerate((3, 1, 2, 9))]
    store.commit([opened(case, *due)])
    assert store.next_due() == T0 + timedelta(hours=1)
    claimed = store.claim_due_timers(T0 + timedelta(hours=3), 2)
    assert [t.id for t in claimed] == ["t1", "t2"]
    assert claimed[0] == due[1]
    rest = store.claim_due_timers(T0 + timedelta(hours=3), 10)
    assert [t.id for t in rest] == ["t0"]


def test_firing_a_timer_marks_it_once(store: Store) -> None:
    """A change that fires a timer marks it; firing it again is a ConflictError."""
    case = make_case("c1")
    store.commit([opened(case, timer("t1", "c1", T0 + timedelta(hours=1)))])
    later = T0 + timedelta(hours=1)
    first = moved(case, "warned", later, fired="t1")
    store.commit([first])
    assert store.pending_timers("c1") == []
    assert store.claim_due_timers(later + timedelta(days=1), 10) == []
    again = moved(first.case, "warned_again", later, fired="t1")
    with pytest.raises(ConflictError):
        store.commit([again])
    assert store.get_case("c1").state == "warned"


def test_cancel_kinds_cancels_only_those_kinds_of_that_case(store: Store) -> None:
    """Leaving a state cancels the case's pending timers of the named kinds, nothing else."""
    one, two = make_case("c1"), make_case("c2")
    store.commit([
        opened(one, timer("y1", "c1", T0 + timedelta(hours=1)),
               timer("r1", "c1", T0 + timedelta(hours=2), "red"),
               timer("s1", "c1", T0 + timedelta(hours=3), "supervise")),
        opened(two, timer("y2", "c2", T0 + timedelta(hours=1))),
    ])
    store.commit([moved(one, "dispatched", T0, cancel=("yellow", "red"))])
    assert [t.id for t in store.pending_timers("c1")] == ["s1"]
    assert [t.id for t in store.pending_timers("c2")] == ["y2"]
    claimed = store.claim_due_timers(T0 + timedelta(days=1), 10)
    assert [t.id for t in claimed] == ["y2", "s1"]


def test_timers_set_and_cancelled_in_one_commit(store: Store) -> None:
    """A timer set by an earlier change of a commit is cancelled by a later one; a timer set
    after the cancel stays."""
    case = make_case("c1")
    store.commit([opened(case)])
    first = moved(case, "dispatched", T0, timers=(timer("y1", "c1", T0 + timedelta(hours=1)),))
    second = moved(first.case, "handling", T0, cancel=("yellow",),
                   timers=(timer("y2", "c1", T0 + timedelta(hours=2)),))
    store.commit([first, second])
    assert [t.id for t in store.pending_timers("c1")] == ["y2"]


def test_dropped_timers_are_done(store: Store) -> None:
    """Dropped timers are neither pending nor claimable, and the case is untouched."""
    case = make_case("c1")
    store.commit([opened(case, timer("t1", "c1", T0), timer("t2", "c1", T0))])
    claimed = store.claim_due_timers(T0, 10)
    store.drop_timers([t.id for t in claimed], T0)
    assert store.pending_timers("c1") == []
    assert store.next_due() is None
    assert store.get_case("c1").rev == 1


def test_next_due_is_none_without_timers(store: Store) -> None:
    """An empty store has no next due time."""
    assert store.next_due() is None


# -- outbox, cursors, dead letters --------------------------------------------------------
def test_outbox_is_idempotent_and_ordered(store: Store) -> None:
    """Messages come out in the order written; a repeated id is kept once; delivered ones go."""
    case = make_case("c1")
    store.commit([opened(case, outbox=(message("m2", "c1"), message("m1", "c1")))])
    dup = moved(case, "dispatched", T0)
    dup.outbox = [replace(message("m1", "c1"), kind="escalated"), message("m3", "c1")]
    store.commit([dup])
    assert [(m.id, m.kind) for m in store.pending_messages(10)] == [
        ("m2", "warning"), ("m1", "warning"), ("m3", "warning")]
    assert [m.id for m in store.pending_messages(2)] == ["m2", "m1"]
    store.mark_delivered(["m2", "m1"])
    store.mark_delivered(["m2"])
    assert [m.id for m in store.pending_messages(10)] == ["m3"]


def test_cursor_and_dead_letters_commit_with_the_cases(store: Store) -> None:
    """The source cursor and dead letters are written in the same commit as the cases."""
    letter = DeadLetter("d1", "hotline", "r7", "cell 999 is not in the grid", '{"x": 1}', T0)
    store.commit([opened(make_case("c1"))], cursor=("hotline", "41"), dead_letters=[letter])
    store.commit([], cursor=("hotline", "42"))
    store.add_dead_letters([replace(letter, id="d2", source="video")])
    assert store.get_cursor("hotline") == "42"
    assert store.get_cursor("video") is None
    assert [d.id for d in store.dead_letters()] == ["d1", "d2"]
    assert store.dead_letters("hotline") == [letter]


def test_find_open_cases_filters_and_orders(store: Store) -> None:
    """Open cases match every filter, oldest first, ties in the order they were opened."""
    later = T0 + timedelta(days=1)
    cases = [make_case("z1"), make_case("a2"), make_case("m3", category="fumes"),
             make_case("b4", cell=OTHER_CELL), make_case("c5", at=later)]
    store.commit([opened(c) for c in cases])
    store.commit([replace(moved(cases[0], "closed", later), case=_closed(cases[0], later))])
    assert [c.id for c in store.find_open_cases()] == ["a2", "m3", "b4", "c5"]
    assert [c.id for c in store.find_open_cases(cell=CELL, category="vending")] == ["a2", "c5"]
    assert [c.id for c in store.find_open_cases(opened_after=later)] == ["c5"]


def _closed(case: Case, at: datetime) -> Case:
    after = case.copy()
    after.state, after.closed_at, after.rev, after.events = "closed", at, case.rev + 1, 2
    return after


def test_iter_cases_yields_every_case(store: Store) -> None:
    """Every case, open or closed, comes out of iter_cases (more than one page of them)."""
    store.commit([opened(make_case(f"c{i:04}")) for i in range(1205)])
    ids = [c.id for c in store.iter_cases()]
    assert len(ids) == 1205 and len(set(ids)) == 1205


# -- only the SQL store -------------------------------------------------------------------
def test_sql_store_survives_reopening(tmp_path: Path) -> None:
    """What one SqlStore committed, a new one on the same file reads (the durable part)."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    first = open_store(url)
    first.commit([opened(make_case("c1"), timer("t1", "c1", T0))])
    first.close()
    second = open_store(url)
    assert second.get_case("c1").rev == 1
    assert [t.id for t in second.pending_timers("c1")] == ["t1"]
    second.close()


def test_open_store_picks_the_store_by_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``memory://`` is the memory store; no URL is the default SQLite file, created on use."""
    assert isinstance(open_store("memory://"), MemoryStore)
    monkeypatch.chdir(tmp_path)
    store = open_store()
    assert store.next_due() is None
    store.close()
    assert (tmp_path / DEFAULT_URL.removeprefix("sqlite:///")).is_file()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    """The SQLite file is in WAL mode with foreign keys on."""
    import sqlite3

    store = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    store.close()
    with sqlite3.connect(tmp_path / "g.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_url_options_are_checked(tmp_path: Path) -> None:
    """``?synchronous=`` picks SQLite's sync mode; bad values and schema names are refused."""
    import sqlite3

    from govflow.store.sql import SqlStore

    url = f"sqlite:///{tmp_path / 'g.db'}"
    store = SqlStore(f"{url}?synchronous=full")
    with store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    store.close()
    with pytest.raises(StoreError, match="synchronous must be one of"):
        SqlStore(f"{url}?synchronous=sometimes")
    with pytest.raises(StoreError, match="not a plain SQL identifier"):
        SqlStore(url, schema="x; DROP TABLE cases")
    with sqlite3.connect(tmp_path / "g.db") as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (0,)


def test_redact_hides_passwords() -> None:
    """Passwords in URLs and query strings are replaced by ***."""
    assert redact("postgresql+psycopg://gov:p@ss:w0rd@db:5432/x") == \
        "postgresql+psycopg://gov:***@db:5432/x"
    assert redact("postgresql://db/x?user=a&password=hunter2") == \
        "postgresql://db/x?user=a&password=***"
    assert redact("sqlite:///govflow.db") == "sqlite:///govflow.db"


def test_connection_errors_are_store_errors_without_the_password() -> None:
    """A database that cannot be reached is a StoreError naming the URL, password hidden."""
    from govflow.store.sql import SqlStore

    with pytest.raises(StoreError) as info:
        SqlStore("postgresql+psycopg://gov:TopSecret42@127.0.0.1:1/test", create=True)
    text = str(info.value)
    assert "TopSecret42" not in text
    assert "postgresql+psycopg://gov:***@127.0.0.1:1/test" in text
    assert info.value.__cause__ is not None


def test_query_errors_are_store_errors_naming_the_url(tmp_path: Path) -> None:
    """A database that fails mid-work (a table gone) raises StoreError naming the URL."""
    import sqlite3

    path = tmp_path / "broken.db"
    store = open_store(f"sqlite:///{path}")
    store.commit([opened(make_case("c1"))])
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE events")
    with pytest.raises(StoreError, match=r"commit failed on sqlite:///.*broken\.db"):
        store.commit([moved(store.get_case("c1"), "dispatched", T0)])
    with pytest.raises(StoreError, match="reading a case history failed"):
        store.history("c1")
    assert store.get_case("c1").state == "reported"
    store.close()


def test_unsupported_url_is_a_store_error() -> None:
    """A URL of a database govflow does not support says which ones it does."""
    with pytest.raises(StoreError, match="sqlite:///"):
        open_store("mysql://u:pw@h/db")


def test_old_schema_is_refused_with_the_upgrade_command(tmp_path: Path) -> None:
    """A database at another schema revision is refused, naming `govflow db upgrade`."""
    import sqlite3

    path = tmp_path / "old.db"
    open_store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0000_prehistoric'")
    with pytest.raises(SchemaVersionError, match="govflow db upgrade --store sqlite:///"):
        open_store(f"sqlite:///{path}")


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    """A non-empty database without a govflow schema is not touched."""
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(SchemaVersionError, match="another application"):
        open_store(f"sqlite:///{path}")


def test_grid_and_workflows_round_trip(tmp_path: Path) -> None:
    """Grid nodes, people, duties and workflow sources read back as saved."""
    from govflow.store.sql import SqlStore

    store = SqlStore(f"sqlite:///{tmp_path / 'g.db'}")
    nodes: list[dict[str, Any]] = [
        {"code": "410102", "parent": None, "tier": 0, "name": "中原区", "households": 0,
         "polygon": None},
        {"code": "410102001", "parent": "410102", "tier": 1, "name": "林山寨街道",
         "households": 9000, "polygon": "POLYGON ((0 0, 1 0, 1 1, 0 0))"}]
    people = [{"id": "p1", "name": "王芳", "home": "410102001", "identities": ["grid_worker"],
               "contact": "wx:wf"}]
    duties = [{"node": "410102001", "person": "p1", "level": "street"}]
    store.save_grid(nodes, people, duties)
    store.save_grid(nodes, people, duties)
    assert store.load_grid() == (nodes, people, duties)
    store.save_workflow("street_vending", 1, "states: {}")
    store.save_workflow("street_vending", 1, "states: {a: {}}")
    assert store.load_workflow("street_vending", 1) == "states: {a: {}}"
    assert store.load_workflow("street_vending", 2) is None
    store.close()


def test_expired_leases_are_claimed_again_and_live_ones_are_not(tmp_path: Path) -> None:
    """Two workers: a live lease keeps a timer from the other; an expired one hands it over."""
    from govflow.store.sql import SqlStore

    url = f"sqlite:///{tmp_path / 'g.db'}"
    one = SqlStore(url, worker="one")
    two = SqlStore(url, worker="two", lease_seconds=0)
    one.commit([opened(make_case("c1"), timer("t1", "c1", T0), timer("t2", "c1", T0))])
    assert [t.id for t in one.claim_due_timers(T0, 1)] == ["t1"]
    assert [t.id for t in two.claim_due_timers(T0, 10)] == ["t2"]
    assert [t.id for t in one.claim_due_timers(T0, 10)] == ["t2"]  # two's lease had expired
    one.close()
    two.close()


def test_schema_in_url_query_is_honoured() -> None:
    """``?schema=`` in a PostgreSQL URL picks the schema the store works in."""
    from govflow.store.sql import SqlStore

    schema = f"gf_test_{uuid.uuid4().hex[:12]}"
    store = SqlStore(f"{postgres_url()}?schema={schema}", create=True)
    try:
        assert store.schema == schema
        store.commit([opened(make_case("c1"))])
        assert store.get_case("c1").rev == 1
    finally:
        store.drop_schema()
        store.close()


def test_empty_postgres_schema_is_refused_without_create() -> None:
    """A PostgreSQL database without the schema is refused unless ``create=True``."""
    from govflow.store.sql import SqlStore

    schema = f"gf_test_{uuid.uuid4().hex[:12]}"
    made = SqlStore(postgres_url(), schema=schema, create=True)
    made.close()
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url())
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        with pytest.raises(SchemaVersionError, match="govflow db upgrade"):
            SqlStore(postgres_url(), schema=schema)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


def test_two_engines_racing_on_one_case_never_overwrite(store: Store) -> None:
    """Engine A reads a case, engine B fires on it, A's fire then fails with ConflictError."""
    from datetime import datetime as dt

    from govflow import Actor, Engine, SimClock

    workflows = Path(__file__).resolve().parents[1] / "workflows.yaml"
    clock = SimClock(dt(2026, 9, 29, 1, 0, tzinfo=UTC))
    first = Engine(workflows, store=store, clock=clock)
    second = Engine(workflows, store=store, clock=clock)
    actor = Actor.of("r1", "registrar", "grid_worker")
    case = first.open_case("standard_case", cell=CELL, actor=actor)
    read = store.get_case

    def racing_read(case_id: str) -> Case:
        seen = read(case_id)
        store.get_case = read  # type: ignore[method-assign]
        second.fire(case_id, "invalidate", actor=actor)  # B commits after A has read
        return seen

    store.get_case = racing_read  # type: ignore[method-assign]
    with pytest.raises(ConflictError) as info:
        first.fire(case.id, "register", actor=actor)
    store.get_case = read  # type: ignore[method-assign]
    assert info.value.case_id == case.id
    assert store.get_case(case.id).state == "invalid"
    assert [e.trigger for e in store.history(case.id)] == ["open", "invalidate"]


def test_a_postgresql_deadlock_is_a_contention_error(tmp_path: Path) -> None:
    """Two transactions locking two rows in opposite orders: PostgreSQL aborts one, and the
    store reports it as ContentionError (retryable), not as a plain StoreError."""
    import threading

    import sqlalchemy as sa

    from govflow import ContentionError
    from tests.conftest import make_store

    store = make_store("postgresql", tmp_path)
    try:
        engine = store._engine  # type: ignore[attr-defined]
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE lock_pair (id int primary key, n int)"))
            conn.execute(sa.text("INSERT INTO lock_pair VALUES (1, 0), (2, 0)"))
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def cross(first: int, second: int) -> None:
            try:
                with store._db.guard("locking rows"), engine.begin() as conn:  # type: ignore[attr-defined]
                    update = sa.text("UPDATE lock_pair SET n = n + 1 WHERE id = :id")
                    conn.execute(update, {"id": first})
                    barrier.wait(timeout=10)
                    conn.execute(update, {"id": second})
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=cross, args=pair) for pair in ((1, 2), (2, 1))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(errors) == 1 and isinstance(errors[0], ContentionError), errors
        assert "DeadlockDetected" in str(errors[0])
    finally:
        drop = getattr(store, "drop_schema", None)
        if callable(drop):
            drop()
        store.close()
