"""The compiled, immutable form of a workflow: what the engine runs.

The YAML file goes text → pydantic models (``schema``) → these frozen specs (``compile``).
Nothing here knows about YAML; the engine knows nothing about YAML either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from govflow.worktime.duration import Duration

#: The role any actor holds implicitly is none: a transition lists its roles, or ``*`` for all.
ANY_ROLE = "*"


class Guard(Protocol):
    """A compiled guard expression. ``source`` is the text the department wrote."""

    source: str

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """Evaluate over ``env`` (``data``, ``category``, ``state``, ... and functions)."""
        ...


@dataclass(frozen=True, slots=True)
class LadderStep:
    """An escalation step ``after`` past the deadline (None: at it): owner to ``to``
    (``up``, ``community``, ``street``, ``district``), supervision to ``level``."""

    to: str
    after: Duration | None = None
    level: str | None = None


@dataclass(frozen=True, slots=True)
class BreachSpec:
    """What happens when a deadline's red time passes."""

    escalate: bool = False
    trigger: str | None = None
    notify: bool = True
    ladder: tuple[LadderStep, ...] = ()


@dataclass(frozen=True, slots=True)
class DeadlineSpec:
    """A state's time limit. ``yellow_at``/``red_at`` are fractions of the (extended) limit."""

    limit: Duration
    #: a key of the case's data that, when present, overrides ``limit`` for that case (e.g. the
    #: rectification period an inspector sets: a duration string such as "7 days")
    limit_field: str | None = None
    #: a key of the case's data holding its own due time (ISO 8601), e.g. a record's DueDate
    due_field: str | None = None
    yellow_at: float = 0.8
    red_at: float = 1.0
    on_breach: BreachSpec = field(default_factory=BreachSpec)


@dataclass(frozen=True, slots=True)
class SupervisionRule:
    """督办: if the case is still in ``state`` after ``after``, raise supervision to ``level``."""

    state: str
    after: Duration
    level: Literal["yellow", "red"]


@dataclass(frozen=True, slots=True)
class ExtensionSpec:
    """延期: approved work days added to a running deadline, at most ``max_workdays`` in all."""

    max_workdays: float
    roles: frozenset[str]
    states: frozenset[str]


@dataclass(frozen=True, slots=True)
class RevisitSpec:
    """回访 / 回头看: revisits after ``after_state`` is entered.

    Either ``offsets`` (from entering the state) or ``every`` × ``times``. A revisit that finds
    a rebound fires ``on_rebound`` (reopening the case, counted as rework); ``clean_to_end``
    clean revisits in a row end the cycle (firing ``on_clean``), as does running out of
    revisits. ``after_state`` is never final: a final state has no way out.
    """

    after_state: str
    offsets: tuple[Duration, ...] = ()
    every: Duration | None = None
    times: int = 0
    clean_to_end: int = 1
    on_rebound: str = "reopen"
    #: trigger fired when the cycle ends clean (e.g. ``close``); None leaves the case where it is
    on_clean: str | None = None
    roles: frozenset[str] = frozenset()

    def offset(self, n: int) -> Duration | None:
        """The offset of revisit ``n`` (1-based) from entering the state, or None past the end."""
        if self.offsets:
            return self.offsets[n - 1] if n <= len(self.offsets) else None
        if self.every is not None and n <= self.times:
            return self.every.scaled(n)
        return None


@dataclass(frozen=True, slots=True)
class TransitionSpec:
    """One transition: ``trigger`` moves a case from any of ``sources`` to ``dest``."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    guard: Guard | None = None
    actions: tuple[str, ...] = ()
    #: counts as rework (a failed check, a redo, a reopen)
    rework: bool = False
    #: the line in the workflow file, for messages
    line: int | None = None


@dataclass(frozen=True, slots=True)
class StateSpec:
    """One state. Final states close the case."""

    name: str
    final: bool = False
    deadline: DeadlineSpec | None = None
    on_enter: tuple[str, ...] = ()
    on_exit: tuple[str, ...] = ()
    title: str = ""


@dataclass(frozen=True, slots=True)
class WorkflowSpec:
    """A compiled workflow version, shared by every case that started on it."""

    name: str
    version: int
    initial: str
    states: Mapping[str, StateSpec]
    transitions: tuple[TransitionSpec, ...]
    title: str = ""
    extension: ExtensionSpec | None = None
    supervision: tuple[SupervisionRule, ...] = ()
    revisit: RevisitSpec | None = None
    #: roles allowed to open a case of this workflow (empty: anyone)
    open_roles: frozenset[str] = frozenset()
    #: roles allowed to raise supervision (督办) by hand
    supervise_roles: frozenset[str] = frozenset({"cadre", "commander"})
    #: the declared data fields and their types (``int``, ``str``, ``duration`` …); the
    #: engine checks the data of an open and a fire against them
    fields: Mapping[str, str] = field(default_factory=dict)
    #: the version as a stand-alone workflows file (canonical JSON, which is YAML): what the
    #: store keeps so cases opened on it still run when the file no longer has it
    text: str = field(default="", compare=False)
    #: SHA-256 of ``text``: two files with the same workflow version give the same digest
    digest: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """The work calendar a file asks for; ``None`` fields keep the defaults."""

    timezone: str = "Asia/Shanghai"
    #: work periods of a day as (start, end) "HH:MM" strings
    periods: tuple[tuple[str, str], ...] = (("09:00", "12:00"), ("13:30", "18:00"))
    #: use mainland China's official holidays and make-up working days (chinese-calendar)
    official: bool = True
    holidays: frozenset[str] = frozenset()
    workdays: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class WorkflowSet:
    """Everything one workflows file defines."""

    workflows: Mapping[str, WorkflowSpec]
    calendar: CalendarSpec = field(default_factory=CalendarSpec)
    roles: frozenset[str] = frozenset()
    source: str = ""
