"""Mapping files: the shipped ones load with their workflows; mistakes are named by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from govflow.replay import MappingError, load_mapping, parse_mapping
from govflow.replay.files import calendar_of
from govflow.workflows import load_workflows

ROOT = Path(__file__).resolve().parents[1]
MAPPINGS = sorted(p for p in (ROOT / "replay").glob("*.yaml") if p.name != "workflows.yaml")

GOOD = """\
source: t
timezone: Europe/Berlin
id: id
created: {column: opened, format: "%d.%m.%Y %H:%M"}
closed: {column: done}
area: [district, city]
"""


@pytest.mark.parametrize("path", MAPPINGS, ids=lambda p: p.name)
def test_shipped_mapping_loads_with_its_workflow(path: Path) -> None:
    """Each ready mapping validates and names a workflow its workflows file defines."""
    mapping, folder = load_mapping(path)
    loaded = load_workflows(folder / mapping.workflows)
    assert mapping.workflow in loaded.workflows
    spec = loaded.workflows[mapping.workflow]
    assert spec.states[spec.initial].deadline is not None


def test_shipped_mappings_cover_the_four_layouts() -> None:
    """LA, NYC, Chicago Open311 and the message board each have a mapping."""
    assert {p.stem for p in MAPPINGS} >= {"la311", "nyc311", "chicago311", "zhengwu"}


def test_zhengwu_uses_the_official_chinese_calendar() -> None:
    """The message board's years (2011-2020) are inside chinese-calendar's, so it is official."""
    mapping, _ = load_mapping(ROOT / "replay" / "zhengwu.yaml")
    calendar = calendar_of(mapping)
    assert calendar is not None and calendar.official and calendar.timezone == "Asia/Shanghai"
    from datetime import date

    assert calendar.is_workday(date(2019, 9, 29))  # make-up Sunday before National Day
    assert not calendar.is_workday(date(2019, 10, 1))


def test_us_workflows_calendar_is_not_official() -> None:
    """The replay workflows' own calendar is a US week: no Chinese holidays, Jan 1 off."""
    loaded = load_workflows(ROOT / "replay" / "workflows.yaml")
    assert loaded.calendar.official is False
    assert loaded.calendar.timezone == "America/Los_Angeles"


def test_mapping_defaults_and_area_list() -> None:
    """A minimal mapping: csv, service_request, close trigger, areas tried in order."""
    mapping = parse_mapping(GOOD)
    assert (mapping.format, mapping.workflow, mapping.close_trigger) == (
        "csv", "service_request", "close")
    assert mapping.area == ["district", "city"]
    assert mapping.trigger_for("anything") == "close"


def test_mapping_errors_list_every_problem_with_its_line() -> None:
    """An unknown key, a bad zone and a missing id are all reported, each with its line."""
    text = GOOD.replace("id: id\n", "").replace("Europe/Berlin", "Mars/Olympus")
    text += "colour: red\n"
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, filename="m.yaml")
    shown = str(caught.value)
    assert "m.yaml:2 timezone: unknown time zone 'Mars/Olympus'" in shown
    assert "m.yaml:6 colour: Extra inputs are not permitted" in shown
    assert "m.yaml:1 id: Field required" in shown
    assert len(caught.value.problems) == 3


def test_mapping_yaml_syntax_error_has_its_line() -> None:
    """Broken YAML is a MappingError naming the line, not a parser traceback."""
    with pytest.raises(MappingError, match=r"m.yaml:3:7: YAML syntax error"):
        parse_mapping("source: t\nid: x\n  area: [a\n", filename="m.yaml")


def test_status_map_null_keeps_a_record_open() -> None:
    """A status mapped to null fires nothing; unlisted statuses fire close_trigger."""
    mapping = parse_mapping(GOOD + "status: {column: s, triggers: {Open: null, Gone: cancel}}\n")
    assert mapping.trigger_for("Open") is None
    assert mapping.trigger_for("Gone") == "cancel"
    assert mapping.trigger_for("Closed") == "close"


def test_missing_mapping_file_is_a_mapping_error(tmp_path: Path) -> None:
    """A mapping path that does not exist is reported as such."""
    with pytest.raises(MappingError, match="cannot read the file"):
        load_mapping(tmp_path / "nope.yaml")
