"""Plain-numpy reference of :mod:`govflow.kernels.duty` (the tests compare them; also the
numpy peer of the assessment benchmark)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from govflow.kernels.duty import DutyFigures, empty_duty, prepare
from govflow.kernels.duty_columns import DUTY, DutyColumns


def duty_figures_ref(cols: DutyColumns, parent: NDArray[np.int32] | list[int], *, t0: int,
                     t1: int, n_people: int) -> DutyFigures:
    """Same contract as :func:`govflow.kernels.duty.duty_figures`."""
    c, tree = prepare(cols, parent, t0, t1, n_people)
    n = int(tree.shape[0])
    out = empty_duty(n, n_people)
    reg_in = (c.registered >= t0) & (c.registered < t1)
    dis_in = (c.dispatched >= t0) & (c.dispatched < t1)
    han_in = (c.handled >= t0) & (c.handled < t1)
    closed_in = (c.closed >= t0) & (c.closed < t1)
    answered = (c.opened < t1) & (c.closed >= t0)
    task = (c.opened >= t0) & (c.opened < t1) & (c.task == 1)
    masks = {
        "registered": reg_in,
        "registered_on_time": reg_in & (c.registered <= c.register_due),
        "due_to_dispatch": dis_in | ((c.registered < t1) & (c.dispatched >= t1)
                                     & (c.dispatch_due < t1)),
        "dispatched": dis_in,
        "dispatched_on_time": dis_in & (c.dispatched <= c.dispatch_due),
        "dispatched_accurately": dis_in & (c.reroutes == 0),
        "due_to_handle": han_in | ((c.dispatched < t1) & (c.handled >= t1)
                                   & (c.handle_due < t1)),
        "handled": han_in,
        "handled_on_time": han_in & (c.handled <= c.handle_due),
        "revisited": closed_in & (c.satisfied >= 0),
        "satisfied": closed_in & (c.satisfied == 1),
        "answered": answered,
        "closed": closed_in,
        "closed_on_time": closed_in & (c.closed <= c.due),
        "reworked": closed_in & (c.rework > 0),
        "escalated": answered & (c.escalation > 0),
        "tasks_required": task,
        "tasks_on_post": task & (c.closed <= c.due),
    }
    cell = c.cell.astype(np.int64)
    who = c.person.astype(np.int64)
    someone = who >= 0
    for name, mask in masks.items():
        j = DUTY[name]
        out.nodes[:, j] = np.bincount(cell[mask], minlength=n)
        out.people[:, j] = np.bincount(who[mask & someone], minlength=n_people)[:n_people]
    for node in range(n - 1, -1, -1):
        up = int(tree[node])
        if up >= 0:
            out.nodes[up] += out.nodes[node]
    return out
