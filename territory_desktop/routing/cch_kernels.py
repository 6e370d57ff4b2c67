"""The numba kernels of the contraction hierarchy (see :mod:`territory_desktop.routing.cch`).

Kept apart from the build, cache and query code so each module stays readable; the kernels
take and return plain arrays and know nothing of networks or files.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: numba caches compiled kernels beside this file (or in the user's cache when that is read-only);
#: a frozen build runs them compiled ahead of time instead (see cch_aot.py).
_CACHE = True
_PAIR_BLOCK = 256  # destinations per cache block in the pair loop (~1 MB of their paths)


@njit(cache=_CACHE, nogil=True)
def _dissect(
    adj_ptr: np.ndarray, adj: np.ndarray, x: np.ndarray, y: np.ndarray, leaf: int,
    rank: np.ndarray, member: np.ndarray, pool: np.ndarray, stack: np.ndarray,
    state: np.ndarray, budget: int,
) -> None:
    """Rank nodes by nested dissection, resumably, for at most ``budget`` nodes per call.

    Subproblems come from ``stack`` until ``budget`` nodes were processed or none is left
    (``state``: stack top, stamp, nodes ranked).

    A subproblem is ``pool[lo:hi]`` owning ranks below ``rank_hi``. Small ones are ranked by
    degree. Others are cut by the straight line (4 directions, 30-70 % balance) crossed by
    the fewest edges; the crossing edges' end nodes on the side with fewer of them form the
    separator, ranked highest, and each connected component of the rest is pushed as a new
    subproblem with the ranks just below.
    """
    n = rank.shape[0]
    loc = np.zeros(n, np.int64)
    pos = np.empty(n, np.int64)
    diff = np.zeros(n + 2, np.int64)
    queue = np.empty(n, np.int64)
    seen = np.zeros(n, np.uint8)
    dirs = np.array([[1.0, 0.0], [0.0, 1.0], [0.7071, 0.7071], [0.7071, -0.7071]])
    work = 0
    while state[0] > 0 and work < budget:
        state[0] -= 1
        top = state[0]
        lo, hi, rhi = stack[0, top], stack[1, top], stack[2, top]
        m = hi - lo
        work += m
        nodes = pool[lo:hi]
        if m <= leaf:
            deg = np.empty(m, np.int64)
            for i in range(m):
                deg[i] = adj_ptr[nodes[i] + 1] - adj_ptr[nodes[i]]
            o = np.argsort(deg, kind="mergesort")
            for i in range(m):
                rank[nodes[o[i]]] = rhi - m + i
            state[2] += m
            continue
        state[1] += 1
        stamp = state[1]
        for i in range(m):
            member[nodes[i]] = stamp
            loc[nodes[i]] = i
        best_cut = 1 << 62
        best_s = 0
        best_d = 0
        proj = np.empty(m)
        s_lo = max(1, (m * 3) // 10)
        s_hi = m - s_lo
        for d in range(4):
            for i in range(m):
                proj[i] = dirs[d, 0] * x[nodes[i]] + dirs[d, 1] * y[nodes[i]]
            o = np.argsort(proj)
            for i in range(m):
                pos[o[i]] = i
            diff[: m + 2] = 0
            for i in range(m):
                v = nodes[i]
                for p in range(adj_ptr[v], adj_ptr[v + 1]):
                    w = adj[p]
                    if member[w] == stamp and loc[w] > i:
                        a, b = pos[i], pos[loc[w]]
                        if a > b:
                            a, b = b, a
                        diff[a + 1] += 1  # crosses every split s with a < s <= b
                        diff[b + 1] -= 1
            c = 0
            for split in range(s_hi + 1):
                c += diff[split]
                if split >= s_lo and (c < best_cut or (
                        c == best_cut and abs(2 * split - m) < abs(2 * best_s - m))):
                    best_cut = c
                    best_s = split
                    best_d = d
        for i in range(m):
            proj[i] = dirs[best_d, 0] * x[nodes[i]] + dirs[best_d, 1] * y[nodes[i]]
        o = np.argsort(proj)
        for i in range(m):
            pos[o[i]] = i
        n_left = 0
        n_right = 0
        for i in range(m):
            v = nodes[i]
            seen[i] = 0
            for p in range(adj_ptr[v], adj_ptr[v + 1]):
                w = adj[p]
                if member[w] == stamp and (pos[i] < best_s) != (pos[loc[w]] < best_s):
                    seen[i] = 1
            if seen[i]:
                if pos[i] < best_s:
                    n_left += 1
                else:
                    n_right += 1
        sep_left = n_left <= n_right
        n_sep = 0
        for i in range(m):
            if seen[i] and (pos[i] < best_s) == sep_left:
                rank[nodes[i]] = rhi - 1 - n_sep
                member[nodes[i]] = -1
                n_sep += 1
        state[2] += n_sep
        rest = np.empty(m - n_sep, np.int64)
        q = 0
        for i in range(m):
            if member[nodes[i]] == stamp:
                rest[q] = nodes[i]
                q += 1
        write = lo
        r_next = rhi - n_sep
        for i in range(q):
            s0 = rest[i]
            if member[s0] != stamp:
                continue  # already in an earlier component
            member[s0] = -1
            head, tail = 0, 1
            queue[0] = s0
            while head < tail:
                v = queue[head]
                head += 1
                for p in range(adj_ptr[v], adj_ptr[v + 1]):
                    w = adj[p]
                    if member[w] == stamp:
                        member[w] = -1
                        queue[tail] = w
                        tail += 1
            pool[write : write + tail] = queue[:tail]
            stack[0, state[0]] = write
            stack[1, state[0]] = write + tail
            stack[2, state[0]] = r_next
            state[0] += 1
            r_next -= tail
            write += tail


@njit(cache=_CACHE, nogil=True)
def _contract(
    n: int, rank: np.ndarray, adj_ptr: np.ndarray, adj: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upward adjacency (CSR by rank, heads sorted by rank) of the chordal completion."""
    inv = np.empty(n, np.int64)
    for v in range(n):
        inv[rank[v]] = v
    first_child = np.full(n, -1, np.int64)
    next_sibling = np.full(n, -1, np.int64)
    mark = np.full(n, -1, np.int64)
    ptr = np.zeros(n + 1, np.int64)
    cap = max(16, 4 * adj.shape[0])
    heads = np.empty(cap, np.int64)
    buf = np.empty(n, np.int64)
    parent = np.full(n, -1, np.int64)
    for x in range(n):
        cnt = 0
        v = inv[x]
        for p in range(adj_ptr[v], adj_ptr[v + 1]):
            y = rank[adj[p]]
            if y > x and mark[y] != x:
                mark[y] = x
                buf[cnt] = y
                cnt += 1
        c = first_child[x]
        while c != -1:
            for p in range(ptr[c], ptr[c + 1]):
                y = heads[p]
                if y > x and mark[y] != x:
                    mark[y] = x
                    buf[cnt] = y
                    cnt += 1
            c = next_sibling[c]
        lst = np.sort(buf[:cnt])
        if ptr[x] + cnt > cap:
            cap = max(2 * cap, ptr[x] + cnt)
            grown = np.empty(cap, np.int64)
            grown[: ptr[x]] = heads[: ptr[x]]
            heads = grown
        heads[ptr[x] : ptr[x] + cnt] = lst
        ptr[x + 1] = ptr[x] + cnt
        if cnt:
            p0 = lst[0]
            parent[x] = p0
            next_sibling[x] = first_child[p0]
            first_child[p0] = x
    return ptr, heads[: ptr[n]].copy(), parent


@njit(cache=_CACHE, nogil=True)
def _find(heads: np.ndarray, lo: int, hi: int, y: int) -> int:
    """Return the first index in ``heads[lo:hi]`` (sorted) whose value is not below ``y``."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if heads[mid] < y:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=_CACHE, nogil=True)
def _customize(
    ptr: np.ndarray, heads: np.ndarray, tail_r: np.ndarray, head_r: np.ndarray, w: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(up, down) arc weights: up = x -> y, down = y -> x for arc (x, y), rank x < y."""
    m = heads.shape[0]
    up = np.full(m, np.inf)
    down = np.full(m, np.inf)
    for e in range(tail_r.shape[0]):
        a, b = tail_r[e], head_r[e]
        if a < b:
            k = _find(heads, ptr[a], ptr[a + 1], b)
            if w[e] < up[k]:
                up[k] = w[e]
        elif b < a:
            k = _find(heads, ptr[b], ptr[b + 1], a)
            if w[e] < down[k]:
                down[k] = w[e]
    n = ptr.shape[0] - 1
    for x in range(n):
        for p in range(ptr[x], ptr[x + 1]):
            y = heads[p]
            q = ptr[y]
            for r in range(p + 1, ptr[x + 1]):
                z = heads[r]
                while heads[q] < z:
                    q += 1
                # arc (y, z): y -> x -> z and z -> x -> y
                c = down[p] + up[r]
                if c < up[q]:
                    up[q] = c
                c = down[r] + up[p]
                if c < down[q]:
                    down[q] = c
    return up, down


@njit(cache=_CACHE, nogil=True)
def _depths(parent: np.ndarray) -> np.ndarray:
    """Return each node's depth in the elimination tree (parents rank above children)."""
    n = parent.shape[0]
    depth = np.zeros(n, np.int64)
    for x in range(n - 1, -1, -1):
        if parent[x] >= 0:
            depth[x] = depth[parent[x]] + 1
    return depth


@njit(cache=_CACHE, nogil=True)
def _searches(
    ptr: np.ndarray, heads: np.ndarray, wt: np.ndarray, parent: np.ndarray, depth: np.ndarray,
    start: np.ndarray, init_r: np.ndarray, init_c: np.ndarray, width: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per point: values (F) and node ranks (P) along its root path, indexed by depth.

    ``start[i]`` is the lower-ranked of the point's (up to two) nodes; ``init_r/init_c`` the
    nodes and initial costs (-1 / inf: none). Both nodes lie on the start's root path.
    """
    n_pts = start.shape[0]
    F = np.full((n_pts, width), np.inf)
    P = np.full((n_pts, width), -1, np.int32)
    for i in range(n_pts):
        x = start[i]
        if x < 0:
            continue
        for k in range(init_r.shape[1]):
            r = init_r[i, k]
            if r >= 0 and init_c[i, k] < F[i, depth[r]]:
                F[i, depth[r]] = init_c[i, k]
        while x >= 0:
            dx = depth[x]
            P[i, dx] = x
            fx = F[i, dx]
            if fx < np.inf:
                for p in range(ptr[x], ptr[x + 1]):
                    dy = depth[heads[p]]
                    c = fx + wt[p]
                    if c < F[i, dy]:
                        F[i, dy] = c
            x = parent[x]
        for k in range(init_r.shape[1]):
            r = init_r[i, k]
            if r >= 0 and P[i, depth[r]] != r:
                raise ValueError("a point's road nodes are not on one elimination-tree path")
    return F, P


@njit(cache=_CACHE, nogil=True)
def _pairs(
    Fo: np.ndarray, Po: np.ndarray, do: np.ndarray, Fd: np.ndarray, Pd: np.ndarray,
    dd: np.ndarray, lo: int, hi: int, out: np.ndarray,
) -> None:
    """out[i - lo, j] = min over shared root-path depths k of Fo[i, k] + Fd[j, k].

    Destinations are taken in blocks that stay in cache while every row of ``lo:hi`` passes.
    """
    nd = Fd.shape[0]
    for jb in range(0, nd, _PAIR_BLOCK):
        je = min(jb + _PAIR_BLOCK, nd)
        for i in range(lo, hi):
            di = do[i]
            for j in range(jb, je):
                kmax = min(di, dd[j])
                best = np.inf
                k = 0
                while k <= kmax and Po[i, k] == Pd[j, k]:
                    c = Fo[i, k] + Fd[j, k]
                    if c < best:
                        best = c
                    k += 1
                out[i - lo, j] = best
