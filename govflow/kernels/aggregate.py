"""The tier aggregation kernel: case records → figures for every grid node, in one pass.

Records are counted on their own node, then each node's row is added into its parent's,
walking the nodes from last to first (the grid arrays put parents before children), so the
district row holds the whole district. See :mod:`govflow.kernels.figures` for the fields and
the percentile method.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from govflow.kernels._jit import kernel
from govflow.kernels.columns import CaseColumns
from govflow.kernels.figures import FIELDS, N_BINS, NodeFigures
from govflow.kernels.validate import check_columns, check_parent

_SIG = (
    "void(int32[::1], int16[::1], int8[::1], int8[::1], int64[::1], int64[::1], int64[::1],"
    " int16[::1], int16[::1], int32[::1], int64, int64, int64,"
    " int64[:, ::1], int64[:, ::1], int64[:, ::1], int32[:, ::1])"
)


@kernel(_SIG)
def aggregate_kernel(  # type: ignore[no-untyped-def]
    cell, category, status, light, opened, closed, due, rework, source,
    parent, t0, t1, campaign, fields, status_counts, category_counts, hist,
):
    """Count every record on its node, then roll every row up into its parent."""
    last_bin = hist.shape[1] - 1
    for i in range(cell.shape[0]):
        c = np.uint32(cell[i])  # unsigned: no negative-index wraparound per access
        o = opened[i]
        cl = closed[i]
        d = due[i]
        opened_in = (o >= t0) & (o < t1)
        closed_in = (cl >= t0) & (cl < t1)
        open_end = (o < t1) & (cl >= t1)
        lt = light[i]
        rw = np.int64(rework[i])
        camp = (np.int64(source[i]) == campaign) & opened_in
        fields[c, 0] += opened_in
        fields[c, 1] += (o < t1) & (cl >= t0)
        fields[c, 4] += open_end
        fields[c, 5] += open_end & (d < t1)
        fields[c, 6] += open_end & (lt == 1)
        fields[c, 7] += open_end & (lt == 2)
        fields[c, 10] += camp
        fields[c, 11] += camp & (cl <= d)
        status_counts[c, np.uint8(status[i])] += (o < t1) & (cl >= t0)
        category_counts[c, np.uint16(category[i])] += opened_in
        if closed_in:
            h = cl - o
            fields[c, 2] += 1
            fields[c, 3] += cl <= d
            fields[c, 8] += rw > 0
            fields[c, 9] += rw
            fields[c, 12] += h
            if h <= 0:
                b = 0
            else:
                m, e = math.frexp(float(h))
                b = 1 + (e - 1) * 16 + int((2.0 * m - 1.0) * 16.0)
                if b > last_bin:
                    b = last_bin
            hist[c, np.uint32(b)] += 1
    n_fields = fields.shape[1]
    n_status = status_counts.shape[1]
    n_category = category_counts.shape[1]
    for node in range(parent.shape[0] - 1, -1, -1):
        p = parent[node]
        if p < 0:
            continue
        for k in range(n_fields):
            fields[p, k] += fields[node, k]
        for k in range(n_status):
            status_counts[p, k] += status_counts[node, k]
        for k in range(n_category):
            category_counts[p, k] += category_counts[node, k]
        for k in range(last_bin + 1):
            hist[p, k] += hist[node, k]


def aggregate(
    cols: CaseColumns, parent: NDArray[np.int32] | list[int], *, t0: int, t1: int,
    n_status: int, n_category: int, campaign_source: int = -1,
) -> NodeFigures:
    """Figures for every node over the window ``[t0, t1)`` (int64 seconds).

    ``campaign_source`` is the source code of campaign tasks (on-post checks), -1 for none.
    Raises :class:`~govflow.errors.KernelInputError` on invalid input, before the kernel.
    """
    tree = check_parent(parent)
    good, lo, hi = prepare_window(cols, tree, t0, t1, n_status, n_category)
    out = empty_figures(tree.shape[0], n_status, n_category)
    aggregate_kernel(
        good.cell, good.category, good.status, good.light, good.opened, good.closed, good.due,
        good.rework, good.source, tree, lo, hi, np.int64(campaign_source),
        out.fields, out.status, out.category, out.hist,
    )
    return out


def prepare_window(
    cols: CaseColumns, tree: NDArray[np.int32], t0: int, t1: int, n_status: int,
    n_category: int,
) -> tuple[CaseColumns, np.int64, np.int64]:
    """Validated columns and window bounds (shared by the kernel and the reference)."""
    from govflow.errors import KernelInputError

    if n_status < 1 or n_category < 1:
        raise KernelInputError("n_status and n_category must be at least 1")
    if int(t0) > int(t1):
        raise KernelInputError(f"window starts ({t0}) after it ends ({t1})")
    good = check_columns(cols, n_nodes=int(tree.shape[0]), n_status=n_status,
                         n_category=n_category)
    if len(good) >= 2**31 - 1:
        raise KernelInputError("more than 2**31 records: aggregate per partition and add")
    return good, np.int64(t0), np.int64(t1)


def empty_figures(n_nodes: int, n_status: int, n_category: int) -> NodeFigures:
    """Zeroed output arrays for ``n_nodes`` nodes."""
    return NodeFigures(
        fields=np.zeros((n_nodes, len(FIELDS)), dtype=np.int64),
        status=np.zeros((n_nodes, n_status), dtype=np.int64),
        category=np.zeros((n_nodes, n_category), dtype=np.int64),
        hist=np.zeros((n_nodes, N_BINS), dtype=np.int32),
    )

