"""The price solver, the fast path for big plans, on ~2,000 real south-eastern US facilities.

Hospitals and urgent-care centres of five states (HIFLD), 12 reps at the facilities nearest
the centres of a seeded k-means, straight-line drive times: balanced from nothing, then
rebalanced with locked accounts, both by territory prices.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from territory_desktop.cancel import Cancelled
from territory_desktop.design_edits import apply_alignment
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.model import Account, Plan, Rep
from territory_desktop.optimize.balance import BalanceError, BalanceParams, balance_plan
from territory_desktop.optimize.drive_times import drive_times

STATES = {"FL", "GA", "AL", "SC", "NC"}
REPS = 12


@pytest.fixture(scope="module")
def southeast(shared_data):
    plan = Plan(name="South-east facilities")
    for name in ("us_hospitals_hifld.csv", "us_urgent_care_hifld.csv"):
        with open(shared_data / "accounts" / name, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["state"] in STATES and row["status"] == "OPEN":
                    hospital = row["category"] == "hospital"
                    plan.accounts[row["account_id"]] = Account(
                        row["account_id"], row["name"], float(row["lat"]), float(row["lon"]),
                        tier="A" if hospital else "C")
    pts = np.array([(a.lat, a.lon) for a in plan.accounts.values()])
    rng = np.random.default_rng(5)
    centres = pts[rng.choice(len(pts), REPS, replace=False)]
    for _ in range(20):
        lab = np.argmin(((pts[:, None] - centres[None]) ** 2).sum(-1), axis=1)
        centres = np.array([pts[lab == j].mean(0) for j in range(REPS)])
    for j, c in enumerate(centres):
        home = pts[np.argmin(((pts - c) ** 2).sum(1))]
        plan.reps[f"R{j + 1:02d}"] = Rep(f"R{j + 1:02d}", f"Rep {j + 1}", float(home[0]),
                                         float(home[1]))
    times = drive_times(plan)
    built = balance_plan(plan, times, BalanceParams(reps=tuple(plan.reps), solver="prices",
                                                    seed=1))
    return plan, times, built


def _whole_and_in_band(result):
    rows = [t for t in result.loads if t.territory_id in result.balanced]
    dev = result.metrics.criteria["workload"].deviations
    return result.in_band and max(abs(d) for d in dev) <= 0.05 + 1e-9 and all(
        t.pieces == 1 for t in rows)


def test_prices_build_a_balanced_alignment_in_one_piece(southeast):
    plan, _, built = southeast
    assert len(plan.accounts) > 1_800
    assert len(built.balanced) == REPS
    assert _whole_and_in_band(built), built.warnings
    assert all(built.territory_of[a] in built.balanced for a in plan.accounts)


def test_prices_same_seed_same_alignment(southeast):
    plan, times, built = southeast
    again = balance_plan(plan, times, BalanceParams(reps=tuple(plan.reps), solver="prices",
                                                    seed=1))
    assert again.territory_of == built.territory_of


def test_prices_never_move_locked_accounts(southeast):
    plan, times, built = southeast
    drawn = apply_alignment(plan, built.territory_of, built.territories, built.balanced).plan
    owner = assign_accounts(drawn).territory_of
    # Unbalance it: one rep leaves; every 5th account of another rep is locked.
    team = tuple(r for r in drawn.reps if r != "R03")
    vacant = next(t.id for t in drawn.territories.values() if t.rep_id == "R03")
    kept = next(t.id for t in drawn.territories.values() if t.rep_id == "R07")
    locked = frozenset(sorted(a for a in drawn.accounts if owner[a] == kept)[::5])
    result = balance_plan(drawn, times, BalanceParams(reps=team, locked_accounts=locked,
                                                      solver="prices"))
    assert all(result.territory_of[a] == owner[a] for a in locked)
    assert _whole_and_in_band(result), result.warnings
    assert all(result.territory_of[a] != vacant for a in drawn.accounts)


def test_prices_refuse_move_caps():
    with pytest.raises(BalanceError, match="move caps need the lp solver"):
        BalanceParams(solver="prices", max_moves=10)
    with pytest.raises(BalanceError, match="the solver is auto, lp or prices"):
        BalanceParams(solver="simplex")


def test_prices_report_progress_and_stop_when_cancelled(southeast):
    plan, times, _ = southeast
    seen = []

    def stop():
        return any(m == "balancing territory prices" for _, m in seen)

    with pytest.raises(Cancelled, match="balancing territory prices"):
        balance_plan(plan, times, BalanceParams(reps=tuple(plan.reps), solver="prices"),
                     progress=lambda f, m: seen.append((f, m)), should_stop=stop)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
