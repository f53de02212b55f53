"""What a due timer does: warn, breach (escalate and/or fire), supervise, call a revisit.

A timer acts only if it still belongs to the case's current stay in its state (same epoch,
same deadline); otherwise it is dropped. Each firing is one change that marks the timer fired
in the same transaction, so a timer never fires twice and a crash never loses one.
"""

from __future__ import annotations

import contextlib

from govflow.engine.batch import Batch
from govflow.engine.deadlines import revisit_timer
from govflow.engine.hierarchy import Hierarchy
from govflow.engine.operations import _on_duty, check_scope, fire
from govflow.engine.reducer import LEVELS
from govflow.engine.requests import FireRequest
from govflow.errors import CaseError, CaseNotFound, PermissionDenied, TransitionNotAllowed
from govflow.records import SYSTEM_ACTOR, Actor, Case, Timer
from govflow.workflows.spec import WorkflowSpec


def is_stale(case: Case, timer: Timer) -> bool:
    if timer.epoch != case.epoch or case.is_closed:
        return True
    if timer.kind in ("yellow", "red", "ladder"):
        due = case.due_at.isoformat() if case.due_at else None
        return timer.payload.get("due") != due
    if timer.kind == "revisit":
        return case.revisit_pending
    return False


def fire_timer(batch: Batch, timer: Timer) -> None:
    """Apply one due timer to its case inside ``batch``."""
    try:
        case = batch.case(timer.case_id)
    except CaseNotFound:
        batch.drop_timer(timer.id)
        return
    if is_stale(case, timer):
        batch.drop_timer(timer.id)
        return
    spec = batch.rt.spec(case.workflow, case.version)
    point = batch.savepoint(case.id)
    case = batch.case(case.id)
    batch.begin(case, fired_timer=timer.id)
    try:
        _EFFECTS[timer.kind](batch, case, spec, timer)
    except BaseException:
        batch.rollback(point)  # all of the firing or nothing: the timer stays unfired
        raise
    if batch._open is not None:
        batch.finish()


def _warn(batch: Batch, case: Case, spec: WorkflowSpec, timer: Timer) -> None:
    if case.light != "green":
        return _noop(batch, case, spec, timer)
    batch.emit(case, spec, "warn", actor=SYSTEM_ACTOR,
               data={"light": "yellow", "timer": timer.id}, reason="deadline warning (黄灯)")
    batch.notify(case, "warning", _on_duty(batch, case),
                 {"state": case.state, "due_at": timer.payload.get("due")})


def _breach(batch: Batch, case: Case, spec: WorkflowSpec, timer: Timer) -> None:
    deadline = spec.states[case.state].deadline
    assert deadline is not None
    batch.emit(case, spec, "breach", actor=SYSTEM_ACTOR,
               data={"light": "red", "timer": timer.id}, reason="deadline passed (红灯)")
    breach = deadline.on_breach
    if breach.notify:
        batch.notify(case, "breach", _on_duty(batch, case), {"state": case.state})
    if breach.escalate:
        escalate(batch, case, spec, "deadline passed")
    if breach.trigger:
        batch.finish()  # the breach stands on its own; the trigger is a change of its own
        # if its guard says no, the breach and escalation stand on their own
        with contextlib.suppress(TransitionNotAllowed):
            fire(batch, FireRequest(case.id, breach.trigger, SYSTEM_ACTOR,
                                    reason="deadline passed"), internal=True)


def escalate(batch: Batch, case: Case, spec: WorkflowSpec, why: str) -> None:
    """Move the owner one tier up the grid and tell whoever is on duty there."""
    grid = batch.rt.grid
    parent = grid.parent_of(case.owner)
    if parent is None:
        return
    on_duty = grid.on_duty(parent)
    batch.emit(case, spec, "escalate", actor=SYSTEM_ACTOR, reason=why,
               data={"from_owner": case.owner, "to_owner": parent, "owner": parent,
                     "on_duty": on_duty})
    batch.notify(case, "escalated", on_duty or parent,
                 {"state": case.state, "escalation": case.escalation})


def _supervise(batch: Batch, case: Case, spec: WorkflowSpec, timer: Timer) -> None:
    level = timer.payload["level"]
    if LEVELS.index(level) <= LEVELS.index(case.supervision):
        return _noop(batch, case, spec, timer)
    batch.emit(case, spec, "supervise", actor=SYSTEM_ACTOR,
               data={"level": level, "timer": timer.id},
               reason=f"still {case.state} (automatic 督办)")
    batch.notify(case, "supervision", _on_duty(batch, case), {"level": level})


def _revisit_due(batch: Batch, case: Case, spec: WorkflowSpec, timer: Timer) -> None:
    batch.emit(case, spec, "revisit_due", actor=SYSTEM_ACTOR,
               data={"n": timer.payload["n"], "timer": timer.id},
               reason="revisit due (回访/回头看)")
    batch.notify(case, "revisit_due", _on_duty(batch, case), {"n": timer.payload["n"]})
    outcome = batch.rt.hooks.revisit_outcome(case)
    if outcome is not None:
        batch.finish()
        record_revisit(batch, case.id, bool(outcome), SYSTEM_ACTOR, "answered by a plugin")


def _noop(batch: Batch, case: Case, spec: WorkflowSpec, timer: Timer) -> None:
    """Nothing to change: the timer is marked fired with the case untouched."""
    batch.discard()
    batch.drop_timer(timer.id)


def _ladder(batch: Batch, case: Case, spec: WorkflowSpec, timer: Timer) -> None:
    """One step of the escalation ladder: owner up to the step's node (never down) and the
    督办 level raised (never lowered); a step that changes neither writes nothing."""
    deadline = spec.states[case.state].deadline
    steps = deadline.on_breach.ladder if deadline is not None else ()
    n = int(timer.payload["step"])
    if n >= len(steps):
        return _noop(batch, case, spec, timer)
    step = steps[n]
    grid = batch.rt.grid
    target = ladder_node(grid, case, step.to)
    moves = target is not None and target != case.owner and grid.is_within(case.owner, target)
    level = step.level if step.level is not None and (
        LEVELS.index(step.level) > LEVELS.index(case.supervision)) else None
    if not moves and level is None:
        return _noop(batch, case, spec, timer)
    owner = target if moves and target is not None else case.owner
    on_duty = grid.on_duty(owner)
    data = {"from_owner": case.owner, "to_owner": owner, "owner": owner, "on_duty": on_duty,
            "step": n + 1, "timer": timer.id}
    if level is not None:
        data["level"] = level
    batch.emit(case, spec, "escalate", actor=SYSTEM_ACTOR, data=data,
               reason=f"escalation ladder step {n + 1} ({step.to}) past the deadline")
    batch.notify(case, "escalated", on_duty or owner,
                 {"state": case.state, "step": n + 1, "level": case.supervision})


#: the tiers a ladder step names, counted from the top of the grid (the district is 0)
TIERS = {"district": 0, "street": 1, "community": 2}


def ladder_node(grid: Hierarchy, case: Case, to: str) -> str | None:
    """The node a ladder step sends the case to: one tier above the owner (``up``) or the
    ancestor of the case's cell at the named tier."""
    if to == "up":
        return grid.parent_of(case.owner)
    chain = [case.cell]
    while (parent := grid.parent_of(chain[-1])) is not None:
        chain.append(parent)
    tier = TIERS[to]
    return chain[-1 - tier] if tier < len(chain) else None


_EFFECTS = {"yellow": _warn, "red": _breach, "supervise": _supervise, "revisit": _revisit_due,
            "ladder": _ladder}


def record_revisit(batch: Batch, case_id: str, rebound: bool, actor: Actor, note: str) -> Case:
    """The result of a due revisit: a rebound reopens the case, clean ones end the cycle."""
    case = batch.case(case_id)
    spec = batch.rt.spec(case.workflow, case.version)
    revisit = spec.revisit
    if revisit is None or not case.revisit_pending:
        raise CaseError(f"case {case.id!r} has no revisit due (state {case.state!r})",
                        case_id=case.id)
    if actor is not SYSTEM_ACTOR and revisit.roles and revisit.roles.isdisjoint(actor.roles):
        raise PermissionDenied(
            f"actor {actor.id!r} may not record revisits; roles allowed: "
            f"{sorted(revisit.roles)}", case_id=case.id, actor=actor.id, trigger="revisit")
    check_scope(batch, case, actor, "revisit")
    n = case.revisits + 1
    batch.begin(case)
    event = batch.emit(case, spec, "revisit", actor=actor, data={"rebound": rebound, "n": n},
                       reason=note)
    if rebound:
        batch.finish()
        fire(batch, FireRequest(case.id, revisit.on_rebound, SYSTEM_ACTOR,
                                reason=f"revisit {n} found a rebound"), internal=True)
        return batch.case(case.id)
    nxt = None if case.clean_revisits >= revisit.clean_to_end else revisit_timer(
        batch.rt.calendar, spec, case, n + 1)
    if nxt is not None:
        if nxt.provisional:
            event.data["provisional"] = True
        batch.timers([nxt])
        batch.finish()
        return case
    batch.emit(case, spec, "revisit_end", actor=SYSTEM_ACTOR,
               data={"clean": case.clean_revisits, "revisits": case.revisits},
               reason="revisit cycle ended")
    batch.finish()
    if revisit.on_clean:
        fire(batch, FireRequest(case.id, revisit.on_clean, SYSTEM_ACTOR,
                                reason="revisit cycle ended clean"), internal=True)
    return batch.case(case.id)
