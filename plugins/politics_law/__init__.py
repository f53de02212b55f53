"""智慧政法 (politics and law): police incidents and patrol reports.

Sources ``police_incidents`` and ``police_patrols`` (generated for the demo district).
Serious incidents (severity ≥ 2) open ``safety_incident`` cases (the plugin's workflow file):
unanswered in 30 minutes they escalate to the community, and ``notify_police`` tells the
officer on duty when one is dispatched. Repeated calls about one scene within an hour merge.
Minor incidents go to the district's ``standard_case``. Patrols drive ``patrol`` cases; a
patrol ``handed_off`` (problems found) becomes a record of the ``patrol_handoffs`` source, whose
rule opens a ``rectification`` case linked to the patrol (``data.patrol``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from govflow.plugins import ListSource, OpenCase, Trigger, hookimpl
from govflow.plugins.registry import Registry
from govflow.plugins.samples import district_cells
from govflow.records import Actor, Case, Event

from . import sample
from .models import Handoff, Incident, PatrolEvent

HERE = Path(__file__).resolve().parent
SAMPLE_START = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)


def notify_police(ctx: Any) -> None:
    """Action: tell the officer on duty for the case's owner node (or the node) to go."""
    ctx.notify("police_dispatch", ctx.owner_contact(),
               {"kind": ctx.case.category, "cell": ctx.case.cell})


def incident_rule(record: Incident) -> OpenCase:
    """Severity ≥ 2: a safety incident (merging repeat calls within 1 hour); else a case."""
    data = {"summary": record.summary, "caller": record.caller, "severity": record.severity}
    if record.severity >= 2:
        return OpenCase("safety_incident", record.cell, f"public_security:{record.kind}", data,
                        at=record.reported_at, merge_within=timedelta(hours=1))
    return OpenCase("standard_case", record.cell, f"public_security:{record.kind}",
                    {"description": record.summary, "severity": record.severity},
                    at=record.reported_at)


def patrol_rule(record: PatrolEvent) -> OpenCase | Trigger:
    """scheduled → open a patrol case; inspected → ``inspect``; concluded → ok/found_issues."""
    officer = Actor(id=record.officer, roles=frozenset({"inspector"}))
    if record.step == "scheduled":
        return OpenCase("patrol", record.cell, "police_patrol",
                        {"site": record.site, "issues": record.issues}, ref=record.patrol_id,
                        at=record.at)
    if record.step == "inspected":
        return Trigger(record.patrol_id, "inspect", actor=officer)
    return Trigger(record.patrol_id, "found_issues" if record.issues else "ok", actor=officer)


def handoff_rule(record: Handoff) -> OpenCase:
    """A handed-off patrol opens a rectification on its cell, linked to the patrol."""
    return OpenCase("rectification", record.cell, "patrol_finding", {
        "patrol": record.patrol_case, "shop": record.site, "issues": record.issues,
        "rectify_within": "7 days"}, ref=f"handoff:{record.patrol_case}", at=record.at)


class PoliticsLaw:
    """The plugin object; keeps the escalations it observed (for the cockpit)."""

    govflow_plugin_name = "politics_law"

    def __init__(self, *, seed: int = 0, sample_size: int = 2000,
                 start: datetime = SAMPLE_START) -> None:
        self.seed, self.sample_size, self.start = seed, sample_size, start
        #: (case id, from owner, to owner) of every safety escalation seen
        self.escalations: list[tuple[str, str, str]] = []
        #: patrols seen entering handed_off, in order (the patrol_handoffs source reads them)
        self.handoffs: list[dict[str, Any]] = []

    @cached_property
    def cells(self) -> list[str]:
        return district_cells(self.seed)

    @hookimpl
    def govflow_register_sources(self, registry: Registry) -> None:
        registry.add_source(ListSource(
            "police_incidents", Incident,
            lambda: sample.incidents(self.cells, self.sample_size, seed=self.seed,
                                     start=self.start), id_field="id"))
        registry.add_source(ListSource("patrol_handoffs", Handoff, lambda: list(self.handoffs),
                                       id_field="patrol_case"))
        registry.add_source(ListSource(
            "police_patrols", PatrolEvent,
            lambda: sample.patrols(self.cells, max(1, self.sample_size // 3), seed=self.seed,
                                   start=self.start)))

    @hookimpl
    def govflow_register_actions(self, registry: Registry) -> None:
        registry.add_action("notify_police", notify_police)

    @hookimpl
    def govflow_register_workflows(self, registry: Registry) -> None:
        registry.add_workflows(HERE / "safety.yaml")

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        registry.add_rules("police_incidents", incident_rule)
        registry.add_rules("police_patrols", patrol_rule)
        registry.add_rules("patrol_handoffs", handoff_rule)

    @hookimpl
    def govflow_case_transitioned(self, case: Case, event: Event) -> None:
        """Remember each patrol handed off, for the ``patrol_handoffs`` source."""
        if case.workflow == "patrol" and event.dest == "handed_off":
            self.handoffs.append({"patrol_case": case.id, "cell": case.cell,
                                  "site": str(case.data.get("site") or ""),
                                  "issues": int(case.data.get("issues") or 1),
                                  "at": event.at.isoformat()})

    @hookimpl
    def govflow_case_escalated(self, case: Case, event: Event) -> None:
        if case.workflow == "safety_incident":
            self.escalations.append((case.id, str(event.data.get("from_owner", "")),
                                     str(event.data.get("to_owner", ""))))


def make_plugin() -> PoliticsLaw:
    """A fresh plugin object for each engine."""
    return PoliticsLaw()
