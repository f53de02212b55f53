"""The deadline sweep: every open case's warning light at ``now`` and who escalates now.

Two forms. :func:`sweep` takes stage start, due time and the yellow fraction of the stage
(wall-clock fractions: yellow from ``start + floor(fraction * (due - start))``, red from
``due``). :func:`sweep_at` takes yellow and red moments the engine already computed on its
work calendar. Both return each case's light and the escalate-now mask: cases whose light is
red now but was not red before (their previous light is passed in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from govflow.errors import KernelInputError
from govflow.kernels._jit import kernel
from govflow.kernels.columns import GREEN, NEVER, RED, YELLOW
from govflow.kernels.validate import as_array, as_times, in_range, same_length

#: times further from the epoch than this are refused (keeps ``due - start`` exact)
TIME_LIMIT = 2**62


@kernel("void(int64[::1], int64[::1], float64[::1], int8[::1], int64, int8[::1], uint8[::1])")
def sweep_kernel(start, due, fraction, prev, now, light, escalate):  # type: ignore[no-untyped-def]
    """Light and escalate flag of every case from start, due and yellow fraction."""
    for i in range(due.shape[0]):
        d = due[i]
        s = start[i]
        lt = 0
        if d != 9223372036854775807:
            yellow_at = s + np.int64(fraction[i] * np.float64(d - s))
            if now >= d:
                lt = 2
            elif now >= yellow_at:
                lt = 1
        light[i] = lt
        escalate[i] = (lt == 2) & (prev[i] != 2)


@kernel("void(int64[::1], int64[::1], int8[::1], int64, int8[::1], uint8[::1])")
def sweep_at_kernel(yellow_at, red_at, prev, now, light, escalate):  # type: ignore[no-untyped-def]
    """Light and escalate flag of every case from precomputed yellow and red moments."""
    for i in range(red_at.shape[0]):
        lt = 2 if now >= red_at[i] else (1 if now >= yellow_at[i] else 0)
        light[i] = lt
        escalate[i] = (lt == 2) & (prev[i] != 2)


@dataclass(frozen=True, slots=True)
class SweepResult:
    """``light[i]`` is 0 green / 1 yellow / 2 red; ``escalate[i]`` turned red in this sweep."""

    light: NDArray[np.int8]
    escalate: NDArray[np.bool_]

    def warn(self, prev_light: NDArray[np.int8]) -> NDArray[np.bool_]:
        """Cases that turned yellow in this sweep (were green before)."""
        warned: NDArray[np.bool_] = (self.light == YELLOW) & (np.asarray(prev_light) == GREEN)
        return warned

    def counts(self) -> tuple[int, int, int]:
        """How many cases are green, yellow, red."""
        c = np.bincount(self.light, minlength=3)
        return int(c[GREEN]), int(c[YELLOW]), int(c[RED])


def check_sweep(
    start: Any, due: Any, yellow_fraction: Any, prev_light: Any | None
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int8]]:
    """Validated, kernel-typed inputs of :func:`sweep` (shared with the reference)."""
    s = as_times("start", start)
    d = as_times("due", due)
    n = same_length(start=s, due=d)
    frac = np.asarray(yellow_fraction, dtype=np.float64)
    f = np.full(n, float(frac)) if frac.ndim == 0 else as_array("yellow_fraction", frac, np.float64)
    prev = (np.zeros(n, np.int8) if prev_light is None
            else as_array("prev_light", prev_light, np.int8))
    same_length(start=s, due=d, yellow_fraction=f, prev_light=prev)
    if f.size and (np.isnan(f).any() or (f < 0).any() or (f > 1).any()):
        raise KernelInputError("yellow_fraction must lie in [0, 1] (e.g. 0.8), without NaN")
    in_range("prev_light", prev, 0, 3, "lights (0 green, 1 yellow, 2 red)")
    _check_limits("start", s, allow_never=False)
    _check_limits("due", d, allow_never=True)
    return s, d, np.ascontiguousarray(f), prev


def _check_limits(name: str, t: NDArray[np.int64], *, allow_never: bool) -> None:
    if t.size == 0:
        return
    real = t[t != NEVER] if allow_never else t
    if (not allow_never and (t == NEVER).any()) or (real.size and (
        real.min() < -TIME_LIMIT or real.max() > TIME_LIMIT
    )):
        raise KernelInputError(
            f"{name} holds times beyond ±2**62 s"
            + ("" if allow_never else " or NEVER") + "; give real epoch seconds"
        )


def sweep(
    start: Any, due: Any, yellow_fraction: Any, now: int, prev_light: Any | None = None
) -> SweepResult:
    """Lights at ``now`` from stage start, due time (NEVER: no deadline) and yellow fraction."""
    s, d, f, prev = check_sweep(start, due, yellow_fraction, prev_light)
    light = np.empty(d.shape[0], np.int8)
    escalate = np.empty(d.shape[0], np.uint8)
    sweep_kernel(s, d, f, prev, np.int64(now), light, escalate)
    return SweepResult(light, escalate.view(np.bool_))


def sweep_at(
    yellow_at: Any, red_at: Any, now: int, prev_light: Any | None = None
) -> SweepResult:
    """Lights at ``now`` from yellow and red moments computed on the work calendar."""
    y = as_times("yellow_at", yellow_at)
    r = as_times("red_at", red_at)
    n = same_length(yellow_at=y, red_at=r)
    prev = (np.zeros(n, np.int8) if prev_light is None
            else as_array("prev_light", prev_light, np.int8))
    same_length(yellow_at=y, red_at=r, prev_light=prev)
    in_range("prev_light", prev, 0, 3, "lights (0 green, 1 yellow, 2 red)")
    light = np.empty(n, np.int8)
    escalate = np.empty(n, np.uint8)
    sweep_at_kernel(y, r, prev, np.int64(now), light, escalate)
    return SweepResult(light, escalate.view(np.bool_))


__all__ = ["NEVER", "SweepResult", "sweep", "sweep_at"]
