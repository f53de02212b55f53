"""Synthetic inputs for the kernel tests and benchmarks, deterministic by seed.

- :func:`district_parent`: a parent array shaped like the district (1 + 14 + 157 + 934).
- :func:`sample_cases`: case columns over 90 days on the cells of a parent array.
- :func:`matching_instance`: volunteers and posts with identity tags (the grid's
  ``Identity`` bits), in "plentiful" or "scarce" supply.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from govflow.kernels.columns import NEVER, CaseColumns
from govflow.kernels.matching import Posts, Volunteers

#: 2026-06-01 00:00 UTC, the start of the sample period
T_START = 1_780_272_000
DAY = 86_400


def district_parent(streets: int = 14, communities: int = 157, cells: int = 934
                    ) -> NDArray[np.int32]:
    """Root, streets, communities, cells (parents first), spread round-robin."""
    parent = [-1]
    parent += [0] * streets
    parent += [1 + k % streets for k in range(communities)]
    parent += [1 + streets + k % communities for k in range(cells)]
    return np.asarray(parent, np.int32)


def leaves(parent: NDArray[np.int32]) -> NDArray[np.int32]:
    """Nodes without children (the cells)."""
    has_child = np.zeros(parent.shape[0], np.bool_)
    has_child[parent[parent >= 0]] = True
    return np.flatnonzero(~has_child).astype(np.int32)


def sample_cases(seed: int, n: int, parent: NDArray[np.int32], *, n_status: int = 8,
                 n_category: int = 30, n_source: int = 5) -> CaseColumns:
    """``n`` cases opened over 90 days, handled in about 3 days (some never: 3 %), due in 1 to
    8 days; what would close after day 90 is still open. A few categories are common."""
    rng = np.random.default_rng(seed)
    cells = leaves(parent)
    opened = T_START + rng.integers(0, 90 * DAY, n)
    handling = rng.exponential(3 * DAY, n).astype(np.int64)
    closed = opened + handling
    closed = np.where((closed < T_START + 90 * DAY) & (rng.random(n) > 0.03), closed, NEVER)
    due = opened + rng.integers(DAY, 8 * DAY, n)
    weights = np.ones(n_category) / np.arange(1, n_category + 1)
    return CaseColumns(
        cell=cells[rng.integers(0, cells.shape[0], n)],
        category=rng.choice(n_category, n, p=weights / weights.sum()).astype(np.int16),
        status=rng.integers(0, n_status, n).astype(np.int8),
        light=rng.integers(0, 3, n).astype(np.int8),
        opened=opened.astype(np.int64), closed=closed.astype(np.int64),
        due=due.astype(np.int64),
        rework=rng.choice(3, n, p=[0.85, 0.12, 0.03]).astype(np.int16),
        source=rng.integers(0, n_source, n).astype(np.int16),
    )


#: how often volunteers hold each identity bit (0 building head … 12 committee member)
TAG_RATES = np.array([0.10, 0.06, 0.03, 0.04, 0.02, 0.02, 0.08, 0.35, 0.90, 0.05, 0.002,
                      0.01, 0.04])


def matching_instance(
    seed: int, n_vol: int, n_posts: int, parent: NDArray[np.int32],
    supply: Literal["plentiful", "scarce"] = "plentiful",
) -> tuple[Volunteers, Posts]:
    """Volunteers with several identities each; posts asking for one or two of them.

    "plentiful": the headcount asked is about a third of the volunteers; "scarce": about one
    and a half times as many places as volunteers.
    """
    rng = np.random.default_rng(seed)
    cells = leaves(parent)
    bits = rng.random((n_vol, TAG_RATES.shape[0])) < TAG_RATES
    tags = (bits.astype(np.uint64) << np.arange(TAG_RATES.shape[0], dtype=np.uint64)).sum(
        axis=1, dtype=np.uint64)
    # volunteers live unevenly: some cells have many more than others
    cell_weight = np.asarray(rng.gamma(2.0, 1.0, cells.shape[0]), np.float64)
    vcell = cells[rng.choice(cells.shape[0], n_vol, p=cell_weight / cell_weight.sum())]
    capacity = np.where(rng.random(n_vol) < 0.1, 2, 1)
    available = rng.random(n_vol) < 0.9
    demand_rate = TAG_RATES / TAG_RATES.sum()
    first = rng.choice(TAG_RATES.shape[0], n_posts, p=demand_rate)
    second = rng.choice(TAG_RATES.shape[0], n_posts, p=demand_rate)
    two = rng.random(n_posts) < 0.3
    ptags = (np.uint64(1) << first.astype(np.uint64)) | np.where(
        two, np.uint64(1) << second.astype(np.uint64), np.uint64(0))
    mean_head = (0.33 if supply == "plentiful" else 1.5) * n_vol / max(n_posts, 1)
    headcount = 1 + rng.poisson(max(mean_head - 1, 0), n_posts)
    pcell = cells[rng.integers(0, cells.shape[0], n_posts)]
    priority = (rng.random(n_posts) < 0.1).astype(np.int32)
    return (Volunteers.of(tags, vcell, capacity, available),
            Posts.of(ptags, pcell, headcount, priority))
