"""Docs that run: the ```python blocks of README.md and of each docs/*.md page run, in order,
as one script per page (later blocks continue from earlier ones, as a reader would); every
```yaml block that defines workflows loads without problems; and every shell block
(```bash, ```sh, ```console) runs, in order per page, in a copy of the repository (see
``test_shell_blocks_run`` for how the long-running commands and the server blocks are
handled)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from govflow.workflows import load_workflows

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(language: str) -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for n, match in enumerate(FENCE.finditer(text)):
            if match.group(1) == language:
                line = text[: match.start()].count("\n") + 1
                found.append((f"{doc.relative_to(ROOT)}:{line}#{n}", match.group(2)))
    return found


def _pages_with_python() -> list[str]:
    return sorted({where.split(":")[0] for where, _ in _blocks("python")})


@pytest.mark.parametrize("page", _pages_with_python())
def test_python_blocks_run(page: str, tmp_path: Path) -> None:
    """The page's python blocks, joined in order, run from the repository root and exit 0."""
    blocks = [(where, code) for where, code in _blocks("python") if where.startswith(page + ":")]
    script = "".join(f"# --- {where}\n{code}\n" for where, code in blocks)
    path = tmp_path / "page.py"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"{page} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def _workflow_blocks() -> list[tuple[str, str]]:
    """The YAML blocks that are workflows files (a ``workflows`` mapping); others are
    configuration snippets of other kinds, checked by their own pages' tests."""
    found = []
    for where, text in _blocks("yaml"):
        parsed = yaml.safe_load(text)
        if isinstance(parsed, dict) and isinstance(parsed.get("workflows"), dict):
            found.append((where, text))
    return found


@pytest.mark.parametrize(("where", "text"), _workflow_blocks(), ids=lambda v: str(v)[:40])
def test_workflow_yaml_block_loads(where: str, text: str) -> None:
    """A YAML block that defines workflows is a valid workflows file."""
    loaded = load_workflows(text, filename=where)
    assert loaded.workflows


def test_readme_opens_with_the_two_commands() -> None:
    """The README's first two commands are the demo and the test run that CI uses."""
    blocks = [code.strip() for _, code in _blocks("bash")][:2]
    assert blocks[0].endswith("govflow demo")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = blocks[1].split("&&")[-1].strip()
    assert test_command.replace(".venv/bin/", "") in ci.replace('"$VENV"/bin/', "")


# -- the shell blocks --------------------------------------------------------------------

SHELLS = ("bash", "sh", "console")
NEEDS_SERVER = "<!-- docs: needs-server -->"
#: the README's install-and-test lines, as written, and what runs in their place (the
#: venv is already there: the test's .venv/bin holds govflow, pip and pytest shims)
QUICK = {
    "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/govflow demo":
        ".venv/bin/govflow demo",
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && "
    "GOVFLOW_BENCH_QUICK=1 .venv/bin/pytest tests benchmarks":
        "GOVFLOW_BENCH_QUICK=1 .venv/bin/pytest --collect-only -q tests benchmarks",
}
#: what the temporary copy of the repository holds
#: (the package itself is imported from the work tree, whose numba cache is warm)
COPIED = ["pyproject.toml", "README.md", "workflows.yaml", "plugins", "replay", "examples",
          "docs", "tests", "benchmarks", "schema"]
PG_URL = re.compile(r"postgresql\+psycopg://[^\s\"']+")


def _shell_blocks(page: str) -> list[tuple[str, str, bool]]:
    """``(where, script, needs a server)`` of each shell block of ``page``, in order; of a
    ``console`` block only the ``$ `` lines are commands (the rest is what they print)."""
    text = (ROOT / page).read_text(encoding="utf-8")
    found = []
    for n, match in enumerate(FENCE.finditer(text)):
        if match.group(1) not in SHELLS:
            continue
        code = match.group(2)
        if match.group(1) == "console":
            code = "".join(line[2:] + "\n" for line in code.splitlines() if line.startswith("$ "))
        before = text[: match.start()].rstrip().rsplit("\n", 1)[-1].strip()
        line = text[: match.start()].count("\n") + 1
        found.append((f"{page}:{line}#{n}", code, before == NEEDS_SERVER))
    return found


def _pages_with_shell() -> list[str]:
    return [str(doc.relative_to(ROOT)) for doc in DOCS
            if _shell_blocks(str(doc.relative_to(ROOT)))]


def _sandbox(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the repository with ``.venv/bin`` shims, and the environment to run in."""
    copy = tmp_path / "repo"
    copy.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", "govflow-demo", "*.db")
    for name in COPIED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, copy / name, ignore=ignore)
        elif (ROOT / name).exists():
            shutil.copy2(ROOT / name, copy / name)
    bin_dir = copy / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    shims = {"govflow": f'exec "{sys.executable}" "{ROOT / "tests" / "docs_govflow.py"}" "$@"',
             "pip": f'exec "{sys.executable}" -m pip "$@"',
             "pytest": f'exec "{sys.executable}" -m pytest -p no:cacheprovider "$@"'}
    for name, line in shims.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{line}\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVFLOW_")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", PYTHONPATH=str(ROOT))
    return copy, env


#: a URL's host (``scheme://[user@]host``); ``sqlite:///file`` has none
URL_HOST = re.compile(r"\b[a-z][a-z0-9+.-]*://(?:[^@/\s\"']*@)?([^/:@\s\"'?]+)")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


def outside_hosts(code: str) -> list[str]:
    """The hosts off this machine that ``code`` names in a URL."""
    return sorted({h for h in URL_HOST.findall(code) if h not in LOCAL_HOSTS})


def _run_block(where: str, code: str, cwd: Path, env: dict[str, str]) -> None:
    """Check ``code``'s syntax, then run it unless it names a host off this machine (the
    tests send nothing off the machine: such a block is checked for its syntax only)."""
    syntax = subprocess.run(["bash", "-n"], input=code, text=True, capture_output=True,
                            check=False)
    assert syntax.returncode == 0, f"{where}: not valid shell:\n{syntax.stderr}"
    if outside_hosts(code):
        return
    for written, quick in QUICK.items():
        code = code.replace(written, quick)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, (f"{where} exited {done.returncode}:\n{code}\n"
                                  f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


@pytest.mark.slow
@pytest.mark.parametrize("page", _pages_with_shell())
def test_shell_blocks_run(page: str, tmp_path: Path) -> None:
    """Every ```bash/```sh/```console block of the page runs, in order, in a temporary copy of
    the repository, and exits 0.

    ``govflow`` and ``.venv/bin/govflow`` are tests/docs_govflow.py, the current interpreter's
    govflow with the long-running commands shortened (its docstring says how: the demo runs
    one day, ``serve`` must start and stop cleanly, ``worker`` runs once). The README's
    install-and-test lines are checked as written for their syntax (``bash -n``, like every
    block) and run as their quick forms in ``QUICK``. A block that names a host off this
    machine in a URL (an outside Open311 endpoint, say) is checked for its syntax only: the
    tests send nothing off the machine. A block after the line
    ``<!-- docs: needs-server -->`` needs a PostgreSQL server: it runs in
    ``test_server_blocks_run`` instead.
    """
    copy, env = _sandbox(tmp_path)
    for where, code, needs_server in _shell_blocks(page):
        if not needs_server:
            _run_block(where, code, copy, env)


def _server_blocks() -> list[tuple[str, str]]:
    return [(where, code) for page in _pages_with_shell()
            for where, code, needs in _shell_blocks(page) if needs]


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize(("where", "code"), _server_blocks(), ids=lambda v: str(v)[:30])
def test_server_blocks_run(where: str, code: str, tmp_path: Path) -> None:
    """A ``needs-server`` block runs against the test PostgreSQL server: each
    ``postgresql+psycopg://`` URL in it is replaced by the server's URL with a schema of its
    own (dropped after), then the block runs as in ``test_shell_blocks_run``; without a test
    server it is skipped (a failure in CI, as every PostgreSQL test)."""
    from tests.conftest import postgres_url

    base = postgres_url()
    schema = f"gf_docs_{uuid.uuid4().hex[:10]}"
    url = f"{base}{'&' if '?' in base else '?'}schema={schema}"
    copy, env = _sandbox(tmp_path)
    try:
        _run_block(where, PG_URL.sub(url, code), copy, env)
    finally:
        import sqlalchemy

        engine = sqlalchemy.create_engine(base)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


def test_the_dry_run_example_is_the_docs_script() -> None:
    """examples/dry-run.yaml is the script docs/workflows.md shows (its path made relative)."""
    shown = [yaml.safe_load(code) for _, code in _blocks("yaml")
             if code.lstrip().startswith("workflows: workflows.yaml")]
    assert len(shown) == 1
    example = yaml.safe_load((ROOT / "examples" / "dry-run.yaml").read_text(encoding="utf-8"))
    assert example.pop("workflows") == "../workflows.yaml"
    assert {k: v for k, v in shown[0].items() if k != "workflows"} == example


def test_the_cockpit_example_is_the_docs_file() -> None:
    """examples/cockpit.yaml holds the formulas docs/cockpit.md shows."""
    shown = [yaml.safe_load(code) for _, code in _blocks("yaml")
             if code.lstrip().startswith("kpis:")]
    assert len(shown) == 1
    example = yaml.safe_load((ROOT / "examples" / "cockpit.yaml").read_text(encoding="utf-8"))
    assert example == shown[0]


def test_outside_hosts_are_recognised() -> None:
    """What keeps the shell blocks on this machine."""
    assert outside_hosts("GOVFLOW_X=https://311api.cityofchicago.org/open311/v2 govflow") == [
        "311api.cityofchicago.org"]
    assert outside_hosts("export U=postgresql+psycopg://govflow@db.internal/govflow") == [
        "db.internal"]
    assert outside_hosts("govflow serve --store sqlite:///govflow.db  # open "
                         "http://127.0.0.1:8000/ or http://localhost:8000/") == []
    assert outside_hosts("postgresql+psycopg://postgres@127.0.0.1:5432/test?schema=x") == []
