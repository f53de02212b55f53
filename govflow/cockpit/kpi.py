"""Cockpit KPIs from the aggregation kernel's per-node figures, with the field's formulas
(each a setting of the district: :mod:`govflow.cockpit.formulas`). The defaults:

- due to close (应结案数) = closed in the window + still open at its end and past due
- closure rate (结案率) = closed ÷ due to close
- on-time closure rate (按期结案率) = closed by the due time ÷ due to close
- rework rate (返工率) = closed cases sent back at least once ÷ closed (handled)
- on-post rate (到岗率) = campaign tasks confirmed by their deadline ÷ tasks required
- mean and p90 handling time (p90 from log-binned histograms, within 3.1 %)
- hotspots: cells where one category was reported at least ``min_count`` times

Stage KPIs, from the duty kernel (:func:`stage_kpis`; counts in :mod:`govflow.kernels.duty`):

- on-time registration (按时立案率) = registered by the due time ÷ registered
- due to dispatch (应派遣数) = dispatched in the window + waiting past due at its end
- on-time dispatch (按时派遣率) = dispatched by the due time ÷ due to dispatch
- accurate dispatch (准确派遣率) = dispatched and never returned for re-dispatch ÷ due to
  dispatch
- due to handle (应处置数) = handled in the window + waiting past due at its end
- handling rate (处置率) = handled ÷ due to handle; on-time handling (按期处置率) = handled by
  the due time ÷ due to handle
- hotline satisfaction (满意率) = callbacks (回访) where the caller was satisfied ÷ callbacks
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from govflow.cockpit.formulas import Formulas, ratio
from govflow.grid.campaign import CATEGORY as CAMPAIGN
from govflow.grid.dispatch import CATEGORY as COMMAND_ORDER
from govflow.grid.dispatch import RECRUITMENT
from govflow.kernels.duty import DutyFigures
from govflow.kernels.duty_columns import DUTY
from govflow.kernels.figures import NodeFigures
from govflow.kernels.snapshot import Snapshot

TIER_NAMES = ("district", "street", "community", "cell")
#: the tiers as a leader reads them
TIER_LABELS = ("区", "街道", "社区", "网格")


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A cell where one category recurs."""

    code: str
    name: str
    category: str
    count: int


@dataclass(frozen=True, slots=True)
class Overdue:
    """An open case past its deadline at the window's end."""

    case_id: str
    code: str
    category: str
    status: str
    hours_overdue: float


#: the platform's own work orders: counted in the figures, never listed as reported problems
TASK_CATEGORIES = frozenset({CAMPAIGN, COMMAND_ORDER, RECRUITMENT})


@dataclass(frozen=True)
class Cockpit:
    """Everything the views show, for every node (rows in grid-array order)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    parent: NDArray[np.int32]
    tier: NDArray[np.int8]
    figures: NodeFigures
    snapshot: Snapshot
    t0: int
    t1: int
    formulas: Formulas = field(default_factory=Formulas.build)
    index: dict[str, int] = field(init=False)
    #: every KPI of :attr:`formulas` for every node
    values: dict[str, NDArray[np.float64]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {c: i for i, c in enumerate(self.codes)})
        object.__setattr__(self, "values", self.formulas.values(self.figures))

    # -- per-node KPI vectors ----------------------------------------------------------
    def count(self, name: str) -> NDArray[np.int64]:
        """A raw kernel field (see :data:`govflow.kernels.figures.FIELDS`)."""
        return self.figures[name]

    def kpi(self, key: str) -> NDArray[np.float64]:
        """One KPI of the district's formulas for every node."""
        return self.values[key]

    def due_to_close(self) -> NDArray[np.float64]:
        return self.values["due_to_close"]

    def closure_rate(self) -> NDArray[np.float64]:
        return self.values["closure_rate"]

    def on_time_rate(self) -> NDArray[np.float64]:
        return self.values["on_time_rate"]

    def rework_rate(self) -> NDArray[np.float64]:
        return self.values["rework_rate"]

    def on_post_rate(self) -> NDArray[np.float64]:
        return self.values["on_post_rate"]

    def mean_hours(self) -> NDArray[np.float64]:
        return self.figures.mean_handling() / 3600.0

    def p90_hours(self) -> NDArray[np.float64]:
        return self.figures.percentile(0.9) / 3600.0

    def row(self, code: str) -> dict[str, float]:
        """Every KPI of one node, by name (rates as fractions, NaN when undefined)."""
        i = self.node(code)
        out: dict[str, float] = {}
        for f in self.formulas:
            v = float(self.values[f.key][i])
            out[f.key] = v if f.is_rate else int(v)
        out["mean_hours"] = float(self.mean_hours()[i])
        out["p90_hours"] = float(self.p90_hours()[i])
        return out

    # -- navigation ----------------------------------------------------------------------
    def node(self, code: str) -> int:
        """Row of ``code``; a KeyError that lists how to find codes."""
        try:
            return self.index[code]
        except KeyError:
            raise KeyError(f"no grid node {code!r}; `govflow grid show` lists codes") from None

    @property
    def root(self) -> str:
        return self.codes[int(np.flatnonzero(self.parent < 0)[0])]

    def children(self, code: str) -> list[str]:
        i = self.node(code)
        return [self.codes[k] for k in np.flatnonzero(self.parent == i)]

    def under(self, code: str) -> NDArray[np.bool_]:
        """Mask over nodes: ``code`` itself and everything below it."""
        i = self.node(code)
        inside = np.zeros(len(self.codes), np.bool_)
        inside[i] = True
        for k in range(i + 1, len(self.codes)):  # parents come before children
            p = self.parent[k]
            if p >= 0 and inside[p]:
                inside[k] = True
        return inside

    # -- lists ---------------------------------------------------------------------------
    def _reported(self) -> NDArray[np.bool_]:
        """Which categories are reported problems, not the platform's own work orders
        (campaign tasks, command and recruitment orders): those never top a list."""
        return np.array([name not in TASK_CATEGORIES for name in self.snapshot.categories],
                        dtype=bool)

    def top_categories(self, code: str, n: int = 10) -> list[tuple[str, int]]:
        """The ``n`` categories most reported under ``code`` in the window."""
        row = self.figures.category[self.node(code)] * self._reported()
        order = np.argsort(-row, kind="stable")[:n]
        return [(self.snapshot.categories[k], int(row[k])) for k in order if row[k] > 0]

    def hotspots(self, code: str | None = None, *, min_count: int = 3, n: int = 20
                 ) -> list[Hotspot]:
        """Cells under ``code`` where one category was reported ``min_count`` times or more."""
        inside = self.under(code or self.root) & (self.tier == self.tier.max())
        cats = self.figures.category
        rows, cols = np.nonzero((cats >= min_count) & inside[:, None] & self._reported())
        counts = cats[rows, cols]
        order = np.lexsort((rows, -counts))[:n]
        return [Hotspot(self.codes[rows[k]], self.names[rows[k]],
                        self.snapshot.categories[cols[k]], int(counts[k])) for k in order]

    def overdue(self, code: str | None = None, n: int = 50) -> list[Overdue]:
        """Open cases under ``code`` past due at the window's end, most overdue first."""
        cols = self.snapshot.columns
        inside = self.under(code or self.root)
        late = (cols.opened < self.t1) & (cols.closed >= self.t1) & (cols.due < self.t1)
        late &= inside[cols.cell]
        idx = np.flatnonzero(late)
        idx = idx[np.argsort(cols.due[idx], kind="stable")][:n]
        snap = self.snapshot
        return [Overdue(snap.case_ids[k], self.codes[cols.cell[k]],
                        snap.categories[cols.category[k]], snap.statuses[cols.status[k]],
                        (self.t1 - int(cols.due[k])) / 3600.0) for k in idx]


def build(snapshot: Snapshot, codes: tuple[str, ...], parent: NDArray[np.int32],
          tier: NDArray[np.int8], *, t0: int, t1: int, names: tuple[str, ...] | None = None,
          campaign_source: str = "campaign", formulas: Formulas | None = None) -> Cockpit:
    """Run the aggregation kernel over ``[t0, t1)`` and wrap its figures."""
    from govflow.kernels.aggregate import aggregate

    figures = aggregate(
        snapshot.columns, parent, t0=t0, t1=t1, n_status=max(len(snapshot.statuses), 1),
        n_category=max(len(snapshot.categories), 1),
        campaign_source=snapshot.source_code(campaign_source),
    )
    return Cockpit(tuple(codes), tuple(names or codes), np.asarray(parent, np.int32),
                   np.asarray(tier, np.int8), figures, snapshot, int(t0), int(t1),
                   formulas or Formulas.build())


def from_grid(snapshot: Snapshot, grid: Any, *, t0: int, t1: int,
              formulas: Formulas | None = None) -> Cockpit:
    """:func:`build` with the codes, names and tiers of a :class:`govflow.grid.Grid`."""
    arrays = grid.to_arrays()
    names = tuple(grid.node(c).name for c in arrays.codes)
    return build(snapshot, arrays.codes, arrays.parent, arrays.tier, t0=t0, t1=t1,
                 names=names, formulas=formulas)


#: each stage KPI: (numerator field, denominator field) of the duty kernel's rows
STAGE_KPIS: dict[str, tuple[str, str]] = {
    "on_time_registration": ("registered_on_time", "registered"),
    "on_time_dispatch": ("dispatched_on_time", "due_to_dispatch"),
    "accurate_dispatch": ("dispatched_accurately", "due_to_dispatch"),
    "handling_rate": ("handled", "due_to_handle"),
    "on_time_handling": ("handled_on_time", "due_to_handle"),
    "satisfaction": ("satisfied", "revisited"),
}


def stage_kpi(rows: NDArray[np.int64], name: str) -> NDArray[np.float64]:
    """One stage KPI for every row of duty counts (NaN where its denominator is 0)."""
    num, den = STAGE_KPIS[name]
    return ratio(rows[:, DUTY[num]], rows[:, DUTY[den]])


def stage_kpis(figures: DutyFigures, row: int, *, people: bool = False) -> dict[str, float]:
    """Every stage KPI of one node (or person) row, by name."""
    rows = figures.people if people else figures.nodes
    return {name: float(stage_kpi(rows[row:row + 1], name)[0]) for name in STAGE_KPIS}
