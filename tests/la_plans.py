"""Real Los Angeles plans for tests and benchmarks: 385 LA-metro hospitals and urgent-care clinics.

Tier and potential are derived (the data has neither): hospitals with 200+ beds are A, other
hospitals B, urgent care C; potential = beds x 1,000 USD (hospitals), 20,000 USD (urgent care).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from territory_desktop.model import Account, Plan, Rep


def build_la_plan(shared: Path, n_reps: int) -> Plan:
    """Return the LA accounts, ``n_reps`` reps at the accounts nearest seeded k-means centres."""
    plan = Plan(name="LA metro healthcare")
    with open(shared / "accounts" / "la_metro_healthcare_accounts.csv", newline="",
              encoding="utf-8") as f:
        for row in csv.DictReader(f):
            beds = float(row["beds"]) if row["beds"] not in ("", "nan") else 0.0
            hospital = row["category"] == "hospital"
            tier = "A" if hospital and beds >= 200 else "B" if hospital else "C"
            plan.accounts[row["account_id"]] = Account(
                row["account_id"], row["name"], float(row["lat"]), float(row["lon"]),
                postal_code=row["zip"], segment=row["category"], tier=tier,
                potential=beds * 1000.0 if hospital else 20_000.0)
    pts = np.array([(a.lat, a.lon) for a in plan.accounts.values()])
    rng = np.random.default_rng(11)
    centres = pts[rng.choice(len(pts), n_reps, replace=False)]
    for _ in range(30):
        lab = np.argmin(((pts[:, None] - centres[None]) ** 2).sum(-1), axis=1)
        centres = np.array([pts[lab == j].mean(0) if (lab == j).any() else centres[j]
                            for j in range(n_reps)])
    for j, c in enumerate(centres):
        home = pts[np.argmin(((pts - c) ** 2).sum(1))]
        plan.reps[f"R{j + 1:02d}"] = Rep(f"R{j + 1:02d}", f"Rep {j + 1}", float(home[0]),
                                         float(home[1]) + 1e-4 * (j + 1))
    return plan
