"""Gas-safety campaigns (燃气安全排查): a check per premises, hazards to rectification.

:func:`start_gas_campaign` opens a ``gas_safety_check`` case for every courtyard, household or shop
of the cells under a node (a street, usually), each with its own deadline; :func:`record_check`
records a visit: no hazard closes the check ``safe``; hazards close it ``hazard`` and open a
``rectification`` case (责令限期整改, category ``gas_safety``) linked both ways, whose notice,
re-inspection and watch-list revisits (回头看) run as that workflow says.
:func:`gas_progress` rolls premises, checked, hazards found and rectified up every tier.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from govflow.engine.requests import OpenRequest
from govflow.errors import GridError, Problem
from govflow.grid.bulk import check_may_open, open_all
from govflow.grid.tree import Grid
from govflow.records import Actor, Case

WORKFLOW = "gas_safety_check"
CATEGORY = "gas_check"
HAZARD_CATEGORY = "gas_safety"
#: rectification states that mean the hazard was put right
RECTIFIED = frozenset({"passed", "watching", "closed"})


@dataclass(frozen=True, slots=True)
class GasCampaign:
    id: str
    name: str
    node: str
    checks: int


@dataclass(frozen=True, slots=True)
class GasProgress:
    """One node's figures (itself and everything below it)."""

    node: str
    tier: int
    premises: int
    checked: int
    hazards: int
    rectified: int

    @property
    def checked_rate(self) -> float:
        return self.checked / self.premises if self.premises else 0.0

    @property
    def rectified_rate(self) -> float:
        return self.rectified / self.hazards if self.hazards else 0.0


def start_gas_campaign(engine: Any, grid: Grid, node: str,
                       premises: Mapping[str, Sequence[str]], *, name: str, actor: Actor,
                       check_within: str = "5 workdays", batch: int = 1000) -> GasCampaign:
    """A ``gas_safety_check`` per premises of each cell under ``node`` (others: refused)."""
    grid.node(node)
    check_may_open(engine, grid, node, WORKFLOW, actor)
    inside = set(grid.cells_under(node))
    outside = sorted(set(premises) - inside)
    if outside:
        raise GridError([Problem("<gas campaign>", None, cell, f"cell {cell!r} is not under "
                                 f"{node!r}; give premises of its cells only")
                         for cell in outside])
    cid = "g" + secrets.token_hex(6)
    now = engine.clock.now()
    requests = [
        OpenRequest(WORKFLOW, cell, CATEGORY,
                    {"campaign": cid, "campaign_name": name, "campaign_node": node,
                     "premises": place, "check_within": check_within},
                    "gas_campaign", cell, now, actor)
        for cell in sorted(premises) for place in premises[cell]]
    if not requests:
        raise GridError([Problem("<gas campaign>", None, node, "no premises to check: give "
                                 "each cell's courtyards, households or shops")])
    ids, _ = open_all(engine, requests, actor=actor, batch=batch)
    return GasCampaign(cid, name, node, len(ids))


def record_check(engine: Any, case_id: str, *, actor: Actor, hazards: Sequence[str] = (),
                 rectify_within: str = "7 days", inspector: Actor | None = None
                 ) -> tuple[Case, Case | None]:
    """The visit's result; with hazards, the rectification case it opened (else None).

    ``inspector`` opens the rectification (default: ``actor``, who then needs a role that may
    open ``rectification``).
    """
    check = engine.case(case_id)
    if check.workflow != WORKFLOW:
        raise GridError([Problem("<gas check>", None, case_id, f"case {case_id!r} is a "
                                 f"{check.workflow!r} case, not a gas check")])
    if not hazards:
        return engine.fire(case_id, "pass_check", actor=actor, data={"hazards": 0}), None
    found = [str(h) for h in hazards]
    done = engine.fire(case_id, "report_hazard", actor=actor,
                       data={"hazards": len(found), "hazard_list": found})
    fix = engine.open_case(
        "rectification", cell=check.cell, actor=inspector or actor, category=HAZARD_CATEGORY,
        data={"shop": str(check.data.get("premises") or ""), "rectify_within": rectify_within,
              "campaign": check.data.get("campaign"), "check": case_id,
              "hazard_list": found})
    engine.note(case_id, "rectification_opened", actor=actor, data={"case": fix.id})
    return engine.case(done.id), fix


def gas_progress(engine: Any, grid: Grid, campaign_id: str) -> dict[str, GasProgress]:
    """Per node under the campaign's node: premises, checked, hazards found, rectified."""
    checks: list[Case] = []
    fixes: list[Case] = []
    for case in engine.store.iter_cases():
        if case.data.get("campaign") != campaign_id:
            continue
        (checks if case.workflow == WORKFLOW else fixes).append(case)
    if not checks:
        raise GridError([Problem("<gas campaign>", None, campaign_id,
                                 f"no gas campaign {campaign_id!r} in this store")])
    arrays = grid.to_arrays()
    size = len(arrays.codes)
    counts = {k: np.zeros(size, np.int64) for k in ("premises", "checked", "hazards",
                                                      "rectified")}
    for case in checks:
        i = arrays.index[case.cell]
        counts["premises"][i] += 1
        counts["checked"][i] += case.state in ("safe", "hazard")
        counts["hazards"][i] += case.state == "hazard"
    for case in fixes:
        counts["rectified"][arrays.index[case.cell]] += case.state in RECTIFIED and not (
            case.state == "closed" and case.data.get("watchlist") is None)
    totals = {k: arrays.rollup(v) for k, v in counts.items()}
    root = str(checks[0].data.get("campaign_node") or grid.root)
    return {code: GasProgress(code, int(arrays.tier[arrays.index[code]]),
                              *(int(totals[k][arrays.index[code]]) for k in counts))
            for code in grid.subtree(root)}


def sample_premises(grid: Grid, node: str, per_cell: int = 3) -> dict[str, list[str]]:
    """Deterministic courtyard and shop names for the cells under ``node`` (demo, tests)."""
    kinds = ("号院", "号楼", "号餐馆")
    return {cell: [f"{cell[-3:]}-{k + 1}{kinds[k % 3]}" for k in range(per_cell)]
            for cell in grid.cells_under(node)}
