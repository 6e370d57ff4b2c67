"""A process that saves plans until it is killed, and the check that a killed save broke nothing.

Shared by ``test_planfile.py`` (20 kills) and ``benchmarks/kill_saves.py`` (1,000 kills).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from territory_desktop.io.planfile import load_plan

CHILD = """
import sys
from territory_desktop.io.planfile import save_plan
from territory_desktop.model.plan import Account, Plan

target, n = sys.argv[1], int(sys.argv[2])
plans = []
for gen in ("gen-1", "gen-2"):
    p = Plan(name=gen)
    for i in range(n):
        p.accounts[f"{gen}-{i}"] = Account(f"{gen}-{i}", f"Account {i}", 39.0 + i * 1e-6, -76.6,
                                           notes=gen)
    plans.append(p)
print("ready", flush=True)
i = 0
while True:
    save_plan(plans[i % 2], target)
    i += 1
"""
"""Run as ``python -c CHILD TARGET N``: prints ``ready``, then saves two plans of N accounts
(generations ``gen-1`` and ``gen-2``) over TARGET in turn, forever."""


def whole_generation(path: Path, n: int) -> str:
    """Return the plan's generation name, or raise AssertionError when it is not one whole save.

    ``gen-0`` is the plan the caller saved before the first kill (any number of accounts).
    """
    with sqlite3.connect(path) as db:
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
    if verdict != "ok":
        raise AssertionError(f"quick_check: {verdict}")
    plan = load_plan(path)
    notes = {a.notes for a in plan.accounts.values()}
    if plan.name not in ("gen-0", "gen-1", "gen-2") or not notes <= {plan.name}:
        raise AssertionError(f"mixed generations: {plan.name} with notes {sorted(notes)}")
    if plan.name != "gen-0" and len(plan.accounts) != n:
        raise AssertionError(f"{plan.name} has {len(plan.accounts)} of {n} accounts")
    return plan.name
