"""The seed's subsystems in the demo: a gas-safety campaign, recurring patrols, AI-vision
confirmation, message triage, and at the end the stage KPIs and the assessment.

Day 2 at 09:00 a street cadre starts a gas campaign over the households on record of the
first community (its party branches, building groups and households, each linked to a party
member, are generated, kept in the store and read back from it first). Patrol schedules run
on the first cell of each street at peak hours on work days. Every evening at 18:00 the
teams act: a share of the checks is walked (about one in eight finds a hazard, which opens
its rectification), rectifications due for re-inspection pass and go on the watch list, due
revisits are recorded clean, the day's patrols are walked (one in five finds a problem),
and messages waiting for a person are classified (the model's own guess accepted). Unsure
AI detections are looked at as they arrive (three in four confirmed into their workflow,
the rest false alarms). Decisions come from a hash of the case id, so a seed gives the same
figures every time.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govflow.errors import GovflowError
from govflow.grid.gas import gas_progress, record_check, start_gas_campaign
from govflow.grid.patrols import FINDING_WORKFLOWS, PatrolSchedule, open_patrols, record_patrol
from govflow.records import Actor

CADRE = Actor.of("demo:street-cadre", "cadre", "commander")
TEAM = Actor.of("demo:inspection-team", "inspector", "grid_worker", "registrar", "cadre")
OPERATOR = Actor.of("demo:operator", "hotline_operator")
GAS_DAY, TEAM_HOUR = 2, 18.0


def _key(case: Any) -> str:
    """What identifies a case across runs of one seed (its id is random)."""
    d = case.data
    ref = d.get("premises") or d.get("slot") or d.get("ref") or d.get("check") or ""
    return f"{case.cell}|{case.opened_at.isoformat()}|{case.category}|{ref}"


def _share(case: Any, salt: str) -> float:
    """A deterministic number in [0, 1) for a case and a decision."""
    return (zlib.crc32(f"{salt}:{_key(case)}".encode()) % 10_000) / 10_000


@dataclass
class Subsystems:
    """What the demo did with each subsystem, and the figures for the summary."""

    gas_id: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def _count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def start(self, engine: Any, grid: Any, days: int, first: datetime) -> None:
        """Patrol schedules over the run, opened on the calendar up front."""
        from datetime import timedelta

        schedules = [PatrolSchedule(f"巡查{street[-3:]}", grid.cells_under(street)[0],
                                    f"{street[-3:]}街重点路段", ("11:30", "20:00"))
                     for street in grid.children(grid.root)]
        start = first.astimezone(engine.calendar.tz).date()
        ids = open_patrols(engine, schedules, start, start + timedelta(days=days - 1),
                           actor=TEAM)
        self._count("patrols_scheduled", len(ids))

    def gas(self, engine: Any, grid: Any) -> None:
        from govflow.grid.party import generate_party, party_arrays, validate_party
        from govflow.grid.persist import load_party_from_store, save_party_to_store

        community = grid.children(grid.children(grid.root)[0])[0]
        party = generate_party(grid, grid.cells_under(community))  # 2 buildings × 4 homes
        if hasattr(engine.store, "save_party"):  # kept beside the grid, read back from there
            save_party_to_store(engine.store, party, grid)
            party = load_party_from_store(engine.store, grid)
        else:
            validate_party(party, grid)
        arrays = party_arrays(party, grid)
        self.figures["party"] = {
            "branches": sum(o.kind == "branch" for o in party.orgs),
            "groups": sum(o.kind == "group" for o in party.orgs),
            "households": int(arrays.households[grid.to_arrays().index[community]]),
            "members": len({h.member for h in party.households})}
        premises: dict[str, list[str]] = {}
        for home in party.households:  # the households on record are the premises checked
            premises.setdefault(home.cell, []).append(f"{home.id} {home.address}")
        campaign = start_gas_campaign(engine, grid, community, premises,
                                      name="燃气安全排查", actor=CADRE)
        self.gas_id = campaign.id

    def evening(self, engine: Any, now: datetime) -> None:
        """The teams' work at the end of a day (see the module doc)."""
        for case in sorted(engine.store.find_open_cases(), key=_key):
            try:
                self._act(engine, case, now)
            except GovflowError:
                self._count("refused")

    def _act(self, engine: Any, case: Any, now: datetime) -> None:
        wf, state, cid = case.workflow, case.state, case.id
        if wf == "gas_safety_check" and _share(case, f"walk{now.date()}") < 0.5:
            hazards = ["未加装安全阀"] if _share(case, "hazard") < 0.125 else []
            record_check(engine, cid, actor=TEAM, hazards=hazards)
            self._count("gas_checks")
        elif wf == "rectification" and case.category == "gas_safety":
            if state == "found":
                engine.fire(cid, "serve_notice", actor=TEAM)
            elif state == "reinspecting":
                engine.fire(cid, "pass_inspection", actor=TEAM)
                engine.fire(cid, "watch", actor=TEAM)
            elif state == "watching" and case.revisit_pending:
                engine.record_revisit(cid, rebound=False, actor=TEAM)
        elif wf == "patrol" and state == "scheduled" and case.opened_at <= now:
            kinds = sorted(FINDING_WORKFLOWS)
            pick = _share(case, "finding")
            findings = ([{"kind": kinds[int(pick * 25) % len(kinds)]}] if pick < 0.2 else [])
            _, opened = record_patrol(engine, cid, actor=TEAM, findings=findings)
            self._count("patrols_walked")
            self._count("patrol_findings", len(opened))
        elif wf == "message_triage" and state == "triage":
            self._triage(engine, case)

    def detections(self, engine: Any, cases: list[Any]) -> None:
        """Unsure AI detections are looked at as they come in (each intake round)."""
        for case in cases:
            if case.state == "reported" and case.category.startswith("ai_unconfirmed:"):
                try:
                    self._vision(engine, case)
                except GovflowError:
                    self._count("refused")

    def _vision(self, engine: Any, case: Any) -> None:
        from govflow.plugins.loading import import_plugin

        vision = _plugin_module(import_plugin, "urban_management").vision
        if _share(case, "vision") < 0.75:
            vision.confirm(engine, case.id, actor=TEAM)
            self._count("vision_confirmed")
        else:
            vision.reject(engine, case.id, actor=TEAM)
            self._count("vision_false_alarms")

    def _triage(self, engine: Any, case: Any) -> None:
        from govflow.plugins.loading import import_plugin

        triage = _plugin_module(import_plugin, "public_opinion").triage
        d = case.data
        triage.confirm_category(engine, case.id, f"{d['l1']}/{d['l2']}/{d['l3']}",
                                actor=OPERATOR)
        self._count("messages_classified")

    def finish(self, engine: Any, grid: Any, t0: int, t1: int) -> None:
        """The figures: gas progress, the vision report, stage KPIs and the assessment."""
        import numpy as np

        from govflow.cockpit.assessment import node_scores
        from govflow.cockpit.kpi import STAGE_KPIS, stage_kpi
        from govflow.kernels.duty import duty_figures
        from govflow.kernels.duty_snapshot import duty_snapshot

        if self.gas_id:
            top = gas_progress(engine, grid, self.gas_id)
            root = next(iter(top.values()))
            self.figures["gas"] = {"premises": root.premises, "checked": root.checked,
                                   "hazards": root.hazards, "rectified": root.rectified}
        cases = list(engine.store.iter_cases())
        from govflow.plugins.loading import import_plugin

        vision = _plugin_module(import_plugin, "urban_management").vision
        report = vision.threshold_report(cases, 0.8)
        self.figures["vision"] = {kind: {"confirmed": r.confirmed, "false_alarms":
                                         r.false_alarms}
                                  for kind, r in report.by_kind.items()}
        self.figures["vision_cameras"] = len(report.by_camera)
        arrays = grid.to_arrays()
        people: dict[str, int] = {}  # everyone who acted, indexed as the logs are read
        history = engine.store.history

        def logged(case_id: str) -> list[Any]:
            events: list[Any] = history(case_id)
            for e in events:
                people.setdefault(e.actor, len(people))
            return events

        cols = duty_snapshot(cases, logged, arrays.index, people)
        figures = duty_figures(cols, arrays.parent, t0=t0, t1=t1, n_people=len(people))
        root_row = figures.nodes[arrays.index[grid.root]][None, :]
        values = {name: float(stage_kpi(root_row, name)[0]) for name in STAGE_KPIS}
        self.figures["kpis"] = {name: None if v != v else round(v, 4)  # NaN: nothing to rate
                                for name, v in values.items()}
        scores = node_scores(figures)
        cells = np.asarray(arrays.cells)
        cell_scores = scores[cells]
        defined = cell_scores[~np.isnan(cell_scores)]
        self.figures["assessment"] = {
            "district": _num(scores[arrays.index[grid.root]]),
            "streets": {s: _num(scores[arrays.index[s]]) for s in grid.children(grid.root)},
            "cells_scored": int(defined.size),
            "cell_median": round(float(np.median(defined)), 2) if defined.size else None,
            "cell_min": round(float(defined.min()), 2) if defined.size else None,
        }


def _num(value: Any) -> float | None:
    v = float(value)
    return None if v != v else round(v, 2)


def _plugin_module(import_plugin: Any, name: str) -> Any:
    from govflow.demo.world import repo_file

    return import_plugin(name, repo_file("plugins", "--plugins-dir"))
