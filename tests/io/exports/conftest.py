"""Fixtures for the export tests.

Fixtures for the export tests: the scheduled fixture plan (``tests/data/exports_plan.gpkg``,
made by ``tests/data/make_exports_plan.py``), its road network, and REP-4's two-week trips.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from territory_desktop.io import load_plan
from territory_desktop.io.exports import Trips, build_trips
from territory_desktop.model import Plan
from territory_desktop.resources import resource_path
from territory_desktop.routing import RoadNetwork, build_network

DATA = Path(__file__).resolve().parents[2] / "data"
PLAN = DATA / "exports_plan.gpkg"
EXPECTED = DATA / "expected"
REP = "REP-4"
START, END = dt.date(2025, 12, 29), dt.date(2026, 1, 9)


@pytest.fixture(scope="session")
def export_plan_path() -> Path:
    return PLAN


@pytest.fixture(scope="session")
def export_plan() -> Plan:
    return load_plan(PLAN)


@pytest.fixture(scope="session")
def sample_network() -> RoadNetwork:
    return build_network(resource_path("sample", "baltimore.osm.pbf"))


@pytest.fixture(scope="session")
def trips(export_plan: Plan, sample_network: RoadNetwork) -> Trips:
    return build_trips(export_plan, REP, START, END, sample_network)


@pytest.fixture
def cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a user cache shared by the CLI tests (the compiled network is built once)."""
    folder = tmp_path_factory.getbasetemp() / "tdesk-cache"
    monkeypatch.setenv("TDESK_CACHE", str(folder))
    return folder


def _number(text: str) -> float | None:
    try:
        return float(text) if "." in text else None
    except ValueError:
        return None


def assert_matches_golden(actual: Path, name: str, tolerance: float = 0.011) -> None:
    """``actual`` has the golden file's header, rows and text exactly; numbers within 0.01."""
    import csv

    with actual.open(encoding="utf-8", newline="") as f:
        got = list(csv.reader(f))
    with (EXPECTED / name).open(encoding="utf-8", newline="") as f:
        want = list(csv.reader(f))
    assert got[0] == want[0], "header"
    assert len(got) == len(want), f"{len(got) - 1} rows instead of {len(want) - 1}"
    for line, (g_row, w_row) in enumerate(zip(got, want, strict=True), start=1):
        assert len(g_row) == len(w_row), f"line {line}: {g_row}"
        for col, g, w in zip(want[0], g_row, w_row, strict=True):
            gn, wn = _number(g), _number(w)
            if gn is not None and wn is not None:
                assert abs(gn - wn) <= tolerance, f"line {line}, {col}: {g} instead of {w}"
            else:
                assert g == w, f"line {line}, {col}: {g!r} instead of {w!r}"


@pytest.fixture(scope="session")
def golden():
    """Compare a written CSV with ``tests/data/expected/<name>`` (text exact, numbers 0.01)."""
    return assert_matches_golden
