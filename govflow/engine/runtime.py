"""What every engine operation needs, gathered once at construction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from govflow.clock import Clock
from govflow.engine.actions import Action
from govflow.engine.hierarchy import Hierarchy
from govflow.engine.hooks import EngineHooks
from govflow.engine.machine import WorkflowMachine
from govflow.errors import WorkflowError
from govflow.store.base import Store
from govflow.workflows.spec import WorkflowSpec
from govflow.worktime import WorkCalendar


@dataclass(slots=True)
class Runtime:
    """The engine's parts: store, clock, calendar, grid, hooks, actions, compiled machines."""

    store: Store
    clock: Clock
    calendar: WorkCalendar
    grid: Hierarchy
    hooks: EngineHooks
    actions: Mapping[str, Action]
    functions: Mapping[str, Callable[..., Any]]
    specs: dict[tuple[str, int], WorkflowSpec] = field(default_factory=dict)
    latest: dict[str, int] = field(default_factory=dict)
    machines: dict[tuple[str, int], WorkflowMachine] = field(default_factory=dict)

    def add(self, spec: WorkflowSpec) -> None:
        """Register a workflow version; running cases keep the version they started on."""
        known = self.specs.get(spec.key)
        if known is not None and _content(known) != _content(spec):
            raise WorkflowError(
                f"workflow {spec.name!r} version {spec.version} is already loaded with other "
                "content: give the changed workflow a new version number"
            )
        self.specs[spec.key] = spec
        if spec.version >= self.latest.get(spec.name, 0):
            self.latest[spec.name] = spec.version

    def spec(self, name: str, version: int | None = None) -> WorkflowSpec:
        if version is None:
            version = self.latest.get(name)
        spec = self.specs.get((name, version)) if version is not None else None
        if spec is None:
            known = ", ".join(sorted(f"{n} v{v}" for n, v in self.specs)) or "none"
            raise WorkflowError(f"no workflow {name!r} version {version}; loaded: {known}")
        return spec

    def machine(self, spec: WorkflowSpec) -> WorkflowMachine:
        key = (spec.name, spec.version)
        machine = self.machines.get(key)
        if machine is None:
            machine = self.machines[key] = WorkflowMachine(spec)
        return machine


def _content(spec: WorkflowSpec) -> tuple[WorkflowSpec, tuple[str | None, ...]]:
    """The workflow without its compiled guards (objects without equality), and the guards'
    source texts: two versions with the same content compare equal."""
    bare = replace(spec, transitions=tuple(replace(t, guard=None) for t in spec.transitions))
    return bare, tuple(t.guard.source if t.guard else None for t in spec.transitions)
