"""Snapshot of cases and the cockpit's KPIs, terminal view, HTML page and command."""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from rich.console import Console

from govflow.cli import main
from govflow.cockpit.html import page_data, render_html
from govflow.cockpit.kpi import build, from_grid
from govflow.cockpit.sample import sample_snapshot
from govflow.cockpit.terminal import render
from govflow.grid import generate_district
from govflow.kernels.columns import NEVER
from govflow.kernels.snapshot import from_store, snapshot
from govflow.records import Case, Change
from govflow.store.memory import MemoryStore

T0 = datetime(2026, 9, 1, tzinfo=UTC)
CELL_A, CELL_B = "410102001001001", "410102001001002"


def _case(i: int, cell: str, *, opened: float, closed: float | None = None,
          due: float | None = None, category: str = "vending", state: str = "handling",
          rework: int = 0, source: str = "patrol", light: str = "green") -> Case:
    at = lambda h: None if h is None else T0 + timedelta(hours=h)  # noqa: E731
    return Case(id=f"{i:016x}", workflow="w", version=1, state=state, cell=cell, owner=cell,
                category=category, source=source, data={}, opened_at=at(opened),  # type: ignore[arg-type]
                state_entered_at=at(opened), closed_at=at(closed), due_at=at(due),  # type: ignore[arg-type]
                light=light, rework=rework)


CASES = [
    _case(1, CELL_A, opened=1, closed=5, due=10, state="closed"),             # on time
    _case(2, CELL_A, opened=2, closed=30, due=10, state="closed", rework=1),  # late, reworked
    _case(3, CELL_A, opened=3, due=20, light="red"),                          # overdue at 48 h
    _case(4, CELL_B, opened=4, due=100, light="yellow", category="fumes"),    # open, not due
    _case(5, CELL_B, opened=5, closed=6, due=None, state="closed", category="fumes"),
    _case(6, CELL_B, opened=1, closed=2, due=3, state="closed", source="campaign"),
    _case(7, "999999999999999", opened=1),                                    # not on the grid
]


@pytest.fixture(scope="module")
def grid():  # type: ignore[no-untyped-def]
    return generate_district(0, people="none")


def _cockpit(grid, cases=CASES):  # type: ignore[no-untyped-def]
    snap = snapshot(cases, grid.to_arrays().index)
    t0 = int(T0.timestamp())
    return from_grid(snap, grid, t0=t0, t1=t0 + 48 * 3600)


def test_snapshot_turns_cases_into_columns_with_lookup_tables(grid) -> None:  # type: ignore[no-untyped-def]
    """Strings become sorted codes, times epoch seconds, missing times NEVER."""
    snap = snapshot(CASES, grid.to_arrays().index)
    assert len(snap) == 6 and snap.skipped == 1
    assert snap.categories == ("fumes", "vending")
    assert snap.sources == ("campaign", "patrol")
    assert snap.columns.closed[2] == NEVER and snap.columns.due[4] == NEVER
    assert snap.columns.opened[0] == int((T0 + timedelta(hours=1)).timestamp())
    assert snap.statuses[snap.columns.status[0]] == "closed"
    assert snap.columns.light.tolist() == [0, 0, 2, 1, 0, 0]


def test_snapshot_reads_a_store(grid) -> None:  # type: ignore[no-untyped-def]
    """from_store reads every case the store holds."""
    store = MemoryStore()
    store.commit([Change(case=c, expected_rev=None) for c in CASES[:3]])
    assert len(from_store(store, grid.to_arrays().index)) == 3


def test_kpis_follow_the_field_formulas(grid) -> None:  # type: ignore[no-untyped-def]
    """closure = closed ÷ (closed + overdue), on time, rework ÷ closed, on post."""
    row = _cockpit(grid).row(CELL_A)
    assert row["closed"] == 2 and row["overdue"] == 1 and row["due_to_close"] == 3
    assert row["closure_rate"] == pytest.approx(2 / 3)
    assert row["on_time_rate"] == pytest.approx(1 / 3)
    assert row["rework_rate"] == pytest.approx(1 / 2)
    assert row["red"] == 1 and row["backlog"] == 1
    assert row["mean_hours"] == pytest.approx((4 + 28) / 2)
    assert math.isnan(row["on_post_rate"])
    b = _cockpit(grid).row(CELL_B)
    assert b["on_post_rate"] == 1.0 and b["yellow"] == 1 and b["closed"] == 2


def test_figures_roll_up_to_street_and_district(grid) -> None:  # type: ignore[no-untyped-def]
    """The district row sums both cells."""
    cockpit = _cockpit(grid)
    district = cockpit.row(cockpit.root)
    assert district["closed"] == 4 and district["overdue"] == 1
    assert cockpit.row("410102001")["opened"] == 6


def test_lists_top_categories_hotspots_and_overdue(grid) -> None:  # type: ignore[no-untyped-def]
    """Top categories by count, hotspots over a threshold, overdue most-late first."""
    cockpit = _cockpit(grid)
    assert cockpit.top_categories(cockpit.root) == [("vending", 4), ("fumes", 2)]
    spots = cockpit.hotspots(min_count=2)
    assert [(h.code, h.category, h.count) for h in spots] == [
        (CELL_A, "vending", 3), (CELL_B, "fumes", 2)]
    late = cockpit.overdue()
    assert [o.case_id for o in late] == [f"{3:016x}"]
    assert late[0].hours_overdue == pytest.approx(28.0)


def test_terminal_view_shows_children_and_drills_down(grid) -> None:  # type: ignore[no-untyped-def]
    """The district view lists streets; a street code lists its communities."""
    cockpit = _cockpit(grid)
    buf = io.StringIO()
    render(cockpit, Console(file=buf, width=220), "410102001")
    text = buf.getvalue()
    assert "410102001001" in text and "communities" in text
    assert "80.0%" in text  # the street's closure rate: 4 closed ÷ (4 closed + 1 overdue)


def test_html_page_is_self_contained(grid) -> None:  # type: ignore[no-untyped-def]
    """One file: no script, stylesheet or font loaded from anywhere (ECharts is inlined; the
    URLs left in it are its licence, SVG namespaces and an error message's link); the KPIs
    and every cell of the map are in the embedded data."""
    import json

    cockpit = from_grid(sample_snapshot(grid.to_arrays(), 5000), grid,
                        t0=1_780_272_000, t1=1_780_272_000 + 60 * 86400)
    page = render_html(cockpit, grid=grid)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", page)  # only url(#gradient)
    assert not re.search(r"fetch\(['\"]https?:", page)
    blob = page.split("window.GOVFLOW_SNAPSHOT = ", 1)[1].split(";</script>", 1)[0]
    snap = json.loads(blob.replace("<\\/", "</"))
    node = snap["responses"]["/api/v1/cockpit/nodes/410102?days=60"]
    assert {k["key"]: k["shown"] for k in node["kpis"]} == page_data(cockpit)
    cells = snap["responses"]["/api/v1/cockpit/map?days=60"]["cells"]
    assert len(cells) == 934


def test_cockpit_command_prints_tables_and_writes_the_page(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`govflow cockpit --sample N --html FILE` prints the streets and writes the page."""
    out = tmp_path / "c.html"
    assert main(["cockpit", "--sample", "3000", "--html", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "林山寨街道" in printed and "cockpit page" in printed
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_cockpit_command_refuses_an_unknown_node(capsys) -> None:  # type: ignore[no-untyped-def]
    """A node code not in the grid is refused (exit 1) with a hint."""
    assert main(["cockpit", "--sample", "10", "--node", "123"]) == 1
    assert "govflow grid show" in capsys.readouterr().err


def test_build_accepts_plain_arrays() -> None:
    """The cockpit works from codes and a parent array without a Grid object."""
    from govflow.kernels.samples import district_parent

    parent = district_parent(2, 2, 4)
    codes = tuple(f"n{i}" for i in range(parent.shape[0]))
    tier = np.array([0, 1, 1, 2, 2, 3, 3, 3, 3], np.int8)
    arrays = type("A", (), {"parent": parent})()
    snap = sample_snapshot(arrays, 100)
    cockpit = build(snap, codes, parent, tier, t0=0, t1=2**40)
    assert cockpit.row("n0")["opened"] == 100


def test_work_orders_never_top_the_reported_lists() -> None:
    """Campaign tasks and command/recruitment orders count in the figures, but top categories
    and hotspots list only reported problems."""
    from datetime import UTC, datetime

    from govflow.cockpit.kpi import TASK_CATEGORIES, from_grid
    from govflow.grid import generate_district
    from govflow.kernels.snapshot import snapshot
    from govflow.records import Case

    grid = generate_district(seed=0)
    cell = grid.cells_under("410102001")[0]
    t0 = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)

    def case(n: int, category: str) -> Case:
        return Case(f"c{n}", "w", 1, "s", cell, cell, category, "t", {}, t0, t0)

    cases = [case(n, "campaign") for n in range(9)] + [case(9 + n, "oil_fumes")
                                                      for n in range(3)]
    snap = snapshot(cases, grid.to_arrays().index)
    cockpit = from_grid(snap, grid, t0=int(t0.timestamp()) - 1, t1=int(t0.timestamp()) + 1)
    assert cockpit.top_categories(grid.root) == [("oil_fumes", 3)]
    assert [h.category for h in cockpit.hotspots(min_count=3)] == ["oil_fumes"]
    assert "campaign" in TASK_CATEGORIES
