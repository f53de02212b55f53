"""Docs that run: the ```python blocks of README.md and of each docs/*.md page run, in order,
as one script per page (later blocks continue from earlier ones, as a reader would), and
every ```yaml block that defines workflows loads without problems."""

from __future__ import annotations

import re
import subprocess
import sys
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
