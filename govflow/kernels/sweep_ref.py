"""Plain-numpy reference of :mod:`govflow.kernels.sweep` (also the benchmark's numpy peer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from govflow.kernels.columns import NEVER
from govflow.kernels.sweep import SweepResult, check_sweep
from govflow.kernels.validate import as_array, as_times


def sweep_arrays(
    s: np.ndarray[Any, Any], d: np.ndarray[Any, Any], f: np.ndarray[Any, Any],
    prev: np.ndarray[Any, Any], now: int,
) -> SweepResult:
    """The vectorised computation on already validated arrays."""
    has_due = d != NEVER
    span = np.where(has_due, d - s, 0)
    yellow_at = s + (f * span.astype(np.float64)).astype(np.int64)
    light = np.where(has_due & (now >= d), 2, np.where(has_due & (now >= yellow_at), 1, 0))
    light = light.astype(np.int8)
    return SweepResult(light, (light == 2) & (prev != 2))


def sweep_ref(
    start: Any, due: Any, yellow_fraction: Any, now: int, prev_light: Any | None = None
) -> SweepResult:
    """Same contract as :func:`govflow.kernels.sweep.sweep`."""
    s, d, f, prev = check_sweep(start, due, yellow_fraction, prev_light)
    return sweep_arrays(s, d, f, prev, now)


def sweep_at_ref(
    yellow_at: Any, red_at: Any, now: int, prev_light: Any | None = None
) -> SweepResult:
    """Same contract as :func:`govflow.kernels.sweep.sweep_at`."""
    y = as_times("yellow_at", yellow_at)
    r = as_times("red_at", red_at)
    prev = (np.zeros(r.shape[0], np.int8) if prev_light is None
            else as_array("prev_light", prev_light, np.int8))
    light = np.where(now >= r, 2, np.where(now >= y, 1, 0)).astype(np.int8)
    return SweepResult(light, (light == 2) & (prev != 2))
