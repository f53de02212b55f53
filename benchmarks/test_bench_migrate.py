"""Migration on SQLite: moving running cases to a new workflow version, beside opening them.

Each round opens ``n`` cases of version 1 (a deadline each: yellow and red timers) with
``Engine.open_cases`` (1,000 per commit) on a fresh SQLite file, timed, then migrates them all
to version 2 (a renamed state, a new deadline: every timer cancelled and set anew, one
``migrate`` event per case, 1,000 per commit), timed. The figure is migration's cases/s as a
share of the bulk open's in the same round; the floor is the median over rounds ≥ 30 %.
Full size: 100,000 cases; quick (``GOVFLOW_BENCH_QUICK=1``): 5,000.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.conftest import QUICK, size, timed
from govflow import Actor, Engine, OpenRequest, SimClock
from govflow.store.sql import SqlStore
from govflow.workflows import load_workflows

N = size(100_000, 5_000)
ROUNDS = 3 if QUICK else 1
START = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ACTOR = Actor.of("bench", "handler")

TEXT = """
roles: [handler]
workflows:
  permit:
    version: {version}
    initial: {first}
    states:
      {first}: {{deadline: {{limit: {limit}, yellow_at: 0.5}}}}
      done: {{final: true}}
    transitions:
      - {{trigger: finish, from: {first}, to: done, roles: [handler]}}
"""
V1 = load_workflows(TEXT.format(version=1, first="received", limit="4 hours"))
V2 = load_workflows(TEXT.format(version=2, first="intake", limit="2 workdays"))


def _open(engine: Engine, n: int) -> None:
    engine.open_cases((OpenRequest("permit", f"410102001001{i % 900:03d}")
                       for i in range(n)), actor=ACTOR, batch=1000)


def _migrate(engine: Engine, n: int) -> None:
    report = engine.migrate("permit", 2, state_map={"received": "intake"})
    assert report.moved == n


def test_migrate_sqlite(benchmark: Any, tmp_path: Path) -> None:
    """Migrating running cases on SQLite runs at >= 30 % of the bulk open of the same cases."""
    open_s: list[float] = []
    migrate_s: list[float] = []
    engines: list[Engine] = []
    rounds = iter(range(ROUNDS))

    def prepared() -> tuple[tuple[Any, ...], dict[str, Any]]:
        url = f"sqlite:///{tmp_path / f'migrate{next(rounds)}.db'}"
        engine = Engine(V1, store=SqlStore(url, create=True), clock=SimClock(START))
        open_s.append(timed(_open, engine, N))
        engine.add_workflows(V2)
        engines.append(engine)
        return (engine,), {}

    def run(engine: Engine) -> None:
        migrate_s.append(timed(_migrate, engine, N))
        engine.close()

    benchmark.pedantic(run, setup=prepared, rounds=ROUNDS, iterations=1)
    ratio = statistics.median(o / m for o, m in zip(open_s, migrate_s, strict=True))
    rate = N / statistics.median(migrate_s)
    peer = N / statistics.median(open_s)
    benchmark.extra_info.update({"cases": N, "per_second": round(rate, 1),
                                 "open_per_second": round(peer, 1), "ratio": round(ratio, 3)})
    print(f"\nmigrate {N:,} cases on SQLite: {rate:,.0f}/s, bulk open {peer:,.0f}/s, "
          f"ratio {ratio:.2f}")
    assert ratio >= 0.30, f"migration runs at {ratio:.0%} of the bulk open of the same cases"
