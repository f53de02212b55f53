"""Each day's records, made by the plugins' own sample generators and put on the clock.

The generators (``plugins/*/sample.py``) make realistic records for the district; the demo
asks them for one day's worth at a time and gives each record its time of day (street
vending at night, inspections in office hours, incidents round the clock with an evening
peak, a repeat call minutes after the first). Each source is one :class:`DayFeed`: an
append-only list whose cursor is the record's position, so each day's intake resumes after
the records taken the day before.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from govflow.demo.timeline import START, at_hour, day_start
from govflow.plugins.loading import import_plugin
from govflow.plugins.sources import RawRecord

#: records a day per source (a district sees a few hundred; ~170 cases a day is a mid-size
#: city's digital-urban-management load)
DAILY = {"urban_patrol": 52, "ai_vision": 18, "police_incidents": 21, "police_patrols": 5,
         "hotline_feed": 27, "party_visits": 55}
#: the order sources are taken in each day (fixed: it decides merges and ids)
ORDER = tuple(DAILY)
Records = list[dict[str, Any]]


class DayFeed:
    """A source whose records are appended day by day; cursor = position in the list.

    A record is released when the clock reaches its time (``until``): intake never sees a
    record before it happened, so every open, merge and trigger is stamped after it.
    """

    def __init__(self, name: str, model: type[BaseModel], id_field: str | None,
                 time_field: str) -> None:
        self.name = name
        self.model = model
        self.id_field = id_field
        self.time_field = time_field
        self.records: list[dict[str, Any]] = []
        self.times: list[datetime] = []
        self.until: datetime | None = None
        #: records handed to intake so far
        self.taken = 0

    def extend(self, records: Sequence[dict[str, Any]]) -> None:
        self.records.extend(records)
        self.times.extend(datetime.fromisoformat(r[self.time_field]) for r in records)

    def ready(self) -> bool:
        """Whether a record not yet taken has come due."""
        return (self.taken < len(self.records) and self.until is not None
                and self.times[self.taken] <= self.until)

    def read(self, cursor: str | None) -> Iterator[RawRecord]:
        start = int(cursor) + 1 if cursor is not None else 0
        for index in range(start, len(self.records)):
            if self.until is None or self.times[index] > self.until:
                return
            payload = self.records[index]
            rid = str(payload[self.id_field]) if self.id_field else str(index)
            yield RawRecord(id=rid, cursor=str(index), payload=payload)


@dataclass
class Generators:
    """The plugins' sample modules and the district's cells and party roster."""

    urban: ModuleType
    police: ModuleType
    opinion: ModuleType
    party: ModuleType
    cells: list[str]
    roster: list[dict[str, Any]]

    @classmethod
    def load(cls, plugins_dir: Path, cells: Sequence[str]) -> Generators:
        mods = {name: import_plugin(name, plugins_dir).sample for name in (
            "urban_management", "politics_law", "public_opinion", "party_building")}
        party = mods["party_building"]
        return cls(mods["urban_management"], mods["politics_law"], mods["public_opinion"],
                   party, list(cells), party.members(list(cells), seed=0))


def _time(rng: random.Random, day: int, lo: float, hi: float, start: datetime) -> datetime:
    return at_hour(day, rng.uniform(lo, hi), start)


def _evening(rng: random.Random, day: int, start: datetime) -> datetime:
    """Round the clock with an evening peak (police incidents)."""
    hour = rng.choice((rng.uniform(0, 24), rng.uniform(17, 24), rng.uniform(8, 20)))
    return at_hour(day, hour, start)


def _tag(day: int, value: str) -> str:
    return f"d{day:02d}-{value}"


def urban(gen: Generators, seed: int, day: int, n: int, rng: random.Random,
        start: datetime = START) -> Records:
    found = gen.urban.patrol_findings(gen.cells, n, seed=seed * 1000 + day,
                                      start=day_start(day, start))
    for rec in found:
        night = rec["kind"] == "street_vending"
        rec["found_at"] = (_time(rng, day, 18.0, 23.5, start) if night
                           else _time(rng, day, 8.5, 17.5, start)).isoformat()
        rec["id"] = _tag(day, rec["id"])
    return sorted(found, key=lambda r: (r["found_at"], r["id"]))


def vision(gen: Generators, seed: int, day: int, n: int, rng: random.Random,
        start: datetime = START) -> Records:
    found = gen.urban.detections(gen.cells, n, seed=seed * 1000 + day,
        start=day_start(day, start))
    for rec in found:
        night = rec["kind"] == "street_vending"
        rec["detected_at"] = (_time(rng, day, 18.0, 23.8, start) if night
                              else _time(rng, day, 6.0, 22.0, start)).isoformat()
        rec["id"] = _tag(day, rec["id"])
    return sorted(found, key=lambda r: (r["detected_at"], r["id"]))


def incidents(gen: Generators, seed: int, day: int, n: int, rng: random.Random,
        start: datetime = START) -> Records:
    found = gen.police.incidents(gen.cells, n, seed=seed * 1000 + day,
        start=day_start(day, start))
    last: dict[str, Any] | None = None
    for rec in found:
        repeat = last is not None and (rec["cell"], rec["kind"]) == (last["cell"], last["kind"])
        if repeat and last is not None:  # a second caller, minutes after the first
            at = datetime.fromisoformat(last["reported_at"]) + timedelta(
                minutes=rng.uniform(2, 25))
        else:
            at = _evening(rng, day, start)
        rec["reported_at"] = at.isoformat()
        rec["id"] = _tag(day, rec["id"])
        last = rec
    return sorted(found, key=lambda r: (r["reported_at"], r["id"]))


def patrols(gen: Generators, seed: int, day: int, n: int, rng: random.Random,
        start: datetime = START) -> Records:
    steps = gen.police.patrols(gen.cells, n, seed=seed * 1000 + day,
        start=day_start(day, start))
    base: dict[str, datetime] = {}
    for rec in sorted(steps, key=lambda r: (r["patrol_id"], r["at"])):
        pid = rec["patrol_id"]
        if pid not in base:
            base[pid] = _time(rng, day, 8.0, 20.0, start)
        k = ("scheduled", "inspected", "concluded").index(rec["step"])
        rec["at"] = (base[pid] + timedelta(minutes=45 * k)).isoformat()
        rec["patrol_id"] = _tag(day, pid)
    return sorted(steps, key=lambda r: (r["at"], r["patrol_id"], r["step"]))


def hotline(gen: Generators, seed: int, day: int, n: int, rng: random.Random,
        start: datetime = START) -> Records:
    found = gen.opinion.hotline_messages(gen.cells, n, seed=seed * 1000 + day,
                                         start=day_start(day, start))
    for rec in found:
        rec["received_at"] = _time(rng, day, 7.0, 22.0, start).isoformat()
        rec["id"] = _tag(day, rec["id"])
    return sorted(found, key=lambda r: (r["received_at"], r["id"]))


def visits(gen: Generators, seed: int, day: int, n: int, rng: random.Random,
        start: datetime = START) -> Records:
    found = gen.party.visits(gen.roster, n, seed=seed * 1000 + day,
        start=day_start(day, start))
    for rec in found:
        rec["visited_at"] = _time(rng, day, 9.0, 18.0, start).isoformat()
        rec["id"] = _tag(day, rec["id"])
    return sorted(found, key=lambda r: (r["visited_at"], r["id"]))


Maker = Callable[[Generators, int, int, int, random.Random, datetime], Records]
#: source → (maker, id field, time field)
MAKERS: Mapping[str, tuple[Maker, str | None, str]] = {
    "urban_patrol": (urban, "id", "found_at"), "ai_vision": (vision, "id", "detected_at"),
    "police_incidents": (incidents, "id", "reported_at"), "police_patrols": (patrols, None, "at"),
    "hotline_feed": (hotline, "id", "received_at"), "party_visits": (visits, "id", "visited_at"),
}


def day_records(gen: Generators, name: str, seed: int, day: int,
                start: datetime = START, scale: float = 1.0) -> list[dict[str, Any]]:
    """Source ``name``'s records of simulated day ``day`` of a run from ``start``, in order;
    ``scale`` shrinks (or grows) the district's usual count."""
    make = MAKERS[name][0]
    rng = random.Random(f"{seed}|{name}|{day}")
    count = max(0, round(DAILY[name] * scale * rng.uniform(0.85, 1.15)))
    return make(gen, seed, day, count, rng, start) if count else []
