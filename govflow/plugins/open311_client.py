"""An Open311 GeoReport v2 client as an intake source: pull another city's requests.

:class:`Open311Feed` reads ``GET requests.json`` of a remote endpoint incrementally: its
cursor (kept by the intake in the store, committed with the cases) is the
``updated_datetime`` of the last request taken in, sent back as ``updated_after``; every page
of that window is read (``page``/``page_size``), with retries and exponential backoff on 5xx,
429 and timeouts. The window's requests are sorted by ``updated_datetime`` and handed to the
feed's own mapping rule (:meth:`Open311Feed.rule`, registered under the feed's name):

* a request not seen before opens a case (``ref`` = its ``service_request_id``);
* one seen before but updated since fires ``on_update`` (default ``work``), and a closed one
  ``on_close`` (default ``close``); the remote ``updated_datetime`` is kept in the case's data
  (``open311_updated``);
* one whose ``updated_datetime`` is older than what the case already has is skipped and
  counted (``skipped_older``): a case never moves back to an older state; the same update
  read again (the window's edge is inclusive) is skipped as ``unchanged``.

What the feed already took in is read from the store before each run (``prepare``: the
cases this source opened, one query per thousand), so a restarted process deduplicates as
well as a running one. A record that does not validate, or whose place is in no cell, is a
dead letter with the reason, like any source's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from govflow.errors import PluginError
from govflow.plugins.rules import OpenCase, Skip, Trigger
from govflow.plugins.sources import RawRecord

log = logging.getLogger("govflow.plugins.open311_client")

CellOf = Callable[[float, float], str | None]


class PulledRequest(BaseModel):
    """One request as an Open311 server lists it, and which part of it this record is."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    service_request_id: str = Field(min_length=1, max_length=64)
    status: Literal["open", "closed"]
    service_code: str = Field("", max_length=64)
    service_name: str = Field("", max_length=200)
    status_notes: str = Field("", max_length=2000)
    description: str = Field("", max_length=4000)
    agency_responsible: str = Field("", max_length=200)
    address: str = Field("", max_length=500)
    media_url: str = Field("", max_length=2000)
    lat: float = Field(ge=-90, le=90)
    long: float = Field(ge=-180, le=180)
    requested_datetime: AwareDatetime
    updated_datetime: AwareDatetime
    #: ``open``: the request as listed; ``close``: its closing (only when status is closed)
    phase: Literal["open", "close"] = "open"

    @field_validator("status", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("service_code", "service_name", "status_notes", "description",
                     "agency_responsible", "address", "media_url", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return "" if value is None else value


@dataclass
class PullStats:
    """What the feed's rule decided in the current run (reset by ``prepare``)."""

    new: int = 0
    updates: int = 0
    closes: int = 0
    skipped_older: int = 0
    unchanged: int = 0
    #: a newer listing of a request that closed: the closing record right after it acts
    closing_next: int = 0
    #: the closing of a request whose opening was refused in this run (one letter is enough)
    absorbed: int = 0


@dataclass(slots=True)
class _Seen:
    closed: bool
    updated: datetime


class Open311Feed:
    """Pull ``{base_url}/requests.json`` into cases of ``workflow`` (see the module doc).

    :param name: the source name (its cursor, its cases' ``source``, its rule's key).
    :param base_url: the endpoint, e.g. ``https://311api.cityofchicago.org/open311/v2``.
    :param workflow: the workflow the requests open (its triggers ``on_update``/``on_close``).
    :param cell_of: ``(long, lat) -> cell``; default: the engine's grid (``locate``).
    :param since: the ``updated_after`` of the very first pull (default: none, the server's
        own default window).
    :param page_size: rows asked per page (Open311's page_size extension).
    :param max_pages: pages one run reads at most; a window larger than that is refused (set
        ``since`` later, or raise it), since a cursor past unread rows would lose them.
    :param retries: extra attempts after a 5xx, 429 or a timeout, waiting ``backoff`` × 2ⁿ.
    :param api_key: a key of the server's, sent as ``Authorization: Bearer KEY`` (a govflow
        server lets a keyed reader page deeper than an anonymous one); never logged.
    :param client: the httpx client (tests pass one over a ``MockTransport``).
    """

    model = PulledRequest

    def __init__(
        self, name: str, base_url: str, *, workflow: str = "open311_request",
        cell_of: CellOf | None = None, category_of: Callable[[PulledRequest], str] | None = None,
        since: str | None = None, jurisdiction_id: str | None = None, page_size: int = 1000,
        max_pages: int = 1000, retries: int = 4, backoff: float = 0.5, timeout: float = 10.0,
        on_update: str = "work", on_close: str = "close", client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep, api_key: str | None = None,
    ) -> None:
        if page_size < 1 or max_pages < 1 or retries < 0 or backoff < 0:
            raise ValueError("open311 feed: page_size and max_pages must be ≥ 1, retries and "
                             "backoff ≥ 0")
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.workflow = workflow
        self.cell_of = cell_of
        self.category_of = category_of or (lambda r: r.service_name or r.service_code)
        self.since = since
        self.jurisdiction_id = jurisdiction_id
        self.page_size = page_size
        self.max_pages = max_pages
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.on_update = on_update
        self.on_close = on_close
        self._client = client
        self._sleep = sleep
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.stats = PullStats()
        self._seen: dict[str, _Seen] = {}
        self._refused: set[str] = set()
        self._decided: dict[tuple[str, str, datetime], OpenCase | Trigger | Skip] = {}
        self._grid_cell: CellOf | None = None
        #: HTTP requests made in the last run, and how many of them were retries
        self.calls = 0
        self.retried = 0

    # -- before each run -------------------------------------------------------------------
    def prepare(self, engine: Any) -> None:
        """Read what this source already took in (its cases' refs, states, remote times)."""
        from govflow.store.query import CaseQuery

        self.stats = PullStats()
        self._refused.clear()
        self._decided.clear()
        self._seen.clear()
        self.calls = self.retried = 0
        grid = getattr(engine, "grid", None)
        locate = getattr(grid, "locate", None)
        self._grid_cell = locate if callable(locate) else None
        search = getattr(engine.store, "search_cases", None)
        if search is None:
            raise PluginError(f"open311 feed {self.name!r}: the store has no search_cases",
                              plugin=self.name, hook="prepare")
        after = 0
        while True:
            page = search(CaseQuery(source=self.name, after=after, limit=1000))
            for case in page.cases:
                ref, updated = case.data.get("ref"), case.data.get("open311_updated")
                if isinstance(ref, str) and isinstance(updated, str):
                    self._seen[ref] = _Seen(case.closed_at is not None,
                                            datetime.fromisoformat(updated))
            if page.next is None:
                return
            after = page.next

    # -- reading ---------------------------------------------------------------------------
    def read(self, cursor: str | None) -> Iterator[RawRecord]:
        """The requests updated since ``cursor``, oldest update first (each closed request
        twice: as listed, then its closing)."""
        after = cursor or self.since
        rows: dict[str, Mapping[str, Any]] = {}
        odd: list[Any] = []
        for page in range(1, self.max_pages + 1):
            found = self._page(after, page)
            for row in found:
                sid = row.get("service_request_id") if isinstance(row, Mapping) else None
                if not isinstance(sid, str) or not sid:
                    odd.append(row)
                    continue
                kept = rows.get(sid)
                if kept is None or _when(row) >= _when(kept):  # listed twice: the newer
                    rows[sid] = row
            if len(found) < self.page_size:
                break
        else:
            raise PluginError(
                f"open311 feed {self.name!r}: more than {self.max_pages} pages of "
                f"{self.page_size} were updated after {after}; raise max_pages or start "
                "later (since)", plugin=self.name, hook="read")
        for i, row in enumerate(odd):  # no id: one dead letter each, the cursor stays
            yield RawRecord(id=f"<row {i}>", cursor=after or "", payload=_mapping(row))
        for sid, row in sorted(rows.items(), key=lambda kv: (_when(kv[1]), kv[0])):
            moment = _when(row)
            position = moment or after or ""
            try:
                valid = PulledRequest.model_validate(row)
            except ValidationError:
                valid = None
            yield RawRecord(id=sid, cursor=position, payload={**row, "phase": "open"})
            if valid is not None and valid.status == "closed":
                yield RawRecord(id=sid, cursor=position, payload={**row, "phase": "close"})

    def _page(self, after: str | None, page: int) -> list[Any]:
        params: dict[str, str | int] = {"page": page, "page_size": self.page_size}
        if after:
            params["updated_after"] = after
        if self.jurisdiction_id:
            params["jurisdiction_id"] = self.jurisdiction_id
        body = self._get(f"{self.base_url}/requests.json", params)
        if not isinstance(body, list):
            raise PluginError(f"open311 feed {self.name!r}: {self.base_url} answered "
                              f"{type(body).__name__}, not a list of requests",
                              plugin=self.name, hook="read")
        return body

    def _get(self, url: str, params: Mapping[str, str | int]) -> Any:
        client = self._client or httpx.Client(timeout=self.timeout)
        try:
            for attempt in range(self.retries + 1):
                self.calls += 1
                try:
                    response = client.get(url, params=params, headers=self._headers,
                                          timeout=self.timeout)
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    failure = f"{type(exc).__name__}: {exc}"
                else:
                    if response.status_code < 400:
                        return response.json()
                    failure = f"HTTP {response.status_code}"
                    if response.status_code < 500 and response.status_code != 429:
                        raise PluginError(
                            f"open311 feed {self.name!r}: {url} refused the request "
                            f"({failure}: {response.text[:200]})", plugin=self.name,
                            hook="read")
                if attempt < self.retries:
                    self.retried += 1
                    wait = self.backoff * 2 ** attempt
                    log.info("open311 feed %s: %s (%s); trying again in %.1f s", self.name,
                             url, failure, wait)
                    self._sleep(wait)
            raise PluginError(f"open311 feed {self.name!r}: {url} failed {self.retries + 1} "
                              f"times (last: {failure}); the next run tries again",
                              plugin=self.name, hook="read")
        finally:
            if self._client is None:
                client.close()

    # -- mapping ---------------------------------------------------------------------------
    def rule(self, record: PulledRequest) -> OpenCase | Trigger | Skip:
        """What one pulled record becomes, given what the case already has.

        The intake may ask again about the same record (after committing the batch a trigger
        waits for): the first answer is kept, so nothing is counted or remembered twice.
        """
        key = (record.service_request_id, record.phase, record.updated_datetime)
        if key in self._decided:
            return self._decided[key]
        answer = self._decide(record)
        self._decided[key] = answer
        return answer

    def _decide(self, record: PulledRequest) -> OpenCase | Trigger | Skip:
        sid, moment = record.service_request_id, record.updated_datetime
        seen = self._seen.get(sid)
        if record.phase == "close":
            return self._close(record, seen)
        if seen is None:
            cell = self._cell(record)
            if cell is None:
                self._refused.add(sid)
                raise ValueError(f"lat {record.lat}, long {record.long} is in no cell of "
                                 "the grid")
            self._seen[sid] = _Seen(False, moment)
            self.stats.new += 1
            return OpenCase(self.workflow, cell, self.category_of(record),
                            {**_carried(record), "open311_status": "open"}, ref=sid,
                            at=record.requested_datetime)
        if moment < seen.updated:
            self.stats.skipped_older += 1
            return Skip(f"update of {moment.isoformat()} is older than the case's")
        if moment == seen.updated or seen.closed:
            self.stats.unchanged += 1  # read again, or closed here already (never reopened)
            return Skip("no newer state")
        if record.status == "closed":
            self.stats.closing_next += 1
            return Skip("its closing follows")
        seen.updated = moment
        self.stats.updates += 1
        return Trigger(sid, self.on_update, {"open311_updated": moment.isoformat(),
                                             "status_notes": record.status_notes},
                       reason=record.status_notes or "updated")

    def _close(self, record: PulledRequest, seen: _Seen | None) -> Trigger | Skip:
        moment = record.updated_datetime
        if seen is None:
            if record.service_request_id in self._refused:
                self.stats.absorbed += 1
                return Skip("its opening was refused (a dead letter)")
            raise ValueError("a closing with no case for it")  # pragma: no cover
        if seen.closed or moment < seen.updated:
            if moment < seen.updated:
                self.stats.skipped_older += 1
            else:
                self.stats.unchanged += 1
            return Skip("closed already" if seen.closed else "older than the case's")
        seen.closed, seen.updated = True, moment
        self.stats.closes += 1
        return Trigger(record.service_request_id, self.on_close,
                       {"open311_updated": moment.isoformat(), "open311_status": "closed",
                        "status_notes": record.status_notes},
                       reason=record.status_notes or "closed")

    def _cell(self, record: PulledRequest) -> str | None:
        cell_of = self.cell_of or self._grid_cell
        return None if cell_of is None else cell_of(record.long, record.lat)


def _carried(record: PulledRequest) -> dict[str, Any]:
    return {"service_request_id": record.service_request_id,
            "service_code": record.service_code, "service_name": record.service_name,
            "address": record.address, "description": record.description,
            "media_url": record.media_url, "agency": record.agency_responsible,
            "lat": record.lat, "long": record.long, "status_notes": record.status_notes,
            "open311_updated": record.updated_datetime.isoformat()}


def _when(row: Mapping[str, Any]) -> str:
    """The row's ``updated_datetime`` as an ISO text in UTC ('' when missing or bad)."""
    from datetime import UTC

    value = row.get("updated_datetime")
    if not isinstance(value, str):
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return ""
    return moment.astimezone(UTC).isoformat()


def _mapping(row: Any) -> Mapping[str, Any]:
    return row if isinstance(row, Mapping) else {"row": repr(row)[:500]}


def register(registry: Any, feed: Open311Feed) -> None:
    """Register ``feed`` and its rule with a plugin's registry."""
    registry.add_source(feed)
    registry.add_rules(feed.name, feed.rule)
