"""Boundary repair after the transportation model: one piece per territory, then the band.

Both steps move accounts only across territory borders on the neighbour graph
(:mod:`territory_desktop.model.contiguity`), never move a fixed (locked) account, never exceed the
move caps, and never take an account whose removal would split its territory.

* :func:`make_contiguous` gives every stray piece of a territory (all but its heaviest) to
  the neighbouring territory it shares most borders with.
* :func:`repair_band` repeatedly takes the territory furthest outside its band and makes the
  border move that most reduces ``sum_t max(0, |deviation_t| - tolerance)^2`` (workload, plus
  potential when balanced), the cheaper in drive time first among equals: load flows from
  over-full to under-full territories through their neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from territory_desktop.model.contiguity import Adjacency, components
from territory_desktop.optimize._feedback import Feedback


@dataclass
class RepairState:
    """The alignment being repaired and what a move changes; arrays over all accounts.

    ``labels[i]``: territory ``0..K-1`` of accounts in the problem, -1 for the others (they
    stay where they are and separate territories like any border). The load of account ``i``
    in territory ``t`` is ``base[i] + per_second[i] * secs[t, i]``, plus ``offset[t]`` per
    territory (the exact estimate minus this linear one). ``cost_secs`` and ``weight`` give the
    drive cost of a move, ``current`` the account's territory before balancing (-1: none).
    ``fewer_moves``: among moves that help the band, prefer those that take no account from
    its current owner (the "fewer moves" half of the realignment slider). ``move_price``, on
    the "shorter drives" half: what the model charged per account taken from its current
    owner (in ``weight`` x seconds); the repair then takes the moves that add the least drive
    and move price per unit of band regained.
    """

    labels: np.ndarray
    movable: np.ndarray
    base: np.ndarray
    per_second: np.ndarray
    secs: np.ndarray
    cost_secs: np.ndarray
    weight: np.ndarray
    target: np.ndarray
    tolerance: float
    offset: np.ndarray
    potential: np.ndarray | None = None
    potential_target: np.ndarray | None = None
    potential_tolerance: float = 0.05
    current: np.ndarray | None = None
    max_moves: int | None = None
    max_losses: np.ndarray | None = None
    fewer_moves: bool = False
    move_price: np.ndarray | None = None
    moves_made: int = field(default=0)

    @property
    def k(self) -> int:
        """The number of territories."""
        return int(self.target.shape[0])

    def item_load(self, i: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Return the linear load of accounts ``i`` in territories ``t``."""
        load: np.ndarray = self.base[i] + self.per_second[i] * self.secs[t, i]
        return load

    def loads(self, with_offset: bool = True) -> np.ndarray:
        """Return each territory's load, with the exact-estimate offsets unless told not to."""
        idx = np.flatnonzero(self.labels >= 0)
        lab = self.labels[idx]
        out = np.bincount(lab, self.item_load(idx, lab), minlength=self.k)
        return out + self.offset if with_offset else out

    def potentials(self) -> np.ndarray:
        """Return each territory's summed sales potential."""
        assert self.potential is not None
        idx = np.flatnonzero(self.labels >= 0)
        return np.bincount(self.labels[idx], self.potential[idx], minlength=self.k)

    def moves(self) -> int:
        """Return the number of accounts away from their current territory."""
        if self.current is None:
            return 0
        return int(((self.current >= 0) & (self.labels != self.current)).sum())

    def losses(self) -> np.ndarray:
        """Return, per territory, how many of its current accounts it has lost."""
        if self.current is None:
            return np.zeros(self.k, np.int64)
        lost = (self.current >= 0) & (self.labels != self.current)
        return np.bincount(self.current[lost], minlength=self.k)

    def violation(self) -> np.ndarray:
        """Per territory: how far outside the band(s) it is (0 inside)."""
        dev = self.loads() / self.target - 1
        v: np.ndarray = np.maximum(0.0, np.abs(dev) - self.tolerance)
        if self.potential is not None:
            assert self.potential_target is not None
            pdev = self.potentials() / self.potential_target - 1
            v = v + np.maximum(0.0, np.abs(pdev) - self.potential_tolerance)
        return v

    def budget_allows(self, i: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Per candidate move, whether the move caps still hold after it."""
        ok = np.ones(i.shape[0], bool)
        if self.current is None:
            return ok
        cur = self.current[i]
        before = (cur >= 0) & (src != cur)
        after = (cur >= 0) & (dst != cur)
        if self.max_moves is not None:
            ok &= self.moves() + after.astype(int) - before.astype(int) <= self.max_moves
        if self.max_losses is not None:
            lost = self.losses()
            grows = (cur >= 0) & (src == cur)
            cap = self.max_losses[np.maximum(cur, 0)]
            ok &= ~grows | (cap < 0) | (lost[np.maximum(cur, 0)] + 1 <= cap)
        return ok


def _border_pairs(state: RepairState, adj: Adjacency,
                  t: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (account, neighbouring territory) pairs on a border of territory ``t``, each once.

    Only movable accounts count: its own accounts facing out, and its neighbours' accounts
    facing it. Once, not once per border edge: :func:`_best_move` looks at the best 64, and
    a few accounts counted many times filled them; none was shown to leave without a split and
    the repair gave up with hundreds of good moves left (a 6,000-account plan stayed 10% short).
    """
    lab = state.labels
    a, b = adj.edges_from(np.flatnonzero(lab == t))
    out = (lab[b] != t) & (lab[b] >= 0)
    acc = np.concatenate((a[out], b[out]))
    nb = np.concatenate((lab[b[out]], np.full(int(out.sum()), t)))
    keep = state.movable[acc]
    pair = np.unique(acc[keep] * state.k + nb[keep])
    return pair // state.k, pair % state.k


def make_contiguous(state: RepairState, adj: Adjacency, rounds: int = 10) -> list[int]:
    """Hand every stray piece to a neighbour; returns the territories still in pieces."""
    n = state.labels.shape[0]
    for _ in range(rounds):
        comp = components(n, adj.u, adj.v, state.labels)
        changed = False
        loads = state.item_load(np.arange(n), np.maximum(state.labels, 0))
        for t in range(state.k):
            members = np.flatnonzero(state.labels == t)
            pieces = np.unique(comp[members])
            if pieces.shape[0] <= 1:
                continue
            weight = {int(c): float(loads[members[comp[members] == c]].sum()) for c in pieces}
            main = max(weight, key=lambda c: (weight[c], -c))
            for c in pieces:
                if int(c) != main and _give_away(state, adj, members[comp[members] == c], t):
                    changed = True
        if not changed:
            break
    comp = components(n, adj.u, adj.v, state.labels)
    return [t for t in range(state.k)
            if np.unique(comp[state.labels == t]).shape[0] > 1]


def _give_away(state: RepairState, adj: Adjacency, piece: np.ndarray, t: int) -> bool:
    if not state.movable[piece].all():
        return False
    inside = np.zeros(state.labels.shape[0], bool)
    inside[piece] = True
    touching: dict[int, int] = {}
    for i in piece:
        for j in adj.of(int(i)):
            d = int(state.labels[j])
            if not inside[j] and d >= 0 and d != t:
                touching[d] = touching.get(d, 0) + 1
    for d in sorted(touching, key=lambda d: (-touching[d], d)):
        old = state.labels[piece].copy()
        state.labels[piece] = d
        within_moves = state.max_moves is None or state.moves() <= state.max_moves
        within_losses = state.max_losses is None or not (
            (state.max_losses >= 0) & (state.losses() > state.max_losses)).any()
        if within_moves and within_losses:
            return True
        state.labels[piece] = old
    return False


def repair_band(state: RepairState, adj: Adjacency, fb: Feedback,
                max_iterations: int | None = None) -> int:
    """Border moves until every territory is in its band or no move helps; returns moves."""
    n = state.labels.shape[0]
    limit = max_iterations if max_iterations is not None else 4 * n + 100 * state.k
    loads = state.loads()
    pots = state.potentials() if state.potential is not None else None
    counts = np.bincount(state.labels[state.labels >= 0], minlength=state.k)
    scale = float(np.abs(state.weight[:, None] * state.cost_secs.T).max()) or 1.0
    stuck: set[int] = set()
    done = 0
    for it in range(limit):
        if it % 200 == 0:
            fb.step(it / limit, "repairing territory borders")
        viol = _violation(state, loads, pots)
        order = [t for t in np.argsort(-viol, kind="stable") if viol[t] > 1e-12
                 and int(t) not in stuck]
        if not order:
            break
        worst = int(order[0])
        move = _best_move(state, adj, worst, loads, pots, counts, scale)
        if move is None:
            stuck.add(worst)
            continue
        i, s, d = move
        state.labels[i] = d
        loads[s] -= state.item_load(np.array([i]), np.array([s]))[0]
        loads[d] += state.item_load(np.array([i]), np.array([d]))[0]
        if pots is not None:
            assert state.potential is not None
            pots[s] -= state.potential[i]
            pots[d] += state.potential[i]
        counts[s] -= 1
        counts[d] += 1
        # Only s, d and the territories bordering them can have a new move now (their
        # borders or their neighbours' loads changed); retrying every stuck territory after
        # each move made big instances quadratic.
        if stuck:
            _, around = adj.edges_from(np.flatnonzero((state.labels == s)
                                                      | (state.labels == d)))
            stuck.difference_update((s, d), np.unique(state.labels[around]).tolist())
        done += 1
    return done


def _violation(state: RepairState, loads: np.ndarray, pots: np.ndarray | None) -> np.ndarray:
    v: np.ndarray = np.maximum(0.0, np.abs(loads / state.target - 1) - state.tolerance)
    if pots is not None:
        assert state.potential_target is not None
        v = v + np.maximum(0.0, np.abs(pots / state.potential_target - 1)
                           - state.potential_tolerance)
    return v


def _squared(state: RepairState, t: np.ndarray, load: np.ndarray,
             pot: np.ndarray | None) -> np.ndarray:
    out: np.ndarray = np.maximum(0.0, np.abs(load / state.target[t] - 1) - state.tolerance) ** 2
    if pot is not None:
        assert state.potential_target is not None
        out += np.maximum(0.0, np.abs(pot / state.potential_target[t] - 1)
                          - state.potential_tolerance) ** 2
    return out


def _best_move(state: RepairState, adj: Adjacency, t: int, loads: np.ndarray,
               pots: np.ndarray | None, counts: np.ndarray,
               scale: float) -> tuple[int, int, int] | None:
    """Return the best border move into or out of territory ``t`` that keeps everything whole."""
    i, d = _border_pairs(state, adj, t)
    s = state.labels[i]
    keep = (counts[s] > 1) & state.budget_allows(i, s, d)
    i, s, d = i[keep], s[keep], d[keep]
    if not i.shape[0]:
        return None
    a_s = state.item_load(i, s)
    a_d = state.item_load(i, d)
    p = state.potential[i] if state.potential is not None else None
    ps = pots[s] if pots is not None else None
    pd = pots[d] if pots is not None else None
    before = _squared(state, s, loads[s], ps) + _squared(state, d, loads[d], pd)
    after = (_squared(state, s, loads[s] - a_s, None if p is None else ps - p)
             + _squared(state, d, loads[d] + a_d, None if p is None else pd + p))
    gain = after - before
    dcost = state.weight[i] * (state.cost_secs[d, i] - state.cost_secs[s, i])
    if state.move_price is not None and state.current is not None:
        cur = state.current[i]
        dcost = dcost + state.move_price[i] * (((cur >= 0) & (d != cur)).astype(int)
                                               - ((cur >= 0) & (s != cur)))
    dcost = dcost / scale
    good = gain < -1e-12
    if not good.any():
        return None
    i, s, d, gain, dcost = i[good], s[good], d[good], gain[good], dcost[good]
    # On the "shorter drives" half of the slider, the least drive (and move price) added per
    # unit of band regained; the biggest gain first undid what the model had saved there, and
    # its end drove longer than the middle. Otherwise the biggest gain first.
    keys = [i, dcost, np.round(gain, 12)] if state.move_price is None else \
        [i, np.round(gain, 12), np.round(dcost / -gain, 9)]
    if state.fewer_moves and state.current is not None:
        cur = state.current[i]
        keys.append(((cur >= 0) & (d != cur)).astype(int) - ((cur >= 0) & (s != cur)))
    order = np.lexsort(keys)
    # Most accounts on a border can leave without splitting their territory, and a local
    # look proves it; only when none of the best moves can is the full search worth it.
    for k in order[:64]:
        if adj.surely_whole_without(int(i[k]), state.labels):
            return int(i[k]), int(s[k]), int(d[k])
    for k in order[:8]:
        # Bounded: a move that would cut the territory in two is refused only after the
        # search has seen one whole side, which on big territories is most of the time.
        if adj.stays_whole_without(int(i[k]), state.labels, limit=256):
            return int(i[k]), int(s[k]), int(d[k])
    # When each of the best would cut its territory (accounts holding others onto it), a
    # helpful move that keeps it whole may rank lower: look further before giving up, with
    # the cheap local proof only and at most about a thousand, the cost of the searches above.
    for k in order[64:1024]:
        if adj.surely_whole_without(int(i[k]), state.labels):
            return int(i[k]), int(s[k]), int(d[k])
    return None
