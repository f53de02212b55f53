"""``govflow replay`` on the Los Angeles file: the JSON report matches pandas' figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from govflow.cli import main
from tests.test_replay_data import DATA, LA, REPLAY, ROOT, _us_frame, check, truth, us_workday


@pytest.mark.slow
@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present")
def test_cli_replay_la311_json_matches_pandas(tmp_path: Path) -> None:
    """The command writes a report whose per-area figures, bad rows and top-red list equal
    the ones computed from the raw CSV with pandas."""
    out = tmp_path / "la.json"
    code = main(["replay", str(LA), "--mapping", str(REPLAY / "la311.yaml"), "--json",
                 str(out), "--quiet", "--store", "memory://"])
    assert code == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    frame = _us_frame(LA, "CreatedDate", "ClosedDate", "NCName", "America/Los_Angeles")
    bad = frame["closed"] < frame["created"]
    cal = yaml.safe_load((REPLAY / "workflows.yaml").read_text(encoding="utf-8"))["calendar"]
    expected = truth(frame[~bad], limit_hours=5 * 9, yellow_at=0.7, zone=cal["timezone"],
                     periods=cal["periods"], is_workday=us_workday(cal["holidays"]))
    assert (report["rows"], report["good"], report["bad"]) == (
        9999, 9987, {"closed before opened": int(bad.sum())})
    check(report, expected)
    assert report["records_per_second"] > 0


def test_cli_replay_names_a_bad_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A mapping with a wrong key fails with exit 1 and names the file, line and field."""
    data = tmp_path / "r.csv"
    data.write_text("id,opened\n1,2020-01-01T10:00:00\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("source: t\ntimezone: UTC\nid: id\ncreated: {column: opened}\n"
                       "area: id\nareas: nope\n", encoding="utf-8")
    assert main(["replay", str(data), "--mapping", str(mapping), "--quiet",
                 "--store", "memory://"]) == 1
    err = capsys.readouterr().err
    assert "m.yaml:6 areas" in err


def test_cli_replay_keeps_cases_in_a_sqlite_store(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """With --store the replayed cases (and the bad rows, as dead letters) stay in the file;
    --json - prints the report on stdout."""
    data = tmp_path / "r.csv"
    data.write_text("id,opened,closed,area\n"
                    "1,2024-03-04T08:00:00,2024-03-04T12:00:00,north\n"
                    "2,2024-03-04T09:00:00,2024-03-04T08:00:00,south\n"
                    "3,2024-03-04T09:30:00,,south\n", encoding="utf-8")
    (tmp_path / "workflows.yaml").write_text(
        (ROOT / "replay" / "workflows.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("source: t\ntimezone: UTC\nid: id\ncreated: {column: opened}\n"
                       "closed: {column: closed}\narea: area\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'replay.db'}"
    assert main(["replay", str(data), "--mapping", str(mapping), "--store", url,
                 "--json", "-"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["good"], report["bad"]) == (2, {"closed before opened": 1})
    assert report["areas"]["north"]["closed"] == 1
    from govflow.store import open_store

    store = open_store(url)
    try:
        assert sorted(c.cell for c in store.iter_cases()) == ["north", "south"]
        assert [d.record_id for d in store.dead_letters("t")] == ["2"]
    finally:
        store.close()


def test_cli_replay_shows_times_in_the_calendars_zone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The table's notes give the simulated span in the calendar's zone (Los Angeles here);
    the JSON keeps ISO times and names the zone."""
    data = tmp_path / "r.csv"
    data.write_text("id,opened,closed,area\n1,2024-03-04T08:00:00,2024-03-04T12:00:00,north\n",
                    encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("source: t\ntimezone: UTC\nid: id\ncreated: {column: opened}\n"
                       "closed: {column: closed}\narea: area\n", encoding="utf-8")
    flows = str(ROOT / "replay" / "workflows.yaml")
    argv = ["replay", str(data), "--mapping", str(mapping), "--workflows", flows,
            "--store", "memory://"]
    assert main(argv) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "simulated 2024-03-04 00:00-08:00 → 2024-03-04 04:00-08:00" in out
    assert main([*argv, "--json", "-"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["timezone"] == "America/Los_Angeles"
    assert report["started"] == "2024-03-04T08:00:00+00:00"
