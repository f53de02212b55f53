"""Loading workflow files: the district's file, the YAML rules, and the compiled specs."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from govflow.workflows import (
    BUILTIN_ACTIONS,
    BUILTIN_FUNCTIONS,
    CompiledGuard,
    WorkflowSet,
    load_workflows,
)
from govflow.workflows.yamlio import load_yaml
from govflow.worktime.duration import Duration

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "workflows.yaml"

MINIMAL = """
roles: [grid_worker]
workflows:
  tiny:
    version: 1
    initial: open
    states:
      open: {}
      done: {final: true}
    transitions:
      - {trigger: finish, from: open, to: done, roles: [grid_worker]}
"""


@pytest.fixture(scope="module")
def district() -> WorkflowSet:
    return load_workflows(DISTRICT)


def test_builtin_names_are_exported() -> None:
    """The built-in action and guard-function names are the ones the engine contract lists."""
    assert {
        "notify_owner", "notify_reporter", "watchlist_add", "watchlist_remove", "route",
        "record_return",
    } == BUILTIN_ACTIONS  # fmt: skip
    assert {"len", "min", "max", "abs"} == BUILTIN_FUNCTIONS


def test_district_file_loads_every_workflow(district: WorkflowSet) -> None:
    """The district's workflows.yaml loads with the eight workflows other modules rely on."""
    assert set(district.workflows) == {
        "standard_case", "rectification", "street_vending", "hotline", "emergency_task",
        "command_order", "patrol", "gas_safety_check",
    }  # fmt: skip
    needed = {
        "reporter", "grid_worker", "registrar", "dispatcher", "handler", "checker", "inspector",
        "cadre", "commander", "hotline_operator", "police", "system",
    }  # fmt: skip
    assert needed <= district.roles
    assert district.source == str(DISTRICT)


def _edges(district: WorkflowSet, name: str) -> set[tuple[str, str, str]]:
    spec = district.workflows[name]
    return {(t.trigger, s, t.dest) for t in spec.transitions for s in t.sources}


def test_standard_case_is_the_gbt_30428_loop(district: WorkflowSet) -> None:
    """standard_case: report → register → dispatch → sign → handle → check → close → evaluate."""
    spec = district.workflows["standard_case"]
    assert spec.initial == "reported"
    edges = _edges(district, "standard_case")
    path = ["reported", "registered", "dispatched", "signed", "handling", "handled", "checking",
            "closed", "evaluated"]  # fmt: skip
    for source, dest in pairwise(path):
        assert any(s == source and d == dest for _, s, d in edges), (source, dest)
    assert ("invalidate", "reported", "invalid") in edges
    assert {("return", "dispatched", "registered"), ("return", "signed", "registered")} <= edges
    assert ("rework", "checking", "handling") in edges
    states = spec.states
    assert states["evaluated"].final and states["invalid"].final and not states["closed"].final
    assert states["reported"].deadline is not None
    assert states["reported"].deadline.limit == Duration(30, "minutes")
    assert states["registered"].deadline.limit == Duration(30, "minutes")  # type: ignore[union-attr]
    assert states["dispatched"].deadline.limit == Duration(1, "workdays")  # type: ignore[union-attr]
    handling = states["handling"].deadline
    assert handling is not None and handling.limit == Duration(5, "workdays")
    assert handling.on_breach.escalate
    assert states["checking"].deadline.limit == Duration(1, "hours")  # type: ignore[union-attr]
    by_trigger = {t.trigger: t for t in spec.transitions}
    assert by_trigger["return"].actions == ("record_return",)
    assert by_trigger["dispatch"].actions == ("route",)
    assert by_trigger["rework"].rework
    arbitrate = by_trigger["arbitrate"]
    assert isinstance(arbitrate.guard, CompiledGuard)
    assert arbitrate.guard.evaluate({"data": {"returns": 3}}) is True
    assert arbitrate.guard.evaluate({"data": {"returns": 2}}) is False
    assert spec.extension is not None and spec.extension.states == {"handling"}
    assert spec.extension.max_workdays == 10
    assert [(r.state, r.after, r.level) for r in spec.supervision] == [
        ("dispatched", Duration(1, "workdays"), "yellow"),
        ("dispatched", Duration(2, "workdays"), "red"),
    ]


def test_rectification_watch_list_cycle(district: WorkflowSet) -> None:
    """Rectification: a notice with the inspector's period, re-inspection, a watch-list cycle."""
    spec = district.workflows["rectification"]
    notice = spec.states["notice_served"].deadline
    assert notice is not None
    assert notice.limit == Duration(7, "days") and notice.limit_field == "rectify_within"
    assert notice.on_breach.trigger == "reinspect"
    rv = spec.revisit
    assert rv is not None and rv.after_state == "watching" and not spec.states["watching"].final
    assert (rv.every, rv.times, rv.clean_to_end) == (Duration(14, "days"), 6, 3)
    assert (rv.on_rebound, rv.on_clean) == ("relapse", "release")
    edges = _edges(district, "rectification")
    assert ("relapse", "watching", "notice_served") in edges
    assert ("release", "watching", "closed") in edges
    assert ("serve_notice", "penalised", "notice_served") in edges
    actions = {a for t in spec.transitions for a in t.actions}
    assert {"watchlist_add", "watchlist_remove"} <= actions
    assert next(t for t in spec.transitions if t.trigger == "relapse").rework


def test_street_vending_revisits_at_offsets(district: WorkflowSet) -> None:
    """Street vending looks back after 1, 3 and 7 days; a rebound reopens, two clean close."""
    spec = district.workflows["street_vending"]
    rv = spec.revisit
    assert rv is not None
    assert rv.offsets == (Duration(1, "days"), Duration(3, "days"), Duration(7, "days"))
    assert rv.offset(2) == Duration(3, "days") and rv.offset(4) is None
    assert (rv.after_state, rv.clean_to_end, rv.on_rebound, rv.on_clean) == (
        "cleared", 2, "rebound", "close"
    )
    edges = _edges(district, "street_vending")
    assert ("rebound", "cleared", "persuading") in edges
    assert ("close", "cleared", "closed") in edges
    assert ("penalise", "persuading", "penalised") in edges


def test_hotline_order(district: WorkflowSet) -> None:
    """The hotline order: sign in 1 workday, return, extension to 10, callback, redo."""
    spec = district.workflows["hotline"]
    assert spec.initial == "received"
    assert spec.states["received"].deadline.limit == Duration(1, "workdays")  # type: ignore[union-attr]
    assert spec.states["callback"].deadline.limit == Duration(1, "workdays")  # type: ignore[union-attr]
    assert spec.extension is not None and spec.extension.max_workdays == 10
    assert {(r.level, r.after) for r in spec.supervision} == {
        ("yellow", Duration(1, "workdays")), ("red", Duration(2, "workdays"))
    }
    edges = _edges(district, "hotline")
    assert ("return", "received", "returned") in edges
    assert ("close", "callback", "closed") in edges
    assert ("redo", "callback", "handling") in edges
    assert next(t for t in spec.transitions if t.trigger == "redo").rework


def test_emergency_and_command_order(district: WorkflowSet) -> None:
    """The emergency task is on post within 1 hour (yellow at half); orders escalate at 2 h."""
    task = district.workflows["emergency_task"]
    deadline = task.states["assigned"].deadline
    assert deadline is not None and deadline.limit == Duration(1, "hours")
    assert deadline.yellow_at == 0.5 and deadline.on_breach.escalate
    assert ("check_in", "assigned", "on_post") in _edges(district, "emergency_task")
    assert ("cancel", "assigned", "cancelled") in _edges(district, "emergency_task")
    order = district.workflows["command_order"]
    assert order.initial == "sent"
    assert order.states["sent"].deadline.limit == Duration(2, "hours")  # type: ignore[union-attr]
    assert ("acknowledge", "sent", "acknowledged") in _edges(district, "command_order")
    assert order.states["done"].final and order.states["cancelled"].final


def test_patrol_hands_off_or_closes(district: WorkflowSet) -> None:
    """A patrol that finds issues hands off; a clean one closes (guards pick the way)."""
    spec = district.workflows["patrol"]
    found = next(t for t in spec.transitions if t.trigger == "found_issues")
    ok = next(t for t in spec.transitions if t.trigger == "ok")
    assert found.guard is not None and ok.guard is not None
    assert found.guard.evaluate({"data": {"issues": 2}}) and not ok.guard.evaluate(
        {"data": {"issues": 2}}
    )
    assert ok.guard.evaluate({"data": {}})


def test_transition_lines_point_into_the_file(district: WorkflowSet) -> None:
    """Each compiled transition keeps its line in the file, for messages."""
    text = DISTRICT.read_text(encoding="utf-8").splitlines()
    for spec in district.workflows.values():
        for t in spec.transitions:
            assert t.line is not None
            assert t.trigger in "\n".join(text[t.line - 1 : t.line + 1])


def test_text_source_and_path_source_agree() -> None:
    """YAML text and a path load the same way; text is named <text> unless given a filename."""
    from_text = load_workflows(MINIMAL)
    assert from_text.source == "<text>"
    assert load_workflows(MINIMAL, filename="mine.yaml").source == "mine.yaml"
    assert from_text.workflows["tiny"].initial == "open"
    assert from_text.roles == {"grid_worker", "system"}


def test_on_off_yes_no_stay_text_and_times_are_not_sexagesimal() -> None:
    """on/off/yes/no stay strings; 13:30 stays "13:30"; only true/false are booleans."""
    doc = load_yaml("a: [on, off, yes, no, true, false, 13:30, 09:00, 010, 0x10, 1_000, 2.5]")
    assert doc.data == {"a": ["on", "off", "yes", "no", True, False, "13:30", "09:00", 10, 16,
                              1000, 2.5]}  # fmt: skip


def test_states_named_on_and_no_work() -> None:
    """A state or trigger called on/off/no is a name, not a boolean."""
    text = MINIMAL.replace("finish", "on").replace("done", "off")
    spec = load_workflows(text).workflows["tiny"]
    assert spec.transitions[0].trigger == "on" and "off" in spec.states


def test_initial_flag_on_a_state_and_star_source() -> None:
    """initial: true on a state names the start; from: "*" means every non-final state."""
    text = """
roles: [cadre]
workflows:
  w:
    version: 2
    title: demo
    states:
      a: {initial: true}
      b: {}
      c: {final: true}
      cancelled: {final: true}
    transitions:
      - {trigger: go, from: a, to: b, roles: [cadre]}
      - {trigger: end, from: b, to: c, roles: ["*"]}
      - {trigger: cancel, from: "*", to: cancelled, roles: [cadre]}
"""
    spec = load_workflows(text).workflows["w"]
    assert spec.initial == "a" and spec.version == 2 and spec.title == "demo"
    cancel = next(t for t in spec.transitions if t.trigger == "cancel")
    assert cancel.sources == ("a", "b")
    assert next(t for t in spec.transitions if t.trigger == "end").roles == {"*"}


def test_calendar_is_compiled() -> None:
    """The calendar block becomes a CalendarSpec (dates as ISO text, periods as pairs)."""
    text = MINIMAL + """
calendar:
  timezone: Asia/Shanghai
  periods: [["08:30", "12:00"], ["14:00", "17:30"]]
  official: false
  holidays: [2026-10-09]
  workdays: ["2026-10-10"]
"""
    cal = load_workflows(text).calendar
    assert cal.periods == (("08:30", "12:00"), ("14:00", "17:30"))
    assert not cal.official
    assert cal.holidays == {"2026-10-09"} and cal.workdays == {"2026-10-10"}


def test_merge_keys_and_anchors_work() -> None:
    """YAML anchors and merge keys may share a deadline between states."""
    text = """
roles: [grid_worker]
workflows:
  w:
    version: 1
    initial: a
    states:
      a: {deadline: &quick {limit: 2 hours, yellow_at: 0.5}}
      b: {deadline: {<<: *quick, limit: 4h}}
      c: {final: true}
    transitions:
      - {trigger: go, from: a, to: b, roles: [grid_worker]}
      - {trigger: end, from: b, to: c, roles: [grid_worker]}
"""
    states = load_workflows(text).workflows["w"].states
    assert states["b"].deadline is not None
    assert states["b"].deadline.yellow_at == 0.5 and states["b"].deadline.limit.amount == 4


def test_extra_action_and_function_names_are_accepted() -> None:
    """Names a plugin registers pass when the engine hands them to the loader."""
    text = MINIMAL.replace("roles: [grid_worker]}", "roles: [grid_worker], actions: [ring_bell], "
                           "guard: 'near(cell)'}")
    spec = load_workflows(
        text, actions=BUILTIN_ACTIONS | {"ring_bell"}, functions=BUILTIN_FUNCTIONS | {"near"}
    ).workflows["tiny"]
    assert spec.transitions[0].actions == ("ring_bell",)


def test_builtin_names_match_the_engine() -> None:
    """The loader's built-in names are exactly the actions and functions the engine implements."""
    from govflow.engine.actions import BUILTIN_ACTIONS as ENGINE_ACTIONS
    from govflow.engine.actions import BUILTIN_FUNCTIONS as ENGINE_FUNCTIONS
    from govflow.workflows import BUILTIN_FUNCTION_IMPLS

    assert set(ENGINE_ACTIONS) == BUILTIN_ACTIONS
    assert set(ENGINE_FUNCTIONS) == BUILTIN_FUNCTIONS == set(BUILTIN_FUNCTION_IMPLS)
