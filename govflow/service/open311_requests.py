"""Open311 service requests read from the store: the list query, its bounds, the views.

A request is a case of one of the services' categories. Its ``updated_datetime`` and
``status_notes`` come from the case's last event, read for a whole page in one statement
(``Store.last_events``); the page itself is one ``search_cases`` statement.

``status_notes`` is public text only: the reason of the last event when that event is the
opening or a workflow transition (:func:`is_public`), otherwise a fixed text of the case's
state (its title and name). A note's text, an engine event's reason, actor ids and event
data never reach it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from govflow.engine.reducer import ENGINE_EVENTS
from govflow.plugins.open311 import Service
from govflow.records import Case, Event
from govflow.service.open311_format import Open311Error
from govflow.service.views import when
from govflow.store.query import CaseQuery

#: the spec's bounds: a request list spans at most 90 days and holds at most 1,000 rows
WINDOW = timedelta(days=90)
MAX_ROWS = 1000
#: the deepest row a ``page`` may reach: the store reads every row before the page (there is
#: no offset), so ``page`` × ``page_size`` is what one list request reads. A caller without
#: a key reads at most ANON_DEPTH rows deep, one with a govflow key KEY_DEPTH; beyond that,
#: narrow the list with start_date/end_date or a later updated_after.
ANON_DEPTH = 5_000
KEY_DEPTH = 20_000


def parse_time(name: str, text: str | None) -> datetime | None:
    """A W3C date-time with its zone (``2026-10-01T09:00:00+08:00``), or 400."""
    if text is None or text == "":
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name}={text!r} is not a date-time; write it as "
                                "2026-10-01T09:00:00+08:00") from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name}={text} has no zone; add one, e.g. {text}+08:00")
    return moment


def _whole(name: str, text: str | None, default: int, low: int, high: int) -> int:
    if text is None or text == "":
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise Open311Error(400, f"{name}={text!r}: give a whole number from {low} to {high}")
    return int(text)


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (text or "").split(",") if p.strip()))


@dataclass(frozen=True, slots=True)
class ListQuery:
    """``GET requests``: the store query, and which slice of its rows is the page."""

    query: CaseQuery
    skip: int


def list_query(params: Mapping[str, str], services: Mapping[str, Service],
               now: datetime, *, keyed: bool = False) -> ListQuery:
    """The store query for a request list (the spec's filters and bounds).

    ``service_request_id`` (a comma list, at most 1,000) overrides every other filter, as the
    spec says. Otherwise ``start_date``/``end_date`` bound ``requested_datetime`` to at most
    90 days (default: the 90 days before ``end_date`` or now), unless the
    ``updated_after``/``updated_before`` extension is used without them (an incremental
    reader's window). ``page``/``page_size`` (extension; page size at most 1,000, the
    default) page through the rows in the order the requests were made, to row
    :data:`ANON_DEPTH` without a key and :data:`KEY_DEPTH` with one (``keyed``).
    """
    categories = tuple(dict.fromkeys(s.category for s in services.values()))
    ids = _split(params.get("service_request_id"))
    if ids:
        if len(ids) > MAX_ROWS:
            raise Open311Error(400, f"service_request_id lists {len(ids)} ids; give at most "
                                    f"{MAX_ROWS}")
        return ListQuery(CaseQuery(ids=ids, categories=categories, limit=len(ids)), 0)
    codes = _split(params.get("service_code"))
    unknown = [c for c in codes if c not in services]
    if unknown:
        raise Open311Error(400, f"service_code {', '.join(unknown)} is not a service here "
                                "(services.json lists them)")
    if codes:
        categories = tuple(dict.fromkeys(services[c].category for c in codes))
    statuses = set(_split(params.get("status")))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, f"status={params.get('status')!r}: give open, closed or both")
    is_open = None if len(statuses) != 1 else statuses == {"open"}
    start = parse_time("start_date", params.get("start_date"))
    end = parse_time("end_date", params.get("end_date"))
    after = parse_time("updated_after", params.get("updated_after"))
    before = parse_time("updated_before", params.get("updated_before"))
    incremental = (after or before) is not None and start is None and end is None
    if not incremental:
        if end is None:
            end = start + WINDOW if start is not None else now
        if start is None:
            start = end - WINDOW
        if end - start > WINDOW:
            raise Open311Error(400, f"start_date to end_date spans {(end - start).days} days; "
                                    "a request list spans at most 90 days")
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
    size = _whole("page_size", params.get("page_size"), MAX_ROWS, 1, MAX_ROWS)
    depth = KEY_DEPTH if keyed else ANON_DEPTH
    page = _whole("page", params.get("page"), 1, 1, KEY_DEPTH)
    if page * size > depth:
        raise Open311Error(400, _too_deep(page, size, keyed))
    query = CaseQuery(categories=categories, open=is_open, opened_after=start,
                      opened_before=None if end is None else end + timedelta(microseconds=1),
                      updated_after=after, updated_before=before, limit=page * size)
    return ListQuery(query, (page - 1) * size)


def _too_deep(page: int, size: int, keyed: bool) -> str:
    depth = KEY_DEPTH if keyed else ANON_DEPTH
    who = "a list read with a key" if keyed else "a list read without a key"
    fix = ("narrow the list with start_date/end_date (or a later updated_after, or "
           "updated_before) so it needs fewer pages")
    if not keyed:
        fix += (f", or send a govflow key as `Authorization: Bearer KEY` to read to row "
                f"{KEY_DEPTH:,}")
    return (f"page {page} of {size} rows reaches row {page * size:,}, past row {depth:,}, "
            f"the deepest {who} may reach; {fix}")


def is_public(event: Event) -> bool:
    """Whether ``event`` is a change of state the public may read the reason of: the opening
    or a transition of the case's workflow. Notes (``data.note``: comments, merges, photos)
    and the engine's own events (deadline lights, escalation, extension, supervision,
    revisits, replans, moves) are internal: their reasons, actors and data are never shown."""
    if event.data.get("note"):
        return False
    return event.trigger == "open" or event.trigger not in ENGINE_EVENTS


def status_notes(last: Event | None, state_text: str) -> str:
    """The public ``status_notes``: the reason given with the change that put the request in
    its state while that change is its latest event, else the state's fixed text."""
    if last is not None and last.reason and is_public(last):
        return last.reason
    return state_text


def request_view(case: Case, last: Event | None, by_category: Mapping[str, Service],
                 zone: tzinfo, state_text: str) -> dict[str, Any]:
    """A case as a GeoReport v2 service request (``state_text``: its state's fixed text)."""
    data = case.data
    service = by_category.get(case.category)
    code = data.get("service_code") if isinstance(data.get("service_code"), str) else None
    return {
        "service_request_id": case.id,
        "status": "closed" if case.closed_at is not None else "open",
        "status_notes": status_notes(last, state_text),
        "service_name": service.name if service else case.category,
        "service_code": code or (service.code if service else case.category),
        "description": _str(data.get("description")),
        "agency_responsible": case.owner,
        "service_notice": "",
        "requested_datetime": when(case.opened_at, zone),
        "updated_datetime": when(last.at if last else case.opened_at, zone),
        "expected_datetime": when(case.due_at, zone),
        "address": _str(data.get("address")),
        "address_id": case.cell,
        "zipcode": None,
        "lat": _number(data.get("lat")),
        "long": _number(data.get("long")),
        "media_url": _str(data.get("media_url")) or None,
    }


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None
