"""Small plans for the map builder tests (Qt-free)."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from territory_desktop.model.plan import Account, Plan, Rep, Territory

XSS_NAME = "<img src=x onerror=alert(1)>"


@pytest.fixture
def two_territory_plan() -> Plan:
    """Two adjacent boxes in central Baltimore, three accounts (one outside both), two reps."""
    west = Territory(
        "t1", "West <b>side</b>", "#1f77b4", rep_id="r1", geometry=box(-76.64, 39.27, -76.61, 39.31)
    )
    east = Territory(
        "t2", "East", "#ff7f0e", rep_id="r2", geometry=box(-76.61, 39.27, -76.58, 39.31)
    )
    return Plan(
        accounts={
            "a1": Account(
                "a1", XSS_NAME, 39.29, -76.62, address="1 & 2 <Main> St", tier="A",
                potential=1200.0,
            ),
            "a2": Account(
                "a2", "Harbor Clinic", 39.285, -76.60, tier="B", approximate_location=True
            ),
            "a3": Account("a3", "Far Away", 39.40, -76.50, tier="C"),
        },
        reps={"r1": Rep("r1", "Ann", 39.30, -76.63), "r2": Rep("r2", "Bo", 39.28, -76.59)},
        territories={"t1": west, "t2": east},
    )
