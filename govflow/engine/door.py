"""The engine's door: every public write's arguments checked once, before anything is read.

The shapes of the arguments (a string here, an :class:`Actor` there, data a dict) are pydantic
models built once at import; per call the door hands the arguments to the model's compiled
validator and adds what a model cannot know: the cell against the grid, the reserved
``system`` role, and the data against the engine's :class:`Limits`. Every problem is a
:class:`~govflow.errors.RequestError` (data problems a :class:`~govflow.errors.DataError`)
that names the argument and the fix; nothing has been written when it is raised, whatever the
store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, InstanceOf, ValidationError

import govflow.widths as widths
from govflow.engine.hierarchy import Hierarchy, PrefixHierarchy
from govflow.engine.limits import Limits
from govflow.errors import DataError, RequestError
from govflow.records import SYSTEM, SYSTEM_ACTOR, Actor, check_data
from govflow.workflows.spec import WorkflowSpec
from govflow.worktime import parse_duration

#: a case id as the caller gives it (one longer than any id is simply not found)
CaseId = Annotated[str, Field(min_length=1, max_length=200)]
#: names the store keeps: a workflow, a state, a trigger, a note's name, a recipient
Name = Annotated[str, Field(min_length=1, max_length=widths.NAME)]
_NAME_WIDTH = widths.NAME  # read on fire's hot path
#: a grid code: a cell, an owner
Code = Annotated[str, Field(min_length=1, max_length=widths.CODE)]
#: a message's kind
Kind = Annotated[str, Field(min_length=1, max_length=widths.KIND)]
#: free text written into the log (a reason)
Text = Annotated[str, Field(max_length=10_000)]
#: a category or a source (may be empty)
ShortText = Annotated[str, Field(max_length=widths.NAME)]
#: keys are checked by the data walk (a DataError naming the key), not here
Data = dict[Any, Any] | None


class _Args(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, arbitrary_types_allowed=True)


class OpenArgs(_Args):
    workflow: Name
    cell: Code
    actor: InstanceOf[Actor]
    category: ShortText = ""
    data: Data = None
    source: ShortText = "manual"
    owner: Code | None = None
    at: AwareDatetime | None = None


class FireArgs(_Args):
    case_id: CaseId
    trigger: Name
    actor: InstanceOf[Actor]
    data: Data = None
    reason: Text = ""
    expected_rev: Annotated[int, Field(ge=0)] | None = None


class NoteArgs(_Args):
    case_id: CaseId
    what: Name
    actor: InstanceOf[Actor]
    data: Data = None
    reason: Text = ""
    notices: tuple[tuple[Kind, Name, dict[str, Any]], ...] = ()


class MoveArgs(_Args):
    case_id: CaseId
    workflow: Name
    actor: InstanceOf[Actor]
    category: ShortText | None = None
    data: Data = None
    reason: Text = ""
    from_states: tuple[Name, ...] = ()


class ExtendArgs(_Args):
    case_id: CaseId
    workdays: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    actor: InstanceOf[Actor]
    reason: Text


class SuperviseArgs(_Args):
    case_id: CaseId
    level: Literal["normal", "yellow", "red"]  # reducer.LEVELS
    actor: InstanceOf[Actor]
    reason: Text = ""


class RevisitArgs(_Args):
    case_id: CaseId
    rebound: bool
    actor: InstanceOf[Actor]
    note: Text = ""


class ReadArgs(_Args):
    case_id: CaseId
    actor: InstanceOf[Actor]


class BulkArgs(_Args):
    actor: InstanceOf[Actor]
    batch: Annotated[int, Field(ge=1)]


class MigrateArgs(_Args):
    workflow: Name
    to_version: Annotated[int, Field(ge=1)]
    state_map: dict[Name, Name] | None = None
    dry_run: bool = False
    chunk: Annotated[int, Field(ge=1)] = 1000
    actor: InstanceOf[Actor] | None = None
    reason: Text = ""


#: what to give instead, by argument name (the first part of the error's field)
FIXES: Mapping[str, str] = {
    "workflow": "give the name of a loaded workflow (Engine.workflows() lists them)",
    "cell": "give the 15-digit code of a tier-3 cell, e.g. '410102001001001'",
    "actor": "pass an Actor, e.g. Actor.of('li', 'grid_worker', scope='410102001001001')",
    "category": f"give a short text (up to {widths.NAME} characters) or leave it out",
    "data": "give a dict of field names to JSON values, e.g. {'stalls': 3}, or leave it out",
    "source": f"give a short text (up to {widths.NAME} characters) naming where the case "
              "came from, e.g. 'hotline'",
    "owner": "give a grid node code, or leave it out (the cell owns the case)",
    "at": "give a datetime with a time zone, e.g. datetime(2026, 9, 29, 9, tzinfo=UTC)",
    "case_id": "give the case's id (as open_case returned it) as a string",
    "trigger": "give a trigger name as a string (allowed_triggers lists them)",
    "what": "give the note's name as a string, e.g. 'comment'",
    "reason": "give the reason as text (up to 10,000 characters)",
    "note": "give the note as text (up to 10,000 characters)",
    "expected_rev": "give the case's rev as read (a whole number), or leave it out",
    "notices": f"give (kind, recipient, payload dict) tuples (a kind of up to {widths.KIND} "
               f"characters, a recipient of up to {widths.NAME})",
    "from_states": "give state names as a tuple of strings",
    "workdays": "give a positive number of work days",
    "level": "give one of normal, yellow, red",
    "rebound": "give True or False",
    "to_version": "give a version number (a whole number of at least 1)",
    "state_map": "give a dict of old state names to new ones",
    "dry_run": "give True or False",
    "chunk": "give a whole number of at least 1",
    "batch": "give a whole number of at least 1",
}

_SYSTEM_FIX = ("the system role is the engine's own (timers, replanning, migration): give "
               "the actor the roles it works in, or mint a trusted one with "
               "Engine.system_actor(...) where the integrator means it")


#: arguments whose problems are DataErrors (what the case holds, and when it happened)
_DATA_ARGUMENTS = frozenset({"data", "notices", "at"})


def _describe(value: Any) -> str:
    try:
        shown = f"{value!r:.60}"
    except Exception:  # a repr that fails (or recurses too deep) must not hide the problem
        shown = "?"
    return f"{type(value).__name__} {shown}"


def request_error(call: str, exc: ValidationError) -> RequestError:
    """The first problem pydantic found, as a RequestError naming the argument and the fix."""
    first = exc.errors(include_url=False)[0]
    loc = [str(part) for part in first["loc"]]
    field = ".".join(loc)
    argument = loc[0] if loc else ""
    fix = FIXES.get(argument, "see the method's documentation")
    more = len(exc.errors()) - 1
    also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    msg = first["msg"]
    kind = DataError if argument in _DATA_ARGUMENTS else RequestError
    return kind(f"{call}: {field}: {msg[:1].lower()}{msg[1:]}, got "
                f"{_describe(first['input'])}{also}; {fix}", field=field, fix=fix)


#: how many checked actors a door remembers before it starts afresh
_REMEMBERED = 4096


class Door:
    """The checks of one engine: its limits, its grid's cells, the actors it trusts."""

    def __init__(self, limits: Limits, grid: Hierarchy) -> None:
        self.limits = limits
        self.grid = grid
        # the hierarchy says what a cell is: a loaded Grid knows its tier-3 cells, the
        # code-read default takes any well-formed code, and a hierarchy of the integrator's
        # without ``is_cell`` (a replay's area names) takes any non-empty code
        is_cell = getattr(grid, "is_cell", None)
        #: a grid is loaded: the cell must be one of its tier-3 cells, not just well formed
        self._grid_cells = callable(is_cell) and not isinstance(grid, PrefixHierarchy)
        self._is_cell: Callable[[str], bool] = is_cell if callable(is_cell) else bool
        self._minted: dict[tuple[str, frozenset[str], tuple[str, ...]], Actor] = {}
        #: actors that passed, by id(): see :meth:`actor`
        self._passed: dict[int, Actor] = {}
        self._depth = limits.max_depth
        self._min_int = limits.min_int
        self._max_int = limits.max_int
        self._max_bytes = limits.max_bytes
        self._open = OpenArgs.__pydantic_validator__.validate_python
        self._fire = FireArgs.__pydantic_validator__.validate_python

    # -- the system role -------------------------------------------------------------------
    def system_actor(self, id: str, roles: frozenset[str], scope: tuple[str, ...]) -> Actor:
        """An actor holding the system role that this engine lets through (one per id)."""
        key = (id, roles | {SYSTEM}, scope)
        actor = self._minted.get(key)
        if actor is None:
            actor = self._minted[key] = Actor(id=id, roles=key[1], scope=scope)
        return actor

    def actor(self, call: str, actor: Actor) -> None:
        """The actor's own fields, and the system role only on actors the engine trusts.

        Actors are frozen: one that passed is remembered by identity (a service or a worker
        hands the same object again and again), so the hot path pays a dict look-up."""
        if self._passed.get(id(actor)) is actor:
            return
        self._check_actor(call, actor)
        if len(self._passed) >= _REMEMBERED:
            self._passed.clear()
        self._passed[id(actor)] = actor  # kept alive here, so its id is not reused

    def _check_actor(self, call: str, actor: Actor) -> None:
        problem = ""
        if type(actor.id) is not str or not 0 < len(actor.id) <= widths.NAME:
            field, problem = "actor.id", f"is {_describe(actor.id)}"
            fix = f"give a non-empty string id (at most {widths.NAME} characters)"
        elif type(actor.roles) is not frozenset or not all(
                type(r) is str and len(r) <= widths.NAME for r in actor.roles):
            field, problem = "actor.roles", f"is {_describe(actor.roles)}"
            fix = (f"build the actor with Actor.of(id, *roles), which makes a frozenset of "
                   f"names (each at most {widths.NAME} characters)")
        elif type(actor.scope) is not tuple or not all(type(s) is str for s in actor.scope):
            field, problem = "actor.scope", f"is {_describe(actor.scope)}"
            fix = "build the actor with Actor.of(id, *roles, scope=...), a tuple of node codes"
        elif SYSTEM in actor.roles and actor is not SYSTEM_ACTOR:
            key = (actor.id, actor.roles, actor.scope)
            if self._minted.get(key) is not actor:
                field, fix = "actor.roles", _SYSTEM_FIX
                problem = f"of actor {actor.id!r} claim the reserved {SYSTEM!r} role"
        if problem:
            raise RequestError(f"{call}: {field} {problem}; {fix}", field=field, fix=fix)

    # -- cells and data --------------------------------------------------------------------
    def cell(self, call: str, cell: str) -> None:
        if self._is_cell(cell):
            return
        if not self._grid_cells:
            why = "is not a cell code (6 + 3 + 3 + 3 digits)"
        else:
            contains = getattr(self.grid, "__contains__", None)
            known = callable(contains) and contains(cell)
            why = ("is a node of the loaded grid above the cells, not a tier-3 cell" if known
                   else "is not a cell of the loaded grid")
        fix = ("give the code of a tier-3 cell, e.g. '410102001001001'"
               + (" (`govflow grid show` lists the grid's codes)" if self._grid_cells else ""))
        raise RequestError(f"{call}: cell {cell!r} {why}; {fix}", field="cell", fix=fix)

    def data(self, call: str, data: Any, where: str = "data") -> None:
        """JSON within the limits: nesting depth and integer range on the way through, then
        the size (encoded only when the walk could not already tell)."""
        try:
            weight = check_data(data, where, depth=self._depth, min_int=self._min_int,
                                max_int=self._max_int)
        except DataError as exc:
            raise DataError(f"{call}: {exc}", field=exc.field, fix=exc.fix) from None
        limit = self._max_bytes
        # each value or key costs at least one byte and at most 32 per unit of weight
        if weight * 32 <= limit:
            return
        size = weight if weight > limit else len(
            json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        if size > limit:
            fix = ("send less per call (keep files and large texts elsewhere and put their "
                   "address in the data), or raise Limits.max_bytes")
            raise DataError(f"{call}: {where} is {'at least ' if weight > limit else ''}{size:,} "
                            f"bytes of JSON, over the limit of {limit:,} (Limits.max_bytes); "
                            f"{fix}", field=where, fix=fix)

    # -- the calls -------------------------------------------------------------------------
    def open(
        self, workflow: Any, cell: Any, actor: Any, category: Any, data: Any, source: Any,
        owner: Any, at: Any, call: str = "open_case",
    ) -> None:
        try:
            self._open({"workflow": workflow, "cell": cell, "actor": actor,
                        "category": category, "data": data, "source": source, "owner": owner,
                        "at": at})
        except ValidationError as exc:
            raise request_error(call, exc) from None
        self.actor(call, actor)
        self.cell(call, cell)
        if data:
            self.data(call, data)

    def fire(self, case_id: Any, trigger: Any, actor: Any, data: Any, reason: Any,
             expected_rev: Any = None, call: str = "fire") -> None:
        # the hot path: arguments of exactly the types FireArgs wants skip its validator (a
        # stricter test than the model's, so nothing it would refuse gets past; anything
        # else goes to the model, which accepts it or says what is wrong)
        if not (type(case_id) is str and 0 < len(case_id) <= 200 and type(trigger) is str
                and 0 < len(trigger) <= _NAME_WIDTH and type(actor) is Actor
                and (data is None or type(data) is dict) and type(reason) is str
                and len(reason) <= 10_000 and expected_rev is None):
            self._fire_model(case_id, trigger, actor, data, reason, expected_rev, call)
        self.actor(call, actor)
        if data:
            self.data(call, data)

    def _fire_model(self, case_id: Any, trigger: Any, actor: Any, data: Any, reason: Any,
                    expected_rev: Any, call: str) -> None:
        try:
            self._fire({"case_id": case_id, "trigger": trigger, "actor": actor, "data": data,
                        "reason": reason, "expected_rev": expected_rev})
        except ValidationError as exc:
            raise request_error(call, exc) from None

    def check(self, call: str, model: type[_Args], **arguments: Any) -> None:
        """The arguments of a call that is not on the hot path (note, move, extend …)."""
        try:
            model.__pydantic_validator__.validate_python(arguments)
        except ValidationError as exc:
            raise request_error(call, exc) from None
        actor = arguments.get("actor")
        if actor is not None:
            self.actor(call, actor)
        data = arguments.get("data")
        if data:
            self.data(call, data)
        for n, notice in enumerate(arguments.get("notices", ())):
            self.data(call, notice[2], f"notices[{n}].payload")


# -- declared field types -------------------------------------------------------------------
def _duration(value: Any) -> bool:
    if type(value) in (int, float):
        return math.isfinite(value) and value > 0
    if type(value) is not str:
        return False
    try:
        parse_duration(value)
    except ValueError:
        return False
    return True


def _iso_time(value: Any) -> bool:
    if type(value) is not str:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


#: each declared type: the test of a value, and what to give instead
FIELD_TYPES: Mapping[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda v: type(v) is str, "a string"),
    "int": (lambda v: type(v) is int, "a whole number (not a string or a bool)"),
    "float": (lambda v: type(v) in (int, float), "a number (not a string or a bool)"),
    "bool": (lambda v: type(v) is bool, "true or false"),
    "list": (lambda v: type(v) is list, "a list"),
    "dict": (lambda v: type(v) is dict, "an object (dict)"),
    "duration": (_duration, "a duration such as '10 days' or a positive number of days"),
    "datetime": (_iso_time, "an ISO 8601 time such as '2026-12-04T17:00:00+08:00'"),
}


def check_fields(call: str, spec: WorkflowSpec, data: Mapping[str, Any],
                 where: str = "data") -> None:
    """The values of the fields ``spec`` declares must have the declared types (a field left
    out is fine: guards treat it as missing). Raises DataError naming the field."""
    fields = spec.fields
    if not fields:
        return
    for name, value in data.items():
        kind = fields.get(name)
        if kind is None or kind == "any":
            continue
        test, wanted = FIELD_TYPES[kind]
        if not test(value):
            fix = f"give {wanted}, or leave the field out"
            raise DataError(
                f"{call}: {where}.{name} is {_describe(value)}, but workflow {spec.name!r} "
                f"v{spec.version} declares {name}: {kind}; {fix}", field=f"{where}.{name}",
                fix=fix)
