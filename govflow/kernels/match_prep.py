"""Everything the matching kernel needs, computed with numpy (and SciPy's max flow) first.

- tree geometry: the ancestor of every node at depths 1..3, a preorder of the nodes so that
  every subtree is one contiguous range, and the range of volunteers under every node;
- classes: posts grouped by required tags, volunteers by the tags posts ask for (patterns),
  the eligibility matrix pattern × class, supply and demand per pattern and class;
- the class-level maximum flow (the best possible filled headcount);
- the post order: higher priority first, then scarcest class (eligible supply ÷ demand).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from govflow.errors import KernelInputError

#: largest pattern × class matrix accepted (patterns: distinct volunteer tag sets that matter)
MAX_CLASS_CELLS = 20_000_000


@dataclass(frozen=True, slots=True)
class Prepared:
    """Kernel inputs; ``order[j]`` is the volunteer at sorted position ``j``."""

    order: NDArray[np.int64]
    pat: NDArray[np.int32]
    cap: NDArray[np.int32]
    elig: NDArray[np.uint8]
    #: class × pattern (class-major: the kernel's flow searches scan a class's patterns)
    flow: NDArray[np.int64]
    used: NDArray[np.int64]
    blocked: NDArray[np.uint8]
    f_s: NDArray[np.int64]
    f_t: NDArray[np.int64]
    supply: NDArray[np.int64]
    demand: NDArray[np.int64]
    post_order: NDArray[np.int32]
    post_q: NDArray[np.int32]
    need: NDArray[np.int32]
    scope: NDArray[np.int32]
    node_lo: NDArray[np.int64]
    node_hi: NDArray[np.int64]
    cursor: NDArray[np.int64]
    p_ptr: NDArray[np.int64]
    p_cls: NDArray[np.int32]
    max_slots: int
    #: kernel counters: reroutes tried, reroutes done, scan steps, repair scan steps,
    #: replacement scan steps, repairs done
    stats: NDArray[np.int64]
    #: tags of every sorted volunteer that some post asks for, and the tags of every class
    vmask: NDArray[np.uint64]
    cmask: NDArray[np.uint64]


def ancestors(parent: NDArray[np.int32]) -> NDArray[np.int32]:
    """``anc[t, node]``: the node's ancestor at depth ``t`` (0..3), or -1 if it is shallower."""
    n = parent.shape[0]
    depth = np.zeros(n, np.int64)
    for node in range(n):  # parents come first, so one pass suffices
        p = parent[node]
        if p >= 0:
            depth[node] = depth[p] + 1
    anc = np.full((4, n), -1, np.int32)
    cur = np.arange(n, dtype=np.int64)
    live = np.ones(n, np.bool_)
    while live.any():
        d = depth[cur]
        for t in range(4):
            hit = live & (d == t)
            anc[t, hit] = cur[hit]
        nxt = parent[cur].astype(np.int64)
        live = live & (nxt >= 0)
        cur = np.where(live, nxt, cur)
    return anc


def cost_between(anc: NDArray[np.int32], a: NDArray[np.int64], b: NDArray[np.int64]
                 ) -> NDArray[np.int8]:
    """Travel cost 0 same cell, 1 same community, 2 same street, 3 otherwise."""
    cost = np.full(a.shape[0], 3, np.int8)
    for t, c in ((1, 2), (2, 1), (3, 0)):
        same = (anc[t, a] >= 0) & (anc[t, a] == anc[t, b])
        cost[same] = c
    return cost


def _ranges(anc: NDArray[np.int32], vcell_sorted_pos: NDArray[np.int64],
            pos: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Volunteer range ``[lo, hi)`` of every node's subtree (plus a last, virtual root)."""
    n = anc.shape[1]
    lo_pos = np.full(n, n, np.int64)
    hi_pos = np.zeros(n, np.int64)
    for t in range(4):
        has = anc[t] >= 0
        np.minimum.at(lo_pos, anc[t, has], pos[has])
        np.maximum.at(hi_pos, anc[t, has], pos[has] + 1)
    lo = np.searchsorted(vcell_sorted_pos, lo_pos, "left").astype(np.int64)
    hi = np.searchsorted(vcell_sorted_pos, hi_pos, "left").astype(np.int64)
    total = vcell_sorted_pos.shape[0]
    return np.append(lo, 0), np.append(hi, total)


def _max_flow(elig: NDArray[np.uint8], supply: NDArray[np.int64], demand: NDArray[np.int64]
              ) -> NDArray[np.int64]:
    """Pattern × class flow of maximum value (SciPy's Dinic on the small class graph)."""
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import maximum_flow

    n_p, n_q = elig.shape
    if max(int(supply.sum(initial=0)), int(demand.sum(initial=0))) >= 2**31:
        raise KernelInputError("total capacity or headcount reaches 2**31: match in parts")
    ii, jj = np.nonzero(elig)
    sink = 1 + n_p + n_q
    rows = np.concatenate([np.zeros(n_p, np.int64), 1 + ii, 1 + n_p + np.arange(n_q)])
    cols = np.concatenate([1 + np.arange(n_p), 1 + n_p + jj, np.full(n_q, sink)])
    caps = np.concatenate([supply, supply[ii], demand]).astype(np.int32)
    graph = csr_array((caps, (rows, cols)), shape=(sink + 1, sink + 1))
    result = maximum_flow(graph, 0, sink, method="dinic")
    flow = result.flow.tocsr()
    f = np.zeros((n_p, n_q), np.int64)
    if ii.size:
        f[ii, jj] = np.asarray(flow[1 + ii, 1 + n_p + jj]).ravel()
    return np.maximum(f, 0)


def prepare(
    vtags: NDArray[np.uint64], vcell: NDArray[np.int32], vcap: NDArray[np.int32],
    vavail: NDArray[np.bool_], ptags: NDArray[np.uint64], pcell: NDArray[np.int32],
    phead: NDArray[np.int32], pprio: NDArray[np.int32], parent: NDArray[np.int32],
) -> Prepared:
    """Kernel inputs from checked columns (see the module docstring)."""
    n_nodes = parent.shape[0]
    anc = ancestors(parent)
    pos = np.empty(n_nodes, np.int64)
    pos[np.lexsort((anc[3], anc[2], anc[1]))] = np.arange(n_nodes)
    classes, inverse = np.unique(ptags, return_inverse=True)
    post_q = np.ascontiguousarray(inverse.ravel(), np.int32)
    wanted = np.bitwise_or.reduce(classes) if classes.size else np.uint64(0)
    cand = np.flatnonzero(vavail & (vcap > 0))
    patterns, vpat = _patterns(vtags[cand] & wanted, int(wanted))
    n_p, n_q = patterns.shape[0], classes.shape[0]
    if n_p * n_q > MAX_CLASS_CELLS:
        raise KernelInputError(
            f"{n_p} tag patterns × {n_q} required-tag sets is too many for the class flow "
            f"(limit {MAX_CLASS_CELLS}); use fewer distinct tags"
        )
    elig = ((patterns[:, None] & classes[None, :]) == classes[None, :]).astype(np.uint8)
    serves = elig.sum(axis=1)
    keep = serves[vpat] > 0
    cand, vpat = cand[keep], vpat[keep]
    supply = np.bincount(vpat, weights=vcap[cand], minlength=n_p).astype(np.int64)
    demand = np.bincount(post_q, weights=phead, minlength=n_q).astype(np.int64)
    flow = _max_flow(elig, supply, demand) if n_p and n_q else np.zeros((n_p, n_q), np.int64)
    sort = _stable_order(pos[vcell[cand]], serves[vpat])
    order = cand[sort].astype(np.int64)
    node_lo, node_hi = _ranges(anc, pos[vcell[order]], pos)
    eligible_supply = elig.T.astype(np.int64) @ supply if n_p else np.zeros(n_q, np.int64)
    scarcity = eligible_supply / np.maximum(demand, 1)
    active = np.flatnonzero(phead > 0)
    post_order = active[np.lexsort((active, scarcity[post_q[active]], -pprio[active]))]
    scope = np.stack([anc[3, pcell], anc[2, pcell], anc[1, pcell],
                      np.full(pcell.shape[0], n_nodes, np.int32)], axis=1)
    return Prepared(
        order=order, pat=np.ascontiguousarray(vpat[sort], np.int32),
        cap=np.ascontiguousarray(vcap[order], np.int32), elig=elig,
        flow=np.ascontiguousarray(flow.T), used=np.zeros((n_q, n_p), np.int64),
        blocked=np.zeros((n_p, n_q), np.uint8),
        f_s=flow.sum(axis=1), f_t=flow.sum(axis=0), supply=supply, demand=demand,
        post_order=post_order.astype(np.int32), post_q=post_q,
        need=np.ascontiguousarray(phead, np.int32).copy(),
        scope=np.ascontiguousarray(scope, np.int32), node_lo=node_lo, node_hi=node_hi,
        cursor=np.full((n_q, n_nodes + 1), -1, np.int64), **_adjacency(elig),
        max_slots=int(flow.sum()), stats=np.zeros(8, np.int64),
        vmask=np.ascontiguousarray(patterns[vpat[sort]]), cmask=np.ascontiguousarray(classes),
    )


def _patterns(masked: NDArray[np.uint64], wanted: int
               ) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Distinct tag sets (ascending) and each volunteer's index among them.

    When every tag asked for is among the low 16 bits a bincount replaces the sort."""
    if wanted < 1 << 16:
        code = masked.astype(np.intp)
        present = np.bincount(code, minlength=wanted + 1) > 0
        index = np.cumsum(present, dtype=np.int64) - 1
        return np.flatnonzero(present).astype(np.uint64), index[code]
    patterns, inverse = np.unique(masked, return_inverse=True)
    return patterns, inverse.ravel().astype(np.int64)


def _stable_order(primary: NDArray[np.int64], secondary: NDArray[np.int64]
                  ) -> NDArray[np.int64]:
    """Indices sorted by ``primary`` then ``secondary`` (radix sorts when both fit 16 bits)."""
    if primary.size and max(int(primary.max()), int(secondary.max())) < 2**16:
        first = np.argsort(secondary.astype(np.uint16), kind="stable")
        second = np.argsort(primary[first].astype(np.uint16), kind="stable")
        return first[second]
    return np.lexsort((secondary, primary))


def _adjacency(elig: NDArray[np.uint8]) -> dict[str, Any]:
    """Eligibility as a CSR list: the classes of each pattern."""
    ii, jj = np.nonzero(elig)
    return {
        "p_ptr": np.searchsorted(ii, np.arange(elig.shape[0] + 1)).astype(np.int64),
        "p_cls": np.ascontiguousarray(jj, np.int32),
    }
