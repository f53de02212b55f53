"""Migration: move running cases to another version of their workflow.

A case keeps the version it was opened on until it is migrated. :func:`migrate` maps each
running case's state into the new version (refusing, with the whole list, any state left
without a place), then writes one audited ``migrate`` event per case that sets the version and
state and re-plans the case's timers under the new rules: deadlines, supervision and revisits
counted from when the case entered its state, as if the new rules had been in force then.
What already happened in this stay is not done again: a case that was warned is not warned
twice, a breached one is not breached twice, a revisit already made is not made again.

Cases go in chunks, one commit per chunk (the engine's own batch and commit, with the
optimistic ``rev`` check); a chunk that meets a worker's change is redone case by case, each
read again, so migration is safe while workers tick.

Relation to :mod:`govflow.engine.replan`: ``recompute_timers`` there re-plans the *pending*
timers of a case (same kinds) under a changed calendar. A migration may add or remove a
deadline, a supervision rule or a revisit cycle, so it plans the new version's timers from
the case's stay with :func:`~govflow.engine.deadlines.entry_timers` (the same function a
state entry uses) and drops those whose effect this stay has already had.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govflow.engine.batch import Batch
from govflow.engine.deadlines import deadline_times, entry_timers, revisit_timer
from govflow.engine.reducer import LEVELS
from govflow.engine.runtime import Runtime
from govflow.errors import CaseNotFound, ConflictError, ContentionError, MigrationError
from govflow.records import SYSTEM_ACTOR, Actor, Case, Timer
from govflow.workflows.spec import WorkflowSpec

log = logging.getLogger("govflow.engine.migrate")

#: timer kinds a migration cancels and sets anew
_KINDS = ("ladder", "red", "revisit", "supervise", "yellow")
#: how often one case is read again after losing a race to a worker
_ATTEMPTS = 8


@dataclass(slots=True)
class MigrationReport:
    """What a migration did (or, dry, would do)."""

    workflow: str
    to_version: int
    dry_run: bool
    #: running cases on other versions of the workflow when the migration started
    found: int = 0
    #: cases moved (0 on a dry run)
    moved: int = 0
    #: cases that closed or moved meanwhile (another worker), left as they are
    skipped: int = 0
    #: (from version, from state, to state) → cases
    moves: dict[tuple[int, str, str], int] = field(default_factory=dict)
    #: commits written
    commits: int = 0

    def lines(self) -> list[str]:
        """The report as lines for a terminal."""
        verb = "would move" if self.dry_run else "moved"
        done = self.found if self.dry_run else self.moved
        out = [f"{self.workflow}: {verb} {done} of {self.found} running cases to version "
               f"{self.to_version}" + (f" ({self.skipped} changed meanwhile, left)"
                                        if self.skipped else "")]
        for (version, old, new), count in sorted(self.moves.items()):
            arrow = old if old == new else f"{old} -> {new}"
            out.append(f"  v{version} {arrow}: {count}")
        return out


def plan_states(
    cases: Sequence[Case], target: WorkflowSpec, state_map: Mapping[str, str],
) -> dict[tuple[int, str], str]:
    """(version, state) → the state in ``target`` for every running case; raises
    :class:`MigrationError` naming every state without a place (with its case count)."""
    bad_targets = sorted({new for new in state_map.values() if new not in target.states})
    if bad_targets:
        raise MigrationError(
            f"the state map names {', '.join(map(repr, bad_targets))}, not states of "
            f"{target.name!r} version {target.version} (its states: "
            f"{', '.join(target.states)})")
    finals = sorted({new for new in state_map.values() if target.states[new].final})
    if finals:
        raise MigrationError(
            f"the state map sends running cases to final state(s) {', '.join(finals)}: close "
            "them with their workflow's triggers instead")
    counts = Counter((case.version, case.state) for case in cases)
    plan: dict[tuple[int, str], str] = {}
    unmapped: list[str] = []
    for (version, state), count in sorted(counts.items()):
        new = state_map.get(state, state)
        spec = target.states.get(new)
        if spec is None or spec.final:
            why = "is final in" if spec is not None else "is not a state of"
            unmapped.append(f"{state} (v{version}, {count} case{'s' if count != 1 else ''})")
            log.debug("state %s %s the target", state, why)
            continue
        plan[(version, state)] = new
    if unmapped:
        raise MigrationError(
            f"{len(unmapped)} state(s) of running {target.name!r} cases have no place in "
            f"version {target.version}: {', '.join(unmapped)}; map each with "
            f"--map OLD=NEW (states of v{target.version}: "
            f"{', '.join(s for s, st in target.states.items() if not st.final)})",
            unmapped=[u.split(" ", 1)[0] for u in unmapped])
    return plan


def migration_timers(rt: Runtime, spec: WorkflowSpec, case: Case, now: datetime,
                     light_before: str, times: tuple[datetime, datetime, datetime] | None,
                     ) -> list[Timer]:
    """The timers of ``case`` (already moved: new version, state and epoch) under ``spec``,
    without those whose effect its stay has had (warned, breached, carded, revisited)."""
    cal = rt.calendar
    out: list[Timer] = []
    for timer in entry_timers(cal, spec, case, times):
        kind = timer.kind
        if kind == "yellow" and light_before in ("yellow", "red") and timer.due_at <= now:
            continue
        if kind == "red" and light_before == "red" and timer.due_at <= now:
            continue
        if kind == "supervise" and (
                LEVELS.index(timer.payload["level"]) <= LEVELS.index(case.supervision)):
            continue
        if kind == "revisit":
            if case.revisit_pending:
                continue
            if case.revisits:
                later = revisit_timer(cal, spec, case, case.revisits + 1)
                if later is not None:
                    out.append(later)
                continue
        if kind == "ladder" and light_before == "red" and timer.due_at <= now:
            continue  # a step past due in a breached stay has been taken
        out.append(timer)
    return out


def migrate_case(batch: Batch, case: Case, target: WorkflowSpec, state: str,
                 actor: Actor, reason: str) -> None:
    """Write the ``migrate`` event of one case into ``batch`` (its change, then finish)."""
    rt = batch.rt
    now = batch.now
    old_spec = rt.spec(case.workflow, case.version)
    deadline = target.states[state].deadline
    light_before = case.light
    times = (deadline_times(rt.calendar, deadline, case.state_entered_at, case.data,
                            case.extension_days) if deadline is not None else None)
    light = "green" if times is None or now < times[0] else case.light
    data: dict[str, Any] = {
        "version": target.version, "from_version": case.version,
        "due_at": times[2].isoformat() if times else None,
        "from_due_at": case.due_at.isoformat() if case.due_at else None,
        "light": light,
    }
    batch.begin(case)
    batch.cancel(_KINDS)
    batch.emit(case, old_spec, "migrate", actor=actor, dest=state, data=data, reason=reason)
    timers = migration_timers(rt, target, case, now, light_before, times)
    data["timers"] = [[t.kind, t.due_at.isoformat()] for t in timers]
    batch.timers(timers)
    batch.finish()


def migrate(
    rt: Runtime, now: Callable[[], datetime], commit: Callable[[Batch], None],
    workflow: str, to_version: int, *, state_map: Mapping[str, str] | None = None,
    dry_run: bool = False, chunk: int = 1000, actor: Actor = SYSTEM_ACTOR,
    reason: str = "",
) -> MigrationReport:
    """Move every running case of ``workflow`` on another version to ``to_version``."""
    target = rt.spec(workflow, to_version)
    mapping = dict(state_map or {})
    report = MigrationReport(workflow, to_version, dry_run)
    cases = [c for c in rt.store.find_open_cases(workflow=workflow) if c.version != to_version]
    report.found = len(cases)
    plan = plan_states(cases, target, mapping)
    for case in cases:
        key = (case.version, case.state, plan[(case.version, case.state)])
        report.moves[key] = report.moves.get(key, 0) + 1
    if dry_run or not cases:
        return report
    why = reason or f"moved to {workflow} version {to_version}"
    for start in range(0, len(cases), chunk):
        part = cases[start:start + chunk]
        batch = Batch(rt, now())
        for case in part:
            batch.adopt(case)
            migrate_case(batch, case, target, plan[(case.version, case.state)], actor, why)
        try:
            commit(batch)
        except (ConflictError, ContentionError):
            log.info("migration chunk at %d met a worker's change; one case at a time", start)
            _one_by_one(rt, now, commit, part, target, mapping, actor, why, report)
            continue
        report.commits += 1
        report.moved += len(part)
    return report


def _one_by_one(
    rt: Runtime, now: Callable[[], datetime], commit: Callable[[Batch], None],
    cases: Sequence[Case], target: WorkflowSpec, mapping: Mapping[str, str], actor: Actor,
    why: str, report: MigrationReport,
) -> None:
    for stale in cases:
        for _ in range(_ATTEMPTS):
            batch = Batch(rt, now())
            try:
                case = batch.case(stale.id)
            except CaseNotFound:
                report.skipped += 1
                break
            if case.is_closed or case.version == target.version:
                report.skipped += 1
                break
            state = plan_states([case], target, mapping)[(case.version, case.state)]
            migrate_case(batch, case, target, state, actor, why)
            try:
                commit(batch)
            except (ConflictError, ContentionError):
                continue
            report.commits += 1
            report.moved += 1
            break
        else:
            raise ConflictError(case_id=stale.id, expected=stale.rev, actual=None)
