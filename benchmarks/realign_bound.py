"""A lower bound on the accounts a realignment must move to put every territory in the band.

Used by ``benchmarks/realign.py`` to tell a leaver for whom 1.3x is out of reach from one the
engine merely misses. The bound is a small LP over territories, not accounts:

* the departing rep's accounts are free to move (they must), each to any territory: one
  paid move of a bordering territory's account can open the way for several of them to a
  territory further in, so sending them only to the bordering territories (as this bound did
  until 2026-12-07) could count more moves than a realignment needs: it was no lower bound
  (it gave 48 for R03 and 32 for R07 of ``benchmarks/realign.py``; this one gives 40 and 28,
  their own accounts alone);
* load then crosses between territories that border each other (directly or both through the
  vacant area): an account's move carries its load across one border, and a territory that
  must pass load on to a far one passes it through its neighbours;
* moving load ``f`` out of a territory costs at least the number of its heaviest accounts
  whose loads add up to ``f`` (relaxed to a fraction: heaviest first, a convex cost);
* every remaining territory ends within ``(1 +/- tol)`` of the mean.

Loads are the engine's linear loads (each account's visits and drive from the candidate home,
:func:`territory_desktop.optimize.balance._linear_load`), each account at its heaviest over
the territories, and the territories' starting loads the exact estimate; so the bound is on
the model the engine balances, close to but not exactly the estimate it checks at the end.
Contiguity beyond "load crosses borders" is ignored, which only lowers the bound.
"""

from __future__ import annotations

import math

import numpy as np


def moves_lower_bound(plan, times, team: tuple[str, ...], tol: float) -> int:
    """Return a lower bound on the accounts moved (the leaver's included), see module doc."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.model.contiguity import neighbour_graph
    from territory_desktop.model.territory_load import label_workload
    from territory_desktop.optimize import balance
    from territory_desktop.optimize.balance_setup import set_up

    assignment = assign_accounts(plan)
    params = balance.BalanceParams(reps=team, tolerance=tol)
    setup = set_up(plan, assignment.territory_of, assignment.reason, params)
    k, table = len(setup.tids), setup.table
    rows = np.array([times.centre(c) for c in setup.centres])
    secs = times.centre_seconds[rows]
    reach = times.reachable & np.isfinite(secs).all(axis=0)
    base, per_second = balance._linear_load(setup, times, reach, k)
    load = base[None, :] + per_second[None, :] * np.where(np.isfinite(secs), secs, 0.0)
    cur = setup.current
    hole = np.flatnonzero(setup.in_problem & (cur < 0))
    start = label_workload(table, times, cur, setup.centres,
                           len(plan.settings.working_weekdays)).workload
    u, v = neighbour_graph(table.lat, table.lon)
    a, b = np.concatenate((u, v)), np.concatenate((v, u))
    in_hole = np.zeros(len(table), bool)
    in_hole[hole] = True
    around = np.unique(cur[b[in_hole[a] & ~in_hole[b] & (cur[b] >= 0)]])
    borders = {(int(x), int(y)) for x, y in zip(cur[a], cur[b], strict=True)
               if x >= 0 and y >= 0 and x != y}
    borders |= {(int(x), int(y)) for x in around for y in around if x != y}
    edges = sorted(borders)
    gives = [(t, w) for t in range(k)
             for w in np.sort(load[:, (cur == t) & setup.movable].max(axis=0))[::-1]]
    takes = [(int(i), int(t)) for i in hole for t in range(k)]
    ne, ny, ns = len(edges), len(takes), len(gives)
    cost = np.concatenate((np.zeros(ne + ny), [1.0 / max(w, 1e-9) for _, w in gives]))
    upper = np.concatenate((np.full(ne, np.inf), np.ones(ny), [w for _, w in gives]))
    # Equalities: each vacant account placed once; per territory, the load it gives away is
    # the sum of its heaviest-first segments.
    eq = sp.lil_matrix((hole.shape[0] + k, ne + ny + ns))
    where = {int(i): r for r, i in enumerate(hole)}
    for j, (i, _) in enumerate(takes):
        eq[where[i], ne + j] = 1.0
    for j, (x, _) in enumerate(edges):
        eq[hole.shape[0] + x, j] = -1.0
    for j, (t, _) in enumerate(gives):
        eq[hole.shape[0] + t, ne + ny + j] = 1.0
    b_eq = np.concatenate((np.ones(hole.shape[0]), np.zeros(k)))
    mean = (start.sum() + load[:, hole].min(axis=0).sum()) / k
    ub = sp.lil_matrix((2 * k, ne + ny + ns))
    for j, (x, y) in enumerate(edges):
        ub[y, j] += 1.0
        ub[x, j] -= 1.0
    for j, (i, t) in enumerate(takes):
        ub[t, ne + j] += load[t, i]
    ub[k:] = -ub[:k]
    b_ub = np.concatenate(((1 + tol) * mean - start, start - (1 - tol) * mean))
    res = linprog(cost, A_ub=ub.tocsr(), b_ub=b_ub, A_eq=eq.tocsr(), b_eq=b_eq,
                  bounds=np.column_stack((np.zeros(ne + ny + ns), upper)), method="highs")
    if res.status != 0:
        return 10**9  # no way at all to reach the band
    return int(hole.shape[0]) + math.ceil(float(res.fun) - 1e-6)
