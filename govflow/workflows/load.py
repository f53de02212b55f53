"""``load_workflows``: a workflows file (path or text) → a checked, compiled WorkflowSet."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from govflow.errors import Problem, WorkflowLoadError
from govflow.workflows.compile import compile_calendar, compile_workflow
from govflow.workflows.expr import BUILTIN_FUNCTIONS
from govflow.workflows.safeyaml import YamlFault, YamlLimits, read_yaml_file
from govflow.workflows.schema import WorkflowModel
from govflow.workflows.spec import WorkflowSet, WorkflowSpec
from govflow.workflows.structure import Structured, structure
from govflow.workflows.validate import Checked, WorkflowChecker, check_roles
from govflow.workflows.yamlio import YamlDocument, load_yaml

#: entry/exit and transition actions every engine knows
BUILTIN_ACTIONS: frozenset[str] = frozenset(
    {"notify_owner", "notify_reporter", "watchlist_add", "watchlist_remove", "route",
     "record_return"}
)  # fmt: skip


def read_source(
    source: str | Path, filename: str | None, limits: YamlLimits | None = None
) -> tuple[str, str]:
    """``(text, filename)`` of a path or of YAML text (text has a newline or no such file).

    A file is read within ``limits`` (its size) and must be UTF-8."""
    if isinstance(source, Path) or ("\n" not in source and _looks_like_path(source)):
        name = filename or str(source)
        try:
            return read_yaml_file(source, limits), name
        except YamlFault as fault:
            raise WorkflowLoadError(
                [Problem(name, fault.line, "", fault.message, fault.column)]
            ) from None
    return source, filename or "<text>"


def load_workflows(
    source: str | Path,
    *,
    actions: Collection[str] = BUILTIN_ACTIONS,
    functions: Collection[str] = BUILTIN_FUNCTIONS,
    filename: str | None = None,
    limits: YamlLimits | None = None,
) -> WorkflowSet:
    """Load, check and compile a workflows file.

    ``source`` is a path or the YAML text itself; ``actions`` and ``functions`` are the names
    the engine knows; ``limits`` bound the file's size, nodes and depth (default: the
    ``GOVFLOW_YAML_MAX_*`` environment, see :class:`~govflow.workflows.safeyaml.YamlLimits`).
    Raises :class:`~govflow.errors.WorkflowLoadError` listing every problem.
    """
    limits = _limits(limits)
    text, name = read_source(source, filename, limits)
    doc = load_yaml(text, limits)
    problems = [Problem(name, p.line, _dotted(p.path), p.message, p.column)
                for p in doc.problems]
    if doc.data is None and problems:
        raise WorkflowLoadError(problems)
    structured, found = structure(doc.data)
    found.extend(check_roles(structured.roles))
    checked: dict[str, Checked] = {}
    for wf_name, model in structured.workflows.items():
        checker = WorkflowChecker(
            wf_name, model, roles=structured.roles, actions=actions, functions=functions,
            partial=wf_name in structured.partial,
        )
        checked[wf_name] = checker.run()
        found.extend(checked[wf_name].found)
    problems.extend(Problem(name, doc.line_of(path), _dotted(path), msg) for path, msg in found)
    if problems:
        problems.sort(key=lambda p: (p.line if p.line is not None else 0))
        raise WorkflowLoadError(problems)
    return _compile(structured, checked, doc, name)


def _compile(
    structured: Structured, checked: dict[str, Checked], doc: YamlDocument, name: str
) -> WorkflowSet:
    specs: dict[str, WorkflowSpec] = {}
    for wf_name, model in structured.workflows.items():
        result = checked[wf_name]
        assert result.initial is not None  # a workflow without one was reported
        lines = {
            i: line
            for i in range(len(model.transitions))
            if (line := doc.lines.get(("workflows", wf_name, "transitions", i))) is not None
        }
        spec = compile_workflow(
            wf_name, model, initial=result.initial, guards=result.guards, lines=lines
        )
        text = version_text(wf_name, model, structured.roles)
        specs[wf_name] = replace(spec, text=text, digest=digest_of(text))
    return WorkflowSet(
        workflows=MappingProxyType(specs),
        calendar=compile_calendar(structured.calendar),
        roles=frozenset(structured.roles) | {"system"},
        source=name,
    )


def version_text(name: str, model: WorkflowModel, roles: Collection[str]) -> str:
    """One workflow version as a stand-alone workflows file: canonical JSON (valid YAML) with
    the roles it may name, so it loads again without the file it came from."""
    body = model.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    body["version"] = model.version
    doc = {"roles": sorted(roles), "workflows": {name: body}}
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _limits(limits: YamlLimits | None) -> YamlLimits:
    if limits is not None:
        return limits
    try:
        return YamlLimits.from_env()
    except YamlFault as fault:
        raise WorkflowLoadError([Problem("environment", None, "", fault.message)]) from None


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _looks_like_path(text: str) -> bool:
    if text.endswith((".yaml", ".yml")):
        return True
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False
