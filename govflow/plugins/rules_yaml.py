"""``rules.yaml``: mapping rules declared beside the workflows.

::

    rules:
      - name: vending_report           # unique per source
        source: urban_patrol           # a registered source
        when: {kind: street_vending}   # every field equals the value (or one of a list)
        open:
          workflow: street_vending
          cell: "{cell}"               # "{field}" is the record's field; alone, it keeps its type
          category: street_vending
          data: {reporter: "{reporter}", note: "seen at {place}"}
          at: "{found_at}"             # the record's time (a datetime field); default: now
          merge_within: 2h             # duplicates within 2 hours merge into the open case
      - name: request_closed
        source: chicago_open311
        when: {note_type: closed}
        trigger: {ref: "{request_id}", name: close, reason: "{summary}"}
      - name: request_activity
        source: chicago_open311
        skip: activity notes only inform

A rule has exactly one of ``open``, ``trigger`` or ``skip``. Every problem is reported at
load with its file, line and path; ``{field}`` names are checked against the source's model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from govflow.errors import Problem, WorkflowLoadError
from govflow.plugins.rules import OpenCase, Rule, Skip, Trigger
from govflow.plugins.yamlnodes import Path_, line_of, load_with_lines
from govflow.workflows.safeyaml import YamlFault, read_yaml_file

_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RulesLoadError(WorkflowLoadError):
    """A rules file failed to load; ``problems`` lists every problem with file and line."""

    what = "rules file"


def parse_window(text: str) -> timedelta:
    """``"2h"``, ``"30 min"``, ``"1 day"`` → a wall-clock window (merging is not in work time)."""
    found = _WINDOW.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not a window; write e.g. '30 min', '2h', '1 day'")
    unit = found.group(2)[0]
    return timedelta(seconds=float(found.group(1)) * _UNIT_SECONDS[unit])


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OpenSpec(_Strict):
    workflow: str
    cell: str
    category: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    ref: str | None = None
    #: the record's time field, e.g. "{found_at}" (default: the engine clock's now)
    at: str | None = None
    merge_within: str | None = None

    @model_validator(mode="after")
    def _window(self) -> OpenSpec:
        if self.merge_within is not None:
            parse_window(self.merge_within)
        return self


class TriggerSpec(_Strict):
    ref: str
    name: str
    data: dict[str, Any] = Field(default_factory=dict)
    reason: str = ""


class RuleSpec(_Strict):
    name: str
    source: str
    when: dict[str, Any] = Field(default_factory=dict)
    open: OpenSpec | None = None
    trigger: TriggerSpec | None = None
    skip: str | None = None

    @model_validator(mode="after")
    def _one_outcome(self) -> RuleSpec:
        given = [k for k in ("open", "trigger", "skip") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a rule has exactly one of open, trigger, skip (found {given})")
        return self


class RulesFile(_Strict):
    rules: list[RuleSpec]


def _fill(template: Any, record: BaseModel, *, as_data: bool = False) -> Any:
    """Replace ``{field}`` in strings (recursively in dicts and lists) with record values.

    With ``as_data`` (case data, which must be JSON) a date or time field is written as its
    ISO text; elsewhere (``at``) it keeps its type.
    """
    if isinstance(template, str):
        whole = _FIELD.fullmatch(template)
        if whole:
            value = getattr(record, whole.group(1))
            if as_data and isinstance(value, datetime | date | time):
                return value.isoformat()
            return value
        return _FIELD.sub(lambda m: str(getattr(record, m.group(1))), template)
    if isinstance(template, dict):
        return {k: _fill(v, record, as_data=as_data) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, record, as_data=as_data) for v in template]
    return template


def _fields_in(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_FIELD.findall(value))
    if isinstance(value, dict):
        return set().union(*(_fields_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_fields_in(v) for v in value)) if value else set()
    return set()


def _compile(spec: RuleSpec) -> Any:
    when = {k: (tuple(v) if isinstance(v, list) else (v,)) for k, v in spec.when.items()}

    def matches(record: BaseModel) -> bool:
        return all(getattr(record, k) in allowed for k, allowed in when.items())

    if spec.open is not None:
        o = spec.open
        window = parse_window(o.merge_within) if o.merge_within else None

        def open_rule(record: BaseModel) -> OpenCase | None:
            if not matches(record):
                return None
            return OpenCase(
                workflow=str(_fill(o.workflow, record)), cell=str(_fill(o.cell, record)),
                category=str(_fill(o.category, record)), data=_fill(o.data, record, as_data=True),
                ref=None if o.ref is None else str(_fill(o.ref, record)), merge_within=window,
                at=None if o.at is None else _fill(o.at, record),
            )

        return open_rule
    if spec.trigger is not None:
        t = spec.trigger

        def trigger_rule(record: BaseModel) -> Trigger | None:
            if not matches(record):
                return None
            return Trigger(
                ref=str(_fill(t.ref, record)), trigger=str(_fill(t.name, record)),
                data=_fill(t.data, record, as_data=True), reason=str(_fill(t.reason, record)),
            )

        return trigger_rule
    reason = spec.skip or ""

    def skip_rule(record: BaseModel) -> Skip | None:
        return Skip(reason) if matches(record) else None

    return skip_rule


def load_rules(
    source: str | Path, *, models: Mapping[str, type[BaseModel]] | None = None,
    filename: str | None = None,
) -> list[Rule]:
    """Load and check a rules file (a path, or YAML text with ``filename`` for messages)."""
    name = (filename or source.name) if isinstance(source, Path) else (filename or "<rules>")
    try:
        text = read_yaml_file(source) if isinstance(source, Path) else source
        doc, lines = load_with_lines(text)
    except YamlFault as fault:
        raise RulesLoadError([Problem(name, fault.line, "", f"not valid YAML: {fault.message}",
                                      fault.column)]) from None
    try:
        parsed = RulesFile.model_validate(doc)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path: Path_ = tuple(p for p in err["loc"] if isinstance(p, str | int))
            shown = ".".join(str(p) for p in path)
            problems.append(Problem(name, line_of(lines, path), shown, err["msg"]))
        raise RulesLoadError(problems) from exc
    problems = _check(parsed, lines, name, models)
    if problems:
        raise RulesLoadError(problems)
    return [
        Rule(name=spec.name, source=spec.source, fn=_compile(spec),
             origin=f"{name}:{line_of(lines, ('rules', i))}",
             declared=spec.model_dump(exclude_none=True))
        for i, spec in enumerate(parsed.rules)
    ]


def _check(
    parsed: RulesFile, lines: dict[Path_, int], name: str,
    models: Mapping[str, type[BaseModel]] | None,
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for i, spec in enumerate(parsed.rules):
        at: Path_ = ("rules", i)
        if (spec.source, spec.name) in seen:
            problems.append(Problem(name, line_of(lines, (*at, "name")), f"rules.{i}.name",
                                    f"rule {spec.name!r} of source {spec.source!r} is defined "
                                    "twice; give each rule its own name"))
        seen.add((spec.source, spec.name))
        if models is None:
            continue
        model = models.get(spec.source)
        if model is None:
            known = ", ".join(sorted(models)) or "none"
            problems.append(Problem(name, line_of(lines, (*at, "source")), f"rules.{i}.source",
                                    f"unknown source {spec.source!r}; registered: {known}"))
            continue
        used = set(spec.when) | _fields_in(spec.open.model_dump() if spec.open else {})
        used |= _fields_in(spec.trigger.model_dump() if spec.trigger else {})
        for missing in sorted(used - set(model.model_fields)):
            problems.append(Problem(name, line_of(lines, at), f"rules.{i}",
                                    f"field {missing!r} is not in {model.__name__} "
                                    f"(fields: {', '.join(model.model_fields)})"))
    return problems
