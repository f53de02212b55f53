"""Docs that run: every ```python block in README.md and docs/*.md is executed, and every
```yaml block that defines workflows loads without problems."""

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


@pytest.mark.parametrize(("where", "code"), _blocks("python"), ids=lambda v: str(v)[:40])
def test_python_block_runs(where: str, code: str, tmp_path: Path) -> None:
    """The block runs as a script from the repository root and exits 0."""
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize(("where", "text"), _blocks("yaml"), ids=lambda v: str(v)[:40])
def test_workflow_yaml_block_loads(where: str, text: str) -> None:
    """A YAML block that defines workflows is a valid workflows file."""
    parsed = yaml.safe_load(text)
    if not isinstance(parsed, dict) or "workflows" not in parsed:
        pytest.skip(f"{where} is not a workflows file")
    loaded = load_workflows(text, filename=where)
    assert loaded.workflows


def test_readme_opens_with_the_two_commands() -> None:
    """The README's first two commands are the demo and the test run that CI uses."""
    blocks = [code.strip() for _, code in _blocks("bash")][:2]
    assert blocks[0].endswith("govflow demo")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = blocks[1].split("&&")[-1].strip()
    assert test_command.replace(".venv/bin/", "") in ci.replace('"$VENV"/bin/', "")
