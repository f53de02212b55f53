"""Readers: a 311-style CSV (through a column mapping) and Open311 GeoReport v2 JSON.

Each row becomes a :class:`ReplayRecord` or a :class:`BadRow` with its reason; no row is
dropped without one, so ``good + bad == rows read``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from govflow.errors import Problem
from govflow.replay import records as why
from govflow.replay.errors import MappingError, ReplayError
from govflow.replay.formats import TimeParser, field_at, number, text_of
from govflow.replay.mapping import ReplayMapping
from govflow.replay.records import BadRow, Move, ReadResult, ReplayRecord
from govflow.widths import NAME

Get = Callable[[str], Any]


class _Refused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def read_records(path: str | Path, mapping: ReplayMapping) -> ReadResult:
    """Read a file in the mapping's format."""
    path = Path(path)
    result = read_open311(path, mapping) if mapping.format == "open311" else (
        read_csv(path, mapping))
    check_mostly_good(path, mapping, result)
    return result


def check_mostly_good(path: Path, mapping: ReplayMapping, result: ReadResult) -> None:
    """A mapping under which most rows fail is the wrong mapping (or the portal changed its
    export): stop, showing the first bad rows and the time formats the mapping tried."""
    if not result.bad or len(result.bad) <= len(result.records):
        return
    first = "; ".join(f"row {b.row}: {b.reason}: {b.detail}" for b in result.bad[:3])
    tried = [f"{c.column}: {', '.join(_formats(c.format))}" for c in
             (mapping.created, mapping.closed, mapping.due, *mapping.moves) if c is not None]
    raise ReplayError(
        f"{path.name}: {len(result.bad)} of {result.rows} rows fail under the mapping "
        f"({len(result.records)} good); first: {first}; time formats tried: "
        f"{'; '.join(tried)}. Fix the mapping (column names, format: or a list of formats) "
        "for this export")


def _formats(fmt: str | list[str]) -> list[str]:
    return [fmt] if isinstance(fmt, str) else fmt


def read_csv(path: str | Path, mapping: ReplayMapping) -> ReadResult:
    """One record per CSV row; the header names the columns the mapping uses."""
    builder = _Builder(mapping)
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            _check_columns(path, mapping, reader.fieldnames or [])
            for n, row in enumerate(reader, start=1):
                builder.add(n, row.get, lambda get, created: _csv_moves(mapping, get, created))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReplayError(f"cannot read {Path(path).name} as CSV: {exc}; check the path and "
                          "that the file is UTF-8 CSV with a header row") from exc
    return builder.result


def read_open311(path: str | Path, mapping: ReplayMapping) -> ReadResult:
    """GeoReport v2 ``requests.json``: a list, or an object holding ``requests``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReplayError(f"cannot read {Path(path).name} as Open311 JSON: {exc}; check the "
                          "path and that it is a GeoReport v2 requests.json") from exc
    if isinstance(data, dict):
        data = data.get("requests", data.get("service_requests", []))
    builder = _Builder(mapping)
    for n, request in enumerate(data, start=1):
        if not isinstance(request, dict):
            builder.result.bad.append(BadRow(n, "", why.NOT_A_RECORD, f"item {n} is not an object"))
            continue
        builder.add(n, _getter(request), _notes_of(mapping, request))
    return builder.result


def _getter(request: dict[str, Any]) -> Get:
    def get(name: str) -> Any:
        return field_at(request, name)

    return get


def _notes_of(
    mapping: ReplayMapping, request: dict[str, Any]
) -> Callable[[Get, datetime], tuple[Move, ...]]:
    def moves(get: Get, created: datetime) -> tuple[Move, ...]:
        return _open311_moves(mapping, request, get, created)

    return moves


class _Builder:
    """Turns one row (through a field getter) into a record or a refusal."""

    def __init__(self, mapping: ReplayMapping) -> None:
        self.mapping = mapping
        self.created = TimeParser(mapping.created.format, mapping.timezone)
        self.due = (TimeParser(mapping.due.format, mapping.timezone)
                    if mapping.due is not None else None)
        self.seen: set[str] = set()
        self.categories = set(mapping.categories) if mapping.categories is not None else None
        self.result = ReadResult(source=mapping.source)

    def add(self, n: int, get: Get, moves: Callable[[Get, datetime], tuple[Move, ...]]) -> None:
        m = self.mapping
        record_id = text_of(get(m.id))
        try:
            if not record_id:
                raise _Refused(why.MISSING_ID, f"column {m.id!r} is empty")
            if record_id in self.seen:
                raise _Refused(why.DUPLICATE_ID, f"id {record_id!r} came before")
            created = _time(self.created, get(m.created.column), why.BAD_CREATED)
            category = text_of(get(m.category)) if m.category else ""
            if len(category) > NAME:  # the store keeps categories of NAME characters
                category = category[: NAME - 1] + "…"
            if self.categories is not None and category not in self.categories:
                raise _Refused(why.UNKNOWN_CATEGORY, f"category {category!r} is not in the "
                               "mapping's categories")
            record = ReplayRecord(
                row=n, id=record_id, created=created, category=category,
                area=self.area(get), district=text_of(get(m.district)) if m.district else "",
                agency=text_of(get(m.agency)) if m.agency else "",
                lat=number(get(m.lat)) if m.lat else None,
                lon=number(get(m.lon)) if m.lon else None,
                moves=moves(get, created),
                due=self.due_of(get),
            )
        except _Refused as refused:
            self.result.bad.append(BadRow(n, record_id, refused.reason, refused.detail))
            return
        self.seen.add(record_id)
        self.result.records.append(record)

    def due_of(self, get: Get) -> datetime | None:
        m = self.mapping
        if m.due is None or self.due is None:
            return None
        value = get(m.due.column)
        if not text_of(value):
            return None
        return _time(self.due, value, why.BAD_DUE)

    def area(self, get: Get) -> str:
        for column in self.mapping.area:
            value = text_of(get(column))
            if value:
                return value
        return self.mapping.unknown_area


def _time(parser: TimeParser, value: Any, reason: str) -> datetime:
    text = text_of(value)
    try:
        return parser(text)
    except ValueError:
        shown = repr(text) if text else "empty"
        raise _Refused(reason, f"time {shown} does not match format {parser.fmt!r}") from None


def _csv_moves(mapping: ReplayMapping, get: Get, created: datetime) -> tuple[Move, ...]:
    moves = [*_extra_moves(mapping, get, created), *_close(mapping, get, created)]
    moves.sort(key=lambda m: m.at)  # stable: a move at the close's time stays before it
    return tuple(moves)


def _extra_moves(mapping: ReplayMapping, get: Get, created: datetime) -> list[Move]:
    found = []
    for column in mapping.moves:
        text = text_of(get(column.column))
        if not text:
            continue
        at = _time(TimeParser(column.format, mapping.timezone), text, why.BAD_MOVE)
        if at < created:
            raise _Refused(why.BAD_MOVE, f"{column.column} {at.isoformat()} is before the "
                           f"record opened at {created.isoformat()}")
        found.append(Move(at, column.trigger, note=column.note))
    return found


def _close(mapping: ReplayMapping, get: Get, created: datetime) -> tuple[Move, ...]:
    column = mapping.closed
    if column is None:
        return ()
    text = text_of(get(column.column))
    if not text:
        return ()
    closed = _time(TimeParser(column.format, mapping.timezone), text, why.BAD_CLOSED)
    if closed < created:
        raise _Refused(why.CLOSED_BEFORE_OPENED,
                       f"closed {closed.isoformat()} before opened {created.isoformat()}")
    status = text_of(get(mapping.status.column)) if mapping.status else ""
    trigger = mapping.trigger_for(status)
    if trigger is None:
        return ()
    return (Move(closed, trigger, data={"status": status} if status else {}),)


def _open311_moves(
    mapping: ReplayMapping, request: dict[str, Any], get: Get, created: datetime
) -> tuple[Move, ...]:
    notes = request.get("notes")
    if not isinstance(notes, list) or not notes:
        return _csv_moves(mapping, get, created)
    parser = TimeParser("iso", mapping.timezone)
    moves: list[Move] = []
    for i, note in enumerate(notes):
        if not isinstance(note, dict):
            raise _Refused(why.BAD_NOTE, f"note {i} is not an object")
        kind = text_of(note.get("type"))
        if kind in mapping.notes and mapping.notes[kind] is None:
            continue
        at = _time(parser, note.get("datetime"), why.BAD_NOTE)
        if at < created:
            reason = why.CLOSED_BEFORE_OPENED if kind == "closed" else why.BAD_NOTE
            raise _Refused(reason, f"note {i} ({kind}) at {at.isoformat()} is before the "
                           f"request opened at {created.isoformat()}")
        trigger = mapping.notes.get(kind)
        detail = {k: note[k] for k in ("summary", "description") if note.get(k)}
        if trigger is None:
            moves.append(Move(at, kind or "note", note=True, data=detail))
        else:
            moves.append(Move(at, trigger, data=detail))
    moves.sort(key=lambda m: m.at)  # stable: notes at one time keep their order
    return tuple(moves)


def _check_columns(path: str | Path, mapping: ReplayMapping, header: Sequence[str]) -> None:
    wanted = [mapping.id, mapping.created.column, *mapping.area]
    wanted += [c for c in (mapping.category, mapping.district, mapping.agency, mapping.lat,
                           mapping.lon) if c]
    if mapping.closed:
        wanted.append(mapping.closed.column)
    if mapping.due:
        wanted.append(mapping.due.column)
    wanted += [m.column for m in mapping.moves]
    if mapping.status:
        wanted.append(mapping.status.column)
    missing = [c for c in wanted if c not in header]
    if missing:
        raise MappingError([Problem(
            Path(path).name, 1, "", f"the header lacks column(s) {', '.join(map(repr, missing))} "
            f"named by the mapping; the header has: {', '.join(header[:50])}")])

