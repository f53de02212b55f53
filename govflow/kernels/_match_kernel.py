"""The matching kernel: tiered fill guarded by a class-level maximum flow.

Volunteers are grouped into *patterns* (their tags restricted to the tags any post asks for)
and posts into *classes* (their required tags). A maximum flow between patterns and classes,
computed before the kernel, fixes the best possible filled headcount. The kernel then fills
tier by tier (same cell, same community, same street, anywhere), scarcest posts first, taking
for each post the nearest eligible volunteers; an assignment pattern → class is allowed only
while the class-level flow can still reach the maximum with it (``used <= flow``, rerouting
the flow along a residual cycle when needed). A pair that cannot be rerouted is blocked for
good: commitments only grow, so the set of maximum flows that respect them only shrinks.
So the fill equals the maximum, and travel stays that of a nearest-first tiered fill.
"""

from __future__ import annotations

import numpy as np

from govflow.kernels._jit import helper, kernel

_SIG = (
    "void(int32[::1], int32[::1], uint8[:, ::1], int64[:, ::1], int64[:, ::1], uint8[:, ::1],"
    " int64[::1], int64[::1], int64[::1], int64[::1],"
    " int32[::1], int32[::1], int32[::1], int32[:, ::1], int64[::1], int64[::1],"
    " int64[:, ::1], int64[::1], int64[::1], int8[::1], int64[::1])"
)


@helper
def reroute(tp, q, elig, flow, used, f_s, f_t, supply, demand, prev, seen, stamp, queue):  # type: ignore[no-untyped-def]
    """Push flow around a residual cycle through pattern ``tp`` → class ``q``; False if none."""
    n_p, n_q = elig.shape
    sink = 1 + n_p + n_q
    start = 1 + n_p + q
    target = 1 + tp
    queue[0] = start
    seen[start] = stamp
    prev[start] = -1
    head, tail, found = 0, 1, False
    while head < tail and not found:
        u = queue[head]
        head += 1
        if u == 0:  # source → patterns with spare supply
            for i in range(n_p):
                v = 1 + i
                if seen[v] != stamp and f_s[i] < supply[i]:
                    seen[v], prev[v], queue[tail] = stamp, u, v
                    tail += 1
                    if v == target:
                        found = True
                        break
        elif u <= n_p:  # pattern → any class it may serve; or back to the source
            i = u - 1
            for j in range(n_q):
                v = 1 + n_p + j
                if seen[v] != stamp and elig[i, j]:
                    seen[v], prev[v], queue[tail] = stamp, u, v
                    tail += 1
            if seen[0] != stamp and f_s[i] > 0:
                seen[0], prev[0], queue[tail] = stamp, u, 0
                tail += 1
        elif u < sink:  # class → patterns whose uncommitted flow it may give back; or sink
            j = u - 1 - n_p
            for i in range(n_p):
                v = 1 + i
                if seen[v] != stamp and elig[i, j] and flow[i, j] > used[i, j]:
                    seen[v], prev[v], queue[tail] = stamp, u, v
                    tail += 1
                    if v == target:
                        found = True
                        break
            if not found and seen[sink] != stamp and f_t[j] < demand[j]:
                seen[sink], prev[sink], queue[tail] = stamp, u, sink
                tail += 1
        else:  # sink → classes whose filled flow may move
            for j in range(n_q):
                v = 1 + n_p + j
                if seen[v] != stamp and f_t[j] > 0:
                    seen[v], prev[v], queue[tail] = stamp, u, v
                    tail += 1
    if not found:
        return False
    delta = 1 << 62
    v = target
    while prev[v] >= 0:
        u = prev[v]
        r = _residual(u, v, n_p, n_q, flow, used, f_s, f_t, supply, demand)
        delta = min(delta, r)
        v = u
    v = target
    while prev[v] >= 0:
        u = prev[v]
        _push(u, v, delta, n_p, n_q, flow, f_s, f_t)
        v = u
    flow[tp, q] += delta
    return True


@helper
def _residual(u, v, n_p, n_q, flow, used, f_s, f_t, supply, demand):  # type: ignore[no-untyped-def]
    sink = 1 + n_p + n_q
    if u == 0:
        return supply[v - 1] - f_s[v - 1]
    if v == 0:
        return f_s[u - 1]
    if u <= n_p:
        return 1 << 62  # pattern → class: unbounded
    if u < sink and v == sink:
        return demand[u - 1 - n_p] - f_t[u - 1 - n_p]
    if u == sink:
        return f_t[v - 1 - n_p]
    return flow[v - 1, u - 1 - n_p] - used[v - 1, u - 1 - n_p]


@helper
def _push(u, v, delta, n_p, n_q, flow, f_s, f_t):  # type: ignore[no-untyped-def]
    sink = 1 + n_p + n_q
    if u == 0:
        f_s[v - 1] += delta
    elif v == 0:
        f_s[u - 1] -= delta
    elif u <= n_p:
        flow[u - 1, v - 1 - n_p] += delta
    elif v == sink:
        f_t[u - 1 - n_p] += delta
    elif u == sink:
        f_t[v - 1 - n_p] -= delta
    else:
        flow[v - 1, u - 1 - n_p] -= delta


@kernel(_SIG)
def match_kernel(  # type: ignore[no-untyped-def]
    pat, cap, elig, flow, used, blocked, f_s, f_t, supply, demand,
    post_order, post_q, need, scope, node_lo, node_hi, cursor, out_j, out_p, out_cost, count,
):
    """Fill posts tier by tier; volunteers are sorted so every subtree is one range."""
    n_p, n_q = elig.shape
    prev = -np.ones(n_p + n_q + 2, np.int64)
    seen = np.zeros(n_p + n_q + 2, np.int64)
    queue = np.zeros(n_p + n_q + 2, np.int64)
    stamp = 0
    k = count[0]
    for level in range(4):
        for pi in range(post_order.shape[0]):
            p = post_order[pi]
            if need[p] <= 0:
                continue
            a = scope[p, level]
            if a < 0:
                continue
            q = post_q[p]
            sub = scope[p, level - 1] if level > 0 else -1
            s_lo = node_lo[sub] if sub >= 0 else -1
            s_hi = node_hi[sub] if sub >= 0 else -1
            j = cursor[q, a]
            if j < 0:
                j = node_lo[a]
                cursor[q, a] = j
            hi = node_hi[a]
            front = True
            while need[p] > 0 and j < hi:
                if s_lo <= j < s_hi:  # the lower tier's range: this post has seen it
                    j = s_hi
                    front = False
                    continue
                t = pat[j]
                if cap[j] == 0 or elig[t, q] == 0 or blocked[t, q]:
                    j += 1
                    if front:
                        cursor[q, a] = j
                    continue
                ok = used[t, q] < flow[t, q]
                if not ok:
                    stamp += 1
                    ok = reroute(t, q, elig, flow, used, f_s, f_t, supply, demand,
                                 prev, seen, stamp, queue)
                if not ok:
                    blocked[t, q] = 1
                    j += 1
                    if front:
                        cursor[q, a] = j
                    continue
                used[t, q] += 1
                cap[j] -= 1
                need[p] -= 1
                out_j[k] = j
                out_p[k] = p
                out_cost[k] = level
                k += 1
                j += 1
                if cap[j - 1] == 0:
                    if front:
                        cursor[q, a] = j
                else:
                    front = False
    count[0] = k
