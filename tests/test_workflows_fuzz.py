"""Mutants of the shipped workflows.yaml load or fail cleanly: the project's own error, every
problem with a line (and a column where YAML gives one), a short message, never a hang.

The counts are small so the suite stays quick; ``python -m tests.yaml_mutants 1000`` runs
the larger measurement outside it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govflow.errors import WorkflowLoadError
from govflow.workflows.load import load_workflows
from tests.yaml_mutants import SHIPPED, hang_guard, mutate

MUTANTS = 150  # seeded mutants per run; the run stops early past BUDGET_SECONDS (at least 30)
BUDGET_SECONDS = 3.0
LARGEST = 100_000  # the largest huge value in the suite (the measurement goes to 1 MB)


def check_mutant(data: bytes, file: Path) -> str:
    """Load one mutant; return "accepted" or "refused", failing on anything unclean."""
    file.write_bytes(data)
    try:
        with hang_guard(20):
            load_workflows(file)
    except WorkflowLoadError as exc:
        assert exc.problems, "an error with no problem listed"
        for problem in exc.problems:
            assert problem.line is not None, f"no line: {problem}"
            if problem.message.startswith("YAML syntax error"):
                assert problem.column is not None, f"no column: {problem}"
            assert len(problem.message) <= 1000, f"message of {len(problem.message)} chars"
        return "refused"
    return "accepted"


def test_seeded_mutants_load_or_fail_cleanly(tmp_path: Path) -> None:
    """Seeded mutants (byte flips, deleted and doubled lines, indentation, swapped values,
    anchors and aliases, control bytes, bad UTF-8, huge values) fail cleanly or load."""
    source = SHIPPED.read_text(encoding="utf-8")
    file = tmp_path / "workflows.yaml"
    outcomes: dict[str, int] = {}
    started = time.monotonic()
    for seed in range(MUTANTS):
        if seed >= 30 and time.monotonic() - started > BUDGET_SECONDS:
            break  # a slow machine checks fewer mutants, never fewer than 30
        kind = check_mutant(mutate(source, seed, largest=LARGEST), file)
        outcomes[kind] = outcomes.get(kind, 0) + 1
    assert outcomes.get("refused", 0) > outcomes.get("accepted", 0)  # the mutator does harm


_SNIPPETS = st.sampled_from([
    "&a [*a]", "*undefined", "2026-02-30", "!!timestamp x", "!!binary '%%'", "{a: 1, a: 2}",
    "[", "]", "{", "'", '"', "|", "- ", ": ", "? ", "<<: 5", "\t", "\x00", "\x14", "\x7f",
    "\ud800", "\ufeff", "9" * 5000, "x" * 50_000, "[" * 200, "&x {k: 1}", "*x",
])
_INSERT = st.one_of(_SNIPPETS, st.text(max_size=12))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.integers(min_value=0, max_value=338), column=st.integers(0, 40),
       insert=_INSERT, replace=st.booleans())
def test_inserted_text_loads_or_fails_cleanly(tmp_path: Path, line: int, column: int,
                                              insert: str, replace: bool) -> None:
    """Text (snippets that break YAML, or any text) put into one line fails cleanly."""
    lines = SHIPPED.read_text(encoding="utf-8").split("\n")
    target = lines[line]
    at = min(column, len(target))
    lines[line] = target[:at] + insert + ("" if replace else target[at:])
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    check_mutant(data, tmp_path / "workflows.yaml")


@pytest.mark.parametrize("seed", [3, 40, 201])
def test_mutants_that_once_hung_or_crashed(seed: int, tmp_path: Path) -> None:
    """Mutants that hung (a 1 MB list), quoted 1 MB or crashed (``!!timestamp``) before."""
    source = SHIPPED.read_text(encoding="utf-8")
    assert check_mutant(mutate(source, seed), tmp_path / "workflows.yaml") == "refused"
