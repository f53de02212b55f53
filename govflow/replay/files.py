"""Replay a file with a mapping file: the one call behind ``govflow replay``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from govflow.replay.mapping import load_mapping
from govflow.replay.readers import read_records
from govflow.replay.run import ReplayResult, replay, replay_engine
from govflow.store.base import Store
from govflow.worktime import WorkCalendar


def replay_file(
    path: str | Path, mapping: str | Path, *, workflows: str | Path | None = None,
    workflow: str | None = None, store: Store | str | None = None,
    until: datetime | None = None, progress: bool = False,
) -> ReplayResult:
    """Read ``path`` with the mapping file, and replay it through the mapping's workflow
    (or ``workflow`` from ``workflows``) on the mapping's calendar when it names one."""
    spec, folder = load_mapping(mapping)
    read = read_records(path, spec)
    file = Path(workflows) if workflows is not None else folder / spec.workflows
    calendar = None
    if spec.calendar is not None:
        c = spec.calendar
        calendar = WorkCalendar(timezone=c.timezone, periods=c.periods, official=c.official,
                                holidays=c.holidays, workdays=c.workdays)
    engine = replay_engine(file, read, store=store, calendar=calendar)
    try:
        return replay(read, workflow=workflow or spec.workflow, engine=engine, until=until,
                      progress=progress)
    finally:
        engine.close()
