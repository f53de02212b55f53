"""The stage-KPI and assessment kernel: per-case stage times → figures per node and person.

One pass over the cases counts each on its cell's row and on its person's row; then every
node row is added into its parent's (parents come before children in the grid arrays), so a
street's row holds its communities' and cells'. Fields: :data:`DUTY_FIELDS`. The KPIs and the
assessment scores are ratios of these counts (:mod:`govflow.cockpit.kpi`,
:mod:`govflow.cockpit.assessment`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from govflow.errors import KernelInputError
from govflow.kernels._jit import kernel
from govflow.kernels.duty_columns import DUTY, DUTY_FIELDS, DutyColumns, check_duty
from govflow.kernels.validate import check_parent

_SIG = (
    "void(int32[::1], int32[::1], int64[::1], int64[::1], int64[::1], int64[::1], int64[::1],"
    " int64[::1], int64[::1], int64[::1], int64[::1], int16[::1], int16[::1], int16[::1],"
    " int8[::1], int8[::1], int32[::1], int64, int64, int64[:, ::1], int64[:, ::1])"
)


@kernel(_SIG)
def duty_kernel(  # type: ignore[no-untyped-def]
    cell, person, opened, closed, due, registered, register_due, dispatched, dispatch_due,
    handled, handle_due, reroutes, rework, escalation, satisfied, task, parent, t0, t1,
    nodes, people,
):
    """Count every case on its cell and its person, then roll node rows up the tiers."""
    k = nodes.shape[1]
    row = np.zeros(k, np.int64)
    for i in range(cell.shape[0]):
        o = opened[i]
        cl = closed[i]
        rg = registered[i]
        dp = dispatched[i]
        hd = handled[i]
        reg_in = (rg >= t0) & (rg < t1)
        dis_in = (dp >= t0) & (dp < t1)
        han_in = (hd >= t0) & (hd < t1)
        closed_in = (cl >= t0) & (cl < t1)
        answered = (o < t1) & (cl >= t0)
        opened_in = (o >= t0) & (o < t1)
        row[0] = reg_in
        row[1] = reg_in & (rg <= register_due[i])
        row[3] = dis_in
        row[4] = dis_in & (dp <= dispatch_due[i])
        row[5] = dis_in & (reroutes[i] == 0)
        row[2] = dis_in | ((rg < t1) & (dp >= t1) & (dispatch_due[i] < t1))
        row[7] = han_in
        row[8] = han_in & (hd <= handle_due[i])
        row[6] = han_in | ((dp < t1) & (hd >= t1) & (handle_due[i] < t1))
        row[9] = closed_in & (satisfied[i] >= 0)
        row[10] = closed_in & (satisfied[i] == 1)
        row[11] = answered
        row[12] = closed_in
        row[13] = closed_in & (cl <= due[i])
        row[14] = closed_in & (rework[i] > 0)
        row[15] = answered & (escalation[i] > 0)
        tk = opened_in & (task[i] == 1)
        row[16] = tk
        row[17] = tk & (cl <= due[i])
        c = np.uint32(cell[i])
        p = person[i]
        for j in range(k):
            nodes[c, j] += row[j]
        if p >= 0:
            for j in range(k):
                people[p, j] += row[j]
    for node in range(parent.shape[0] - 1, -1, -1):
        up = parent[node]
        if up < 0:
            continue
        for j in range(k):
            nodes[up, j] += nodes[node, j]


@dataclass(frozen=True, slots=True)
class DutyFigures:
    """Counts per node (rolled up the tiers) and per person (their own cases)."""

    nodes: NDArray[np.int64]    # (n_nodes, len(DUTY_FIELDS))
    people: NDArray[np.int64]   # (n_people, len(DUTY_FIELDS))

    def node(self, name: str) -> NDArray[np.int64]:
        return self.nodes[:, DUTY[name]]

    def person(self, name: str) -> NDArray[np.int64]:
        return self.people[:, DUTY[name]]


def empty_duty(n_nodes: int, n_people: int) -> DutyFigures:
    k = len(DUTY_FIELDS)
    return DutyFigures(np.zeros((n_nodes, k), np.int64), np.zeros((n_people, k), np.int64))


def prepare(cols: DutyColumns, parent: NDArray[np.int32] | list[int], t0: int, t1: int,
            n_people: int) -> tuple[DutyColumns, NDArray[np.int32]]:
    """Validated columns and tree (shared by the kernel and the reference)."""
    tree = check_parent(parent)
    if int(t0) > int(t1):
        raise KernelInputError(f"window starts ({t0}) after it ends ({t1})")
    if n_people < 0:
        raise KernelInputError("n_people must not be negative")
    return check_duty(cols, int(tree.shape[0]), n_people), tree


def duty_figures(cols: DutyColumns, parent: NDArray[np.int32] | list[int], *, t0: int,
                 t1: int, n_people: int) -> DutyFigures:
    """Stage KPIs and assessment counts over ``[t0, t1)`` for every node and person."""
    good, tree = prepare(cols, parent, t0, t1, n_people)
    out = empty_duty(int(tree.shape[0]), n_people)
    duty_kernel(good.cell, good.person, good.opened, good.closed, good.due, good.registered,
                good.register_due, good.dispatched, good.dispatch_due, good.handled,
                good.handle_due, good.reroutes, good.rework, good.escalation, good.satisfied,
                good.task, tree, np.int64(t0), np.int64(t1), out.nodes, out.people)
    return out
