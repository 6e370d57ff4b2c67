"""A long editing session keeps every undo step without copying the plan's accounts."""

import csv
import tracemalloc

from territory_desktop import edits
from territory_desktop.model import Account, Plan


def _real_plan(shared_data):
    accounts = {}
    for name in ("us_hospitals_hifld.csv", "us_urgent_care_hifld.csv"):
        with open(shared_data / "accounts" / name, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["lat"] and r["lon"]:
                    accounts[r["account_id"]] = Account(r["account_id"], r["name"],
                                                        float(r["lat"]), float(r["lon"]))
    return Plan(accounts=accounts)


def test_single_account_edits_share_the_rest_of_the_plan(shared_data):
    plan = _real_plan(shared_data)
    n = len(plan.accounts)
    assert n > 12_000
    ids = list(plan.accounts)
    targets = [ids[(i * 7919) % n] for i in range(300)]
    history = [plan]
    tracemalloc.start()
    try:
        for i, aid in enumerate(targets):
            history.append(edits.update_account(history[-1], aid, notes=f"edit {i}").plan)
        per_edit = tracemalloc.get_traced_memory()[0] / len(targets)
    finally:
        tracemalloc.stop()
    # Any full copy of the accounts mapping costs at least one 8-byte reference per account
    # (~100 kB here; a dict copy was ~650 kB); a shared edit costs one chunk, ~16 kB.
    assert per_edit < 32_000, f"{per_edit:.0f} bytes per edit: the accounts were copied"
    # Every undo step still shows its own state.
    for i, aid in enumerate(targets):
        assert history[i + 1].accounts[aid].notes == f"edit {i}"
        if aid not in targets[:i]:
            assert history[i].accounts[aid].notes == ""
    assert list(history[-1].accounts) == ids
