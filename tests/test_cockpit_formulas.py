"""KPI formulas as the district's settings, the live reading's change counter, and the views
the page, the snapshot and the terminal share."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from govflow import Actor, Engine, SimClock
from govflow.cockpit.formulas import Formulas, KpiSettingsError
from govflow.cockpit.kpi import from_grid
from govflow.cockpit.live import LiveCockpit
from govflow.cockpit.sample import sample_snapshot
from govflow.cockpit.views import kpis, map_view, node_view
from govflow.grid import generate_district
from govflow.kernels.figures import FIELDS

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows.yaml"
T0 = 1_780_272_000 + 30 * 86400


@pytest.fixture(scope="module")
def grid():  # type: ignore[no-untyped-def]
    return generate_district(0, people="none")


def test_default_formulas_are_the_fields(grid) -> None:  # type: ignore[no-untyped-def]
    """应结案数 = closed + overdue; 按期结案率 = closed on time ÷ it; shown with both sides."""
    cockpit = from_grid(sample_snapshot(grid.to_arrays(), 20_000), grid, t0=T0,
                        t1=T0 + 30 * 86400)
    f = cockpit.figures
    due = f["closed"] + f["overdue"]
    assert np.array_equal(cockpit.values["due_to_close"], due.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(due > 0, f["closed_on_time"] / np.maximum(due, 1), np.nan)
    assert np.allclose(cockpit.values["on_time_rate"], expected, equal_nan=True)
    card = {k["key"]: k for k in kpis(cockpit, cockpit.root)}["on_time_rate"]
    assert card["formula"] == "closed_on_time / due_to_close"
    assert card["numerator"] == int(f["closed_on_time"][0])
    assert card["denominator"] == int(due[0])


def test_a_locality_changes_the_denominator(grid, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """立案数 less the cases still within their time, from a settings file, moves the rate."""
    settings = tmp_path / "cockpit.yaml"
    settings.write_text(
        "kpis:\n"
        "  due_to_close: {label: 应结案数 (立案数 − 未到期),\n"
        "                 formula: opened - backlog + overdue}\n",
        encoding="utf-8")
    formulas = Formulas.load(settings)
    snap = sample_snapshot(grid.to_arrays(), 20_000)
    local = from_grid(snap, grid, t0=T0, t1=T0 + 30 * 86400, formulas=formulas)
    field = from_grid(snap, grid, t0=T0, t1=T0 + 30 * 86400)
    f = local.figures
    assert local.values["due_to_close"][0] == f["opened"][0] - f["backlog"][0] + f["overdue"][0]
    assert local.values["on_time_rate"][0] != field.values["on_time_rate"][0]
    shown = {k["key"]: k for k in node_view(local)["kpis"]}
    assert shown["due_to_close"]["formula"] == "opened - backlog + overdue"
    assert shown["due_to_close"]["label"].startswith("应结案数")


@pytest.mark.parametrize(("formula", "message"), [
    ("closed + __import__", "unknown name"),
    ("closed + + overdue", "two operators"),
    ("closed / overdue / opened", "at most one '/'"),
    ("closed overdue", "joined by"),
    ("closed +", "unfinished"),
    ("closed * 2", "joined by"),
])
def test_bad_formulas_are_refused_with_the_kpi_named(formula: str, message: str) -> None:
    """No expression is evaluated: anything but names, + - and one / is refused."""
    with pytest.raises(KpiSettingsError, match=message) as caught:
        Formulas.build({"due_to_close": {"formula": formula}})
    assert "due_to_close" in str(caught.value)


def test_a_rate_cannot_be_used_as_a_count_and_fields_stay_fields() -> None:
    """A formula may use counts defined before it, not rates; a new key may not shadow a
    kernel field."""
    with pytest.raises(KpiSettingsError, match="unknown name 'closure_rate'"):
        Formulas.build({"x": {"formula": "closure_rate + closed"}})
    with pytest.raises(KpiSettingsError, match="not a kernel field"):
        Formulas.build({"active": {"formula": "closed"}})
    assert "active" in FIELDS


def test_a_bad_settings_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "cockpit.yaml"
    path.write_text("kpis: [1, 2]\n", encoding="utf-8")
    with pytest.raises(KpiSettingsError, match=r"cockpit\.yaml"):
        Formulas.load(path)


def test_the_map_view_covers_every_cell_with_each_kpi(grid) -> None:  # type: ignore[no-untyped-def]
    cockpit = from_grid(sample_snapshot(grid.to_arrays(), 5_000), grid, t0=T0,
                        t1=T0 + 30 * 86400)
    data = map_view(cockpit)
    assert len(data["cells"]) == 934
    assert set(next(iter(data["cells"].values()))) == {
        "on_time_rate", "backlog", "red", "rework_rate", "on_post_rate"}
    assert data["rates"]["on_time_rate"] and not data["rates"]["backlog"]


def test_the_live_reading_moves_only_when_a_case_changes(grid) -> None:  # type: ignore[no-untyped-def]
    """generation 1 at the first read; the same after a re-read with nothing new; +1 after a
    trigger, and the figures follow."""
    clock = SimClock(datetime(2026, 9, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    engine = Engine(WORKFLOWS, store="sqlite:///:memory:", clock=clock)
    try:
        inspector = Actor.of("zhang", "inspector", scope="410102001001")
        case = engine.open_case("rectification", cell="410102001001003", category="oil_fume",
                                actor=inspector, data={"shop": "老王烩面"})
        live = LiveCockpit(engine.store, grid, max_age=3600)
        first = live.refresh()
        assert first.generation == 1 and len(first.snapshot) == 1
        assert live.refresh().generation == 1
        engine.fire(case.id, "serve_notice", actor=inspector,
                    data={"rectify_within": "3 workdays"})
        second = live.refresh()
        assert second.generation == 2
        assert live.reading() is second
        view = node_view(live.cockpit(30), "410102001001003")
        assert {k["key"]: k["value"] for k in view["kpis"]}["backlog"] == 1
    finally:
        engine.close()


def test_the_docs_settings_example_is_valid() -> None:
    """The ``kpis:`` block of docs/cockpit.md builds (its formulas parse and resolve)."""
    import re

    import yaml

    text = (Path(__file__).resolve().parents[1] / "docs" / "cockpit.md").read_text(
        encoding="utf-8")
    blocks = [b for b in re.findall(r"^```yaml\n(.*?)^```", text, re.M | re.S)
              if "kpis:" in b]
    assert blocks
    formulas = Formulas.build(yaml.safe_load(blocks[0])["kpis"])
    assert formulas["handled_rate"].is_rate
    assert formulas["due_to_close"].text == "opened - backlog + overdue"
