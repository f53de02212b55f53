"""Work calendar speed: ``WorkCalendar.add`` of 3 work days beside a plain ``datetime + timedelta``.

Both run over the same starts (evenly spread over 2026 Mar–Aug, in and out of work time) in
the same run; a third runs ``add_checked`` (the due time and whether it crossed a provisional
day) over the same starts a year later, in provisional 2027. No floor: the engine calls
``add`` once per state entry with a deadline, so the figure to watch is the per-call time
(aim: under 20 µs, in ``extra_info.us_per_call``), reported beside its peer.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from govflow.worktime import Duration, WorkCalendar

QUICK = os.environ.get("GOVFLOW_BENCH_QUICK") == "1"
CALLS = 2_000 if QUICK else 20_000
ROUNDS = 5 if QUICK else 20

CAL = WorkCalendar.china()
LIMIT = Duration(3, "workdays")
STEP = timedelta(days=180) / CALLS
STARTS = [datetime(2026, 3, 1, tzinfo=UTC) + STEP * i for i in range(CALLS)]
PLAIN = timedelta(days=3)
PROVISIONAL_STARTS = [start.replace(year=2027) for start in STARTS]


def _calendar_add() -> datetime:
    add, limit = CAL.add, LIMIT
    last = STARTS[0]
    for start in STARTS:
        last = add(start, limit)
    return last


def _plain_add() -> datetime:
    plain = PLAIN
    last = STARTS[0]
    for start in STARTS:
        last = start + plain
    return last


def _checked_add_provisional() -> datetime:
    add, limit = CAL.add_checked, LIMIT
    last = PROVISIONAL_STARTS[0]
    for start in PROVISIONAL_STARTS:
        last, provisional = add(start, limit)
    assert provisional
    return last.replace(year=2026)  # compared with the 2026 starts below


IMPLEMENTATIONS: dict[str, Callable[[], datetime]] = {
    "calendar_add_3_workdays": _calendar_add,
    "datetime_plus_timedelta": _plain_add,
    "calendar_add_checked_3_workdays_2027": _checked_add_provisional,
}


@pytest.mark.benchmark(group="calendar-add")
@pytest.mark.parametrize("name", list(IMPLEMENTATIONS))
def test_add_3_workdays(benchmark: BenchmarkFixture, name: str) -> None:
    """Time CALLS additions; the extra_info carries the per-call microseconds."""
    run = IMPLEMENTATIONS[name]
    run()  # warm the day cache, as a running engine has it
    last = benchmark.pedantic(run, rounds=ROUNDS, iterations=1)  # type: ignore[no-untyped-call]
    assert last > STARTS[-1]
    assert benchmark.stats is not None
    median = benchmark.stats.stats.median
    benchmark.extra_info["calls"] = CALLS
    benchmark.extra_info["us_per_call"] = round(median / CALLS * 1e6, 3)
