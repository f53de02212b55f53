"""A wrong workflows file fails with every problem at once, each with file, line and path."""

# ruff: noqa: E501  (the broken file's lines carry their expected problem at the end)

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govflow.errors import Problem, WorkflowLoadError
from govflow.workflows import load_workflows

# Each marked line carries the problem expected there: ``# !! <fragment of the message>``.
BROKEN = """\
roles: [grid_worker, registrar, checker]
colour: red                                       # !! unknown key 'colour'
workflows:
  standard_case:
    version: 0                                    # !! greater than 0
    initial: reported
    states:
      reported:
        deadline: {limit: 30 blobs}               # !! cannot read duration '30 blobs'
      registered:
        deadline: {limit: 2 hours, yellow_at: 1.5}   # !! yellow_at 1.5 must lie in (0, red_at=1.0]
      orphan: {}                                  # !! cannot be reached
      limbo: {}                                   # !! no path to a final state
      closed: {final: true}
    transitions:
      - {trigger: register, from: reported, to: registered, roles: [registar]}   # !! unknown role 'registar'
      - {trigger: close, from: registered, to: closed, roles: [checker]}
      - {trigger: close, from: registered, to: closed, roles: [checker]}   # !! already defined without a guard
      - {trigger: reopen, from: closed, to: registered, roles: [checker]}   # !! leaves final state 'closed'
      - {trigger: park, from: registered, to: limbo, roles: [checker], actions: [ring_bell]}   # !! unknown action 'ring_bell'
      - {trigger: check, from: registered, to: closed, roles: [checker], guard: "data.severity >"}   # !! does not parse
      - {trigger: fast, from: registered, to: closed, roles: [checker], guard: "nearby(cell)"}   # !! unknown function 'nearby'
      - {trigger: open, from: limbo, to: limbo, roles: [checker]}   # !! reserved
    extension: {max_workdays: 10, roles: [checker], states: [handling]}   # !! extension state 'handling'
    supervision:
      - {state: dispatchd, after: 1 workday, level: yellow}   # !! supervised state 'dispatchd'
  vending:
    version: 1
    fields: {location: str}
    states:                                       # !! no initial state
      found: {}
      cleared: {}
      closed: {final: true, deadlin: {limit: 1 day}}   # !! unknown key 'deadlin' (did you mean 'deadline'?)
    transitions:
      - {trigger: clear, from: found, to: cleared, roles: [grid_worker], guard: "data.severity > 1"}   # !! data.severity is not a declared field
      - {trigger: close, from: cleared, to: closed, roles: [grid_worker]}
      - {trigger: rebound, from: cleared, to: found, roles: grid_worker}   # !! valid list
    revisit: {after: closed, every: 7 days, times: 3}   # !! revisits after final state 'closed'
  tasks:
    version: 1
    initial: a
    states:
      a: {initial: true}
      b: {initial: true}                          # !! several initial states
      done: {final: true}
    transitions:
      - {trigger: go, from: [a, b], to: done, roles: [grid_worker]}
      - {trigger: go, from: a, to: b, roles: [grid_worker], guard: "x > 1"}   # !! unknown name 'x'
      - {trigger: stop, from: a, to: closd, roles: [grid_worker]}   # !! target state 'closd'
    revisit: {after: b, offsets: [1 day], on_rebound: bounce, on_clean: finish}   # !! fires 'bounce'
"""


def _expected() -> list[tuple[int, str]]:
    marks = []
    for number, line in enumerate(BROKEN.splitlines(), start=1):
        if "# !!" in line:
            marks.append((number, line.split("# !!", 1)[1].strip()))
    return marks


def _load_broken() -> tuple[WorkflowLoadError, list[Problem]]:
    with pytest.raises(WorkflowLoadError) as info:
        load_workflows(BROKEN, filename="workflows.yaml")
    return info.value, list(info.value.problems)


def test_every_problem_is_reported_at_once_with_its_line() -> None:
    """One broken file lists all of its 20+ different problems, each on its own line."""
    _, problems = _load_broken()
    missing = []
    for line, fragment in _expected():
        if not any(p.line == line and fragment in p.message for p in problems):
            missing.append((line, fragment))
    shown = "\n".join(str(p) for p in problems)
    assert not missing, f"not reported: {missing}\nreported:\n{shown}"
    assert len(_expected()) >= 8


def test_no_problem_is_reported_that_the_file_does_not_have() -> None:
    """Every reported problem is one of the marked ones (no noise from salvaged parts)."""
    _, problems = _load_broken()
    marked = {line for line, _ in _expected()}
    extra = [str(p) for p in problems if p.line not in marked]
    assert not extra, "\n".join(extra)


def test_problems_name_file_line_and_dotted_path() -> None:
    """Each problem prints as ``file:line dotted.path: message`` in file order."""
    error, problems = _load_broken()
    assert all(p.file == "workflows.yaml" for p in problems)
    lines = [p.line or 0 for p in problems]
    assert lines == sorted(lines)
    text = str(error)
    assert text.startswith(f"workflow file has {len(problems)} problems:")
    assert re.search(
        r"workflows\.yaml:9 workflows\.standard_case\.states\.reported\.deadline\.limit: "
        r"cannot read duration '30 blobs'",
        text,
    )
    assert "workflows.yaml:16 workflows.standard_case.transitions[0].roles[0]: unknown role " \
        "'registar' (did you mean 'registrar'?)" in text


def _problems(text: str) -> list[Problem]:
    with pytest.raises(WorkflowLoadError) as info:
        load_workflows(text, filename="w.yaml")
    return list(info.value.problems)


GOOD = """\
roles: [grid_worker]
workflows:
  w:
    version: 1
    initial: a
    states:
      a: {deadline: {limit: 2 hours}}
      b: {}
      done: {final: true}
    transitions:
      - {trigger: go, from: a, to: b, roles: [grid_worker]}
      - {trigger: end, from: b, to: done, roles: [grid_worker]}
"""


def test_the_good_base_loads() -> None:
    """The base the single-problem cases below break loads cleanly."""
    assert load_workflows(GOOD).workflows["w"].initial == "a"


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("roles: [grid_worker]\n", "roles: [grid_worker\n", 2, "YAML syntax error"),
        ("    version: 1", "    version: one", 4, "valid integer"),
        ("    version: 1", "    version: 1.5", 4, "valid integer"),
        ("    version: 1", "    version: true", 4, "valid integer"),
        ("    version: 1", "    version: -2", 4, "greater than 0"),
        ("    initial: a\n", "", 5, "no initial state"),
        ("    initial: a", "    initial: z", 5, "initial state 'z' is not a state"),
        ("      b: {}", "      b: {final: true}", 12, "leaves final state 'b'"),
        ("{limit: 2 hours}", "{limit: 2 hours, yellow_at: 0}", 7, "yellow_at 0.0 must lie"),
        ("{limit: 2 hours}", "{limit: 2 hours, red_at: 0.5}", 7, "yellow_at 0.8 must lie"),
        ("{limit: 2 hours}", "{limit: 2}", 7, "valid string"),
        ("{limit: 2 hours}", "{limit: 2 hours, on_breach: {trigger: go}}", 7,
         "does not allow system"),
        ("{limit: 2 hours}", "{limit: 2 hours, on_breach: {trigger: nope}}", 7,
         "no transition has trigger: nope"),
        ("{limit: 2 hours}", "{limit: 2 hours, limit_field: period}", 7, None),
        ("to: b, roles", "to: b, rework: maybe, roles", 11, "valid boolean"),
        ("to: b, roles", "to: b, guard: 'data.__class__', roles", 11, "starting with _"),
        ("to: b, roles: [grid_worker]", "to: b, roles: []", 11, "at least 1 item"),
        ("to: b, roles: [grid_worker]", "to: b", 11, "required key 'roles' is missing"),
        ("      b: {}", "      b: {on_enter: [notify_everyone]}", 8, "unknown action"),
        ("      b: {}", "      b: {on_exit: notify_owner}", 8, "valid list"),
        ("      done: {final: true}", "      done: {final: true, deadline: {limit: 1 day}}", 9,
         "a final state has no deadline"),
        ("      done: {final: true}", "      done: {}", 6, "no final state"),
        ("      a: {deadline", "      Bad-Name: {}\n      a: {deadline", 7, "not snake_case"),
        ("      a: {deadline", "      " + "s" * 101 + ": {}\n      a: {deadline", 7,
         "at most 100 characters"),
        ("roles: [grid_worker]", "roles: [grid_worker, " + "r" * 101 + "]", 1,
         "at most 100 characters"),
        ("    initial: a\n", "    initial: a\n    open_roles: [mayor]\n", 6, "unknown role 'mayor'"),
        ("    initial: a\n", "    initial: a\n    extension: {max_workdays: 0, roles: [grid_worker], "
         "states: [a]}\n", 6, "greater than 0"),
        ("    initial: a\n", "    initial: a\n    extension: {max_workdays: 3, roles: [grid_worker], "
         "states: [b]}\n", 6, "has no deadline to extend"),
        ("    initial: a\n", "    initial: a\n    supervision: [{state: a, after: soon, level: "
         "yellow}]\n", 6, "cannot read duration 'soon'"),
        ("    initial: a\n", "    initial: a\n    supervision: [{state: a, after: 1 day, level: "
         "orange}]\n", 6, "'yellow' or 'red'"),
        ("    initial: a\n", "    initial: a\n    supervision: [{state: a, after: 2 days, level: "
         "yellow}, {state: a, after: 1 day, level: red}]\n", 6, "give red the longer time"),
        ("    initial: a\n", "    initial: a\n    supervision: [{state: a, after: 2 days, level: "
         "red}, {state: a, after: 3 days, level: red}]\n", 6, "already set by supervision[0]"),
        ("from: a, to: b", "from: [], to: b", 11, "at least 1 item"),
        ("    initial: a\n", "    initial: a\n    revisit: {after: b, every: 1 day}\n", 6,
         "say when to revisit"),
        ("    initial: a\n", "    initial: a\n    revisit: {after: b, every: 1 day, times: 2, "
         "offsets: [1 day]}\n", 6, "not both"),
        ("    initial: a\n", "    initial: a\n    revisit: {after: b, every: 1 day, times: 2}\n",
         6, "fires 'reopen' from state 'b', but no transition"),
        ("    initial: a\n", "    initial: a\n    fields: {n: integer}\n", 6, "'str', 'int'"),
        ("roles: [grid_worker]", "roles: [grid_worker, grid_worker]", 1, "declared twice"),
        ("roles: [grid_worker]", "roles: [grid_worker]\ncalendar: {timezone: Mars/Base}", 2,
         "unknown time zone"),
        ("roles: [grid_worker]", "roles: [grid_worker]\ncalendar: {periods: [[\"9:00\", \"12\"]]}",
         2, "HH:MM"),
        ("roles: [grid_worker]", "roles: [grid_worker]\ncalendar: {holidays: [someday]}", 2,
         "valid date"),
        ("roles: [grid_worker]", "roles: [grid_worker]\nroles: [x]", 2, "written twice"),
    ],
)
def test_single_problem(old: str, new: str, line: int, fragment: str | None) -> None:
    """Each kind of mistake is reported on its line with a message that says how to fix it."""
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    if fragment is None:  # undeclared limit_field is fine when no fields are declared
        load_workflows(text)
        return
    problems = _problems(text)
    assert any(fragment in p.message and p.line == line for p in problems), "\n".join(
        str(p) for p in problems
    )


def test_a_name_as_long_as_the_store_keeps_loads() -> None:
    """100 characters (govflow.widths.NAME, the events and cases columns) is a good name;
    test_single_problem refuses 101."""
    name = "s" * 100
    text = (GOOD.replace("      b: {}", f"      {name}: {{}}").replace("to: b,", f"to: {name},")
            .replace("from: b,", f"from: {name},").replace("trigger: go", f"trigger: {name}"))
    spec = load_workflows(text).workflows["w"]
    assert name in spec.states and spec.transitions[0].trigger == name


def test_guard_field_check_applies_only_with_declared_fields() -> None:
    """Without fields:, guards may read any data field; with fields:, only declared ones."""
    loose = GOOD.replace("to: b, roles", "to: b, guard: 'data.anything > 1', roles")
    load_workflows(loose)
    strict = loose.replace("    initial: a\n", "    initial: a\n    fields: {n: int}\n")
    problems = _problems(strict)
    assert any("data.anything is not a declared field" in p.message for p in problems)


def test_limit_field_must_be_a_declared_duration() -> None:
    """With fields:, limit_field must be declared, as a duration (or str/any)."""
    text = GOOD.replace("{limit: 2 hours}", "{limit: 2 hours, limit_field: period}").replace(
        "    initial: a\n", "    initial: a\n    fields: {period: int}\n"
    )
    assert any("declare it duration" in p.message for p in _problems(text))
    missing = text.replace("fields: {period: int}", "fields: {other: str}")
    assert any("not a declared field" in p.message for p in _problems(missing))


def test_unreadable_file_is_a_load_error(tmp_path: Path) -> None:
    """A path that does not exist fails as a load error naming the file."""
    with pytest.raises(WorkflowLoadError, match="cannot read the file"):
        load_workflows(tmp_path / "nope.yaml")


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\nmore\n"])
def test_file_that_is_not_a_mapping(text: str) -> None:
    """An empty file, a list or a plain string is refused with what the file must be."""
    problems = _problems(text)
    assert len(problems) == 1 and "must be a mapping with a workflows: key" in problems[0].message


# -- fuzzing: whatever is written, the loader answers with problems, never a crash ------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True),
    st.sampled_from(["a", "b", "done", "*", "1 day", "soon", "grid_worker", "data.x > 1", "",
                     "version", "states", "final", "from"]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "final", "limit", "trigger", "to", "from",
                                         "roles", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_paths(value, (*prefix, i)))
    return found


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_mutation_of_a_good_file_loads_or_lists_problems(data: st.DataObject) -> None:
    """Replacing any part of a valid file with anything gives a load or a WorkflowLoadError."""
    import yaml

    doc = yaml.safe_load(GOOD)
    path = data.draw(st.sampled_from(_paths(doc)[1:]))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]  # type: ignore[index]
    parent[path[-1]] = data.draw(values)  # type: ignore[index]
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        load_workflows(text)
    except WorkflowLoadError as exc:
        assert exc.problems
        assert all(p.message and p.file == "<text>" for p in exc.problems)


def test_a_state_typo_is_one_problem_not_echoes() -> None:
    """A transition to a misspelt state reports the typo, not the unreachable states it causes."""
    problems = _problems(GOOD.replace("to: done", "to: don"))
    assert [p.message.split(";")[0] for p in problems] == [
        "target state 'don' is not a state of w (did you mean 'done'?)"
    ]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]], set[int]]:
    n = draw(st.integers(2, 6))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=10))
    finals = draw(st.sets(st.integers(1, n - 1), min_size=1))
    return n, edges, finals


def _closure(start: set[int], edges: list[tuple[int, int]]) -> set[int]:
    seen = set(start)
    changed = True
    while changed:
        changed = False
        for a, b in edges:
            if a in seen and b not in seen:
                seen.add(b)
                changed = True
    return seen


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_graph_checks_agree_with_a_reference(graph: tuple[int, list[tuple[int, int]], set[int]]) -> None:
    """On random state graphs, unreachable, dead-end and out-of-final problems are exactly right."""
    n, edges, finals = graph
    states = "\n".join(f"      s{i}: {{final: {'true' if i in finals else 'false'}}}" for i in range(n))
    transitions = "\n".join(
        f"      - {{trigger: t{k}, from: s{a}, to: s{b}, roles: [r]}}" for k, (a, b) in enumerate(edges)
    )
    text = f"roles: [r]\nworkflows:\n  w:\n    version: 1\n    initial: s0\n    states:\n{states}\n" \
        f"    transitions:\n{transitions or '      []'}\n"
    reachable = _closure({0}, edges)
    closing = _closure(finals, [(b, a) for a, b in edges])
    expected = {f"state 's{i}' cannot be reached" for i in range(n) if i not in reachable}
    expected |= {f"state 's{i}' has no path to a final state" for i in range(n) if i not in closing}
    expected |= {f"transition 't{k}' leaves final state 's{a}'" for k, (a, _) in enumerate(edges)
                 if a in finals}
    try:
        load_workflows(text)
        found: set[str] = set()
    except WorkflowLoadError as exc:
        found = {p.message.split(";")[0].split(" from the")[0].split(", so")[0] for p in exc.problems}
    assert found == expected
