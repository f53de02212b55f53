"""The shipped mappings for the current LA and NYC exports, on small samples written here;
duplicates and transfers counted apart from closes; a mapping under which most rows fail
stops with the first bad values and the formats it tried."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from govflow import ReplayError
from govflow.cli import main
from govflow.replay import build_report, replay_file
from tests.conftest import ROOT

REPLAY = ROOT / "replay"

LA_HEADER = ["srnumber", "createddate", "updateddate", "actiontaken", "owner", "requesttype",
             "status", "requestsource", "closeddate", "address", "latitude", "longitude",
             "cd", "nc", "ncname"]
LA_ROWS = [
    ["1-1", "2024-01-02T08:15:00.000", "", "SR Created", "BOS", "Bulky Items", "Closed",
     "Mobile App", "2024-01-03T10:00:00.000", "1 Main St", "34.05", "-118.25", "14", "1",
     "DOWNTOWN LA"],
    ["1-2", "01/02/2024 09:00:00 AM", "", "SR Created", "BOS", "Graffiti Removal",
     "Closed", "Call", "01/12/2024 09:00:00 AM", "2 Main St", "34.05", "-118.25", "14", "1",
     "DOWNTOWN LA"],
    ["1-3", "2024-01-02T10:00:00.000", "", "SR Created", "LADBS", "Illegal Dumping Pickup",
     "Referred Out", "Call", "2024-01-02T12:00:00.000", "3 Main St", "34.06", "-118.24",
     "1", "2", "HISTORIC CULTURAL"],
    ["1-4", "2024-01-02T11:00:00.000", "", "SR Created", "BOS", "Bulky Items", "Duplicate",
     "Call", "2024-01-02T11:30:00.000", "4 Main St", "34.06", "-118.24", "1", "2",
     "HISTORIC CULTURAL"],
    ["1-5", "2024-01-03T11:00:00.000", "", "SR Created", "BOS", "Bulky Items", "Open",
     "Call", "", "5 Main St", "34.06", "-118.24", "1", "2", "HISTORIC CULTURAL"],
]
NYC_HEADER = ["unique_key", "created_date", "closed_date", "agency", "agency_name",
              "complaint_type", "descriptor", "status", "resolution_description",
              "community_board", "borough", "latitude", "longitude"]
NYC_ROWS = [
    ["60000001", "2024-01-02T08:15:00.000", "2024-01-02T18:00:00.000", "NYPD", "Police",
     "Noise - Residential", "Loud Music", "Closed", "done", "09 MANHATTAN", "MANHATTAN",
     "40.81", "-73.95"],
    ["60000002", "2024-01-02T09:00:00.000", "", "DSNY", "Sanitation", "Dirty Condition",
     "Trash", "In Progress", "", "03 BROOKLYN", "BROOKLYN", "40.69", "-73.94"],
    ["60000003", "01/02/2024 10:00:00 AM", "01/20/2024 10:00:00 AM", "DOT", "Transportation",
     "Street Condition", "Pothole", "Closed", "fixed", "03 BROOKLYN", "BROOKLYN", "40.69",
     "-73.94"],
]


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_la_current_export_with_mixed_formats_and_outcomes(tmp_path: Path) -> None:
    """Lower-case headers, two time formats, a status column: every row replays; the
    referred and the duplicate are counted as transferred and merged, not as closes."""
    path = _csv(tmp_path / "la.csv", LA_HEADER, LA_ROWS)
    report = build_report(replay_file(path, REPLAY / "la311_current.yaml"))
    assert (report["good"], report["bad_rows"]) == (5, 0)
    totals = report["totals"]
    assert (totals["closed"], totals["resolved"], totals["merged"], totals["transferred"],
            totals["open"]) == (4, 2, 1, 1, 1)
    assert report["areas"]["DOWNTOWN LA"]["within_limit"] == 1  # 1-2 took 8 work days


def test_nyc_current_export(tmp_path: Path) -> None:
    """The current NYC layout replays every row; the open one stays open."""
    path = _csv(tmp_path / "nyc.csv", NYC_HEADER, NYC_ROWS)
    report = build_report(replay_file(path, REPLAY / "nyc311_current.yaml"))
    assert (report["good"], report["bad_rows"]) == (3, 0)
    assert (report["totals"]["closed"], report["totals"]["open"]) == (2, 1)
    assert sorted(report["agencies"]) == ["DOT", "DSNY", "NYPD"]


def test_old_mapping_on_current_export_stops_with_values_and_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 2017 LA mapping on the current export's columns renamed to its header: every time
    is ISO, so most rows fail; the replay stops naming a bad value and the formats tried."""
    old = ["SRNumber", "CreatedDate", "UpdatedDate", "ActionTaken", "Owner", "RequestType",
           "Status", "RequestSource", "ClosedDate", "Address", "Latitude", "Longitude", "CD",
           "NC", "NCName"]
    rows = [r for r in LA_ROWS if "T" in r[1]]
    path = _csv(tmp_path / "la.csv", old, rows)
    with pytest.raises(ReplayError, match=r"2024-01-02T08:15:00\.000") as stop:
        replay_file(path, REPLAY / "la311.yaml")
    assert "%m/%d/%Y %I:%M:%S %p" in str(stop.value) and "4 of 4 rows" in str(stop.value)
    assert main(["replay", str(path), "--mapping", str(REPLAY / "la311.yaml"),
                 "--store", "memory://"]) == 1
    assert "time formats tried" in capsys.readouterr().err
