"""智慧城管 (smart urban management): patrols, AI vision, Open311 and 311 feeds.

Sources:

* ``urban_patrol``: patrol findings (generated sample data; rules in ``rules.yaml``);
* ``ai_vision``: camera detections with a confidence; below the threshold a person confirms
  (:func:`.vision.confirm` moves the case into its kind's workflow) or rejects it as a false
  alarm (:func:`.vision.reject`); :func:`.vision.threshold_report` gives the rates;
* ``chicago_open311``: the Chicago Open311 GeoReport v2 requests with their notes, replayed in
  order (opened → activity → closed), on the plugin's ``open311_request`` workflow;
* ``la311``: the Los Angeles MyLA311 CSV.

Its ``open311_rules.yaml`` maps requests posted to the service's Open311 endpoint (source
``open311``): street vending, gas safety, potholes and street lights, the services it lists.

It also answers due revisits of street-vending cases (回头看): a duplicate report merged into
the case since the last revisit means the stall came back.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from govflow.plugins import ListSource, hookimpl
from govflow.plugins.registry import Registry
from govflow.plugins.samples import district
from govflow.records import Case, Event

from . import feeds, sample, vision
from .geo import CHICAGO_BOX, LOS_ANGELES_BOX, BoxMapper
from .models import Detection, La311Request, Open311Note, PatrolFinding
from .rules import CONFIDENCE_THRESHOLD, detection_rule, la311_rule, open311_rule

__all__ = ["vision"]

HERE = Path(__file__).resolve().parent
#: where the real feeds live: ``$GOVFLOW_DATA_DIR`` or ``../shared/data`` beside the repo
DEFAULT_DATA = HERE.parents[1].parent / "shared" / "data"
SAMPLE_START = datetime(2026, 9, 29, 10, 0, tzinfo=UTC)


class UrbanManagement:
    """The plugin object; one per engine (its revisit memory is that engine's)."""

    govflow_plugin_name = "urban_management"

    def __init__(self, *, data_dir: str | Path | None = None, seed: int = 0,
                 sample_size: int = 2000, threshold: float = CONFIDENCE_THRESHOLD,
                 start: datetime = SAMPLE_START) -> None:
        self.data_dir = Path(data_dir or os.environ.get("GOVFLOW_DATA_DIR") or DEFAULT_DATA)
        self.seed = seed
        self.sample_size = sample_size
        self.threshold = threshold
        self.start = start
        #: street-vending case id → merged count when cleared / at its last revisit
        self._merged_seen: dict[str, int] = {}

    @cached_property
    def grid(self) -> Any:
        return district(self.seed)

    def cells(self) -> list[str]:
        return sorted(self.grid.cells())

    def chicago_cell(self, lon: float, lat: float) -> str | None:
        return BoxMapper(CHICAGO_BOX, self.grid).cell(lon, lat)

    def la_cell(self, lon: float, lat: float) -> str | None:
        return BoxMapper(LOS_ANGELES_BOX, self.grid).cell(lon, lat)

    @hookimpl
    def govflow_register_sources(self, registry: Registry) -> None:
        n, seed, start = self.sample_size, self.seed, self.start
        registry.add_source(ListSource(
            "urban_patrol", PatrolFinding,
            lambda: sample.patrol_findings(self.cells(), n, seed=seed, start=start),
            id_field="id"))
        registry.add_source(ListSource(
            "ai_vision", Detection,
            lambda: sample.detections(self.cells(), n, seed=seed, start=start), id_field="id"))
        chicago = self.data_dir / "chicago_open311" / "chicago_open311_requests_with_notes.json"
        registry.add_source(ListSource("chicago_open311", Open311Note,
                                       lambda: feeds.open311_notes(chicago)))
        la = self.data_dir / "la311" / "MyLA311_2017_subset.csv"
        registry.add_source(ListSource("la311", La311Request, lambda: feeds.la311_rows(la),
                                       id_field="SRNumber"))

    @hookimpl
    def govflow_register_workflows(self, registry: Registry) -> None:
        registry.add_workflows(HERE / "open311.yaml")

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        registry.add_rules_file(HERE / "rules.yaml")
        registry.add_rules_file(HERE / "open311_rules.yaml")
        registry.add_rules("ai_vision", detection_rule(self.threshold))
        registry.add_rules("chicago_open311", open311_rule(self.chicago_cell))
        registry.add_rules("la311", la311_rule(self.la_cell))

    @hookimpl
    def govflow_case_transitioned(self, case: Case, event: Event) -> None:
        """Remember how many reports a vending case had merged when it was cleared."""
        if case.workflow == "street_vending" and event.dest == "cleared":
            self._merged_seen[case.id] = int(case.data.get("merged") or 0)

    @hookimpl
    def govflow_revisit_outcome(self, case: Case) -> bool | None:
        """Street vending: a report merged since clearing (or the last revisit) is a rebound."""
        if case.workflow != "street_vending" or case.id not in self._merged_seen:
            return None
        merged = int(case.data.get("merged") or 0)
        rebound = merged > self._merged_seen[case.id]
        self._merged_seen[case.id] = merged
        return rebound


def make_plugin() -> UrbanManagement:
    """A fresh plugin object for each engine (how the folder and entry-point loaders call it)."""
    return UrbanManagement()
