"""Records that carry their own due time (Baltimore 311's DueDate): closed-by-due counts per
agency equal pandas' on the same CSV, and a close at the due instant is on time."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from govflow.replay import build_report, replay_file
from tests.conftest import ROOT

MAPPING = ROOT / "replay" / "baltimore311.yaml"
FMT = "%m/%d/%Y %I:%M:%S %p"
HEADER = ["ServiceRequestNum", "SRType", "SRStatus", "CreatedDate", "DueDate", "CloseDate",
          "Agency", "Neighborhood", "CouncilDistrict", "Latitude", "Longitude"]


def _sample(path: Path) -> None:
    """24 requests over three agencies: closed early, late, exactly at the due second, still
    open, and one without a due time (the workflow's 5 work days apply)."""
    start = datetime(2019, 3, 4, 9, 0)  # a Monday
    agencies = ["Transportation", "Solid Waste", "Public Works"]
    rows = []
    for n in range(24):
        created = start + timedelta(hours=5 * n, minutes=7 * n)
        due = created + timedelta(days=1 + n % 4, hours=n % 3)
        kind = n % 4
        closed = {0: due - timedelta(hours=3), 1: due + timedelta(minutes=30 + n),
                  2: due, 3: None}[kind]
        status = "Open" if closed is None else "Closed"
        rows.append([f"19-{n:08d}", "SW-Dirty Alley", status, created.strftime(FMT),
                     "" if n == 7 else due.strftime(FMT),
                     closed.strftime(FMT) if closed else "", agencies[n % 3],
                     f"Hood {n % 5}", str(1 + n % 2), "39.29", "-76.61"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)


def test_closed_by_due_per_agency_equals_pandas(tmp_path: Path) -> None:
    """Per agency, cases the replay counts closed within their limit equal the rows pandas
    finds closed at or before their DueDate (the row without one: created + 5 work days)."""
    path = tmp_path / "baltimore.csv"
    _sample(path)
    report = build_report(replay_file(path, MAPPING))
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("CreatedDate", "DueDate", "CloseDate"):
        df[col] = pd.to_datetime(df[col].replace("", None), format=FMT)
    with_due = df[df["DueDate"].notna()]
    expected = (with_due[with_due["CloseDate"].notna()
                         & (with_due["CloseDate"] <= with_due["DueDate"])]
                .groupby("Agency").size().to_dict())
    # the row without a DueDate (n = 7) is still open: the workflow's limit, not closed
    got = {name: f["within_limit"] for name, f in report["agencies"].items()}
    assert got == expected
    assert sum(expected.values()) == 12  # 6 early + 6 exactly at the due second
    assert report["totals"]["red"] >= 6  # the late ones, and the open ones past due
    closed = {name: f["closed"] for name, f in report["agencies"].items()}
    assert closed == df[df["CloseDate"].notna()].groupby("Agency").size().to_dict()


DUE_FILE = """
roles: [handler]
workflows:
  request:
    version: 1
    fields: {{due: {kind}}}
    initial: open
    states:
      open: {{deadline: {{limit: 5 workdays, due_field: due{extra}}}}}
      done: {{final: true}}
    transitions:
      - {{trigger: close, from: open, to: done, roles: [handler]}}
"""


def test_due_field_is_checked_at_load() -> None:
    """due_field must be a declared datetime field, and not given beside limit_field."""
    import pytest

    from govflow import WorkflowLoadError
    from govflow.workflows import load_workflows

    load_workflows(DUE_FILE.format(kind="datetime", extra=""))
    with pytest.raises(WorkflowLoadError, match="declare it datetime"):
        load_workflows(DUE_FILE.format(kind="int", extra=""))
    with pytest.raises(WorkflowLoadError, match="either due_field"):
        load_workflows(DUE_FILE.format(kind="datetime", extra=", limit_field: due"))


def test_case_due_time_from_its_data_and_close_at_the_instant_is_on_time() -> None:
    """A case's own due time (naive: the calendar's zone) is its deadline; closing at that
    very second leaves it green, one second later it has breached."""
    from zoneinfo import ZoneInfo

    from govflow import Actor, Engine, SimClock
    from govflow.workflows import load_workflows

    shanghai = ZoneInfo("Asia/Shanghai")
    flows = load_workflows(DUE_FILE.format(kind="datetime", extra=""))
    clock = SimClock(datetime(2026, 11, 30, 10, 0, tzinfo=shanghai))
    engine = Engine(flows, clock=clock)
    actor = Actor.of("h", "handler")
    due = datetime(2026, 12, 1, 15, 30, tzinfo=shanghai)
    ids = [engine.open_case("request", cell="410102001001001", actor=actor,
                            data={"due": "2026-12-01T15:30:00"}).id for _ in range(2)]
    assert engine.case(ids[0]).due_at == due
    engine.run_until(due - timedelta(seconds=1))
    clock.set(due)
    engine.fire(ids[0], "close", actor=actor)  # at the due instant, before the tick
    engine.run_until(due + timedelta(seconds=1))
    assert "breach" not in [e.trigger for e in engine.history(ids[0])]
    assert engine.case(ids[1]).light == "red"
