"""Stage and duty columns from the engine's cases and their event logs.

For each case the log says when it left each stage and the due time it had when it entered
it (the ``due_at`` of the entering event, moved by extensions). Which states are which stage
is a :class:`StageMap` (the district's workflows by default): registration is leaving
``reported`` (立案), dispatch is leaving ``registered`` or ``returned`` (派遣, 重新派遣),
handling is leaving ``handling`` (处置). A ``return`` (退单) counts a re-route; a case is
satisfied (一次满意) when its callbacks (回访) ended without a ``redo``, unsatisfied after any. The
person a case counts for is whoever took it out of handling (or nobody).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from govflow.kernels.columns import NEVER
from govflow.kernels.duty_columns import NO_REVISIT, SATISFIED, UNSATISFIED, DutyColumns
from govflow.kernels.snapshot import _due
from govflow.records import Case, Event


@dataclass(frozen=True, slots=True)
class StageMap:
    """Which states and triggers make the stages of the KPIs."""

    register: frozenset[str] = frozenset({"reported"})
    dispatch: frozenset[str] = frozenset({"registered", "returned"})
    handle: frozenset[str] = frozenset({"handling"})
    reroute: frozenset[str] = frozenset({"return"})
    callback: frozenset[str] = frozenset({"callback"})
    unsatisfied: frozenset[str] = frozenset({"redo"})
    task_sources: frozenset[str] = field(default_factory=lambda: frozenset({"campaign"}))


def _t(moment: datetime | None) -> int:
    return NEVER if moment is None else int(moment.timestamp())


@dataclass(slots=True)
class _Stages:
    registered: int = NEVER
    register_due: int = NEVER
    dispatched: int = NEVER
    dispatch_due: int = NEVER
    handled: int = NEVER
    handle_due: int = NEVER
    reroutes: int = 0
    satisfied: int = NO_REVISIT
    handler: str = ""


def stages_of(events: Iterable[Event], stages: StageMap) -> _Stages:
    """Fold one case's log into its stage times."""
    out = _Stages()
    entry_due = NEVER
    for e in events:
        due_at = e.data.get("due_at") if isinstance(e.data, dict) else None
        if e.trigger == "extend":
            entry_due = _t(datetime.fromisoformat(due_at)) if due_at else entry_due
            continue
        if e.data.get("note") or e.trigger in ("warn", "breach", "escalate", "supervise",
                                               "revisit_due", "revisit", "revisit_end"):
            continue
        at = int(e.at.timestamp())
        left = e.source
        if e.trigger != "open":
            if left in stages.register and out.registered == NEVER:
                out.registered, out.register_due = at, entry_due
            elif left in stages.dispatch:
                out.dispatched, out.dispatch_due = at, entry_due
            elif left in stages.handle:
                out.handled, out.handle_due = at, entry_due
                out.handler = e.actor
            if left in stages.callback and out.satisfied != UNSATISFIED:
                out.satisfied = UNSATISFIED if e.trigger in stages.unsatisfied else SATISFIED
            if e.trigger in stages.reroute:
                out.reroutes += 1
        entry_due = _t(datetime.fromisoformat(due_at)) if due_at else NEVER
    return out


def duty_snapshot(
    cases: Iterable[Case], history: Callable[[str], list[Event]], index: Mapping[str, int],
    people: Mapping[str, int], stages: StageMap | None = None,
) -> DutyColumns:
    """Columns of every case on the grid (``index``: node code → row; ``people``: person id →
    row). Reads each case's log through ``history``: one read per case."""
    stages = stages or StageMap()
    rows: list[tuple[int, ...]] = []
    for case in cases:
        node = index.get(case.cell)
        if node is None:
            continue
        s = stages_of(history(case.id), stages)
        rows.append((
            node, people.get(s.handler, -1), _t(case.opened_at), _t(case.closed_at),
            _due(case), s.registered, s.register_due, s.dispatched, s.dispatch_due,
            s.handled, s.handle_due, min(s.reroutes, 32767), min(case.rework, 32767),
            min(case.escalation, 32767), s.satisfied, int(case.source in stages.task_sources),
        ))
    cols = list(zip(*rows, strict=True)) if rows else [()] * 16
    kinds = (np.int32, np.int32) + (np.int64,) * 9 + (np.int16,) * 3 + (np.int8, np.int8)
    return DutyColumns(*(np.asarray(c, dtype=k) for c, k in zip(cols, kinds, strict=True)))
