"""urban_management: patrols, AI vision with a confirm threshold, Chicago Open311, LA 311."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from govflow.plugins.loading import import_plugin
from govflow.plugins.samples import district
from govflow.plugins.testing import PluginHarness
from govflow.records import Actor

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
WORKER = Actor.of("li", "grid_worker", "inspector")


@pytest.fixture(scope="module")
def um() -> ModuleType:
    return import_plugin("urban_management", ROOT / "plugins")


def harness_for(um: ModuleType, **config: Any) -> tuple[PluginHarness, Any]:
    plugin = um.UrbanManagement(data_dir=DATA, **config)
    return PluginHarness(plugin, workflows=ROOT / "workflows.yaml", grid=district(0)), plugin


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"real data file {path.name} is not in ../shared/data")
    return path


def test_patrol_findings_open_the_workflow_of_their_kind_and_repeats_merge(
        um: ModuleType) -> None:
    """Vending → street_vending, fumes/hoardings → rectification, gas → standard_case."""
    harness, _ = harness_for(um, sample_size=400)
    report = harness.run("urban_patrol")
    kinds = Counter((c.category, c.workflow) for c in harness.cases())
    assert set(kinds) == {("street_vending", "street_vending"), ("oil_fumes", "rectification"),
                          ("hoarding", "rectification"), ("gas_safety", "standard_case")}
    assert report.merged > 0 and report.dead == 0
    assert report.opened + report.merged == report.read == 400
    merged = sum(int(c.data.get("merged") or 0) for c in harness.cases())
    assert merged == report.merged


def test_the_sample_generator_is_deterministic_and_uses_district_cells(um: ModuleType) -> None:
    """Same seed, same records; every cell is a cell of the generated district."""
    cells = sorted(district(0).cells())
    start = um.SAMPLE_START
    first = um.sample.patrol_findings(cells, 50, seed=3, start=start)
    assert first == um.sample.patrol_findings(cells, 50, seed=3, start=start)
    assert first != um.sample.patrol_findings(cells, 50, seed=4, start=start)
    assert {r["cell"] for r in first} <= set(cells)


def test_doubtful_detections_wait_for_a_person_before_registering(um: ModuleType) -> None:
    """Below the threshold: a reported standard_case a registrar confirms; above: a case."""
    harness, _ = harness_for(um, threshold=0.8)
    cell = district(0).cells()[5]
    base = {"camera": "cam-1", "cell": cell, "kind": "street_vending",
            "detected_at": "2026-09-29T10:00:00+08:00"}
    report = harness.feed("ai_vision", [
        {**base, "id": "d1", "confidence": 0.95},
        {**base, "id": "d2", "confidence": 0.55, "cell": district(0).cells()[6]},
        {**base, "id": "d3", "confidence": 0.5, "confirmed_by": "op7",
         "cell": district(0).cells()[7]},
    ])
    assert report.opened == 3
    by_ref = {c.data["ref"]: c for c in harness.cases()}
    assert by_ref["d1"].workflow == "street_vending"
    assert by_ref["d3"].workflow == "street_vending" and by_ref["d3"].data["confirmed_by"] == "op7"
    doubtful = by_ref["d2"]
    assert (doubtful.workflow, doubtful.state) == ("standard_case", "reported")
    assert doubtful.category == "ai_unconfirmed:street_vending"
    confirmed = harness.engine.fire(doubtful.id, "register", actor=Actor.of("wu", "registrar"))
    assert confirmed.state == "registered"


def test_chicago_requests_replay_with_their_notes_in_order(um: ModuleType) -> None:
    """Each request opens a case; activity, follow-ons and closing follow in note order."""
    path = need(DATA / "chicago_open311" / "chicago_open311_requests_with_notes.json")
    requests = json.loads(path.read_text(encoding="utf-8"))
    harness, _ = harness_for(um)
    report = harness.run("chicago_open311")
    assert report.dead == 0
    assert report.read == sum(len(r["notes"]) for r in requests)
    cases = {c.data["ref"]: c for c in harness.cases()}
    assert len(cases) == len(requests)
    expected_trigger = {"activity": "work", "follow_on_created": "follow_on_created",
                        "follow_on_closed": "follow_on_closed", "closed": "close"}
    for request in requests:
        case = cases[request["service_request_id"]]
        history = [e.trigger for e in harness.engine.history(case.id)]
        notes = [n["type"] for n in request["notes"] if n["type"] != "submitted"]
        assert history == ["open"] + [expected_trigger[t] for t in notes[1:]]
        assert (case.state == "closed") == (request["status"] == "closed")
        assert case.category == request["service_name"]


def test_la311_rows_become_cases_or_dead_letters_and_none_is_lost(um: ModuleType) -> None:
    """Every LA row is a case, a merge, or a dead letter (rows without coordinates)."""
    path = need(DATA / "la311" / "MyLA311_2017_subset.csv")
    rows = sum(1 for _ in um.feeds.la311_rows(path))
    harness, _ = harness_for(um)
    report = harness.run("la311", batch=1000)
    assert report.read == rows
    assert report.opened + report.merged + report.dead == rows
    assert len(harness.cases()) == report.opened
    assert report.merged > 0
    assert all("Latitude" in d.reason for d in harness.dead_letters())
    categories = Counter(c.category for c in harness.cases())
    assert categories["bulky_items"] > categories["graffiti"] > 0


def test_a_report_merged_since_clearing_makes_the_revisit_a_rebound(um: ModuleType) -> None:
    """回头看: the plugin answers the due revisit from the merged duplicate reports."""
    harness, _ = harness_for(um)
    cell = district(0).cells()[9]
    finding = {"kind": "street_vending", "cell": cell, "reporter": "gw1",
               "location": "颍河路夜市"}
    now = harness.clock.now()
    harness.feed("urban_patrol", [{**finding, "id": "p1", "found_at": now.isoformat()}])
    case = harness.cases()[0]
    harness.engine.fire(case.id, "persuade", actor=WORKER)
    harness.engine.fire(case.id, "clear", actor=WORKER)
    later = now + timedelta(hours=1)
    report = harness.feed("urban_patrol", [{**finding, "id": "p2", "found_at": later.isoformat()}])
    assert report.merged == 1
    harness.clock.advance(timedelta(days=1, hours=1))
    harness.engine.tick()
    after = harness.engine.case(case.id)
    assert after.state == "persuading" and after.rework == 1
    assert not harness.failures


def test_a_missing_la_data_file_names_the_path_and_govflow_data_dir(
        um: ModuleType, tmp_path: Path) -> None:
    """Reading la311 without its file fails naming the file and GOVFLOW_DATA_DIR."""
    from govflow.errors import PluginError

    plugin = um.UrbanManagement(data_dir=tmp_path)
    harness = PluginHarness(plugin, workflows=ROOT / "workflows.yaml", grid=district(0))
    with pytest.raises(PluginError) as failed:
        harness.run("la311")
    cause = failed.value.__cause__
    assert isinstance(cause, FileNotFoundError)
    message = str(failed.value)
    assert str(tmp_path / "la311" / "MyLA311_2017_subset.csv") in message
    assert "GOVFLOW_DATA_DIR" in message



def test_confirmation_moves_a_detection_into_its_workflow_and_rejection_closes_it(
        um: ModuleType) -> None:
    """Confirm: the same case moves from standard_case/reported into street_vending/found
    (history kept, the new deadline set); reject: invalid as a false alarm; the threshold
    report counts both per kind and per camera."""
    harness, plugin = harness_for(um, threshold=0.8)
    cells = district(0).cells()
    base = {"kind": "street_vending", "detected_at": "2026-09-29T10:00:00+08:00",
            "confidence": 0.5}
    harness.feed("ai_vision", [
        {**base, "id": "a", "camera": "cam-1", "cell": cells[1]},
        {**base, "id": "b", "camera": "cam-1", "cell": cells[2]},
        {**base, "id": "c", "camera": "cam-2", "cell": cells[3], "kind": "oil_fumes"},
    ])
    by_ref = {c.data["ref"]: c for c in harness.cases()}
    registrar = Actor.of("reg", "registrar", "grid_worker", "inspector")
    engine = harness.engine
    moved = um.vision.confirm(engine, by_ref["a"].id, actor=registrar)
    assert (moved.workflow, moved.state, moved.category) == ("street_vending", "found",
                                                             "street_vending")
    assert moved.due_at is not None and moved.data["confirmed_by"] == "reg"
    assert [e.trigger for e in engine.history(moved.id)] == ["open", "move"]
    assert engine.fire(moved.id, "persuade", actor=registrar).state == "persuading"
    fumes = um.vision.confirm(engine, by_ref["c"].id, actor=registrar)
    assert (fumes.workflow, fumes.state) == ("rectification", "found")
    rejected = um.vision.reject(engine, by_ref["b"].id, actor=registrar)
    assert rejected.state == "invalid" and rejected.is_closed
    with pytest.raises(um.vision.DataError):
        um.vision.confirm(engine, moved.id, actor=registrar)
    report = um.vision.threshold_report(harness.cases(), plugin.threshold)
    assert report.by_camera["cam-1"].confirmed == 1
    assert report.by_camera["cam-1"].false_alarm_rate == 0.5
    assert report.by_kind["oil_fumes"].confirm_rate == 1.0
    assert report.by_kind["street_vending"].false_alarms == 1
