"""Replay of the Los Angeles 311 file beside the bare engine doing the same opens and closes.

The replay opens each case at its recorded time, steps the simulated clock through every
warning, breach and escalation, and closes each case at its recorded time (one commit per
moment with a close; runs of opens share a commit). The peer opens and closes the same
cases with ``open_cases`` / ``fire_many`` in batches of 1,000 with no clock stepping: the
engine's minimum work for these cases. Figures: records per second, on the memory store.
Floor (issue 7): the replay keeps at least 30 % of the bare engine's throughput, and a
10k-record file replays in seconds (a loose absolute bound of 30 s).
"""

from __future__ import annotations

import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from benchmarks.conftest import QUICK, size, timed
from govflow import Actor
from govflow.engine.requests import FireRequest, OpenRequest
from govflow.replay import ReadResult, load_mapping, read_records, replay, replay_engine
from govflow.replay.hierarchy import code_of

ROOT = Path(__file__).resolve().parents[1]
LA = ROOT.parent / "shared" / "data" / "la311" / "MyLA311_2017_subset.csv"
MAPPING = ROOT / "replay" / "la311.yaml"
RECORDS = size(10_000, 2_000)
ROUNDS = 3 if QUICK else 5
RESIDENT = Actor.of("resident", "resident")
AGENCY = Actor.of("agency", "agency")

pytestmark = pytest.mark.skipif(not LA.is_dir() and not LA.is_file(),
                                reason="../shared/data is not present")


def _read() -> ReadResult:
    mapping, _ = load_mapping(MAPPING)
    read = read_records(LA, mapping)
    return replace(read, records=read.records[:RECORDS], bad=[])


def _engine(read: ReadResult) -> Any:
    mapping, folder = load_mapping(MAPPING)
    return replay_engine(folder / mapping.workflows, read)


def _replay(read: ReadResult) -> float:
    engine = _engine(read)
    return timed(replay, read, workflow="service_request", engine=engine)


def _open_and_close(engine: Any, read: ReadResult) -> None:
    ids = engine.open_cases(
        (OpenRequest("service_request", code_of(r.area), r.category, {"record": r.id}, "la311",
                     None, r.created) for r in read.records), actor=RESIDENT)
    engine.fire_many(FireRequest(case_id, r.moves[0].trigger, AGENCY)
                     for case_id, r in zip(ids, read.records, strict=True) if r.moves)


def _bare(read: ReadResult) -> float:
    return timed(_open_and_close, _engine(read), read)


def test_replay_la311(benchmark: Any) -> None:
    """The replay, records per second (memory store)."""
    read = _read()
    benchmark.pedantic(lambda: replay(read, workflow="service_request", engine=_engine(read)),
                       rounds=ROUNDS, iterations=1)
    benchmark.extra_info["records_per_s"] = len(read.records) / benchmark.stats.stats.median


def test_bare_engine_same_cases(benchmark: Any) -> None:
    """Peer: the same opens and closes in batches, no clock stepping."""
    read = _read()
    benchmark.pedantic(_bare, args=(read,), rounds=ROUNDS, iterations=1)
    benchmark.extra_info["records_per_s"] = len(read.records) / benchmark.stats.stats.median


def test_replay_keeps_30_percent_of_the_bare_engine() -> None:
    """Floor: replay throughput >= 30 % of the bare engine's on the same records, measured in
    alternating rounds with the collector paused for both; and the full file replays well
    inside 30 s."""
    read = _read()
    ours, bare = [], []
    for _ in range(ROUNDS):
        ours.append(_replay(read))
        bare.append(_bare(read))
    n = len(read.records)
    ratio = statistics.median(bare) / statistics.median(ours)
    print(f"\nreplay {n / statistics.median(ours):,.0f} records/s, bare engine "
          f"{n / statistics.median(bare):,.0f} records/s, ratio {ratio:.2f} ({n} records)")
    assert ratio >= 0.30, f"replay keeps {ratio:.0%} of the bare engine's throughput (< 30 %)"
    assert statistics.median(ours) < 30.0 * n / 10_000
