"""Every import in the package points down the layers of docs/layers.md.

The modules are read with ``ast``, never imported. Every ``import`` counts wherever it stands
(top level, inside a function, under ``if TYPE_CHECKING:``); relative imports are resolved
against the module's package, and ``from govflow.x import y`` is the module ``govflow.x.y``
when that is a module, else ``govflow.x``. An upward import fails the test with its file and
line unless it is in ``KNOWN`` with its reason; a ``KNOWN`` entry that no longer occurs fails
too, so the list only shrinks.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "govflow"
TABLE = ROOT / "docs" / "layers.md"

#: (importing module, imported module): why it stays for now
KNOWN: dict[tuple[str, str], str] = {
    ("govflow.engine.engine", "govflow.plugins.host"):
        "Engine(plugins=..., plugins_dir=...) builds its own PluginHost (a late import, and "
        "the type of the `plugins` argument); the engine itself talks to it only through "
        "the EngineHooks protocol",
}

ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*?)\|", re.MULTILINE)
NAME = re.compile(r"`(govflow[\w.]*)`")


def layers() -> dict[str, int]:
    """Module or package name -> layer, from the table of docs/layers.md."""
    found: dict[str, int] = {}
    for match in ROW.finditer(TABLE.read_text(encoding="utf-8")):
        for name in NAME.findall(match.group(2)):
            assert name not in found, f"{name} is placed twice in {TABLE.name}"
            found[name] = int(match.group(1))
    return found


def modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def layer_of(module: str, table: dict[str, int]) -> int | None:
    """The layer of the deepest table entry naming ``module`` or a package above it;
    ``govflow`` itself names only the package's ``__init__``."""
    parts = module.split(".")
    for n in range(len(parts), 1, -1):
        layer = table.get(".".join(parts[:n]))
        if layer is not None:
            return layer
    return table["govflow"] if module == "govflow" else None


def imports(module: str, path: Path, known: set[str]) -> list[tuple[int, str]]:
    """``(line, imported govflow module)`` of every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((node.lineno, sub if sub in known else target))
    return [(line, name) for line, name in found
            if name == "govflow" or name.startswith("govflow.")]


def test_every_module_is_placed() -> None:
    """A new module or package must be given a layer in docs/layers.md."""
    table = layers()
    unplaced = [m for m in modules() if layer_of(m, table) is None]
    assert not unplaced, f"place these in {TABLE.relative_to(ROOT)}: {unplaced}"


def test_the_table_names_only_real_modules() -> None:
    known = modules()
    stale = [name for name in layers() if name not in known]
    assert not stale, f"{TABLE.relative_to(ROOT)} names modules that do not exist: {stale}"


def test_imports_point_down() -> None:
    table = layers()
    mods = modules()
    names = set(mods)
    upward: list[str] = []
    seen_known: set[tuple[str, str]] = set()
    for module, path in mods.items():
        mine = layer_of(module, table)
        assert mine is not None
        for line, target in imports(module, path, names):
            theirs = layer_of(target, table)
            assert theirs is not None, f"{path}:{line} imports {target}, which has no layer"
            if theirs <= mine:
                continue
            if (module, target) in KNOWN:
                seen_known.add((module, target))
                continue
            upward.append(f"{path.relative_to(ROOT)}:{line}: {module} (layer {mine}) imports "
                          f"{target} (layer {theirs})")
    assert not upward, "imports pointing up a layer:\n" + "\n".join(upward)
    gone = set(KNOWN) - seen_known
    assert not gone, f"these KNOWN upward imports no longer occur; drop them: {sorted(gone)}"


def test_the_walk_sees_late_and_type_only_imports(tmp_path: Path) -> None:
    """The walker itself: a function-level, a TYPE_CHECKING and a relative import are found."""
    pkg = tmp_path / "govflow" / "store"
    pkg.mkdir(parents=True)
    source = pkg / "x.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from govflow.engine.engine import Engine\n"
        "def f():\n    from ..cli import main\n"
        "from . import base\n", encoding="utf-8")
    found = imports("govflow.store.x", source, {"govflow.store.base"})
    assert sorted(found) == [(3, "govflow.engine.engine"), (5, "govflow.cli"),
                             (6, "govflow.store.base")]
    table = layers()
    assert [layer_of(m, table) for _, m in sorted(found)] == [5, 12, 4]


def load_time_imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The govflow modules ``path`` imports while it is being loaded: module-level imports
    (in ``if``/``try``/``with`` blocks and class bodies too), not those inside functions nor
    under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines: set[int] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                lines.add(node.lineno)
            elif isinstance(node, ast.If):
                test = node.test
                name = test.id if isinstance(test, ast.Name) else (
                    test.attr if isinstance(test, ast.Attribute) else "")
                if name != "TYPE_CHECKING":
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for part in (node.body, node.orelse, node.finalbody,
                             *(h.body for h in node.handlers)):
                    visit(part)
            elif isinstance(node, ast.With | ast.ClassDef):
                visit(node.body)

    visit(tree.body)
    return {target for line, target in imports(module, path, known) if line in lines}


def test_no_import_circle_at_load_time() -> None:
    """No circle of imports that run when the modules load (inside a layer too), which
    makes the modules inseparable and their import order fragile. A late (function-level)
    or type-only import that closes a circle is allowed: it runs after both are loaded."""
    mods = modules()
    names = set(mods)
    graph = {m: sorted(t for t in load_time_imports(m, p, names) if t in names and t != m)
             for m, p in mods.items()}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            circle = [*path[path.index(module):], module]
            raise AssertionError("import circle: " + " -> ".join(circle))
        if module in done:
            return
        for target in graph[module]:
            visit(target, [*path, module])
        done.add(module)

    for module in graph:
        visit(module, [])


def test_load_time_imports_leave_out_late_and_type_only_ones(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text(
        "import govflow.errors\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from govflow.engine import engine\n"
        "try:\n    import govflow.clock\nexcept ImportError:\n    pass\n"
        "def f():\n    import govflow.cli\n", encoding="utf-8")
    found = load_time_imports("govflow.store.x", source, set())
    assert found == {"govflow.errors", "govflow.clock"}
