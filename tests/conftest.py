"""Fixtures shared by every test: where the real shared data lives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from la_plans import build_la_plan
from shared_paths import SHARED_DATA

from territory_desktop import clock

FIXED_TODAY = dt.date(2026, 12, 4)
"""The app's today in every test: a Friday, so a week's visits can all be logged, inside the
shipped IRS rate table, so claims price. Rotations scheduled in a test start that week."""


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """Make :func:`territory_desktop.clock.today` say :data:`FIXED_TODAY`.

    With the machine's date, tests would pass or fail by the day they run.
    """
    monkeypatch.setattr(clock, "today", lambda: FIXED_TODAY)
    return FIXED_TODAY


@pytest.fixture(scope="session", autouse=True)
def _real_data_present() -> None:
    """Every test fails, none skips, when the real shared data is not where it should be."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real test data not found at {SHARED_DATA} (set TERRITORY_SHARED_DATA)")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Return the read-only real data folder next to the repository (``../shared/data``)."""
    return SHARED_DATA


# --- territory design: real plans shared by tests/model, tests/optimize, tests/geo, the CLI ---


@pytest.fixture(scope="session")
def sample_plan():
    """Load the bundled sample plan (central Baltimore, 248 accounts, 4 map territories)."""
    from territory_desktop.io import planfile
    from territory_desktop.resources import resource_path

    return planfile.load_plan(resource_path("sample", "sample_plan.gpkg"))


@pytest.fixture(scope="session")
def baltimore_network(tmp_path_factory):
    """Compile the sample's road network, once per session."""
    from territory_desktop.resources import resource_path
    from territory_desktop.routing import load_or_build

    return load_or_build(resource_path("sample", "baltimore.osm.pbf"),
                         tmp_path_factory.mktemp("design-net") / "baltimore.npz")


@pytest.fixture(scope="session")
def la_plan(shared_data):
    """Provide a builder of real Los Angeles plans.

    ``la_plan(n_reps)`` is a fresh plan of the 385 real LA-metro hospitals and urgent-care
    clinics as accounts, with ``n_reps`` reps living at the accounts nearest the centres of a
    seeded k-means, no territories.

    Tier and potential are derived (the data has neither): hospitals with 200+ beds are A,
    other hospitals B, urgent care C; potential = beds x 1,000 USD (hospitals), 20,000 USD
    (urgent care).
    """
    return lambda n_reps=10: build_la_plan(shared_data, n_reps)
