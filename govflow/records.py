"""The plain records the engine reads and writes: cases, events, timers, messages.

Cases are plain records, never objects that grow per case: the state machine is shared by all
cases of a workflow version, and a case's live state has the same size however many revisit
cycles it has been through (counters, not lists). The history lives in the event log.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govflow.errors import DataError

_SCALARS = (str, int, float, bool, type(None))


def copy_data(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of case data that shares no list or dict with the original (scalars are
    immutable and kept, so flat data, the common case, is copied by ``dict`` alone)."""
    for value in data.values():
        if type(value) not in _SCALARS:
            return {k: v if type(v) in _SCALARS else copy.deepcopy(v) for k, v in data.items()}
    return dict(data)


#: the defaults of :class:`govflow.Limits`: nesting depth and the integer range (64-bit)
MAX_DEPTH = 32
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1


def check_data(
    data: Any, where: str = "data", *, depth: int = MAX_DEPTH, min_int: int = MIN_INT,
    max_int: int = MAX_INT,
) -> int:
    """Case data must be JSON, the same in memory as in a database: string keys; strings,
    whole and finite numbers, booleans, null, lists and objects; nested at most ``depth``
    lists/objects deep; integers within ``min_int``..``max_int`` (64-bit by default, what
    PostgreSQL's ``jsonb`` and most JSON readers keep exactly). Raises DataError naming the
    offending path and saying how to fix it.

    Returns the data's weight: one per value and key plus the characters of every string and
    key. Its size as compact UTF-8 JSON lies between the weight and 32 times it in bytes,
    which lets a caller skip encoding payloads that are clearly small or clearly too big."""
    kind = type(data)
    if kind is dict:
        if depth <= 0:
            raise _too_deep(where)
        weight = 1
        for key, value in data.items():
            if type(key) is not str:
                raise DataError(f"{where} has the key {key!r}: keys must be strings; use "
                                "strings as keys", field=where, fix="use strings as keys")
            weight += 1 + len(key) + check_data(value, f"{where}.{key}", depth=depth - 1,
                                           min_int=min_int, max_int=max_int)
        return weight
    if kind is list:
        if depth <= 0:
            raise _too_deep(where)
        weight = 1
        for n, value in enumerate(data):
            weight += check_data(value, f"{where}[{n}]", depth=depth - 1, min_int=min_int,
                                 max_int=max_int)
        return weight
    if kind is str:
        return 1 + len(data)
    if kind is int:
        if not min_int <= data <= max_int:
            raise DataError(
                f"{where} is an integer of {data.bit_length()} bits, outside the engine's range "
                f"{min_int}..{max_int} (Limits.int_bits): give it as a string, or a smaller "
                "number", field=where, fix="give it as a string, or a smaller number")
        return 1
    if kind is float:
        if not math.isfinite(data):
            raise DataError(f"{where} is {data!r}: give a finite number or null", field=where,
                            fix="give a finite number or null")
        return 1
    if kind not in _SCALARS:
        raise DataError(
            f"{where} is a {kind.__name__} ({_short(data)}): case data must be JSON (strings, "
            "numbers, booleans, null, lists, objects); write times as ISO strings, sets as "
            "lists",
            field=where, fix="write times as ISO strings, sets as lists")
    return 1


def _too_deep(where: str) -> DataError:
    return DataError(f"{where} nests lists/objects deeper than the engine's limit "
                     "(Limits.max_depth): flatten the data", field=where, fix="flatten the data")


def _short(value: Any) -> str:
    try:
        return f"{value!r:.60}"
    except Exception:  # a repr that fails must not hide the real problem
        return "unprintable"

#: The actor id the engine uses for what timers do (warnings, escalations, revisits).
SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who fires a trigger: an id, the roles they hold and the grid nodes they answer for.

    ``scope`` holds node codes; the actor may act on cases whose cell lies under one of them.
    An empty scope means the whole district (cadres at district level, the system itself).
    """

    id: str
    roles: frozenset[str] = frozenset()
    scope: tuple[str, ...] = ()

    @classmethod
    def of(cls, id: str, *roles: str, scope: str | tuple[str, ...] = ()) -> Actor:
        """Shorthand: ``Actor.of("li", "grid_worker", scope="410102001001001")``."""
        nodes = (scope,) if isinstance(scope, str) else tuple(scope)
        return cls(id=id, roles=frozenset(roles), scope=nodes)


SYSTEM_ACTOR = Actor(id=SYSTEM, roles=frozenset({SYSTEM}))


@dataclass(slots=True)
class Case:
    """One case on one grid cell, as the store keeps it."""

    id: str
    workflow: str
    version: int
    state: str
    cell: str
    owner: str
    category: str
    source: str
    data: dict[str, Any]
    opened_at: datetime
    state_entered_at: datetime
    closed_at: datetime | None = None
    due_at: datetime | None = None
    #: green / yellow / red: the warning light of the current state's deadline.
    light: str = "green"
    #: when the case first missed a deadline (went red), kept for life: the on-time KPIs
    #: (按期结案率) count a case closed on time only if it never breached
    breached_at: datetime | None = None
    #: how many tiers the owner has moved up by escalation
    escalation: int = 0
    #: normal / yellow / red (督办 supervision card)
    supervision: str = "normal"
    #: work days of extension approved for the current deadline
    extension_days: float = 0.0
    #: times the case was sent back to handling (failed check, rebound, redo)
    rework: int = 0
    #: revisits done in the current cycle, clean ones in a row, and whether one is awaited
    revisits: int = 0
    clean_revisits: int = 0
    revisit_pending: bool = False
    #: bumped on every state entry; timers set for an older epoch are stale
    epoch: int = 0
    #: how many events the case's log holds (the next event's ``seq`` is this + 1)
    events: int = 0
    #: optimistic concurrency counter: bumped on every write
    rev: int = 0

    def copy(self) -> Case:
        """A copy with its own ``data`` dict (written out field by field: it is on the hot path
        of every transition, and a generic loop over the slots costs three times as much)."""
        return Case(
            self.id, self.workflow, self.version, self.state, self.cell, self.owner,
            self.category, self.source, copy_data(self.data), self.opened_at,
            self.state_entered_at,
            self.closed_at, self.due_at, self.light, self.breached_at, self.escalation,
            self.supervision,
            self.extension_days, self.rework, self.revisits, self.clean_revisits,
            self.revisit_pending, self.epoch, self.events, self.rev,
        )

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


@dataclass(slots=True)
class Event:
    """One row of the append-only event log: who did what to which case, when and why.

    Not frozen only because a frozen dataclass costs five times as much to build, and one is
    built on every transition; nothing changes an event once it is written."""

    case_id: str
    seq: int
    at: datetime
    actor: str
    role: str
    trigger: str
    source: str
    dest: str
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Timer:
    """A durable timer: fired once, in the same transaction as the change it causes.

    ``kind`` is one of ``yellow``, ``red``, ``supervise``, ``revisit``; ``epoch`` is the case's
    epoch when the timer was set (a timer whose epoch is older than the case's is stale).
    ``provisional``: ``due_at`` was counted over a day of a provisional calendar year (no
    published notice yet) and may move when the year becomes official (``govflow calendar
    replan``).
    """

    id: str
    case_id: str
    kind: str
    due_at: datetime
    epoch: int
    payload: dict[str, Any] = field(default_factory=dict)
    fired_at: datetime | None = None
    provisional: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """An outgoing notification, delivered at least once; ``id`` is its idempotency key."""

    id: str
    case_id: str
    kind: str
    recipient: str
    created_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A record that could not be taken in, kept with the reason."""

    id: str
    source: str
    record_id: str
    reason: str
    payload: str
    at: datetime


@dataclass(slots=True)
class Change:
    """Everything one change of one case writes, in one transaction.

    ``expected_rev`` is ``None`` for a new case; otherwise the store refuses the change with
    :class:`~govflow.errors.ConflictError` unless the stored case still has that ``rev``.
    ``fired_timer`` names a timer that must still be unfired; the store marks it fired in the
    same transaction (and refuses the change if another worker fired it first).
    ``cancel_kinds`` lists kinds of the case's pending timers to cancel.
    """

    case: Case
    expected_rev: int | None
    events: list[Event] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    cancel_kinds: tuple[str, ...] = ()
    fired_timer: str | None = None
    outbox: list[Message] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A service key as the store keeps it: only the SHA-256 of the secret, never the secret.

    A request carrying the key acts as ``Actor(actor, roles, scope)``."""

    name: str
    key_hash: str
    actor: str
    roles: tuple[str, ...]
    scope: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None

    def as_actor(self) -> Actor:
        return Actor(id=self.actor, roles=frozenset(self.roles), scope=self.scope)
