"""Pattern search on decoded routes: cheapest-insertion estimates and the moves built on them."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from territory_desktop.optimize.pvrp.engine import (
    DayRoutes,
    DayTable,
    Engine,
    RouteInfo,
    Routes,
    Visit,
)


def removal_gain(eng: Engine, day: int, seq: list[Visit], pos: int) -> float:
    """Travel saved by taking the visit at ``pos`` out of route ``seq``."""
    d = eng.p.days[day]
    t = eng.travel
    cu = eng.p.customers
    prev = d.start if pos == 0 else cu[seq[pos - 1][0]].location
    nxt = d.end if pos == len(seq) - 1 else cu[seq[pos + 1][0]].location
    me = cu[seq[pos][0]].location
    return float(t[prev, me] + t[me, nxt] - t[prev, nxt])


def _route_info(eng: Engine, day: int, seq: list[Visit]) -> RouteInfo:
    """Return a route's (arc tails, arc heads, arc travel, load, duration).

    Cached: the pattern search asks about the same unchanged routes over and over.
    """
    key = (day, tuple(seq))
    info = eng.info_cache.get(key)
    if info is None:
        d = eng.p.days[day]
        locs = np.array([d.start, *(eng.location[x] for x, _ in seq), d.end])
        a, b = locs[:-1], locs[1:]
        legs = eng.travel[a, b]
        load = float(sum(eng.demand[x] for x, _ in seq))
        dur = float(legs.sum() + sum(eng.service[x] for x, _ in seq))
        if len(eng.info_cache) > 50_000:
            eng.info_cache.clear()
        info = eng.info_cache[key] = (a, b, legs, load, dur)
    return info


def _penalty(
    eng: Engine,
    day: int,
    load: float,
    dur: float,
    demand: float | np.ndarray,
    service: float | np.ndarray,
    delta: float | np.ndarray,
) -> float | np.ndarray:
    """Return the penalty an insertion adds to a route.

    It prices the excess load, excess duration and time over the balance target (scalars or
    arrays; monotone in ``delta``).
    """
    d = eng.p.days[day]
    pen: float | np.ndarray = 0.0
    if math.isfinite(d.capacity):
        pen = eng.pen_load * (np.maximum(0.0, load + demand - d.capacity)
                              - max(0.0, load - d.capacity))
    after = dur + delta + service
    if math.isfinite(d.max_duration):
        pen = pen + eng.pen_dur * (np.maximum(0.0, after - d.max_duration)
                                   - max(0.0, dur - d.max_duration))
    if eng.balance and eng.target is not None:
        pen = pen + eng.balance * (np.maximum(0.0, after - eng.target)
                                   - max(0.0, dur - eng.target))
    return pen


def best_insertion(eng: Engine, day: int, routes_day: DayRoutes, ci: int) -> tuple[float, int, int]:
    """(extra travel + penalties, route index or -1 for a new route, position) of one visit.

    Excess load and duration are allowed at a penalty: the solver can usually make room by
    moving floating visits to other days, which a strict test would never discover.
    """
    d = eng.p.days[day]
    t = eng.travel
    loc, dem, srv = eng.location[ci], eng.demand[ci], eng.service[ci]
    best = (math.inf, -2, 0)
    for ri, seq in enumerate(routes_day):
        a, b, legs, load, dur = _route_info(eng, day, seq)
        delta = t[a, loc] + t[loc, b] - legs
        k = int(np.argmin(delta))
        cost = float(delta[k] + _penalty(eng, day, load, dur, dem, srv, delta[k]))
        if cost < best[0]:
            best = (cost, ri, k)
    if len(routes_day) < d.vehicles:
        delta = t[d.start, loc] + t[loc, d.end] - t[d.start, d.end]
        cost = float(delta + _penalty(eng, day, 0.0, 0.0, dem, srv, delta))
        if cost < best[0]:
            best = (cost, -1, 0)
    return best


def _new_route_cost(eng: Engine, day: int, ci: int | np.ndarray) -> float | np.ndarray:
    """Cost of a new route for ``ci`` (an index or an array of customers)."""
    d = eng.p.days[day]
    t = eng.travel
    loc = eng.location[ci]
    delta: float | np.ndarray = t[d.start, loc] + t[loc, d.end] - t[d.start, d.end]
    return delta + _penalty(eng, day, 0.0, 0.0, eng.demand[ci], eng.service[ci], delta)


def _day_table(eng: Engine, day: int, routes_day: DayRoutes) -> DayTable:
    """Return the cheapest insertion of every customer into each route of a day.

    The table holds (cost, position) arrays of shape (customers, routes), the new-route cost
    (or None), the best over them as (cost, route or -1, position) and each customer's
    routes; cached while the day's route list is the same object.
    """
    hit = eng.tables.get(day)
    if hit is not None and hit[0] is routes_day:
        return hit[1]
    d = eng.p.days[day]
    t = eng.travel
    loc = eng.location
    n = len(loc)
    rows = np.arange(n)
    costs = np.full((n, len(routes_day)), np.inf)
    positions = np.zeros((n, len(routes_day)), dtype=np.int64)
    for ri, seq in enumerate(routes_day):
        a, b, legs, load, dur = _route_info(eng, day, seq)
        delta = t[np.ix_(loc, b)] + t[np.ix_(a, loc)].T - legs
        k = delta.argmin(axis=1)
        dmin = delta[rows, k]
        costs[:, ri] = dmin + _penalty(eng, day, load, dur, eng.demand, eng.service, dmin)
        positions[:, ri] = k
    fresh = np.asarray(_new_route_cost(eng, day, rows)) if len(routes_day) < d.vehicles else None
    if routes_day:
        route = costs.argmin(axis=1)
        best = costs[rows, route]
        pos = positions[rows, route]
    else:
        route = np.full(n, -2, dtype=np.int64)
        best = np.full(n, np.inf)
        pos = np.zeros(n, dtype=np.int64)
    if fresh is not None:
        better = fresh < best
        best = np.where(better, fresh, best)
        route = np.where(better, -1, route)
    members: dict[int, list[int]] = {}
    for ri, seq in enumerate(routes_day):
        for x, _ in seq:
            members.setdefault(x, []).append(ri)
    table: DayTable = (costs, positions, fresh, (best, route, pos), members)
    eng.tables[day] = (routes_day, table)
    return table


def _insert_one(eng: Engine, day: int, seq: list[Visit], ci: int) -> tuple[float, int]:
    """(cost, position) of the cheapest insertion of ``ci`` into one route."""
    a, b, legs, load, dur = _route_info(eng, day, seq)
    loc = eng.location[ci]
    delta = eng.travel[a, loc] + eng.travel[loc, b] - legs
    k = int(np.argmin(delta))
    return float(delta[k] + _penalty(eng, day, load, dur, eng.demand[ci], eng.service[ci],
                                     delta[k])), k


def pattern_move(eng: Engine, routes: Routes, ci: int, choice: dict[int, int],
                 forced: int | None = None,
                 include_current: bool = False) -> tuple[float, Routes | None, int]:
    """Move customer ``ci`` to its cheapest other pattern (or to pattern ``forced``).

    Returns (estimated cost change, new routes, pattern index); (inf, None, -1) when no
    pattern can be inserted.  ``routes`` is not changed: the days that change are copied.
    """
    pats = eng.patterns[ci]
    cur = choice.get(ci, 0)
    new = list(routes)
    cost = np.empty(eng.t)
    where: dict[int, tuple[int, int]] = {}
    gain = 0.0
    for day in range(eng.t):
        _costs, _positions, _fresh, (best, route, pos), _members = _day_table(
            eng, day, routes[day])
        cost[day] = best[ci]
        where[day] = (int(route[ci]), int(pos[ci]))
    for day in eng.pattern_days[ci][cur]:
        costs, positions, _fresh, _best, members = _day_table(eng, day, routes[day])
        if ci not in members:
            continue
        # Take ci out of this day, then price its insertion: unchanged routes from the table,
        # the routes it left afresh.
        day_routes: DayRoutes = []
        options: list[tuple[float, int, int]] = []
        for ri, seq in enumerate(routes[day]):
            if ri not in members[ci]:
                options.append((float(costs[ci, ri]), len(day_routes), int(positions[ci, ri])))
                day_routes.append(seq)
                continue
            seq = list(seq)
            while (k := next((k for k, (x, _) in enumerate(seq) if x == ci), None)) is not None:
                gain += removal_gain(eng, day, seq, k)
                del seq[k]
            if seq:
                c, k = _insert_one(eng, day, seq, ci)
                options.append((c, len(day_routes), k))
                day_routes.append(seq)
        if len(day_routes) < eng.p.days[day].vehicles:
            options.append((float(_new_route_cost(eng, day, ci)), -1, 0))
        c, ri, k = min(options, default=(math.inf, -2, 0))
        new[day] = day_routes
        cost[day] = c
        where[day] = (ri, k)
    candidates = [forced] if forced is not None else [
        j for j in range(len(pats)) if include_current or j != cur]
    best_delta, best_j, best_days = math.inf, -1, None
    for j in candidates:
        days = [int(block[int(np.argmin(cost[block]))]) for block in eng.block_arrays[ci][j]]
        total = float(cost[days].sum())
        if total < best_delta:
            best_delta, best_j, best_days = total, j, days
    if best_days is None or not math.isfinite(best_delta):
        return math.inf, None, -1
    for k, day in enumerate(best_days):
        ri, at = where[day]
        day_routes = list(new[day])
        if ri == -1:
            day_routes.append([(ci, k)])
        else:
            seq = list(day_routes[ri])
            seq.insert(at, (ci, k))
            day_routes[ri] = seq
        new[day] = day_routes
    return best_delta - gain, new, best_j


def initial_choice(eng: Engine) -> dict[int, int]:
    """Balance the expected visit load per day: biggest customers first."""
    t = eng.t
    load = np.zeros(t)
    choice: dict[int, int] = {}
    order = sorted(eng.active, key=lambda i: (-len(eng.patterns[i][0]), i))
    for i in eng.active:
        choice[i] = 0
    for i in order:
        pats = eng.patterns[i]
        c = eng.p.customers[i]
        w = c.demand + c.service + 1e-3
        if len(pats) == 1:
            for block in pats[0]:
                for d in block:
                    load[d] += w / len(block)
            continue
        scores = []
        for j, p in enumerate(pats):
            s = 0.0
            for block in p:
                s += min(load[d] for d in block)
            scores.append((s, j))
        j = min(scores)[1]
        choice[i] = j
        for block in pats[j]:
            for d in block:
                load[d] += w / len(block)
    return choice


def construct(eng: Engine, choice: dict[int, int]) -> Routes:
    """Insert customers one by one at their cheapest pattern.

    Fewest options and most visits go first, so the solver starts from a sensible day
    assignment.
    """
    routes: Routes = [[] for _ in range(eng.t)]
    # Strict limits while constructing: start as feasible as cheap insertion allows.
    saved = eng.pen_load, eng.pen_dur
    strict = eng.params.construct_strictness
    eng.pen_load, eng.pen_dur = saved[0] * strict, saved[1] * strict
    eng.tables.clear()
    order = sorted(
        eng.active,
        key=lambda i: (
            sum(len(b) for b in eng.patterns[i][0]) * len(eng.patterns[i]),
            -len(eng.patterns[i][0]),
            i,
        ),
    )
    for ci in order:
        _delta, new, j = pattern_move(eng, routes, ci, choice, include_current=True)
        if new is not None:
            routes = new
            choice[ci] = j
    eng.pen_load, eng.pen_dur = saved
    eng.tables.clear()
    return routes


def least_bad_move(
    eng: Engine,
    routes: Routes,
    choice: dict[int, int],
    multi: Sequence[int],
    tabu: dict[int, int],
    it: int,
) -> list[int]:
    """Apply the cheapest pattern change of a non-tabu customer (tabu search step)."""
    best: tuple[float, Routes | None, int, int] = (math.inf, None, -1, -1)
    for ci in multi:
        if tabu.get(ci, 0) > it:
            continue
        delta, new, j = pattern_move(eng, routes, ci, choice)
        if new is not None and delta < best[0]:
            best = (delta, new, j, ci)
    if best[1] is None:
        return []
    routes[:] = best[1]
    choice[best[3]] = best[2]
    return [best[3]]


def pattern_descent(
    eng: Engine, routes: Routes, choice: dict[int, int], multi: Sequence[int],
    tabu: dict[int, int] | None = None, it: int = 0,
) -> list[int]:
    """Apply every improving pattern change, in random order, for up to three passes.

    Customers tabu at step ``it`` keep their pattern: the descent would otherwise undo the
    last tabu step at once and the search would cycle.  Returns the customers moved.
    """
    moved: list[int] = []
    order = [ci for ci in multi if tabu is None or tabu.get(ci, 0) <= it]
    eng.rng.shuffle(order)
    for _ in range(3):
        any_move = False
        for ci in order:
            delta, new, j = pattern_move(eng, routes, ci, choice)
            if new is not None and delta < -1e-7:
                routes[:] = new
                choice[ci] = j
                moved.append(ci)
                any_move = True
        if not any_move:
            break
    return moved




def group_descent(
    eng: Engine, routes: Routes, choice: dict[int, int], multi: Sequence[int], group_size: int
) -> list[int]:
    """Move a customer and its nearest neighbours on the same pattern to another one together.

    A single move leaves its route-mates behind; together they can form a new route.
    """
    order = list(multi)
    eng.rng.shuffle(order)
    for ci in order:
        pat = eng.patterns[ci][choice[ci]]
        loc = eng.p.customers[ci].location
        mates = sorted((m for m in multi if m != ci and eng.patterns[m][choice[m]] == pat),
                       key=lambda m: (eng.travel[loc, eng.p.customers[m].location], m))
        targets = [p for p in eng.patterns[ci] if p != pat]
        for size in range(1, min(group_size, len(mates)) + 1):
            group = [ci, *mates[:size]]
            best: tuple[float, Routes | None, dict[int, int]] = (-1e-7, None, {})
            for target in targets:
                if any(target not in eng.patterns[m] for m in group):
                    continue
                total, cur = 0.0, routes
                picks: dict[int, int] = {}
                for m in group:
                    d, new, j = pattern_move(eng, cur, m, choice,
                                                     forced=eng.patterns[m].index(target))
                    if new is None:
                        total = math.inf
                        break
                    total += d
                    cur = new
                    picks[m] = j
                if total < best[0]:
                    best = (total, cur, picks)
            if best[1] is not None:
                routes[:] = best[1]
                choice.update(best[2])
                return list(best[2])
    return []


def perturb(
    eng: Engine, routes: Routes, choice: dict[int, int], multi: Sequence[int], size: int
) -> Routes:
    """Force a random customer and a few of its nearest neighbours onto other patterns."""
    seed_c = multi[int(eng.rng.integers(len(multi)))]
    loc = eng.p.customers[seed_c].location
    near = sorted(multi, key=lambda i: (eng.travel[loc, eng.p.customers[i].location], i))
    picked = near[: max(1, min(len(near), int(eng.rng.integers(1, size + 1)) + 1))]
    for ci in picked:
        others = [j for j in range(len(eng.patterns[ci])) if j != choice[ci]]
        if not others:
            continue
        j = others[int(eng.rng.integers(len(others)))]
        _delta, new, jj = pattern_move(eng, routes, ci, choice, forced=j)
        if new is not None:
            routes = new
            choice[ci] = jj
    return routes
