"""Readers: every row becomes a record or a bad row with its reason; none is lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govflow.replay import MappingError, ReplayError, parse_mapping, read_csv, read_open311

CSV_MAPPING = """\
source: t
timezone: America/Los_Angeles
id: id
created: {column: created, format: "%m/%d/%Y %I:%M:%S %p"}
closed: {column: closed, format: "%m/%d/%Y %I:%M:%S %p"}
status: {column: status, triggers: {Closed: close, Cancelled: cancel, Open: null}}
category: type
categories: [Graffiti, Bulky]
area: [nc, cd]
district: cd
agency: owner
lat: lat
lon: lon
"""

ROWS = """\
id,created,closed,status,type,nc,cd,owner,lat,lon
1,12/31/2017 11:59:58 PM,01/02/2018 09:00:00 AM,Closed,Graffiti,ECHO PARK,13,OCB,34.07,-118.26
2,12/31/2017 10:00:00 PM,,Open,Bulky,,13,BOS,,
3,12/31/2017 10:00:00 PM,12/31/2017 11:00:00 PM,Cancelled,Bulky,,,BOS,x,y
,12/31/2017 10:00:00 PM,,Open,Bulky,A,1,BOS,,
1,12/31/2017 10:00:00 PM,,Open,Bulky,A,1,BOS,,
5,31/12/2017 10:00:00,,Open,Bulky,A,1,BOS,,
6,12/31/2017 10:00:00 PM,yesterday,Closed,Bulky,A,1,BOS,,
7,12/31/2017 10:00:00 PM,12/30/2017 10:00:00 PM,Closed,Bulky,A,1,BOS,,
8,12/31/2017 10:00:00 PM,,Open,Potholes,A,1,BOS,,
"""


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "r.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def test_csv_bad_rows_by_reason_and_none_lost(csv_file: Path) -> None:
    """Missing id, duplicate id, bad created/closed, closed before opened, unknown category:
    each row counted once under its reason, good + bad == rows."""
    result = read_csv(csv_file, parse_mapping(CSV_MAPPING))
    assert result.rows == 9
    assert [r.id for r in result.records] == ["1", "2", "3"]
    assert result.bad_by_reason() == {
        "missing id": 1, "duplicate id": 1, "unparseable created time": 1,
        "unparseable closed time": 1, "closed before opened": 1, "unknown category": 1,
    }
    assert [b.row for b in result.bad] == [4, 5, 6, 7, 8, 9]
    assert "'Potholes'" in result.bad[-1].detail


def test_csv_record_fields_times_and_moves(csv_file: Path) -> None:
    """Local LA times become UTC; the status picks the move; Open stays open; blank areas
    fall back to the next column, then to (unknown)."""
    first, second, third = read_csv(csv_file, parse_mapping(CSV_MAPPING)).records
    assert first.created == datetime(2018, 1, 1, 7, 59, 58, tzinfo=UTC)
    assert first.closed == datetime(2018, 1, 2, 17, 0, tzinfo=UTC)
    assert (first.area, first.district, first.agency, first.lat) == ("ECHO PARK", "13", "OCB",
                                                                     34.07)
    assert [m.trigger for m in first.moves] == ["close"]
    assert (second.area, second.moves, second.closed) == ("13", (), None)
    assert (third.area, third.lat, [m.trigger for m in third.moves]) == (
        "(unknown)", None, ["cancel"])


def test_csv_header_missing_a_mapped_column(tmp_path: Path) -> None:
    """A column the mapping names but the file lacks stops the read with its name."""
    path = tmp_path / "r.csv"
    path.write_text("id,created\n1,12/31/2017 10:00:00 PM\n", encoding="utf-8")
    with pytest.raises(MappingError, match="'closed'"):
        read_csv(path, parse_mapping(CSV_MAPPING))


def test_unreadable_file_is_a_replay_error(tmp_path: Path) -> None:
    """A missing data file is a ReplayError that names it."""
    with pytest.raises(ReplayError, match=r"nope\.csv"):
        read_csv(tmp_path / "nope.csv", parse_mapping(CSV_MAPPING))


OPEN311_MAPPING = """\
format: open311
source: o
timezone: America/Chicago
id: service_request_id
created: {column: requested_datetime}
notes: {submitted: null, opened: null, closed: close}
category: service_name
area: extended_attributes.ward
"""


def _request(rid: str, notes: list[dict[str, str]], ward: str = "5") -> dict[str, object]:
    return {"service_request_id": rid, "service_name": "Pothole",
            "requested_datetime": "2014-05-09T10:00:00-05:00",
            "extended_attributes": {"ward": ward}, "notes": notes}


def test_open311_notes_become_moves_in_order(tmp_path: Path) -> None:
    """Skipped note types vanish, closed fires close, the others are notes, in time order;
    a note before the request opened, or a non-object item, is a bad row."""
    good = _request("a", [
        {"type": "submitted", "datetime": "2014-05-09T09:59:00-05:00"},
        {"type": "opened", "datetime": "2014-05-09T10:00:00-05:00"},
        {"type": "activity", "datetime": "2014-05-10T10:00:00-05:00", "summary": "inspected"},
        {"type": "closed", "datetime": "2014-05-12T10:00:00-05:00"},
    ])
    early = _request("b", [{"type": "activity", "datetime": "2014-05-01T10:00:00-05:00"}])
    path = tmp_path / "requests.json"
    path.write_text(json.dumps({"requests": [good, early, "junk"]}), encoding="utf-8")
    result = read_open311(path, parse_mapping(OPEN311_MAPPING))
    assert result.rows == 3
    (record,) = result.records
    assert [(m.trigger, m.note) for m in record.moves] == [("activity", True), ("close", False)]
    assert record.moves[0].data == {"summary": "inspected"}
    assert record.closed == datetime(2014, 5, 12, 15, 0, tzinfo=UTC)
    assert (record.area, record.category) == ("5", "Pothole")
    assert result.bad_by_reason() == {"unparseable or early note": 1, "not a record": 1}


_cell = st.sampled_from(["", "1", "2", "x", "12/31/2017 10:00:00 PM", "01/02/2018 09:00:00 AM",
                         "12/30/2017 10:00:00 PM", "13/45/2017 99:00:00 PM"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_cell, _cell, _cell, st.sampled_from(["Graffiti", "Bulky", "Other"])),
                max_size=30))
def test_every_row_is_a_record_or_a_bad_row(rows: list[tuple[str, str, str, str]]) -> None:
    """Whatever the rows hold, good + bad == rows, ids are unique among good records, every
    bad row has a known reason, and no good record closes before it opens."""
    import csv
    import io
    import tempfile

    from govflow.replay import records as why

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "created", "closed", "status", "type", "nc", "cd", "owner", "lat",
                     "lon"])
    for rid, created, closed, kind in rows:
        writer.writerow([rid, created, closed, "Closed", kind, "A", "1", "BOS", "", ""])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        result = read_csv(path, parse_mapping(CSV_MAPPING))
    assert result.rows == len(rows)
    assert sorted([r.row for r in result.records] + [b.row for b in result.bad]) == list(
        range(1, len(rows) + 1))
    ids = [r.id for r in result.records]
    assert len(ids) == len(set(ids))
    reasons = {v for k, v in vars(why).items() if k.isupper() and isinstance(v, str)}
    assert {b.reason for b in result.bad} <= reasons
    assert all(r.closed is None or r.closed >= r.created for r in result.records)
