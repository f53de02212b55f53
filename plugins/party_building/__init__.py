"""智慧党建 (smart party building): members on grid branches, their households, visits.

Sources ``party_visits`` (visit logs) and ``party_members`` (the roster), generated for the
demo district. A visit that finds a household in need opens a ``household_help`` case (the
plugin's workflow) whose entry action ``mobilise_members`` notifies the cell's members; a
visit that finds a public problem (stairwell clutter, a leaking pipe, a dispute) opens a
``standard_case``; a visit that finds nothing is taken in as a skip (it counts for coverage).
The plugin delivers the messages addressed to party members through its in-app inbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from govflow.plugins import ListSource, OpenCase, Skip, hookimpl
from govflow.plugins.registry import Registry
from govflow.plugins.samples import district_cells
from govflow.records import Message

from . import sample
from .models import Member, Visit

HERE = Path(__file__).resolve().parent
SAMPLE_START = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)
HELP = frozenset({"elderly_alone", "hardship"})
ISSUE_TITLES = {"elderly_alone": "独居老人需帮扶", "hardship": "困难家庭", "dispute": "邻里纠纷",
                "stairwell_clutter": "楼道堆物", "leaking_pipe": "管道漏水"}


def visit_rule(record: Visit) -> OpenCase | Skip:
    """Help needed → household_help; a public problem → standard_case; nothing → skip."""
    if record.issue == "none":
        return Skip("visit recorded")
    data = {"household": record.household, "member": record.member_id,
            "reporter": record.member_id, "description": ISSUE_TITLES[record.issue]}
    if record.issue in HELP:
        return OpenCase("household_help", record.cell, f"party:{record.issue}", data,
                        at=record.visited_at)
    return OpenCase("standard_case", record.cell, f"party:{record.issue}", data,
                    at=record.visited_at)


def member_rule(record: Member) -> Skip:
    """The roster is reference data: taken in, no case."""
    return Skip("roster entry")


class PartyBuilding:
    """The plugin object: its roster and the inbox of messages delivered to members."""

    govflow_plugin_name = "party_building"

    def __init__(self, *, seed: int = 0, sample_size: int = 2000,
                 start: datetime = SAMPLE_START) -> None:
        self.seed, self.sample_size, self.start = seed, sample_size, start
        #: member id → messages delivered to their app
        self.inbox: dict[str, list[Message]] = {}

    @cached_property
    def roster(self) -> list[dict[str, Any]]:
        return sample.members(district_cells(self.seed), seed=self.seed)

    @cached_property
    def members_by_cell(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for member in self.roster:
            found.setdefault(member["cell"], []).append(member["id"])
        return found

    def mobilise_members(self, ctx: Any) -> None:
        """Action: notify every party member of the case's cell (精准动员)."""
        for member in self.members_by_cell.get(ctx.case.cell, []):
            ctx.notify("mobilise", member, {"category": ctx.case.category,
                                            "household": ctx.case.data.get("household")})

    def household_coverage(self, visits: Sequence[dict[str, Any]]) -> float:
        """Guard/report function: share of the roster's households visited."""
        return sample.coverage(self.roster, visits)

    @hookimpl
    def govflow_register_sources(self, registry: Registry) -> None:
        registry.add_source(ListSource("party_members", Member, lambda: self.roster,
                                       id_field="id"))
        registry.add_source(ListSource(
            "party_visits", Visit,
            lambda: sample.visits(self.roster, self.sample_size, seed=self.seed,
                                  start=self.start), id_field="id"))

    @hookimpl
    def govflow_register_actions(self, registry: Registry) -> None:
        registry.add_action("mobilise_members", self.mobilise_members)

    @hookimpl
    def govflow_register_functions(self, registry: Registry) -> None:
        registry.add_function("party_members_on", lambda cell: len(
            self.members_by_cell.get(str(cell), [])))

    @hookimpl
    def govflow_register_workflows(self, registry: Registry) -> None:
        registry.add_workflows(HERE / "party.yaml")

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        registry.add_rules("party_visits", visit_rule)
        registry.add_rules("party_members", member_rule)

    @hookimpl
    def govflow_deliver(self, messages: Sequence[Message]) -> list[str]:
        """Deliver the messages addressed to party members (ids ``pm…``) to their app."""
        delivered: list[str] = []
        for message in messages:
            if message.recipient.startswith("pm"):
                self.inbox.setdefault(message.recipient, []).append(message)
                delivered.append(message.id)
        return delivered


def make_plugin() -> PartyBuilding:
    """A fresh plugin object for each engine."""
    return PartyBuilding()
