"""The department's commands: govflow validate, graph and simulate."""

from __future__ import annotations

from pathlib import Path

import pytest

from govflow.cli import main

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = str(ROOT / "workflows.yaml")

BROKEN = """\
roles: [grid_worker]
workflows:
  w:
    version: 1
    initial: a
    states:
      a: {deadline: {limit: soon}}
      b: {}
      done: {final: true}
    transitions:
      - {trigger: go, from: a, to: c, roles: [grid_worker]}
      - {trigger: end, from: done, to: b, roles: [mayor]}
"""


def test_validate_district_file_prints_ok_with_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """validate prints OK with the counts of workflows, states, transitions and roles."""
    assert main(["validate", DISTRICT]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK {DISTRICT}: 8 workflows, ")
    assert "12 roles" in out and "standard_case v1" in out


def test_validate_lists_every_problem_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate prints every problem with file and line and exits 1."""
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:7 workflows.w.states.a.deadline.limit: cannot read duration 'soon'" in err
    assert f"{path}:11 workflows.w.transitions[0].to: target state 'c'" in err
    assert f"{path}:12 workflows.w.transitions[1].from: transition 'end' leaves final" in err
    assert f"{path}:12 workflows.w.transitions[1].roles[0]: unknown role 'mayor'" in err
    assert err.rstrip().endswith("problems")


def test_validate_accepts_plugin_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--action and --function add the names a plugin registers."""
    text = BROKEN.replace("{limit: soon}", "{limit: 1 day}").replace("to: c", "to: b")
    text = text.replace("from: done, to: b, roles: [mayor]", "from: b, to: done, "
                        "roles: [grid_worker], actions: [ring], guard: 'near(cell)'")
    path = tmp_path / "plugin.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    capsys.readouterr()
    assert main(["validate", str(path), "--action", "ring", "--function", "near"]) == 0


def test_graph_prints_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    """graph prints the workflow's Mermaid state diagram."""
    assert main(["graph", "hotline", "--file", DISTRICT]) == 0
    out = capsys.readouterr().out
    assert "stateDiagram-v2\n" in out and "    [*] --> received\n" in out
    assert main(["graph", "hotline", "--file", DISTRICT, "--markdown"]) == 0
    fenced = capsys.readouterr().out
    assert fenced.startswith("```mermaid\n---\n") and fenced.rstrip().endswith("```")


def test_graph_unknown_workflow_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """graph of a workflow the file does not have fails, listing the file's workflows."""
    assert main(["graph", "hotlin", "--file", DISTRICT]) == 1
    assert "no workflow 'hotlin'" in capsys.readouterr().err


def test_graph_of_broken_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """graph on a broken file reports the load error and exits 1."""
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["graph", "w", "--file", str(path)]) == 1
    assert "problems" in capsys.readouterr().err


SCRIPT = """\
workflows: {district}
start: "2026-09-28 09:00"
actors:
  li: {{roles: [grid_worker], scope: ["410102001001001"]}}
  wang: {{roles: [registrar, dispatcher]}}
  zhao: {{roles: [handler]}}
steps:
  - {{open: standard_case, case: c1, actor: li, data: {{severity: 2}}}}
  - {{at: "+20 min", fire: register, case: c1, actor: wang}}
  - {{at: "+2h", fire: dispatch, case: c1, actor: wang}}
  - advance: 3 workdays
  - {{fire: approve, case: c1, actor: wang, expect: refused}}
  - {{fire: sign, case: c1, actor: zhao}}
until: "+1 day"
"""


def test_simulate_prints_the_timeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """simulate runs the script on a SimClock: transitions, warnings, escalation, supervision."""
    script = tmp_path / "run.yaml"
    script.write_text(SCRIPT.format(district=DISTRICT), encoding="utf-8")
    assert main(["simulate", str(script)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()

    def line_with(*words: str) -> str:
        return next(line for line in lines if all(w in line for w in words))

    assert line_with("2026-09-28 09:00 Mon", "c1", "open", "∅ → reported", "by li")
    assert line_with("2026-09-28 09:20 Mon", "register", "reported → registered")
    assert line_with("2026-09-28 09:41 Mon", "warn", "registered: yellow light")
    assert line_with("2026-09-28 09:50 Mon", "escalate", "410102001001001 → 410102001001")
    assert line_with("2026-09-29", "supervise", "level=yellow")
    assert line_with("2026-09-30", "supervise", "level=red")
    # 3 workdays from Wednesday 30 September cross the National Day holiday (国庆)
    assert line_with("2026-10-08", "✗ fire", "refused as expected")
    assert line_with("2026-10-08", "sign", "dispatched → signed", "by zhao")
    assert "c1: standard_case v1 signed (open)" in out and "escalation 1" in out


def test_simulate_unexpected_refusal_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A step refused without expect: refused makes the exit status 1 and says FAILED."""
    script = tmp_path / "run.yaml"
    script.write_text(
        SCRIPT.format(district=DISTRICT).replace(", expect: refused", ""), encoding="utf-8"
    )
    assert main(["simulate", str(script)]) == 1
    assert "FAILED: case" in capsys.readouterr().out


def test_simulate_expected_refusal_that_passes_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A step marked expect: refused that is allowed makes the exit status 1."""
    script = tmp_path / "run.yaml"
    text = SCRIPT.format(district=DISTRICT).replace(
        "{fire: sign, case: c1, actor: zhao}", "{fire: sign, case: c1, actor: zhao, "
        "expect: refused}"
    )
    script.write_text(text, encoding="utf-8")
    assert main(["simulate", str(script)]) == 1
    assert "expected to be refused, but it was allowed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("actor: wang}", "actor: nobody}"), "unknown actor 'nobody'"),
        (("case: c1, actor: zhao", "case: c9, actor: zhao"), "no case 'c9' opened yet"),
        (('start: "2026-09-28 09:00"\n', ""), "start: is missing"),
        (("advance: 3 workdays", "advance: 3 fortnights"), "cannot read duration"),
        (("- advance: 3 workdays", "- {wait: 1}"), "a step needs one of"),
        (('at: "+2h"', 'at: "2026-01-01 09:00"'), "is before now"),
    ],
)
def test_simulate_bad_script_says_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], message: str
) -> None:
    """A script that cannot run is refused (exit 1) with a message on stderr naming the step
    and the fix."""
    script = tmp_path / "run.yaml"
    text = SCRIPT.format(district=DISTRICT)
    assert change[0] in text
    script.write_text(text.replace(*change), encoding="utf-8")
    assert main(["simulate", str(script)]) == 1
    assert message in capsys.readouterr().err


def test_the_docs_dry_run_script_runs_as_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dry-run script in docs/workflows.md runs clean and prints the lines the page shows."""
    import re

    page = (ROOT / "docs" / "workflows.md").read_text(encoding="utf-8")
    match = re.search(r"```yaml\n(workflows: workflows\.yaml.*?)```", page, re.S)
    assert match is not None
    script = tmp_path / "dry-run.yaml"
    script.write_text(match.group(1), encoding="utf-8")
    assert main(["simulate", str(script), "--file", DISTRICT]) == 0
    out = capsys.readouterr().out
    shown = re.search(r"It prints \(shortened\):\n\n```text\n(.*?)```", page, re.S)
    assert shown is not None
    for line in shown.group(1).splitlines():
        if line != "...":
            pattern = re.escape(line).replace("…", "[0-9a-f]{16}")
            assert re.search(pattern, out), line
