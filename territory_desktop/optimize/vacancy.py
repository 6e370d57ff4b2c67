"""Realign around a vacated territory under a move budget, one border layer at a time.

Rounding an account-level model shifts territories by whole heavy accounts, and the border
repair then spends the budget winning the band back one account at a time. Here:

* the vacated accounts are grown into the bordering territories from their borders, the
  territory furthest below its target taking next, its nearest account first (so every
  territory stays in one piece);
* then a small MILP over the accounts on the borders (and the ones right behind them, which
  may follow) picks the fewest moves that bring every territory into the band, on the exact
  workload estimate re-read after each layer: first with the vacated accounts alone (free:
  they must move anyway), then spending the budget. Moves that would split a territory are
  left out and the next layer works around them.

What is left goes to the usual border repair. A territory-level flow LP (as in
``benchmarks/realign_bound.py``) realised flow by flow was tried first and lost: the accounts
on a border are rarely the heavy ones the LP counts on, and its share of the vacated area
ignores where the accounts lie.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from territory_desktop.model.contiguity import Adjacency, components
from territory_desktop.optimize._feedback import Feedback
from territory_desktop.optimize.repair import RepairState

__all__ = ["bordering_only", "fill_vacancy"]

# Border layers per phase, and the MILP's branch-and-bound nodes per layer (a node limit,
# not a time limit, so the answer does not depend on the machine's load).
LAYERS = 6
MILP_NODES = 200


def fill_vacancy(state: RepairState, adj: Adjacency, hole: np.ndarray, capacity: np.ndarray,
                 exact: Callable[[np.ndarray], np.ndarray], tolerance: float,
                 fb: Feedback) -> None:
    """Give the vacated accounts ``hole`` out and rebalance by border layers, in place.

    ``state.labels`` holds the current alignment with ``hole`` at -1; ``exact(labels)`` is
    each territory's workload estimate for labels, ``capacity`` its rep's share of hours.
    """
    start = exact(state.labels)
    least = state.item_load(hole[None, :], np.arange(state.k)[:, None]).min(axis=0)
    state.target = capacity * (start.sum() + least.sum()) / capacity.sum()
    state.offset = np.zeros(state.k)
    _grow_into_hole(state, adj, hole, start)
    for phase, free in enumerate((True, False)):
        for layer in range(LAYERS):
            fb.step((phase * LAYERS + layer) / (2 * LAYERS), "moving border accounts")
            loads = exact(state.labels)
            # The exact total drifts from the linear one as accounts change hands.
            state.target = state.target * loads.sum() / state.target.sum()
            if (np.abs(loads / state.target - 1) <= tolerance).all():
                break
            if not _shift_border(state, adj, loads, tolerance, free):
                break


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


def _grow_into_hole(state: RepairState, adj: Adjacency, hole: np.ndarray,
                    start: np.ndarray) -> None:
    """Grow the bordering territories into the vacated area, the emptiest first."""
    lab = state.labels
    todo = set(hole.tolist())
    have = start.copy()
    while todo:
        best: tuple[float, float, int, int] | None = None
        for i in sorted(todo):
            for t in {int(lab[j]) for j in adj.of(i) if lab[j] >= 0}:
                key = (float(have[t] / state.target[t]), float(state.cost_secs[t, i]), t, i)
                if best is None or key < best:
                    best = key
        if best is None:  # the hole touches no territory: the repair places the rest
            break
        _, _, t, i = best
        lab[i] = t
        have[t] += float(state.item_load(np.array([i]), np.array([t]))[0])
        todo.discard(i)


def _shift_border(state: RepairState, adj: Adjacency, loads: np.ndarray, tol: float,
                  free: bool) -> bool:
    """Move border accounts, fewest moves first, to bring every territory into the band.

    A small MILP over the accounts on the borders: each may cross to one neighbouring
    territory; leaving its current owner costs a move of the budget, going back home gives
    one back, and a vacated account moves for free. Being outside the band costs more than
    any move. Returns whether anything moved.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    lab, k = state.labels, state.k
    mine = np.flatnonzero((lab >= 0) & state.movable)
    a, b = adj.edges_from(mine)
    face = (lab[b] >= 0) & (lab[b] != lab[a])
    first = {(int(i), int(lab[j])) for i, j in zip(a[face], b[face], strict=True)}
    # One layer deeper: an account behind a border account may follow it across.
    behind: dict[tuple[int, int], list[int]] = {}
    for front, t in first:
        for j in adj.of(front):
            if lab[j] == lab[front] and state.movable[j] and (j, t) not in first:
                behind.setdefault((int(j), t), []).append(front)
    pairs = sorted(first | set(behind))
    if not pairs:
        return False
    i = np.array([p[0] for p in pairs])
    d = np.array([p[1] for p in pairs])
    s = lab[i]
    cur = state.current if state.current is not None else np.full(lab.shape[0], -1)
    step = (cur[i] == s).astype(float) - (cur[i] == d).astype(float)
    m = i.shape[0]
    out, into = state.item_load(i, s), state.item_load(i, d)
    # Per territory, loads + gains - losses within the band, with slack (over, under).
    change = np.zeros((k, m))
    change[d, np.arange(m)] += into
    change[s, np.arange(m)] -= out
    eye = np.eye(k)
    hi = np.hstack((change, -eye, np.zeros((k, k + 1))))
    lo = np.hstack((change, np.zeros((k, k)), eye, np.zeros((k, 1))))
    # The worst slack too: minimising the sum alone piles the load on one territory.
    worst = np.hstack((np.zeros((2 * k, m)), np.eye(2 * k), -np.ones((2 * k, 1))))
    once = np.zeros((lab.shape[0], m))
    once[i, np.arange(m)] = 1.0
    once = once[np.unique(i)]
    pad = np.zeros((once.shape[0], 2 * k + 1))
    col = {p: c for c, p in enumerate(pairs)}
    follow = np.zeros((len(behind), m + 2 * k + 1))
    for r, (p, ahead) in enumerate(sorted(behind.items())):
        follow[r, col[p]] = 1.0
        for j in ahead:
            follow[r, col[(j, p[1])]] = -1.0
    rows = [LinearConstraint(hi, -np.inf, (1 + tol) * state.target - loads),
            LinearConstraint(lo, (1 - tol) * state.target - loads, np.inf),
            LinearConstraint(np.hstack((once, pad)), 0, 1),
            LinearConstraint(worst, -np.inf, 0)]
    if behind:
        rows.append(LinearConstraint(follow, -np.inf, 0))
    if state.max_moves is not None or free:
        left = 0 if free or state.max_moves is None else state.max_moves - state.moves()
        rows.append(LinearConstraint(np.concatenate((step, np.zeros(2 * k + 1)))[None, :],
                                     -np.inf, left))
    big = 1000.0 * (m + 1) / float(state.target.mean())
    # The drive tips the balance among equal move counts: nearer the receiver's home.
    drive = 1e-3 * state.cost_secs[d, i] / max(float(state.cost_secs[d, i].max()), 1e-9)
    cost = np.concatenate((step + drive + 1e-2, np.full(2 * k, big), [k * big]))
    res = milp(cost, constraints=rows,
               integrality=np.concatenate((np.ones(m), np.zeros(2 * k + 1))),
               bounds=Bounds(0, np.concatenate((np.ones(m), np.full(2 * k + 1, np.inf)))),
               options={"node_limit": MILP_NODES})
    if res.x is None:
        return False
    chosen = np.flatnonzero(res.x[:m] > 0.5)
    if not chosen.shape[0]:
        return False
    limit = state.moves() if free or state.max_moves is None else state.max_moves
    return _apply_whole(state, adj, i[chosen], d[chosen], limit)


def _apply_whole(state: RepairState, adj: Adjacency, accounts: np.ndarray,
                 to: np.ndarray, limit: int) -> bool:
    """Make the moves that keep both sides in one piece, in an order that lets most through."""
    lab = state.labels
    cur = state.current if state.current is not None else np.full(lab.shape[0], -1)
    pending = list(zip(accounts.tolist(), to.tolist(), strict=True))
    moved = False
    while pending:
        later = []
        for i, d in pending:
            grows = int(cur[i] == lab[i]) - int(cur[i] == d)
            if state.moves() + grows <= limit and any(lab[j] == d for j in adj.of(i)) \
                    and (lab == lab[i]).sum() > 1 and adj.stays_whole_without(i, lab):
                lab[i] = d
                moved = True
            else:
                later.append((i, d))
        if len(later) == len(pending):
            break
        pending = later
    return moved
