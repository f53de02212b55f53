"""Provisional years, and re-planning when a year's days change: on every store.

The expectations are computed apart from the engine: a due time of N whole work days from a
moment inside work hours is the same clock time on the N-th next work day, with the work days
taken from chinese-calendar (the final 2020) or from the days the test declares official.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from govflow import Actor, Engine, SimClock
from govflow.records import Timer
from govflow.store.base import Store
from govflow.workflows import load_workflows
from govflow.worktime import WorkCalendar
from govflow.worktime.notice import merge, read_notice_file
from tests.conftest import SHANGHAI, postgres_url
from tests.helpers import CELL, CodeGrid

WORKER = Actor.of("w1", "worker", scope=CELL)

FLOWS = """
roles: [worker, system]
workflows:
  flow:
    version: 1
    initial: handle
    states:
      handle: {deadline: {limit: 4 workdays, yellow_at: 0.5}}
      watch: {}
      done: {final: true}
    transitions:
      - {trigger: finish, from: handle, to: watch, roles: [worker]}
      - {trigger: close, from: watch, to: done, roles: [worker, system]}
      - {trigger: relapse, from: watch, to: handle, roles: [worker, system]}
    supervision:
      - {state: handle, after: 2 workdays, level: yellow}
    revisit: {after: watch, offsets: [3 workdays, 6 workdays], clean_to_end: 2,
              on_rebound: relapse, on_clean: close}
"""
#: work days each timer kind is set at after entering its state (revisit: by its number)
OFFSETS = {"yellow": 2, "red": 4, "supervise": 2}
REVISITS = {1: 3, 2: 6}


def sh(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=SHANGHAI)


def reference_due(start: datetime, workdays: int, is_workday: Callable[[date], bool]) -> datetime:
    """The same clock time on the ``workdays``-th next work day (start inside work hours)."""
    local = start.astimezone(SHANGHAI)
    day = local.date()
    while workdays:
        day += timedelta(days=1)
        if is_workday(day):
            workdays -= 1
    return datetime.combine(day, local.timetz())


def expected(engine: Engine, timer: Timer, is_workday: Callable[[date], bool]) -> datetime:
    start = engine.case(timer.case_id).state_entered_at
    n = REVISITS[timer.payload["n"]] if timer.kind == "revisit" else OFFSETS[timer.kind]
    return reference_due(start, n, is_workday)


def engine_on(store: Store, calendar: WorkCalendar, start: datetime) -> Engine:
    return Engine(load_workflows(FLOWS), store=store, clock=SimClock(start), calendar=calendar,
                  grid=CodeGrid())


def open_at(engine: Engine, moment: datetime, finish_at: datetime | None = None) -> str:
    clock = engine.clock
    assert isinstance(clock, SimClock)
    engine.run_until(moment)
    case = engine.open_case("flow", cell=CELL, actor=WORKER)
    if finish_at is not None:
        engine.run_until(finish_at)
        engine.fire(case.id, "finish", actor=WORKER)
    return case.id


def pending(engine: Engine, ids: list[str]) -> dict[tuple[str, str, object], Timer]:
    out = {}
    for case_id in ids:
        for timer in engine.store.pending_timers(case_id):
            out[(case_id, timer.kind, timer.payload.get("n"))] = timer
    return out


# -- the cases of the issue ---------------------------------------------------------------------


def test_three_workdays_over_new_year_2027_are_due_on_tuesday_and_provisional() -> None:
    """From Wed 2026-12-30 10:00, 3 work days end Tue 2027-01-05 10:00 (1 January off, the
    weekend off), and the calendar says the span crossed a provisional day."""
    cal = WorkCalendar.china()
    from govflow.worktime import parse_duration

    due, provisional = cal.add_checked(sh(2026, 12, 30), parse_duration("3 workdays"))
    assert due == sh(2027, 1, 5)
    assert provisional
    assert cal.year_status(2026) == "official (package)"
    assert cal.year_status(2027) == "provisional"
    assert not cal.add_checked(sh(2026, 12, 1), parse_duration("3 workdays"))[1]


def test_three_workdays_before_spring_festival_2027_reach_past_it() -> None:
    """From Wed 2027-02-03 10:00, 3 work days end no earlier than Thu 2027-02-11 10:00: New
    Year's Eve to the third day (5–8 February) are off, and the two of them on the weekend
    are made up on Tuesday 9 and Wednesday 10 (补假)."""
    cal = WorkCalendar.china()
    from govflow.worktime import parse_duration

    due = cal.add(sh(2027, 2, 3), parse_duration("3 workdays"))
    assert due >= sh(2027, 2, 11)
    assert due == sh(2027, 2, 12)
    assert [d for d in range(5, 11) if cal.is_workday(date(2027, 2, d))] == []


def test_a_deadline_into_a_provisional_year_is_marked_on_timer_and_history(store: Store) -> None:
    """A timer counted over a provisional day says so, and so does the open event; a timer
    within an official year (here the warning and supervision, due Thursday 31 December) is
    not marked."""
    engine = engine_on(store, WorkCalendar.china(), sh(2026, 12, 1))
    early = engine.open_case("flow", cell=CELL, actor=WORKER)
    late = open_at(engine, sh(2026, 12, 29))
    assert not any(t.provisional for t in store.pending_timers(early.id))
    assert engine.history(early.id)[0].data.get("provisional") is None
    timers = store.pending_timers(late)
    assert {t.kind: t.provisional for t in timers} == {
        "yellow": False, "red": True, "supervise": False}
    assert engine.history(late)[0].data["provisional"] is True
    assert engine.case(late).due_at == sh(2027, 1, 5)


# -- re-planning --------------------------------------------------------------------------------


def test_replay_of_the_2020_spring_festival_extension(store: Store, shared_data: Path) -> None:
    """Cases hold deadlines across the 2020 Spring Festival computed on the notice of November
    2019; on 26 January the extension puts 31 January and 1 February off (1 February had been
    a make-up work day). After replan every pending due time is what chinese-calendar's final
    2020 gives, each moved case has one replan event, and nothing else moved."""
    notices = shared_data / "holiday_notices"
    off, work = merge(read_notice_file(notices / f"{y}.txt") for y in (2019, 2020))
    before = WorkCalendar(official=False, holidays=off, workdays=work)
    engine = engine_on(store, before, sh(2020, 1, 20, 9, 30))
    ids = [open_at(engine, sh(2020, 1, d, h)) for d, h in ((20, 10), (21, 10), (21, 15),
                                                          (22, 10), (23, 11))]
    ids.append(open_at(engine, sh(2020, 1, 22, 16), finish_at=sh(2020, 1, 23, 10)))
    ids.append(open_at(engine, sh(2020, 1, 23, 14), finish_at=sh(2020, 1, 23, 15)))
    engine.run_until(sh(2020, 1, 26, 12))
    old = pending(engine, ids)
    assert old, "the cases hold pending timers across the holiday"

    after = WorkCalendar(official=False, holidays=off | {date(2020, 1, 31), date(2020, 2, 1)},
                         workdays=work - {date(2020, 2, 1)})
    planned = engine.replan(after, dry_run=True)
    assert pending(engine, ids) == old  # a dry run writes nothing
    moves = engine.replan()
    assert sorted((m.case_id, m.kind, m.new) for m in moves) == sorted(
        (m.case_id, m.kind, m.new) for m in planned)

    final = pending(engine, ids)
    assert set(final) == set(old)  # what had fired is not set again; nothing is lost
    moved = set()
    for key, timer in final.items():
        want = expected(engine, timer, chinese_calendar.is_workday)
        assert timer.due_at == want, key
        if want != old[key].due_at:
            moved.add(key[0])
    assert moved and {m.case_id for m in moves} == moved
    for case_id in ids:
        replans = [e for e in engine.history(case_id) if e.trigger == "replan"]
        assert len(replans) == (case_id in moved)
        if replans:
            data = replans[0].data
            assert {(m["kind"], m["new"]) for m in data["moves"]} == {
                (m.kind, m.new.isoformat() if m.new else None)
                for m in moves if m.case_id == case_id}
            case = engine.case(case_id)
            if case.state == "handle":
                assert case.due_at == final[(case_id, "red", None)].due_at
    assert engine.replan() == []  # a second run finds nothing to move
    # and the moved timers fire at their new times
    engine.run_until(sh(2020, 2, 20, 12))
    assert pending(engine, ids).keys().isdisjoint(old)


#: the official 2027 the test declares (a notice with other make-up days than provisional)
OFF_2027 = {date(2027, 1, 1), *(date(2027, 2, d) for d in range(5, 12))}
WORK_2027 = {date(2027, 1, 30), date(2027, 2, 20)}


def official_2027(day: date) -> bool:
    if day.year != 2027:
        return bool(chinese_calendar.is_workday(day))
    return day in WORK_2027 or (day not in OFF_2027 and day.weekday() < 5)


def test_a_provisional_year_made_official_moves_every_due_time(store: Store) -> None:
    """Cases whose deadlines fall in provisional 2027; the file then makes 2027 official with
    other days (Spring Festival 5–11 February, Saturdays 30 January and 20 February worked);
    after replan every due time is the official one and none is provisional any more."""
    engine = engine_on(store, WorkCalendar.china(), sh(2026, 12, 28))
    ids = [open_at(engine, sh(2026, 12, 28, 15)), open_at(engine, sh(2026, 12, 31))]
    ids += [open_at(engine, sh(2027, 1, d, h)) for d, h in ((26, 10), (27, 11), (28, 14),
                                                            (29, 10))]
    ids.append(open_at(engine, sh(2027, 1, 25, 10), finish_at=sh(2027, 1, 29, 11)))
    engine.run_until(sh(2027, 1, 29, 18))
    old = pending(engine, ids)
    provisional_calendar = engine.calendar
    for key, timer in old.items():  # set on the provisional days, and marked so
        assert timer.due_at == expected(
            engine, timer, provisional_calendar.is_workday), key
        assert timer.provisional, key

    official = WorkCalendar(holidays=OFF_2027, workdays=WORK_2027)
    assert official.year_status(2027) == "official (file)"
    moves = engine.replan(official)
    final = pending(engine, ids)
    assert set(final) == set(old)
    for key, timer in final.items():
        assert timer.due_at == expected(engine, timer, official_2027), key
        assert not timer.provisional, key
    # every pending timer changed its mark, so every case holding one has one replan event;
    # the cases of December had fired all theirs and are left alone
    holding = {key[0] for key in old}
    assert holding and holding != set(ids)
    assert {m.case_id for m in moves} == holding
    assert len(moves) == len(old)
    for case_id in ids:
        events = [e for e in engine.history(case_id) if e.trigger == "replan"]
        assert len(events) == (case_id in holding)
        assert all("provisional" not in e.data for e in events)
    assert any(m.new != m.old for m in moves)


@pytest.mark.postgres
def test_replan_while_a_worker_ticks_on_postgres() -> None:
    """A worker fires the due warnings and supervision of 200 cases (old calendar) while
    another engine re-plans them (official calendar), each on its own connection: no change
    is lost or doubled, every case has one replan event, and a dry run afterwards finds
    nothing left to move."""
    from govflow.engine.requests import OpenRequest
    from govflow.store.sql import SqlStore

    schema = f"gf_test_{uuid.uuid4().hex[:12]}"
    url = postgres_url()
    planner_store = SqlStore(url, schema=schema, create=True)
    worker_store = SqlStore(url, schema=schema, lease_seconds=1.0)
    try:
        opened = sh(2027, 2, 1)
        planner = engine_on(planner_store, WorkCalendar.china(), opened)
        ids = planner.open_cases((OpenRequest("flow", CELL) for _ in range(200)), actor=WORKER)
        worker = engine_on(worker_store, WorkCalendar.china(), sh(2027, 2, 3, 10))
        stop = threading.Event()
        fired: list[int] = []

        def tick() -> None:
            while not stop.is_set():
                fired.append(worker.tick(chunk=20))
                time.sleep(0.001)

        thread = threading.Thread(target=tick)
        thread.start()
        try:
            moves = planner.replan(WorkCalendar(holidays=OFF_2027, workdays=WORK_2027))
        finally:
            stop.set()
            thread.join(timeout=60)
        worker.tick()
        assert sum(fired) > 0
        assert {m.case_id for m in moves} == set(ids)
        assert planner.replan(dry_run=True) == []
        for case_id in ids:
            triggers = [e.trigger for e in planner.history(case_id)]
            assert triggers.count("replan") == 1
            assert triggers.count("warn") == 1 and triggers.count("supervise") == 1
            red = [t for t in planner_store.pending_timers(case_id) if t.kind == "red"]
            assert [t.due_at for t in red] == [sh(2027, 2, 12)]
            assert planner.case(case_id).due_at == sh(2027, 2, 12)
    finally:
        worker_store.close()
        planner_store.drop_schema()


def test_replan_refuses_cases_of_a_workflow_version_not_loaded(memory_store: Store) -> None:
    """Before anything moves, replan names the workflow versions it cannot plan with."""
    from govflow.errors import WorkflowError

    engine = engine_on(memory_store, WorkCalendar.china(), sh(2026, 12, 28))
    case_id = engine.open_case("flow", cell=CELL, actor=WORKER).id
    other = Engine(load_workflows(FLOWS.replace("version: 1", "version: 2")),
                   store=memory_store, clock=SimClock(sh(2026, 12, 28)), grid=CodeGrid())
    other.open_case("flow", cell=CELL, actor=WORKER)
    before = memory_store.pending_timers(case_id)
    with pytest.raises(WorkflowError, match="flow v2"):
        engine.replan(WorkCalendar(holidays=OFF_2027, workdays=WORK_2027))
    assert memory_store.pending_timers(case_id) == before
