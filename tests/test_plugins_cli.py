"""``govflow plugins`` and ``govflow intake`` (the plugin framework's command group)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from govflow.plugins import cli

ROOT = Path(__file__).resolve().parents[1]


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="govflow")
    cli.add_commands(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_plugins_lists_each_plugin_with_what_it_registered(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Each plugin of the folder is listed with its sources and rules."""
    assert run("plugins", "--plugins-dir", str(ROOT / "plugins"), "--no-entry-points") == 0
    out = capsys.readouterr().out
    assert "urban_management\n" in out and "  source    chicago_open311" in out
    assert "builtin\n  action    notify_owner" in out


def test_intake_takes_a_source_into_a_sqlite_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """intake reads a source into the store and a second run resumes at the cursor."""
    monkeypatch.chdir(ROOT)
    store = f"sqlite:///{tmp_path / 'g.db'}"
    common = ("--plugins-dir", "plugins", "--no-entry-points", "--store", store,
              "--grid-seed", "0")
    assert run("intake", "police_incidents", *common, "--limit", "40") == 0
    assert run("intake", "police_incidents", *common, "--limit", "40") == 0
    first, second = capsys.readouterr().out.strip().splitlines()
    assert first.startswith("police_incidents: read 40,") and first.endswith("cursor 39")
    assert second.endswith("cursor 79")
