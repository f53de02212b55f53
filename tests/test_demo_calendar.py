"""The demo run across New Year into a provisional year: no timer is stuck at 2027-01-01."""

from __future__ import annotations

from pathlib import Path

import pytest

from govflow.demo.result import Options
from govflow.demo.run import simulate
from govflow.demo.timeline import day_start, first_moment
from govflow.engine.engine import DEAD_TIMER_SOURCE


@pytest.mark.slow
def test_thirty_days_from_15_december_2026_leave_no_timer_stuck(tmp_path: Path) -> None:
    """30 simulated days from 2026-12-15 (a fifth of a district's records, the campaign in
    full): every timer due by the end fired, none failed or went to the dead letters, and
    the deadlines counted into 2027 say they are provisional."""
    start = first_moment("2026-12-15")
    opts = Options(days=30, out=tmp_path / "demo", quiet=True, warmup=False, start=start,
                   scale=0.2)
    result, world, _ = simulate(opts)
    engine = world.engine
    try:
        end = day_start(31, start)
        assert engine.clock.now() == end
        assert engine.failures == []
        assert engine.store.count_dead_letters(DEAD_TIMER_SOURCE) == 0
        due = engine.store.next_due()
        assert due is None or due > end
        assert result.timers > 1000
        provisional = [e for case in engine.store.iter_cases()
                       for e in engine.history(case.id) if e.data.get("provisional")]
        assert provisional, "deadlines counted into 2027 are marked provisional"
        assert all(e.at >= day_start(1, start) for e in provisional)
        assert result.events["escalated"] > 0 and result.messages["warning"] > 0
    finally:
        engine.close()
