"""docs/plugins.md stays true: every hook documented with an example, tested, and runnable."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from govflow.plugins.hookspecs import HOOK_NAMES

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "plugins.md"
TEXT = GUIDE.read_text(encoding="utf-8")
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def sections() -> dict[str, str]:
    """Section text by heading (### or ##)."""
    parts = re.split(r"^(#{2,3} .+)$", TEXT, flags=re.M)
    return {parts[i].lstrip("# ").strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def snippets() -> list[tuple[str, str]]:
    """(heading, code) of every python block in the guide."""
    found: list[tuple[str, str]] = []
    for heading, body in sections().items():
        for n, code in enumerate(BLOCK.findall(body)):
            found.append((f"{heading}#{n}", code))
    return found


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_has_a_section_with_a_runnable_example(hook: str) -> None:
    """Each hook of hookspecs.py has a '### <hook>' section holding a python example."""
    body = sections().get(hook)
    assert body is not None, f"docs/plugins.md has no '### {hook}' section"
    assert BLOCK.search(body), f"the {hook} section has no python example"
    assert hook in "".join(code for code in BLOCK.findall(body)), (
        f"the {hook} example does not implement {hook}")


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_is_exercised_by_a_test(hook: str) -> None:
    """Each hook name appears in a test module other than this one."""
    here = Path(__file__).resolve()
    users = [p.name for p in (ROOT / "tests").glob("test_*.py")
             if p.resolve() != here and hook in p.read_text(encoding="utf-8")]
    assert users, f"no test mentions {hook}; add one (e.g. to tests/test_plugin_isolation.py)"


@pytest.mark.parametrize(("where", "code"), snippets(), ids=[w for w, _ in snippets()])
def test_the_guide_snippets_run(where: str, code: str, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Every python block in the guide runs from the repository root without error."""
    monkeypatch.chdir(ROOT)
    script = tmp_path / "snippet.py"
    script.write_text(code, encoding="utf-8")
    namespace = runpy.run_path(str(script), run_name="__snippet__")
    assert namespace  # the snippet ran to its end (its own asserts held)
