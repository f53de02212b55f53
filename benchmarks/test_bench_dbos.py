"""govflow beside DBOS Transact, the durable-workflow library a Python integrator would
pick instead: the same 5-step case (open, then 5 durable steps), in the same run.

govflow: ``open_case`` then five ``fire`` calls on the hotline workflow, each its own commit.
DBOS: a workflow started (its status row) running five ``@DBOS.step`` functions (each step's
output checkpointed). On SQLite both files get the pragmas of govflow's own ``connect()`` (WAL,
``synchronous=NORMAL``, the same busy timeout; DBOS's through the engine handed to it as
``system_database_engine``); on PostgreSQL both on the same server, each in a schema of its
own. Rounds alternate and medians are compared: govflow must stay ahead on both.
"""

from __future__ import annotations

import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from benchmarks.conftest import QUICK, gc_paused
from govflow import Actor, Engine
from govflow.store.sql import SqlStore
from tests.conftest import postgres_url

dbos = pytest.importorskip("dbos")
DBOS = dbos.DBOS

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows.yaml"
CELL = "410102001001001"
CASES = 60 if QUICK else 300
ROUNDS = 3 if QUICK else 5
STEPS = (("sign", "h"), ("start", "h"), ("reply", "h"), ("call_back", "o"), ("close", "o"))
OPERATOR = Actor.of("o", "hotline_operator")
HANDLER = Actor.of("h", "handler")


@DBOS.step()
def _step(case: str, n: int) -> str:
    return f"{case}:{n}"


@DBOS.workflow()
def _five_steps(case: str) -> int:
    for n in range(5):
        _step(case, n)
    return 5


def govflow_rate(url: str) -> float:
    """Cases per second: open + 5 durable fires each."""
    engine = Engine(WORKFLOWS, store=SqlStore(url))
    try:
        with gc_paused():
            start = time.perf_counter()
            for _ in range(CASES):
                case = engine.open_case("hotline", cell=CELL, actor=OPERATOR).id
                for trigger, who in STEPS:
                    engine.fire(case, trigger, actor=HANDLER if who == "h" else OPERATOR)
            return CASES / (time.perf_counter() - start)
    finally:
        engine.close()


def dbos_rate() -> float:
    """Cases per second: a workflow started and its 5 steps checkpointed."""
    with gc_paused():
        start = time.perf_counter()
        for _ in range(CASES):
            assert _five_steps(uuid.uuid4().hex) == 5
        return CASES / (time.perf_counter() - start)


def _compare(url: str, config: dict[str, Any], benchmark: Any, label: str) -> dict[str, float]:
    DBOS(config=config)  # type: ignore[arg-type]
    DBOS.launch()
    ours: list[float] = []
    theirs: list[float] = []
    try:
        for _ in range(ROUNDS):
            ours.append(govflow_rate(url))
            theirs.append(dbos_rate())
    finally:
        DBOS.destroy(destroy_registry=False)
    figures = {"govflow_cases_per_s": statistics.median(ours),
               "dbos_cases_per_s": statistics.median(theirs)}
    figures["ratio"] = figures["govflow_cases_per_s"] / figures["dbos_cases_per_s"]
    benchmark.extra_info.update(figures)
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    print(f"\n{label}: " + ", ".join(f"{k} {v:,.3g}" for k, v in figures.items()))
    return figures


def _sqlite_like_govflow(path: Path) -> Any:
    """A plain SQLAlchemy engine with the pragmas govflow's own connections get (WAL,
    synchronous=NORMAL, busy_timeout 10 s, foreign keys); DBOS runs its own transactions."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def pragmas(dbapi_conn: Any, record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine


def test_five_step_case_sqlite(benchmark: Any, tmp_path: Path) -> None:
    """SQLite, the same file settings: govflow ahead of DBOS."""
    url = f"sqlite:///{tmp_path / 'govflow.db'}"
    SqlStore(url, create=True).close()
    theirs = _sqlite_like_govflow(tmp_path / "dbos.db")
    figures = _compare(url, {"name": "govflow-bench", "system_database_engine": theirs,
                             "log_level": "WARNING"}, benchmark, "sqlite")
    theirs.dispose()
    assert figures["ratio"] > 1.0, figures


@pytest.mark.postgres
def test_five_step_case_postgresql(benchmark: Any) -> None:
    """PostgreSQL, the same server: govflow ahead of DBOS."""
    base = postgres_url()
    url = f"{base}?schema=gf_dbos_{uuid.uuid4().hex[:10]}"
    SqlStore(url, create=True).close()
    schema = f"dbos_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    try:
        figures = _compare(url, {"name": "govflow-bench", "system_database_url": plain,
                                 "dbos_system_schema": schema, "log_level": "WARNING"},
                           benchmark, "postgresql")
    finally:
        SqlStore(url).drop_schema()
        import sqlalchemy as sa

        engine = sa.create_engine(base)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
    assert figures["ratio"] > 1.0, figures
