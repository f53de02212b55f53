"""The replay on a simulated clock: warnings, breaches and escalations at their exact times,
closes at the recorded times, refused moves and bad rows kept as dead letters; every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from govflow import Engine, SimClock
from govflow.replay import (
    BadRow,
    Move,
    ReadResult,
    ReplayError,
    ReplayRecord,
    build_report,
    render,
    replay,
    replay_engine,
)
from govflow.store.base import Store

WORKFLOWS = """\
calendar: {timezone: UTC, official: false}
roles: [resident, agency, system]
workflows:
  request:
    version: 1
    initial: open
    open_roles: [resident]
    states:
      open: {deadline: {limit: 10 hours, yellow_at: 0.5, on_breach: {escalate: true}}}
      closed: {final: true}
    transitions:
      - {trigger: close, from: open, to: closed, roles: [agency]}
"""
DAY = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday


def at(hour: float) -> datetime:
    return DAY + timedelta(hours=hour)


def rec(rid: str, opened: float, closed: float | None = None, *, trigger: str = "close",
        area: str = "NC1") -> ReplayRecord:
    moves = (Move(at(closed), trigger),) if closed is not None else ()
    return ReplayRecord(row=int(rid, 36), id=rid, created=at(opened), area=area,
                        district="CD1", agency="OCB", moves=moves)


@pytest.fixture
def workflows(tmp_path: Path) -> Path:
    path = tmp_path / "workflows.yaml"
    path.write_text(WORKFLOWS, encoding="utf-8")
    return path


def sample() -> ReadResult:
    return ReadResult("t", records=[
        rec("a", 8, 12),              # closed before the yellow light (13:00)
        rec("b", 8, 14),              # yellow at 13:00, closed on time
        rec("c", 9, 20, area="NC2"),  # yellow 14:00, red and escalated 19:00, closed late
        rec("d", 10),                 # never closed: red at 20:00, before the end (21:00)
        rec("e", 10, 20),             # closed exactly at its deadline: on time, never red
        rec("f", 11, 12, trigger="refer"),  # unknown move: stays open, red at 21:00
    ], bad=[BadRow(7, "g", "closed before opened", "closed 1999")])


def test_replay_lights_escalation_and_times(workflows: Path, store: Store) -> None:
    """Each case's warnings, breach and escalation happen at their due times and its close at
    the recorded time; the report counts them per area; on every store."""
    read = sample()
    engine = replay_engine(workflows, read, store=store)
    result = replay(read, workflow="request", engine=engine, until=at(21))
    ids = result.case_ids
    log = {rid: [(e.trigger, e.at) for e in engine.history(cid)] for rid, cid in ids.items()}
    assert log["a"] == [("open", at(8)), ("close", at(12))]
    assert log["b"] == [("open", at(8)), ("warn", at(13)), ("close", at(14))]
    assert log["c"] == [("open", at(9)), ("warn", at(14)), ("breach", at(19)),
                        ("escalate", at(19)), ("close", at(20))]
    assert log["d"] == [("open", at(10)), ("warn", at(15)), ("breach", at(20)),
                        ("escalate", at(20))]
    assert log["e"] == [("open", at(10)), ("warn", at(15)), ("close", at(20))]
    assert engine.case(ids["c"]).owner == "t/CD1"
    report = build_report(result)
    assert report["totals"] == {
        "cases": 6, "closed": 4, "open": 2, "median_handling_seconds": 8 * 3600.0,
        "within_limit": 3, "within_limit_share": 0.75, "yellow": 5, "red": 3, "escalated": 3,
        "resolved": 4, "merged": 0, "transferred": 0,
    }
    assert report["areas"]["NC2"]["red"] == 1
    assert report["top_red"] == [["NC1", 2], ["NC2", 1]]  # d, and f (its move was refused)
    assert report["refused_moves"] == {"refer refused (TransitionNotAllowed)": 1}
    assert (report["rows"], report["good"], report["bad"]) == (7, 6, {"closed before opened": 1})
    letters = {d.record_id: d.reason for d in engine.store.dead_letters("t")}
    assert letters["g"] == "closed before opened: closed 1999"
    assert letters["f"].startswith("refer refused (TransitionNotAllowed)")
    engine.close()


def test_opens_in_one_run_keep_their_own_times(workflows: Path) -> None:
    """Many opens with no timer due between them share a commit, yet each case opens at its
    own time and warns at its own time."""
    read = ReadResult("t", records=[rec(str(n), n / 10) for n in range(1, 30)])
    engine = replay_engine(workflows, read)
    result = replay(read, workflow="request", engine=engine, until=at(5))
    for n in range(1, 30):
        case = engine.case(result.case_ids[str(n)])
        assert case.opened_at == at(n / 10)
        warned = [e.at for e in engine.history(case.id) if e.trigger == "warn"]
        assert warned == ([at(n / 10 + 5)] if n / 10 + 5 <= 5 else [])


def test_render_shows_areas_and_bad_rows(workflows: Path) -> None:
    """The rich rendering names the areas, the totals and the bad-row reasons."""
    from rich.console import Console

    read = sample()
    report = build_report(replay(read, workflow="request", workflows=workflows))
    console = Console(record=True, width=120)
    console.print(render(report))
    text = console.export_text()
    assert "NC1" in text and "NC2" in text and "closed before opened: 1" in text
    assert "refer refused" in text


def test_engine_clock_after_first_record_is_refused(workflows: Path) -> None:
    """An engine whose clock is past the first record cannot replay it."""
    engine = Engine(workflows, clock=SimClock(at(9)))
    with pytest.raises(ReplayError, match="after the first record"):
        replay(sample(), workflow="request", engine=engine)


def test_engine_on_a_real_clock_is_refused(workflows: Path) -> None:
    """The records set the time: a SystemClock engine is refused."""
    with pytest.raises(ReplayError, match="SimClock"):
        replay(sample(), workflow="request", engine=Engine(workflows))


def test_progress_ticker_counts_every_item(capsys: pytest.CaptureFixture[str]) -> None:
    """The progress bar (stderr) is fed every item and shows nothing on stdout."""
    from govflow.replay.progress import Ticker

    with Ticker(3000, enabled=True, label="replay t") as ticker:
        assert ticker.enabled
        for n in range(3000):
            ticker.advance(1, at(n / 1000))
        assert ticker._done == 3000
    assert capsys.readouterr().out == ""
    assert not Ticker(10, enabled=True, label="short").enabled  # too short to show a bar


STAGED = """\
calendar: {timezone: UTC, official: false}
roles: [resident, agency, system]
workflows:
  staged:
    version: 1
    initial: open
    open_roles: [resident]
    states:
      open: {}
      handling: {deadline: {limit: 2 hours, yellow_at: 0.5}}
      closed: {final: true}
    transitions:
      - {trigger: start, from: open, to: handling, roles: [agency]}
      - {trigger: close, from: [open, handling], to: closed, roles: [agency]}
"""


def test_moves_into_a_timed_state_get_their_deadline(tmp_path: Path) -> None:
    """A CSV with a start time and a close time: the start enters a state with a 2-hour
    limit, whose warning and breach fire at their times even though nothing was due before
    (and a later record does not push them late); a record closed straight from open never
    warns."""
    from govflow.replay import parse_mapping, read_csv

    (tmp_path / "wf.yaml").write_text(STAGED, encoding="utf-8")
    (tmp_path / "r.csv").write_text(
        "id,opened,started,closed,area\n"
        "1,2024-03-04T08:00:00,2024-03-04T09:00:00,,north\n"
        "2,2024-03-04T08:30:00,,2024-03-04T09:30:00,north\n"
        "3,2024-03-04T08:40:00,2024-03-04T08:50:00,2024-03-04T09:40:00,south\n"
        "4,2024-03-04T08:40:00,2024-03-04T07:00:00,,south\n"
        "5,2024-03-04T10:30:00,,,south\n", encoding="utf-8")
    mapping = parse_mapping(
        "source: s\ntimezone: UTC\nworkflow: staged\nid: id\ncreated: {column: opened}\n"
        "closed: {column: closed}\nmoves: [{column: started, trigger: start}]\narea: area\n")
    read = read_csv(tmp_path / "r.csv", mapping)
    assert read.bad_by_reason() == {"unparseable or early move time": 1}
    engine = replay_engine(tmp_path / "wf.yaml", read)
    result = replay(read, workflow="staged", engine=engine, until=at(12))
    log = {rid: [(e.trigger, e.at) for e in engine.history(cid)]
           for rid, cid in result.case_ids.items()}
    assert log["1"] == [("open", at(8)), ("start", at(9)), ("warn", at(10)), ("breach", at(11))]
    assert log["2"] == [("open", at(8.5)), ("close", at(9.5))]
    assert log["3"] == [("open", at(8 + 40 / 60)), ("start", at(8 + 50 / 60)),
                        ("close", at(9 + 40 / 60))]
    assert read.records[2].closed == at(9 + 40 / 60)


def test_replay_takes_a_plain_list_of_records(workflows: Path) -> None:
    """Records built in code replay without a reader (source "replay")."""
    result = replay([rec("a", 8, 12)], workflow="request", workflows=workflows)
    assert (result.source, build_report(result)["totals"]["within_limit"]) == ("replay", 1)


def test_empty_replay_reports_zeroes(workflows: Path) -> None:
    """A file whose rows are all bad replays nothing and still reports them."""
    read = ReadResult("t", bad=[BadRow(1, "", "missing id", "column 'id' is empty")])
    report = build_report(replay(read, workflow="request", workflows=workflows))
    assert (report["rows"], report["good"], report["bad"]) == (1, 0, {"missing id": 1})
    assert report["totals"]["cases"] == 0 and report["totals"]["median_handling_seconds"] is None
