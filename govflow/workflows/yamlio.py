"""Read a workflows file: ``yaml.safe_load`` semantics, plus the line of every node.

Two departures from PyYAML's YAML 1.1 defaults, because department files are written by hand:
only ``true``/``false`` are booleans (``on``, ``off``, ``yes``, ``no`` stay text), and numbers
follow YAML 1.2 (``13:30`` is the text "13:30", not the sexagesimal 810; ``010`` is 10).
A key written twice is reported instead of silently keeping the last one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

#: a path into the document: mapping keys and list indexes
Path = tuple[str | int, ...]

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0x[0-9a-fA-F_]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class WorkflowYamlLoader(yaml.SafeLoader):
    """A SafeLoader whose booleans are only true/false and whose numbers are YAML 1.2's."""

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


@dataclass(slots=True)
class YamlDocument:
    """The plain data of a file, the 1-based line of each node, and what could not be read."""

    data: Any = None
    lines: dict[Path, int] = field(default_factory=dict)
    #: (line, path, message) for duplicate keys and syntax errors
    problems: list[tuple[int | None, Path, str]] = field(default_factory=list)

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor the file has."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def load_yaml(text: str) -> YamlDocument:
    """Parse ``text`` into a :class:`YamlDocument`; never raises on bad YAML (see problems)."""
    doc = YamlDocument()
    loader = WorkflowYamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            doc.data = _build(loader, node, (), doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or str(exc)
        context = f" ({exc.context})" if exc.context else ""
        doc.problems.append((line, (), f"YAML syntax error: {what}{context}; fix the YAML"))
        doc.data = None
    except yaml.YAMLError as exc:
        doc.problems.append((None, (), f"YAML error: {exc}"))
        doc.data = None
    finally:
        loader.dispose()
    return doc


def _build(loader: WorkflowYamlLoader, node: yaml.Node, path: Path, doc: YamlDocument) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        written = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
        loader.flatten_mapping(node)  # merged keys come first; written ones override them
        out: dict[Any, Any] = {}
        explicit: set[Any] = set()
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                key = str(key)
            child = (*path, key if isinstance(key, str | int) else str(key))
            if id(key_node) in written:
                if key in explicit:
                    doc.problems.append(
                        (
                            key_node.start_mark.line + 1,
                            child,
                            f"key {key!r} is written twice; keep one "
                            "(YAML would silently use the last)",
                        )
                    )
                explicit.add(key)
            doc.lines[child] = key_node.start_mark.line + 1
            out[key] = _build(loader, value_node, child, doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), doc) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
