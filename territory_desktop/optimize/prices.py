"""The transportation model solved by prices: fast enough for 50,000 accounts x 100 reps.

The linear program of :mod:`~territory_desktop.optimize.transport` grows with accounts x
candidates and HiGHS took minutes at 50,000 x 100. Its Lagrangian dual needs one number per
territory: a **price** ``p_t`` on its load. Given the prices, each account simply goes to the
candidate with the least ``cost[i, c] + p_t * load[i, c] / target_t``; an over-full territory
raises its price until its border accounts prefer a neighbour, an under-full one lowers it
(subgradient steps, each territory's step halved whenever its deviation changes sign, so the
prices settle). Each round is a few vectorised passes over the candidate table.

The assignment with the least total band violation is kept; at the optimum it is the LP's
rounded solution up to the accounts the LP would split, which the border repair then places.
Because every account picks its cheapest territory at common prices, territories stay
weighted Voronoi regions of drive time: compact and, in nearly every case, in one piece.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from territory_desktop.optimize.transport import TransportProblem, TransportSolution

#: Rounds of price updates at most; a 50,000 x 100 problem settles in a few hundred.
MAX_ROUNDS = 600


def solve_prices(p: TransportProblem, prices: np.ndarray | None = None,
                 rounds: int = MAX_ROUNDS, on_round: Callable[[float], None] | None = None,
                 ) -> tuple[TransportSolution, np.ndarray]:
    """Assign each account by territory prices (see the module docstring).

    Only the workload and potential bands are honoured (move caps need the LP). ``prices``
    warm-starts from an earlier solve. ``on_round(fraction)`` is called every few rounds
    (progress; it may raise to cancel). Returns the solution and the final prices.
    """
    n, c = p.cand.shape
    k = p.target.shape[0]
    valid = p.cand >= 0
    cand = np.maximum(p.cand, 0)
    target = np.where(p.target > 0, p.target, 1.0)
    share = np.where(valid, p.load / target[cand], 0.0)
    cost = np.where(valid, p.cost, np.inf)
    pot = p.potential
    if pot is not None:
        assert p.potential_fixed is not None and p.potential_target is not None
        ptarget = np.where(p.potential_target > 0, p.potential_target, 1.0)
        pshare = pot[:, None] / ptarget[cand]
    # One step moves a territory's price by about the drive cost that separates an account's
    # best and second-best territory: the size of a trade at the border.
    finite = np.sort(cost, axis=1)
    gap = finite[:, 1] - finite[:, 0] if c > 1 else np.ones(n)
    gap = gap[np.isfinite(gap)]
    scale = float(np.median(gap)) if gap.shape[0] else 1.0
    scale = max(scale, 1e-9) * max(1.0, n / k) / 4
    price = np.zeros(k) if prices is None else prices.copy()
    pprice = np.zeros(k)
    step = np.full(k, 2 * scale)  # halved at once: no deviation yet to compare with
    pstep = np.full(k, 2 * scale)
    last = np.zeros(k)
    plast = np.zeros(k)
    rows = np.arange(n)
    best: tuple[float, np.ndarray] | None = None
    for r in range(rounds):
        if on_round is not None and r % 20 == 0:
            on_round(r / rounds)
        total = cost + price[cand] * share
        if pot is not None:
            total = total + pprice[cand] * pshare
        choice = np.argmin(total, axis=1)
        terr = cand[rows, choice]
        load = p.fixed_load + np.bincount(terr, p.load[rows, choice], minlength=k)
        level = load.sum() / target.sum()  # the common utilisation, as the LP's U
        dev = load / (level * target) - 1
        excess = np.maximum(np.abs(dev) - p.tolerance, 0.0)
        if pot is not None:
            assert p.potential_fixed is not None and p.potential_target is not None
            pload = p.potential_fixed + np.bincount(terr, pot, minlength=k)
            pdev = pload / (pload.sum() / ptarget.sum() * ptarget) - 1
            excess = excess + np.maximum(np.abs(pdev) - p.potential_tolerance, 0.0)
        score = float(excess.sum()) + 1e-6 * float(np.abs(dev).sum())
        if best is None or score < best[0]:
            best = (score, terr)
        if not excess.any():
            break
        step = np.where(np.sign(dev) != np.sign(last), step * 0.5, step * 1.1)
        price = price + step * dev
        last = dev
        if pot is not None:
            pstep = np.where(np.sign(pdev) != np.sign(plast), pstep * 0.5, pstep * 1.1)
            pprice = pprice + pstep * pdev
            plast = pdev
    assert best is not None
    return TransportSolution(best[1], 0, 0, "", best[0]), price
