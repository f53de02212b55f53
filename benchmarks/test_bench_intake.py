"""Intake of one source (validation, mapping, case opening) beside opening the same cases.

The intake reads N records from a plugin's source, validates each with its pydantic model,
maps it with the plugin's rule and opens the case through ``engine.apply_batch`` with the
source cursor, 1,000 records per commit. The peer opens the very same cases directly with
``engine.open_cases`` (1,000 per commit): the difference is what the plugin framework costs.
The intake's own timers split its time into plugin code (source read, validation, mapping)
and the engine's part (apply_batch: cases, events, timers, store commit).

Floors (checked as ratios, also in quick mode): the intake keeps at least 35 % of direct
opening's throughput on the memory store, and 50 % on SQLite (where the store weighs more).
"""

from __future__ import annotations

import gc
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from benchmarks.conftest import size, timed
from govflow import Actor, Engine, SimClock
from govflow.engine.requests import OpenRequest
from govflow.plugins import ListSource, OpenCase, PluginHost, hookimpl
from govflow.plugins.intake import Intake, IntakeReport
from govflow.plugins.registry import Registry
from govflow.plugins.samples import district_cells
from govflow.store.memory import MemoryStore

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows.yaml"
RECORDS = size(100_000, 10_000)
SQL_RECORDS = size(20_000, 3_000)
START = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)
#: the intake's own actor id: it holds the reserved system role, so the engine mints it
SOURCE_ACTOR = "source:bench"
RESULTS: dict[str, float] = {}


class Finding(BaseModel):
    """The bench record: a patrol finding."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1, max_length=32)
    cell: str = Field(pattern=r"^\d{15}$")
    found_at: AwareDatetime
    reporter: str = Field(min_length=1, max_length=32)
    location: str = Field(max_length=200)
    prior_offences: int = Field(0, ge=0)


def payloads(n: int) -> list[dict[str, Any]]:
    cells = district_cells(0)
    return [{"id": f"b{i}", "cell": cells[i % len(cells)],
             "found_at": (START + timedelta(seconds=i)).isoformat(), "reporter": f"gw{i % 300}",
             "location": f"颍河路{i % 500}号", "prior_offences": i % 3} for i in range(n)]


def rule(record: Finding) -> OpenCase:
    return OpenCase("street_vending", record.cell, "street_vending",
                    {"location": record.location, "prior_offences": record.prior_offences,
                     "reporter": record.reporter}, at=record.found_at)


class Bench:
    """A plugin with one source and one rule."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    @hookimpl
    def govflow_register_sources(self, registry: Registry) -> None:
        registry.add_source(ListSource("bench", Finding, lambda: self.rows, id_field="id"))

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        registry.add_rules("bench", rule)


def requests(rows: list[dict[str, Any]], actor: Actor) -> list[OpenRequest]:
    """The same cases as plain requests (what a caller without plugins would build), acting
    as ``actor`` (the one the intake acts as: ``engine.system_actor(SOURCE_ACTOR)``)."""
    return [OpenRequest("street_vending", r["cell"], "street_vending",
                        {"location": r["location"], "prior_offences": r["prior_offences"],
                         "reporter": r["reporter"], "ref": r["id"]}, "bench", None,
                        datetime.fromisoformat(r["found_at"]), actor) for r in rows]


def make_store(kind: str) -> Any:
    if kind == "memory":
        return MemoryStore()
    from govflow.store.sql import SqlStore

    folder = Path(tempfile.mkdtemp(prefix="govflow-bench-"))
    return SqlStore(f"sqlite:///{folder / 'bench.db'}", create=True)


def engine_for(kind: str, host: PluginHost | None = None) -> Engine:
    return Engine(WORKFLOWS, store=make_store(kind), clock=SimClock(START),
                  hooks=host, actions=host.actions if host else None,
                  functions=host.functions if host else None)


def run_intake(benchmark: Any, kind: str, n: int) -> IntakeReport:
    rows = payloads(n)
    held: dict[str, Any] = {}

    def setup() -> tuple[tuple[Intake], dict[str, Any]]:
        held.clear()  # drop the last round's engine before building the next
        gc.collect()
        host = PluginHost([Bench(rows)], entry_points=False, env={})
        engine = engine_for(kind, host)
        held["engine"] = engine
        return (Intake(engine, host, cells=frozenset(district_cells(0))),), {}

    def go(intake: Intake) -> None:
        held["report"] = intake.run("bench", batch=1000)

    benchmark.pedantic(go, setup=setup, rounds=3, iterations=1)
    report: IntakeReport = held["report"]
    assert report.opened == n and report.dead == 0
    assert held["engine"].store.get_cursor("bench") == str(n - 1)
    return report


def run_direct(benchmark: Any, kind: str, n: int) -> None:
    rows = payloads(n)
    held: dict[str, Any] = {}

    def setup() -> tuple[tuple[Engine, list[OpenRequest], Actor], dict[str, Any]]:
        held.clear()
        gc.collect()
        engine = held["engine"] = engine_for(kind)
        actor = engine.system_actor(SOURCE_ACTOR)
        return (engine, requests(rows, actor), actor), {}

    def go(engine: Engine, reqs: list[OpenRequest], actor: Actor) -> None:
        held["ids"] = engine.open_cases(reqs, actor=actor, batch=1000)

    benchmark.pedantic(go, setup=setup, rounds=3, iterations=1)
    assert len(held["ids"]) == n


def record(benchmark: Any, key: str, n: int, report: IntakeReport | None = None) -> None:
    RESULTS[key] = n / benchmark.stats.stats.median
    benchmark.extra_info["records_per_s"] = RESULTS[key]
    if report is not None:
        RESULTS[key + "_plugin_share"] = report.plugin_share
        benchmark.extra_info["plugin_share"] = report.plugin_share
        benchmark.extra_info["plugin_seconds"] = report.plugin_seconds
        benchmark.extra_info["engine_seconds"] = report.engine_seconds


def test_direct_open_cases_memory(benchmark: Any) -> None:
    """Peer: engine.open_cases with the same cases, memory store."""
    run_direct(benchmark, "memory", RECORDS)
    record(benchmark, "direct_memory", RECORDS)


def test_intake_memory(benchmark: Any) -> None:
    """Intake: read + validate + map + open, memory store."""
    report = run_intake(benchmark, "memory", RECORDS)
    record(benchmark, "intake_memory", RECORDS, report)


def test_direct_open_cases_sqlite(benchmark: Any) -> None:
    """Peer: engine.open_cases, SQLite file."""
    run_direct(benchmark, "sqlite", SQL_RECORDS)
    record(benchmark, "direct_sqlite", SQL_RECORDS)


def test_intake_sqlite(benchmark: Any) -> None:
    """Intake on a SQLite file."""
    report = run_intake(benchmark, "sqlite", SQL_RECORDS)
    record(benchmark, "intake_sqlite", SQL_RECORDS, report)


@pytest.mark.parametrize(("store", "floor"), [("memory", 0.35), ("sqlite", 0.50)])
def test_intake_keeps_its_floor_of_direct_opening(store: str, floor: float) -> None:
    """Floor: intake throughput / direct open_cases throughput. The two are measured in
    alternating rounds on fresh engines, each timed with the collector paused
    (``benchmarks.conftest.timed``), so load and leftover garbage hit both alike."""
    n = RECORDS if store == "memory" else SQL_RECORDS
    rows = payloads(n)
    cells = frozenset(district_cells(0))
    direct_s: list[float] = []
    intake_s: list[float] = []
    for _ in range(3):
        engine = engine_for(store)
        actor = engine.system_actor(SOURCE_ACTOR)
        reqs = requests(rows, actor)
        direct_s.append(timed(engine.open_cases, reqs, actor=actor, batch=1000))
        host = PluginHost([Bench(rows)], entry_points=False, env={})
        intake = Intake(engine_for(store, host), host, cells=cells)
        intake_s.append(timed(intake.run, "bench", batch=1000))
    ratio = statistics.median(direct_s) / statistics.median(intake_s)
    share = RESULTS.get(f"intake_{store}_plugin_share", float("nan"))
    print(f"\n{store}: intake {n / statistics.median(intake_s):,.0f} records/s, direct "
          f"open_cases {n / statistics.median(direct_s):,.0f}/s, ratio {ratio:.2f}; plugin "
          f"code (read+validate+map) {share:.0%} of intake time")
    assert ratio >= floor, f"intake keeps {ratio:.0%} of direct opening on {store} (< {floor:.0%})"
