"""The grid hierarchy, its people, identities and the duty chain (四级包联).

Nothing heavy happens on import: shapely and the file readers load when first used.
"""

from __future__ import annotations

from govflow.grid.arrays import GridArrays, PeopleArrays
from govflow.grid.generate import generate_district
from govflow.grid.model import Duty, Identity, Node, Person
from govflow.grid.tree import Grid

__all__ = [
    "Duty",
    "Grid",
    "GridArrays",
    "Identity",
    "Node",
    "PeopleArrays",
    "Person",
    "generate_district",
]
