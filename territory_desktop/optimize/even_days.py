"""Even days at the least driving: every usable day used, day lengths within a spread target.

The engine's day balance (:func:`territory_desktop.optimize.rotation.balance_params`) prices
time above a target day; aimed at the mean day it evens days far below the goal (a spread near
0.1 h where 0.5 h is asked) and pays for it in driving.  This step takes the engine's even days
and gives the slack back to driving: it moves visits between days (each within its pattern
block, pinned visits never), swaps visits of nearby accounts and moves an account to another
of its patterns (weeks 2 and 4 rather than 1 and 3), accepting a change when the
plan stays as good on the two goals (no usable day empty, spread of the usable days under
``spread_hours``) and drives less, or when it gets closer to them.  The days' stop orders are
then re-solved with the engine, every visit held on its day.

A rep can use at most one day per visit: with fewer visits in the cycle than working days the
usable days are that many (the longest days are measured, the others stay empty).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence

import numpy as np

from territory_desktop.optimize.pvrp import (
    PlannedRoute,
    PVRPProblem,
    PVRPResult,
    SolveParams,
    customer_patterns,
    evaluate_route,
    solve_pvrp,
)
from territory_desktop.optimize.pvrp.problem import Pattern

__all__ = ["EVEN_OUT_TIME_SHARE", "EVEN_SPREAD_HOURS", "even_out", "usable_days"]

EVEN_SPREAD_HOURS = 0.45
"""Spread (standard deviation of the usable days' lengths) that "even days" stays under.

The goal is under 0.5 h: a little margin below it costs almost no driving."""

EVEN_OUT_TIME_SHARE = 0.15
"""Share of a time limit kept for :func:`even_out` after the engine.

It took about a tenth of the engine's time on the sample's reps and the 150-account case."""

_SWAP_NEIGHBOURS = 8  # swap a visit only with visits of its nearest accounts: few pay off
_SPREAD_PRICE = 10.0  # seconds of driving worth one second of spread above the target
_ROUNDS = 6  # passes over every visit; each stops early when nothing improves


def usable_days(visits: int, days: int) -> int:
    """Return how many days a rep can fill: one visit at least each, at most ``days``."""
    return min(days, visits)


@dataclasses.dataclass
class _State:
    """Stop orders per day with their drive and length (seconds), and the two goals."""

    problem: PVRPProblem
    seqs: list[list[int]]
    drive: np.ndarray
    length: np.ndarray
    usable: int
    target: float

    def evaluate(self, day: int, seq: Sequence[int]) -> tuple[float, float, bool]:
        """Return (drive, length, feasible) of ``seq`` on ``day``."""
        if not seq:
            return 0.0, 0.0, True
        ev = evaluate_route(self.problem, day, seq)
        return ev.drive, ev.duration, ev.feasible

    def shortfall(self, length: np.ndarray) -> float:
        """How far the lengths miss the goals: empty usable days first, then spread over target.

        0 when both goals hold.
        """
        top = np.sort(length)[len(length) - self.usable:]
        empty = int((top <= 0).sum())
        return empty * 1e9 + max(0.0, float(top.std()) - self.target)


def even_out(
    problem: PVRPProblem,
    result: PVRPResult,
    spread_hours: float = EVEN_SPREAD_HOURS,
    route_iterations: int = 600,
    seed: int = 0,
    seconds: float = 30.0,
) -> PVRPResult:
    """Return ``result`` with every usable day used and the least driving within the spread.

    ``problem`` is the one ``result`` solves (with its pins, kept).  The travel unit is
    seconds.  A result with unplaced visits is returned unchanged: those days are full.
    The work is a fixed number of passes and solver iterations (deterministic);
    ``seconds`` only cuts it short on a slow machine.
    """
    deadline = time.perf_counter() + seconds
    if result.unplaced or not result.routes or seconds <= 0:
        return result
    days = len(problem.days)
    seqs: list[list[int]] = [[] for _ in range(days)]
    for r in result.routes:
        seqs[r.day] = seqs[r.day] + list(r.customers)
    open_days = sorted({d for p in result.patterns if p for b in p for d in b})
    visits = sum(len(s) for s in seqs)
    state = _State(problem, seqs, np.zeros(days), np.zeros(days),
                   usable_days(visits, len(open_days)), spread_hours * 3600.0)
    for d in range(days):
        state.drive[d], state.length[d], _ok = state.evaluate(d, seqs[d])
    patterns = list(result.patterns)  # with pins applied, as the engine chose them
    choices = {i: ps for i, p in enumerate(patterns)
               if p and len(ps := customer_patterns(problem, i)) > 1}
    near = _nearest_accounts(problem)
    for _ in range(_ROUNDS):
        if time.perf_counter() > deadline:
            break
        moved = _improve(state, patterns, near)
        if not _change_patterns(state, patterns, choices) and not moved:
            break
    left = deadline - time.perf_counter()
    seqs = _reroute(problem, state, route_iterations, seed, left) if left > 0 else state.seqs
    routes = [
        PlannedRoute(d, 0, tuple(s), ev.drive, ev.duration, ev.load)
        for d, s in enumerate(seqs) if s
        for ev in (evaluate_route(problem, d, s),)
    ]
    return dataclasses.replace(result, routes=routes, cost=float(sum(r.drive for r in routes)),
                               patterns=patterns)


def _nearest_accounts(problem: PVRPProblem) -> list[list[int]]:
    """Each customer's nearest other customers (symmetrised travel), nearest first."""
    loc = np.array([c.location for c in problem.customers], dtype=np.int64)
    sub = problem.travel[np.ix_(loc, loc)]
    dist = sub + sub.T
    np.fill_diagonal(dist, np.inf)
    k = min(_SWAP_NEIGHBOURS, max(0, len(loc) - 1))
    return [list(map(int, np.argsort(row, kind="stable")[:k])) for row in dist]


def _cheapest_insert(problem: PVRPProblem, day: int, seq: list[int], ci: int) -> list[int]:
    """``seq`` with ``ci`` inserted where it adds the least travel."""
    d = problem.days[day]
    t = problem.travel
    locs = np.array([d.start, *(problem.customers[c].location for c in seq), d.end])
    me = problem.customers[ci].location
    delta = t[locs[:-1], me] + t[me, locs[1:]] - t[locs[:-1], locs[1:]]
    k = int(np.argmin(delta))
    return [*seq[:k], ci, *seq[k:]]


def _try(state: _State, changes: Mapping[int, list[int]]) -> tuple[float, float] | None:
    """(shortfall, total drive) after replacing the days in ``changes``; None if infeasible."""
    drive, length = state.drive.copy(), state.length.copy()
    for day, seq in changes.items():
        dr, ln, ok = state.evaluate(day, seq)
        if not ok:
            return None
        drive[day], length[day] = dr, ln
    return state.shortfall(length), float(drive.sum())


def _apply(state: _State, changes: Mapping[int, list[int]]) -> None:
    for day, seq in changes.items():
        state.seqs[day] = seq
        state.drive[day], state.length[day], _ok = state.evaluate(day, seq)


def _better(new: tuple[float, float], old: tuple[float, float]) -> bool:
    """Less driving plus ``_SPREAD_PRICE`` times the shortfall (an empty day outweighs all)."""
    return new[1] + _SPREAD_PRICE * new[0] < old[1] + _SPREAD_PRICE * old[0] - 1e-3


def _block(patterns: Sequence[Pattern | None], ci: int, day: int) -> tuple[int, ...]:
    """Return the days the visit of ``ci`` on ``day`` may move among (its pattern block)."""
    return next((b for b in patterns[ci] or () if day in b), (day,))


def _change_patterns(state: _State, patterns: list[Pattern | None],
                     choices: Mapping[int, Sequence[Pattern]]) -> bool:
    """Move every visit of a customer to another of its patterns when that pays; True if any.

    Each block of the new pattern takes the day that scores best, block by block.
    """
    changed = False
    for ci, options in choices.items():
        now = (state.shortfall(state.length), float(state.drive.sum()))
        best: tuple[tuple[float, float], dict[int, list[int]], Pattern] | None = None
        out = {d: [c for c in s if c != ci] for d, s in enumerate(state.seqs) if ci in s}
        for pat in options:
            if pat == patterns[ci]:
                continue
            change = dict(out)
            score: tuple[float, float] | None = None
            for block in pat:
                pick: tuple[tuple[float, float], int, list[int]] | None = None
                for d in block:
                    seq = _cheapest_insert(state.problem, d, change.get(d, state.seqs[d]), ci)
                    trial = _try(state, {**change, d: seq})
                    if trial is not None and (pick is None or _better(trial, pick[0])):
                        pick = (trial, d, seq)
                if pick is None:
                    break
                score, change[pick[1]] = pick[0], pick[2]
            else:
                if score is not None and _better(score, best[0] if best else now):
                    best = (score, change, pat)
        if best is not None:
            _apply(state, best[1])
            patterns[ci] = best[2]
            changed = True
    return changed


def _improve(state: _State, patterns: Sequence[Pattern | None],
             near: Sequence[Sequence[int]]) -> bool:
    """One pass of relocations and swaps over every visit; True if anything changed."""
    problem = state.problem
    changed = False
    for d1 in range(len(state.seqs)):
        for ci in list(state.seqs[d1]):
            if ci not in state.seqs[d1]:
                continue  # swapped away earlier in this pass
            block = _block(patterns, ci, d1)
            if len(block) < 2:
                continue
            now = (state.shortfall(state.length), float(state.drive.sum()))
            best: tuple[tuple[float, float], dict[int, list[int]]] | None = None
            left = [c for c in state.seqs[d1] if c != ci]
            for d2 in block:
                if d2 == d1:
                    continue
                options = [{d1: left, d2: _cheapest_insert(problem, d2, state.seqs[d2], ci)}]
                for cj in near[ci]:
                    if cj in state.seqs[d2] and d1 in _block(patterns, cj, d2) \
                            and cj not in state.seqs[d1]:
                        options.append({
                            d1: _cheapest_insert(problem, d1, left, cj),
                            d2: _cheapest_insert(problem, d2,
                                                 [c for c in state.seqs[d2] if c != cj], ci),
                        })
                for change in options:
                    score = _try(state, change)
                    if score is not None and _better(score, best[0] if best else now):
                        best = (score, change)
            if best is not None:
                _apply(state, best[1])
                changed = True
    return changed


def _reroute(problem: PVRPProblem, state: _State, iterations: int, seed: int,
             seconds: float) -> list[list[int]]:
    """Re-solve every day's stop order with each visit held on its day; keep what drives less.

    A day keeps its order when the new one drives no less or would break the goals.
    """
    customers = []
    index: list[int] = []
    for i, c in enumerate(problem.customers):
        days = tuple(d for d, s in enumerate(state.seqs) if i in s)
        if days:
            customers.append(dataclasses.replace(c, patterns=(tuple((d,) for d in days),),
                                                 combinations=(), pinned_days=()))
            index.append(i)
    sub = PVRPProblem(problem.days, tuple(customers), problem.travel)
    answer = solve_pvrp(sub, SolveParams(time_limit=seconds, iterations=iterations, seed=seed))
    seqs = [list(s) for s in state.seqs]
    if answer.unplaced:
        return seqs
    for r in answer.routes:
        new = [index[c] for c in r.customers]
        score = _try(state, {r.day: new})
        if score is not None and _better(score, (state.shortfall(state.length),
                                                 float(state.drive.sum()))):
            _apply(state, {r.day: new})
    return [list(s) for s in state.seqs]
