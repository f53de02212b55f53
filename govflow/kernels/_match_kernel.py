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

Speed (scarce supply, where nearly every volunteer is taken): the scans skip volunteers with
no capacity left through a path-halving skip list (``nxt``); every class keeps the list of
patterns whose flow exceeds their commitments (``sl``), so a reroute search looks only at
those, and it stops as soon as it discovers a class the pattern can give flow back to; the
flow and commitment matrices are class-major for the same reason.
"""

from __future__ import annotations

import numpy as np

from govflow.kernels._jit import helper, kernel

#: tiers at which an unfilled post may take a volunteer from a post nearby (0 cell, 1 community)
REPAIR_LEVELS = 1

_SIG = (
    "void(int32[::1], int32[::1], uint8[:, ::1], int64[:, ::1], int64[:, ::1], uint8[:, ::1],"
    " int64[::1], int64[::1], int64[::1], int64[::1],"
    " int32[::1], int32[::1], int32[::1], int32[:, ::1], int64[::1], int64[::1],"
    " int64[:, ::1], int64[::1], int32[::1],"
    " int64[::1], int64[::1], int8[::1], int64[::1], int64[::1], uint64[::1], uint64[::1])"
)


@helper
def reroute(  # type: ignore[no-untyped-def]
    tp, q, elig, flow, used, f_s, f_t, supply, demand, prev, seen, queue, p_ptr, p_cls, sl, inl,
):
    """Push flow around a residual cycle through pattern ``tp`` → class ``q``; False if none."""
    n_p, n_q = elig.shape
    sink = 1 + n_p + n_q
    # fast path: the pattern has spare supply; take the flow to q from the pattern that has
    # the most of it uncommitted (cycle tp → q → i → source → tp)
    spare = supply[tp] - f_s[tp]
    if spare > 0:
        best, best_slack = -1, 0
        for e in range(sl[q, n_p]):
            i = sl[q, e]
            slack = flow[q, i] - used[q, i]
            if i != tp and slack > best_slack:
                best, best_slack = i, slack
        if best >= 0:
            delta = min(spare, best_slack)
            flow[q, best] -= delta
            f_s[best] -= delta
            f_s[tp] += delta
            flow[q, tp] += delta
            mark(sl, inl, q, tp)
            return True
    seen[sink + 1] += 1  # a fresh mark for this search (the last slot keeps the count)
    stamp = seen[sink + 1]
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
            for e in range(p_ptr[i], p_ptr[i + 1]):
                j = p_cls[e]
                v = 1 + n_p + j
                if seen[v] != stamp:
                    seen[v], prev[v], queue[tail] = stamp, u, v
                    tail += 1
                    if elig[tp, j] and flow[j, tp] > used[j, tp]:  # goal test on discovery
                        seen[target], prev[target] = stamp, v
                        found = True
                        break
            if not found and seen[0] != stamp and f_s[i] > 0:
                seen[0], prev[0], queue[tail] = stamp, u, 0
                tail += 1
                if f_s[tp] < supply[tp]:
                    seen[target], prev[target] = stamp, 0
                    found = True
        elif u < sink:  # class → patterns whose uncommitted flow it may give back; or sink
            j = u - 1 - n_p
            kept = 0
            for e in range(sl[j, n_p]):  # the class's patterns with slack (dropping the rest)
                i = sl[j, e]
                if flow[j, i] <= used[j, i]:
                    inl[j, i] = 0
                    continue
                sl[j, kept] = i
                kept += 1
                v = 1 + i
                if not found and seen[v] != stamp:
                    seen[v], prev[v], queue[tail] = stamp, u, v
                    tail += 1
                    if v == target:
                        found = True
            sl[j, n_p] = kept
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
        if 0 < u <= n_p and v != 0:
            mark(sl, inl, v - 1 - n_p, u - 1)
        v = u
    flow[q, tp] += delta
    mark(sl, inl, q, tp)
    return True


@helper
def mark(sl, inl, j, i):  # type: ignore[no-untyped-def]
    """Put pattern ``i`` on class ``j``'s slack list (flow above commitments) once."""
    if inl[j, i] == 0:
        inl[j, i] = 1
        n = sl[j, sl.shape[1] - 1]
        sl[j, n] = i
        sl[j, sl.shape[1] - 1] = n + 1


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
    return flow[u - 1 - n_p, v - 1] - used[u - 1 - n_p, v - 1]


@helper
def _push(u, v, delta, n_p, n_q, flow, f_s, f_t):  # type: ignore[no-untyped-def]
    sink = 1 + n_p + n_q
    if u == 0:
        f_s[v - 1] += delta
    elif v == 0:
        f_s[u - 1] -= delta
    elif u <= n_p:
        flow[v - 1 - n_p, u - 1] += delta
    elif v == sink:
        f_t[u - 1 - n_p] += delta
    elif u == sink:
        f_t[v - 1 - n_p] -= delta
    else:
        flow[u - 1 - n_p, v - 1] -= delta


@kernel(_SIG)
def match_kernel(  # type: ignore[no-untyped-def]
    pat, cap, elig, flow, used, blocked, f_s, f_t, supply, demand,
    post_order, post_q, need, scope, node_lo, node_hi, cursor, p_ptr, p_cls,
    out_j, out_p, out_cost, count, stats, vmask, cmask,
):
    """Fill posts tier by tier; volunteers are sorted so every subtree is one range."""
    n_p, n_q = elig.shape
    prev = -np.ones(n_p + n_q + 2, np.int64)
    seen = np.zeros(n_p + n_q + 3, np.int64)
    queue = np.zeros(n_p + n_q + 2, np.int64)
    k = count[0]
    row = -np.ones(pat.shape[0], np.int64)  # the volunteer's only row; -2 after a second
    spent = np.zeros(cursor.shape, np.uint8)  # (class, node): no free volunteer left there
    tried = np.zeros(cursor.shape, np.uint8)  # (class, node): repair found nothing (tier + 1)
    sl = np.zeros((n_q, n_p + 1), np.int32)  # per class: patterns with slack; count last
    inl = np.zeros((n_q, n_p), np.uint8)
    for j in range(n_q):
        for i in range(n_p):
            if flow[j, i] > 0:
                mark(sl, inl, j, i)
    nxt = np.arange(pat.shape[0] + 1)  # skip list over volunteers whose capacity is spent
    # the post of a volunteer's only row, its class and the scope node it was reached at: in
    # volunteer order, so that the repair scan reads them sequentially
    seat = np.full((pat.shape[0], 3), -1, np.int32)
    for rnd in range(5):
        level = min(rnd, 3)
        if k >= out_j.shape[0]:
            break  # every place the class-level maximum allows is filled
        if rnd == 4:  # safety net: repairs give back commitments, so retry blocked pairs
            blocked[:, :] = 0
            cursor[:, cursor.shape[1] - 1] = -1
        for pi in range(post_order.shape[0]):
            p = post_order[pi]
            if need[p] <= 0:
                continue
            if k >= out_j.shape[0]:
                break
            a = scope[p, level]
            if a < 0:
                continue
            q = post_q[p]
            j = cursor[q, a]
            if j < 0:
                j = node_lo[a]
                cursor[q, a] = j
            hi = node_hi[a]
            front = True
            while need[p] > 0:
                j = next_free(nxt, j)
                if j >= hi:
                    if front:
                        cursor[q, a] = j
                    break
                stats[2] += 1
                t = pat[j]
                if elig[t, q] == 0 or blocked[t, q]:
                    j += 1
                    if front:
                        cursor[q, a] = j
                    continue
                if row[j] >= 0 and seat[j, 0] == p:  # already here (capacity above one)
                    j += 1
                    front = False
                    continue
                ok = used[q, t] < flow[q, t]
                if not ok:
                    stats[0] += 1
                    ok = reroute(t, q, elig, flow, used, f_s, f_t, supply, demand,
                                 prev, seen, queue, p_ptr, p_cls, sl, inl)
                    stats[1] += ok
                if not ok:
                    blocked[t, q] = 1
                    j += 1
                    if front:
                        cursor[q, a] = j
                    continue
                used[q, t] += 1
                cap[j] -= 1
                if cap[j] == 0:
                    nxt[j] = j + 1
                need[p] -= 1
                c = cost_to(j, p, scope, node_lo, node_hi)
                if row[j] == -1:
                    row[j] = k
                    seat[j, 0], seat[j, 1], seat[j, 2] = p, q, scope[p, c]
                else:
                    row[j] = -2
                out_j[k] = j
                out_p[k] = p
                out_cost[k] = c
                k += 1
                j += 1
                if cap[j - 1] == 0:
                    if front:
                        cursor[q, a] = j
                else:
                    front = False
            if need[p] > 0 and level <= REPAIR_LEVELS:
                k = repair(p, q, a, level, k, pat, cap, elig, flow, used, blocked, f_s, f_t,
                           supply, demand, post_q, need, scope, node_lo, node_hi, cursor,
                           spent, row, out_j, out_p, out_cost, prev, seen, queue, p_ptr, p_cls,
                           sl, inl, tried, nxt, seat, stats, vmask, cmask)
    count[0] = k


@helper
def next_free(nxt, j):  # type: ignore[no-untyped-def]
    """The first volunteer at or after ``j`` with capacity left (path halving)."""
    while nxt[j] != j:
        nxt[j] = nxt[nxt[j]]
        j = nxt[j]
    return j


@helper
def cost_to(j, p, scope, node_lo, node_hi):  # type: ignore[no-untyped-def]
    """Travel cost from the volunteer at sorted position ``j`` to post ``p``."""
    for m in range(4):
        b = scope[p, m]
        if b >= 0 and node_lo[b] <= j < node_hi[b]:
            return m
    return 3


@helper
def repair(  # type: ignore[no-untyped-def]
    p, q, a, level, k, pat, cap, elig, flow, used, blocked, f_s, f_t, supply, demand,
    post_q, need, scope, node_lo, node_hi, cursor, spent, row, out_j, out_p, out_cost,
    prev, seen, queue, p_ptr, p_cls, sl, inl, tried, nxt, seat, stats, vmask, cmask,
):
    """Fill ``p`` inside scope ``a`` by moving a volunteer ``v`` from post ``p2`` to ``p``
    and giving ``p2`` a free volunteer ``w`` at most as far from it as ``v`` was.

    A scan of scope ``a`` for class ``q`` that ends with the post still short is not
    repeated for other posts of ``q`` in ``a`` at this tier (``tried``). Every place taken
    so far is at most ``level`` away, so the post ``p2`` of a volunteer in ``a`` looks for
    its replacement inside ``a``: with no free volunteer left in ``a`` there is nothing to do.
    """
    if tried[q, a] == level + 1:
        return k
    lo, hi = node_lo[a], node_hi[a]
    if next_free(nxt, lo) >= hi:
        return k
    cm = cmask[q]
    steps = 0
    for j in range(lo, hi):
        steps += 1
        if cap[j] != 0 or (vmask[j] & cm) != cm:  # spent volunteers holding q's tags
            continue
        t = pat[j]
        if blocked[t, q]:
            continue
        r = row[j]
        if r < 0:
            continue
        p2, q2, b = seat[j, 0], seat[j, 1], seat[j, 2]
        if p2 == p or spent[q2, b]:
            continue
        w = cursor[q2, b]
        if w < 0:
            w = node_lo[b]
        found = -1
        front = True
        while True:
            w = next_free(nxt, w)
            if w >= node_hi[b]:
                if front:
                    cursor[q2, b] = w
                break
            stats[4] += 1
            tw = pat[w]
            if elig[tw, q2] == 0 or blocked[tw, q2]:
                w += 1
                if front:
                    cursor[q2, b] = w
                continue
            if w != j and (row[w] < 0 or seat[w, 0] != p2):
                found = w
                break
            front = False
            w += 1
        if found < 0:
            spent[q2, b] = front  # nothing free there for q2, now or later
            continue
        tw = pat[found]
        used[q2, t] -= 1
        mark(sl, inl, q2, t)
        if not (used[q, t] < flow[q, t] or reroute(
            t, q, elig, flow, used, f_s, f_t, supply, demand, prev, seen, queue, p_ptr, p_cls,
            sl, inl,
        )):
            used[q2, t] += 1
            continue
        used[q, t] += 1
        if not (used[q2, tw] < flow[q2, tw] or reroute(
            tw, q2, elig, flow, used, f_s, f_t, supply, demand, prev, seen, queue, p_ptr, p_cls,
            sl, inl,
        )):
            used[q, t] -= 1
            used[q2, t] += 1
            continue
        used[q2, tw] += 1
        c = cost_to(j, p, scope, node_lo, node_hi)
        out_p[r] = p
        out_cost[r] = c
        seat[j, 0], seat[j, 1], seat[j, 2] = p, q, scope[p, c]
        cap[found] -= 1
        if cap[found] == 0:
            nxt[found] = found + 1
        c = cost_to(found, p2, scope, node_lo, node_hi)
        if row[found] == -1:
            row[found] = k
            seat[found, 0], seat[found, 1], seat[found, 2] = p2, q2, scope[p2, c]
        else:
            row[found] = -2
        out_j[k] = found
        out_p[k] = p2
        out_cost[k] = c
        k += 1
        need[p] -= 1
        stats[5] += 1
        if need[p] == 0:
            break
    stats[3] += steps
    if need[p] > 0:
        tried[q, a] = level + 1
    return k
