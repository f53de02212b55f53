"""The worker the crash test kills: drives cases through the engine on a SQL store, for ever.

The crash test forks it (:func:`run`, so no process pays Python's start-up again); it also
runs as a script: ``python tests/crash_worker.py --url URL --acks FILE --workflows FILE``.
Once set up it signals ``ready``; then it opens cases, fires allowed triggers, records
revisits and moves a simulated clock forward with ``tick()``, and appends one JSON line per
acknowledged result to the ack file *after* the engine call returned (so every acked change
was committed). ``--final DAYS`` instead runs the clock DAYS past the last event, firing
every timer due by then, and exits.

The store it uses also writes, in the same transaction as each timer firing, a row to a
``crash_fires`` audit table: a timer that fired twice would show up there twice.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govflow import Actor, Engine, SimClock
from govflow.engine.requests import OpenRequest
from govflow.errors import GovflowError
from govflow.store.changes import Plan
from govflow.store.sql import SqlStore
from govflow.store.tables import events

START = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)
LEASE_SECONDS = 0.3
ROLES = ("grid_worker", "registrar", "dispatcher", "handler", "checker", "inspector", "cadre",
         "commander", "reporter")
ACTOR = Actor.of("crash", *ROLES)
CELLS = tuple(f"41010200{s}00{c}00{g}" for s in (1, 2) for c in (1, 2) for g in (1, 2, 3))
WORKFLOWS = (("standard_case", {"severity": 2, "description": "垃圾堆放"}),
             ("street_vending", {"location": "建设路", "prior_offences": 0}))

audit = sa.MetaData()
fires = sa.Table("crash_fires", audit,
                 sa.Column("timer_id", sa.String(64), nullable=False),
                 sa.Column("case_id", sa.String(32), nullable=False))


class AuditedStore(SqlStore):
    """A SqlStore that also logs each timer firing inside the firing's own transaction."""

    def _apply(self, conn: Connection, rows: Plan) -> None:
        super()._apply(conn, rows)
        if rows.fired:
            conn.execute(fires.insert(), [{"timer_id": f["b_id"], "case_id": f["b_case"]}
                                          for f in rows.fired])

    def last_event_at(self) -> datetime | None:
        with self._read("reading the last event time") as conn:
            found: datetime | None = conn.execute(sa.select(sa.func.max(events.c.at))).scalar()
        return found


def open_store(url: str) -> AuditedStore:
    store = AuditedStore(url, create=True, lease_seconds=LEASE_SECONDS,
                         worker=f"crash-{os.getpid()}")
    audit.create_all(store._engine)
    return store


class Driver:
    """One run of random work against the engine, acking what returned."""

    def __init__(self, engine: Engine, clock: SimClock, acks: Any, rng: random.Random,
                 max_cases: int) -> None:
        self.engine, self.clock, self.acks, self.rng = engine, clock, acks, rng
        self.max_cases = max_cases
        self.open_ids = [c.id for c in engine.store.find_open_cases()]
        self.total = sum(1 for _ in engine.store.iter_cases())
        self.max_open = 20

    def ack(self, op: str, case_id: str, seq: int, rev: int, trigger: str) -> None:
        line = json.dumps({"op": op, "case": case_id, "seq": seq, "rev": rev, "trigger": trigger})
        self.acks.write(line + "\n")

    def step(self) -> None:
        roll = self.rng.random()
        if (self.total < self.max_cases and len(self.open_ids) < self.max_open
                and (roll < 0.15 or not self.open_ids)):
            self.open_some()
        elif roll < 0.75 and self.open_ids:
            self.fire_one()
        elif roll < 0.8 and self.open_ids:
            self.revisit_one()
        else:
            self.clock.advance(timedelta(minutes=self.rng.choice((5, 20, 45, 120, 600, 1500))))
            self.engine.tick()

    def open_some(self) -> None:
        count = self.rng.choice((1, 1, 3))
        requests = []
        for _ in range(count):
            name, data = self.rng.choice(WORKFLOWS)
            requests.append(OpenRequest(name, self.rng.choice(CELLS), category="crash",
                                        data=dict(data)))
        if count == 1:
            req = requests[0]
            case = self.engine.open_case(req.workflow, cell=req.cell, actor=ACTOR,
                                         category=req.category, data=req.data)
            ids = [case.id]
        else:
            ids = self.engine.open_cases(requests, actor=ACTOR)
        for case_id in ids:
            self.ack("open", case_id, 1, 1, "open")
        self.open_ids.extend(ids)
        self.total += len(ids)

    def fire_one(self) -> None:
        case_id = self.rng.choice(self.open_ids)
        allowed = self.engine.allowed_triggers(case_id, ACTOR)
        if not allowed:
            self.open_ids.remove(case_id)
            return
        trigger = self.rng.choice(allowed)
        try:
            case = self.engine.fire(case_id, trigger, actor=ACTOR, reason="crash test")
        except GovflowError:
            return
        self.ack("fire", case.id, case.events, case.rev, trigger)
        if case.is_closed:
            self.open_ids.remove(case_id)

    def revisit_one(self) -> None:
        case_id = self.rng.choice(self.open_ids)
        if not self.engine.case(case_id).revisit_pending:
            return
        rebound = self.rng.random() < 0.3
        try:
            case = self.engine.record_revisit(case_id, rebound=rebound, actor=ACTOR)
        except GovflowError:
            return
        self.ack("revisit", case.id, case.events, case.rev, "revisit")


def run(url: str, acks_path: Path, workflows: Path, seed: int, max_cases: int,
        ready: Callable[[], object]) -> None:
    """Work until killed; ``ready`` is called once the engine is up."""
    store = open_store(url)
    clock = SimClock(store.last_event_at() or START)
    engine = Engine(workflows, store=store, clock=clock)
    with acks_path.open("a", buffering=1, encoding="utf-8") as acks:
        driver = Driver(engine, clock, acks, random.Random(seed), max_cases)
        ready()
        while True:
            driver.step()


def final(url: str, workflows: Path, days: float) -> datetime:
    """Run the clock ``days`` past the last event, firing every timer due; the end time."""
    store = open_store(url)
    clock = SimClock(store.last_event_at() or START)
    engine = Engine(workflows, store=store, clock=clock)
    time.sleep(LEASE_SECONDS + 0.2)  # the leases of killed runs run out
    engine.run_until(clock.now() + timedelta(days=days))
    engine.tick()
    engine.close()
    return clock.now()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--acks", required=True, type=Path)
    parser.add_argument("--workflows", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=300, help="stop opening cases at this")
    parser.add_argument("--final", type=float, default=0.0, help="run the clock this many days")
    args = parser.parse_args(argv)
    if args.final:
        print(json.dumps({"now": final(args.url, args.workflows, args.final).isoformat()}))
        return 0
    run(args.url, args.acks, args.workflows, args.seed, args.cases,
        lambda: print("ready", flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
