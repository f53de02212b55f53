"""The exact matching optimum (tests and benchmarks only): OR-Tools min-cost maximum flow.

Volunteers are grouped by (home node, tag pattern) and posts by (node, required tags). For
each required-tag set ``q`` the network holds two copies of the grid tree: an "up" tree that
a volunteer climbs for free and a "down" tree that reaches the posts; stepping from up to
down at node ``n`` costs ``3 - depth(n)`` (0 at a cell, 1 at a community, 2 at a street, 3 at
the district), so the cheapest route between two nodes steps over at their lowest common
ancestor and costs exactly :func:`~govflow.kernels.match_prep.cost_between`. Maximum flow
with minimum cost is then the most headcount at the least total travel. Capacities are
pooled per group, so a volunteer with capacity above 1 could in principle fill two places of
one post here: the optimum of a relaxation, never worse than the true one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from govflow.kernels.match_prep import ancestors
from govflow.kernels.matching import Posts, Volunteers, check


@dataclass(frozen=True, slots=True)
class Optimum:
    """The best filled headcount and, among assignments filling that many, the least travel."""

    filled: int
    travel: int


def _depth(anc: NDArray[np.int32]) -> NDArray[np.int64]:
    depth = np.full(anc.shape[1], 4, np.int64)
    for t in range(3, -1, -1):
        depth[anc[t] == np.arange(anc.shape[1])] = t
    return depth


def exact_optimum(vols: Volunteers, posts: Posts, parent: object) -> Optimum:
    """Solve the matching exactly (sizes up to about 1e5 volunteers × 1e4 posts)."""
    from ortools.graph.python import min_cost_flow

    tree = check(vols, posts, parent)
    n = int(tree.shape[0])
    anc = ancestors(tree)
    step_cost = np.maximum(3 - _depth(anc), 0)
    classes, pq = np.unique(posts.tags, return_inverse=True)
    pq = pq.ravel()
    wanted = np.bitwise_or.reduce(classes) if classes.size else np.uint64(0)
    ok = vols.available & (vols.capacity > 0)
    pats, vp = np.unique(vols.tags[ok] & wanted, return_inverse=True)
    vp = vp.ravel()
    elig = (pats[:, None] & classes[None, :]) == classes[None, :]
    n_q = classes.shape[0]
    # node numbering: 0 source, 1 sink, then per class q: up tree, down tree, a virtual top
    block = 2 * n + 1

    def up(q: NDArray[np.int64] | int, node: NDArray[np.int64] | int) -> NDArray[np.int64]:
        return np.asarray(2 + q * block + node, np.int64)

    def down(q: NDArray[np.int64] | int, node: NDArray[np.int64] | int) -> NDArray[np.int64]:
        return np.asarray(2 + q * block + n + node, np.int64)

    groups, g_idx = np.unique(np.stack([vols.cell[ok].astype(np.int64), vp]), axis=1,
                              return_inverse=True)
    g_cap = np.bincount(g_idx.ravel(), weights=vols.capacity[ok], minlength=groups.shape[1])
    first_group = 2 + n_q * block
    tails: list[NDArray[np.int64]] = []
    heads: list[NDArray[np.int64]] = []
    caps: list[NDArray[np.int64]] = []
    costs: list[NDArray[np.int64]] = []
    big = int(g_cap.sum()) + 1

    def arcs(t: NDArray[np.int64], h: NDArray[np.int64], c: NDArray[np.int64] | int,
             w: NDArray[np.int64] | int) -> None:
        tails.append(np.asarray(t, np.int64))
        heads.append(np.asarray(h, np.int64))
        caps.append(np.broadcast_to(np.asarray(c, np.int64), tails[-1].shape))
        costs.append(np.broadcast_to(np.asarray(w, np.int64), tails[-1].shape))

    g_ids = first_group + np.arange(groups.shape[1], dtype=np.int64)
    arcs(np.zeros(g_ids.shape[0], np.int64), g_ids, g_cap.astype(np.int64), 0)
    gi, qi = np.nonzero(elig[groups[1]])
    arcs(g_ids[gi], up(qi, groups[0, gi]), big, 0)
    nodes = np.arange(n, dtype=np.int64)
    has_parent = tree >= 0
    for q in range(n_q):
        child = nodes[has_parent]
        arcs(up(q, child), up(q, tree[has_parent].astype(np.int64)), big, 0)
        arcs(down(q, tree[has_parent].astype(np.int64)), down(q, child), big, 0)
        arcs(up(q, nodes), down(q, nodes), big, step_cost)
        roots = nodes[~has_parent]
        top = np.full(roots.shape[0], 2 + q * block + 2 * n, np.int64)
        arcs(up(q, roots), top, big, 3)
        arcs(top, down(q, roots), big, 0)
    post_groups, pg_idx = np.unique(np.stack([posts.cell.astype(np.int64), pq]), axis=1,
                                    return_inverse=True)
    pg_need = np.bincount(pg_idx.ravel(), weights=posts.headcount,
                          minlength=post_groups.shape[1]).astype(np.int64)
    arcs(down(post_groups[1], post_groups[0]), np.ones(post_groups.shape[1], np.int64),
         pg_need, 0)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps),
        np.concatenate(costs),
    )
    total = int(min(g_cap.sum(), pg_need.sum()))
    smcf.set_node_supply(0, total)
    smcf.set_node_supply(1, -total)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"OR-Tools min-cost flow ended with status {status}")
    return Optimum(int(smcf.maximum_flow()), int(smcf.optimal_cost()))
