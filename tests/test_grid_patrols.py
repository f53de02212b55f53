"""Recurring patrols over the National Day week; findings open cases linked to the patrol."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from govflow import Engine, SimClock
from govflow.errors import GridError
from govflow.grid.patrols import PatrolSchedule, open_patrols, record_patrol, slots
from govflow.records import Actor
from govflow.store.base import Store
from tests.helpers import CELL, OTHER_CELL, CodeGrid

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows.yaml"
SH = ZoneInfo("Asia/Shanghai")
INSPECTOR = Actor.of("insp", "inspector", "grid_worker")
SYSTEM = Actor.of("scheduler", "inspector")
HOARDINGS = PatrolSchedule("围挡巡查", CELL, "汝河路工地", ("11:30", "20:00"))
NIGHT_MARKET = PatrolSchedule("夜市巡查", OTHER_CELL, "中原路夜市", ("21:00",), days="daily")


def _engine(store: Store) -> Engine:
    clock = SimClock(datetime(2026, 10, 4, 12, 0, tzinfo=SH))
    return Engine(WORKFLOWS, store=store, clock=clock, grid=CodeGrid())


def test_patrol_schedule_over_the_holiday_week(store: Store) -> None:
    """Oct 5-11 2026: National Day holidays to the 7th, the 10th a make-up Saturday. The
    work-day schedule patrols the 8th, 9th and 10th at its peak hours; the daily one every
    night; opening the week again opens nothing twice; deadlines pass as the week runs."""
    engine = _engine(store)
    week = (date(2026, 10, 5), date(2026, 10, 11))
    assert [m.day for m in slots(HOARDINGS, engine.calendar, *week)] == [8, 8, 9, 9, 10, 10]
    ids = open_patrols(engine, [HOARDINGS, NIGHT_MARKET], *week, actor=SYSTEM)
    assert len(ids) == 6 + 7
    assert open_patrols(engine, [HOARDINGS, NIGHT_MARKET], *week, actor=SYSTEM) == []
    cases = [engine.case(i) for i in ids]
    first = min((c for c in cases if c.cell == CELL), key=lambda c: c.opened_at)
    assert first.opened_at == datetime(2026, 10, 8, 11, 30, tzinfo=SH)
    assert first.due_at == datetime(2026, 10, 9, 11, 30, tzinfo=SH)
    engine.run_until(datetime(2026, 10, 9, 12, 0, tzinfo=SH))
    assert engine.case(first.id).light == "red"    # the first slot went unwalked


def test_findings_open_the_right_cases_linked_to_the_patrol(store: Store) -> None:
    """A clean patrol closes ok; one with a hoarding and an incident hands off to a
    rectification and a standard case, each carrying the patrol's id."""
    engine = _engine(store)
    ids = open_patrols(engine, [HOARDINGS], date(2026, 10, 8), date(2026, 10, 8), actor=SYSTEM)
    engine.run_until(datetime(2026, 10, 8, 12, 0, tzinfo=SH))
    clean, _ = record_patrol(engine, ids[0], actor=INSPECTOR)
    assert clean.state == "closed"
    engine.run_until(datetime(2026, 10, 8, 20, 30, tzinfo=SH))
    done, opened = record_patrol(engine, ids[1], actor=INSPECTOR, findings=[
        {"kind": "hoarding", "what": "围挡底部未封闭"}, {"kind": "incident", "what": "斗殴"}])
    assert done.state == "handed_off" and done.data["handed_to"] == [c.id for c in opened]
    assert [(c.workflow, c.category) for c in opened] == [
        ("rectification", "hoarding"), ("standard_case", "incident")]
    assert all(c.data["patrol"] == ids[1] for c in opened)
    fix = engine.fire(opened[0].id, "serve_notice", actor=INSPECTOR)
    assert fix.due_at == fix.state_entered_at + timedelta(days=3)
    with pytest.raises(GridError, match="finding kind"):
        record_patrol(engine, ids[0], actor=INSPECTOR, findings=[{"kind": "ufo"}])
