"""Mermaid diagrams of the compiled workflows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govflow.workflows import WorkflowSet, load_workflows
from govflow.workflows.diagram import escape, to_mermaid

DISTRICT = Path(__file__).resolve().parents[1] / "workflows.yaml"
NAME = r"[a-z][a-z0-9_]*"
TEXT = r'(?:[^:;"#\n]|#(?:\d+|[a-z]+);)+'  # raw : ; " # only inside entity codes
# every line a diagram may have: front matter, header, state, edge, note
LINE = re.compile(
    rf'^(---|title: "(?:[^"\\]|\\.)+"|stateDiagram-v2'
    rf'|    state "{TEXT}" as {NAME}'
    rf"|    (\[\*\]|{NAME}) --> ({NAME}|\[\*\])( : {TEXT})?"
    rf"|    note right of {NAME}|        {TEXT}|    end note)$"
)


@pytest.fixture(scope="module")
def district() -> WorkflowSet:
    return load_workflows(DISTRICT)


@pytest.mark.parametrize(
    "name",
    ["standard_case", "rectification", "street_vending", "hotline", "emergency_task",
     "command_order", "patrol", "gas_safety_check"],
)  # fmt: skip
def test_every_line_is_valid_mermaid_state_syntax(district: WorkflowSet, name: str) -> None:
    """Each line of each district diagram is one of the stateDiagram-v2 forms we emit."""
    text = to_mermaid(district.workflows[name])
    bad = [line for line in text.splitlines() if not LINE.match(line)]
    assert not bad
    assert text.splitlines()[3] == "stateDiagram-v2"


def test_diagram_has_every_state_edge_start_and_end(district: WorkflowSet) -> None:
    """The diagram has the start arrow, one edge per (source, trigger), and an end per final."""
    spec = district.workflows["standard_case"]
    text = to_mermaid(spec)
    assert "    [*] --> reported\n" in text
    for t in spec.transitions:
        for source in t.sources:
            assert f"    {source} --> {t.dest} : {t.trigger}" in text
    for name, state in spec.states.items():
        assert f" as {name}\n" in text
        assert (f"    {name} --> [*]\n" in text) == state.final
    assert "rework ↺" in text
    assert "arbitrate [data.returns #gt;= 3]" in text


def test_notes_show_time_rules(district: WorkflowSet) -> None:
    """Deadlines, breaches, extensions, supervision cards and revisits appear as notes."""
    text = to_mermaid(district.workflows["standard_case"])
    assert "note right of handling" in text
    assert "limit 5 workdays, yellow at 0.7, red at 1, then escalate" in text
    assert "extension up to 10 workdays" in text
    assert "yellow card after 1 workdays" in text and "red card after 2 workdays" in text
    vending = to_mermaid(district.workflows["street_vending"])
    assert "revisits 1 days, 3 days, 7 days, a rebound fires rebound" in vending


def test_labels_escape_what_mermaid_parses() -> None:
    """Quotes, colons, semicolons, # and angle brackets become Mermaid entity codes."""
    assert escape('a: "b"; #c <d>') == "a#58; #quot;b#quot;#59; #35;c #lt;d#gt;"
    assert escape("two\n  lines") == "two lines"


def test_guard_with_colon_stays_one_label() -> None:
    """A guard holding ':' or quotes cannot break the edge syntax."""
    text = """
roles: [r]
workflows:
  w:
    version: 1
    title: 'x: "y"'
    initial: a
    states: {a: {}, b: {final: true}}
    transitions:
      - {trigger: go, from: a, to: b, roles: [r], guard: "category == 'a:b;c'"}
"""
    diagram = to_mermaid(load_workflows(text).workflows["w"])
    assert all(LINE.match(line) for line in diagram.splitlines())
