"""Replays of the real files in ../shared/data, checked against figures computed here from
the raw files with pandas or plain Python (never through govflow's replay code): cases and
closed per area, median handling time to the second, share closed within the workflow's
limit, and how many cases went yellow and red (computed from the calendar by hand)."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import yaml

from govflow.records import Event
from govflow.replay import ReplayResult, build_report, replay, replay_file
from govflow.replay.files import prepare

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
REPLAY = ROOT / "replay"
LA = DATA / "la311" / "MyLA311_2017_subset.csv"
NYC = DATA / "nyc311" / "nyc311_tuplex_subset_2011.csv"
CHICAGO = DATA / "chicago_open311" / "chicago_open311_requests_with_notes.json"
ZHENGWU = DATA / "zhengwu" / "zhengwu_replied_cases_compact.csv"
US_TIME = "%m/%d/%Y %I:%M:%S %p"
Chicago = tuple[list[dict[str, Any]], ReplayResult, dict[str, list[Event]]]

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present")


# -- the truth, computed independently ------------------------------------------------------
def add_work(start: datetime, hours: float, zone: str, periods: list[tuple[str, str]],
             is_workday: Callable[[date], bool]) -> datetime:
    """``start`` plus ``hours`` of work time (work periods of work days, local wall time)."""
    tz = ZoneInfo(zone)
    local = start.astimezone(tz)
    day, now = local.date(), timedelta(hours=local.hour, minutes=local.minute,
                                       seconds=local.second, microseconds=local.microsecond)
    remaining = timedelta(hours=hours)
    spans = [(_td(a), _td(b)) for a, b in periods]
    while True:
        if is_workday(day):
            for begin, end in spans:
                if now >= end:
                    continue
                begin = max(begin, now)
                if remaining <= end - begin:
                    wall = datetime.combine(day, time()) + begin + remaining
                    return wall.replace(tzinfo=tz).astimezone(UTC)
                remaining -= end - begin
        day, now = day + timedelta(days=1), timedelta(0)


def _td(hhmm: str) -> timedelta:
    h, m = hhmm.split(":")
    return timedelta(hours=int(h), minutes=int(m))


def us_workday(holidays: Iterable[Any]) -> Callable[[date], bool]:
    off = {d if isinstance(d, date) else date.fromisoformat(str(d)) for d in holidays}
    return lambda day: day.weekday() < 5 and day not in off


def truth(frame: pd.DataFrame, *, limit_hours: float, yellow_at: float, zone: str,
          periods: list[tuple[str, str]], is_workday: Callable[[date], bool]) -> dict[str, Any]:
    """Figures per area from a frame of good rows with columns area, created, closed (UTC,
    NaT while open); the clock ends at the last time in the file."""
    until = max(frame["created"].max(), frame["closed"].max())
    rows = []
    for area, created, closed in zip(frame["area"], frame["created"], frame["closed"],
                                     strict=True):
        start = created.to_pydatetime()
        due = add_work(start, limit_hours, zone, periods, is_workday)
        warn = add_work(start, limit_hours * yellow_at, zone, periods, is_workday)
        if pd.isna(closed):
            end, seconds = None, None
            yellow, red = warn <= until, due <= until
        else:
            end = closed.to_pydatetime()
            seconds = (end - start).total_seconds()
            yellow, red = warn < end, due < end
        rows.append((area, seconds, yellow, red, end is not None and end <= due))
    return {"all": _figures(rows), "areas": {
        area: _figures([r for r in rows if r[0] == area]) for area in {r[0] for r in rows}}}


def _figures(rows: list[tuple[str, float | None, bool, bool, bool]]) -> dict[str, Any]:
    handled = [r[1] for r in rows if r[1] is not None]
    within = sum(r[4] for r in rows)
    return {
        "cases": len(rows), "closed": len(handled),
        "median_handling_seconds": statistics.median(handled) if handled else None,
        "within_limit": within, "within_limit_share": within / len(handled) if handled else None,
        "yellow": sum(r[2] for r in rows), "red": sum(r[3] for r in rows),
    }


def check(report: dict[str, Any], expected: dict[str, Any]) -> None:
    """Every figure of every area, and the totals, equal the independent ones exactly."""
    assert report["good"] + report["bad_rows"] == report["rows"]
    assert report["good"] == expected["all"]["cases"]
    keys = ("cases", "closed", "median_handling_seconds", "within_limit", "within_limit_share",
            "yellow", "red")
    assert set(report["areas"]) == set(expected["areas"])
    for area, want in expected["areas"].items():
        got = {k: report["areas"][area][k] for k in keys}
        assert got == want, area
    assert {k: report["totals"][k] for k in keys} == expected["all"]
    reds = Counter({a: f["red"] for a, f in expected["areas"].items() if f["red"]})
    top = sorted(reds.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert report["top_red"] == [list(pair) for pair in top]


def _yaml(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def _state_deadline(workflow: str, state: str) -> tuple[float, float]:
    """(limit in work hours, yellow fraction) as replay/workflows.yaml states them."""
    spec = _yaml(REPLAY / "workflows.yaml")["workflows"][workflow]["states"][state]["deadline"]
    amount, unit = spec["limit"].split()
    assert unit == "workdays"
    return float(amount), float(spec["yellow_at"])


def _us_frame(path: Path, created: str, closed: str, area: str, zone: str) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    c = pd.to_datetime(raw[created], format=US_TIME).dt.tz_localize(zone).dt.tz_convert(UTC)
    d = pd.to_datetime(raw[closed].replace("", None), format=US_TIME)
    d = d.dt.tz_localize(zone).dt.tz_convert(UTC)
    return pd.DataFrame({"area": raw[area].replace("", "(unknown)"), "created": c, "closed": d,
                         "raw": raw.index})


# -- Los Angeles ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def la_report() -> dict[str, Any]:
    return build_report(replay_file(LA, REPLAY / "la311.yaml"))


@pytest.mark.slow
def test_la311_rows_good_and_bad(la_report: dict[str, Any]) -> None:
    """9,999 rows: the 12 that close before they open are bad rows, the rest are replayed."""
    frame = _us_frame(LA, "CreatedDate", "ClosedDate", "NCName", "America/Los_Angeles")
    early = int((frame["closed"] < frame["created"]).sum())
    assert (la_report["rows"], early) == (9999, 12)
    assert la_report["bad"] == {"closed before opened": 12}
    assert la_report["good"] + la_report["bad_rows"] == la_report["rows"]
    assert la_report["refused_moves"] == {}


@pytest.mark.slow
def test_la311_figures_per_neighbourhood_match_pandas(la_report: dict[str, Any]) -> None:
    """Cases, closed, median handling, share within 5 work days, yellow and red per NC."""
    frame = _us_frame(LA, "CreatedDate", "ClosedDate", "NCName", "America/Los_Angeles")
    frame = frame[~(frame["closed"] < frame["created"])]
    days, yellow_at = _state_deadline("service_request", "open")
    cal = _yaml(REPLAY / "workflows.yaml")["calendar"]
    hours = days * 9  # one work day is 08:00-17:00
    expected = truth(frame, limit_hours=hours, yellow_at=yellow_at, zone=cal["timezone"],
                     periods=cal["periods"], is_workday=us_workday(cal["holidays"]))
    assert expected["all"]["cases"] == 9987
    check(la_report, expected)


# -- New York ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nyc_report() -> dict[str, Any]:
    return build_report(replay_file(NYC, REPLAY / "nyc311.yaml"))


def test_nyc311_figures_per_community_board_match_pandas(nyc_report: dict[str, Any]) -> None:
    """2,000 rows, one closed in 1900 (bad); figures per community board match pandas."""
    frame = _us_frame(NYC, "Created Date", "Closed Date", "Community Board", "America/New_York")
    bad = frame["closed"] < frame["created"]
    assert (nyc_report["rows"], int(bad.sum())) == (2000, 1)
    assert nyc_report["bad"] == {"closed before opened": 1}
    cal = _yaml(REPLAY / "nyc311.yaml")["calendar"]
    days, yellow_at = _state_deadline("service_request", "open")
    expected = truth(frame[~bad], limit_hours=days * 9, yellow_at=yellow_at,
                     zone=cal["timezone"], periods=cal["periods"],
                     is_workday=us_workday(cal["holidays"]))
    check(nyc_report, expected)


# -- Chicago Open311 --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chicago() -> Chicago:
    requests = json.loads(CHICAGO.read_text(encoding="utf-8"))
    ready = prepare(CHICAGO, REPLAY / "chicago311.yaml")
    result = replay(ready.read, workflow=ready.workflow, engine=ready.engine)
    logs = {rid: ready.engine.history(cid) for rid, cid in result.case_ids.items()}
    return requests, result, logs


def test_chicago_open311_figures_per_ward(chicago: Chicago) -> None:
    """50 requests; the close is the `closed` note; figures per ward match plain Python."""
    requests, result, _ = chicago
    report = build_report(result)
    rows = []
    for r in requests:
        closes = [n["datetime"] for n in r["notes"] if n["type"] == "closed"]
        rows.append({
            "area": r["extended_attributes"]["ward"],
            "created": pd.Timestamp(datetime.fromisoformat(r["requested_datetime"])),
            "closed": pd.Timestamp(datetime.fromisoformat(closes[0])) if closes else pd.NaT,
        })
    frame = pd.DataFrame(rows)
    frame["created"] = pd.to_datetime(frame["created"], utc=True)
    frame["closed"] = pd.to_datetime(frame["closed"], utc=True)
    cal = _yaml(REPLAY / "chicago311.yaml")["calendar"]
    days, yellow_at = _state_deadline("open311_request", "open")
    expected = truth(frame, limit_hours=days * 9, yellow_at=yellow_at, zone=cal["timezone"],
                     periods=cal["periods"], is_workday=us_workday(cal["holidays"]))
    assert (report["rows"], report["bad_rows"], expected["all"]["closed"]) == (50, 0, 49)
    check(report, expected)


def test_chicago_open311_notes_replayed_in_order(chicago: Chicago) -> None:
    """Each request's log holds its notes in the file's order (submitted/opened are the open,
    closed is the close); only the engine's own warnings sit between them."""
    requests, _, events = chicago
    total = 0
    for r in requests:
        want = [("close" if n["type"] == "closed" else n["type"], n["datetime"])
                for n in r["notes"] if n["type"] not in ("submitted", "opened")]
        got = [(e.trigger, e.at) for e in events[r["service_request_id"]]
               if e.trigger not in ("open", "warn", "breach", "escalate")]
        assert [t for t, _ in got] == [t for t, _ in want], r["service_request_id"]
        assert [at for _, at in got] == [datetime.fromisoformat(w) for _, w in want]
        total += len(want)
    assert total == 276 - 50 - 13  # every note but the 50 opened and 13 submitted ones


# -- the Chinese message board ----------------------------------------------------------------
@pytest.fixture(scope="module")
def zhengwu_report() -> dict[str, Any]:
    return build_report(replay_file(ZHENGWU, REPLAY / "zhengwu.yaml"))


def test_zhengwu_figures_per_district_on_the_official_calendar(
    zhengwu_report: dict[str, Any],
) -> None:
    """2,816 messages (2011-2020, inside chinese-calendar's years); reply within 15 work days
    counted on mainland China's calendar with 调休; figures per district match pandas."""
    import chinese_calendar

    raw = pd.read_csv(ZHENGWU, dtype=str, keep_default_na=False)
    zone = "Asia/Shanghai"
    created = pd.to_datetime(raw["created_at"]).dt.tz_localize(zone).dt.tz_convert(UTC)
    closed = pd.to_datetime(raw["replied_at"].replace("", None)).dt.tz_localize(zone)
    area = raw["district"].where(raw["district"] != "", raw["city"]).replace("", "(未知)")
    frame = pd.DataFrame({"area": area, "created": created, "closed": closed.dt.tz_convert(UTC)})
    assert created.dt.year.min() >= 2011 and closed.dt.year.max() <= 2026
    cal = _yaml(REPLAY / "zhengwu.yaml")["calendar"]
    days, yellow_at = _state_deadline("message_reply", "posted")
    expected = truth(frame, limit_hours=days * 7.5, yellow_at=yellow_at, zone=zone,
                     periods=cal["periods"], is_workday=chinese_calendar.is_workday)
    assert (zhengwu_report["rows"], zhengwu_report["bad_rows"]) == (2816, 0)
    check(zhengwu_report, expected)
