"""Several engine processes on one PostgreSQL database share the timer queue safely.

Two worker processes tick the same 10,000 due timers at once (``FOR UPDATE SKIP LOCKED``
leases, optimistic case versions). Every timer ends fired exactly once: the workers' stores
log each firing inside its own transaction, and the event log holds one breach per case.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from govflow import Actor, Engine, SimClock
from govflow.engine.requests import OpenRequest
from govflow.store.sql import SqlStore
from govflow.store.tables import events, timers
from tests import crash_worker
from tests.test_crash import postgres_url

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows.yaml"
START = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)
CASES = 5_000  # a yellow and a red timer each: 10,000 timers
WORKERS = 2
ACTOR = Actor.of("intake", "grid_worker")


def _work(url: str, name: str, report: int) -> None:
    """A worker process: tick until no due timer is left unfired, report how many it handled."""
    store = crash_worker.AuditedStore(url, lease_seconds=2.0, worker=name)
    engine = Engine(WORKFLOWS, store=store, clock=SimClock(START + timedelta(hours=2)))
    handled = 0
    while True:
        done = engine.tick()
        handled += done
        if done:
            continue
        with store._engine.connect() as conn:
            left = conn.execute(sa.select(sa.func.count()).where(
                timers.c.fired_at.is_(None), timers.c.cancelled == sa.false(),
                timers.c.due_at <= engine.clock.now())).scalar()
        if not left:
            break
        time.sleep(0.1)  # what is left is leased by the other worker
    os.write(report, f"{handled}\n".encode())


def _spawn(url: str, name: str) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        code = 1
        try:
            _work(url, name, write_end)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_fire_each_of_10000_timers_exactly_once() -> None:
    """Two processes ticking one queue: every timer fires once, both workers take part."""
    base = postgres_url()
    schema = f"gf_conc_{uuid.uuid4().hex[:10]}"
    url = f"{base}{'&' if '?' in base else '?'}schema={schema}"
    setup = crash_worker.open_store(url)
    try:
        engine = Engine(WORKFLOWS, store=setup, clock=SimClock(START))
        cells = [f"410102001001{n:03}" for n in range(1, 51)]
        engine.open_cases((OpenRequest("standard_case", cells[i % 50], category="garbage")
                           for i in range(CASES)), actor=ACTOR)
        with setup._engine.connect() as conn:
            due = conn.execute(sa.select(sa.func.count()).select_from(timers)).scalar()
        assert due == 2 * CASES
        setup.close()
        workers = [_spawn(url, f"worker-{n}") for n in range(WORKERS)]
        handled = []
        for pid, report in workers:
            _, status = os.waitpid(pid, 0)
            with os.fdopen(report) as pipe:
                handled.append(int(pipe.read().strip() or 0))
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        assert all(count > 0 for count in handled), handled
        with SqlStore(url) as store:
            check_fired_once(store)
    finally:
        with SqlStore(url) as store:
            store.drop_schema()


def check_fired_once(store: SqlStore) -> None:
    """Each timer is marked fired, at most one firing of it committed, one breach per case."""
    with store._engine.connect() as conn:
        unfired = conn.execute(sa.select(sa.func.count()).where(
            timers.c.fired_at.is_(None), timers.c.cancelled == sa.false())).scalar()
        fired = Counter(row[0] for row in conn.exec_driver_sql(
            "SELECT timer_id FROM crash_fires"))
        breaches = Counter(row[0] for row in conn.execute(
            sa.select(events.c.case_id).where(events.c.trigger == "breach")))
        warns = Counter(row[0] for row in conn.execute(
            sa.select(events.c.case_id).where(events.c.trigger == "warn")))
    assert unfired == 0
    assert max(fired.values()) == 1, "a timer fired twice"
    assert len(breaches) == CASES and set(breaches.values()) == {1}
    assert not warns or max(warns.values()) == 1
