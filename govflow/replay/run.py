"""Replay records through a workflow on a simulated clock, at the records' own times.

Each record opens a case at its creation time; its moves (close, cancel, notes) are applied
at their recorded times; between them the clock steps timer by timer, so the workflow's
warnings, breaches and escalations happen when the department's file says. Everything at one
moment is applied in one commit (``apply_batch``); a move the workflow refuses becomes a
dead letter with the engine's reason, and is counted.
"""

from __future__ import annotations

import time as wallclock
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from govflow.clock import SimClock
from govflow.engine.engine import Engine
from govflow.engine.requests import FireRequest, NoteRequest, OpenRequest, Request
from govflow.errors import GovflowError
from govflow.records import Actor, Case, DeadLetter
from govflow.replay.errors import ReplayError
from govflow.replay.hierarchy import ReplayHierarchy, code_of
from govflow.replay.outcome import CaseOutcome, outcomes_of
from govflow.replay.progress import Ticker
from govflow.replay.records import Move, ReadResult, ReplayRecord
from govflow.store.base import Store
from govflow.workflows.spec import WorkflowSet, WorkflowSpec
from govflow.worktime import WorkCalendar

#: who files the replayed requests (a role of the replay workflows)
RESIDENT = Actor.of("resident", "resident")
_EPS = timedelta(microseconds=1)
#: where the clock of an empty replay starts (nothing happens on it)
_NO_RECORDS = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class ReplayResult:
    """What a replay did: the cases per record, refused moves, timing, and each outcome."""

    source: str
    workflow: str
    limit: str
    read: ReadResult
    case_ids: dict[str, str] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)
    outcomes: list[CaseOutcome] = field(default_factory=list)
    started: datetime | None = None
    until: datetime | None = None
    seconds: float = 0.0
    #: the calendar's zone, in which the report shows times
    timezone: str = "UTC"

    @property
    def records_per_second(self) -> float:
        return len(self.read.records) / self.seconds if self.seconds > 0 else 0.0


def replay_engine(
    workflows: WorkflowSet | str | Path, read: ReadResult, *, store: Store | str | None = None,
    calendar: WorkCalendar | None = None,
) -> Engine:
    """An engine for a replay: a SimClock at the first record, the records' area tree."""
    start = min((r.created for r in read.records), default=_NO_RECORDS)
    grid = ReplayHierarchy.from_records(read.source, read.records)
    return Engine(workflows, store=store, clock=SimClock(start), calendar=calendar, grid=grid)


def replay(
    records: ReadResult | Sequence[ReplayRecord], *, workflow: str, engine: Engine | None = None,
    workflows: WorkflowSet | str | Path | None = None, store: Store | str | None = None,
    calendar: WorkCalendar | None = None, until: datetime | None = None, progress: bool = False,
    opener: Actor = RESIDENT,
) -> ReplayResult:
    """Replay the records through ``workflow``; a reader's bad rows become dead letters.

    Give an ``engine`` on a SimClock not later than the first record, or ``workflows`` (and
    optionally ``store``, ``calendar``) to have one built. The clock ends at ``until``
    (default: the last recorded time), so cases still open by then have had their warnings.
    """
    read = records if isinstance(records, ReadResult) else ReadResult(
        "replay", records=list(records))
    if engine is None:
        if workflows is None:
            raise ReplayError("replay needs an engine or a workflows file")
        engine = replay_engine(workflows, read, store=store, calendar=calendar)
    clock = engine.clock
    if not isinstance(clock, SimClock):
        raise ReplayError("replay needs an engine on a SimClock (the records set the time)")
    spec = engine.workflow(workflow)
    deadline = spec.states[spec.initial].deadline
    result = ReplayResult(read.source, workflow, str(deadline.limit) if deadline else "", read,
                          timezone=engine.calendar.timezone)
    items = _timeline(read.records)
    if items and items[0][0] < clock.now():
        raise ReplayError(
            f"the engine's clock ({clock.now().isoformat()}) is after the first record "
            f"({items[0][0].isoformat()}); start the SimClock at or before it")
    began = wallclock.perf_counter()
    result.started = clock.now()
    _write_bad_rows(engine, read)
    runner = _Runner(engine, workflow, read.source, opener, result)
    moments = [(moment, [(rec, move) for *_, rec, move in group])
               for moment, group in groupby(items, key=lambda item: item[0])]
    with Ticker(len(items), enabled=progress, label=f"replay {read.source}") as ticker:
        i = 0
        while i < len(moments):
            j = runner.step(moments, i)
            ticker.advance(sum(len(batch) for _, batch in moments[i:j]), moments[j - 1][0])
            i = j
        end = until or (items[-1][0] if items else clock.now())
        if end > clock.now():
            engine.run_until(end)
    result.until = clock.now()
    result.seconds = wallclock.perf_counter() - began
    result.outcomes = outcomes_of(engine, read.records, result.case_ids)
    return result


Item = tuple[datetime, int, int, int, ReplayRecord, Move | None]


def _timeline(records: Sequence[ReplayRecord]) -> list[Item]:
    """Opens and moves in time order; at one moment opens come first, a record's moves in
    their order."""
    items: list[Item] = []
    for rec in records:
        items.append((rec.created, 0, rec.row, 0, rec, None))
        items.extend((m.at, 1, rec.row, i, rec, m) for i, m in enumerate(rec.moves, start=1))
    items.sort(key=lambda item: item[:4])
    return items


Batch = list[tuple[ReplayRecord, Move | None]]


class _Runner:
    """Applies the records moment by moment, stepping the clock through the timers between.

    Moments that only open cases, with no timer due among them, are written in one commit
    (each case opened at its own time): new cases' timers fall after their own opening, and
    nothing else happens to those cases inside the run.
    """

    #: most cases opened in one commit
    CHUNK = 1000

    def __init__(
        self, engine: Engine, workflow: str, source: str, opener: Actor, result: ReplayResult
    ) -> None:
        self.engine = engine
        self.workflow = workflow
        self.source = source
        self.opener = opener
        self.result = result
        self.actors: dict[str, Actor] = {}
        self.failed: dict[int, tuple[ReplayRecord, Move]] = {}
        #: a lower bound of the earliest pending timer (None: no timer)
        self.next_due = engine.store.next_due()
        #: triggers whose every destination sets no timer: after them the bound still holds
        self.quiet = quiet_triggers(engine.workflow(workflow))

    def step(self, moments: list[tuple[datetime, Batch]], i: int) -> int:
        """Apply moment ``i`` (or a run of open-only moments from it); the next index."""
        moment, batch = moments[i]
        self.advance(moment)
        moves = [(rec, move) for rec, move in batch if move is not None]
        j = i + 1
        if moves:
            opened = self.open([rec for rec, move in batch if move is None], moment)
            self.move(moves)
            if opened or any(not m.note and m.trigger not in self.quiet for _, m in moves):
                self.next_due = self.engine.store.next_due()
        else:
            opens = [rec for rec, _ in batch]
            while j < len(moments) and len(opens) < self.CHUNK and self._opens_only(moments[j]):
                opens.extend(rec for rec, _ in moments[j][1])
                j += 1
            self.open(opens, None)
            self.next_due = self.engine.store.next_due()
        return j

    def _opens_only(self, item: tuple[datetime, Batch]) -> bool:
        moment, batch = item
        if self.next_due is not None and self.next_due < moment:
            return False  # a timer falls before this moment: fire it first
        return all(move is None for _, move in batch)

    def advance(self, moment: datetime) -> None:
        """Fire the timers due before ``moment`` at their times, then set the clock to it
        (timers due exactly at a record's time come after the record)."""
        clock = self.engine.clock
        assert isinstance(clock, SimClock)
        if moment <= clock.now():
            return
        if self.next_due is not None and self.next_due < moment:
            self.engine.run_until(moment - _EPS)
            self.next_due = self.engine.store.next_due()
        clock.set(moment)

    def open(self, opens: list[ReplayRecord], moment: datetime | None) -> bool:
        if not opens:
            return False
        requests = [self.open_request(rec, moment or rec.created) for rec in opens]
        cases = self.engine.apply_batch(requests)
        for rec, case in zip(opens, cases, strict=True):
            assert isinstance(case, Case)
            self.result.case_ids[rec.id] = case.id
        return True

    def move(self, moves: list[tuple[ReplayRecord, Move]]) -> None:
        requests: list[Request] = []
        self.failed = {}
        for rec, move in moves:
            request = self.move_request(rec, move)
            self.failed[id(request)] = (rec, move)
            requests.append(request)
        self.engine.apply_batch(requests, on_error=self.refuse)

    def open_request(self, rec: ReplayRecord, moment: datetime) -> OpenRequest:
        data: dict[str, Any] = {"record": rec.id}
        for key in ("district", "agency"):
            if getattr(rec, key):
                data[key] = getattr(rec, key)
        if rec.lat is not None and rec.lon is not None:
            data["lat"], data["lon"] = rec.lat, rec.lon
        if rec.due is not None:
            data["due_at"] = rec.due.isoformat()
        return OpenRequest(self.workflow, code_of(rec.area), rec.category, data, self.source,
                           None, moment, self.opener)

    def move_request(self, rec: ReplayRecord, move: Move) -> Request:
        case_id = self.result.case_ids[rec.id]
        actor = self.actors.get(rec.agency)
        if actor is None:
            actor = self.actors[rec.agency] = Actor.of(rec.agency or "agency", "agency")
        if move.note:
            return NoteRequest(case_id, move.trigger, actor, dict(move.data) or None)
        return FireRequest(case_id, move.trigger, actor, dict(move.data) or None)

    def refuse(self, request: Request, exc: GovflowError) -> DeadLetter:
        rec, move = self.failed[id(request)]
        reason = f"{move.trigger} refused ({type(exc).__name__})"
        self.result.refused[reason] += 1
        return DeadLetter(f"{self.source}:{rec.id}:{move.trigger}", self.source, rec.id,
                          f"{reason}: {exc}", repr(move), self.engine.clock.now())


def quiet_triggers(spec: WorkflowSpec) -> frozenset[str]:
    """Triggers of ``spec`` whose destinations set no timer (no deadline, no supervision
    rule, no revisit cycle): firing them can only cancel timers, never add an earlier one."""
    timed = {name for name, state in spec.states.items() if state.deadline is not None}
    timed |= {rule.state for rule in spec.supervision}
    if spec.revisit is not None:
        timed.add(spec.revisit.after_state)
    loud = {t.trigger for t in spec.transitions if t.dest in timed}
    return frozenset(t.trigger for t in spec.transitions) - loud


def _write_bad_rows(engine: Engine, read: ReadResult) -> None:
    """Every refused row is kept as a dead letter with its reason."""
    if not read.bad:
        return
    now = engine.clock.now()
    engine.store.add_dead_letters([
        DeadLetter(f"{read.source}:row{bad.row}", read.source, bad.record_id,
                   f"{bad.reason}: {bad.detail}", f"row {bad.row}", now)
        for bad in read.bad
    ])
