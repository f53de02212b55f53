"""Matching volunteers to posts (社会动员精准化): who holds every required tag, nearest first.

:func:`match` fills as much headcount as possible (the maximum, from a class-level flow) with
volunteers holding every tag a post requires, preferring the nearest (travel cost 0 same
cell, 1 same community, 2 same street, 3 anywhere) and the scarcest posts first (higher
``priority`` before that). :func:`rematch` replaces volunteers who declined by matching what
is left. See :mod:`govflow.kernels._match_kernel` for the algorithm, and
:mod:`govflow.kernels.matching_ref` for the exact min-cost-flow reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from govflow.errors import KernelInputError
from govflow.kernels._match_kernel import match_kernel
from govflow.kernels.match_prep import Prepared, prepare
from govflow.kernels.validate import as_array, check_parent, in_range, same_length


@dataclass(frozen=True, slots=True)
class Volunteers:
    """Volunteers as columns: tag bitmask, home node index, capacity (posts), available."""

    tags: NDArray[np.uint64]
    cell: NDArray[np.int32]
    capacity: NDArray[np.int32]
    available: NDArray[np.bool_]

    @classmethod
    def of(cls, tags: Any, cell: Any, capacity: Any = None, available: Any = None) -> Volunteers:
        """Checked columns; ``capacity`` defaults to 1, ``available`` to True."""
        t = _tags("volunteer tags", tags)
        c = as_array("volunteer cell", cell, np.int32)
        n = same_length(tags=t, cell=c)
        cap = as_array("capacity", np.ones(n) if capacity is None else capacity, np.int32)
        av = as_array("available", np.ones(n) if available is None else available, np.uint8)
        same_length(tags=t, cell=c, capacity=cap, available=av)
        if cap.size and cap.min() < 0:
            raise KernelInputError("capacity must not be negative")
        return cls(t, c, cap, av.astype(np.bool_))

    def __len__(self) -> int:
        return int(self.cell.shape[0])


@dataclass(frozen=True, slots=True)
class Posts:
    """Posts as columns: required tags, node index, headcount, priority (higher first)."""

    tags: NDArray[np.uint64]
    cell: NDArray[np.int32]
    headcount: NDArray[np.int32]
    priority: NDArray[np.int32]

    @classmethod
    def of(cls, tags: Any, cell: Any, headcount: Any, priority: Any = None) -> Posts:
        """Checked columns; ``priority`` defaults to 0."""
        t = _tags("post tags", tags)
        c = as_array("post cell", cell, np.int32)
        h = as_array("headcount", headcount, np.int32)
        n = same_length(tags=t, cell=c, headcount=h)
        pr = as_array("priority", np.zeros(n) if priority is None else priority, np.int32)
        same_length(tags=t, cell=c, headcount=h, priority=pr)
        if h.size and h.min() < 0:
            raise KernelInputError("headcount must not be negative")
        return cls(t, c, h, pr)

    def __len__(self) -> int:
        return int(self.cell.shape[0])


@dataclass(frozen=True, slots=True)
class Assignment:
    """One row per filled place: ``volunteer[k]`` fills a place of ``post[k]`` at ``cost[k]``."""

    volunteer: NDArray[np.int64]
    post: NDArray[np.int64]
    cost: NDArray[np.int8]
    n_posts: int

    @property
    def filled(self) -> int:
        return int(self.post.shape[0])

    @property
    def travel(self) -> int:
        return int(self.cost.sum(dtype=np.int64))

    def per_post(self) -> NDArray[np.int64]:
        """Filled places of every post."""
        return np.bincount(self.post, minlength=self.n_posts).astype(np.int64)


def _tags(name: str, tags: Any) -> NDArray[np.uint64]:
    arr = np.asarray(tags)
    if arr.dtype.kind == "i":
        arr = arr.astype(np.int64).view(np.uint64)
    return as_array(name, arr, np.uint64)


def check(vols: Volunteers, posts: Posts, parent: Any) -> NDArray[np.int32]:
    """The parent array, after checking every node index of ``vols`` and ``posts``."""
    tree = check_parent(parent)
    n = int(tree.shape[0])
    in_range("volunteer cell", vols.cell, 0, n, f"the grid ({n} nodes)")
    in_range("post cell", posts.cell, 0, n, f"the grid ({n} nodes)")
    return tree


def match(vols: Volunteers, posts: Posts, parent: Any) -> Assignment:
    """The assignment: maximum filled headcount, nearest volunteers, scarcest posts first."""
    tree = check(vols, posts, parent)
    prep = prepare(vols.tags, vols.cell, vols.capacity, vols.available,
                   posts.tags, posts.cell, posts.headcount, posts.priority, tree)
    return _run(prep, len(posts))


def _run(prep: Prepared, n_posts: int) -> Assignment:
    size = prep.max_slots
    out_j = np.empty(size, np.int64)
    out_p = np.empty(size, np.int64)
    out_cost = np.empty(size, np.int8)
    count = np.zeros(1, np.int64)
    if size > 0:
        match_kernel(
            prep.pat, prep.cap, prep.elig, prep.flow, prep.used, prep.blocked, prep.f_s,
            prep.f_t, prep.supply, prep.demand, prep.post_order, prep.post_q, prep.need,
            prep.scope, prep.node_lo, prep.node_hi, prep.cursor, prep.p_ptr, prep.p_cls,
            out_j, out_p, out_cost, count, prep.stats, prep.vmask, prep.cmask,
        )
    k = int(count[0])
    return Assignment(prep.order[out_j[:k]], out_p[:k].copy(), out_cost[:k].copy(), n_posts)


def rematch(
    vols: Volunteers, posts: Posts, parent: Any, previous: Assignment, declined: Any
) -> Assignment:
    """Drop the places of volunteers who declined, then fill the open places from the rest.

    Accepted places are kept; declined volunteers are not asked again; nobody gets a second
    place on a post they already hold. The result holds the kept rows first, then new ones.
    """
    tree = check(vols, posts, parent)
    gone = np.zeros(len(vols), np.bool_)
    idx = as_array("declined", declined, np.int64)
    in_range("declined", idx, 0, len(vols), f"the volunteers ({len(vols)})")
    gone[idx] = True
    keep = ~gone[previous.volunteer]
    rows_v, rows_p = previous.volunteer[keep], previous.post[keep]
    rows_c = previous.cost[keep]
    frozen = np.zeros(len(vols), np.bool_)  # held places elsewhere and would double up
    for _ in range(4):
        left_cap = vols.capacity.astype(np.int64) - np.bincount(rows_v, minlength=len(vols))
        left_need = posts.headcount.astype(np.int64) - np.bincount(rows_p, minlength=len(posts))
        prep = prepare(vols.tags, vols.cell, np.maximum(left_cap, 0).astype(np.int32),
                       vols.available & ~gone & ~frozen, posts.tags, posts.cell,
                       np.maximum(left_need, 0).astype(np.int32), posts.priority, tree)
        extra = _run(prep, len(posts))
        held = set(zip(rows_v.tolist(), rows_p.tolist(), strict=True))
        fresh = np.array([(v, p) not in held for v, p in
                          zip(extra.volunteer.tolist(), extra.post.tolist(), strict=True)],
                         np.bool_)
        rows_v = np.concatenate([rows_v, extra.volunteer[fresh]])
        rows_p = np.concatenate([rows_p, extra.post[fresh]])
        rows_c = np.concatenate([rows_c, extra.cost[fresh]])
        if fresh.all():
            break
        frozen[extra.volunteer[~fresh]] = True
    return Assignment(rows_v, rows_p, rows_c, len(posts))
