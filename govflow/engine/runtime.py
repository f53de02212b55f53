"""What every engine operation needs, gathered once at construction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from govflow.clock import Clock
from govflow.engine.actions import Action
from govflow.engine.hierarchy import Hierarchy
from govflow.engine.hooks import EngineHooks
from govflow.engine.limits import Limits
from govflow.engine.machine import WorkflowMachine
from govflow.errors import WorkflowError
from govflow.store.base import Store
from govflow.workflows.spec import WorkflowSpec
from govflow.worktime import WorkCalendar

log = logging.getLogger("govflow.engine")


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
    #: what one call may carry (checked at the door, and on what actions leave in the data)
    limits: Limits = field(default_factory=Limits)
    specs: dict[tuple[str, int], WorkflowSpec] = field(default_factory=dict)
    latest: dict[str, int] = field(default_factory=dict)
    machines: dict[tuple[str, int], WorkflowMachine] = field(default_factory=dict)
    #: versions known to be kept in the store (checked once per process)
    kept: set[tuple[str, int]] = field(default_factory=set)
    #: versions run from the store's copy because no loaded file has them
    restored: list[tuple[str, int]] = field(default_factory=list)

    def keep(self, spec: WorkflowSpec) -> None:
        """Keep the version in the store the first time a case opens on it. A stored copy with
        other content (the file changed without a new version number) is refused."""
        if spec.key in self.kept or not spec.text:
            return
        before = self.store.keep_workflow(spec.name, spec.version, spec.text, spec.digest)
        if before and before != spec.digest:
            raise WorkflowError(
                f"workflow {spec.name!r} version {spec.version} differs from the copy the "
                f"store keeps for its running cases (digest {before[:12]}, the file's "
                f"{spec.digest[:12]}): give the changed workflow a new version number and "
                "move the cases with `govflow migrate`"
            )
        self.kept.add(spec.key)

    def restore(self) -> list[tuple[str, int]]:
        """Load every version the store keeps that no loaded file has (never the latest of a
        workflow a file defines). Returns the versions restored now."""
        from govflow.workflows.load import load_workflows

        found: list[tuple[str, int]] = []
        for name, version, text, digest in self.store.workflow_versions():
            known = self.specs.get((name, version))
            if known is not None:
                if digest and known.digest and digest != known.digest:
                    log.warning("workflow %s v%d in the file differs from the stored copy its "
                                "cases were opened on", name, version)
                continue
            try:
                loaded = load_workflows(text, actions=set(self.actions),
                                        functions=set(self.functions),
                                        filename=f"stored {name} v{version}")
            except WorkflowError as exc:  # e.g. it names an action no plugin registers now
                log.error("workflow %s v%d is kept in the store but does not load here, so "
                          "its cases cannot run: %s", name, version, exc)
                continue
            spec = loaded.workflows[name]
            self.specs[spec.key] = spec
            self.kept.add(spec.key)
            self.restored.append(spec.key)
            found.append(spec.key)
            log.warning("workflow %s v%d is in no loaded file: its running cases run on the "
                        "copy kept in the store", name, version)
        return found

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
    bare = replace(spec, transitions=tuple(replace(t, guard=None, line=None)
                                           for t in spec.transitions))
    return bare, tuple(t.guard.source if t.guard else None for t in spec.transitions)
