"""Checked models → the frozen specs of :mod:`govflow.workflows.spec` the engine runs."""

from __future__ import annotations

from types import MappingProxyType

from govflow.workflows.expr import CompiledGuard
from govflow.workflows.schema import (
    CalendarModel,
    DeadlineModel,
    RevisitModel,
    StateModel,
    WorkflowModel,
)
from govflow.workflows.spec import (
    ANY_ROLE,
    BreachSpec,
    CalendarSpec,
    DeadlineSpec,
    ExtensionSpec,
    LadderStep,
    RevisitSpec,
    StateSpec,
    SupervisionRule,
    TransitionSpec,
    WorkflowSpec,
)
from govflow.worktime.parse import parse_duration


def compile_calendar(model: CalendarModel) -> CalendarSpec:
    return CalendarSpec(
        timezone=model.timezone,
        periods=tuple((start, end) for start, end in model.periods),
        official=model.official,
        holidays=frozenset(day.isoformat() for day in model.holidays),
        workdays=frozenset(day.isoformat() for day in model.workdays),
    )


def _deadline(model: DeadlineModel) -> DeadlineSpec:
    breach = model.on_breach
    return DeadlineSpec(
        limit=parse_duration(model.limit),
        limit_field=model.limit_field,
        due_field=model.due_field,
        yellow_at=model.yellow_at,
        red_at=model.red_at,
        on_breach=BreachSpec(
            escalate=breach.escalate, trigger=breach.trigger, notify=breach.notify,
            ladder=tuple(LadderStep(to=s.to, level=s.level,
                                    after=None if s.after is None else parse_duration(s.after))
                         for s in breach.ladder)),
    )


def _state(name: str, model: StateModel) -> StateSpec:
    return StateSpec(
        name=name,
        final=model.final,
        deadline=None if model.deadline is None else _deadline(model.deadline),
        on_enter=tuple(model.on_enter),
        on_exit=tuple(model.on_exit),
        title=model.title,
    )


def _revisit(model: RevisitModel) -> RevisitSpec:
    return RevisitSpec(
        after_state=model.after,
        offsets=tuple(parse_duration(text) for text in model.offsets),
        every=None if model.every is None else parse_duration(model.every),
        times=model.times,
        clean_to_end=model.clean_to_end,
        on_rebound=model.on_rebound,
        on_clean=model.on_clean,
        roles=frozenset(model.roles),
    )


def compile_workflow(
    name: str,
    model: WorkflowModel,
    *,
    initial: str,
    guards: dict[int, CompiledGuard],
    lines: dict[int, int],
) -> WorkflowSpec:
    """Build the spec of a workflow that passed every check (``guards`` by transition index)."""
    finals = [s for s, st in model.states.items() if st.final]
    transitions = []
    for i, t in enumerate(model.transitions):
        sources = tuple(s for s in model.states if s not in finals) if t.from_ == [ANY_ROLE] \
            else tuple(t.from_)
        transitions.append(
            TransitionSpec(
                trigger=t.trigger,
                sources=sources,
                dest=t.to,
                roles=frozenset(t.roles),
                guard=guards.get(i),
                actions=tuple(t.actions),
                rework=t.rework,
                line=lines.get(i),
            )
        )
    ext = model.extension
    return WorkflowSpec(
        name=name,
        version=model.version,
        initial=initial,
        states=MappingProxyType({s: _state(s, st) for s, st in model.states.items()}),
        transitions=tuple(transitions),
        title=model.title,
        extension=None if ext is None else ExtensionSpec(
            max_workdays=ext.max_workdays, roles=frozenset(ext.roles), states=frozenset(ext.states)
        ),
        supervision=tuple(
            SupervisionRule(state=r.state, after=parse_duration(r.after), level=r.level)
            for r in model.supervision
        ),
        revisit=None if model.revisit is None else _revisit(model.revisit),
        open_roles=frozenset(model.open_roles),
        fields=MappingProxyType(dict(model.fields)),
    )
