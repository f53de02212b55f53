"""The cockpit's figures for the demo, from the aggregation kernel (a stand-in until
``govflow.cockpit`` is in the tree; the demo uses that when it is importable).

Cases become columns (:class:`~govflow.kernels.columns.CaseColumns`), the kernel rolls them up
the tiers for the whole simulated period, and each tier is one table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from govflow.engine.records import Case
from govflow.grid import Grid

LIGHT = {"green": 0, "yellow": 1, "red": 2}


@dataclass
class Figures:
    """Per-node figures (kernel output) and the names of the codes used."""

    nodes: Any  # NodeFigures
    codes: tuple[str, ...]
    tier: Any
    categories: list[str]

    def __post_init__(self) -> None:
        self._index = {code: i for i, code in enumerate(self.codes)}

    def row(self, code: str) -> dict[str, float]:
        i = self._index[code]
        f = self.nodes.fields[i]
        from govflow.kernels.figures import FIELD

        get = {name: int(f[k]) for name, k in FIELD.items()}
        due = get["closed"] + get["overdue"]
        mean = self.nodes.mean_handling()[i]
        return {
            **get, "closure_rate": get["closed"] / due if due else 0.0,
            "on_time_rate": get["closed_on_time"] / due if due else 0.0,
            "rework_rate": get["reworked"] / get["closed"] if get["closed"] else 0.0,
            "on_post_rate": (get["campaign_on_post"] / get["campaign_required"]
                             if get["campaign_required"] else 0.0),
            "mean_hours": float(mean) / 3600 if mean == mean else 0.0,
        }


def _seconds(moment: datetime | None) -> int:
    from govflow.kernels.columns import NEVER

    return NEVER if moment is None else int(moment.timestamp())


def compute(cases: Iterable[Case], grid: Grid, t0: datetime, t1: datetime) -> Figures:
    """Aggregate every case over ``[t0, t1)`` for every node of the grid."""
    from govflow.kernels.aggregate import aggregate
    from govflow.kernels.columns import CaseColumns

    arrays = grid.to_arrays()
    rows = list(cases)
    categories = sorted({c.category for c in rows}) or [""]
    cat = {name: k for k, name in enumerate(categories)}
    states = sorted({c.state for c in rows}) or [""]
    state = {name: k for k, name in enumerate(states)}
    cols = CaseColumns(
        cell=np.array([arrays.index[c.cell] for c in rows], np.int32),
        category=np.array([cat[c.category] for c in rows], np.int16),
        status=np.array([state[c.state] for c in rows], np.int8),
        light=np.array([LIGHT.get(c.light, 0) for c in rows], np.int8),
        opened=np.array([_seconds(c.opened_at) for c in rows], np.int64),
        closed=np.array([_seconds(c.closed_at) for c in rows], np.int64),
        due=np.array([_seconds(_due(c)) for c in rows], np.int64),
        rework=np.array([min(c.rework, 30000) for c in rows], np.int16),
        source=np.array([1 if c.source == "campaign" else 0 for c in rows], np.int16),
    )
    nodes = aggregate(cols, arrays.parent.copy(), t0=int(t0.timestamp()), t1=int(t1.timestamp()),
                      n_status=len(states), n_category=len(categories), campaign_source=1)
    return Figures(nodes, arrays.codes, arrays.tier, categories)


def _due(case: Case) -> datetime | None:
    """The case's due time: its state deadline, or for campaign tasks the on-post time."""
    if case.source == "campaign" and case.data.get("due"):
        return datetime.fromisoformat(str(case.data["due"]))
    return case.due_at
