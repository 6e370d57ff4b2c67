"""Stress plans for tests and benchmarks: the Baltimore sample's accounts copied many times.

A user's stress plan: copy 0 is the sample's 248 accounts, each further copy the same accounts
(ids ``<id>-c<copy>``, same tiers, cadences and segments) moved by a random offset of 200 m to
1 km in a random direction; the sample's reps and territories. Seeded.
"""

from __future__ import annotations

import math

import numpy as np

from territory_desktop.model.plan import Plan, replace

M_PER_DEG_LAT = 111_320.0


def jittered_copies(sample: Plan, copies: int, seed: int = 0, near_m: float = 200.0,
                    far_m: float = 1000.0) -> Plan:
    """Return ``sample`` with its accounts ``copies`` times, each copy after the first jittered."""
    plan = sample.copy()
    rng = np.random.default_rng(seed)
    accounts = dict(sample.accounts)
    for c in range(1, copies):
        for aid, a in sample.accounts.items():
            r = rng.uniform(near_m, far_m)
            angle = rng.uniform(0.0, 2 * math.pi)
            lat = a.lat + r * math.sin(angle) / M_PER_DEG_LAT
            lon = a.lon + r * math.cos(angle) / (M_PER_DEG_LAT * math.cos(math.radians(a.lat)))
            accounts[f"{aid}-c{c}"] = replace(a, id=f"{aid}-c{c}", lat=lat, lon=lon)
    plan.accounts = accounts
    return plan
