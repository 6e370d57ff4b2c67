"""Day-cluster start for time-only problems (rotations)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from territory_desktop.optimize.pvrp.engine import Engine, Routes
from territory_desktop.optimize.pvrp.search import best_insertion


def cluster_start(eng: Engine, rounds: int = 8) -> tuple[dict[int, int], Routes]:
    """Day-cluster start for time-only problems (no loads, one vehicle a day, one depot).

    Lloyd-style: every day gets a centre (an account); each customer, most visits first, takes
    the pattern whose visits land nearest to the centres of their days, with a penalty for days
    over an even share of the work; each centre then moves to the medoid of its day.  Days that
    patterns tie together (the same weekday every week) start from a shared centre, so weekly
    visits settle into consistent weekday areas.  Returns (choice, routes) like ``_construct``.
    """
    p, t = eng.p, eng.t
    act = list(eng.active)
    n = len(act)
    loc = np.array([p.customers[i].location for i in act], dtype=np.int64)
    sub = eng.travel[np.ix_(loc, loc)]
    dist = 0.5 * (sub + sub.T)
    depot = p.days[0].start
    from_depot = 0.5 * (eng.travel[depot, loc] + eng.travel[loc, depot])
    big = dist + np.diag(np.full(n, np.inf))
    near = np.sort(big, axis=1)[:, : min(3, max(1, n - 1))] if n > 1 else np.zeros((n, 1))
    near = np.where(np.isfinite(near), near, 0.0)
    work = np.array([p.customers[i].service for i in act]) + near.mean(axis=1)
    visits = np.array([len(eng.patterns[i][0]) for i in act], dtype=float)
    cap = float((work * visits).sum()) / max(1, t)
    lam = 2.0
    # Days tied by single-day blocks of one pattern share a starting centre.
    parent = list(range(t))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in act:
        for pat in eng.patterns[i]:
            singles = [b[0] for b in pat if len(b) == 1]
            for a, b in itertools.pairwise(singles):
                parent[find(a)] = find(b)
    groups = sorted({find(d) for d in range(t)})
    # Farthest-point seeds, one per group.
    seeds: list[int] = [int(np.argmax(from_depot))]
    mind = dist[seeds[0]].copy()
    while len(seeds) < len(groups):
        k = int(np.argmax(mind))
        seeds.append(k)
        mind = np.minimum(mind, dist[k])
    centre = np.array([seeds[groups.index(find(d))] for d in range(t)], dtype=np.int64)
    order = sorted(range(n), key=lambda k: (-visits[k], len(eng.patterns[act[k]]),
                                            -from_depot[k], act[k]))
    choice: dict[int, int] = {}
    days_of: dict[int, list[tuple[int, int]]] = {}
    for _ in range(rounds):
        load = np.zeros(t)
        days_of = {}
        for k in order:
            i = act[k]
            w = work[k]
            best: tuple[float, int, list[tuple[int, int]]] = (math.inf, 0, [])
            for j, pat in enumerate(eng.patterns[i]):
                total = 0.0
                picks: list[tuple[int, int]] = []
                trial = load.copy()
                for b, block in enumerate(pat):
                    cand = np.array(block, dtype=np.int64)
                    over = np.maximum(0.0, trial[cand] + w - cap) - np.maximum(
                        0.0, trial[cand] - cap)
                    cost = dist[k, centre[cand]] + lam * over
                    m = int(np.argmin(cost))
                    total += float(cost[m])
                    trial[cand[m]] += w
                    picks.append((int(cand[m]), b))
                if total < best[0]:
                    best = (total, j, picks)
            choice[i] = best[1]
            days_of[i] = best[2]
            for d, _b in best[2]:
                load[d] += w
        members: list[list[int]] = [[] for _ in range(t)]
        for k in range(n):
            for d, _b in days_of[act[k]]:
                members[d].append(k)
        new_centre = centre.copy()
        for d in range(t):
            if members[d]:
                ks = np.array(members[d])
                new_centre[d] = ks[int(np.argmin(dist[np.ix_(ks, ks)].sum(axis=1)))]
        if np.array_equal(new_centre, centre):
            break
        centre = new_centre
    routes: Routes = [[] for _ in range(t)]
    per_day: list[list[tuple[int, int]]] = [[] for _ in range(t)]
    for i in act:
        for d, b in days_of[i]:
            per_day[d].append((i, b))
    pos_of = {i: k for k, i in enumerate(act)}
    for d in range(t):
        for i, b in sorted(per_day[d], key=lambda v: (-from_depot[pos_of[v[0]]], v[0])):
            _cost, ri, pos = best_insertion(eng, d, routes[d], i)
            if ri < 0:
                routes[d].append([(i, b)])
            else:
                routes[d][ri].insert(pos, (i, b))
    return choice, routes
