"""Synthetic stage and duty columns for the kernel tests and the assessment benchmark."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from govflow.kernels.columns import NEVER
from govflow.kernels.duty_columns import DutyColumns
from govflow.kernels.samples import DAY, T_START, leaves


def sample_duty(seed: int, n: int, parent: NDArray[np.int32], n_people: int, *,
                span: int = 90 * DAY) -> DutyColumns:
    """``n`` cases over ``span`` seconds on the cells of ``parent``, a tenth without a person,
    stages passed in order, some never reached (NEVER), limits either side of the times."""
    rng = np.random.default_rng(seed)
    cells = leaves(parent)

    def later(start: NDArray[np.int64], scale: float, missing: float) -> NDArray[np.int64]:
        step = start + rng.exponential(scale, n).astype(np.int64)
        gone = (rng.random(n) < missing) | (start == NEVER)
        return np.where(gone, NEVER, step)

    opened = (T_START + rng.integers(0, span, n)).astype(np.int64)
    registered = later(opened, 1800, 0.05)
    dispatched = later(registered, 1800, 0.05)
    handled = later(dispatched, 2 * DAY, 0.1)
    closed = later(handled, 3600, 0.05)
    limit = rng.integers(0, 3 * DAY, n)
    return DutyColumns(
        cell=rng.choice(cells, n).astype(np.int32),
        person=np.where(rng.random(n) < 0.1, -1, rng.integers(0, max(n_people, 1), n)
                        ).astype(np.int32) if n_people else np.full(n, -1, np.int32),
        opened=opened, closed=closed, due=opened + limit + DAY,
        registered=registered, register_due=opened + rng.integers(600, 3600, n),
        dispatched=dispatched,
        dispatch_due=np.where(registered == NEVER, opened + 3600, registered + 1800),
        handled=handled,
        handle_due=np.where(dispatched == NEVER, opened + 5 * DAY, dispatched + limit),
        reroutes=(rng.random(n) < 0.1).astype(np.int16),
        rework=rng.poisson(0.15, n).astype(np.int16),
        escalation=(rng.random(n) < 0.07).astype(np.int16),
        satisfied=rng.choice(np.array([-1, 0, 1], np.int8), n, p=[0.6, 0.1, 0.3]),
        task=(rng.random(n) < 0.05).astype(np.int8),
    )
