"""The bundled Baltimore sample: consistent, tiling territories, and reproducible."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, box

from territory_desktop.io.planfile import load_plan
from territory_desktop.io.tables import import_accounts, import_reps
from territory_desktop.resources import resource_path

SAMPLE = resource_path("sample")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return load_plan(SAMPLE / "sample_plan.gpkg")


def test_sample_plan_contents(plan) -> None:  # type: ignore[no-untyped-def]
    assert 200 <= len(plan.accounts) <= 999
    assert len(plan.reps) == 5
    assert plan.validate() == []
    assert plan.settings.country == "US"
    assert (SAMPLE / plan.settings.osm_extract).is_file()
    enterprise = [a for a in plan.accounts.values() if a.segment == "Enterprise"]
    assert sorted(a.name for a in enterprise) == ["Marriott", "Safeway", "Whole Foods"]
    (rule,) = plan.rules
    assert (rule.field, rule.value) == ("segment", "Enterprise")
    ent = plan.territories[rule.territory_id]
    assert ent.geometry is None and ent.rep_id is not None
    assert all(a.potential and a.potential > 0 for a in plan.accounts.values())
    assert {a.tier for a in plan.accounts.values()} == {"A", "B", "C"}
    assert not any(a.approximate_location for a in plan.accounts.values())


def test_territories_tile_the_extract(plan) -> None:  # type: ignore[no-untyped-def]
    polys = [t.geometry for t in plan.territories.values() if t.geometry is not None]
    assert len(polys) == 4
    reps_with_area = {t.rep_id for t in plan.territories.values() if t.geometry is not None}
    assert len(reps_with_area) == 4
    for a, b in itertools.combinations(polys, 2):
        assert a.intersection(b).area < 1e-12
    extract = box(-76.6081, 39.2586, -76.5288, 39.3065)
    assert shapely.union_all(polys).symmetric_difference(extract).area < 1e-12
    for acc in plan.accounts.values():
        assert any(p.covers(Point(acc.lon, acc.lat)) for p in polys), acc.id


def test_plan_matches_the_csvs(plan) -> None:  # type: ignore[no-untyped-def]
    accounts = import_accounts(SAMPLE / "accounts.csv")
    reps = import_reps(SAMPLE / "reps.csv")
    assert accounts.problems == [] and reps.problems == []
    assert accounts.accounts == list(plan.accounts.values())
    assert reps.reps == list(plan.reps.values())


def test_build_script_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location(
        "build_sample_data", ROOT / "scripts" / "build_sample_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "build_sample_data", module)  # dataclasses need it
    spec.loader.exec_module(module)
    module.build(SAMPLE / "baltimore.osm.pbf", tmp_path)
    for name in ("accounts.csv", "reps.csv"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    rebuilt = load_plan(tmp_path / "sample_plan.gpkg")
    committed = load_plan(SAMPLE / "sample_plan.gpkg")
    assert rebuilt.accounts == committed.accounts
    assert rebuilt.rules == committed.rules
    for tid, t in committed.territories.items():
        other = rebuilt.territories[tid]
        assert (t.name, t.rep_id) == (other.name, other.rep_id)
        assert (t.geometry is None and other.geometry is None) or t.geometry.equals_exact(
            other.geometry, 1e-12)
