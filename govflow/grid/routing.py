"""Routing (派遣): a responsibility matrix picks who handles a case; returns (回退) are counted.

A rule maps a category (or ``*``) in an area (a node code; its subtree) to an owner: a tier
of the case's own cell (``cell``, ``community``, ``street``, ``district``), a fixed node code,
or the nearest person with an identity (e.g. ``PROPERTY_MANAGER``: the case goes to that
person's node and ``data.assignee`` names them). The most specific area wins, then an exact
category over ``*``. No rule, or a rule that points at someone who already returned the case,
falls back to the cell's street (属地兜底). After ``max_returns`` returns the case is flagged
for arbitration (仲裁) and the street's person on duty is told.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govflow.engine.actions import Action, ActionContext
from govflow.errors import GridError, Problem
from govflow.grid.model import TIER_NAMES, Identity
from govflow.grid.tree import Grid

#: return reason codes (退单原因) a return may carry; others are kept as given
RETURN_REASONS = {
    "not_our_duty": "不属于本单位职责",
    "wrong_location": "地址/网格错误",
    "duplicate": "重复案件",
    "insufficient_info": "信息不全",
    "not_handleable": "不具备处置条件",
}
FALLBACK = "territorial_fallback"  # 属地兜底


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the responsibility matrix."""

    category: str
    area: str
    owner: str = ""  # a tier name or a node code
    identity: Identity = Identity.NONE
    unit: str = ""  # the handling unit's name (e.g. 城管执法中队), kept in data.unit


@dataclass(frozen=True, slots=True)
class Route:
    """Where a case goes and why (``reason``: ``rule``, ``identity`` or the fallback)."""

    owner: str
    reason: str
    assignee: str | None = None
    unit: str = ""


@dataclass(frozen=True)
class ResponsibilityMatrix:
    """Category × area → owner, with the territorial fallback and a return limit."""

    rules: tuple[Rule, ...] = ()
    max_returns: int = 3
    _index: dict[str, list[Rule]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for rule in sorted(self.rules, key=lambda r: (-len(r.area), r.category == "*")):
            self._index.setdefault(rule.category, []).append(rule)

    def rule_for(self, category: str, cell: str) -> Rule | None:
        """The most specific rule for ``category`` in ``cell``'s area, or ``None``."""
        best: Rule | None = None
        for key in (category, "*"):
            for rule in self._index.get(key, ()):
                if cell.startswith(rule.area):
                    if best is None or len(rule.area) > len(best.area):
                        best = rule
                    break
        return best

    def route(self, grid: Grid, category: str, cell: str, *, avoid: Sequence[str] = ()
              ) -> Route:
        """Pick the owner for a case of ``category`` on ``cell`` (never one in ``avoid``)."""
        street = grid.street_of(cell)
        rule = self.rule_for(category, cell)
        if rule is None:
            return Route(street, FALLBACK)
        found: Route | None = None
        if rule.identity:
            person = _nearest(grid, cell, rule.identity)
            if person is not None:
                found = Route(person[1], "identity", person[0], rule.unit)
        elif rule.owner in TIER_NAMES:
            tier = TIER_NAMES.index(rule.owner)
            found = Route(cell[:6 + 3 * tier], "rule", None, rule.unit)
        elif rule.owner in grid:
            found = Route(rule.owner, "rule", None, rule.unit)
        if found is None or found.owner in avoid or (found.assignee or "") in avoid:
            return Route(street, FALLBACK, None, rule.unit)
        return found


def _nearest(grid: Grid, cell: str, identity: Identity) -> tuple[str, str] | None:
    """(person id, home) of the first person with ``identity`` at the cell or above it."""
    for node in grid.ancestors(cell):
        people = grid.people_under(node, identity)
        if people:
            return people[0].id, people[0].home
    return None


def load_matrix(source: str | Path | Mapping[str, Any], grid: Grid) -> ResponsibilityMatrix:
    """Read a matrix (a YAML file or its parsed mapping); every bad row is reported at once.

    ``{max_returns: 3, rules: [{category, area?, owner? | identity?, unit?}]}``; ``area``
    defaults to the district.
    """
    from govflow.workflows.safeyaml import YamlFault, safe_load_file

    name = "<matrix>"
    if isinstance(source, Mapping):
        data: Any = source
    else:
        name = str(source)
        try:
            data = safe_load_file(Path(source)) or {}
        except YamlFault as fault:
            raise GridError([Problem(name, fault.line, "", fault.message, fault.column)]
                            ) from None
        if not isinstance(data, Mapping):
            raise GridError([Problem(name, 1, "", "expected a mapping with max_returns and rules")])
    problems: list[Problem] = []
    rules: list[Rule] = []
    for i, row in enumerate(data.get("rules") or []):
        path = f"rules[{i}]"
        area = str(row.get("area") or grid.root)
        if area not in grid:
            problems.append(Problem(name, None, path, f"area {area!r} is not a grid node"))
        owner = str(row.get("owner") or "")
        try:
            identity = Identity.parse(str(row.get("identity") or ""))
        except KeyError as exc:
            problems.append(Problem(name, None, path, f"unknown identity {exc.args[0]!r}"))
            identity = Identity.NONE
        if bool(owner) == bool(identity):
            problems.append(Problem(name, None, path, "give exactly one of owner or identity"))
        elif owner and owner not in TIER_NAMES and owner not in grid:
            problems.append(Problem(name, None, path, f"owner {owner!r} is neither a tier "
                                                       f"({', '.join(TIER_NAMES)}) nor a node"))
        rules.append(Rule(str(row.get("category") or "*"), area, owner, identity,
                          str(row.get("unit") or "")))
    if problems:
        raise GridError(problems)
    return ResponsibilityMatrix(tuple(rules), int(data.get("max_returns", 3)))


def grid_actions(grid: Grid, matrix: ResponsibilityMatrix | None = None) -> dict[str, Action]:
    """Engine actions bound to this grid: ``route``, ``record_return`` and ``warn_tiers``.

    Pass them as ``Engine(..., grid=grid, actions=grid_actions(grid, matrix))``; they replace
    the engine's grid-less built-ins of the same names.
    """
    table = matrix or ResponsibilityMatrix()

    def route(ctx: ActionContext) -> None:
        case = ctx.case
        avoid = [str(x) for x in case.data.get("returned_owners") or []]
        found = table.route(grid, case.category, case.cell, avoid=avoid)
        case.owner = found.owner
        case.data["route_reason"] = found.reason
        if found.unit:
            case.data["unit"] = found.unit
        if found.assignee:
            case.data["assignee"] = found.assignee
        recipient = found.assignee or grid.on_duty(found.owner) or found.owner
        ctx.notify("assigned", recipient, {"owner": found.owner, "reason": found.reason})

    def record_return(ctx: ActionContext) -> None:
        case = ctx.case
        returns = int(case.data.get("returns") or 0) + 1
        case.data["returns"] = returns
        reason = str(ctx.input.get("reason") or ctx.input.get("return_reason") or "other")
        case.data["return_reason"] = reason
        returned = [str(x) for x in case.data.get("returned_owners") or []]
        who = str(case.data.get("assignee") or case.owner)
        if who not in returned:
            case.data["returned_owners"] = [*returned, who]
        if returns >= table.max_returns:
            case.data["arbitration"] = True
            street = grid.street_of(case.cell)
            ctx.notify("arbitration", grid.on_duty(street) or street,
                       {"returns": returns, "reason": reason})

    def warn_tiers(ctx: ActionContext) -> None:
        for node in ctx.case.data.get("alert") or ():
            ctx.notify("campaign_alert", grid.on_duty(str(node)) or str(node),
                       {"node": node, "campaign": ctx.case.data.get("campaign")})

    return {"route": route, "record_return": record_return, "warn_tiers": warn_tiers}
