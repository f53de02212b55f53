"""The Engine: a small facade over the store, the clock, the machines and the hooks.

Every public call is one unit of work: read, decide, write one transaction, then tell the
hooks. The engine holds no case in memory between calls.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govflow.clock import Clock, SimClock, SystemClock
from govflow.engine import operations as ops
from govflow.engine.actions import BUILTIN_ACTIONS, BUILTIN_FUNCTIONS, Action
from govflow.engine.batch import Batch
from govflow.engine.door import (
    FIXES,
    BulkArgs,
    Door,
    ExtendArgs,
    MigrateArgs,
    MoveArgs,
    NoteArgs,
    ReadArgs,
    RevisitArgs,
    SuperviseArgs,
)
from govflow.engine.hierarchy import Hierarchy, PrefixHierarchy
from govflow.engine.hooks import EngineHooks, NoHooks
from govflow.engine.limits import Limits
from govflow.engine.machine import role_allows
from govflow.engine.reducer import ENGINE_EVENTS
from govflow.engine.replan import Move
from govflow.engine.replan import replan as replan_cases
from govflow.engine.requests import FireRequest, NoteRequest, OpenRequest, Request
from govflow.engine.runtime import Runtime
from govflow.engine.timers import fire_timer, record_revisit
from govflow.errors import ConflictError, ContentionError, GovflowError, RequestError
from govflow.records import SYSTEM_ACTOR, Actor, Case, Change, DeadLetter, Event, Timer
from govflow.store.base import Store
from govflow.workflows.spec import WorkflowSet, WorkflowSpec
from govflow.worktime import WorkCalendar

if TYPE_CHECKING:
    from govflow.engine.migrate import MigrationReport
    from govflow.plugins.host import PluginHost

log = logging.getLogger("govflow.engine")

#: turns a failed request of a batch into the dead letter to keep, or None to keep none
ErrorHandler = Callable[[Request, GovflowError], DeadLetter | None]


class Engine:
    """Runs workflow cases: ``open_case``, ``fire``, ``tick``; reads ``case`` and ``history``."""

    def __init__(
        self,
        workflows: WorkflowSet | str | Path,
        *,
        store: Store | str | None = None,
        clock: Clock | None = None,
        calendar: WorkCalendar | None = None,
        grid: Hierarchy | None = None,
        hooks: EngineHooks | None = None,
        actions: Mapping[str, Action] | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        plugins: Iterable[object] | PluginHost | None = None,
        plugins_dir: str | Path | None = None,
        entry_points: bool = False,
        rules_files: Sequence[str | Path] = (),
        timer_attempts: int = 5,
        timer_backoff: timedelta = timedelta(minutes=1),
        limits: Limits | None = None,
    ) -> None:
        """``plugins``, ``plugins_dir``, ``entry_points`` and ``rules_files`` give the engine its
        own plugin host (pluggy), whose actions, guard functions, workflow files and hooks it
        uses;
        ``actions``/``functions`` given here win over the plugins'.
        A timer whose firing raises is tried again after ``timer_backoff``, doubling each time
        (at most an hour apart); after ``timer_attempts`` failed tries it is moved to the dead
        letters with the reason (see :meth:`dead_timers`) and the ``govflow_timer_dead`` hook
        is told.
        ``limits`` bound what one call may carry (:class:`Limits`: 1 MiB of JSON, 32 levels,
        64-bit integers by default); every write's arguments are checked against them and
        against the grid before anything is read (:class:`~govflow.errors.RequestError`)."""
        if timer_attempts < 1:
            raise ValueError("timer_attempts must be at least 1")
        host = _plugin_host(plugins, plugins_dir, entry_points, rules_files)
        #: the engine's plugin host, or None when it runs without plugins
        self.plugins: PluginHost | None = host
        all_actions = {**BUILTIN_ACTIONS, **(host.actions if host else {}), **(actions or {})}
        all_functions = {**BUILTIN_FUNCTIONS, **(host.functions if host else {}),
                         **(functions or {})}
        if hooks is None and host is not None:
            hooks = host
        loaded = _load(workflows, all_actions, all_functions)
        self._rt = Runtime(
            store=_open_store(store),
            clock=clock or SystemClock(),
            calendar=calendar or WorkCalendar.from_spec(loaded.calendar),
            grid=grid or PrefixHierarchy(),
            hooks=hooks or NoHooks(),
            actions=all_actions,
            functions=all_functions,
            limits=limits or Limits(),
        )
        self._door = Door(self._rt.limits, self._rt.grid)
        for spec in loaded.workflows.values():
            self._rt.add(spec)
        for path in host.workflow_files if host else ():
            self.add_workflows(path)
        self._rt.restore()
        self._observed = not isinstance(self._rt.hooks, NoHooks)
        #: timer firings that raised (logged, left unfired, retried by a later tick)
        self.failures: list[tuple[str, BaseException]] = []
        self._retry: dict[str, Timer] = {}
        #: timer id -> (failed tries so far, when to try again)
        self._backoff: dict[str, tuple[int, datetime]] = {}
        self._attempts = timer_attempts
        self._backoff_base = timer_backoff

    # -- parts -----------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        return self._rt.store

    @property
    def clock(self) -> Clock:
        return self._rt.clock

    @property
    def calendar(self) -> WorkCalendar:
        return self._rt.calendar

    @property
    def grid(self) -> Hierarchy:
        return self._rt.grid

    @property
    def limits(self) -> Limits:
        """What one call may carry (checked at the door)."""
        return self._rt.limits

    def system_actor(self, id: str = "system", *roles: str,
                     scope: str | tuple[str, ...] = ()) -> Actor:
        """An actor holding the reserved ``system`` role (and ``roles``) that this engine
        accepts: the explicit grant for a trusted job of the integrator's (an intake, a
        script). The engine refuses the system role on any actor it did not mint, so a caller
        cannot fire the triggers only timers may by building ``Actor.of(x, "system")``."""
        nodes = (scope,) if isinstance(scope, str) else tuple(scope)
        return self._door.system_actor(id, frozenset(roles), nodes)

    def workflow(self, name: str, version: int | None = None) -> WorkflowSpec:
        """The compiled workflow (latest version unless one is named)."""
        return self._rt.spec(name, version)

    @property
    def restored_versions(self) -> list[tuple[str, int]]:
        """Workflow versions no loaded file has, run from the copies the store keeps (each
        also logged as a warning on ``govflow.engine`` at start)."""
        return list(self._rt.restored)

    def workflows(self) -> list[WorkflowSpec]:
        """Every loaded workflow version."""
        return list(self._rt.specs.values())

    def add_workflows(self, workflows: WorkflowSet | str | Path) -> None:
        """Load more workflows or new versions; running cases keep their version."""
        loaded = _load(workflows, self._rt.actions, self._rt.functions)
        for spec in loaded.workflows.values():
            self._rt.add(spec)

    # -- cases -----------------------------------------------------------------------------
    def open_case(
        self, workflow: str, *, cell: str, actor: Actor, category: str = "",
        data: dict[str, Any] | None = None, source: str = "manual", owner: str | None = None,
        at: datetime | None = None,
    ) -> Case:
        """Open a case on a tier-3 cell; it starts in the workflow's initial state."""
        self._door.open(workflow, cell, actor, category, data, source, owner, at)
        req = OpenRequest(workflow, cell, category, data, source, owner, at, actor)
        return self._one(lambda batch: ops.open_case(batch, req, actor))

    def fire(
        self, case_id: str, trigger: str, *, actor: Actor, data: dict[str, Any] | None = None,
        reason: str = "",
    ) -> Case:
        """Fire ``trigger`` on a case. Raises TransitionNotAllowed or PermissionDenied."""
        self._door.fire(case_id, trigger, actor, data, reason)
        batch = Batch(self._rt, self._rt.clock.now())
        case = ops.fire(batch, FireRequest(case_id, trigger, actor, data, reason))
        self._commit(batch)
        return case

    def note(
        self, case_id: str, what: str, *, actor: Actor, data: dict[str, Any] | None = None,
        reason: str = "", notices: Iterable[tuple[str, str, dict[str, Any]]] = (),
    ) -> Case:
        """Write an event without changing state (``merge`` also counts ``data.merged``),
        with outbox messages ``notices`` = (kind, recipient, payload) in the same commit."""
        notices = tuple(notices) if isinstance(notices, Iterable) else notices
        self._door.check("note", NoteArgs, case_id=case_id, what=what, actor=actor, data=data,
                         reason=reason, notices=notices)
        req = NoteRequest(case_id, what, actor, data, reason, notices)
        return self._one(lambda batch: ops.note(batch, req))

    def extend(self, case_id: str, workdays: float, *, actor: Actor, reason: str) -> Case:
        """延期: add approved work days to the current state's deadline, within the cap."""
        self._door.check("extend", ExtendArgs, case_id=case_id, workdays=workdays, actor=actor,
                         reason=reason)
        return self._one(lambda batch: ops.extend(batch, case_id, workdays, actor, reason))

    def supervise(self, case_id: str, level: str, *, actor: Actor, reason: str = "") -> Case:
        """督办: set the supervision level (normal, yellow, red) by hand."""
        self._door.check("supervise", SuperviseArgs, case_id=case_id, level=level, actor=actor,
                         reason=reason)
        return self._one(lambda batch: ops.supervise(batch, case_id, level, actor, reason))

    def record_revisit(
        self, case_id: str, *, rebound: bool, actor: Actor, note: str = ""
    ) -> Case:
        """The result of a due revisit: a rebound reopens the case (rework)."""
        self._door.check("record_revisit", RevisitArgs, case_id=case_id, rebound=rebound,
                         actor=actor, note=note)
        return self._one(lambda batch: record_revisit(batch, case_id, rebound, actor, note))

    def move(
        self, case_id: str, workflow: str, *, actor: Actor, category: str | None = None,
        data: dict[str, Any] | None = None, reason: str = "", from_states: tuple[str, ...] = (),
    ) -> Case:
        """Move an open case into another workflow's initial state, keeping its id and its
        history (a ``move`` event): a person confirmed what a provisional case is."""
        self._door.check("move", MoveArgs, case_id=case_id, workflow=workflow, actor=actor,
                         category=category, data=data, reason=reason, from_states=from_states)
        return self._one(lambda batch: ops.move(batch, case_id, workflow, actor,
                                                category=category, data=data, reason=reason,
                                                from_states=from_states))

    def allowed_triggers(self, case_id: str, actor: Actor) -> list[str]:
        """The triggers ``actor`` may fire on the case now (roles, scope, guards)."""
        self._door.check("allowed_triggers", ReadArgs, case_id=case_id, actor=actor)
        batch = Batch(self._rt, self.clock.now())
        return ops.allowed(batch, batch.case(case_id), actor)

    def allowed_for(self, cases: Iterable[Case], actor: Actor) -> dict[str, list[str]]:
        """For cases already read (a page of a search): the triggers ``actor`` may fire now
        on each, by case id, without reading them again."""
        batch = Batch(self._rt, self.clock.now())
        return {case.id: ops.allowed(batch, case, actor) for case in cases}

    def actionable_states(self, actor: Actor) -> tuple[tuple[str, str], ...]:
        """The (workflow, state) pairs from which one of ``actor``'s roles allows a trigger
        (guards and grid scope aside): where a worklist looks."""
        pairs = {(spec.name, source) for spec in self._rt.specs.values()
                 for t in spec.transitions if role_allows(t, actor) for source in t.sources}
        return tuple(sorted(pairs))

    def case(self, case_id: str) -> Case:
        return self._rt.store.get_case(case_id)

    def history(self, case_id: str) -> list[Event]:
        return self._rt.store.history(case_id)

    # -- bulk ------------------------------------------------------------------------------
    def apply_batch(
        self, requests: Sequence[Request], *, cursor: tuple[str, str] | None = None,
        dead_letters: Sequence[DeadLetter] = (), on_error: ErrorHandler | None = None,
        retired: Sequence[str] = (),
    ) -> list[Case | GovflowError]:
        """Apply many requests in one commit, with the source cursor and dead letters
        (``retired``: ids of re-driven dead letters removed in the same commit).

        Without ``on_error`` the first failing request raises and nothing is written. With it,
        a failing request becomes the dead letter it returns (same commit) and its place in the
        result holds the error.
        """
        batch = Batch(self._rt, self.clock.now())
        results: list[Case | GovflowError] = []
        letters = list(dead_letters)
        for req in requests:
            point = batch.savepoint(getattr(req, "case_id", None))
            try:
                results.append(self._apply(batch, req))
            except GovflowError as exc:
                batch.rollback(point)
                if on_error is None:
                    raise
                letter = on_error(req, exc)
                if letter is not None:
                    letters.append(letter)
                results.append(exc)
        self._commit(batch, cursor=cursor, dead_letters=letters, retired=retired)
        return results

    def open_cases(
        self, requests: Iterable[OpenRequest], *, actor: Actor, batch: int = 1000
    ) -> list[str]:
        """Open many cases, ``batch`` per commit. Returns their ids in order."""
        ids: list[str] = []
        self._door.check("open_cases", BulkArgs, actor=actor, batch=batch)
        filled = (replace(req, actor=actor)
                  if isinstance(req, OpenRequest) and req.actor is None else req
                  for req in requests)
        for chunk in _chunks(filled, batch):
            ids.extend(r.id for r in self.apply_batch(chunk) if isinstance(r, Case))
        return ids

    def fire_many(self, requests: Iterable[FireRequest], *, batch: int = 1000) -> int:
        """Fire many triggers, ``batch`` per commit. Returns how many were applied."""
        if type(batch) is not int or batch < 1:
            fix = FIXES["batch"]
            raise RequestError(f"fire_many: batch is {batch!r}; {fix}", field="batch", fix=fix)
        return sum(len(self.apply_batch(chunk)) for chunk in _chunks(requests, batch))

    def _apply(self, batch: Batch, req: object) -> Case:
        door = self._door
        if isinstance(req, OpenRequest):
            actor = req.actor
            door.open(req.workflow, req.cell, actor, req.category, req.data, req.source,
                      req.owner, req.at, call="apply_batch (open)")
            assert actor is not None  # the door refuses None
            return ops.open_case(batch, req, actor)
        if isinstance(req, FireRequest):
            door.fire(req.case_id, req.trigger, req.actor, req.data, req.reason,
                      req.expected_rev, call="apply_batch (fire)")
            return ops.fire(batch, req)
        if isinstance(req, NoteRequest):
            door.check("apply_batch (note)", NoteArgs, case_id=req.case_id, what=req.what,
                       actor=req.actor, data=req.data, reason=req.reason, notices=req.notices)
            return ops.note(batch, req)
        fix = "give OpenRequest, FireRequest or NoteRequest objects"
        raise RequestError(f"apply_batch: requests holds a {type(req).__name__}; {fix}",
                           field="requests", fix=fix)

    # -- time ------------------------------------------------------------------------------
    def tick(self, limit: int | None = None, *, chunk: int = 500) -> int:
        """Fire every timer due now (up to ``limit``). Returns how many timers were handled.

        A timer whose firing raised (a plugin's action, say) is rolled back whole, logged in
        :attr:`failures` and tried again with backoff; after the last try it goes to the dead
        letters (:meth:`dead_timers`)."""
        now = self.clock.now()
        handled = 0
        again = [timer for timer_id, timer in self._retry.items()
                 if self._backoff[timer_id][1] <= now]
        if again:
            for timer in again:
                del self._retry[timer.id]
            handled += self._fire(again, now)
        while limit is None or handled < limit:
            size = chunk if limit is None else min(chunk, limit - handled)
            timers = self._rt.store.claim_due_timers(now, size)
            if not timers:
                break
            # a timer waiting out its backoff is claimed again when its lease ends: not yet
            fresh = [t for t in timers if t.id not in self._retry]
            handled += self._fire(fresh, now) + len(timers) - len(fresh)
        return handled

    def next_retry(self) -> datetime | None:
        """When the next failed timer is tried again, or None."""
        return min((self._backoff[t][1] for t in self._retry), default=None)

    def dead_timers(self) -> list[DeadLetter]:
        """Timers given up on after their last try, with the reason (source ``timer``)."""
        return self._rt.store.dead_letters(DEAD_TIMER_SOURCE)

    def _fire(self, timers: Sequence[Timer], now: datetime) -> int:
        batch = Batch(self._rt, now)
        for timer in timers:
            self._fire_one(batch, timer, now)
        try:
            self._commit(batch)
        except (ConflictError, ContentionError):
            self._retry_one_by_one(timers, now)
        return len(timers)

    def _fire_one(self, batch: Batch, timer: Timer, now: datetime) -> None:
        try:
            fire_timer(batch, timer)  # rolls itself back if it raises
        except Exception as exc:  # a plugin action or guard failed: keep going
            log.exception("timer %s of case %s failed", timer.id, timer.case_id)
            self.failures.append((timer.id, exc))
            self._failed(timer, exc, now)
        else:
            self._backoff.pop(timer.id, None)

    def _failed(self, timer: Timer, exc: Exception, now: datetime) -> None:
        """Try again later, or after the last try give the timer up to the dead letters."""
        tries = self._backoff.get(timer.id, (0, now))[0] + 1
        if tries < self._attempts:
            wait = min(self._backoff_base * (2 ** (tries - 1)), _MAX_BACKOFF)
            self._backoff[timer.id] = (tries, now + wait)
            self._retry[timer.id] = timer
            return
        self._backoff.pop(timer.id, None)
        self._retry.pop(timer.id, None)
        reason = f"{type(exc).__name__}: {exc}"
        letter = DeadLetter(f"timer:{timer.id}", DEAD_TIMER_SOURCE, timer.id,
                            f"firing failed {tries} times; last: {reason}",
                            json.dumps(_timer_json(timer), ensure_ascii=False), now)
        self._rt.store.bury_timer(timer.id, letter)
        log.error("timer %s of case %s moved to the dead letters after %d tries: %s",
                  timer.id, timer.case_id, tries, reason)
        self._rt.hooks.timer_dead(timer, reason, tries)

    def _retry_one_by_one(self, timers: Sequence[Timer], now: datetime) -> None:
        """A batch of firings met a conflict: fire each alone; losers are left for later."""
        for timer in timers:
            batch = Batch(self._rt, now)
            self._fire_one(batch, timer, now)
            try:
                self._commit(batch)
            except (ConflictError, ContentionError):
                # another worker got there first, or the database settled a deadlock: the
                # timer is still unfired and is claimed again when its lease ends
                log.info("timer %s: left to a later sweep", timer.id)
                self._retry.pop(timer.id, None)
                self._backoff.pop(timer.id, None)

    def run_until(self, moment: datetime) -> int:
        """With a SimClock: move time to ``moment``, firing every timer at its due time."""
        clock = self.clock
        if not isinstance(clock, SimClock):
            raise TypeError("run_until needs a SimClock; with a real clock call tick()")
        handled = 0
        while True:
            due = self._rt.store.next_due()
            retry = self.next_retry()
            if retry is not None and (due is None or retry < due):
                due = retry
            if due is None or due > moment:
                break
            if due > clock.now():
                clock.set(due)
            done = self.tick()
            if not done:
                break
            handled += done
        if moment > clock.now():
            clock.set(moment)
        return handled

    def replan(
        self, calendar: WorkCalendar | None = None, *, dry_run: bool = False,
        case_ids: Iterable[str] | None = None,
    ) -> list[Move]:
        """Recompute the pending timers of open cases and move those that differ.

        ``calendar``, if given, becomes the engine's calendar first (a year made official,
        say). Each case whose timers move gets one ``replan`` event (old and new due times in
        its data) in a commit of its own, checked against the case's ``rev`` like any other
        change, so it is safe while other workers tick. Returns every move; ``dry_run``
        returns them without writing."""
        if calendar is not None:
            self._rt.calendar = calendar
        return replan_cases(self._rt, self.clock.now, self._commit, dry_run=dry_run,
                            case_ids=case_ids)

    def migrate(
        self, workflow: str, to_version: int, *, state_map: Mapping[str, str] | None = None,
        dry_run: bool = False, chunk: int = 1000, actor: Actor | None = None,
        reason: str = "",
    ) -> MigrationReport:
        """Move the running cases of ``workflow`` to version ``to_version``.

        Each case's state is mapped by ``state_map`` (old name → new; a state the new version
        also has may be left out); a state without a place is refused, every one named, before
        anything is written. Each case gets one ``migrate`` event and its deadlines, warnings,
        supervision and revisits are planned anew under the new version, from when it entered
        its state. ``chunk`` cases per commit; a chunk that meets another worker's change is
        redone case by case. ``dry_run`` checks and counts without writing."""
        from govflow.engine.migrate import migrate

        self._door.check("migrate", MigrateArgs, workflow=workflow, to_version=to_version,
                         state_map=dict(state_map) if isinstance(state_map, Mapping)
                         else state_map,
                         dry_run=dry_run, chunk=chunk, actor=actor, reason=reason)
        return migrate(self._rt, self.clock.now, self._commit, workflow, to_version,
                       state_map=state_map, dry_run=dry_run, chunk=chunk,
                       actor=actor or SYSTEM_ACTOR, reason=reason)

    def deliver_outbox(self, limit: int = 1000) -> int:
        """Hand pending outbox messages to the hooks; those delivered are marked so."""
        messages = self._rt.store.pending_messages(limit)
        if not messages:
            return 0
        delivered = self._rt.hooks.deliver(messages)
        self._rt.store.mark_delivered(delivered)
        return len(delivered)

    def close(self) -> None:
        self._rt.store.close()

    # -- internals -------------------------------------------------------------------------
    def _one(self, operation: Callable[[Batch], Case]) -> Case:
        batch = Batch(self._rt, self.clock.now())
        case = operation(batch)
        self._commit(batch)
        return case

    def _commit(
        self, batch: Batch, *, cursor: tuple[str, str] | None = None,
        dead_letters: Sequence[DeadLetter] = (), retired: Sequence[str] = (),
    ) -> None:
        store = self._rt.store
        for spec in batch.keeps:
            self._rt.keep(spec)  # before the cases that run on it (refuses a changed copy)
        if batch.changes or cursor is not None or dead_letters or retired:
            store.commit(batch.changes, cursor=cursor, dead_letters=dead_letters,
                         retired=retired)
        if batch.dropped:
            store.drop_timers(batch.dropped, batch.now)
        if self._observed:
            self._observe(batch.changes)

    def _observe(self, changes: Sequence[Change]) -> None:
        hooks = self._rt.hooks
        for change in changes:
            case = change.case
            for event in change.events:
                trigger = event.trigger
                if trigger == "open":
                    hooks.case_opened(case, event)
                elif trigger == "escalate":
                    hooks.case_escalated(case, event)
                elif ((trigger not in ENGINE_EVENTS or trigger == "move")
                      and not event.data.get("note")):
                    hooks.case_transitioned(case, event)
                    if self._rt.spec(case.workflow, case.version).states[event.dest].final:
                        hooks.case_closed(case, event)


#: the dead-letter source of timers given up on
DEAD_TIMER_SOURCE = "timer"
_MAX_BACKOFF = timedelta(hours=1)


def _timer_json(timer: Timer) -> dict[str, Any]:
    return {"id": timer.id, "case_id": timer.case_id, "kind": timer.kind,
            "due_at": timer.due_at.isoformat(), "epoch": timer.epoch, "payload": timer.payload,
            "provisional": timer.provisional}


def _chunks(items: Iterable[Request], size: int) -> Iterator[list[Request]]:
    """``items`` in lists of ``size`` (the last may be shorter)."""
    chunk: list[Request] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _load(
    workflows: WorkflowSet | str | Path, actions: Mapping[str, Action],
    functions: Mapping[str, Callable[..., Any]],
) -> WorkflowSet:
    if isinstance(workflows, WorkflowSet):
        return workflows
    from govflow.workflows import load_workflows

    return load_workflows(Path(workflows), actions=set(actions), functions=set(functions))


def _plugin_host(
    plugins: Iterable[object] | PluginHost | None, plugins_dir: str | Path | None,
    entry_points: bool, rules_files: Sequence[str | Path],
) -> PluginHost | None:
    if plugins is None and plugins_dir is None and not entry_points and not rules_files:
        return None
    from govflow.plugins.host import PluginHost as Host

    if isinstance(plugins, Host):
        return plugins
    return Host(plugins or (), plugins_dir=plugins_dir, entry_points=entry_points,
                rules_files=rules_files)


def _open_store(store: Store | str | None) -> Store:
    if store is None:
        from govflow.store.memory import MemoryStore

        return MemoryStore()
    if isinstance(store, str):
        from govflow.store import open_store

        return open_store(store)
    return store
