"""The workflows file as frozen pydantic models: the plain intermediate form.

text (``yamlio``) → these models (types, unknown keys) → ``validate`` (names, graph, guards)
→ ``compile`` (the frozen specs the engine runs). Every field has a description: the
language reference (``docs/workflows.md``) and the JSON Schema are generated from them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from govflow.workflows.quote import quoted

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _check_duration(text: str) -> str:
    from govflow.worktime.parse import parse_duration

    parse_duration(text)
    return text


def _empty_if_none(value: Any) -> Any:
    """``closed:`` with nothing after it is a state with every default."""
    return {} if value is None else value


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {quoted(name)}; use an IANA name such as Asia/Shanghai"
        ) from None
    return name


def _check_period(period: tuple[str, str]) -> tuple[str, str]:
    start, end = period
    for text in period:
        if not _HHMM.match(text):
            raise ValueError(f"{quoted(text)} is not a time of day; write it as HH:MM, e.g. "
                             "\"09:00\"")
    if start >= end:
        raise ValueError(f"period {start}-{end} ends before it starts; write [start, end]")
    return period


Duration = Annotated[
    str,
    AfterValidator(_check_duration),
    Field(
        description="a duration in plain words",
        examples=["30 min", "4h", "2 days", "3 workdays", "6 work hours", "3个工作日"],
    ),
]
StateNames = Annotated[
    list[str], BeforeValidator(_one_or_many, json_schema_input_type=str | list[str])
]
FieldType = Literal["str", "int", "float", "bool", "list", "dict", "duration", "datetime",
                    "any"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CalendarModel(_Model):
    """The work calendar: when work time runs, for ``workhours``/``workdays`` durations."""

    timezone: Annotated[str, AfterValidator(_check_timezone)] = Field(
        default="Asia/Shanghai", description="IANA time zone of the work day"
    )
    periods: list[Annotated[tuple[str, str], AfterValidator(_check_period)]] = Field(
        default_factory=lambda: [("09:00", "12:00"), ("13:30", "18:00")],
        description='work periods of a day as ["HH:MM", "HH:MM"] pairs, quoted',
    )
    official: bool = Field(
        default=True,
        description="follow mainland China's official holidays and make-up working days "
        "(调休, from chinese-calendar); false: Monday to Friday only",
    )
    holidays: list[date] = Field(
        default_factory=list, description="extra days off (YYYY-MM-DD), e.g. a local holiday"
    )
    workdays: list[date] = Field(
        default_factory=list, description="extra working days (YYYY-MM-DD), e.g. a make-up day"
    )


class LadderStepModel(_Model):
    """One step of an escalation ladder: past the deadline by ``after``, the case goes to
    ``to`` (its owner moves there, if that is above the owner now) with 督办 ``level``."""

    after: Duration | None = Field(
        default=None,
        description="time past the deadline when the step is taken (none: at the breach)",
    )
    to: Literal["up", "community", "street", "district"] = Field(
        description="where the case goes: one tier above its owner (up), or the community, "
        "street or district above its cell; the owner never moves down",
    )
    level: Literal["yellow", "red"] | None = Field(
        default=None, description="the supervision (督办) level the step sets; never lowered",
    )


class BreachModel(_Model):
    """What happens when a deadline passes (the red light)."""

    escalate: bool = Field(
        default=False, description="move the case's owner one grid tier up (升级) and tell them"
    )
    ladder: list[LadderStepModel] = Field(
        default_factory=list,
        description="an escalation ladder instead of escalate: steps taken in turn past the "
        "deadline, each audited as an escalate event and told to the person on duty there",
    )
    trigger: str | None = Field(
        default=None,
        description="fire this trigger as the system (needs a transition from the state "
        "whose roles include system)",
    )
    notify: bool = Field(default=True, description="send a breach message to the owner")

    @model_validator(mode="after")
    def _one_way_up(self) -> BreachModel:
        if self.escalate and self.ladder:
            raise ValueError("give either escalate: true (one tier up) or a ladder, not both")
        return self


class DeadlineModel(_Model):
    """A state's time limit, with a yellow warning before it and a red light at it."""

    limit: Duration = Field(description="the time limit from entering the state")
    limit_field: str | None = Field(
        default=None,
        description="a data field that, when the case has it, holds this case's own limit "
        '(a duration such as "7 days" set by the inspector); limit is the default',
    )
    due_field: str | None = Field(
        default=None,
        description="a data field that, when the case has it, holds this case's own due time "
        "(ISO 8601; without an offset, in the calendar's zone), e.g. a 311 record's DueDate; "
        "yellow and red are fractions of the span from entering the state to it",
    )
    yellow_at: float = Field(
        default=0.8, description="fraction of the limit (extensions included) when the light turns "
        "yellow; in (0, red_at]",
    )
    red_at: float = Field(
        default=1.0, gt=0, description="fraction of the limit when the light turns red (the breach)"
    )
    on_breach: BreachModel = Field(
        default=BreachModel(), description="what the breach does"
    )


class StateModel(_Model):
    """One state of a workflow."""

    title: str = Field(default="", description="a human name, e.g. the Chinese term (立案)")
    final: bool = Field(default=False, description="the case is closed in this state; no way out")
    initial: bool = Field(
        default=False,
        description="the state a case starts in (or name it with the workflow's initial)",
    )
    deadline: DeadlineModel | None = Field(default=None, description="the time limit of this stage")
    on_enter: list[str] = Field(
        default_factory=list, description="actions run when a case enters the state"
    )
    on_exit: list[str] = Field(
        default_factory=list, description="actions run when a case leaves the state"
    )


class TransitionModel(_Model):
    """A trigger that moves a case from one of some states to another state."""

    trigger: str = Field(description="the name a caller fires (snake_case)")
    from_: StateNames = Field(
        alias="from",
        min_length=1,
        description='source state, a list of them, or "*" for every non-final state',
    )
    to: str = Field(description="the state the case moves to")
    roles: list[str] = Field(
        min_length=1,
        description='roles that may fire it ("*": any role); the timers act as system',
    )
    guard: str | None = Field(
        default=None,
        description="an expression that must be true, e.g. \"data.severity >= 2 and category "
        "in ['oil_fume']\" (see Guard expressions)",
    )
    actions: list[str] = Field(
        default_factory=list, description="actions run on the transition, by registered name"
    )
    rework: bool = Field(
        default=False, description="counts as rework (返工: a failed check, a redo, a reopen)"
    )
    title: str = Field(default="", description="a human name for the trigger")


class ExtensionModel(_Model):
    """延期: approved work days added to a running deadline, up to a cap."""

    max_workdays: float = Field(gt=0, description="most work days that may be added in all")
    roles: list[str] = Field(min_length=1, description="roles that may approve an extension")
    states: list[str] = Field(
        min_length=1, description="states (with a deadline) whose deadline may be extended"
    )


class SupervisionModel(_Model):
    """督办 by rule: a case still in a state after a time gets a yellow or red card."""

    state: str = Field(description="the state watched")
    after: Duration = Field(description="time in the state before the card is raised")
    level: Literal["yellow", "red"] = Field(description="the card raised")


class RevisitModel(_Model):
    """回访 / 回头看: revisits after a state is entered, ending after clean ones in a row."""

    after: str = Field(description="the (non-final) state whose entry starts the revisits")
    offsets: list[Duration] = Field(
        default_factory=list, description="each revisit's time from entering the state"
    )
    every: Duration | None = Field(default=None, description="or: time between revisits")
    times: int = Field(default=0, ge=0, description="with every: how many revisits at most")
    clean_to_end: int = Field(
        default=1, ge=1, description="clean revisits in a row that end the cycle"
    )
    on_rebound: str = Field(
        default="reopen",
        description="trigger fired (as system) when a revisit finds a rebound; a transition "
        "from the after state, usually with rework: true",
    )
    on_clean: str | None = Field(
        default=None,
        description="trigger fired (as system) when the cycle ends clean; none leaves the "
        "case where it is",
    )
    roles: list[str] = Field(
        default_factory=list, description="roles that may record a revisit (empty: any)"
    )

    @model_validator(mode="after")
    def _one_schedule(self) -> RevisitModel:
        if self.offsets and self.every is not None:
            raise ValueError("give either offsets or every + times, not both")
        if not self.offsets and (self.every is None or self.times < 1):
            raise ValueError(
                "say when to revisit: offsets: [1 day, 3 days] or every: 7 days with times: 4"
            )
        return self


class WorkflowModel(_Model):
    """One workflow: states, transitions and their time rules."""

    version: int = Field(
        gt=0, strict=True, description="a whole number ≥ 1; raise it when the workflow changes"
    )
    title: str = Field(default="", description="a human name, e.g. the Chinese term")
    description: str = Field(default="", description="free text for the people who read the file")
    fields: dict[str, FieldType] = Field(
        default_factory=dict,
        description="declared data fields and their types; when given, guards and "
        "limit_field may only name these",
    )
    initial: str | None = Field(
        default=None, description="the state a case starts in (or mark one state initial: true)"
    )
    open_roles: list[str] = Field(
        default_factory=list, description="roles that may open a case (empty: any)"
    )
    states: dict[
        str,
        Annotated[
            StateModel,
            BeforeValidator(_empty_if_none, json_schema_input_type=StateModel | None),
        ],
    ] = Field(
        min_length=1, description="the states by name (snake_case)"
    )
    transitions: list[TransitionModel] = Field(
        default_factory=list, description="the transitions, tried in order for a trigger"
    )
    extension: ExtensionModel | None = Field(default=None, description="延期 rules")
    supervision: list[SupervisionModel] = Field(
        default_factory=list, description="督办 rules raised automatically"
    )
    revisit: RevisitModel | None = Field(default=None, description="回访 / 回头看 cycle")


class WorkflowFileModel(_Model):
    """A workflows file: the calendar, the roles and the workflows of one department."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="govflow workflows file",
    )

    description: str = Field(default="", description="free text about the file")
    calendar: CalendarModel = Field(
        default=CalendarModel(), description="the work calendar"
    )
    roles: list[str] = Field(
        default_factory=list,
        description="every role the workflows name (system, the timers' role, is always known)",
    )
    workflows: dict[str, WorkflowModel] = Field(
        min_length=1, description="the workflows by name (snake_case)"
    )
