"""Build INVENTED CRM results for the bundled sample plan (central Baltimore).

The sample accounts are real places (OpenStreetMap) with no sales history: every opportunity,
quota and activity written here is made up by a seeded random process, so the health dashboard
and ``tdesk plan health`` have something to show. Nothing here describes the real businesses.

Writes into ``resources/sample/results/`` (or ``--out``), as a Salesforce-style export:

- ``opportunities.csv``: Opportunity ID, Opportunity Name, Account ID, Account Name, Amount,
  Stage (Salesforce's default stages; the outcome is "Closed Won" / "Closed Lost"), Created Date
  and Close Date (US M/D/YYYY, as Salesforce reports print them; an open deal's close date is
  its expected close);
- ``quotas.csv``: Quota Owner ID, Quota Owner, Period (2025Q1 ... 2026Q4), Quota Amount;
- ``activities.csv``: Account ID, Activity Date (YYYY-MM-DD), Type (Visit or Call).

How the numbers are invented (constants below):

- ``UNTOUCHED_SHARE`` of the accounts are never engaged (no deals, no visits): white space.
- Each other account gets opportunities as a Poisson process with ``DEALS_PER_YEAR_PER_40K`` deals a
  year per 40,000 USD of its (derived) potential, created uniformly from ``HISTORY_START`` to
  ``AS_OF``; the amount is 3-12 % of the account's annual potential, rounded to 50 USD.
- Sales cycle: 7 days plus a gamma(2, 18) number of days (mean 43). Deals that would close by
  ``AS_OF`` are won with the rep's win probability (``REP_PROFILE``), else lost; later ones are
  open, at a stage that follows how far through their cycle they are.
- Quotas per rep and quarter: the rep's average quarterly win of 2025 plus ``QUOTA_GROWTH``,
  rounded to 1,000 USD (last year plus growth, as many sales teams set them).
- Visits from ``ACTIVITY_START`` to ``AS_OF`` on working days at the account's cadence (default
  tier cadence: A weekly, B every 2 weeks, C every 4 weeks). Each quarter, an account is "kept"
  with the rep's keep probability: kept accounts get every visit, the others 40-85 % of them.
  Calls: about one a month for half of the accounts.

The rep profiles differ on purpose (a low win rate, a rep who lets A accounts slip) so that
the health signals have something to say; the Enterprise territory has too few deals for a
win rate, which the report says instead of showing a number.

Deterministic: the same plan and seed give byte-identical files.

With ``--store`` the results are also stored in the plan file (``tdesk plan import-results``'s
way, as of the invented export date), so the sample opens with its dashboard filled.

Usage: ``python scripts/build_sample_results.py [--plan PATH] [--out DIR] [--seed N] [--store]``
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io.planfile import load_plan
from territory_desktop.io.results import write_csv

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLAN = ROOT / "resources" / "sample" / "sample_plan.gpkg"
DEFAULT_OUT = ROOT / "resources" / "sample" / "results"
SEED = 20261130

HISTORY_START = dt.date(2024, 10, 1)  # a quarter before the quotas' base year
ACTIVITY_START = dt.date(2026, 4, 1)
AS_OF = dt.date(2026, 11, 30)  # the invented export date
DEALS_PER_YEAR_PER_40K = 3.0
QUOTA_GROWTH = 0.15
UNTOUCHED_SHARE = 0.04  # accounts the team has never engaged: no deals, no visits
# rep -> (win probability, probability an account's visits are kept in a quarter)
REP_PROFILE = {
    "REP-1": (0.56, 0.97),
    "REP-2": (0.47, 0.90),
    "REP-3": (0.33, 0.72),
    "REP-4": (0.52, 0.98),
    "REP-ENT": (0.60, 1.00),
}
DEFAULT_PROFILE = (0.45, 0.9)
OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
               "Proposal/Price Quote", "Negotiation/Review")
PRODUCTS = ("Draft beer listing", "Wine list refresh", "Spirits programme", "Seasonal promotion",
            "Cooler placement", "Private label", "Event supply", "Menu partnership")


def _us_date(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def build(plan_path: Path, out: Path, seed: int) -> dict[str, int]:
    """Write the three files; returns the row count of each."""
    plan = load_plan(plan_path)
    territory_of = assign_accounts(plan).territory_of
    rep_of = {a: plan.territories[t].rep_id if t else None for a, t in territory_of.items()}
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)

    history_days = (AS_OF - HISTORY_START).days + 1
    accounts = sorted(plan.accounts.values(), key=lambda a: a.id)
    untouched = {a.id for a in accounts if rng.random() < UNTOUCHED_SHARE}
    engaged = [a for a in accounts if a.id not in untouched]
    deals: list[tuple] = []
    won_2025: dict[str, float] = {}
    for account in engaged:
        rep = rep_of.get(account.id)
        win_p = REP_PROFILE.get(rep or "", DEFAULT_PROFILE)[0]
        potential = account.potential or 20_000.0
        rate = DEALS_PER_YEAR_PER_40K * potential / 40_000 * history_days / 365
        for _ in range(rng.poisson(rate)):
            created = HISTORY_START + dt.timedelta(days=int(rng.integers(history_days)))
            cycle = 7 + int(rng.gamma(2.0, 18.0))
            close = created + dt.timedelta(days=cycle)
            amount = round(potential * rng.uniform(0.03, 0.12) / 50) * 50
            if close <= AS_OF:
                won = rng.random() < win_p
                stage = "Closed Won" if won else "Closed Lost"
                if won and close.year == 2025 and rep:
                    won_2025[rep] = won_2025.get(rep, 0.0) + amount
            else:
                progress = (AS_OF - created).days / cycle
                stage = OPEN_STAGES[min(len(OPEN_STAGES) - 1, int(progress * len(OPEN_STAGES)))]
            product = PRODUCTS[int(rng.integers(len(PRODUCTS)))]
            deals.append((account, amount, stage, created, close, product))
    deals.sort(key=lambda d: (d[3], d[0].id))
    write_csv(out / "opportunities.csv",
              ("Opportunity ID", "Opportunity Name", "Account ID", "Account Name", "Amount",
               "Stage", "Created Date", "Close Date"),
              ((f"OPP-{i:05d}", f"{a.name} - {product}", a.id, a.name, amount, stage,
                _us_date(created), _us_date(close))
               for i, (a, amount, stage, created, close, product) in enumerate(deals, start=1)))

    quotas = []
    for rep in plan.reps.values():
        quarterly = won_2025.get(rep.id, 0.0) / 4 * (1 + QUOTA_GROWTH)
        for year in (2025, 2026):
            for q in (1, 2, 3, 4):
                quotas.append((rep.id, rep.name, f"{year}Q{q}", int(round(quarterly, -3))))
    write_csv(out / "quotas.csv", ("Quota Owner ID", "Quota Owner", "Period", "Quota Amount"),
              quotas)

    activities = []
    for account in engaged:
        keep_p = REP_PROFILE.get(rep_of.get(account.id) or "", DEFAULT_PROFILE)[1]
        every_weeks = plan.settings.cadence_for(account)[0]
        day = ACTIVITY_START + dt.timedelta(days=int(rng.integers(int(every_weeks * 7))))
        quarter, kept, keep_share = None, True, 1.0
        while day <= AS_OF:
            if (day.year, (day.month - 1) // 3) != quarter:
                quarter = (day.year, (day.month - 1) // 3)
                kept = rng.random() < keep_p
                keep_share = 1.0 if kept else rng.uniform(0.40, 0.85)
            visit = day - dt.timedelta(days=max(0, day.weekday() - 4))  # weekends -> Friday
            if rng.random() < keep_share:
                activities.append((account.id, visit, "Visit"))
            day += dt.timedelta(weeks=every_weeks)
        if rng.random() < 0.5:
            day = ACTIVITY_START + dt.timedelta(days=int(rng.integers(28)))
            while day <= AS_OF:
                if day.weekday() < 5:
                    activities.append((account.id, day, "Call"))
                day += dt.timedelta(days=int(rng.integers(21, 40)))
    activities = sorted(set(activities), key=lambda r: (r[1], r[0], r[2]))
    write_csv(out / "activities.csv", ("Account ID", "Activity Date", "Type"),
              ((a, d.isoformat(), t) for a, d, t in activities))
    return {"opportunities": len(deals), "quotas": len(quotas), "activities": len(activities)}


def store(plan_path: Path, out: Path) -> dict[str, int]:
    """Import the exports in ``out`` into the plan at ``plan_path`` and save it; row counts."""
    from territory_desktop.health.store import store_results
    from territory_desktop.io.planfile import save_plan
    from territory_desktop.io.results import import_results

    plan = load_plan(plan_path)
    imported = import_results(plan.accounts, plan.reps, out / "opportunities.csv",
                              out / "quotas.csv", out / "activities.csv", today=AS_OF)
    if imported.problems:
        raise SystemExit(f"the invented results do not import cleanly: {imported.problems[:3]}")
    plan = store_results(plan, imported.results).plan
    save_plan(plan, plan_path)
    results = plan.health.results
    assert results is not None
    return {kind: len(getattr(results, kind)) for kind in ("opportunities", "quotas",
                                                           "activities")}


def main() -> None:
    """Write the sample CRM results exports (and store them in the plan with ``--store``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=DEFAULT_PLAN)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--store", action="store_true",
                        help="also store the results in the plan file")
    args = parser.parse_args()
    counts = build(args.plan, args.out, args.seed)
    print(", ".join(f"{n} {kind}" for kind, n in counts.items()), "written to", args.out)
    if args.store:
        counts = store(args.plan, args.out)
        print(", ".join(f"{n} {kind}" for kind, n in counts.items()), "stored in", args.plan)


if __name__ == "__main__":
    main()
