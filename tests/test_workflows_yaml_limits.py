"""Hostile workflow files: every one is a WorkflowLoadError with its line, never a raw error."""

from __future__ import annotations

from pathlib import Path

import pytest

from govflow.errors import GridError, Problem, WorkflowLoadError
from govflow.workflows.load import load_workflows
from govflow.workflows.safeyaml import YamlFault, YamlLimits, safe_load
from govflow.workflows.yamlio import load_yaml
from tests.yaml_mutants import SHIPPED, hang_guard


def problems_of(source: str | Path, **kwargs: object) -> tuple[Problem, ...]:
    with hang_guard(), pytest.raises(WorkflowLoadError) as info:
        load_workflows(source, **kwargs)  # type: ignore[arg-type]
    return info.value.problems


def shipped() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def billion_laughs(levels: int = 10) -> str:
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 9) + "]"
              for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_naming_the_node_limit_and_how_to_raise_it() -> None:
    """A 10-line billion-laughs file is refused at the node limit, with its line and column."""
    text = billion_laughs(10)
    assert text.count("\n") == 10
    (problem,) = problems_of(text)
    assert "100,000 nodes" in problem.message
    assert "GOVFLOW_YAML_MAX_NODES" in problem.message
    assert "aliases expanded" in problem.message
    assert (problem.line, problem.column) == (6, 7)  # lol5 is the first over 100,000


def test_alias_bomb_inside_the_shipped_file_is_refused_too() -> None:
    """The bomb used as a value of the real file is refused the same way."""
    bomb = billion_laughs(12).replace("lol", "x_lol")
    text = bomb + shipped().replace("description: Case", "description: *x_lol11\nx_d: Case", 1)
    (problem,) = problems_of(text)
    assert "GOVFLOW_YAML_MAX_NODES" in problem.message
    assert problem.line is not None


def test_node_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """GOVFLOW_YAML_MAX_NODES lowers (or raises) the limit; the message shows the value."""
    monkeypatch.setenv("GOVFLOW_YAML_MAX_NODES", "500")
    (problem,) = problems_of(SHIPPED)
    assert "the limit is 500 nodes" in problem.message
    assert problem.line is not None
    bomb = billion_laughs(6)  # 597,870 nodes expanded: over the default, under 2,000,000
    assert "GOVFLOW_YAML_MAX_NODES" in problems_of(bomb)[0].message
    monkeypatch.setenv("GOVFLOW_YAML_MAX_NODES", "2_000_000")
    problems = problems_of(bomb)  # now read: only its unknown keys are wrong
    assert "unknown key 'lol5'" in {p.message.split(";")[0] for p in problems}
    assert not any("GOVFLOW_YAML_MAX_NODES" in p.message for p in problems)


def test_a_bad_limit_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """A limit variable that is not a number is an error naming the variable."""
    monkeypatch.setenv("GOVFLOW_YAML_MAX_DEPTH", "deep")
    (problem,) = problems_of(SHIPPED)
    assert "GOVFLOW_YAML_MAX_DEPTH='deep' is not a whole number" in problem.message
    monkeypatch.setenv("GOVFLOW_YAML_MAX_DEPTH", "0")
    assert "of 1 or more" in problems_of(SHIPPED)[0].message


def test_file_size_limit_is_checked_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over GOVFLOW_YAML_MAX_BYTES is refused with its size and the variable."""
    monkeypatch.setenv("GOVFLOW_YAML_MAX_BYTES", "1000")
    (problem,) = problems_of(SHIPPED)
    assert f"{SHIPPED.stat().st_size:,} bytes" in problem.message
    assert "GOVFLOW_YAML_MAX_BYTES" in problem.message


def test_limits_can_be_passed_in() -> None:
    """load_workflows(limits=...) overrides the environment's limits."""
    (problem,) = problems_of(SHIPPED, limits=YamlLimits(max_depth=3))
    assert "the limit is 3 levels of nesting" in problem.message


def test_deep_nesting_is_refused_at_the_depth_limit() -> None:
    """Thousands of nested lists stop at the depth limit, not in a RecursionError."""
    text = shipped().replace("holidays: []", "holidays: " + "[" * 5000 + "]" * 5000)
    (problem,) = problems_of(text)
    assert "the limit is 64 levels of nesting" in problem.message
    assert "GOVFLOW_YAML_MAX_DEPTH" in problem.message
    assert problem.line == 20


def test_self_referencing_alias_is_refused_with_its_place() -> None:
    """``description: &a [*a]`` names the alias and its line and column."""
    text = shipped().replace("description: Case workflows", "description: &a [*a]\nx: Case", 1)
    (problem,) = problems_of(text)
    assert "alias *a is inside the node it names" in problem.message
    assert (problem.line, problem.column) == (12, 18)


def test_alias_is_built_once_and_shared() -> None:
    """A node used twice is one shared value, not a copy per use."""
    doc = load_yaml("a: &x {k: [1, 2]}\nb: *x\nc: [*x, *x]\n")
    assert doc.data["a"] is doc.data["b"] is doc.data["c"][0] is doc.data["c"][1]


@pytest.mark.parametrize(("day", "reason"), [("2026-02-30", "day is out of range for month"),
                                             ("2026-13-01", "month must be in 1..12")])
def test_invalid_dates_in_holidays_are_named_with_line_and_column(day: str, reason: str) -> None:
    """A date that does not exist is a problem at calendar.holidays[0], not a ValueError."""
    text = shipped().replace("holidays: []", f"holidays: [2026-01-01, {day}]")
    (problem,) = problems_of(text)
    assert problem.path == "calendar.holidays[1]"
    assert f"'{day}' is not a valid date ({reason})" in problem.message
    assert (problem.line, problem.column) == (20, 26)


def test_every_bad_value_is_listed() -> None:
    """Two bad values in one file give two problems."""
    text = shipped().replace("holidays: []", "holidays: [2026-02-30, 2026-13-01]")
    assert [p.path for p in problems_of(text)] == ["calendar.holidays[0]",
                                                  "calendar.holidays[1]"]


def test_a_value_that_does_not_fit_its_explicit_tag_is_named() -> None:
    """``!!timestamp nope`` and a 5,000-digit integer are problems, not AttributeError or
    ValueError."""
    text = shipped().replace("description: Case", "description: !!timestamp nope\nx: Case", 1)
    (problem,) = problems_of(text)
    assert "'nope' is not a valid date" in problem.message
    text = shipped().replace("    version: 1\n", "    version: " + "9" * 5000 + "\n", 1)
    (problem,) = problems_of(text)
    assert "is not a valid whole number" in problem.message
    assert "(5,000 characters)" in problem.message


def test_control_byte_is_named_with_line_and_column(tmp_path: Path) -> None:
    """A 0x14 byte gives its line and column, in a file and in text."""
    text = shipped().replace("holidays: []", "holidays: [\x14]")
    file = tmp_path / "workflows.yaml"
    file.write_text(text, encoding="utf-8")
    for source in (text, file):
        (problem,) = problems_of(source)
        assert "character #x0014 is not allowed" in problem.message
        assert (problem.line, problem.column) == (20, 14)
    assert str(problem).startswith(f"{file}:20:14: ")


def test_non_utf8_file_names_the_byte_offset_line_and_column(tmp_path: Path) -> None:
    """A byte that is not UTF-8 is named with its offset, line and column."""
    data = shipped().encode("utf-8")
    at = data.index(b"holidays: []") + len(b"holidays: [")
    file = tmp_path / "workflows.yaml"
    file.write_bytes(data[:at] + b"\xff" + data[at:])
    (problem,) = problems_of(file)
    assert f"byte {at:,} (b'\\xff') is not UTF-8" in problem.message
    assert "save the file as UTF-8" in problem.message
    assert (problem.line, problem.column) == (20, 14)


def test_lone_surrogate_in_text_is_named_with_its_place() -> None:
    """Text built in Python with a lone surrogate is a problem at its place, not an
    UnicodeEncodeError."""
    (problem,) = problems_of(shipped().replace("holidays: []", "holidays: [\ud800]"))
    assert "lone surrogate" in problem.message
    assert (problem.line, problem.column) == (20, 14)


def test_a_megabyte_guard_is_quoted_short() -> None:
    """An error about a 1 MB guard quotes its start, an ellipsis and its length."""
    guard = "data.returns >= 3 and " + "x" * 1_000_000
    text = shipped().replace('guard: "data.returns >= 3"', f'guard: "{guard}"', 1)
    (problem,) = problems_of(text)
    assert problem.path == "workflows.standard_case.transitions[5].guard"
    assert "…' (1,000,022 characters)" in problem.message
    assert len(str(problem)) < 400


def test_a_huge_state_name_is_quoted_short() -> None:
    """A pasted-in 100,000-character name is cut in every message that names it."""
    name = "s" * 100_000
    text = shipped().replace("initial: reported", f"initial: {name}", 1)
    problems = problems_of(text)
    assert problems
    assert all(len(p.message) < 400 for p in problems)


def test_duplicate_key_carries_a_column() -> None:
    """A key written twice is reported with the line and column of the second."""
    doc = load_yaml("a: 1\nb: 2\n  \nb: 3\n")
    (problem,) = doc.problems
    assert (problem.line, problem.column) == (4, 1)


def test_hardened_safe_load_keeps_safe_load_semantics() -> None:
    """safe_load gives what yaml.safe_load gives for ordinary YAML, and refuses tags."""
    import yaml

    text = "a: [1, 2.5, yes, 2026-01-02, null, 'x']\nb: {c: &z [1], d: *z}\n"
    assert safe_load(text) == yaml.safe_load(text)
    with pytest.raises(YamlFault) as info:
        safe_load("a: !!python/object/apply:os.system [ls]\n")
    assert info.value.line == 1


def test_grid_and_party_files_keep_the_limits(tmp_path: Path) -> None:
    """The grid and party readers report a bomb and a bad byte as GridError with a line."""
    from govflow.grid.load import load_grid
    from govflow.grid.party import load_party

    bomb = tmp_path / "grid.yaml"
    bomb.write_text(billion_laughs(12) + "nodes: *lol11\n", encoding="utf-8")
    with hang_guard(), pytest.raises(GridError) as info:
        load_grid(bomb)
    assert any("GOVFLOW_YAML_MAX_NODES" in p.message and p.line for p in info.value.problems)
    bad = tmp_path / "party.yaml"
    bad.write_bytes(b"orgs:\n  - \xff\n")
    with pytest.raises(GridError) as info:
        load_party(bad, None)  # type: ignore[arg-type]
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (2, 5)


def test_rules_and_cockpit_files_keep_the_limits(tmp_path: Path) -> None:
    """Plugin rules and cockpit settings refuse a self-alias with its place."""
    from govflow.cockpit.formulas import Formulas, KpiSettingsError
    from govflow.plugins.rules_yaml import RulesLoadError, load_rules

    with pytest.raises(RulesLoadError) as info:
        load_rules("rules: &r [*r]\n", filename="rules.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (1, 12)
    settings = tmp_path / "cockpit.yaml"
    settings.write_text("kpis: &k {a: *k}\n", encoding="utf-8")
    with pytest.raises(KpiSettingsError, match=r"cockpit.yaml:1:14: cannot read"):
        Formulas.load(settings)
