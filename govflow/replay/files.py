"""Replay a file with a mapping file: the one call behind ``govflow replay``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from govflow.engine.engine import Engine
from govflow.replay.mapping import ReplayMapping, load_mapping
from govflow.replay.readers import read_records
from govflow.replay.records import ReadResult
from govflow.replay.run import ReplayResult, replay, replay_engine
from govflow.store.base import Store
from govflow.worktime import WorkCalendar


@dataclass(slots=True)
class Prepared:
    """A file read through its mapping, and the engine ready to replay it."""

    mapping: ReplayMapping
    read: ReadResult
    engine: Engine
    workflow: str


def prepare(
    path: str | Path, mapping: str | Path, *, workflows: str | Path | None = None,
    workflow: str | None = None, store: Store | str | None = None,
) -> Prepared:
    """Read ``path`` with the mapping file; build an engine on the mapping's workflows file
    (or ``workflows``) and calendar, its SimClock at the first record."""
    spec, folder = load_mapping(mapping)
    read = read_records(path, spec)
    file = Path(workflows) if workflows is not None else folder / spec.workflows
    engine = replay_engine(file, read, store=store, calendar=calendar_of(spec))
    return Prepared(spec, read, engine, workflow or spec.workflow)


def calendar_of(spec: ReplayMapping) -> WorkCalendar | None:
    """The mapping's own work calendar, if it states one."""
    c = spec.calendar
    if c is None:
        return None
    return WorkCalendar(timezone=c.timezone, periods=c.periods, official=c.official,
                        holidays=c.holidays, workdays=c.workdays)


def replay_file(
    path: str | Path, mapping: str | Path, *, workflows: str | Path | None = None,
    workflow: str | None = None, store: Store | str | None = None,
    until: datetime | None = None, progress: bool = False,
) -> ReplayResult:
    """Read ``path`` with the mapping file and replay it through the mapping's workflow (or
    ``workflow`` of ``workflows``); the engine is closed afterwards."""
    ready = prepare(path, mapping, workflows=workflows, workflow=workflow, store=store)
    try:
        return replay(ready.read, workflow=ready.workflow, engine=ready.engine, until=until,
                      progress=progress)
    finally:
        ready.engine.close()
