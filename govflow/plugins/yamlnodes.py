"""Read YAML into plain Python values while keeping the line of every value.

``yaml.safe_load`` semantics (no tags, no objects), except that ``yes``/``no``/``on``/``off``
stay strings: department files write ``on: close`` and mean the word. Read within the limits
of :mod:`govflow.workflows.safeyaml` (size, nodes, depth; aliases shared); every fault is a
:class:`~govflow.workflows.safeyaml.YamlFault` with its line and column.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from govflow.workflows.safeyaml import FAST_LOADER, Hardened, compose, construct_value

Path_ = tuple[str | int, ...]


class _Loader(Hardened, FAST_LOADER):  # type: ignore[misc]
    """SafeLoader whose booleans are only ``true`` and ``false``."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    """The document as plain values, and the 1-based line of each value by its path."""
    lines: dict[Path_, int] = {}
    node = compose(text, _Loader)
    if node is None:
        return None, lines
    loader = _Loader("")

    def build(current: yaml.Node, path: Path_) -> Any:
        lines[path] = current.start_mark.line + 1
        if isinstance(current, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in current.value:
                key = str(construct_value(loader, key_node))
                out[key] = build(value_node, (*path, key))
            return out
        if isinstance(current, yaml.SequenceNode):
            return [build(item, (*path, i)) for i, item in enumerate(current.value)]
        return construct_value(loader, current)

    try:
        return build(node, ()), lines
    finally:
        loader.dispose()


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
