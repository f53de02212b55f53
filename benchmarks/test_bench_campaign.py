"""One-click campaign start, persisted on a SQLite file, beside a bare SQLAlchemy Core peer.

govflow: ``start_campaign`` over every cell of the Zhongyuan grid (934) and of the 100× grid
(93,400; 10× = 9,340 in quick mode): one ``emergency_task`` per cell through the engine
(permission and scope checks, deadline timers, event log, one transaction per 1,000 tasks)
plus one alert per node of the subtree, into a fresh SQLite file.
Peer: the same rows (cases, events, timers, outbox, captured from a run on a recording store)
written with bare SQLAlchemy Core ``executemany``, in the same number of transactions, into a
fresh SQLite file with the same schema.
Floors (issue 4): 934 tasks opened and persisted on SQLite in under 1 second, and within
4× the bare Core peer's time for the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from benchmarks.conftest import QUICK
from govflow import Engine, SimClock
from govflow.grid import Grid, generate_district
from govflow.grid.campaign import start_campaign
from govflow.grid.routing import grid_actions
from govflow.records import Actor, Change, DeadLetter
from govflow.store.changes import plan
from govflow.store.memory import MemoryStore
from govflow.store.sql import SqlStore
from govflow.store.tables import cases, events, outbox, timers

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows.yaml"
COMMANDER = Actor.of("command-centre", "commander")
SCALES = {"934": 1, "9340": 10} if QUICK else {"934": 1, "93400": 100}
ROUNDS = {"934": 5 if QUICK else 10, "9340": 2, "93400": 2}
RESULTS: dict[str, float] = {}
#: the engine's work per task (checks, timers, events, alerts) may cost at most this many
#: times the bare insert of the same rows (measured: about 2×)
RATIO_FLOOR = 4.0
_GRIDS: dict[int, Grid] = {}


def _grid(scale: int) -> Grid:
    if scale not in _GRIDS:
        _GRIDS[scale] = generate_district(seed=0, scale=scale, people="chain")
    return _GRIDS[scale]


def _clock() -> SimClock:
    return SimClock(datetime(2026, 9, 29, 1, 0, tzinfo=UTC))


class _Recording(MemoryStore):
    """A memory store that keeps every commit's changes, to replay them as bare SQL."""

    def __init__(self) -> None:
        super().__init__()
        self.commits: list[list[Change]] = []

    def commit(self, changes: Sequence[Change], *, cursor: tuple[str, str] | None = None,
               dead_letters: Sequence[DeadLetter] = (), retired: Sequence[str] = ()) -> None:
        self.commits.append([c for c in changes])
        super().commit(changes, cursor=cursor, dead_letters=dead_letters, retired=retired)


def _campaign_rows(grid: Grid) -> list[dict[str, list[dict[str, Any]]]]:
    """The rows each commit of a campaign start writes, table by table."""
    store = _Recording()
    engine = Engine(WORKFLOWS, store=store, clock=_clock(), grid=grid,
                    actions=grid_actions(grid))
    start_campaign(engine, grid, grid.root, name="bench", actor=COMMANDER)
    out = []
    for changes in store.commits:
        rows = plan(changes)
        out.append({"cases": rows.inserts, "events": rows.events, "timers": rows.timers,
                    "outbox": rows.outbox, "updates": rows.updates})
    return out


def _bare_insert(url: str, commits: list[dict[str, list[dict[str, Any]]]]) -> int:
    engine = sa.create_engine(url)
    written = 0
    with engine.connect() as conn:
        for rows in commits:
            with conn.begin():
                for table, key in ((cases, "cases"), (timers, "timers"), (events, "events"),
                                   (outbox, "outbox")):
                    if rows[key]:
                        conn.execute(table.insert(), rows[key])
                        written += len(rows[key])
                if rows["updates"]:
                    conn.execute(cases.update().where(cases.c.id == sa.bindparam("b_id")),
                                 rows["updates"])
    engine.dispose()
    return written


@pytest.mark.parametrize("cells", list(SCALES))
def test_bare_core_executemany(benchmark: Any, tmp_path: Path, cells: str) -> None:
    """Peer: the same rows with bare SQLAlchemy Core executemany on a fresh SQLite file."""
    commits = _campaign_rows(_grid(SCALES[cells]))
    counter = iter(range(1000))

    def setup() -> tuple[tuple[str, list[dict[str, list[dict[str, Any]]]]], dict[str, Any]]:
        url = f"sqlite:///{tmp_path / f'bare{next(counter)}.db'}"
        SqlStore(url, create=True).close()
        return (url, commits), {}

    written = benchmark.pedantic(_bare_insert, setup=setup, rounds=ROUNDS[cells], iterations=1)
    RESULTS[f"bare_{cells}"] = benchmark.stats.stats.median
    benchmark.extra_info["rows"] = written
    assert sum(len(c["cases"]) for c in commits) == int(cells)


@pytest.mark.parametrize("cells", list(SCALES))
def test_start_campaign_sqlite(benchmark: Any, tmp_path: Path, cells: str) -> None:
    """govflow: start_campaign over every cell, persisted on a fresh SQLite file."""
    grid = _grid(SCALES[cells])
    counter = iter(range(1000))
    engines: list[Engine] = []

    def setup() -> tuple[tuple[Engine], dict[str, Any]]:
        store = SqlStore(f"sqlite:///{tmp_path / f'gf{next(counter)}.db'}", create=True)
        engine = Engine(WORKFLOWS, store=store, clock=_clock(), grid=grid,
                        actions=grid_actions(grid))
        engines.append(engine)
        return (engine,), {}

    def run(engine: Engine) -> int:
        return start_campaign(engine, grid, grid.root, name="bench", actor=COMMANDER).tasks

    tasks = benchmark.pedantic(run, setup=setup, rounds=ROUNDS[cells], iterations=1)
    RESULTS[f"govflow_{cells}"] = benchmark.stats.stats.median
    benchmark.extra_info["tasks_per_s"] = tasks / benchmark.stats.stats.median
    assert tasks == int(cells)
    stored = engines[-1].store.find_open_cases(category="campaign")
    assert len(stored) == int(cells)
    for engine in engines:
        engine.close()


def test_campaign_floor() -> None:
    """Floor: 934 tasks opened and persisted on SQLite in under 1 s; ratio to bare Core."""
    if "govflow_934" not in RESULTS or "bare_934" not in RESULTS:
        pytest.skip("run with the benchmarks above (pytest benchmarks/test_bench_campaign.py)")
    lines = []
    for cells in SCALES:
        ours, bare = RESULTS[f"govflow_{cells}"], RESULTS[f"bare_{cells}"]
        lines.append(f"{cells} cells: govflow {ours * 1000:.0f} ms, bare Core "
                     f"{bare * 1000:.0f} ms, ratio {ours / bare:.1f}×")
    print("\n" + "\n".join(lines))
    assert RESULTS["govflow_934"] < 1.0, (
        f"934 tasks took {RESULTS['govflow_934']:.2f} s on SQLite (floor: under 1 s)")
    ratio = RESULTS["govflow_934"] / RESULTS["bare_934"]
    assert ratio < RATIO_FLOOR, f"govflow takes {ratio:.1f}× bare Core (floor: {RATIO_FLOOR}×)"
