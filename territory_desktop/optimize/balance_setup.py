"""Who a balance moves: the team, the vacated territories and the accounts that must move.

The set-up step of :func:`~territory_desktop.optimize.balance.balance_plan`, with its
parameters and error; :func:`accounts_that_must_move` is also the Realign dialog's count of
what the move budget must allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from territory_desktop.model.plan import Plan, Territory, next_color
from territory_desktop.model.territory_load import AccountTable

__all__ = [
    "BalanceError",
    "BalanceParams",
    "BalanceSetup",
    "accounts_that_must_move",
    "set_up",
]


class BalanceError(ValueError):
    """Input no balancing can work with; the message says what to change."""


@dataclass(frozen=True)
class BalanceParams:
    """What to balance and how (see :mod:`~territory_desktop.optimize.balance`)."""

    tolerance: float = 0.05
    criteria: tuple[str, ...] = ("workload",)
    potential_tolerance: float | None = None  # None: the same as ``tolerance``
    reps: tuple[str, ...] | None = None
    locked_accounts: frozenset[str] = frozenset()
    max_moves: int | None = None
    max_losses_per_rep: int | None = None
    shorter_drives: float = 0.5
    candidates: int = 10
    seed: int = 0
    solver: str = "auto"  # "lp", "prices" (fast, no move caps) or "auto" (by size)

    def __post_init__(self) -> None:
        """Reject parameters no balancing can honour, naming the one to change."""
        if not 0 < self.tolerance < 1:
            raise BalanceError(f"tolerance must be between 0 and 1 (e.g. 0.05 for +/-5%), "
                               f"not {self.tolerance:g}")
        if self.potential_tolerance is not None and not 0 < self.potential_tolerance < 1:
            raise BalanceError(f"potential tolerance must be between 0 and 1, not "
                               f"{self.potential_tolerance:g}")
        bad = [c for c in self.criteria if c not in ("workload", "potential")]
        if bad or not self.criteria:
            raise BalanceError("criteria are workload and/or potential")
        if not 0 <= self.shorter_drives <= 1:
            raise BalanceError("shorter_drives runs from 0 (fewer moves) to 1 (shorter drives)")
        if self.solver not in ("auto", "lp", "prices"):
            raise BalanceError("the solver is auto, lp or prices")
        if self.solver == "prices" and (self.max_moves is not None
                                        or self.max_losses_per_rep is not None):
            raise BalanceError("move caps need the lp solver (or auto)")
        if self.max_moves is not None and self.max_moves < 0:
            raise BalanceError("the move budget cannot be negative")


@dataclass
class BalanceSetup:
    """Who is balanced, what may move and what must: the problem a balance solves."""

    plan: Plan
    table: AccountTable
    tids: list[str]  # balanced territories, index = label
    centres: list[str]  # centre id per balanced territory (its rep)
    capacity: np.ndarray
    labels: np.ndarray  # current label of problem accounts, -1 otherwise
    in_problem: np.ndarray
    movable: np.ndarray
    current: np.ndarray
    vacated: list[str]
    forced: int  # accounts of vacant territories or with no territory: they must move
    warnings: list[str]
    prices: np.ndarray | None = None  # the last price solve's, to warm-start the next


def _team(plan: Plan, params: BalanceParams) -> tuple[list[Territory], list[str]]:
    """Return the unlocked territories on the map and the team (BalanceError: why not)."""
    unknown = [r for r in params.reps or () if r not in plan.reps]
    if unknown:
        raise BalanceError(f"unknown rep {unknown[0]!r} in the team")
    ghost = sorted(a for a in params.locked_accounts if a not in plan.accounts)
    if ghost:
        raise BalanceError(f"locked account {ghost[0]!r} is not in the plan")
    mapped = [t for t in plan.territories.values() if t.geometry is not None and not t.locked]
    team = list(params.reps) if params.reps is not None else list(dict.fromkeys(
        t.rep_id for t in mapped if t.rep_id is not None and t.rep_id in plan.reps))
    for t in plan.territories.values():
        if t.locked and t.rep_id in plan.reps and params.reps is not None \
                and t.rep_id not in team:
            raise BalanceError(f"territory {t.name} is locked to rep {t.rep_id}, who is not "
                               "in the team: unlock it or keep the rep")
    return mapped, team


def accounts_that_must_move(plan: Plan, territory_of: Mapping[str, str | None],
                            reason: Mapping[str, str], params: BalanceParams) -> list[str]:
    """Return the accounts a balance by ``params`` must move: they use the move budget first.

    They have no territory, or theirs is an unlocked territory on the map whose rep is not in
    the team (it is vacated). ``territory_of`` and ``reason`` are the current alignment's
    (:class:`~territory_desktop.geo.assignment.Assignment`). Raises :class:`BalanceError` when
    one of them is locked or pinned by an overlay rule, or a locked territory's rep is not in
    the team.
    """
    mapped, team = _team(plan, params)
    vacated = {t.id for t in mapped if t.rep_id not in team}
    must = []
    for aid in plan.accounts:
        tid = territory_of.get(aid)
        if tid is not None and tid not in vacated:
            continue
        where = "has no territory" if tid is None else f"is in {plan.territories[tid].name}, " \
            "whose rep is leaving the team"
        if aid in params.locked_accounts:
            raise BalanceError(f"account {aid} is locked but {where}: unlock it or assign it "
                               "first")
        if reason.get(aid, "").startswith("rule"):
            raise BalanceError(f"account {aid} is pinned by an overlay rule to "
                               f"{plan.territories[tid].name if tid else '-'}, whose rep is "
                               "leaving the team: change the rule first")
        must.append(aid)
    return must


def set_up(plan: Plan, territory_of: Mapping[str, str | None], reason: Mapping[str, str],
           params: BalanceParams) -> BalanceSetup:
    """Return who is balanced and which accounts may move (BalanceError: what to change)."""
    mapped, team = _team(plan, params)
    territories = dict(plan.territories)
    tids = [t.id for t in mapped if t.rep_id in team]
    for rep_id in team:
        if not any(territories[t].rep_id == rep_id for t in tids):
            new = plan.new_id("T", territories)
            territories[new] = Territory(new, f"{plan.reps[rep_id].name} territory",
                                         next_color(t.color for t in territories.values()),
                                         rep_id)
            tids.append(new)
    if not tids:
        raise BalanceError("no territory to balance: every territory is locked, overlay-only "
                           "or without a rep in the team")
    vacated = [t.id for t in mapped if t.rep_id not in team]
    must = set(accounts_that_must_move(plan, territory_of, reason, params))
    index = {t: j for j, t in enumerate(tids)}
    table = AccountTable.of(plan)
    n = len(table)
    labels = np.full(n, -1, np.int64)
    in_problem = np.zeros(n, bool)
    movable = np.zeros(n, bool)
    current = np.full(n, -1, np.int64)
    for i, aid in enumerate(table.ids):
        tid = territory_of.get(aid)
        if tid in index:
            in_problem[i] = True
            labels[i] = current[i] = index[tid]
            movable[i] = not reason.get(aid, "").startswith("rule") \
                and aid not in params.locked_accounts
        elif aid in must:
            in_problem[i] = movable[i] = True
    problem = int(in_problem.sum())
    if len(tids) > problem:
        raise BalanceError(f"{len(tids)} territories to balance but only {problem} accounts "
                           "to share: every rep needs at least one account")
    counts: dict[str, int] = {}
    for tid in tids:
        counts[territories[tid].rep_id or ""] = counts.get(territories[tid].rep_id or "", 0) + 1
    capacity = np.array([plan.reps[territories[tid].rep_id].weekly_hours  # type: ignore[index]
                         / counts[territories[tid].rep_id or ""] for tid in tids])
    # A new territory starts empty: its free accounts are placed by the model.
    labels[in_problem & (labels < 0)] = -2
    copy = plan.copy()
    copy.territories = territories
    return BalanceSetup(copy, table, tids, [territories[t].rep_id or "" for t in tids], capacity,
                  labels, in_problem, movable, current, vacated, len(must), [])
