"""The transportation model behind auto-balancing (Hess et al. 1965, as in ArcGIS and eSpatial).

Each free account ``i`` is shared among its candidate territories ``c`` (its nearest ones by
drive time from the territory's centre, plus its current one) with fractions ``x[i, c]``::

    minimise    sum cost[i, c] x[i, c]  +  M * sum(slack)
    subject to  sum_c x[i, c] = 1                                    every free account
                (1 - tol) U T_t <= fixed_t + sum load[i, c] x[i, c] (+/- slack_t)
                                <= (1 + tol) U T_t
                the same band for potential (its own tolerance), when asked
                sum of x on candidates other than the current territory <= max moves
                per territory: accounts taken from it <= max losses

``cost = workload x drive time from the centre`` (+ a penalty for leaving the current
territory) makes territories compact and in one piece in nearly every case; ``T_t`` is the
common-utilisation target ``capacity_t * total / sum(capacity)`` for the loads as first
estimated, and the common level ``U`` (about 1) a variable, since reassigning accounts
changes the total (drive time from a farther home). Slack variables make every
band elastic (a heavy penalty per unit), so an unreachable band still gives the closest
alignment and the caller can say which territory misses it. Solved with scipy's HiGHS dual
simplex; fractional accounts (at most about one per constraint) go to their largest share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TransportProblem:
    """Arrays of one balancing problem; candidates are padded with -1.

    ``cand[i]`` territory indices, ``load[i, c]`` / ``cost[i, c]`` per candidate (hours/week,
    any cost unit); ``fixed_load[t]`` load already fixed in territory ``t``; ``target[t]``
    the band centre; ``potential`` per account (None: not balanced) with ``potential_fixed``
    and ``potential_target``. ``current[i]`` is the account's territory now (-1: none);
    ``max_moves`` caps accounts leaving their current territory, ``max_losses[t]`` per
    territory (negative: no cap).
    """

    cand: np.ndarray
    load: np.ndarray
    cost: np.ndarray
    fixed_load: np.ndarray
    target: np.ndarray
    tolerance: float
    potential: np.ndarray | None = None
    potential_fixed: np.ndarray | None = None
    potential_target: np.ndarray | None = None
    potential_tolerance: float = 0.05
    current: np.ndarray | None = None
    max_moves: int | None = None
    max_losses: np.ndarray | None = None


@dataclass(frozen=True)
class TransportSolution:
    """Chosen candidate territory per account, and the LP's status and slack."""

    territory: np.ndarray
    fractional: int
    status: int
    message: str
    slack: float


def solve_transport(p: TransportProblem) -> TransportSolution:
    """Solve the LP and round each account to its largest share (see the module docstring)."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    n, c = p.cand.shape
    k = p.target.shape[0]
    valid = p.cand >= 0
    rows_i, cols_c = np.nonzero(valid)
    nv = rows_i.shape[0]
    terr = p.cand[rows_i, cols_c]
    var = np.arange(nv)
    scale = float(np.abs(p.cost[valid]).max()) if nv else 1.0
    cost = p.cost[rows_i, cols_c] / (scale or 1.0)
    # One full territory's worth of slack must cost more than any reassignment could save.
    big = 10.0 * max(1.0, n / max(k, 1))

    rows_ub: list[sp.csr_matrix] = []
    b_ub: list[np.ndarray] = []
    u_cols: list[np.ndarray] = []  # per band: its common-level column's entries, row by row

    def band(values: np.ndarray, fixed: np.ndarray, target: np.ndarray, tol: float) -> None:
        # Rows in units of each territory's target, so one penalty fits every territory; the
        # level U (about 1) is a variable: what the loads add up to is only known at the end.
        t = np.where(target > 0, target, 1.0)
        a = sp.csr_matrix((values / t[terr], (terr, var)), shape=(k, nv))
        rows_ub.extend((a, -a))
        b_ub.extend((-fixed / t, fixed / t))
        u_cols.append(np.concatenate((np.full(k, -(1 + tol)), np.full(k, 1 - tol))))

    band(p.load[rows_i, cols_c], p.fixed_load, p.target, p.tolerance)
    if p.potential is not None:
        assert p.potential_fixed is not None and p.potential_target is not None
        band(p.potential[rows_i], p.potential_fixed, p.potential_target,
             p.potential_tolerance)
    n_slack = sum(r.shape[0] for r in rows_ub)  # one elastic slack per band row
    if p.current is not None:
        moving = (p.current[rows_i] >= 0) & (terr != p.current[rows_i])
        if p.max_moves is not None:
            m = int(moving.sum())
            rows_ub.append(sp.csr_matrix((np.ones(m), (np.zeros(m, np.int64), var[moving])),
                                         shape=(1, nv)))
            b_ub.append(np.array([float(p.max_moves)]))
        if p.max_losses is not None and (p.max_losses >= 0).any():
            own_t = p.current[rows_i][moving]
            capped = p.max_losses[own_t] >= 0
            losses = sp.csr_matrix(
                (np.ones(int(capped.sum())), (own_t[capped], var[moving][capped])), shape=(k, nv))
            keep = np.flatnonzero(p.max_losses >= 0)
            rows_ub.append(losses[keep])
            b_ub.append(p.max_losses[keep].astype(float))
    a_var = sp.vstack(rows_ub, format="csr")
    n_rows = a_var.shape[0]
    n_levels = len(u_cols)
    level_rows = np.concatenate([np.arange(2 * k) + 2 * k * j for j in range(n_levels)])
    level_cols = np.repeat(np.arange(n_levels), 2 * k)
    levels = sp.csr_matrix((np.concatenate(u_cols), (level_rows, level_cols)),
                           shape=(n_rows, n_levels))
    slack = sp.vstack([-sp.identity(n_slack), sp.csr_matrix((n_rows - n_slack, n_slack))])
    a_ub = sp.hstack([a_var, levels, slack], format="csr")
    b = np.concatenate(b_ub)
    a_eq = sp.hstack([sp.csr_matrix((np.ones(nv), (rows_i, var)), shape=(n, nv)),
                      sp.csr_matrix((n, n_levels + n_slack))], format="csr")
    objective = np.concatenate([cost, np.zeros(n_levels), np.full(n_slack, big)])
    # x <= 1 is implied by the equalities, but stating it makes HiGHS' dual simplex ~5x faster.
    bounds = np.zeros((nv + n_levels + n_slack, 2))
    bounds[:nv, 1] = 1.0
    bounds[nv:, 1] = np.inf
    # scipy-stubs types ``bounds`` as nested Sequences; linprog takes the (n, 2) array as
    # documented (it calls np.asarray on it), and a list of pairs would cost a copy per variable.
    res = linprog(objective, A_ub=a_ub, b_ub=b, A_eq=a_eq, b_eq=np.ones(n),
                  bounds=bounds, method="highs-ds")  # type: ignore[call-overload]
    if res.x is None:
        # Only the move caps are hard; the caller checks they leave room. Fall back to the
        # cheapest candidate so the repair step still has a start.
        choice = np.argmin(np.where(valid, p.cost, np.inf), axis=1)
        return TransportSolution(p.cand[np.arange(n), choice], 0, int(res.status),
                                 str(res.message), np.inf)
    x = np.zeros((n, c))
    x[rows_i, cols_c] = res.x[:nv]
    choice = np.argmax(x, axis=1)
    fractional = int(((x > 1e-6) & (x < 1 - 1e-6)).any(axis=1).sum())
    return TransportSolution(p.cand[np.arange(n), choice], fractional, int(res.status),
                             str(res.message), float(res.x[nv + n_levels:].sum()))
