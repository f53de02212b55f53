"""Finding plugins: the ``govflow`` entry-point group and a plugins folder.

Nothing here runs at import; :class:`~govflow.plugins.host.PluginHost` calls these when an
engine starts. A folder plugin is a ``name.py`` module or a ``name/`` package (with
``__init__.py``); its plugin name is ``name``. Folder modules are imported once per process
under the module name ``govflow_dirplugin_<name>`` (``folder_module``), so tests and the host
share the same module objects.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType

from govflow.plugins.markers import PROJECT

MODULE_PREFIX = "govflow_dirplugin_"


def iter_entry_points(group: str = PROJECT) -> Iterator[tuple[str, EntryPoint]]:
    """``(name, entry point)`` of every installed plugin, not yet loaded."""
    for ep in entry_points(group=group):
        yield ep.name, ep


def folder_candidates(folder: Path) -> list[tuple[str, Path]]:
    """Plugin names and files in ``folder``, sorted: ``x.py`` and ``x/__init__.py``."""
    found: list[tuple[str, Path]] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("_", ".")):
            continue
        if path.is_dir() and (path / "__init__.py").is_file():
            found.append((path.name, path / "__init__.py"))
        elif path.is_file() and path.suffix == ".py":
            found.append((path.stem, path))
    return found


def folder_module(name: str, init: Path) -> ModuleType:
    """Import the folder plugin ``name`` from ``init`` (once per process; reused after)."""
    module_name = MODULE_PREFIX + name
    existing = sys.modules.get(module_name)
    if existing is not None and Path(getattr(existing, "__file__", "")) == init.resolve():
        return existing
    is_package = init.name == "__init__.py"
    spec = importlib.util.spec_from_file_location(
        module_name, init.resolve(),
        submodule_search_locations=[str(init.parent.resolve())] if is_package else None,
    )
    if spec is None or spec.loader is None:  # pragma: no cover - only odd file systems
        raise ImportError(f"cannot import plugin {name!r} from {init}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def import_plugin(name: str, folder: Path) -> ModuleType:
    """The module of folder plugin ``name`` in ``folder`` (for tests and tools)."""
    for found, init in folder_candidates(folder):
        if found == name:
            return folder_module(found, init)
    raise ImportError(f"no plugin {name!r} in {folder} (expected {name}.py or {name}/__init__.py)")
