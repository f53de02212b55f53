"""Read a workflows file: ``yaml.safe_load`` semantics, plus the line of every node.

Two departures from PyYAML's YAML 1.1 defaults, because department files are written by hand:
only ``true``/``false`` are booleans (``on``, ``off``, ``yes``, ``no`` stay text), and numbers
follow YAML 1.2 (``13:30`` is the text "13:30", not the sexagesimal 810; ``010`` is 10).
A key written twice is reported instead of silently keeping the last one. The text is read
through :mod:`govflow.workflows.safeyaml`: an alias is built once and shared, and the size,
node and depth limits hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml

from govflow.workflows.quote import quoted
from govflow.workflows.safeyaml import (
    FAST_LOADER,
    Hardened,
    YamlFault,
    YamlLimits,
    compose,
    construct_value,
    fault_of,
)

#: a path into the document: mapping keys and list indexes
Path = tuple[str | int, ...]

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0x[0-9a-fA-F_]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class WorkflowYamlLoader(Hardened, FAST_LOADER):  # type: ignore[misc]
    """A SafeLoader whose booleans are only true/false and whose numbers are YAML 1.2's
    (libyaml's where installed; a value it cannot build is reported at its place)."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's own class attribute)
        first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node)).replace("_", "")
        return int(text, 16) if text.lower().startswith("0x") else int(text, 10)


WorkflowYamlLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
WorkflowYamlLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
WorkflowYamlLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
WorkflowYamlLoader.add_constructor(
    "tag:yaml.org,2002:int",
    WorkflowYamlLoader.construct_yaml_int,
)


class YamlProblem(NamedTuple):
    """A problem found while reading the YAML itself (1-based line and column)."""

    line: int | None
    path: Path
    message: str
    column: int | None = None


@dataclass(slots=True)
class YamlDocument:
    """The plain data of a file, the 1-based line of each node, and what could not be read."""

    data: Any = None
    lines: dict[Path, int] = field(default_factory=dict)
    #: duplicate keys, syntax errors, bad values, limits: everything the YAML itself got wrong
    problems: list[YamlProblem] = field(default_factory=list)

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor the file has."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def load_yaml(text: str, limits: YamlLimits | None = None) -> YamlDocument:
    """Parse ``text`` into a :class:`YamlDocument`; never raises on bad YAML (see problems).

    When the YAML cannot be read (syntax, a limit, a value that is not what its form says),
    ``data`` is ``None`` and ``problems`` lists every such fault found.
    """
    doc = YamlDocument()
    try:
        node = compose(text, WorkflowYamlLoader, limits)
    except YamlFault as fault:
        doc.problems.append(YamlProblem(fault.line, (), fault.message, fault.column))
        return doc
    if node is None:
        return doc
    builder = _Builder(doc)
    try:
        data = builder.build(node, ())
    except YamlFault as fault:
        builder.faults.append(YamlProblem(fault.line, (), fault.message, fault.column))
    finally:
        builder.loader.dispose()
    if builder.faults:
        doc.problems.extend(builder.faults)
        return doc
    doc.data = data
    return doc


class _Builder:
    """Plain values from a composed node graph: a node reached twice (an alias) is built
    once and shared, so the work and the memory stay those of the file as written."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.loader = WorkflowYamlLoader("")
        self.built: dict[int, Any] = {}
        self.faults: list[YamlProblem] = []

    def build(self, node: yaml.Node, path: Path) -> Any:
        doc = self.doc
        doc.lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in self.built:
            return self.built[id(node)]
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            self.built[id(node)] = out
            self._mapping(node, path, out)
            return out
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            self.built[id(node)] = items
            items.extend(self.build(item, (*path, i)) for i, item in enumerate(node.value))
            return items
        return self._value(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path, out: dict[Any, Any]) -> None:
        written = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
        try:
            self.loader.flatten_mapping(node)  # merged keys come first; written ones override
        except yaml.YAMLError as exc:
            raise fault_of(exc) from None
        explicit: set[Any] = set()
        for key_node, value_node in node.value:
            key = self._value(key_node, path)
            if not isinstance(key, str | int | float | bool) and key is not None:
                key = str(key)
            child = (*path, key if isinstance(key, str | int) else str(key))
            if id(key_node) in written:
                if key in explicit:
                    self.doc.problems.append(YamlProblem(
                        key_node.start_mark.line + 1, child,
                        f"key {quoted(key)} is written twice; keep one "
                        "(YAML would silently use the last)", key_node.start_mark.column + 1))
                explicit.add(key)
            self.doc.lines[child] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, child)

    def _value(self, node: yaml.Node, path: Path) -> Any:
        try:
            return construct_value(self.loader, node)
        except YamlFault as fault:
            self.faults.append(YamlProblem(fault.line, path, fault.message, fault.column))
            return None
