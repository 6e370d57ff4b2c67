"""The plan file: round trip, GDAL compatibility, errors, migrations, atomic save, recovery."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from shapely.geometry import MultiPolygon, Polygon

from territory_desktop.io import planfile
from territory_desktop.io.planfile import (
    PlanFileError,
    autosave_path,
    discard_autosave,
    find_recovery,
    load_plan,
    save_plan,
    write_autosave,
)
from territory_desktop.model.plan import (
    Account,
    OverlayRule,
    Plan,
    PlanSettings,
    Rep,
    Territory,
    TierCadence,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture
def small_plan() -> Plan:
    """Two real Baltimore POIs, a postal-placed account, two reps, three territories, a rule."""
    plan = Plan(name="Baltimore <b>test</b> & co")
    plan.reps["R1"] = Rep("R1", "Ann Okafor", 39.3121, -76.6205, 37.5, ("wine", "beer; craft"))
    plan.reps["R2"] = Rep("R2", "Ben Szabo", 39.2811, -76.5953, approximate_home=True)
    plan.accounts["OSM-n1"] = Account(
        "OSM-n1", "Joe's <script>alert(1)</script>", 39.2903848, -76.6121893,
        address="100 Light St", postal_code="21202", segment="Restaurant", industry="Food",
        potential=12345.678, tier="A", every_weeks=1.5, visit_minutes=40.0, owner="Ann",
        notes="multi\nline \"quoted\"",
    )
    plan.accounts["OSM-w2"] = Account("OSM-w2", "Ünïcödé Café", 39.2951, -76.6085)
    plan.accounts["Z3"] = Account(
        "Z3", "Zip placed", 39.29, -76.61, postal_code="21201", approximate_location=True,
        tier="B",
    )
    plan.territories["T1"] = Territory(
        "T1", "West", "#1f77b4", "R1",
        Polygon([(-76.65, 39.27), (-76.61, 39.27), (-76.61, 39.31), (-76.65, 39.31)],
                [[(-76.64, 39.28), (-76.63, 39.28), (-76.63, 39.29)]]),
    )
    plan.territories["T2"] = Territory(
        "T2", "East islands", "#ff7f0e", "R2",
        MultiPolygon([
            Polygon([(-76.61, 39.27), (-76.58, 39.27), (-76.58, 39.31)]),
            Polygon([(-76.57, 39.27), (-76.56, 39.27), (-76.56, 39.28)]),
        ]),
        locked=True,
    )
    plan.territories["ENT"] = Territory("ENT", "Enterprise", "#2ca02c", "R2", None)
    plan.rules += [
        OverlayRule("RU1", "segment", "Enterprise", "ENT"),
        OverlayRule("RU2", "id", "OSM-w2", "T1"),
    ]
    plan.settings = PlanSettings(
        cadence={"A": TierCadence("A", 1, 50), "B": TierCadence("B", 3, 25),
                 "C": TierCadence("C", 6, 15)},
        rotation_weeks=6, rotation_start="2025-03-03", country="US",
        osm_extract="baltimore.osm.pbf",
    )
    return plan


def assert_same_plan(a: Plan, b: Plan) -> None:
    assert a.name == b.name
    assert list(a.accounts) == list(b.accounts)
    assert list(a.accounts.values()) == list(b.accounts.values())
    assert list(a.reps.values()) == list(b.reps.values())
    assert a.rules == b.rules
    assert a.settings == b.settings
    assert list(a.territories) == list(b.territories)
    for ta, tb in zip(a.territories.values(), b.territories.values(), strict=True):
        assert (ta.id, ta.name, ta.color, ta.rep_id, ta.locked) == (
            tb.id, tb.name, tb.color, tb.rep_id, tb.locked)
        if ta.geometry is None:
            assert tb.geometry is None
        else:
            assert ta.geometry.geom_type == tb.geometry.geom_type
            assert ta.geometry.equals_exact(tb.geometry, 1e-9)


def test_round_trip_keeps_every_field(small_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.gpkg"
    save_plan(small_plan, path)
    loaded = load_plan(path)
    assert_same_plan(small_plan, loaded)
    assert loaded.accounts["OSM-n1"].name == "Joe's <script>alert(1)</script>"
    assert loaded.reps["R1"].skills == ("wine", "beer; craft")
    # Saving again over the file gives the same plan.
    save_plan(loaded, path)
    assert_same_plan(small_plan, load_plan(path))


def test_empty_plan_round_trip(tmp_path: Path) -> None:
    save_plan(Plan(), tmp_path / "e.gpkg")
    loaded = load_plan(tmp_path / "e.gpkg")
    assert loaded.accounts == {} and loaded.territories == {} and loaded.name == "Untitled plan"
    assert loaded.settings == PlanSettings()


def test_file_is_a_geopackage_that_gdal_reads(small_plan: Plan, tmp_path: Path) -> None:
    geopandas = pytest.importorskip("geopandas")
    pyogrio = pytest.importorskip("pyogrio")
    path = tmp_path / "plan.gpkg"
    save_plan(small_plan, path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10300
        kinds = dict(conn.execute("SELECT table_name, data_type FROM gpkg_contents"))
    assert kinds == {
        "territories": "features", "accounts": "features", "reps": "features",
        "td_meta": "attributes", "td_rules": "attributes", "td_cadence": "attributes",
        "td_settings": "attributes",
    }
    layers = dict(pyogrio.list_layers(path))
    assert layers["accounts"] == "Point" and layers["territories"] == "MultiPolygon"

    acc = geopandas.read_file(path, layer="accounts")
    assert acc.crs.to_epsg() == 4326
    assert list(acc["id"]) == ["OSM-n1", "OSM-w2", "Z3"]
    assert acc.geometry.iloc[0].x == pytest.approx(-76.6121893, abs=1e-12)
    assert acc.geometry.iloc[0].y == pytest.approx(39.2903848, abs=1e-12)
    assert acc["potential"].iloc[0] == pytest.approx(12345.678)

    reps = geopandas.read_file(path, layer="reps")
    assert list(reps["name"]) == ["Ann Okafor", "Ben Szabo"]
    assert reps.geometry.iloc[0].y == pytest.approx(39.3121)

    ter = geopandas.read_file(path, layer="territories")
    assert list(ter["id"]) == ["T1", "T2", "ENT"]
    assert ter.geometry.iloc[0].equals(small_plan.territories["T1"].geometry)
    assert ter.geometry.iloc[1].equals(small_plan.territories["T2"].geometry)
    assert ter.geometry.iloc[2] is None

    rules = pyogrio.read_dataframe(path, layer="td_rules")
    assert list(rules["territory_id"]) == ["ENT", "T1"]


def test_newer_schema_is_refused_clearly(small_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "future.gpkg"
    save_plan(small_plan, path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE td_meta SET value='7' WHERE key='schema_version'")
    with pytest.raises(PlanFileError, match=r"newer version.*schema 7") as err:
        load_plan(path)
    assert "future.gpkg" in str(err.value)


def test_random_bytes_are_not_a_plan(tmp_path: Path) -> None:
    path = tmp_path / "noise.gpkg"
    path.write_bytes(random.Random(1).randbytes(20000))
    with pytest.raises(PlanFileError, match=r"noise\.gpkg.*not a Territory Desktop plan"):
        load_plan(path)


def test_other_geopackage_is_not_a_plan(tmp_path: Path) -> None:
    geopandas = pytest.importorskip("geopandas")
    from shapely.geometry import Point

    path = tmp_path / "other.gpkg"
    geopandas.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326).to_file(path)
    with pytest.raises(PlanFileError, match=r"not a Territory Desktop plan.*another program"):
        load_plan(path)


def test_truncated_file_is_reported_damaged(small_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "cut.gpkg"
    save_plan(small_plan, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(PlanFileError, match=r"cut\.gpkg.*(damaged|not a Territory)"):
        load_plan(path)


def test_bad_value_is_reported_damaged(small_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "bad.gpkg"
    save_plan(small_plan, path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE accounts SET tier='Z' WHERE id='Z3'")
    with pytest.raises(PlanFileError, match=r"damaged: table accounts: .*tier"):
        load_plan(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="does not exist"):
        load_plan(tmp_path / "nope.gpkg")


def test_v1_fixture_loads() -> None:
    plan = load_plan(DATA / "plan_v1.gpkg")
    assert plan.name == "LA fixture v1"
    assert list(plan.accounts) == ["HOSP-0000392801", "HOSP-0005992669", "ZIP-90012"]
    chapman = plan.accounts["HOSP-0005992669"]
    assert (chapman.lat, chapman.lon) == (33.78861494, -117.82641316)
    assert (chapman.segment, chapman.tier, chapman.every_weeks) == ("Enterprise", "B", 2.0)
    assert chapman.notes == "line 1\nline 2"
    assert plan.accounts["ZIP-90012"].approximate_location
    assert plan.reps["R1"].skills == ("cardiology", "ortho")
    assert plan.territories["T1"].geometry.bounds == (-118.0, 33.7, -117.7, 33.9)
    assert plan.territories["ENT"].geometry is None and plan.territories["ENT"].locked
    assert plan.rules == [OverlayRule("RULE1", "segment", "Enterprise", "ENT")]
    assert plan.settings.cadence["C"] == TierCadence("C", 8, 20)
    assert (plan.settings.rotation_weeks, plan.settings.rotation_start) == (8, "2025-01-06")
    assert plan.validate() == []


def test_migrations_run_in_order_on_a_copy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fixture = tmp_path / "v1.gpkg"
    fixture.write_bytes((DATA / "plan_v1.gpkg").read_bytes())
    before = fixture.read_bytes()

    def v1_to_v2(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE td_meta SET value = value || ' (v2)' WHERE key='plan_name'")

    def v2_to_v3(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE td_meta SET value = value || ' (v3)' WHERE key='plan_name'")

    monkeypatch.setattr(planfile, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(planfile, "MIGRATIONS", {1: v1_to_v2, 2: v2_to_v3})
    assert load_plan(fixture).name == "LA fixture v1 (v2) (v3)"
    assert fixture.read_bytes() == before  # opening never modifies the user's file

    monkeypatch.setattr(planfile, "MIGRATIONS", {1: v1_to_v2})
    with pytest.raises(PlanFileError, match="no conversion from schema 2 to 3"):
        load_plan(fixture)


def test_failing_migration_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(planfile, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(planfile, "MIGRATIONS", {1: broken})
    with pytest.raises(PlanFileError, match="converting from schema 1 failed"):
        load_plan(DATA / "plan_v1.gpkg")


def test_user_tables_and_columns_do_not_break_loading(small_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "qgis.gpkg"
    save_plan(small_plan, path)
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE accounts ADD COLUMN region TEXT")
        conn.execute("UPDATE accounts SET region='north'")
        conn.execute("CREATE TABLE my_notes (fid INTEGER PRIMARY KEY, note TEXT)")
        conn.execute("INSERT INTO my_notes (note) VALUES ('keep me')")
        conn.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier) "
            "VALUES ('my_notes', 'attributes', 'my_notes')"
        )
    plan = load_plan(path)
    assert_same_plan(small_plan, plan)
    save_plan(plan, path)  # the user's table survives our save
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT note FROM my_notes").fetchall() == [("keep me",)]
        assert conn.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name='my_notes'"
        ).fetchone() == ("attributes",)
        assert conn.execute("SELECT id, region FROM accounts ORDER BY fid").fetchall() == [
            ("OSM-n1", "north"), ("OSM-w2", "north"), ("Z3", "north")]
    assert_same_plan(small_plan, load_plan(path))


def test_failed_save_keeps_old_file_and_leaves_no_temp(
    small_plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.gpkg"
    save_plan(small_plan, path)
    before = path.read_bytes()

    def boom(*_a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(planfile, "_fsync_file", boom)
    with pytest.raises(PlanFileError, match=r"Cannot save .*p\.gpkg.*No space"):
        save_plan(Plan(name="other"), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.gpkg"]


def test_autosave_and_recovery(small_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "work.gpkg"
    save_plan(small_plan, path)
    assert find_recovery(path) is None
    edited = small_plan.copy()
    edited.name = "edited"
    time.sleep(0.01)
    auto = write_autosave(edited, path)
    assert auto == autosave_path(path) and auto.parent == tmp_path
    os.utime(auto, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert find_recovery(path) == auto
    assert load_plan(find_recovery(path)).name == "edited"
    # After a normal save the autosave is older than the plan: nothing to offer.
    os.utime(path, ns=(auto.stat().st_mtime_ns + 10**9,) * 2)
    assert find_recovery(path) is None
    # A damaged autosave is not offered.
    auto.write_bytes(b"garbage")
    os.utime(auto, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert find_recovery(path) is None
    discard_autosave(path)
    assert not auto.exists()
    # An untitled plan that was never saved: the autosave alone is offered.
    untitled = tmp_path / "untitled.gpkg"
    write_autosave(small_plan, untitled)
    assert find_recovery(untitled) == autosave_path(untitled)


_CHILD = textwrap.dedent(
    """
    import sys
    from territory_desktop.io.planfile import save_plan
    from territory_desktop.model.plan import Account, Plan

    target, n = sys.argv[1], int(sys.argv[2])
    plans = []
    for gen in ("gen-1", "gen-2"):
        p = Plan(name=gen)
        for i in range(n):
            p.accounts[f"{gen}-{i}"] = Account(
                f"{gen}-{i}", f"Account {i}", 39.0 + i * 1e-6, -76.6, notes=gen)
        plans.append(p)
    print("ready", flush=True)
    i = 0
    while True:
        save_plan(plans[i % 2], target)
        i += 1
    """
)


def _assert_whole_generation(path: Path, n: int) -> str:
    plan = load_plan(path)
    assert plan.name in ("gen-0", "gen-1", "gen-2")
    assert {a.notes for a in plan.accounts.values()} <= {plan.name}
    if plan.name != "gen-0":
        assert len(plan.accounts) == n
    return plan.name


def test_killed_save_leaves_old_or_new_plan(tmp_path: Path) -> None:
    """SIGKILL a process at random moments while it saves: the file is always a whole plan."""
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("needs SIGKILL")
    target = tmp_path / "plan.gpkg"
    save_plan(Plan(name="gen-0"), target)
    n = 4000
    rng = random.Random(20240611)
    seen = set()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for _ in range(20):
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(target), str(n)],
            stdout=subprocess.PIPE, env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        seen.add(_assert_whole_generation(target, n))
    assert seen & {"gen-1", "gen-2"}, "the child never completed a save"
    # Killed saves leave only their own temporary files, never a broken target.
    leftovers = [p for p in tmp_path.iterdir() if p != target]
    assert all(p.name.startswith(".plan.gpkg.") and p.suffix == ".tmp" for p in leftovers)


def test_layer_added_with_gdal_survives_our_save(small_plan: Plan, tmp_path: Path) -> None:
    """A layer a user adds in QGIS (GDAL writes it with an R-tree index and triggers)."""
    geopandas = pytest.importorskip("geopandas")
    from shapely.geometry import Point

    path = tmp_path / "plan.gpkg"
    save_plan(small_plan, path)
    extra = geopandas.GeoDataFrame(
        {"label": ["depot"]}, geometry=[Point(-76.6, 39.28)], crs=4326)
    extra.to_file(path, layer="depots", driver="GPKG", mode="a")
    plan = load_plan(path)
    assert_same_plan(small_plan, plan)
    plan.name = "after QGIS"
    save_plan(plan, path)
    again = geopandas.read_file(path, layer="depots")
    assert list(again["label"]) == ["depot"]
    assert again.geometry.iloc[0].equals(Point(-76.6, 39.28))
    assert load_plan(path).name == "after QGIS"
    assert len(geopandas.read_file(path, layer="accounts")) == 3


def test_save_removes_old_temp_files_of_killed_saves(tmp_path: Path) -> None:
    path = tmp_path / "p.gpkg"
    stale = tmp_path / ".p.gpkg.abc123.tmp"
    fresh = tmp_path / ".p.gpkg.def456.tmp"
    other = tmp_path / ".other.gpkg.abc123.tmp"
    for f in (stale, fresh, other):
        f.write_bytes(b"partial")
    old = time.time() - 2 * planfile.STALE_TEMP_SECONDS
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    save_plan(Plan(), path)
    assert not stale.exists()
    assert fresh.exists() and other.exists()  # may be a save in progress / another plan's
