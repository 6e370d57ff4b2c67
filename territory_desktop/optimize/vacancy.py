"""Realign around a vacated territory under a move budget: one assignment MILP.

Every account near the vacated area or a border may change territory, the bordering
territories grow into the vacated area, and the load ripples on to the far ones; the MILP
picks the fewest moves against the current owners (the vacated accounts move for free)
that bring every territory into the band, the band priced above any move where it cannot be
reached, the budget a constraint, drive time from the rep's home breaking ties.

Territories stay in one piece by a sufficient condition anchored on the current shapes (an
"ordered neighbour" formulation): territory ``t`` ranks every account by a potential, its own
accounts by hops inside ``t`` from its root (the account nearest the rep's home), the others
after them by hops from ``t``; an account may belong to ``t`` only if a neighbour of lower
potential does too. Chains of falling potential end at the root, so ``t`` is one piece; the
current alignment satisfies it. (Exact contiguity by flows was tried: far slower, no better.)

The workload estimate is not linear (a territory's trips from home are shared by its visits),
so the MILP works on its tangent at a reference alignment, re-read after each solve; the
caller's border repair finishes, and where the band is still missed a tabu search on the
estimate itself (:mod:`.band_search`) takes it nearer (two leavers of ten on the benchmark).
Before this MILP, the vacated accounts were grown into the bordering territories and a
small MILP per border layer shifted the rest: it missed the goal (1.3x the leaver's accounts,
all in the band) for three leavers of ten on the LA benchmark (``benchmarks/realign.py``),
this for two. A territory-level flow realised flow by flow lost
to both: the accounts on a border are rarely the heavy ones the flow counts on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from territory_desktop.model.contiguity import Adjacency, components
from territory_desktop.optimize._feedback import Feedback
from territory_desktop.optimize.repair import RepairState

__all__ = ["bordering_only", "fill_vacancy"]

# Hops from a territory within which another territory's account may join it (with 2 one
# leaver of ten missed the band that 3 reaches).
REACH = 3
# Branch-and-bound nodes per solve (node limits, not time limits, so the answer does not
# depend on the machine's load): a few quick solves (the root's heuristics) re-reading the
# estimate after each, then, only when they come near the band (summed excess at most
# NEAR), deeper ones. The deeper ones take about 20 s each on the LA benchmark, the quick
# ones 1-5 s; one leaver of ten reached the band only with 300 deep nodes (30 or 100, or a
# narrower aim, missed it by 0.3%); the search of :mod:`.band_search` on the quick solve now
# reaches it first and spares them. A solution within MILP_GAP of the fewest moves is taken.
QUICK_NODES, QUICK_ROUNDS = 1, 3
DEEP_NODES, DEEP_ROUNDS = 300, 2
NEAR = 0.01
MILP_GAP = 0.1
# The MILP aims at this share of the tolerance: the estimate drifts a little from its tangent.
MARGIN = 0.97


def fill_vacancy(state: RepairState, adj: Adjacency, hole: np.ndarray, capacity: np.ndarray,
                 visits: np.ndarray, exact: Callable[[np.ndarray], np.ndarray],
                 tolerance: float, fb: Feedback,
                 search: Callable[[np.ndarray], np.ndarray | None] | None = None) -> None:
    """Give the vacated accounts ``hole`` out and rebalance by the MILP, in place.

    ``state.labels`` holds the current alignment with ``hole`` at -1; ``exact(labels)`` is
    each territory's workload estimate for labels, ``capacity`` its rep's share of hours,
    ``visits`` each account's visits per week. Keeps the solve whose estimate is nearest the
    band. Progress and cancel between solves. ``search(labels)``, when given, is tried on the
    best quick solve before the deep ones (which it then spares when it reaches the band);
    it returns other labels or None.
    """
    start = state.labels.copy()
    secs = state.secs
    mean_visits = float(visits[(start >= 0) | np.isin(np.arange(start.shape[0]), hole)].sum()) \
        / state.k
    # The first tangent is taken with each vacated account in its nearest bordering
    # territory: the estimate moves far from the alignment without them.
    reference = _nearest_around(state, adj, hole)
    loads = exact(reference)
    best: tuple[float, np.ndarray] | None = None
    rounds = [QUICK_NODES] * QUICK_ROUNDS + [DEEP_NODES] * DEEP_ROUNDS
    try:
        for round_no, nodes in enumerate(rounds):
            # Deep solves only close a small miss, and only what the search does not.
            if best is not None and nodes > QUICK_NODES and 0.0 < best[0] <= NEAR \
                    and search is not None:
                found, search = search(best[1]), None
                if found is not None:
                    best = min(best, (_miss(exact(found), capacity, tolerance), found),
                               key=lambda b: b[0])
            if best is not None and (best[0] == 0.0 or (nodes > QUICK_NODES and best[0] > NEAR)):
                break
            fb.step(round_no / len(rounds), "choosing the accounts to move")
            state.target = capacity * loads.sum() / capacity.sum()
            state.secs = _tangent(secs, reference, visits, mean_visits, state.k)
            state.labels = reference
            state.offset = loads - state.loads(with_offset=False)
            state.labels = start.copy()
            if not _solve(state, adj, tolerance * MARGIN, nodes):
                break
            reference = state.labels.copy()
            loads = exact(reference)
            miss = _miss(loads, capacity, tolerance)
            if best is None or miss < best[0]:
                best = (miss, reference)
    finally:
        state.secs = secs
    # No answer at all (a territory already in pieces can make the model infeasible): the
    # vacated accounts stay with their nearest bordering territory for the repair.
    state.labels = best[1].copy() if best is not None else reference


def _miss(loads: np.ndarray, capacity: np.ndarray, tolerance: float) -> float:
    """Return the summed deviation outside the band of territories with these loads."""
    target = capacity * loads.sum() / capacity.sum()
    return float(np.maximum(0.0, np.abs(loads / target - 1) - tolerance).sum())


def bordering_only(forced: np.ndarray, current: np.ndarray, near: np.ndarray,
                   free: np.ndarray, cost_secs: np.ndarray,
                   graph: tuple[np.ndarray, np.ndarray]) -> None:
    """Keep the accounts that must move (a vacant territory's) to territories bordering them.

    Handing them to a rep further away would leave that rep's territory in pieces.
    ``near`` (free accounts x candidates) is narrowed in place, nearest bordering first.
    """
    u, v = graph
    if not forced.any() or not (current >= 0).any():
        return
    comp = components(forced.shape[0], u, v, np.where(forced, 0, -1))
    row_of = {int(a): r for r, a in enumerate(free)}
    for area in np.unique(comp[forced]):
        members = np.flatnonzero(forced & (comp == area))
        touch = np.isin(u, members) ^ np.isin(v, members)
        outside = np.concatenate((v[touch & np.isin(u, members)],
                                  u[touch & np.isin(v, members)]))
        around = np.unique(current[outside])
        around = around[around >= 0]
        if not around.shape[0]:
            continue  # nothing borders it (all new): the nearest reps stay candidates
        for i in members:
            r = row_of.get(int(i))
            if r is None:
                continue
            ranked = around[np.argsort(cost_secs[around, i], kind="stable")][:near.shape[1]]
            near[r] = np.resize(ranked, near.shape[1])  # repeats pad: same territory twice


def _nearest_around(state: RepairState, adj: Adjacency, hole: np.ndarray) -> np.ndarray:
    """Return the labels with each vacated account in the territory nearest by hops."""
    lab = state.labels.copy()
    queue = deque(int(i) for i in np.flatnonzero(lab >= 0))
    free = np.zeros(lab.shape[0], bool)
    free[hole] = True
    while queue:
        x = queue.popleft()
        for y in sorted(adj.of(x)):
            if free[y] and lab[y] < 0:
                lab[y] = lab[x]
                queue.append(y)
    return lab


def _tangent(secs: np.ndarray, labels: np.ndarray, visits: np.ndarray, mean_visits: float,
             k: int) -> np.ndarray:
    """Home seconds that make ``state.item_load`` the estimate's tangent at ``labels``.

    Per territory the trips from home cost ``c * sum(v * home) / V`` (``V`` its visits), so
    an account adds ``c * v * (home - mean home) / V``; ``item_load`` charges
    ``c * v * secs / mean_visits``.
    """
    on = labels >= 0
    lab = labels[on]
    v = np.bincount(lab, visits[on], minlength=k)
    home = np.bincount(lab, visits[on] * secs[lab, np.flatnonzero(on)], minlength=k)
    mean_home = np.divide(home, v, out=np.zeros(k), where=v > 0)
    scale = np.divide(mean_visits, v, out=np.ones(k), where=v > 0)
    out: np.ndarray = scale[:, None] * (secs - mean_home[:, None])
    return out


def _solve(state: RepairState, adj: Adjacency, tol: float, nodes: int) -> bool:
    """Solve the MILP (module docstring) from ``state.labels``, in place; False: no answer."""
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    lab, k, n = state.labels, state.k, state.labels.shape[0]
    cur = state.current if state.current is not None else lab
    hole = (lab < 0) & state.movable
    pot, hops, roots = _potentials(state, adj)
    # Every territory bordering the vacated area may take any of it.
    bordering = np.unique(lab[adj.edges_from(np.flatnonzero(hole))[1]])
    around = set(bordering[bordering >= 0].tolist())
    pairs = [(i, int(lab[i])) for i in range(n) if lab[i] >= 0]
    may_move = np.flatnonzero(hole | (state.movable & (lab >= 0)))
    for i in may_move[~np.isin(may_move, roots)].tolist():
        pairs += [(i, t) for t in range(k) if t != lab[i] and (
            1 <= hops[t, i] <= REACH or (hole[i] and t in around))]
    pairs.sort()
    col = {p: c for c, p in enumerate(pairs)}
    m, slack = len(pairs), 2 * k
    pi = np.array([p[0] for p in pairs])
    pt = np.array([p[1] for p in pairs])
    root = np.zeros(m, bool)
    root[[col[(int(roots[t]), t)] for t in range(k)]] = True

    def rows(a: sp.spmatrix) -> sp.csr_matrix:
        return sp.hstack((a, sp.csr_matrix((a.shape[0], slack)))).tocsr()

    once = sp.csr_matrix((np.ones(m), (pi, np.arange(m))), shape=(n, m))[np.unique(pi)]
    # Ordered neighbours: x[i, t] <= sum of x[j, t] over neighbours j of lower potential.
    r, c, v = [], [], []
    for row, q in enumerate(np.flatnonzero(~root).tolist()):
        i, t = pairs[q]
        lower = [col[(j, t)] for j in adj.of(i) if pot[t, j] < pot[t, i] and (j, t) in col]
        r += [row] * (len(lower) + 1)
        c += [q, *lower]
        v += [1.0] + [-1.0] * len(lower)
    chain = sp.csr_matrix((v, (r, c)), shape=(int((~root).sum()), m))
    load = state.item_load(pi, pt)
    band = sp.csr_matrix((load, (pt, np.arange(m))), shape=(k, m))
    eye, zero = sp.identity(k, format="csr"), sp.csr_matrix((k, k))
    leaves = (cur[pi] >= 0) & (pt != cur[pi])
    cons = [LinearConstraint(rows(once), 1, 1), LinearConstraint(rows(chain), -np.inf, 0),
            LinearConstraint(sp.hstack((band, -eye, zero)).tocsr(), -np.inf,
                             (1 + tol) * state.target - state.offset),
            LinearConstraint(sp.hstack((band, zero, eye)).tocsr(),
                             (1 - tol) * state.target - state.offset, np.inf)]
    if state.max_moves is not None:
        cons.append(LinearConstraint(rows(sp.csr_matrix(leaves[None, :].astype(float))),
                                     -np.inf, state.max_moves))
    if state.max_losses is not None:
        lost = sp.csr_matrix((np.ones(int(leaves.sum())),
                              (cur[pi[leaves]], np.flatnonzero(leaves))), shape=(k, m))
        cons.append(LinearConstraint(rows(lost), -np.inf,
                                     np.where(state.max_losses >= 0, state.max_losses, n)))
    drive = state.weight[pi] * state.cost_secs[pt, pi]
    # Ties between equal move counts go to shorter drives (all of them together < 1 move);
    # an hour outside the band costs more than moving every account.
    price = 10.0 * n / state.target
    cost = np.concatenate((leaves + 0.5 * drive / max(float(drive.sum()), 1e-9), price, price))
    res = milp(cost, constraints=cons,
               integrality=np.concatenate((np.ones(m), np.zeros(slack))),
               bounds=Bounds(np.concatenate((root.astype(float), np.zeros(slack))),
                             np.concatenate((np.ones(m), np.full(slack, np.inf)))),
               options={"node_limit": nodes, "mip_rel_gap": MILP_GAP})
    if res.x is None:
        return False
    chosen = res.x[:m] > 0.5
    lab[pi[chosen]] = pt[chosen]
    return True


def _potentials(state: RepairState, adj: Adjacency) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per territory: each account's potential, its hops from the territory, and the roots.

    Own accounts rank by hops inside the territory from the root, the others after them by
    hops from it; drive time from the rep's home breaks ties, so more neighbours count.
    """
    lab, k, n = state.labels, state.k, state.labels.shape[0]
    pot = np.zeros((k, n))
    hops = np.zeros((k, n), np.int64)
    roots = np.zeros(k, np.int64)
    span = float(state.cost_secs.max()) or 1.0
    for t in range(k):
        members = np.flatnonzero(lab == t)
        roots[t] = members[np.argmin(state.cost_secs[t, members])]
        inside = _hops(adj, [int(roots[t])], lab == t)
        hops[t] = _hops(adj, members.tolist(), np.ones(n, bool))
        pot[t] = np.where(lab == t, inside, n + hops[t]) + 0.5 * state.cost_secs[t] / span
    return pot, hops, roots


def _hops(adj: Adjacency, sources: list[int], allowed: np.ndarray) -> np.ndarray:
    """Hops from ``sources`` through ``allowed`` nodes (``len(allowed)`` where unreached)."""
    n = allowed.shape[0]
    dist = np.full(n, n, np.int64)
    dist[sources] = 0
    queue = deque(sources)
    while queue:
        x = queue.popleft()
        for y in adj.of(x):
            if allowed[y] and dist[y] > dist[x] + 1:
                dist[y] = dist[x] + 1
                queue.append(y)
    return dist
