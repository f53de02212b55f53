"""The govflow command never shows a traceback (wrong values and OS errors are one line), and
its help says where defaults come from."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from govflow.cli import main


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(("argv", "expected"), [
    (["cockpit", "--sample", "10", "--until", "yesterday"],
     "argument --until: 'yesterday' is not an ISO time"),
    (["cockpit", "--sample", "10", "--until", "2026-10-01T08:00"],
     "argument --until: '2026-10-01T08:00' has no timezone"),
    (["cockpit", "--sample", "-1"], "argument --sample: -1 is out of range"),
    (["grid", "generate", "--scale", "0"], "argument --scale: 0 is out of range"),
    (["grid", "generate", "--scale", "101"], "give a whole number from 1 to 100"),
    (["grid", "generate", "--scale", "big"], "argument --scale: 'big' is not a whole number"),
    (["campaign", "start", "410102", "--name", "x", "--minutes", "0"],
     "argument --minutes: 0 must be a number greater than 0"),
    (["campaign", "start", "410102", "--name", "x", "--minutes", "nan"],
     "argument --minutes: nan must be a number greater than 0"),
])
def test_a_wrong_option_value_is_a_usage_error_naming_the_option(
        argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each checked option refuses a bad value with exit 2 and a message naming it."""
    assert expected in _usage_error(argv, capsys)


def test_an_os_error_is_one_line_and_exit_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Writing under a path that is a file: 'govflow: <reason>: <path>', no traceback."""
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    code = main(["grid", "generate", "--people", "none", "--out",
                 str(blocker / "grid.yaml")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("govflow: ") and "a_file" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.fixture
def trace_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("govflow.plugins.trace")
    handlers, level = list(logger.handlers), logger.level
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_trace_hooks_in_the_environment_shows_the_traces(
        trace_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """GOVFLOW_TRACE_HOOKS=1 prints each hook call on stderr."""
    monkeypatch.setenv("GOVFLOW_TRACE_HOOKS", "1")
    assert main(["plugins", "--no-entry-points"]) == 0
    assert "call govflow_register_actions -> builtin" in capsys.readouterr().err


def test_demo_help_says_where_workflows_and_plugins_come_from(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`govflow demo --help`: --workflows and --plugins-dir fall back to the shipped files."""
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "else the district's file shipped with govflow" in out
    assert "else the subsystem plugins shipped with govflow" in out
