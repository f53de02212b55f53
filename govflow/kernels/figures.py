"""Per-node figures: what the aggregation kernel and its reference both return.

Handling-time percentiles come from per-node histograms with fixed log-spaced bins:
:data:`BINS_PER_OCTAVE` bins between each power of two of seconds. A value ``h >= 1`` falls in
bin ``1 + (e - 1) * 16 + floor((2m - 1) * 16)`` where ``h = m * 2**e``, ``0.5 <= m < 1``
(``math.frexp``); ``h == 0`` is bin 0; values of ``2**27`` s (about 4.25 years) or more share
the last bin. The p90 is the nearest-rank one (the ``ceil(0.9 n)``-th smallest handling time)
reported as the geometric middle of its bin, so it is within ``sqrt(17/16) - 1`` = 3.08 % of
the exact nearest-rank value (below the last bin).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

BINS_PER_OCTAVE = 16
OCTAVES = 27
N_BINS = 1 + OCTAVES * BINS_PER_OCTAVE
#: the worst relative error of a histogram percentile against the exact one
PERCENTILE_ERROR = math.sqrt(1 + 1 / BINS_PER_OCTAVE) - 1

#: columns of :attr:`NodeFigures.fields`, in order
FIELDS = (
    "opened",            # opened in the window
    "active",            # open at some moment of the window
    "closed",            # closed in the window (handled)
    "closed_on_time",    # closed in the window, at or before the due time
    "backlog",           # still open at the window's end
    "overdue",           # still open at the end and past due
    "yellow",            # open at the end with a yellow light
    "red",               # open at the end with a red light
    "reworked",          # closed in the window after at least one send-back
    "rework_events",     # send-backs of the cases closed in the window
    "campaign_required", # campaign tasks opened in the window (on-post checks required)
    "campaign_on_post",  # of those, confirmed (closed) by their due time
    "handling_seconds",  # sum of closed - opened over the cases closed in the window
)
FIELD = {name: i for i, name in enumerate(FIELDS)}


def bin_edges() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lower and upper edge of every histogram bin, in seconds."""
    b = np.arange(1, N_BINS)
    e = (b - 1) // BINS_PER_OCTAVE
    j = (b - 1) % BINS_PER_OCTAVE
    lo = np.ldexp(1 + j / BINS_PER_OCTAVE, e)
    hi = np.ldexp(1 + (j + 1) / BINS_PER_OCTAVE, e)
    return np.concatenate([[0.0], lo]), np.concatenate([[0.0], hi])


def bin_values() -> NDArray[np.float64]:
    """The value a bin stands for: its geometric middle (0 for bin 0)."""
    lo, hi = bin_edges()
    return np.sqrt(lo * hi)


@dataclass(frozen=True, slots=True)
class NodeFigures:
    """Counts for every grid node (rows in grid-array order), rolled up the tiers."""

    fields: NDArray[np.int64]      # (n_nodes, len(FIELDS))
    status: NDArray[np.int64]      # (n_nodes, n_status): active cases by status
    category: NDArray[np.int64]    # (n_nodes, n_category): cases opened, by category
    hist: NDArray[np.int32]        # (n_nodes, N_BINS): handling times of closed cases

    def __getitem__(self, name: str) -> NDArray[np.int64]:
        return self.fields[:, FIELD[name]]

    def mean_handling(self) -> NDArray[np.float64]:
        """Mean handling time in seconds per node (NaN where nothing closed)."""
        closed = self["closed"].astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(closed > 0, self["handling_seconds"] / closed, np.nan)

    def percentile(self, q: float = 0.9) -> NDArray[np.float64]:
        """Nearest-rank ``q`` quantile of handling time per node, from the histograms."""
        counts = self.hist.astype(np.int64)
        total = counts.sum(axis=1)
        rank = np.ceil(q * total).astype(np.int64)
        rank = np.maximum(rank, 1)
        cum = np.cumsum(counts, axis=1)
        idx = (cum < rank[:, None]).sum(axis=1)
        idx = np.minimum(idx, N_BINS - 1)
        values = bin_values()[idx]
        return np.where(total > 0, values, np.nan)
