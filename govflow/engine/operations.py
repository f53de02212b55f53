"""What each operation does to a case, written into a :class:`Batch`.

Each function checks (permission, state, guard), then emits events; the reducer applies them.
Nothing here touches the store except through the batch.
"""

from __future__ import annotations

from typing import Any

from govflow.clock import as_utc
from govflow.engine.actions import ActionContext
from govflow.engine.batch import Batch, new_case_id, role_names
from govflow.engine.deadlines import any_provisional, deadline_times, entry_timers
from govflow.engine.door import check_fields
from govflow.engine.machine import role_allows
from govflow.engine.reducer import ENGINE_EVENTS, LEVELS, new_case
from govflow.engine.requests import FireRequest, NoteRequest, OpenRequest
from govflow.engine.runtime import Runtime
from govflow.errors import (
    CaseError,
    ConflictError,
    DataError,
    PermissionDenied,
    TransitionNotAllowed,
    WorkflowError,
)
from govflow.records import SYSTEM_ACTOR, Actor, Case, Event, check_data, copy_data
from govflow.workflows.spec import TransitionSpec, WorkflowSpec

TIMER_KINDS = ("ladder", "red", "revisit", "supervise", "yellow")


def check_scope(batch: Batch, case: Case, actor: Actor, what: str) -> None:
    """The actor must answer for a node above (or at) the case's cell."""
    if not actor.scope or actor is SYSTEM_ACTOR:
        return
    within = batch.rt.grid.is_within
    for node in actor.scope:
        if within(case.cell, node):
            return
    raise PermissionDenied(
        f"actor {actor.id!r} answers for {', '.join(actor.scope)} and may not {what} on "
        f"case {case.id!r} in cell {case.cell!r}; ask someone responsible for that cell",
        case_id=case.id, actor=actor.id, trigger=what,
    )


def check_result(rt: Runtime, data: dict[str, Any]) -> None:
    """What the actions left in a case's data must be JSON within the engine's limits."""
    limits = rt.limits
    check_data(data, depth=limits.max_depth, min_int=limits.min_int, max_int=limits.max_int)


def guard_env(batch: Batch, case: Case, data: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = dict(batch.rt.functions)
    env.update(
        data=case.data, input=data, category=case.category, state=case.state,
        source=case.source, cell=case.cell, owner=case.owner, rework=case.rework,
        escalation=case.escalation, revisits=case.revisits, supervision=case.supervision,
        light=case.light,
    )
    return env


# -- open ---------------------------------------------------------------------------------
def open_case(batch: Batch, req: OpenRequest, actor: Actor) -> Case:
    rt = batch.rt
    spec = rt.spec(req.workflow)
    if spec.open_roles and actor is not SYSTEM_ACTOR and spec.open_roles.isdisjoint(actor.roles):
        raise PermissionDenied(
            f"actor {actor.id!r} (roles {sorted(actor.roles)}) may not open a {spec.name!r} "
            f"case; roles allowed: {sorted(spec.open_roles)}",
            case_id="", actor=actor.id, trigger="open",
        )
    try:
        at = as_utc(req.at) if req.at is not None else batch.now
    except ValueError as exc:
        raise DataError(f"open {req.workflow!r} on {req.cell}: {exc}") from exc
    state = spec.states[spec.initial]
    data = copy_data(req.data) if req.data else {}  # JSON and within limits: the door said
    check_fields("open_case", spec, data)
    payload: dict[str, Any] = {
        "workflow": spec.name, "version": spec.version, "cell": req.cell,
        "owner": req.owner or req.cell, "category": req.category, "source": req.source,
        "data": data, "due_at": None,
    }
    case_id = new_case_id()
    event = Event(case_id, 1, at, actor.id, role_names(actor), "open", "",
                  spec.initial, "", payload)
    case = new_case(event)
    check_scope(batch, case, actor, "open")
    batch.keep(spec)  # kept at the commit: a refused open writes nothing
    batch.adopt(case)
    batch.begin(case, new=True)
    change = batch._open
    assert change is not None
    change.events.append(event)
    if state.on_enter:
        case.data = copy_data(data)
        _run_actions(batch, case, spec, state.on_enter, actor, data, "open")
        check_result(rt, case.data)
        payload["data"] = copy_data(case.data)  # the log holds what the entry actions made
        payload["owner"] = case.owner
    times = (deadline_times(rt.calendar, state.deadline, at, case.data)
             if state.deadline else None)
    if times is not None:
        case.due_at = times[2]
        payload["due_at"] = times[2].isoformat()
    timers = entry_timers(rt.calendar, spec, case, times)
    if any_provisional(timers):
        payload["provisional"] = True  # counted over a provisional calendar year
    batch.timers(timers)
    batch.finish()
    return case


# -- fire ---------------------------------------------------------------------------------
def allowed(batch: Batch, case: Case, actor: Actor) -> list[str]:
    """Triggers the actor could fire now (roles, scope and guards all hold)."""
    spec = batch.rt.spec(case.workflow, case.version)
    machine = batch.rt.machine(spec)
    try:
        check_scope(batch, case, actor, "act")
    except PermissionDenied:
        return []
    env = guard_env(batch, case, {})
    found: list[str] = []
    for trigger in machine.triggers_from(case.state):
        for t in machine.candidates(case.state, trigger):
            if role_allows(t, actor) and (t.guard is None or _guard_true(t, env)):
                found.append(trigger)
                break
    return found


def _guard_true(t: TransitionSpec, env: dict[str, Any]) -> bool:
    assert t.guard is not None
    try:
        return bool(t.guard.evaluate(env))
    except Exception:
        return False




def fire(batch: Batch, req: FireRequest, *, internal: bool = False) -> Case:
    case = batch.case(req.case_id)
    if req.expected_rev is not None and case.rev != req.expected_rev:
        # the store checks the rev read here again at commit, so this cannot race
        raise ConflictError(case_id=case.id, expected=req.expected_rev, actual=case.rev)
    rt = batch.rt
    spec = rt.spec(case.workflow, case.version)
    machine = rt.machine(spec)
    actor = SYSTEM_ACTOR if internal else req.actor
    plan = machine.plan(case.state, req.trigger)
    if plan is None:
        raise TransitionNotAllowed(case_id=case.id, state=case.state, trigger=req.trigger,
                                   allowed=machine.triggers_from(case.state))
    if actor is not SYSTEM_ACTOR:
        if not plan.any_role_allows(actor):
            roles = sorted({r for t in plan.candidates for r in t.roles})
            raise PermissionDenied(
                f"actor {actor.id!r} (roles {sorted(actor.roles)}) may not fire "
                f"{req.trigger!r} on case {case.id!r}; roles allowed: {roles}",
                case_id=case.id, actor=actor.id, trigger=req.trigger,
            )
        check_scope(batch, case, actor, req.trigger)
    data = req.data or {}
    if data:  # JSON and within limits: the door said; the declared types need the workflow
        check_fields("fire", spec, data)
    env = guard_env(batch, case, data) if plan.guarded else _NO_ENV
    chosen = machine.choose(plan, actor, env)
    if chosen is None:
        guards = "; ".join(t.guard.source for t in plan.candidates if t.guard is not None)
        raise TransitionNotAllowed(case_id=case.id, state=case.state, trigger=req.trigger,
                                   allowed=allowed(batch, case, actor),
                                   reason=f"guard is false: {guards}" if guards else "")
    batch.begin(case)  # if this raises, callers roll back (apply_batch, timers) or abort
    transition(batch, case, spec, chosen, req.actor if not internal else SYSTEM_ACTOR, data,
               req.reason)
    batch.finish()
    return case


def transition(
    batch: Batch, case: Case, spec: WorkflowSpec, t: TransitionSpec, actor: Actor,
    data: dict[str, Any], reason: str,
) -> None:
    """Take transition ``t``: actions in UML order, the event, the new state's timers."""
    rt = batch.rt
    source_spec = spec.states[case.state]
    dest_spec = spec.states[t.dest]
    exits = source_spec.on_exit + t.actions
    acting = bool(exits or dest_spec.on_enter or data)
    original = case.data
    if acting:
        case.data = copy_data(original)  # actions work on a copy; the event applies the result
        case.data.update(data)  # what the trigger brings becomes part of the case
        owner = case.owner
        _run_actions(batch, case, spec, exits, actor, data, t.trigger)
        _run_actions(batch, case, spec, dest_spec.on_enter, actor, data, t.trigger)
        check_result(rt, case.data)
    times = (deadline_times(rt.calendar, dest_spec.deadline, batch.now, case.data)
             if dest_spec.deadline else None)
    payload: dict[str, Any] = {"due_at": times[2].isoformat() if times else None}
    if acting:
        work = case.data
        changes = {k: v for k, v in work.items() if original.get(k, _MISSING) != v}
        if changes:
            payload["changes"] = copy_data(changes)
        removed = [k for k in original if k not in work]
        if removed:
            payload["removed"] = removed
        if case.owner != owner:
            payload["owner"] = case.owner
            case.owner = owner  # the event applies it
        case.data = original  # the event applies the changes
    if t.rework:
        payload["rework"] = True
    batch.cancel(TIMER_KINDS)
    event = batch.emit(case, spec, t.trigger, actor=actor, dest=t.dest, data=payload,
                       reason=reason)
    timers = entry_timers(rt.calendar, spec, case, times)
    if any_provisional(timers):
        event.data["provisional"] = True  # counted over a provisional calendar year
    batch.timers(timers)


_MISSING = object()
_NO_ENV: dict[str, Any] = {}


def _run_actions(
    batch: Batch, case: Case, spec: WorkflowSpec, names: tuple[str, ...], actor: Actor,
    data: dict[str, Any], trigger: str,
) -> None:
    if not names:
        return
    ctx = ActionContext(case=case, input=data, actor=actor, now=batch.now, trigger=trigger,
                        grid=batch.rt.grid)
    for name in names:
        action = batch.rt.actions.get(name)
        if action is None:
            raise WorkflowError(f"workflow {spec.name!r} names action {name!r}, which no plugin "
                                f"registers; known: {sorted(batch.rt.actions)}")
        action(ctx)
    for kind, recipient, payload in ctx.notices:
        batch.notify(case, kind, recipient, payload)


# -- notes, extensions, supervision -------------------------------------------------------
def note(batch: Batch, req: NoteRequest) -> Case:
    case = batch.case(req.case_id)
    spec = batch.rt.spec(case.workflow, case.version)
    if req.what in ENGINE_EVENTS:
        raise CaseError(f"{req.what!r} is an event the engine writes itself; give the note "
                        "another name (e.g. 'comment', 'merge', 'photo')", case_id=case.id)
    check_scope(batch, case, req.actor, req.what)
    payload: dict[str, Any] = {"note": True,
                               **({"input": copy_data(req.data)} if req.data else {})}
    if req.what == "merge":
        payload["changes"] = {"merged": int(case.data.get("merged") or 0) + 1}
    batch.begin(case)
    batch.emit(case, spec, req.what, actor=req.actor, data=payload, reason=req.reason)
    for kind, recipient, message in req.notices:
        batch.notify(case, kind, recipient, message)
    batch.finish()
    return case


def extend(batch: Batch, case_id: str, workdays: float, actor: Actor, reason: str) -> Case:
    case = batch.case(case_id)
    spec = batch.rt.spec(case.workflow, case.version)
    ext = spec.extension
    state = spec.states[case.state]
    why = ""
    if ext is None:
        why = f"workflow {spec.name!r} allows no extension"
    elif case.state not in ext.states:
        why = f"extensions apply only in {sorted(ext.states)}"
    elif state.deadline is None:
        why = f"state {case.state!r} has no deadline"
    elif workdays <= 0 or case.extension_days + workdays > ext.max_workdays:
        why = (f"{workdays} work days would make {case.extension_days + workdays}, over the "
               f"cap of {ext.max_workdays}")
    if why:
        raise TransitionNotAllowed(case_id=case.id, state=case.state, trigger="extend",
                                   allowed=allowed(batch, case, actor), reason=why)
    assert ext is not None and state.deadline is not None
    if actor is not SYSTEM_ACTOR and ext.roles and ext.roles.isdisjoint(actor.roles):
        raise PermissionDenied(
            f"actor {actor.id!r} may not approve extensions; roles allowed: {sorted(ext.roles)}",
            case_id=case.id, actor=actor.id, trigger="extend")
    check_scope(batch, case, actor, "extend")
    total = case.extension_days + workdays
    times = deadline_times(batch.rt.calendar, state.deadline, case.state_entered_at, case.data,
                           total)
    # back to green if the new warning time is still ahead; otherwise the light stays as it
    # is and the re-set timers (even those already due) warn or breach at the next tick, so
    # an extension granted late never hides a missed deadline
    light = "green" if batch.now < times[0] else case.light
    batch.begin(case)
    batch.cancel(("ladder", "red", "yellow"))
    event = batch.emit(case, spec, "extend", actor=actor, reason=reason,
                       data={"workdays": workdays, "due_at": times[2].isoformat(),
                             "light": light})
    timers = [t for t in entry_timers(batch.rt.calendar, spec, case, times)
              if t.kind in ("yellow", "red", "ladder")]
    if any_provisional(timers):
        event.data["provisional"] = True
    batch.timers(timers)
    batch.finish()
    return case


def supervise(batch: Batch, case_id: str, level: str, actor: Actor, reason: str) -> Case:
    if level not in LEVELS:
        raise ValueError(f"supervision level {level!r}: use one of {', '.join(LEVELS)}")
    case = batch.case(case_id)
    spec = batch.rt.spec(case.workflow, case.version)
    if actor is not SYSTEM_ACTOR and spec.supervise_roles.isdisjoint(actor.roles):
        raise PermissionDenied(
            f"actor {actor.id!r} may not supervise (督办) cases; roles allowed: "
            f"{sorted(spec.supervise_roles)}", case_id=case.id, actor=actor.id,
            trigger="supervise")
    check_scope(batch, case, actor, "supervise")
    if case.is_closed:
        raise CaseError(f"case {case.id!r} is closed: nothing to supervise", case_id=case.id)
    batch.begin(case)
    batch.emit(case, spec, "supervise", actor=actor, data={"level": level}, reason=reason)
    batch.notify(case, "supervision", _on_duty(batch, case), {"level": level})
    batch.finish()
    return case


def _on_duty(batch: Batch, case: Case) -> str:
    return batch.rt.grid.on_duty(case.owner) or case.owner


# -- moving a case into another workflow ---------------------------------------------------
def move(batch: Batch, case_id: str, workflow: str, actor: Actor, *, category: str | None,
         data: dict[str, Any] | None, reason: str, from_states: tuple[str, ...] = ()) -> Case:
    """Move an open case into ``workflow``'s initial state, keeping its id and its log.

    Used when a person confirms what a provisional case is (an unsure AI detection, an
    unclassified message). The actor needs a role that may open the target workflow and the
    case's cell in scope; ``from_states`` (if given) lists the states it may leave from.
    """
    case = batch.case(case_id)
    rt = batch.rt
    target = rt.spec(workflow)
    if case.is_closed:
        raise CaseError(f"case {case.id!r} is closed ({case.state}): it cannot move into "
                        f"{workflow!r}", case_id=case.id)
    if from_states and case.state not in from_states:
        raise TransitionNotAllowed(case_id=case.id, state=case.state, trigger="move",
                                   allowed=allowed(batch, case, actor),
                                   reason=f"a move leaves only from {sorted(from_states)}")
    if (actor is not SYSTEM_ACTOR and target.open_roles
            and target.open_roles.isdisjoint(actor.roles)):
        raise PermissionDenied(
            f"actor {actor.id!r} (roles {sorted(actor.roles)}) may not move a case into "
            f"{workflow!r}; roles allowed: {sorted(target.open_roles)}",
            case_id=case.id, actor=actor.id, trigger="move")
    check_scope(batch, case, actor, "move")
    extra = copy_data(data) if data else {}
    work = {**case.data, **extra}
    check_fields("move", target, work)
    state = target.states[target.initial]
    times = (deadline_times(rt.calendar, state.deadline, batch.now, work)
             if state.deadline else None)
    payload: dict[str, Any] = {
        "workflow": target.name, "version": target.version,
        "from_workflow": case.workflow, "from_version": case.version,
        "category": category or case.category,
        "due_at": times[2].isoformat() if times else None,
    }
    if extra:
        payload["changes"] = extra
    batch.begin(case)
    batch.cancel(TIMER_KINDS)
    batch.emit(case, target, "move", actor=actor, dest=target.initial, data=payload,
               reason=reason)
    batch.timers(entry_timers(rt.calendar, target, case, times))
    batch.finish()
    return case
