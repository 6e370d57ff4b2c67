"""Auto-balance and realign a plan's territories (Qt-free, seeded, progress and cancel).

:func:`balance_plan` shares the accounts of the balanced territories among their reps so
that workload (visits + driving, hours per week) and optionally potential lie within a band
around a common utilisation target, territories stay compact in drive time and in one piece,
and locks hold. Steps: set-up (who is balanced, what is fixed), the transportation model
(:mod:`~territory_desktop.optimize.transport`; above :data:`PRICE_MIN_ACCOUNTS` movable
accounts without move caps, solved by territory prices, :mod:`~territory_desktop.optimize.prices`),
then boundary repair
(:mod:`~territory_desktop.optimize.repair`) re-checked on the exact workload estimate. Under
a move budget with a vacated territory, still outside the band after all that: a tabu search
on the exact estimate (:mod:`~territory_desktop.optimize.band_search`), kept when nearer.

Which territories take part: every unlocked territory with an outline whose rep is in the
team (``BalanceParams.reps``; default every rep owning such a territory). A team rep without
one gets a new territory around their home. Territories of reps outside the team become
**vacant**: their accounts are shared out (a rep leaving). Locked territories, overlay-only
territories and their accounts never change. Fixed in place: locked accounts and accounts an
overlay rule (named account, segment rule) sends to a balanced territory.

Realignment: ``max_moves`` caps accounts taken from their current balanced territory (the
accounts of vacant territories must move and are not counted), ``max_losses_per_rep`` caps
what each rep loses, and ``shorter_drives`` sets the move penalty, from 0 (fewer moves: each
move costs up to 100x a typical account's drive cost, more for light accounts, so the
load is shifted with few heavy ones) to 1 (no penalty: shortest drives).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from territory_desktop.model.balance_metrics import (
    BalanceMetrics,
    balance_metrics,
    band_text,
    miss_text,
)
from territory_desktop.model.drive_estimate import HOME_COEF, NEIGHBOUR_COEF, DriveTimes
from territory_desktop.model.plan import Plan, Territory
from territory_desktop.model.territory_load import (
    TerritoryLoad,
    label_workload,
    territory_loads,
)
from territory_desktop.optimize._feedback import Feedback, Progress, Stop
from territory_desktop.optimize.balance_setup import (
    BalanceError,
    BalanceParams,
    BalanceSetup,
    accounts_that_must_move,
    set_up,
)

# At module level, not where used: a worker thread must not import a module first
# (qt/worker.py WORKER_MODULES preloads this one, and so this import).
from territory_desktop.optimize.prices import solve_prices
from territory_desktop.optimize.vacancy import bordering_only, fill_vacancy

if TYPE_CHECKING:
    from territory_desktop.model.contiguity import Adjacency
    from territory_desktop.optimize.repair import RepairState
    from territory_desktop.routing import RoadNetwork

__all__ = [
    "BalanceError",
    "BalanceParams",
    "BalanceResult",
    "Move",
    "accounts_that_must_move",
    "balance_plan",
]

# Under a move budget a second way (a move penalty instead of the cap, at these slider
# positions) is tried up to this many movable accounts: a realignment of a few thousand
# accounts solves in about a second.
SECOND_TRY_MAX_ACCOUNTS = 5_000
SECOND_TRY_SLIDER = (0.0, 0.05, 0.1)
# Above this many movable accounts the model is solved by territory prices
# (:mod:`~territory_desktop.optimize.prices`) instead of the LP when no move cap asks for the
# LP: HiGHS took 12 s of CPU at 20,000 x 50 and did not finish 50,000 x 100 in minutes; at
# 5,000 x 20 prices took 0.3-0.9 s of CPU against the LP's 1.6-1.9 s, both in the band and
# unsplit (benchmarks/balance.py). Small plans keep the LP, whose rounding is finer.
PRICE_MIN_ACCOUNTS = 2_000
# Rounds of (contiguity, exact workload, border repair). The repair works on linear loads and
# the exact estimate then drifts (a territory's trips from home are shared by its visits), less
# each round; the repair aims at this share of the tolerance so the drift stays in the band.
REPAIR_ROUNDS = 8
REPAIR_MARGIN = 0.8


@dataclass(frozen=True)
class Move:
    """An account that changes owner."""

    account_id: str
    name: str
    from_territory: str | None
    to_territory: str
    from_rep: str | None
    to_rep: str | None


@dataclass(frozen=True)
class BalanceResult:
    """The new alignment, its figures, and what the user should know about it."""

    territory_of: dict[str, str | None]
    territories: dict[str, Territory]
    balanced: tuple[str, ...]
    vacated: tuple[str, ...]
    loads: tuple[TerritoryLoad, ...]
    metrics: BalanceMetrics
    moves: tuple[Move, ...]
    in_band: bool
    warnings: tuple[str, ...]
    unreachable: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def load(self, territory_id: str) -> TerritoryLoad:
        """Return the load of territory ``territory_id``."""
        return next(t for t in self.loads if t.territory_id == territory_id)


def balance_plan(plan: Plan, times: DriveTimes, params: BalanceParams | None = None,
                 territory_of: Mapping[str, str | None] | None = None,
                 network: RoadNetwork | None = None, progress: Progress | None = None,
                 should_stop: Stop | None = None) -> BalanceResult:
    """Balance ``plan``'s territories.

    ``times`` comes from :func:`territory_desktop.optimize.drive_times.drive_times` (rep homes
    as centres).

    ``territory_of`` is the current alignment (default :func:`assign_accounts`). Raises
    :class:`BalanceError` for input that cannot be balanced and
    :class:`~territory_desktop.cancel.Cancelled` when ``should_stop()`` returns True.
    Deterministic for ``params.seed``.
    """
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.model.contiguity import neighbour_graph

    started = time.perf_counter()
    params = params or BalanceParams()
    fb = Feedback(progress, should_stop)
    fb.step(0.0, "preparing the balance")
    assignment = assign_accounts(plan)
    if territory_of is None:
        territory_of = assignment.territory_of
    setup = set_up(plan, territory_of, assignment.reason, params)
    n_rep_missing = [c for c in setup.centres if c not in times.centre_ids]
    if n_rep_missing:
        raise BalanceError(f"no drive times from the home of rep {n_rep_missing[0]}; "
                           "recompute drive times after adding reps")
    table = setup.table
    k = len(setup.tids)
    rows = np.array([times.centre(c) for c in setup.centres])
    secs = times.centre_seconds[rows]
    from territory_desktop.model.drive_estimate import straight_seconds

    straight = straight_seconds(times.centre_lat[rows, None], times.centre_lon[rows, None],
                                table.lat[None, :], table.lon[None, :])
    cost_secs = np.where(np.isfinite(secs), secs, straight)
    reach = times.reachable & np.isfinite(secs).all(axis=0)
    secs = np.where(np.isfinite(secs), secs, 0.0)
    base, per_second = _linear_load(setup, times, reach, k)
    fb.step(0.1, "solving the transportation model")
    u, v = neighbour_graph(table.lat, table.lon)
    linear = (base, per_second, secs, cost_secs)
    state, split, lp_note = _align(setup, params, linear, (u, v), times, fb)
    # The budget as a constraint of the fractional model is spent again by rounding and
    # mending, and the band is missed; a strong penalty per move instead often stays within
    # the budget and reaches the band. A few strengths are tried (small problems); one is
    # kept only if it stays within the budget and does better.
    for strength in SECOND_TRY_SLIDER:
        if (params.max_moves is None or not (split or state.violation().any())
                or int(setup.movable.sum()) > SECOND_TRY_MAX_ACCOUNTS):
            break
        free = replace(params, max_moves=None, shorter_drives=strength)
        alt, alt_split, alt_note = _align(setup, free, linear, (u, v), times,
                                          Feedback(None, should_stop))
        if (alt.moves() <= params.max_moves - setup.forced
                and (bool(alt_split), float(alt.violation().sum()))
                < (bool(split), float(state.violation().sum()))):
            alt.max_moves, alt.max_losses = state.max_moves, state.max_losses
            state, split, lp_note = alt, alt_split, alt_note
    # Around a vacated territory under a budget: one MILP (benchmarks/realign.py), kept
    # only if within the budget and better.
    if params.max_moves is not None and setup.vacated and (split or state.violation().any()):
        filled = _fill_vacancy(setup, params, linear, (u, v), times, fb.sub(0.9, 0.95))
        if filled is not None and filled[0].moves() <= params.max_moves - setup.forced \
                and (bool(filled[1]), float(filled[0].violation().sum())) \
                < (bool(split), float(state.violation().sum())):
            state, split = filled
    if params.max_moves is not None and setup.vacated and not split \
            and state.violation().any():
        from territory_desktop.optimize.band_search import search_within_budget

        fb.step(0.95, "searching nearer the band")
        state = search_within_budget(state, (u, v), table, times, setup.centres, setup.capacity,
                                     len(setup.plan.settings.working_weekdays)) or state
    if lp_note:
        setup.warnings.append(lp_note)
    fb.step(0.95, "measuring the result")
    return _result(setup, params, times, state, split, (u, v), started)


def _align(setup: BalanceSetup, params: BalanceParams,
           linear: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
           graph: tuple[np.ndarray, np.ndarray], times: DriveTimes,
           fb: Feedback) -> tuple[RepairState, list[int], str]:
    """Solve the model (linear loads, then with the exact estimate's offsets) and repair."""
    from territory_desktop.model.contiguity import Adjacency

    base, per_second, secs, cost_secs = linear
    u, v = graph
    state, lp_note = _solve_lp(setup, params, base, per_second, secs, cost_secs, (u, v),
                               fb=fb.sub(0.1, 0.3))
    working_days = len(setup.plan.settings.working_weekdays)
    # The model's loads are linear; the estimate is not (neighbours, days out). Solve again
    # with each territory's difference as a fixed load, so the repair has little left to do.
    _calibrate(state, setup, times, working_days)
    fb.step(0.3, "solving the transportation model with the exact workloads")
    state, lp_note = _solve_lp(setup, params, base, per_second, secs, cost_secs, (u, v),
                               state.offset, fb.sub(0.3, 0.5))
    adj = Adjacency(len(setup.table), u, v)
    fb.step(0.5, "repairing borders")
    return state, _mend(state, setup, params, adj, times, fb), lp_note


def _mend(state: RepairState, setup: BalanceSetup, params: BalanceParams, adj: Adjacency,
          times: DriveTimes, fb: Feedback) -> list[int]:
    """Make territories whole, re-read the estimate, repair borders; return split ones."""
    from territory_desktop.optimize.repair import make_contiguous, repair_band

    working_days = len(setup.plan.settings.working_weekdays)
    split: list[int] = []
    for round_no in range(REPAIR_ROUNDS):
        split = make_contiguous(state, adj)
        _calibrate(state, setup, times, working_days)
        if not state.violation().any() or round_no == REPAIR_ROUNDS - 1:
            break
        if params.max_moves is None:  # under a budget every move counts: aim at the band
            state.tolerance = params.tolerance * REPAIR_MARGIN
        repair_band(state, adj, fb.sub(0.5 + 0.4 * round_no / REPAIR_ROUNDS,
                                       0.5 + 0.4 * (round_no + 1) / REPAIR_ROUNDS))
        state.tolerance = params.tolerance
    return split


def _fill_vacancy(setup: BalanceSetup, params: BalanceParams,
                  linear: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                  graph: tuple[np.ndarray, np.ndarray], times: DriveTimes,
                  fb: Feedback) -> tuple[RepairState, list[int]] | None:
    """Realign around the vacated territories by one MILP (:mod:`.vacancy`)."""
    from territory_desktop.model.contiguity import Adjacency

    base, per_second, secs, cost_secs = linear
    hole = np.flatnonzero(setup.in_problem & (setup.current < 0))
    owned = np.bincount(setup.current[setup.current >= 0], minlength=len(setup.tids))
    if not hole.shape[0] or not owned.all():  # a new territory has no border to grow from
        return None
    state, _ = _solve_lp(setup, params, base, per_second, secs, cost_secs, graph,
                         fb=Feedback(None, fb.should_stop))
    state.labels = np.where(setup.in_problem, setup.current, -1)
    adj = Adjacency(len(setup.table), *graph)
    days = len(setup.plan.settings.working_weekdays)
    from territory_desktop.optimize.band_search import labels_search

    fill_vacancy(state, adj, hole, setup.capacity, setup.table.visits_per_week,
                 lambda labels: label_workload(setup.table, times, labels, setup.centres,
                                               days).workload,
                 params.tolerance, fb.sub(0.0, 0.8),
                 labels_search(state, graph, setup.table, times, setup.centres, setup.capacity,
                               days))
    return state, _mend(state, setup, params, adj, times, fb.sub(0.8, 1.0))


def _linear_load(setup: BalanceSetup, times: DriveTimes, reach: np.ndarray,
                 k: int) -> tuple[np.ndarray, np.ndarray]:
    """Linearise each account's load as base + per_second * home seconds.

    This is the workload estimate with each territory's visits at their average and every
    neighbour counted.
    """
    from territory_desktop.model.drive_estimate import NEIGHBOURS_K

    t = setup.table
    pool = np.where(times.reachable[times.pool_index], times.pool_seconds, np.inf)
    kk = min(NEIGHBOURS_K, pool.shape[1]) if pool.ndim == 2 else 0
    near = np.zeros(len(t))
    if kk:
        nearest = np.sort(pool, axis=1)[:, :kk]
        finite = np.isfinite(nearest)
        near = np.where(finite, nearest, 0).sum(1) / np.maximum(finite.sum(1), 1)
    v = t.visits_per_week
    mean_visits = float(v[setup.in_problem].sum()) / k
    days = min(float(len(setup.plan.settings.working_weekdays)), mean_visits)
    base = t.visit_hours + np.where(reach, NEIGHBOUR_COEF * v * near / 3600.0, 0.0)
    per_second = np.where(reach, HOME_COEF * 2 * days * v / max(mean_visits, 1e-9) / 3600.0,
                          0.0)
    return base, per_second


def _solve_lp(setup: BalanceSetup, params: BalanceParams, base: np.ndarray, per_second: np.ndarray,
              secs: np.ndarray, cost_secs: np.ndarray, graph: tuple[np.ndarray, np.ndarray],
              offset: np.ndarray | None = None,
              fb: Feedback | None = None) -> tuple[RepairState, str]:
    from territory_desktop.optimize.repair import RepairState
    from territory_desktop.optimize.transport import TransportProblem, solve_transport

    t = setup.table
    k = len(setup.tids)
    free = np.flatnonzero(setup.movable)
    fixed = np.flatnonzero(setup.in_problem & ~setup.movable)
    c = min(params.candidates, k)
    by_prices = params.solver == "prices" or (
        params.solver == "auto" and params.max_moves is None
        and params.max_losses_per_rep is None and free.shape[0] > PRICE_MIN_ACCOUNTS)
    near = np.argsort(cost_secs[:, free], axis=0, kind="stable")[:c].T
    bordering_only(setup.in_problem & (setup.current < 0), setup.current, near, free,
                   cost_secs, graph)
    cur = setup.current[free]
    has_cur = (cur >= 0) & ~(near == cur[:, None]).any(axis=1)
    cand = np.concatenate((near, np.where(has_cur, cur, -1)[:, None]), axis=1)
    ci = np.maximum(cand, 0)
    load = base[free, None] + per_second[free, None] * secs[ci, free[:, None]]
    weight = t.visit_hours
    # Priced, an account's choice is cost + price x load: with cost = load x drive, all the
    # accounts along a border weigh the same drive difference against the same price
    # difference and the border stays a line; weighted by visit hours, accounts with more
    # driving of their own crossed it and territories came out in pieces.
    cost = (load if by_prices else weight[free, None]) * cost_secs[ci, free[:, None]]
    move_price = np.zeros(len(t))
    if params.shorter_drives < 1:
        strength = min(100.0, (1 - params.shorter_drives) / max(params.shorter_drives, 0.01))
        reference = float(np.median(cost_secs[setup.current[setup.current >= 0],
                                              np.flatnonzero(setup.current >= 0)])) \
            if (setup.current >= 0).any() else 0.0
        leaving = (cur[:, None] >= 0) & (cand != cur[:, None])
        # Per account moved, dearer for light ones: a load is shifted with the fewest
        # accounts by moving heavy ones, and a move budget counts accounts.
        mean = float(weight[free].mean()) if free.shape[0] else 0.0
        per_move = mean * mean / np.maximum(weight[free, None], 1e-9)
        cost = cost + leaving * strength * per_move * reference
        move_price[free] = strength * per_move[:, 0] * reference
    rng = np.random.default_rng(params.seed)
    cost = cost * (1 + 1e-7 * rng.random(cost.shape))  # the seed picks among equal optima
    fixed_load = np.bincount(setup.current[fixed], base[fixed] + per_second[fixed]
                             * secs[setup.current[fixed], fixed], minlength=k)
    offset = np.zeros(k) if offset is None else offset
    fixed_load = fixed_load + offset
    total = fixed_load.sum() + (load[:, 0]).sum()
    target = setup.capacity * total / setup.capacity.sum()
    pot = "potential" in params.criteria
    ptol = params.potential_tolerance if params.potential_tolerance is not None \
        else params.tolerance
    pfixed = np.bincount(setup.current[fixed], t.potential[fixed], minlength=k)
    ptarget = setup.capacity * t.potential[setup.in_problem].sum() / setup.capacity.sum()
    if pot and not (ptarget > 0).all():
        raise BalanceError("no account has a potential: balance on workload only")
    max_moves = None
    if params.max_moves is not None:
        # Accounts of vacant territories (and unassigned ones) must move: they use budget.
        max_moves = params.max_moves - setup.forced
        if max_moves < 0:
            raise BalanceError(f"the move budget of {params.max_moves} is smaller than the "
                               f"{setup.forced} accounts that must move (their territory is "
                               "vacant or they have none)")
    losses = None
    if params.max_losses_per_rep is not None:
        losses = np.full(k, params.max_losses_per_rep, np.int64)
    _warn_granularity(setup, load[:, 0], free, target, params.tolerance)
    problem = TransportProblem(
        cand, np.where(cand >= 0, load, 0.0), np.where(cand >= 0, cost, 0.0), fixed_load,
        target, params.tolerance * 0.8, t.potential[free] if pot else None,
        pfixed if pot else None, ptarget if pot else None, ptol * 0.8, cur, max_moves, losses)
    if by_prices:
        step = (fb or Feedback()).step
        solution, setup.prices = solve_prices(
            problem, setup.prices, on_round=lambda f: step(f, "balancing territory prices"))
    else:
        solution = solve_transport(problem)
    labels = setup.labels.copy()
    labels[labels == -2] = -1
    labels[free] = solution.territory
    state = RepairState(labels, setup.movable.copy(), base, per_second, secs, cost_secs,
                        weight, target, params.tolerance, offset.copy(),
                        t.potential if pot else None, ptarget if pot else None, ptol,
                        setup.current.copy(), max_moves, losses,
                        fewer_moves=params.shorter_drives < 0.5,
                        move_price=move_price if params.shorter_drives > 0.5 else None)
    note = "" if solution.status == 0 else f"the transportation model stopped early " \
        f"({solution.message}); the border repair started from the nearest reps"
    return state, note


def _warn_granularity(setup: BalanceSetup, load: np.ndarray, free: np.ndarray, target: np.ndarray,
                      tol: float) -> None:
    if not free.shape[0]:
        return
    heaviest = int(np.argmax(load))
    t = int(np.argmin(target))
    width = 2 * tol * target[t]
    if load[heaviest] > width:
        name = setup.plan.territories[setup.tids[t]].name
        setup.warnings.append(
            f"the tolerance of +/-{tol:.1%} is tighter than one account allows: account "
            f"{setup.table.ids[free[heaviest]]} alone is {load[heaviest]:.2f} h/week, more "
            f"than the {width:.2f} h/week band of {name}")


def _calibrate(state: RepairState, setup: BalanceSetup, times: DriveTimes,
               working_days: int) -> None:
    """Replace the linear loads by the exact estimate and re-aim the targets at its total.

    The difference is kept as per-territory offsets.
    """
    exact = label_workload(setup.table, times, state.labels, setup.centres, working_days)
    state.offset = exact.workload - state.loads(with_offset=False)
    state.target = setup.capacity * exact.workload.sum() / setup.capacity.sum()


def _result(setup: BalanceSetup, params: BalanceParams, times: DriveTimes, state: RepairState,
            split: list[int], graph: tuple[np.ndarray, np.ndarray],
            started: float) -> BalanceResult:
    plan = setup.plan
    territory_of: dict[str, str | None] = {}
    for i, aid in enumerate(setup.table.ids):
        if setup.in_problem[i]:
            territory_of[aid] = setup.tids[state.labels[i]]
    from territory_desktop.geo.assignment import assign_accounts

    before = assign_accounts(plan).territory_of
    for aid in setup.table.ids:
        territory_of.setdefault(aid, before.get(aid))
    loads = territory_loads(plan, territory_of, times, table=setup.table, graph=graph)
    balanced = [row for row in loads if row.territory_id in setup.tids]
    metrics = balance_metrics(balanced)  # both criteria, whichever are balanced: one index
    warnings = list(dict.fromkeys(setup.warnings))  # each model pass may warn alike
    in_band = True
    for c in params.criteria:
        tol = params.tolerance if c == "workload" else (params.potential_tolerance
                                                        or params.tolerance)
        for pos in metrics.criteria[c].outside(tol):
            in_band = False
            row = balanced[pos]
            dev = metrics.criteria[c].deviations[pos]
            rep = plan.reps.get(row.rep_id or "")
            band = band_text(tol)
            warnings.append(f"territory {row.name} ({rep.name if rep else row.rep_id}) "
                            f"cannot reach the {c} band (±{band}): "
                            f"{miss_text(dev, tol)} its target"
                            f"{_why(setup, state, pos)}")
    for t in split:
        warnings.append(f"territory {plan.territories[setup.tids[t]].name} stays in "
                        "pieces: locked accounts or the move budget hold it apart")
    if times.unreachable:
        ids = sorted(times.unreachable)
        warnings.append(f"{len(ids)} accounts the road network cannot reach have no drive "
                        f"time: {', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''}")
    reps = {t.id: t.rep_id for t in plan.territories.values()}
    moves = []
    for aid in setup.table.ids:
        old, new = before.get(aid), territory_of.get(aid)
        if new is not None and old != new and reps.get(old or "") != reps.get(new):
            moves.append(Move(aid, plan.accounts[aid].name, old, new, reps.get(old or ""),
                              reps.get(new)))
    return BalanceResult(territory_of, dict(plan.territories), tuple(setup.tids),
                         tuple(setup.vacated), tuple(loads), metrics, tuple(moves), in_band,
                         tuple(warnings), dict(times.unreachable),
                         time.perf_counter() - started)


def _why(setup: BalanceSetup, state: RepairState, t: int) -> str:
    fixed = (state.labels == t) & ~state.movable
    if fixed.any():
        share = state.item_load(np.flatnonzero(fixed), np.full(int(fixed.sum()), t)).sum()
        if share > state.target[t] * (1 + state.tolerance):
            return (f" (its locked and pinned accounts alone need {share:.1f} h/week, above "
                    f"the band's top of {state.target[t] * (1 + state.tolerance):.1f})")
    if state.max_moves is not None and state.moves() >= state.max_moves:
        return " (the move budget is used up)"
    return (" (no move of a border account brings it nearer and keeps every territory in one "
            "piece: a wider band, another rep or a hand edit may)")
