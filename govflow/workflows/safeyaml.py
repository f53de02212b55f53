"""Read YAML that may be hostile: limits on size, nodes and depth; every fault with its place.

Every govflow YAML reader goes through here, so one alias bomb ("billion laughs"), one
self-referencing alias, one control byte or one non-UTF-8 byte gives the same clear error
everywhere, with the line and column, instead of a hang, a ``RecursionError`` or a raw
``yaml`` exception. Aliases are resolved once: a node used twice is one shared node, and the
node limit counts it as often as it is used, so what the readers build from it stays bounded.

The limits (:class:`YamlLimits`) can be raised per process with the environment variables
``GOVFLOW_YAML_MAX_BYTES``, ``GOVFLOW_YAML_MAX_NODES`` and ``GOVFLOW_YAML_MAX_DEPTH``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from io import FileIO
from pathlib import Path
from typing import Any

import yaml

from govflow.workflows.quote import quoted

ENV = {"max_bytes": "GOVFLOW_YAML_MAX_BYTES", "max_nodes": "GOVFLOW_YAML_MAX_NODES",
       "max_depth": "GOVFLOW_YAML_MAX_DEPTH"}  # fmt: skip
_WHAT = {"max_bytes": "bytes", "max_nodes": "nodes", "max_depth": "levels of nesting"}


@dataclass(frozen=True, slots=True)
class YamlLimits:
    """How much one YAML file may hold. ``max_nodes`` counts every scalar, list and mapping,
    an alias as many times as it is used; ``max_depth`` is the nesting of lists and mappings."""

    max_bytes: int = 16 * 1024 * 1024
    max_nodes: int = 100_000
    max_depth: int = 64

    @classmethod
    def from_env(cls, base: YamlLimits | None = None) -> YamlLimits:
        """``base`` (default: the class defaults, made for hand-written files), each limit
        replaced by its ``GOVFLOW_YAML_MAX_*`` variable when that is set."""
        values: dict[str, int] = {}
        for name, var in ENV.items():
            raw = os.environ.get(var, "").strip().replace("_", "")
            if raw:
                try:
                    values[name] = int(raw)
                except ValueError:
                    values[name] = 0
                if values[name] < 1:
                    raise YamlFault(None, None, f"{var}={quoted(raw)} is not a whole number "
                                    "of 1 or more; set one, or unset the variable")
        return replace(base or cls(), **values)

    def exceeded(self, name: str, found: str) -> str:
        """The message for going over one limit: what, the limit, and how to raise it."""
        limit = getattr(self, name)
        return (f"{found}; the limit is {limit:,} {_WHAT[name]}: make the file smaller, or "
                f"raise the limit with {ENV[name]}")


#: libyaml's SafeLoader where PyYAML has it (about 15 times faster), else PyYAML's own
FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: limits for files a program writes (grid, party): as large as they come, but still bounded
MACHINE_WRITTEN = YamlLimits(max_nodes=5_000_000)


class YamlFault(Exception):
    """One reason a YAML text cannot be read, with its 1-based line and column when known.

    Readers turn it into their own error (a ``Problem`` of a ``WorkflowLoadError``, a
    ``GridError`` …); it never leaves govflow.
    """

    def __init__(self, line: int | None, column: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message

    def where(self, file: str | Path) -> str:
        """``file:line:column`` (as much of it as is known)."""
        place = str(file)
        if self.line is not None:
            place += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return place


def read_yaml_file(path: str | Path, limits: YamlLimits | None = None) -> str:
    """The text of a YAML file: at most ``max_bytes``, UTF-8 (a bad byte is named by place).

    At most ``max_bytes + 1`` bytes are read, whatever ``stat`` says: a file that grows while
    it is read, a FIFO or a device (``/dev/zero``) is refused at the limit, not read whole."""
    limits = limits or YamlLimits.from_env()
    file = Path(path)
    try:
        with file.open("rb", buffering=0) as stream:  # unbuffered: no read-ahead past the cap
            data = _read_at_most(stream, limits.max_bytes + 1)
            if len(data) > limits.max_bytes:
                found = os.fstat(stream.fileno())
                size = (f"{found.st_size:,} bytes" if stat.S_ISREG(found.st_mode)
                        and found.st_size > limits.max_bytes
                        else f"more than {limits.max_bytes:,} bytes")
                raise YamlFault(None, None, limits.exceeded("max_bytes", f"the file has {size}"))
    except OSError as exc:
        raise YamlFault(None, None, f"cannot read the file: {exc.strerror or exc}") from exc
    return decode_utf8(data)


def _read_at_most(stream: FileIO, most: int) -> bytes:
    """Up to ``most`` bytes of an unbuffered ``stream``: each read asks for no more than is
    still wanted, so nothing past ``most`` is taken from a pipe."""
    chunks: list[bytes] = []
    wanted = most
    while wanted > 0:
        chunk = stream.read(wanted)
        if not chunk:
            break
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)


def decode_utf8(data: bytes) -> str:
    """``data`` as text; a byte that is not UTF-8 is reported with its offset, line and column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        bad = data[start:exc.end]
        raise YamlFault(line, column, f"byte {start:,} ({bad!r}) is not UTF-8 ({exc.reason}); "
                        "save the file as UTF-8") from None


def compose(text: str, loader: type[Any] | None = None, limits: YamlLimits | None = None,
            ) -> yaml.Node | None:
    """The node graph of the one document in ``text`` (``None`` for an empty one), checked
    against ``limits``; ``loader`` is a SafeLoader or CSafeLoader subclass (default:
    :data:`FAST_LOADER`). Raises :class:`YamlFault`.

    The events are counted first (libyaml's parser, stopping at the first limit passed), so
    nothing is composed of a file over the limits; the graph is then measured with every
    alias expanded (:func:`measure`)."""
    limits = limits or YamlLimits.from_env()
    loader = loader or FAST_LOADER
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # text made in Python, not read from a file
        line, column = _place(text, exc.start)
        raise YamlFault(line, column, f"character {quoted(text[exc.start])} is not valid text "
                        "(a lone surrogate); remove it") from None
    if size > limits.max_bytes:
        raise YamlFault(None, None, limits.exceeded("max_bytes", f"the text has {size:,} bytes"))
    aliases = prescan(text, limits)
    reader = _open(loader, text)
    try:
        node: yaml.Node | None = reader.get_single_node()
    except yaml.YAMLError as exc:
        raise fault_of(exc, text, bytewise=_bytewise(reader)) from None
    finally:
        reader.dispose()
    if node is not None and aliases:  # without aliases the event count said it all
        measure(node, limits)
    return node


def prescan(text: str, limits: YamlLimits) -> int:
    """Count the nodes and the nesting of ``text`` from its events, and find an alias inside
    the node it names, before anything is composed; stops at the first limit passed.
    Returns the number of aliases."""
    parser = _open(FAST_LOADER, text)
    nodes = aliases = 0
    opened: list[int] = []  # a serial for each open list or mapping
    latest: dict[str, int] = {}  # anchor → the serial of its latest definition (-1: a scalar)
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > limits.max_nodes:
                    raise _event_fault(event, limits.exceeded(
                        "max_nodes", "the file has too many nodes (values, lists and mappings)"))
                if isinstance(event, yaml.AliasEvent):
                    aliases += 1
                    if latest.get(event.anchor or "", -1) in opened:
                        raise _event_fault(event, f"alias *{event.anchor} is inside the node "
                                           f"it names (&{event.anchor}), so it would contain "
                                           "itself; write the value out instead of the alias")
                elif isinstance(event, yaml.CollectionStartEvent):
                    opened.append(nodes)
                    if len(opened) > limits.max_depth:
                        raise _event_fault(event, limits.exceeded(
                            "max_depth", "the file nests lists and mappings too deep"))
                if event.anchor is not None and not isinstance(event, yaml.AliasEvent):
                    latest[event.anchor] = nodes if isinstance(
                        event, yaml.CollectionStartEvent) else -1
            elif isinstance(event, yaml.CollectionEndEvent):
                opened.pop()
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's own cap, 1,000 levels of flow
            mark = getattr(exc, "problem_mark", None)
            raise YamlFault(mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                            limits.exceeded("max_depth", "the file nests lists and mappings "
                                            "too deep")) from None
        raise fault_of(exc, text, bytewise=_bytewise(parser)) from None
    finally:
        parser.dispose()
    return aliases


def _open(loader: type[Any], text: str) -> Any:
    try:
        return loader(text)  # the pure-Python reader checks every character here
    except yaml.YAMLError as exc:
        raise fault_of(exc, text) from None


def _bytewise(reader: Any) -> bool:
    """libyaml gives a bad character's place in bytes of UTF-8, PyYAML in characters."""
    c_parser = getattr(getattr(yaml, "cyaml", None), "CParser", None)
    return c_parser is not None and isinstance(reader, c_parser)


def _event_fault(event: yaml.Event, message: str) -> YamlFault:
    mark = event.start_mark
    if mark is None:
        return YamlFault(None, None, message)
    return YamlFault(mark.line + 1, mark.column + 1, message)


def fault_of(exc: yaml.YAMLError, text: str = "", *, bytewise: bool = False) -> YamlFault:
    """A :class:`YamlFault` for a PyYAML error: its line, column and a short message
    (``bytewise``: a reader error's position counts bytes of UTF-8, not characters)."""
    if isinstance(exc, yaml.reader.ReaderError):
        position = exc.position
        if bytewise:
            head = text.encode("utf-8")[:position]
            position = len(head.decode("utf-8", "replace"))
        line, column = _place(text, position)
        char = exc.character
        shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        return YamlFault(line, column, f"character {shown} is not allowed in YAML (a control "
                         "character); delete it or write it as an escape in a quoted text")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or str(exc)
        context = f" ({exc.context})" if exc.context else ""
        if mark is None:
            return YamlFault(None, None, f"YAML error: {what}{context}")
        return YamlFault(mark.line + 1, mark.column + 1,
                         f"YAML syntax error: {what}{context}; fix the YAML")
    return YamlFault(None, None, f"YAML error: {exc}")


def _place(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def mark_fault(node: yaml.Node, message: str) -> YamlFault:
    """A :class:`YamlFault` at ``node``'s start."""
    return YamlFault(node.start_mark.line + 1, node.start_mark.column + 1, message)


class Hardened:
    """Mixin for a SafeLoader or CSafeLoader subclass: a value its constructor cannot build
    (``2026-02-30``, ``!!timestamp nope``) is a :class:`YamlFault` at that very value."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]
        except _CONSTRUCT_ERRORS as exc:  # the innermost node that failed names the place
            raise _bad_value(node, exc) from None


def measure(root: yaml.Node, limits: YamlLimits) -> None:
    """Check the graph under ``root`` with every alias expanded, in time linear in the graph
    itself: the nodes against ``max_nodes``, the nesting against ``max_depth``, no cycle."""
    size: dict[int, int] = {}  # of each list and mapping, expanded; a scalar is 1, depth 0
    depth: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    while stack:
        node, kids = stack.pop()
        key = id(node)
        if kids is not None:  # its children are done
            entered.discard(key)
            total, deepest = 1, 0
            for kid in kids:
                if isinstance(kid, yaml.ScalarNode):
                    total += 1
                else:
                    total += size[id(kid)]
                    deepest = max(deepest, depth[id(kid)])
            size[key], depth[key] = total, deepest + 1
            if total > limits.max_nodes:
                raise mark_fault(node, limits.exceeded(
                    "max_nodes", f"this value has {total:,} nodes with its aliases expanded"))
            if deepest + 1 > limits.max_depth:
                raise mark_fault(node, limits.exceeded(
                    "max_depth", f"this value nests {deepest + 1:,} levels deep with its "
                    "aliases expanded"))
            continue
        if key in size or isinstance(node, yaml.ScalarNode):
            continue
        if key in entered:
            raise mark_fault(node, "this value contains itself through an alias; write the "
                             "value out instead of the alias")
        entered.add(key)
        children = _children(node)
        stack.append((node, children))
        stack.extend((k, None) for k in children
                     if not isinstance(k, yaml.ScalarNode) and id(k) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def construct_value(loader: Any, node: yaml.Node) -> Any:
    """``loader.construct_object(node, deep=True)``, a fault raised as :class:`YamlFault`
    (with a :class:`Hardened` loader, a bad value is reported at its own node)."""
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise fault_of(exc) from None
    except _CONSTRUCT_ERRORS as exc:
        raise _bad_value(node, exc) from None


#: how PyYAML's constructors fail on text that does not fit its (implicit or explicit) tag
_CONSTRUCT_ERRORS = (ValueError, TypeError, OverflowError, AttributeError, IndexError, KeyError)


def _bad_value(node: yaml.Node, exc: Exception) -> YamlFault:
    value = node.value if isinstance(node, yaml.ScalarNode) else ""
    detail = f" ({exc})" if isinstance(exc, ValueError) else ""
    return mark_fault(node, f"{quoted(value)} is not a valid {_kind(node.tag)}{detail}; "
                      "correct it, or quote it to keep it as text")


def _kind(tag: str) -> str:
    return {"tag:yaml.org,2002:timestamp": "date", "tag:yaml.org,2002:int": "whole number",
            "tag:yaml.org,2002:float": "number"}.get(tag, "value")


class HardenedLoader(Hardened, FAST_LOADER):  # type: ignore[misc]
    """``yaml.SafeLoader``'s semantics (libyaml's speed where it is installed)."""


def safe_load(text: str, limits: YamlLimits | None = None) -> Any:
    """``yaml.safe_load(text)`` within ``limits``; every fault is a :class:`YamlFault`."""
    node = compose(text, HardenedLoader, limits)
    if node is None:
        return None
    loader = HardenedLoader("")
    try:
        return construct_value(loader, node)
    finally:
        loader.dispose()


def safe_load_file(path: str | Path, limits: YamlLimits | None = None) -> Any:
    """``yaml.safe_load`` of a file (UTF-8, at most ``max_bytes``) within ``limits``."""
    limits = limits or YamlLimits.from_env()
    return safe_load(read_yaml_file(path, limits), limits)
