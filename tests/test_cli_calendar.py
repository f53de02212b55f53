"""``govflow calendar status | import | replan`` and the warning of ``govflow validate``,
run as a user would: real files, a real SQLite file and PostgreSQL."""

from __future__ import annotations

import shutil
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from govflow import Actor, Engine, SimClock
from govflow.cli import main
from govflow.worktime import WorkCalendar
from govflow.worktime.status import provisional_warning
from tests.conftest import ROOT, SHANGHAI, make_store, postgres_url
from tests.helpers import CELL, CodeGrid

WORKER = Actor.of("w1", "worker", scope=CELL)
FLOWS = """# our district's flows (this comment must survive an import)
roles: [worker, system]

calendar:
  timezone: Asia/Shanghai   # 北京时间
  holidays: []              # local days off
  workdays: []

workflows:
  flow:
    version: 1
    initial: handle
    states:
      handle: {deadline: {limit: 4 workdays, yellow_at: 0.5}}
      done: {final: true}
    transitions:
      - {trigger: finish, from: handle, to: done, roles: [worker]}
"""
#: an illustrative 2027 notice in the official form (not a real one: 2027's is not out)
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至11日（周四）放假调休，共7天。1月30日（周六）、2月20日（周六）上班。
2026年11月20日
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_status_lists_years_horizon_and_warns_60_days_ahead(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Package years, provisional years, the horizon; a warning 60 days before 2027 only."""
    flows = tmp_path / "workflows.yaml"
    flows.write_text(FLOWS, encoding="utf-8")
    code, out, err = run(["calendar", "status", "--file", str(flows), "--today", "2026-12-01"],
                         capsys)
    assert code == 0
    assert "official (package)" in out and "2027–2028  provisional" in out
    assert "horizon: 2026-12-31" in out
    assert "2027 begins in 31 days and is provisional" in err
    code, out, err = run(["calendar", "status", "--file", str(flows), "--today", "2026-10-01"],
                         capsys)
    assert code == 0 and err == ""


def test_validate_warns_when_a_provisional_year_is_near(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`govflow validate` prints the same warning (exit status still 0) when it applies today."""
    flows = tmp_path / "workflows.yaml"
    flows.write_text(FLOWS, encoding="utf-8")
    code, out, err = run(["validate", str(flows)], capsys)
    assert code == 0 and out.startswith("OK")
    today = datetime.now(SHANGHAI).date()
    wanted = provisional_warning(WorkCalendar.china(), today)
    assert ("warning: calendar:" in err) == (wanted is not None)


def test_import_the_twelve_notices_into_a_file_keeps_its_comments(
        tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """All twelve notices written into a copy of the district's file: every other line
    unchanged, the file still loads, and its calendar holds exactly the notices' days."""
    flows = tmp_path / "workflows.yaml"
    shutil.copy(ROOT / "workflows.yaml", flows)
    before = flows.read_text(encoding="utf-8").splitlines()
    notices = sorted(str(p) for p in (shared_data / "holiday_notices").glob("20*.txt"))
    code, out, _ = run(["calendar", "import", *notices, "--into", str(flows)], capsys)
    assert code == 0, out
    after = flows.read_text(encoding="utf-8").splitlines()
    kept = [line for line in before if line.strip() not in ("holidays: []", "workdays: []")]
    assert [line for line in after if not line.startswith("    - 20")
            and line.strip() not in ("holidays:", "workdays:")] == kept
    code, _, _ = run(["validate", str(flows)], capsys)
    assert code == 0
    from govflow.workflows import load_workflows
    from govflow.worktime.notice import merge, read_notice_file

    spec = load_workflows(flows).calendar
    off, work = merge(read_notice_file(p) for p in notices)
    assert spec.holidays == {d.isoformat() for d in off}
    assert spec.workdays == {d.isoformat() for d in work}


def test_a_notice_it_cannot_read_leaves_the_file_untouched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One bad notice among good ones: exit 1, the item and reason named, nothing written."""
    flows = tmp_path / "workflows.yaml"
    flows.write_text(FLOWS, encoding="utf-8")
    good = tmp_path / "2027.txt"
    good.write_text(NOTICE_2027, encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text(NOTICE_2027.replace("1月1日（周五）", "1月1日（周六）"), encoding="utf-8")
    code, _, err = run(["calendar", "import", str(good), str(bad), "--into", str(flows)], capsys)
    assert code == 1
    assert err.startswith("govflow: ") and "bad.txt" in err and "元旦" in err
    assert "not a 周六" in err
    assert flows.read_text(encoding="utf-8") == FLOWS


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_replan_after_importing_the_official_year(
        kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Cases with provisional 2027 deadlines; the notice imported into the file; `replan
    --dry-run` lists the moves and writes nothing; `replan` moves them, one event per case."""
    flows = tmp_path / "workflows.yaml"
    flows.write_text(FLOWS, encoding="utf-8")
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'govflow.db'}"
        store = make_store(kind, tmp_path)
    else:
        schema = f"gf_test_{uuid.uuid4().hex[:12]}"
        from govflow.store.sql import SqlStore

        store = SqlStore(postgres_url(), schema=schema, create=True)
        url = f"{postgres_url()}?schema={schema}"
    try:
        engine = Engine(flows, store=store, grid=CodeGrid(),
                        clock=SimClock(datetime(2027, 2, 3, 10, tzinfo=SHANGHAI)))
        ids = [engine.open_case("flow", cell=CELL, actor=WORKER).id for _ in range(3)]
        old = {i: {t.kind: t for t in store.pending_timers(i)} for i in ids}
        # provisional: 5–10 February off (补假 for the weekend), so 4 work days from Wednesday
        # 3 February 10:00 end Monday 15 February
        assert old[ids[0]]["red"].due_at == datetime(2027, 2, 15, 10, tzinfo=SHANGHAI)
        assert old[ids[0]]["red"].provisional
        notice = tmp_path / "2027.txt"
        notice.write_text(NOTICE_2027, encoding="utf-8")
        assert run(["calendar", "import", str(notice), "--into", str(flows)], capsys)[0] == 0

        code, out, _ = run(["calendar", "replan", "--store", url, "--workflows", str(flows),
                            "--dry-run"], capsys)
        assert code == 0
        assert "would move 6 due times of 3 cases" in out
        assert "2027-02-15 10:00+08:00 -> 2027-02-16 10:00+08:00" in out
        assert {t.id for t in store.pending_timers(ids[0])} == {
            t.id for t in old[ids[0]].values()}

        code, out, _ = run(["calendar", "replan", "--store", url, "--workflows", str(flows)],
                           capsys)
        assert code == 0 and "moved 6 due times of 3 cases" in out
        for case_id in ids:
            now = {t.kind: t for t in store.pending_timers(case_id)}
            # official: 5–11 February off: 4 work days from Wednesday 3 February 10:00 end
            # Tuesday 16 February 10:00, 2 of them Friday 12 February
            assert now["red"].due_at == datetime(2027, 2, 16, 10, tzinfo=SHANGHAI)
            assert now["yellow"].due_at == datetime(2027, 2, 12, 10, tzinfo=SHANGHAI)
            assert not now["red"].provisional
            events = [e for e in store.history(case_id) if e.trigger == "replan"]
            assert len(events) == 1
            assert store.get_case(case_id).due_at == now["red"].due_at
        code, out, _ = run(["calendar", "replan", "--store", url, "--workflows", str(flows)],
                           capsys)
        assert "moved 0 due times" in out
    finally:
        drop = getattr(store, "drop_schema", None)
        if kind == "postgresql" and callable(drop):
            drop()
        store.close()


def test_provisional_warning_once_the_year_has_begun() -> None:
    """In a provisional year itself, the warning says so."""
    warning = provisional_warning(WorkCalendar.china(), date(2027, 3, 1))
    assert warning is not None and warning.startswith("2027 is provisional")


def test_a_year_vouched_for_by_one_date_alone_is_warned_about(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One local rest day in 2027 makes 2027 official from the file: status says so and
    warns that the statutory holidays no longer apply; a whole imported year is not warned."""
    flows = tmp_path / "workflows.yaml"
    flows.write_text(FLOWS.replace("holidays: []", "holidays: [2027-03-01]"), encoding="utf-8")
    code, out, err = run(["calendar", "status", "--file", str(flows), "--today", "2026-06-01"],
                         capsys)
    assert code == 0 and "2027       official (file)" in out
    assert "lists only 1 day(s) off in 2027" in err
    full = "".join(f"    - 2027-{m:02d}-{d:02d}\n" for m, d in (
        (1, 1), (2, 5), (2, 6), (2, 7), (2, 8), (2, 9), (2, 10), (2, 11), (4, 5), (5, 1),
        (5, 3), (5, 4), (6, 9), (9, 15), (10, 1), (10, 4), (10, 5)))
    flows.write_text(FLOWS.replace("holidays: []              # local days off",
                                   "holidays:\n" + full), encoding="utf-8")
    code, out, err = run(["calendar", "status", "--file", str(flows), "--today", "2026-06-01"],
                         capsys)
    assert code == 0 and "lists only" not in err
