"""The four-level contact chain (四级包联) and who may act where.

County cadres answer for streets, street cadres for communities, community committee members
for cells and party members for households; the district head answers for the district.
``on_duty(node)`` names the chain's person for a node; escalation moves a case's owner one
tier up and the engine tells that tier's person.
"""

from __future__ import annotations

from govflow.grid.model import Identity, Person
from govflow.grid.tree import Grid
from govflow.records import Actor

#: roles (as the workflows file names them) that each identity brings
IDENTITY_ROLES: dict[Identity, tuple[str, ...]] = {
    Identity.GRID_WORKER: ("grid_worker",),
    Identity.CADRE: ("cadre",),
    Identity.COUNTY_CADRE: ("cadre", "commander"),
    Identity.STREET_CADRE: ("cadre",),
    Identity.COMMITTEE_MEMBER: ("cadre",),
    Identity.COMMUNITY_POLICE: ("police",),
    Identity.COMMUNITY_DOCTOR: ("doctor",),
    Identity.BUILDING_HEAD: ("building_head",),
    Identity.COURTYARD_HEAD: ("courtyard_head",),
    Identity.PROPERTY_MANAGER: ("property_manager",),
    Identity.SELF_ORG_HEAD: ("self_org_head",),
    Identity.PARTY_MEMBER: ("party_member",),
    Identity.VOLUNTEER: ("volunteer",),
}


def chain(grid: Grid, node: str) -> list[tuple[str, str | None]]:
    """(node, person on duty) from ``node`` up to the district: the escalation ladder."""
    return [(code, grid.on_duty(code)) for code in grid.ancestors(node)]


def households_of(grid: Grid, cell: str) -> list[str]:
    """The party members linked to a cell's households (联户党员)."""
    return [d.person for d in grid.duties if d.node == cell and d.level == "households"]


def actor_for(grid: Grid, person: Person | str) -> Actor:
    """The engine actor for a person: roles from identities, scope from home and duties.

    A grid worker acts in their own cell, a street cadre in their street, a committee member
    in their community; the district's cadres (home = the district) act everywhere.
    """
    who = grid.person(person) if isinstance(person, str) else person
    roles = sorted({r for flag, names in IDENTITY_ROLES.items() if flag in who.identities
                    for r in names})
    scope = [who.home]
    for duty in grid.duties_of(who.id):
        if not any(duty.node.startswith(s) for s in scope):
            scope.append(duty.node)
    return Actor(id=who.id, roles=frozenset(roles), scope=tuple(sorted(scope)))
