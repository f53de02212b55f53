"""A test helper for plugin authors: an engine on a memory store and a simulated clock.

::

    from govflow.plugins.testing import PluginHarness

    def test_my_plugin_opens_a_case():
        harness = PluginHarness(my_plugin, workflows="workflows.yaml")
        report = harness.feed("my_source", [{"id": "1", "cell": "410102001001001", ...}])
        assert report.opened == 1
        assert harness.open_cases()[0].workflow == "standard_case"
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govflow.clock import SimClock
from govflow.engine.hierarchy import Hierarchy
from govflow.plugins.host import PluginFailure, PluginHost
from govflow.plugins.intake import Intake, IntakeReport
from govflow.plugins.sources import RawRecord
from govflow.records import Case, DeadLetter
from govflow.workflows.spec import WorkflowSet

#: The harness's default start: Tuesday 2026-09-29 09:00 in Shanghai.
START = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)


class _Feed:
    """A source over given payloads, numbered after every record fed before."""

    def __init__(self, name: str, model: Any, payloads: Sequence[Mapping[str, Any]],
                 start: int, id_field: str | None) -> None:
        self.name, self.model = name, model
        self._payloads, self._start, self._id_field = payloads, start, id_field

    def read(self, cursor: str | None) -> Iterator[RawRecord]:
        for offset, payload in enumerate(self._payloads):
            n = self._start + offset
            rid = str(payload.get(self._id_field, n)) if self._id_field else str(n)
            yield RawRecord(id=rid, cursor=str(n), payload=payload)


class PluginHarness:
    """An engine (memory store, simulated clock) with the given plugins loaded.

    :param plugins: plugin objects (modules or instances).
    :param workflows: the deployment's workflow file (or a compiled set); the workflow files
        the plugins register are loaded after it.
    :param grid: the grid (default: none; any 15-digit cell code is accepted then).
    :param rules_files: the deployment's ``rules.yaml`` files (tried before the plugins' rules).
    """

    def __init__(
        self, *plugins: object, workflows: str | Path | WorkflowSet,
        grid: Hierarchy | None = None, clock: SimClock | None = None,
        cells: Iterable[str] | None = None, env: Mapping[str, str] | None = None,
        rules_files: Sequence[str | Path] = (),
    ) -> None:
        from govflow.engine.engine import Engine
        from govflow.store.memory import MemoryStore

        self.host = PluginHost(plugins, entry_points=False, env=env or {},
                               rules_files=rules_files)
        self.clock = clock or SimClock(START)
        # the engine loads the plugins' workflow files after ``workflows``
        self.engine = Engine(workflows, store=MemoryStore(), clock=self.clock, grid=grid,
                             plugins=self.host)
        self.intake = Intake(self.engine, self.host,
                             cells=frozenset(cells) if cells is not None else None)
        self._fed: dict[str, int] = {}

    def feed(self, source: str, payloads: Iterable[Mapping[str, Any]], *,
             id_field: str | None = None, batch: int = 500) -> IntakeReport:
        """Run intake over ``payloads`` as records of the registered source ``source``."""
        registered = self.host.sources[source]
        given = list(payloads)
        start = self._fed.get(source, 0)
        self._fed[source] = start + len(given)
        id_field = id_field or getattr(registered, "id_field", None)
        feed = _Feed(source, registered.model, given, start, id_field)
        return self.intake.run(feed, batch=batch)

    def run(self, source: str, *, limit: int | None = None, batch: int = 500) -> IntakeReport:
        """Run intake over the registered source itself, from its stored cursor."""
        return self.intake.run(source, limit=limit, batch=batch)

    def cases(self) -> list[Case]:
        """Every case, oldest first."""
        return sorted(self.engine.store.iter_cases(), key=lambda c: (c.opened_at, c.id))

    def open_cases(self) -> list[Case]:
        return [case for case in self.cases() if case.closed_at is None]

    def dead_letters(self) -> list[DeadLetter]:
        return self.engine.store.dead_letters()

    @property
    def failures(self) -> list[PluginFailure]:
        return self.host.failures
