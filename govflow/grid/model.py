"""The grid's plain records: nodes, people, identities and duty links.

A node code nests by prefix: the 6-digit district code, then 3 digits per tier
(street ``410102001``, community ``410102001001``, cell ``410102001001001``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: tier names, by tier number (0 is the district)
TIER_NAMES = ("district", "street", "community", "cell")
#: digits of the district code, and of each tier below it
ROOT_DIGITS = 6
TIER_DIGITS = 3
CELL_TIER = 3


def tier_of_code(code: str) -> int:
    """The tier a well-formed code belongs to (0 district … 3 cell), or −1 if malformed."""
    extra = len(code) - ROOT_DIGITS
    if not code.isdigit() or extra < 0 or extra % TIER_DIGITS or extra // TIER_DIGITS > CELL_TIER:
        return -1
    return extra // TIER_DIGITS


class Identity(enum.IntFlag):
    """The identities a grid force may hold, several at once (多重身份).

    The values are a stable bitmask: kernels match people to posts on ``int(identities)``.
    Append new members at the end; never renumber.
    """

    NONE = 0
    BUILDING_HEAD = 1 << 0  # 楼栋长
    COURTYARD_HEAD = 1 << 1  # 楼院长
    PROPERTY_MANAGER = 1 << 2  # 物业负责人
    SELF_ORG_HEAD = 1 << 3  # 自治组织负责人
    COMMUNITY_POLICE = 1 << 4  # 片警
    COMMUNITY_DOCTOR = 1 << 5  # 片医
    GRID_WORKER = 1 << 6  # 网格员
    PARTY_MEMBER = 1 << 7  # 党员
    VOLUNTEER = 1 << 8  # 志愿者
    CADRE = 1 << 9  # 干部 (any level)
    COUNTY_CADRE = 1 << 10  # 县级干部
    STREET_CADRE = 1 << 11  # 街道科级干部
    COMMITTEE_MEMBER = 1 << 12  # 村(社区)“两委”成员

    @classmethod
    def parse(cls, names: str | list[str] | tuple[str, ...]) -> Identity:
        """``"GRID_WORKER|PARTY_MEMBER"`` or a list of names → the flag (KeyError if unknown)."""
        items = names.replace(";", "|").split("|") if isinstance(names, str) else names
        flag = cls.NONE
        for raw in items:
            name = raw.strip().upper()
            if name:
                flag |= cls[name]
        return flag

    def names(self) -> list[str]:
        """The member names set in this flag, in bit order."""
        return [m.name for m in Identity if m.value and m in self and m.name is not None]


@dataclass(frozen=True, slots=True)
class Node:
    """One grid node: a district, street (tier 1), community (tier 2) or cell (tier 3)."""

    code: str
    parent: str | None
    tier: int
    name: str
    households: int = 0
    #: the node's area as WKT (``POLYGON ((lon lat, ...))``), or ``None``
    polygon: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """A grid force: id, name, home node, identities, contact handle and skill tags."""

    id: str
    name: str
    home: str
    identities: Identity
    contact: str = ""
    skills: tuple[str, ...] = ()


#: duty levels of the four-level contact chain (四级包联), by the tier of the node answered for
DUTY_LEVELS = {
    "district": 0,  # the district head answers for the district
    "county": 1,  # county-level cadres → streets
    "street": 2,  # street cadres → communities
    "community": 3,  # community committee members → cells
    "households": 3,  # party members → households (many per cell, nobody "on duty")
}


@dataclass(frozen=True, slots=True)
class Duty:
    """A duty-chain link: ``person`` answers for ``node`` at ``level`` (see DUTY_LEVELS)."""

    node: str
    person: str
    level: str
