"""Nearer the band under a move budget: a tabu search on the exact workload estimate.

Why a separate step: the vacancy MILP (:mod:`.vacancy`) keeps territories whole by a
sufficient condition anchored on the current shapes and works on a tangent of the estimate,
and the border repair (:mod:`.repair`) works on linear loads and only takes moves that help
at once. Under a tight budget both stop with the budget spent and territories out of the
band, where getting nearer needs a move back to an account's owner (freeing a unit of
budget) before another, or a step through a worse alignment.

Each iteration takes the best admissible of: every single border move between neighbouring
territories, and two-step chains (``i`` from ``a`` to ``b``, then ``j`` from ``b`` on to
``c``; ``c = a`` is a swap), ranked on loads added up from the single moves and the best few
re-read exactly. Loads are the estimate itself
(:func:`~territory_desktop.model.territory_load.label_workload`), re-computed only for the
territories a move changes. The step is taken even when it is worse; a moved account stays
put for ``tenure`` iterations (tabu, unless a step beats the best); the walk may go
``slack`` moves over the budget at a price that grows while it stays there (strategic
oscillation), but only alignments within the budget and the per-rep caps are kept, and no
step splits a territory. A fixed number of iterations, not a time limit, so the answer does
not depend on the machine's load; ties are broken by drive cost and index: deterministic.

Used twice: by :func:`~territory_desktop.optimize.vacancy.fill_vacancy` on its best quick
solve before the deep ones, which it spares when it reaches the band, and by the balance on
its final alignment when that is still outside the band. On the LA benchmark
(``benchmarks/realign.py``) the first takes one leaver (R05) into the band in about 10 s
instead of the deep solves' 45 s, the second two leavers (R03, R07) nearer to it (fewer
territories out, a smaller worst deviation) without reaching it: with two more moves than
the budget it reaches the band for both, in one piece.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from territory_desktop.model.contiguity import Adjacency
from territory_desktop.model.drive_estimate import (
    HOME_COEF,
    NEIGHBOUR_COEF,
    NEIGHBOURS_K,
    DriveTimes,
    straight_seconds,
)
from territory_desktop.model.territory_load import AccountTable
from territory_desktop.optimize.repair import RepairState

__all__ = ["SearchParams", "labels_search", "search_band", "search_within_budget"]

GUIDE = 1e-3
Score = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class SearchParams:
    """Iterations of the search, tabu tenure, and how far inside the band it aims."""

    # On the LA benchmark the best alignment came within 200 iterations (600, 1500 and 2500
    # did no better); 200 take about 2 s there.
    iterations: int = 200
    tenure: int = 15  # iterations a moved account stays put (7, 10, 20 did no better)
    slack: int = 2  # moves over the budget the walk may make (an alignment kept never is)
    over_price: float = 0.01  # per move over the budget, in summed deviation
    price_step: float = 1.5
    chains: int = 24  # two-step chains evaluated exactly per iteration (0: single moves only)
    aim: float = 0.999  # share of the tolerance: the figures are printed to 0.1%


class _ExactLoads:
    """The workload estimate of one territory with one account added or removed.

    Valid when every territory has its own rep (the estimate of a rep's territories is
    shared otherwise).
    """

    def __init__(self, table: AccountTable, times: DriveTimes, centres: Sequence[str],
                 working_days: int) -> None:
        self.times = times
        self.rows = np.array([times.centre(c) for c in centres])
        self.visits = table.visits_per_week
        self.hours = table.visit_hours
        self.days = float(working_days)
        pool = times.pool_index
        self.pool = pool if pool.ndim == 2 else np.zeros((len(table), 0), np.int64)
        self.pool_secs = np.where(times.reachable[self.pool], times.pool_seconds, np.inf) \
            if self.pool.shape[1] else np.zeros((len(table), 0))

    def with_flips(self, t: int, members: np.ndarray, flips: np.ndarray) -> np.ndarray:
        """Load of territory ``t`` (mask ``members``) with each row of ``flips`` toggled."""
        c = flips.shape[0]
        flips = flips.reshape(c, -1)
        rel = np.union1d(np.flatnonzero(members), flips)
        masks = np.repeat(members[None, :], c, axis=0)
        for r in range(flips.shape[1]):
            masks[np.arange(c), flips[:, r]] ^= True
        inside = masks[:, rel]  # candidates x relevant accounts
        times = self.times
        home = times.centre_seconds[self.rows[t], rel]
        ok = inside & times.reachable[rel] & np.isfinite(home)
        near = np.full(inside.shape, np.nan)
        if self.pool.shape[1]:
            same = masks[:, self.pool[rel]]  # candidates x relevant x pool
            secs = np.where(same, self.pool_secs[rel][None], np.inf)
            k = min(NEIGHBOURS_K, secs.shape[2])
            nearest = np.partition(secs, k - 1, axis=2)[:, :, :k] if secs.shape[2] > k \
                else secs
            finite = np.isfinite(nearest)
            count = finite.sum(axis=2)
            total = np.where(finite, nearest, 0.0).sum(axis=2)
            near = np.divide(total, count, out=near, where=count > 0)
        for a, b in zip(*np.nonzero(np.isnan(near) & ok), strict=True):
            near[a, b] = self._nearest(masks[a], int(rel[b]))
        v = self.visits[rel][None, :]
        visits = (v * ok).sum(axis=1)
        between = (v * ok * np.where(np.isfinite(near) & ok, near, 0.0)).sum(axis=1)
        weighted = (v * ok * np.where(ok, home[None, :], 0.0)).sum(axis=1)
        h_bar = np.divide(weighted, visits, out=np.zeros(c), where=visits > 0)
        drive = NEIGHBOUR_COEF * between + HOME_COEF * 2.0 * np.minimum(self.days, visits) \
            * h_bar
        out: np.ndarray = (inside * self.hours[rel][None, :]).sum(axis=1) + drive / 3600.0
        return out

    def _nearest(self, members: np.ndarray, i: int) -> float:
        """Straight-line seconds to the nearest other reachable member (no pool neighbour)."""
        times = self.times
        others = np.flatnonzero(members & times.reachable)
        others = others[others != i]
        if not others.shape[0]:
            return np.inf
        return float(straight_seconds(times.lat[i], times.lon[i], times.lat[others],
                                      times.lon[others]).min())


def search_band(state: RepairState, adj: Adjacency, table: AccountTable, times: DriveTimes,
                centres: Sequence[str], capacity: np.ndarray, working_days: int,
                params: SearchParams | None = None) -> bool:
    """Move ``state.labels`` towards the band of ``state.tolerance`` in place.

    Keeps the best alignment seen (fewest summed excess over the band, then fewest moves);
    returns whether it changed the labels. Every territory must be in one piece on entry.
    """
    params = params or SearchParams()
    k = state.k
    lab = state.labels
    exact = _ExactLoads(table, times, centres, working_days)
    masks = np.stack([lab == t for t in range(k)])
    loads = np.array([_load_of(exact, t, masks[t]) for t in range(k)])
    aim = state.tolerance * params.aim
    cap = capacity / capacity.sum()
    cache: list[dict[int, float]] = [{} for _ in range(k)]
    tabu: dict[int, int] = {}
    scale = float(np.abs(state.weight[:, None] * state.cost_secs.T).max()) or 1.0

    def score(loads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the summed excess over the aim and a guide, per row of loads.

        Rows x territories. The guide adds a little of the summed squared deviations, so
        that among moves of equal excess the one that evens the loads out is taken.
        """
        target = cap * loads.sum(axis=-1, keepdims=True)
        dev = loads / target - 1
        over = np.maximum(0.0, np.abs(dev) - aim)
        excess = over.sum(axis=-1)
        return excess, excess + GUIDE * (dev * dev).sum(axis=-1)

    start = lab.copy()
    cur = state.current if state.current is not None else lab.copy()
    limit = state.max_moves if state.max_moves is not None else lab.shape[0]
    moves = state.moves()
    excess, _ = score(loads)
    best_key = (float(excess) if moves <= limit else np.inf, moves)
    best = lab.copy()
    counts = np.bincount(lab[lab >= 0], minlength=k)
    price = params.over_price
    for it in range(params.iterations):
        if best_key[0] <= 0.0:
            break
        i, d = _border(state, adj)
        s = lab[i]
        away = cur[i] >= 0
        delta = (away & (d != cur[i])).astype(int) - (away & (s != cur[i]))
        keep = (counts[s] > 1) & (moves + delta <= limit + params.slack) \
            & _losses_allow(state, i, s, d)
        i, s, d, delta = i[keep], s[keep], d[keep], delta[keep]
        if not i.shape[0]:
            break
        for t in np.unique(np.concatenate((s, d))).tolist():
            want = np.unique(np.concatenate((i[s == t], i[d == t])))
            miss = np.array([a for a in want.tolist() if a not in cache[t]], np.int64)
            if miss.shape[0]:
                cache[t].update(zip(miss.tolist(),
                                    exact.with_flips(t, masks[t], miss).tolist(), strict=True))
        new = np.repeat(loads[None, :], i.shape[0], axis=0)
        rows = np.arange(i.shape[0])
        new[rows, s] = [cache[a][b] for a, b in zip(s.tolist(), i.tolist(), strict=True)]
        new[rows, d] = [cache[a][b] for a, b in zip(d.tolist(), i.tolist(), strict=True)]
        exc, val = score(new)
        over = np.maximum(0, moves + delta - limit)
        val = val + price * over
        dcost = state.weight[i] * (state.cost_secs[d, i] - state.cost_secs[s, i]) / scale
        allowed = np.array([tabu.get(a, -1) < it for a in i.tolist()])
        aspire = (over == 0) & (exc < best_key[0] - 1e-12)
        ok = allowed | aspire
        if not ok.any():
            break
        order = np.lexsort((i, dcost, np.round(val, 12)))
        chosen = -1
        for q in order.tolist():
            if ok[q] and adj.stays_whole_without(int(i[q]), lab):
                chosen = q
                break
        chain = None
        if params.chains:
            chain = _best_chain(exact, masks, loads, (i, s, d, delta, new), ok, tabu, it,
                                (moves, limit, price), score, adj, lab,
                                float(val[chosen]) if chosen >= 0 else np.inf,
                                params.chains)
        if chain is not None:
            steps, after, chain_exc, chain_delta = chain
            for a, src, dst in steps:
                lab[a] = dst
                masks[src, a] = False
                masks[dst, a] = True
                counts[src] -= 1
                counts[dst] += 1
                cache[src].clear()
                cache[dst].clear()
                tabu[a] = it + params.tenure
            moves += chain_delta
            loads[:] = after
            exc_now = chain_exc
        else:
            if chosen < 0:
                break
            a, src, dst = int(i[chosen]), int(s[chosen]), int(d[chosen])
            lab[a] = dst
            masks[src, a] = False
            masks[dst, a] = True
            counts[src] -= 1
            counts[dst] += 1
            moves += int(delta[chosen])
            loads[src], loads[dst] = new[chosen, src], new[chosen, dst]
            cache[src].clear()
            cache[dst].clear()
            tabu[a] = it + params.tenure
            exc_now = float(exc[chosen])
        # Strategic oscillation: the walk may leave the budget, dearer the longer it stays out.
        price = price * params.price_step if moves > limit else \
            max(params.over_price, price / params.price_step)
        key = (exc_now, moves)
        if moves <= limit and key < best_key:
            best_key, best = key, lab.copy()
    state.labels[:] = best
    return bool((best != start).any())


def search_within_budget(state: RepairState, graph: tuple[np.ndarray, np.ndarray],
                         table: AccountTable, times: DriveTimes, centres: Sequence[str],
                         capacity: np.ndarray, working_days: int,
                         params: SearchParams | None = None) -> RepairState | None:
    """Search from a copy of ``state``; return it when it ends nearer the band, else None.

    The copy's offsets and targets are the exact estimate's, as the balance keeps them.
    Only for workload alone with one territory per rep (the estimate is shared otherwise).
    """
    from territory_desktop.model.territory_load import label_workload

    if state.potential is not None or len(set(centres)) < len(centres):
        return None
    trial = replace(state, labels=state.labels.copy())
    adj = Adjacency(len(table), *graph)
    if not search_band(trial, adj, table, times, centres, capacity, working_days, params):
        return None
    exact = label_workload(table, times, trial.labels, centres, working_days).workload
    trial.offset = exact - trial.loads(with_offset=False)
    trial.target = capacity * exact.sum() / capacity.sum()
    within = trial.max_moves is None or trial.moves() <= trial.max_moves
    better = float(trial.violation().sum()) < float(state.violation().sum()) - 1e-12
    return trial if within and better else None


def labels_search(state: RepairState, graph: tuple[np.ndarray, np.ndarray],
                  table: AccountTable, times: DriveTimes, centres: Sequence[str],
                  capacity: np.ndarray,
                  working_days: int) -> Callable[[np.ndarray], np.ndarray | None] | None:
    """Return ``search(labels)``: the labels the search reaches from ``labels``, or None.

    For :func:`~territory_desktop.optimize.vacancy.fill_vacancy`; the move caps and the
    tolerance are ``state``'s when it is called. None where :func:`search_within_budget`
    would not search; the search returns None for labels with a territory in pieces.
    """
    from territory_desktop.model.contiguity import pieces

    if state.potential is not None or len(set(centres)) < len(centres):
        return None
    adj = Adjacency(len(table), *graph)

    def search(labels: np.ndarray) -> np.ndarray | None:
        if (pieces(labels.shape[0], adj.u, adj.v, labels, state.k) > 1).any():
            return None
        trial = replace(state, labels=labels.copy())
        search_band(trial, adj, table, times, centres, capacity, working_days)
        return trial.labels

    return search


def _best_chain(exact: _ExactLoads, masks: np.ndarray, loads: np.ndarray,
                singles: tuple[np.ndarray, ...], ok: np.ndarray, tabu: dict[int, int], it: int,
                budget: tuple[int, int, float], score: Score, adj: Adjacency,
                lab: np.ndarray, beat: float,
                top: int) -> tuple[list[tuple[int, int, int]], np.ndarray, float, int] | None:
    """Return the best two-step chain (``i``: a -> b, then ``j``: b -> c) beating ``beat``.

    ``singles`` are the single moves (account, from, to, change in moves, loads after) and
    ``ok`` which of them the tabu list allows. The chains are ranked on loads added up from
    the single moves, the best ``top`` re-read exactly. Returns the steps, the loads after
    them, the excess and the change in moves.
    """
    i, s, d, delta, new = singles
    moves, limit, price = budget
    p_idx, q_idx = [], []
    for b in np.unique(d).tolist():
        p = np.flatnonzero(d == b)
        q = np.flatnonzero(s == b)
        if p.shape[0] and q.shape[0]:
            p_idx.append(np.repeat(p, q.shape[0]))
            q_idx.append(np.tile(q, p.shape[0]))
    if not p_idx:
        return None
    p, q = np.concatenate(p_idx), np.concatenate(q_idx)
    keep = i[p] != i[q]
    p, q = p[keep], q[keep]
    a, b, c = s[p], d[p], d[q]
    rows = np.arange(p.shape[0])
    approx = np.repeat(loads[None, :], p.shape[0], axis=0)
    approx[rows, a] = new[p, a]
    approx[rows, b] = new[p, b] + new[q, b] - loads[b]
    approx[rows, c] += new[q, c] - loads[c]
    step = delta[p] + delta[q]
    over = np.maximum(0, moves + step - limit)
    _, val = score(approx)
    val = val + price * over
    allowed = ok[p] & ok[q] & np.array([tabu.get(x, -1) < it for x in i[q].tolist()])
    val = np.where(allowed | (over == 0), val, np.inf)
    order = np.lexsort((i[q], i[p], np.round(val, 12)))[:top]
    order = order[np.isfinite(val[order])]
    if not order.shape[0]:
        return None
    # Exactly: b with i in and j out, a without i (with j when c is a), c with j.
    pi, qi = i[p[order]], i[q[order]]
    ex = np.repeat(loads[None, :], order.shape[0], axis=0)
    r = np.arange(order.shape[0])
    for t in np.unique(np.concatenate((a[order], b[order], c[order]))).tolist():
        flips = np.where((b[order] == t)[:, None] | ((a[order] == t) & (c[order] == t))[:, None],
                         np.column_stack((pi, qi)), -1)
        one_a = (a[order] == t) & (c[order] != t)
        one_c = (c[order] == t) & (a[order] != t)
        flips[one_a] = np.column_stack((pi, pi))[one_a]
        flips[one_c] = np.column_stack((qi, qi))[one_c]
        hit = (flips[:, 0] >= 0)
        if not hit.any():
            continue
        two = hit & (flips[:, 0] != flips[:, 1])
        if two.any():
            ex[r[two], t] = exact.with_flips(t, masks[t], flips[two])
        single = hit & ~two
        if single.any():
            ex[r[single], t] = exact.with_flips(t, masks[t], flips[single, 0])
    exc, v = score(ex)
    v = v + price * over[order]
    for z in np.lexsort((qi, pi, np.round(v, 12))).tolist():
        if not v[z] < beat - 1e-12:
            break
        aa, bb, cc = int(a[order[z]]), int(b[order[z]]), int(c[order[z]])
        x, y = int(pi[z]), int(qi[z])
        lab[x], lab[y] = bb, cc
        whole = all(_whole(adj, lab, t) for t in {aa, bb, cc})
        lab[x], lab[y] = aa, bb
        if whole:
            return [(x, aa, bb), (y, bb, cc)], ex[z], float(exc[z]), int(step[order[z]])
    return None


def _whole(adj: Adjacency, lab: np.ndarray, t: int) -> bool:
    """Whether territory ``t`` is one piece."""
    members = np.flatnonzero(lab == t)
    if not members.shape[0]:
        return False
    seen = {int(members[0])}
    stack = [int(members[0])]
    while stack:
        for y in adj.of(stack.pop()):
            if y not in seen and lab[y] == t:
                seen.add(y)
                stack.append(y)
    return len(seen) == members.shape[0]


def _load_of(exact: _ExactLoads, t: int, members: np.ndarray) -> float:
    """Load of territory ``t`` as it is (two flips of one account cancel out)."""
    one = int(np.argmax(members))
    flipped = members.copy()
    flipped[one] = False
    return float(exact.with_flips(t, flipped, np.array([one]))[0])


def _losses_allow(state: RepairState, i: np.ndarray, s: np.ndarray,
                  d: np.ndarray) -> np.ndarray:
    """Per candidate move, whether the cap on each rep's losses still holds after it."""
    if state.max_losses is None or state.current is None:
        return np.ones(i.shape[0], bool)
    saved, state.max_moves = state.max_moves, None
    try:
        return state.budget_allows(i, s, d)
    finally:
        state.max_moves = saved


def _border(state: RepairState, adj: Adjacency) -> tuple[np.ndarray, np.ndarray]:
    """Every (movable account, bordering territory) pair of the alignment."""
    lab = state.labels
    a, b = adj.edges_from(np.flatnonzero((lab >= 0) & state.movable))
    keep = (lab[b] >= 0) & (lab[b] != lab[a])
    pairs = np.unique(np.column_stack((a[keep], lab[b[keep]])), axis=0)
    return pairs[:, 0], pairs[:, 1]
