"""Where the commands find the district's workflows.yaml and plugins (govflow.resources)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govflow import resources
from govflow.errors import GovflowError

ROOT = Path(__file__).resolve().parents[1]


def test_the_working_directory_comes_first(tmp_path: Path) -> None:
    (tmp_path / "workflows.yaml").write_text("workflows: {}\n", encoding="utf-8")
    found = resources.district_file("workflows.yaml", "--workflows", cwd=tmp_path)
    assert found.path == tmp_path / "workflows.yaml"
    assert found.origin == "working directory"


def test_a_clone_falls_back_to_its_own_files(tmp_path: Path) -> None:
    """Here (a clone, nothing shipped as package data) the repository's files are used."""
    assert resources.shipped_dir() is None
    found = resources.district_file("plugins", "--plugins-dir", cwd=tmp_path)
    assert found.path == ROOT / "plugins"
    assert found.origin == "the govflow repository"


def test_an_installed_wheel_uses_its_package_data(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "district"
    shipped.mkdir()
    (shipped / "workflows.yaml").write_text("workflows: {}\n", encoding="utf-8")
    monkeypatch.setattr(resources, "shipped_dir", lambda: shipped)
    empty = tmp_path / "empty"
    empty.mkdir()
    found = resources.district_file("workflows.yaml", "--workflows", cwd=empty)
    assert (found.path, found.origin) == (shipped / "workflows.yaml", "shipped with govflow")
    # never the folder above an installed package (site-packages): only the package data
    with pytest.raises(GovflowError, match="pass --plugins-dir"):
        resources.district_file("plugins", "--plugins-dir", cwd=empty)


def test_a_given_path_is_taken_as_it_is(tmp_path: Path) -> None:
    given = resources.workflows_file(tmp_path / "mine.yaml")
    assert (given.path, given.origin) == (tmp_path / "mine.yaml", "given")
    assert str(given) == f"{tmp_path / 'mine.yaml'} (given)"


def test_nothing_found_names_the_flag_and_the_places(tmp_path: Path) -> None:
    with pytest.raises(GovflowError) as err:
        resources.district_file("nothing.yaml", "--workflows", cwd=tmp_path)
    assert "pass --workflows" in str(err.value)
    assert str(tmp_path / "nothing.yaml") in str(err.value)


@pytest.mark.parametrize("command", [
    ["calendar", "replan", "--dry-run"],
    ["migrate", "standard_case", "--to", "1", "--dry-run"],
    ["intake", "nosuch", "--no-entry-points"],
])
def test_commands_without_a_workflows_file_take_the_districts(tmp_path: Path,
                                                               command: list[str]) -> None:
    """Run from a folder with no workflows.yaml, each command that builds an engine takes the
    district's file and says so (then goes on: it fails later, or not, for its own reasons)."""
    import os
    import subprocess
    import sys

    store = f"sqlite:///{tmp_path / 'store.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVFLOW_")}
    env["PYTHONPATH"] = str(ROOT)
    made = subprocess.run([sys.executable, "-m", "govflow", "db", "upgrade", "--store", store],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    run = subprocess.run([sys.executable, "-m", "govflow", *command, "--store", store],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    said = f"govflow: workflows {ROOT / 'workflows.yaml'} (the govflow repository)"
    assert said in run.stderr, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
