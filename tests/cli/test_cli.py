"""``tdesk plan create`` and ``tdesk plan info`` on the bundled sample data."""

import json
import shutil

import pytest

from territory_desktop import cli
from territory_desktop.resources import resource_path

SAMPLE = resource_path("sample")


def test_plan_create_reports_bad_rows_and_keeps_good_ones(tmp_path, capsys):
    accounts = tmp_path / "accounts.csv"
    lines = (SAMPLE / "accounts.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:21]
    cols = header.split(",")
    lat = cols.index("Latitude")
    broken = rows[4].split(",")
    assert len(broken) == len(cols), "pick a row without quoted commas"
    broken[lat] = "ninety"
    rows[4] = ",".join(broken)
    accounts.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "plan.gpkg"
    extract = tmp_path / "roads.osm.pbf"
    shutil.copy(SAMPLE / "baltimore.osm.pbf", extract)
    code = cli.main(["plan", "create", "--accounts", str(accounts), "--reps",
                     str(SAMPLE / "reps.csv"), "--osm", str(extract), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0
    assert f"{accounts}:6: column Latitude: rejected" in captured.err
    assert "19 accounts" in captured.out and "1 rows rejected" in captured.out

    assert cli.main(["plan", "info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["accounts"] == 19
    assert info["reps"] == 5
    assert info["unassigned"] == 0  # Voronoi cells around rep homes cover every account
    assert sum(t["accounts"] for t in info["territories"]) == 19
    assert {t["rep_id"] for t in info["territories"]} <= {f"REP-{i}" for i in range(1, 5)} | {
        "REP-ENT"}
    for t in info["territories"]:
        assert set(t) == {"id", "name", "rep_id", "accounts", "potential",
                          "visit_hours_per_week"}


def test_plan_info_on_sample_matches_the_panel_figures(capsys):
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.io import planfile
    from territory_desktop.model.workload import workloads

    path = SAMPLE / "sample_plan.gpkg"
    assert cli.main(["plan", "info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    plan = planfile.load_plan(path)
    rows = workloads(plan, assign_accounts(plan).territory_of)
    assert [t["id"] for t in info["territories"]] == list(plan.territories)
    for t, w in zip(info["territories"], rows, strict=False):
        assert t["accounts"] == w.accounts
        assert t["visit_hours_per_week"] == pytest.approx(w.visit_hours_per_week, abs=1e-3)


def test_errors_are_one_line_with_exit_2(tmp_path, capsys):
    assert cli.main(["plan", "info", str(tmp_path / "missing.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"not a plan at all")
    assert cli.main(["plan", "info", str(junk)]) == 2
    assert "junk.gpkg" in capsys.readouterr().err


def test_plan_schedule_prints_totals_and_writes_the_plan(tmp_path, capsys, monkeypatch):
    from territory_desktop.io import planfile

    monkeypatch.setenv("TDESK_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "scheduled.gpkg"
    code = cli.main(["plan", "schedule", str(SAMPLE / "sample_plan.gpkg"), "--seconds", "2",
                     "--seed", "1", "--json", "-o", str(out)])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert {r["rep_id"] for r in report["reps"]} == {"REP-1", "REP-2", "REP-3", "REP-4",
                                                      "REP-ENT"}
    for r in report["reps"]:
        assert set(r) == {"rep_id", "drive_hours", "visit_hours", "longest_day_hours",
                          "day_spread_hours", "empty_days", "compliance", "unplaced"}
        assert r["drive_hours"] > 0 and r["visit_hours"] > 0
        assert r["longest_day_hours"] <= 9.0
        assert r["compliance"] == 1.0 and r["unplaced"] == []
    saved = planfile.load_plan(out)
    assert set(saved.schedules) == {r["rep_id"] for r in report["reps"]}
    assert list((tmp_path / "cache" / "networks").glob("*.npz"))


def test_plan_schedule_without_roads_times_rotations_on_straight_lines_as_the_window(
        tmp_path, capsys, monkeypatch):
    from dataclasses import replace

    from territory_desktop import edits
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.io import planfile
    from territory_desktop.optimize.plan_schedule import solve_rep

    monkeypatch.setenv("TDESK_CACHE", str(tmp_path / "cache"))
    plan = planfile.load_plan(SAMPLE / "sample_plan.gpkg")
    for t in plan.territories.values():  # one rep keeps the test quick
        if t.rep_id != "REP-4":
            plan = edits.update_territory(plan, t.id, rep_id=None).plan
    plan.settings = replace(plan.settings, osm_extract="")  # no extract, none stored
    path, out = tmp_path / "no_roads.gpkg", tmp_path / "scheduled.gpkg"
    planfile.save_plan(plan, path)
    args = ["plan", "schedule", str(path), "--seconds", "30", "--seed", "1"]
    assert cli.main([*args, "--json", "-o", str(out)]) == 0
    printed = capsys.readouterr()
    report = json.loads(printed.out)
    assert report["drive_times"] == "straight-line, no road network"
    assert [r["rep_id"] for r in report["reps"]] == ["REP-4"]
    assert report["reps"][0]["drive_hours"] > 0 and report["reps"][0]["compliance"] == 1.0
    assert "the plan names no OSM extract" in printed.err
    assert "straight lines" in printed.err
    assert not (tmp_path / "cache" / "networks").exists()  # nothing compiled
    # the window's engine on straight-line times (no network) makes the same rotation
    window, _ = solve_rep(plan, "REP-4", assign_accounts(plan).territory_of, None, seconds=30,
                          seed=1)
    assert planfile.load_plan(out).schedules["REP-4"].visits == window.visits
    assert cli.main(args) == 0
    assert "(straight-line, no road network)" in capsys.readouterr().out


def test_re_scheduling_keeps_the_days_already_driven(tmp_path, capsys, monkeypatch):
    # The exports fixture's rotation started on 2025-12-29; today (2026-12-04) it is re-planned.
    import datetime as dt
    from pathlib import Path

    from territory_desktop.io import planfile
    from territory_desktop.optimize.plan_schedule import cycle_for, planned_on

    monkeypatch.setenv("TDESK_CACHE", str(tmp_path / "cache"))
    path, out = tmp_path / "plan.gpkg", tmp_path / "re_planned.gpkg"
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "exports_plan.gpkg", path)
    before = planfile.load_plan(path)
    assert cli.main(["plan", "schedule", str(path), "--seconds", "2", "--seed", "7",
                     "-o", str(out)]) == 0
    after = planfile.load_plan(out)
    assert after.schedules["REP-4"] != before.schedules["REP-4"]
    assert after.kept_days
    assert f"note: {len(after.kept_days)} days before today keep the visits they had" in \
        capsys.readouterr().err
    old = cycle_for(before, before.schedules["REP-4"].weeks)
    new = cycle_for(after, after.schedules["REP-4"].weeks)
    day = old.monday
    while day < dt.date(2026, 12, 4):
        assert planned_on(after, "REP-4", new, day) == planned_on(before, "REP-4", old, day)
        day += dt.timedelta(days=1)


def test_pvrp_through_tdesk_uses_the_scheduler_engine(shared_data, capsys):
    from territory_desktop.optimize.cgl_format import CGLRoute, check_solution, read_instance

    instance = shared_data / "pvrp" / "p01.txt"
    assert cli.main(["pvrp", str(instance), "--seconds", "3", "--seed", "1", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    inst = read_instance(instance)
    routes = [CGLRoute(r["day"], r["vehicle"], tuple(r["customers"])) for r in answer["routes"]]
    cost, problems = check_solution(inst, routes)
    assert problems == []
    assert cost == pytest.approx(answer["cost"], rel=1e-9)
    assert cost <= 524.61 * 1.05  # within 5% of the shipped reference solution in 3 s


def test_plan_create_reads_potential_from_the_users_own_column(shared_data, tmp_path, capsys):
    """Feed potential from the Los Angeles file's ``beds`` (issue 8 item 13).

    It could not, so every account became tier C with no potential.
    """
    from territory_desktop.io.planfile import load_plan

    source = shared_data / "accounts" / "la_metro_healthcare_accounts.csv"
    out = tmp_path / "la.gpkg"
    assert cli.main(["plan", "create", "--accounts", str(source), "--column", "potential=beds",
                     "-o", str(out)]) == 0
    accounts = load_plan(out).accounts
    assert accounts["HOSP-0000392801"].potential == 223.0  # its beds
    with_beds = [a for a in accounts.values() if a.potential]
    assert len(with_beds) == 192  # the other 193 rows leave beds blank
    tiers = [a.tier for a in with_beds]
    assert tiers.count("A") == round(0.2 * len(with_beds))
    biggest = max(with_beds, key=lambda a: a.potential)
    assert biggest.tier == "A"


def test_plan_create_refuses_a_column_the_file_lacks(shared_data, tmp_path, capsys):
    source = shared_data / "accounts" / "la_metro_healthcare_accounts.csv"
    assert cli.main(["plan", "create", "--accounts", str(source), "--column", "potential=bedz",
                     "-o", str(tmp_path / "la.gpkg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {source}: no column 'bedz'")
    assert not (tmp_path / "la.gpkg").exists()


def test_plan_create_names_the_file_that_lacks_columns(tmp_path, capsys):
    """Found by tests/io/test_fuzz_inputs.py: the error did not say which file."""
    source = tmp_path / "crm.csv"
    source.write_text("Name,Latitude,Longitude\nOne,39.29,-76.6\n", encoding="utf-8")
    assert cli.main(["plan", "create", "--accounts", str(source), "-o",
                     str(tmp_path / "p.gpkg")]) == 2
    assert capsys.readouterr().err == (f"error: {source} lacks required columns: id "
                                       "(map them with --column)\n")
