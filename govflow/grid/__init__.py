"""The grid hierarchy, its people, identities and the duty chain (四级包联).

Nothing heavy happens on import: shapely, YAML and the engine-facing modules load when used.
"""

from __future__ import annotations

from typing import Any

from govflow.grid.arrays import GridArrays, PeopleArrays
from govflow.grid.generate import generate_district
from govflow.grid.model import Duty, Identity, Node, Person
from govflow.grid.tree import Grid

#: name → module of the public functions loaded on first use
_LAZY = {
    "actor_for": "govflow.grid.duty",
    "cancel_campaign": "govflow.grid.campaign",
    "campaign_status": "govflow.grid.campaign",
    "dispatch_order": "govflow.grid.dispatch",
    "grid_actions": "govflow.grid.routing",
    "load_grid": "govflow.grid.load",
    "load_matrix": "govflow.grid.routing",
    "start_campaign": "govflow.grid.campaign",
    "write_grid": "govflow.grid.load",
}

__all__ = [
    "Duty",
    "Grid",
    "GridArrays",
    "Identity",
    "Node",
    "PeopleArrays",
    "Person",
    "actor_for",
    "campaign_status",
    "cancel_campaign",
    "dispatch_order",
    "generate_district",
    "grid_actions",
    "load_grid",
    "load_matrix",
    "start_campaign",
    "write_grid",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'govflow.grid' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
