"""``govflow plugins`` and ``govflow intake`` (the plugin framework's command group)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from govflow.cli import plugins as cli

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
    assert "builtin\n  source    open311\n  action    notify_owner" in out


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


TINY_GRID = """\
nodes:
  - {code: "410102", name: district}
  - {code: "410102001", parent: "410102", name: street}
  - {code: "410102001001", parent: "410102001", name: community}
  - {code: "410102001001001", parent: "410102001001", name: cell}
"""


def test_intake_checks_cells_against_the_grid_kept_in_the_store_or_a_grid_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """--store with a kept grid (or --grid FILE) refuses cells outside it; without one,
    any 15-digit cell is taken."""
    from govflow.grid.load import load_grid
    from govflow.grid.persist import save_to_store
    from govflow.store import open_store

    monkeypatch.chdir(ROOT)
    grid_file = tmp_path / "tiny.yaml"
    grid_file.write_text(TINY_GRID, encoding="utf-8")
    kept = f"sqlite:///{tmp_path / 'kept.db'}"
    store = open_store(kept)
    save_to_store(store, load_grid(grid_file))
    store.close()
    loading = ("--plugins-dir", "plugins", "--no-entry-points", "--limit", "20")
    assert run("intake", "police_incidents", *loading, "--store", kept) == 0
    assert run("intake", "police_incidents", *loading, "--grid", str(grid_file),
               "--store", f"sqlite:///{tmp_path / 'file.db'}") == 0
    assert run("intake", "police_incidents", *loading,
               "--store", f"sqlite:///{tmp_path / 'bare.db'}") == 0
    kept_out, file_out, bare_out = capsys.readouterr().out.strip().split("police_incidents:")[1:]
    assert "dead: unknown_cell" in kept_out and "dead: unknown_cell" in file_out
    assert "unknown_cell" not in bare_out
