"""A built wheel, installed in a fresh virtualenv, runs ``govflow demo`` from an empty folder.

Offline and in well under a minute: the wheel is built with ``pip wheel --no-deps
--no-build-isolation`` (setuptools and wheel of the test extra) from a copy of the sources,
so the work tree gets no ``build/``; the fresh venv gets only the wheel (``--no-deps
--no-index``), and reaches the dependencies through a ``.pth`` line naming the running
interpreter's site-packages. That line adds the folder without running its ``.pth`` files,
so an editable install of govflow there is not seen: the venv imports the wheel's govflow.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import sqlite3
import subprocess
import sys
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: what the build reads (pyproject.toml, setup.py and MANIFEST.in say the rest)
SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "workflows.yaml",
           "govflow", "plugins"]


def _run(args: list[str | Path], **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("GOVFLOW_")}
    env["COLUMNS"] = "400"  # the demo's lines (its database's path) unwrapped
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env,
                          timeout=600, check=False, **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, (f"{args} exited {done.returncode}:\n{done.stdout[-3000:]}\n"
                                  f"{done.stderr[-3000:]}")
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", base / "dist", src])
    (found,) = (base / "dist").glob("govflow-*.whl")
    return found


def test_the_wheel_carries_the_district(wheel: Path) -> None:
    """Every module of the package, the workflows file and every plugin but the template."""
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "govflow").rglob("*.py")}
    assert modules - names == set()
    assert "govflow/district/workflows.yaml" in names
    for plugin in ("party_building", "politics_law", "public_opinion", "urban_management"):
        assert f"govflow/district/plugins/{plugin}/__init__.py" in names
        assert f"govflow/district/plugins/{plugin}/sample.py" in names
    assert "govflow/district/plugins/open311_pull/__init__.py" in names
    assert "govflow/district/plugins/urban_management/rules.yaml" in names
    assert not any("template" in n or "__pycache__" in n for n in names)
    shipped = zipfile.ZipFile(wheel).read("govflow/district/workflows.yaml")
    assert shipped == (ROOT / "workflows.yaml").read_bytes()


@pytest.mark.slow
def test_an_installed_wheel_runs_the_demo(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    inner = _run([python, "-c", "import site; print(site.getsitepackages()[0])"]).stdout.strip()
    (Path(inner) / "govflow-test-deps.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel])
    empty = tmp_path / "empty"
    empty.mkdir()
    where = _run([python, "-c", "import govflow; print(govflow.__file__)"],
                 cwd=empty).stdout.strip()
    assert Path(where).is_relative_to(venv), f"the venv imported {where}, not the wheel"
    done = _run([venv / "bin" / "govflow", "demo", "--days", "2", "--quiet"], cwd=empty)
    assert "(shipped with govflow)" in done.stderr
    stored = re.search(r"^database: sqlite:///(\S+)$", done.stdout, re.MULTILINE)
    assert stored, "the demo names its database"
    path = empty / stored.group(1)  # relative to the folder it ran in, or absolute
    assert path.resolve().is_relative_to(empty.resolve())
    with closing(sqlite3.connect(path)) as db:
        (cases,) = db.execute("SELECT count(*) FROM cases").fetchone()
        (nodes,) = db.execute("SELECT count(*) FROM grid_nodes").fetchone()
    assert cases > 100 and nodes == 1106  # two days of the district's records, its grid
    page = (empty / "govflow-demo" / "cockpit.html").read_text(encoding="utf-8")
    assert "<html" in page.lower()
    assert "cases opened" in done.stdout
