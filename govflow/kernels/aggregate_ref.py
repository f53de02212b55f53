"""Plain-numpy reference of :mod:`govflow.kernels.aggregate` (the tests compare them).

The same definitions, written with boolean masks and ``np.bincount``; also the "numpy
bincount" peer of the benchmarks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from govflow.kernels.aggregate import empty_figures, prepare_window
from govflow.kernels.columns import RED, YELLOW, CaseColumns
from govflow.kernels.figures import BINS_PER_OCTAVE, FIELD, N_BINS, NodeFigures
from govflow.kernels.validate import check_parent


def handling_bins(h: NDArray[np.int64]) -> NDArray[np.int64]:
    """Histogram bin of each handling time (seconds), as the kernel computes it."""
    m, e = np.frexp(h.astype(np.float64))
    b = 1 + (e.astype(np.int64) - 1) * BINS_PER_OCTAVE + (
        (2.0 * m - 1.0) * BINS_PER_OCTAVE
    ).astype(np.int64)
    b = np.where(h <= 0, 0, b)
    return np.minimum(b, N_BINS - 1)


def aggregate_ref(
    cols: CaseColumns, parent: NDArray[np.int32] | list[int], *, t0: int, t1: int,
    n_status: int, n_category: int, campaign_source: int = -1,
) -> NodeFigures:
    """Same contract as :func:`govflow.kernels.aggregate.aggregate`."""
    tree = check_parent(parent)
    good, lo, hi = prepare_window(cols, tree, t0, t1, n_status, n_category)
    n = tree.shape[0]
    out = empty_figures(n, n_status, n_category)
    cell = good.cell.astype(np.int64)
    o, cl, d = good.opened, good.closed, good.due
    opened_in = (o >= lo) & (o < hi)
    closed_in = (cl >= lo) & (cl < hi)
    active = (o < hi) & (cl >= lo)
    open_end = (o < hi) & (cl >= hi)
    camp = (good.source.astype(np.int64) == campaign_source) & opened_in
    rework = good.rework.astype(np.int64)
    masks = {
        "opened": opened_in, "active": active, "closed": closed_in,
        "closed_on_time": closed_in & (cl <= d), "backlog": open_end,
        "overdue": open_end & (d < hi), "yellow": open_end & (good.light == YELLOW),
        "red": open_end & (good.light == RED), "reworked": closed_in & (rework > 0),
        "campaign_required": camp, "campaign_on_post": camp & (cl <= d),
    }
    for name, mask in masks.items():
        out.fields[:, FIELD[name]] = np.bincount(cell[mask], minlength=n)
    handling = np.where(closed_in, cl - o, 0)
    out.fields[:, FIELD["rework_events"]] = _sum_by(cell, np.where(closed_in, rework, 0), n)
    out.fields[:, FIELD["handling_seconds"]] = _sum_by(cell, handling, n)
    out.status[:] = np.bincount(
        cell[active] * n_status + good.status[active], minlength=n * n_status
    ).reshape(n, n_status)
    out.category[:] = np.bincount(
        cell[opened_in] * n_category + good.category[opened_in], minlength=n * n_category
    ).reshape(n, n_category)
    bins = handling_bins(handling[closed_in])
    out.hist[:] = np.bincount(
        cell[closed_in] * N_BINS + bins, minlength=n * N_BINS
    ).reshape(n, N_BINS)
    _roll_up(out, tree)
    return out


def _sum_by(cell: NDArray[np.int64], values: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """Exact int64 sums per node: ``np.bincount`` with float64 weights while that is exact."""
    if values.size == 0 or int(np.abs(values).sum(dtype=np.float64)) < 2**52:
        return np.rint(np.bincount(cell, weights=values, minlength=n)).astype(np.int64)
    sums = np.zeros(n, dtype=np.int64)
    np.add.at(sums, cell, values)
    return sums


def _roll_up(out: NodeFigures, parent: NDArray[np.int32]) -> None:
    """Add each node's rows into its parent's, children first."""
    for node in range(parent.shape[0] - 1, -1, -1):
        p = int(parent[node])
        if p >= 0:
            out.fields[p] += out.fields[node]
            out.status[p] += out.status[node]
            out.category[p] += out.category[node]
            out.hist[p] += out.hist[node]
