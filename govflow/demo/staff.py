"""Who acts in the demo: command-centre staff, street units and the grid's own people.

Registrars, dispatchers, checkers and hotline operators sit in the district command centre
(scope: the district); handling units and inspectors answer for one street; grid workers,
party members and community police are the generated people of the grid, as
:func:`~govflow.grid.duty.actor_for` makes them (roles from identities, scope from home).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govflow.grid.duty import actor_for
from govflow.grid.model import Identity
from govflow.grid.tree import Grid
from govflow.records import Actor


@dataclass
class Staff:
    """Actors by kind and node; :meth:`for_case` picks the one who acts on a cell."""

    grid: Grid
    district: str
    desk: dict[str, Actor] = field(default_factory=dict)
    units: dict[str, Actor] = field(default_factory=dict)
    inspectors: dict[str, Actor] = field(default_factory=dict)
    grid_workers: dict[str, Actor] = field(default_factory=dict)
    party: dict[str, Actor] = field(default_factory=dict)
    police: dict[str, Actor] = field(default_factory=dict)

    @classmethod
    def build(cls, grid: Grid) -> Staff:
        root = grid.root
        staff = cls(grid, root)
        for kind in ("registrar", "dispatcher", "checker", "hotline_operator", "commander"):
            roles = (kind, "cadre") if kind == "commander" else (kind,)
            staff.desk[kind] = Actor.of(f"centre:{kind}", *roles, scope=root)
        for street in grid.children(root):
            staff.units[street] = Actor.of(f"unit:{street}", "handler", scope=street)
            staff.inspectors[street] = Actor.of(f"inspector:{street}", "inspector",
                                                scope=street)
        for person in sorted(grid.people(), key=lambda p: p.id):
            ids = person.identities
            if Identity.GRID_WORKER in ids:
                staff.grid_workers.setdefault(person.home, actor_for(grid, person))
            elif Identity.COMMUNITY_POLICE in ids:
                staff.police.setdefault(person.home, actor_for(grid, person))
            elif ids == Identity.PARTY_MEMBER:
                staff.party.setdefault(person.home, actor_for(grid, person))
        return staff

    def for_case(self, kind: str, cell: str) -> Actor:
        """The actor of ``kind`` responsible for ``cell``."""
        street, community = cell[:9], cell[:12]
        if kind == "handler":
            return self.units[street]
        if kind == "inspector":
            return self.inspectors[street]
        if kind == "grid_worker":
            return self.grid_workers[cell]
        if kind == "party_member":
            return self.party.get(cell) or self.grid_workers[cell]
        if kind == "police":
            return self.police[community]
        return self.desk[kind]
