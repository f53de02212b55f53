"""The column mapping of a replay source: a small YAML file saying which column is what.

Checked with pydantic; every problem is reported at once with the file and line
(``la311.yaml:7 created.format: ...``), the way workflow files are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from govflow.errors import Problem
from govflow.replay.errors import MappingError
from govflow.workflows.safeyaml import YamlFault, read_yaml_file
from govflow.workflows.schema import CalendarModel
from govflow.workflows.yamlio import load_yaml


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as "
                         "America/Los_Angeles") from None
    return name


def _columns(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Columns = Annotated[list[str], BeforeValidator(_columns), Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeColumn(_Model):
    """A timestamp column and how its text is written."""

    column: str = Field(description="the column (CSV) or field (JSON) holding the time")
    format: str | list[str] = Field(
        default="iso",
        description='"iso" (2019-04-25T09:32:09, with or without an offset) or a strptime '
        'format such as "%m/%d/%Y %I:%M:%S %p"; or a list of them, tried in turn (a portal '
        "that changed its export format)",
    )


class MoveColumn(TimeColumn):
    """A timestamp column whose time fires a trigger (or writes a note) on the case."""

    trigger: str = Field(description="the trigger fired at this time (or the note's name)")
    note: bool = Field(default=False, description="write an event only, no state change")


class StatusMap(_Model):
    """Which trigger the closing time fires, by the record's status."""

    column: str = Field(description="the status column")
    triggers: dict[str, str | None] = Field(
        default_factory=dict,
        description="status → trigger fired at the closed time (null: the record stays open)",
    )


class ReplayMapping(_Model):
    """How one source's records become cases: the columns and the workflow they run through."""

    format: Literal["csv", "open311"] = Field(
        default="csv", description="csv: one row per record; open311: GeoReport v2 JSON "
        "(requests, with notes when fetched with extensions=true)",
    )
    source: str = Field(min_length=1, description="the source name cases and dead letters carry")
    timezone: Annotated[str, AfterValidator(_zone)] = Field(
        description="the time zone of times written without an offset"
    )
    workflow: str = Field(default="service_request", description="the workflow each case runs")
    workflows: str = Field(
        default="workflows.yaml", description="the workflows file, relative to this mapping"
    )
    calendar: CalendarModel | None = Field(
        default=None, description="the work calendar of this city; replaces the workflows "
        "file's calendar (its time zone, office hours, holidays)",
    )
    id: str = Field(description="the column holding the record's id")
    created: TimeColumn = Field(description="when the record was made (the case opens then)")
    closed: TimeColumn | None = Field(
        default=None, description="when it was closed (csv); open311 reads the notes"
    )
    due: TimeColumn | None = Field(
        default=None, description="the record's own due time (e.g. Baltimore 311's DueDate): "
        "written to the case's data as due_at, which a deadline with due_field: due_at uses; "
        "an empty cell leaves the workflow's limit",
    )
    close_trigger: str = Field(default="close", description="trigger fired at the closed time")
    moves: list[MoveColumn] = Field(
        default_factory=list, description="other timestamp columns that move the case before "
        "it closes (e.g. dispatched, serviced), applied in time order",
    )
    status: StatusMap | None = Field(default=None, description="per-status close triggers")
    notes: dict[str, str | None] = Field(
        default_factory=dict,
        description="open311: note type → trigger (null: skip the note); other note types "
        "are written as events without a state change",
    )
    category: str | None = Field(default=None, description="the category column")
    categories: list[str] | None = Field(
        default=None, description="the known categories; a record with another is a bad row"
    )
    area: Columns = Field(
        description="the area column (or columns: the first non-empty one is used)"
    )
    district: str | None = Field(
        default=None, description="the column of the district above the area (escalation)"
    )
    agency: str | None = Field(default=None, description="the handling agency column")
    lat: str | None = Field(default=None, description="latitude column")
    lon: str | None = Field(default=None, description="longitude column")
    unknown_area: str = Field(default="(unknown)", description="area name for empty areas")

    def trigger_for(self, status: str) -> str | None:
        """The trigger a record with ``status`` fires at its closed time (None: stays open)."""
        if self.status is None or status not in self.status.triggers:
            return self.close_trigger
        return self.status.triggers[status]


def load_mapping(path: str | Path) -> tuple[ReplayMapping, Path]:
    """Read a mapping file; returns the mapping and the folder it sits in."""
    path = Path(path)
    name = path.name
    try:
        text = read_yaml_file(path)
    except YamlFault as fault:
        raise MappingError([Problem(str(path), fault.line, "", fault.message, fault.column)]
                           ) from None
    return parse_mapping(text, filename=name), path.parent


def parse_mapping(text: str, *, filename: str = "<text>") -> ReplayMapping:
    """Validate mapping YAML text; raises MappingError listing every problem."""
    doc = load_yaml(text)
    problems = [Problem(filename, p.line, _dotted(p.path), p.message, p.column)
                for p in doc.problems]
    if not problems and not isinstance(doc.data, dict):
        problems.append(Problem(filename, 1, "", "the file must be a mapping (id:, created:, …)"))
    if problems:
        raise MappingError(problems)
    try:
        return ReplayMapping.model_validate(doc.data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if isinstance(p, str | int))
            problems.append(
                Problem(filename, doc.line_of(loc), _dotted(loc), _message(error["msg"]))
            )
        raise MappingError(problems) from None


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
