"""Turn plain YAML data into the pydantic models, mapping every type error to a problem.

A file with a wrong type somewhere still gets its other checks: the workflow is validated
again with the bad part set aside (a bad state emptied, a bad transition dropped, a bad key
removed), and only the parts that then validate go on to the semantic checks.
"""

from __future__ import annotations

import contextlib
import difflib
import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from govflow.workflows.quote import quoted
from govflow.workflows.schema import CalendarModel, WorkflowFileModel, WorkflowModel
from govflow.workflows.yamlio import Path

_BOOLS = (True, False)
#: (path, message) pairs; the loader adds the file and line
Found = list[tuple[Path, str]]


@dataclass(slots=True)
class Structured:
    """The models that validated, and whether a workflow lost transitions or states on the way
    (then its graph checks are skipped: they would report consequences, not causes)."""

    calendar: CalendarModel = field(default_factory=lambda: CalendarModel())
    roles: list[str] = field(default_factory=list)
    workflows: dict[str, WorkflowModel] = field(default_factory=dict)
    partial: set[str] = field(default_factory=set)


def structure(data: Any) -> tuple[Structured, Found]:
    """Validate ``data`` against :class:`WorkflowFileModel`; salvage what validates."""
    found: Found = []
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        found.append(((), f"the file is {kind}; it must be a mapping with a workflows: key"))
        return Structured(), found
    try:
        model = WorkflowFileModel.model_validate(data)
    except ValidationError as exc:
        found.extend(_problems(exc, data, WorkflowFileModel))
    else:
        return Structured(model.calendar, list(model.roles), dict(model.workflows)), found
    return _salvage(data), found


def _salvage(data: dict[str, Any]) -> Structured:
    out = Structured()
    with contextlib.suppress(ValidationError):
        out.calendar = CalendarModel.model_validate(data.get("calendar") or {})
    roles = data.get("roles")
    if isinstance(roles, list):
        out.roles = [role for role in roles if isinstance(role, str)]
    workflows = data.get("workflows")
    if not isinstance(workflows, dict):
        return out
    for name, raw in workflows.items():
        if not isinstance(name, str) or not isinstance(raw, dict):
            continue
        model, partial = _salvage_workflow(raw)
        if model is not None:
            out.workflows[name] = model
            if partial:
                out.partial.add(name)
    return out


def _salvage_workflow(raw: dict[str, Any]) -> tuple[WorkflowModel | None, bool]:
    try:
        return WorkflowModel.model_validate(raw), False
    except ValidationError as exc:
        errors = exc.errors()
    fixed = dict(raw)
    partial = False
    drop: set[int] = set()
    states = dict(raw["states"]) if isinstance(raw.get("states"), dict) else None
    for error in errors:
        loc = error["loc"]
        if not loc:
            return None, True
        head = loc[0]
        if head == "states" and len(loc) >= 2 and states is not None and loc[1] in states:
            old = states[loc[1]]
            keep = {
                k: v
                for k, v in (old.items() if isinstance(old, dict) else ())
                if k in ("final", "initial") and v in _BOOLS
            }
            if loc[-1] == "[key]":
                del states[loc[1]]
                partial = True
            elif isinstance(old, dict):  # keeps its place in the graph; loses the bad part
                states[loc[1]] = keep
                partial = partial or (len(loc) > 2 and loc[2] in ("final", "initial"))
            else:
                states[loc[1]] = {}
                partial = True
        elif head == "transitions" and len(loc) >= 2 and isinstance(loc[1], int):
            drop.add(loc[1])
            partial = True
        elif head == "version":
            fixed["version"] = 1
        elif head in ("states", "transitions"):
            return None, True
        else:
            fixed.pop(str(head), None)
    if states is not None:
        fixed["states"] = states
    if drop and isinstance(raw.get("transitions"), list):
        fixed["transitions"] = [t for i, t in enumerate(raw["transitions"]) if i not in drop]
    try:
        return WorkflowModel.model_validate(fixed), partial
    except ValidationError:
        return None, True


def _problems(exc: ValidationError, data: Any, root: type[BaseModel]) -> Found:
    found: Found = []
    seen: set[tuple[Path, str]] = set()
    for error in exc.errors():
        loc = tuple(error["loc"])
        path = _data_path(data, loc, error["type"])
        message = _message(error, loc, root)
        if (path, message) not in seen:
            seen.add((path, message))
            found.append((path, message))
    return found


def _data_path(data: Any, loc: tuple[Any, ...], kind: str) -> Path:
    """The path in the file that a pydantic ``loc`` points at (validator tags dropped)."""
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            path.append(part)
            node = node[part]
        elif part == "[key]":
            break
        elif i == len(loc) - 1 and kind == "missing" and isinstance(part, str):
            path.append(part)
    return tuple(path)


def _message(error: Any, loc: tuple[Any, ...], root: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = loc[-1]
        allowed = _allowed_keys(root, loc[:-1])
        if not allowed:
            return f"unknown key {quoted(key)}; remove it"
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f" (did you mean {quoted(close[0])}?)" if close else ""
        return f"unknown key {quoted(key)}{hint}; allowed keys here: {', '.join(allowed)}"
    expected = _description(root, loc)
    if kind == "missing":
        what = f" ({expected})" if expected else ""
        return f"required key {quoted(loc[-1])} is missing; add {loc[-1]}:{what}"
    message = str(error["msg"])
    if kind in ("value_error", "assertion_error"):
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if loc and loc[-1] == "[key]":
        return f"{message} (for the key {quoted(error.get('input'))})"
    shown = repr(error.get("input"))
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    hint = f"; expected {expected}" if expected else ""
    return f"{message}; got {shown}{hint}"


def _description(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The description of the field ``loc`` names, or "" when it cannot be found."""
    for end in range(len(loc), 0, -1):
        if isinstance(loc[end - 1], str):
            owner = _model_at(root, loc[: end - 1])
            fields = {f.alias or n: f for n, f in owner.model_fields.items()} if owner else {}
            info = fields.get(loc[end - 1])
            return (info.description or "") if info is not None else ""
    return ""


def _allowed_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at ``loc`` accepts, or [] when ``loc`` leads elsewhere."""
    current = _model_at(root, loc)
    if current is None:
        return []
    return sorted(f.alias or name for name, f in current.model_fields.items())


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    current: type[BaseModel] | None = root
    skip = False
    for part in loc:
        if skip:
            skip = False
            continue
        if current is None:
            return None
        fields = {f.alias or name: f for name, f in current.model_fields.items()}
        info = fields.get(part)
        if info is None:
            return None
        current, skip = _unwrap(info.annotation)
    return None if skip else current


def _unwrap(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model inside ``annotation`` and whether a list/dict level sits before it."""
    container = False
    for _ in range(4):
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        elif origin in (list, dict):
            annotation = get_args(annotation)[-1]
            container = True
        else:
            break
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, container
    return None, container
