"""``tdesk plan import-results`` and ``tdesk plan health`` run as a user runs them."""

from __future__ import annotations

import json

import pytest

from territory_desktop import cli
from territory_desktop.health import KPI_KINDS, health_report, kpi_text, report_json
from territory_desktop.io.planfile import load_plan, save_plan
from territory_desktop.io.results import import_results
from territory_desktop.resources import resource_path

SAMPLE = resource_path("sample")
RESULTS = SAMPLE / "results"
KEYS = {"id", "rep_id", "pipeline", "coverage_ratio", "attainment", "win_rate", "avg_deal",
        "cycle_days", "velocity", "visit_coverage", "white_space", "signals"}


def _files(small) -> list[str]:
    return ["--opportunities", str(small.opportunities), "--quotas", str(small.quotas),
            "--activities", str(small.activities)]


def test_health_json_has_the_issue_shape_and_the_hand_computed_values(small, tmp_path, capsys):
    """With the default minimum of 5 deals, too few deals give no win rate.

    Same fixture as test_health_kpis, with the default minimum of 5 deals: T1's 4 closed
    deals are too few for a win rate (null).
    """
    plan_path = tmp_path / "small.gpkg"
    save_plan(small.plan, plan_path)
    code = cli.main(["plan", "health", str(plan_path), *_files(small), "--period", "2026Q3",
                     "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    data = json.loads(out.out)
    assert set(data) == {"period", "territories"} and data["period"] == "2026Q3"
    t1, t2 = data["territories"]
    assert set(t1) == KEYS and set(t2) == KEYS
    assert t1 == {  # the quarter is over as of its last day: no coverage
        "id": "T1", "rep_id": "R1", "pipeline": 35000.0, "coverage_ratio": None,
        "attainment": 0.6, "win_rate": None, "avg_deal": None, "cycle_days": None,
        "velocity": None, "visit_coverage": 1.0, "white_space": 0,
        "signals": [{"rule": "potential_share_low", "value": 0.7485, "threshold": 0.8}]}
    assert (t2["attainment"], t2["visit_coverage"], t2["white_space"]) == (0.8333, 0.3333, 1)
    assert [s["rule"] for s in t2["signals"]] == ["a_coverage_low"]


def test_health_on_the_sample_agrees_with_the_core(capsys):
    args = ["plan", "health", str(SAMPLE / "sample_plan.gpkg"),
            "--opportunities", str(RESULTS / "opportunities.csv"),
            "--quotas", str(RESULTS / "quotas.csv"), "--activities",
            str(RESULTS / "activities.csv")]
    assert cli.main([*args, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    plan = load_plan(SAMPLE / "sample_plan.gpkg")
    results = import_results(plan.accounts, plan.reps, RESULTS / "opportunities.csv",
                             RESULTS / "quotas.csv", RESULTS / "activities.csv").results
    assert printed == report_json(health_report(plan, results))
    assert printed["period"] == "2026Q4"  # the quarter of the invented export date
    assert [t["id"] for t in printed["territories"]] == list(plan.territories)
    assert all(set(t) == KEYS for t in printed["territories"])
    assert any(t["signals"] for t in printed["territories"])

    assert cli.main([*args, "--period", "2026Q3"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Territory health 2026Q3 (as of 2026-09-30)")
    assert "Harbor East" in text and "Signals" in text


def test_health_table_writes_each_kpi_as_the_window_does(capsys):
    """Each cell is the Health panel's text (kpi_text): coverage 1.0x, velocity 396/day."""
    plan = load_plan(SAMPLE / "sample_plan.gpkg")
    results = import_results(plan.accounts, plan.reps, RESULTS / "opportunities.csv",
                             RESULTS / "quotas.csv", RESULTS / "activities.csv").results
    kpis = health_report(plan, results).kpis
    assert cli.main(["plan", "health", str(SAMPLE / "sample_plan.gpkg"),
                     "--opportunities", str(RESULTS / "opportunities.csv"),
                     "--quotas", str(RESULTS / "quotas.csv"),
                     "--activities", str(RESULTS / "activities.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[2:] == ["pipeline", "cover", "attain", "win", "avg", "deal",
                                    "cycle", "velocity", "visits", "util", "white"]
    shown = ("pipeline", "coverage_ratio", "attainment", "win_rate", "avg_deal", "cycle_days",
             "velocity", "visit_coverage", "utilisation", "white_space")
    rows = lines[2:3 + len(kpis.territories)]
    for t, row in zip((*kpis.territories, kpis.team), rows, strict=True):
        expected = ["-" if getattr(t, kpi) is None else kpi_text(getattr(t, kpi), KPI_KINDS[kpi])
                    for kpi in shown]
        assert row.startswith(t.name) and row.split()[-10:] == expected, row
    assert "1,265/day" in rows[-1] and "0.8x" in rows[-1]  # the team: velocity, coverage


def test_health_says_once_per_reason_why_a_figure_is_missing_in_the_panel_s_words(capsys):
    """A '-' in the table is explained below it: the reason once, with its columns and rows.

    A figure resting on too few deals says so as the Health panel's cell does.
    """
    args = ["plan", "health", str(SAMPLE / "sample_plan.gpkg"),
            "--opportunities", str(RESULTS / "opportunities.csv"),
            "--quotas", str(RESULTS / "quotas.csv"), "--activities",
            str(RESULTS / "activities.csv")]
    assert cli.main([*args, "--period", "2026Q3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("'-' = no figure, why below")
    assert lines[lines.index("No figure") + 1:] == [
        "  cover of Brewers Hill, Fells Prospect, Harbor East, O'Donnell Heights, Enterprise, "
        "Team: 2026Q3 is over: no pipeline can close in it any more",
        "  avg deal, cycle of Enterprise: too few deals: no won deals in 2026Q3",
        "  velocity of Enterprise: needs the win rate, average deal and cycle length"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert ("  win of O'Donnell Heights: too few deals: 4 closed deals in 2026Q4; "
            "at least 5 needed\n") in text
    assert "  velocity of O'Donnell Heights, Enterprise: needs the win rate" in text


def test_import_results_reports_bad_rows_and_writes_the_problem_csv(small, tmp_path, capsys):
    plan_path = tmp_path / "small.gpkg"
    save_plan(small.plan, plan_path)
    lines = small.opportunities.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",6000,", ",six thousand,")  # line 4 of the file: o3
    lines.append("zz,OSM-nowhere,5,Closed Won,2026-07-01,2026-07-02")  # line 15
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = tmp_path / "problems.csv"
    code = cli.main(["plan", "import-results", str(plan_path), "--opportunities", str(bad),
                     "--quotas", str(small.quotas), "--problems", str(problems)])
    out = capsys.readouterr()
    assert code == 0
    assert f"{bad}:4: column Amount: rejected: amount 'six thousand' is not a number" in out.err
    assert (f"{bad}:15: column Account ID: rejected: account 'OSM-nowhere' is not in the plan"
            in out.err)
    assert f"{bad}: 14 rows, 12 opportunities kept, 2 rejected" in out.out
    assert f"stored in {plan_path}: it now holds 12 opportunities, " in out.out
    assert problems.read_text(encoding="utf-8").count("\n") == 3  # header + 2
    stored = load_plan(plan_path).health.results
    assert stored is not None and len(stored.opportunities) == 12
    assert "zz" not in set(stored.opportunities["id"])

    code = cli.main(["plan", "import-results", str(plan_path), "--opportunities", str(bad),
                     "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["stored"] is True
    assert summary["files"][0]["rejected"] == 2 and summary["files"][0]["kept"] == 12
    # re-importing the same file updated the rows: still 12, not 24
    assert summary["in_plan"]["opportunities"] == 12
    assert load_plan(plan_path).health.results == stored


def test_health_reads_the_results_stored_in_the_plan(small, tmp_path, capsys):
    plan_path = tmp_path / "small.gpkg"
    save_plan(small.plan, plan_path)
    assert cli.main(["plan", "health", str(plan_path), "--json"]) == 2
    assert "holds no CRM results" in capsys.readouterr().err
    assert cli.main(["plan", "import-results", str(plan_path), *_files(small),
                     "--check"]) == 0
    assert "nothing stored" in capsys.readouterr().out
    assert load_plan(plan_path).health.results is None
    assert cli.main(["plan", "import-results", str(plan_path), *_files(small)]) == 0
    capsys.readouterr()
    assert cli.main(["plan", "health", str(plan_path), "--period", "2026Q3", "--json"]) == 0
    from_plan = json.loads(capsys.readouterr().out)
    assert cli.main(["plan", "health", str(plan_path), *_files(small), "--period", "2026Q3",
                     "--json"]) == 0
    from_files = json.loads(capsys.readouterr().out)
    assert from_plan == from_files
    assert from_plan["territories"][0]["attainment"] == 0.6  # the hand-computed figure


def test_explicit_column_mapping_and_missing_columns(small, tmp_path, capsys):
    plan_path = tmp_path / "small.gpkg"
    save_plan(small.plan, plan_path)
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(small.opportunities.read_text(encoding="utf-8").replace(
        "Amount", "Betrag", 1), encoding="utf-8")
    code = cli.main(["plan", "import-results", str(plan_path), "--opportunities", str(renamed)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: {renamed} lacks required columns: amount" in err
    code = cli.main(["plan", "import-results", str(plan_path), "--opportunities", str(renamed),
                     "--map", "opportunities.amount=Betrag"])
    assert code == 0
    assert "13 opportunities kept, 0 rejected" in capsys.readouterr().out


@pytest.mark.parametrize(("extra", "message"), [
    (["--period", "2026Q5"], "error: period '2026Q5' is not a month, quarter or year"),
    (["--period", "2026Q3", "--as-of", "2026-12-01"],
     "error: the day the figures are taken (2026-12-01) is not in 2026Q3"),
    (["--map", "deals.amount=x"], "error: --map 'deals.amount=x': use KIND.FIELD=COLUMN"),
])
def test_bad_arguments_give_one_line_errors(small, tmp_path, capsys, extra, message):
    plan_path = tmp_path / "small.gpkg"
    save_plan(small.plan, plan_path)
    code = cli.main(["plan", "health", str(plan_path), *_files(small), *extra])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(message) and err.count("\n") == 1



def test_snapshots_are_taken_listed_and_compared_from_the_command_line(small, tmp_path, capsys):
    from territory_desktop.health import compare_snapshots, format_change
    from territory_desktop.health.store import snapshots_of

    plan_path = tmp_path / "small.gpkg"
    save_plan(small.plan, plan_path)
    assert cli.main(["plan", "snapshot", str(plan_path)]) == 2
    assert "holds no CRM results" in capsys.readouterr().err
    assert cli.main(["plan", "import-results", str(plan_path), *_files(small)]) == 0
    assert cli.main(["plan", "snapshot", str(plan_path), "--period", "2026Q3",
                     "--as-of", "2026-08-31", "--date", "2026-09-01", "--label", "mid Q3"]) == 0
    assert cli.main(["plan", "snapshot", str(plan_path), "--period", "2026Q3",
                     "--date", "2026-10-01", "--label", "Q3 close"]) == 0
    out = capsys.readouterr().out
    assert "snapshot 2 taken 2026-10-01: 2026Q3 as of 2026-09-30, 'Q3 close'" in out
    assert cli.main(["plan", "snapshots", str(plan_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["snapshots"]
    assert [(s["number"], s["taken"], s["label"], s["as_of"]) for s in listed] == [
        (1, "2026-09-01", "mid Q3", "2026-08-31"), (2, "2026-10-01", "Q3 close", "2026-09-30")]
    assert cli.main(["plan", "snapshots", str(plan_path), "--compare", "1", "2", "--json"]) == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    before, after = snapshots_of(load_plan(plan_path))
    expected = [c for c in compare_snapshots(before, after) if c.scope != "rep"]
    assert [(c["territory_id"], c["kpi"], c["before"], c["after"], c["verdict"])
            for c in changes] == [(c.key, c.kpi, c.before, c.after, c.verdict)
                                  for c in expected]
    assert {c["verdict"] for c in changes} >= {"improved"}
    # the text lists the figures as the Health panel's comparison writes them (50%, not 0.5)
    assert cli.main(["plan", "snapshots", str(plan_path), "--compare", "1", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "North: 1 improved, 1 slipped"
    assert f"  {'Attainment':<20} {'50%':>12} -> {'60%':>12}  improved" in lines
    moved = [format_change(c) for c in expected if c.verdict in ("improved", "slipped")]
    assert [line.split() for line in lines if line.startswith("  ")] == [
        [*label.split(), before, "->", after, verdict]
        for label, before, after, verdict in moved]
    assert cli.main(["plan", "snapshots", str(plan_path), "--compare", "2", "now"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("North: ") and "Team: " in text
    assert cli.main(["plan", "snapshots", str(plan_path), "--compare", "3", "now"]) == 2
    assert "error: no snapshot '3': the plan has 2" in capsys.readouterr().err


def test_health_thresholds_are_shown_set_saved_and_change_the_signals(small, tmp_path, capsys):
    plan_path = tmp_path / "small.gpkg"
    save_plan(small.plan, plan_path)
    health = ["plan", "health", str(plan_path), *_files(small), "--period", "2026Q3",
              "--as-of", "2026-09-29", "--json"]  # a day left: coverage 35,000 / 30,000
    assert cli.main(health) == 0
    t1 = json.loads(capsys.readouterr().out)["territories"][0]
    assert "pipeline_coverage_low" in [s["rule"] for s in t1["signals"]]

    assert cli.main(["plan", "health-thresholds", str(plan_path), "--set",
                     "pipeline_coverage_min=1.1", "--set", "min_deals=3", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["pipeline_coverage_min"] == 1.1 and shown["min_deals"] == 3
    stored = load_plan(plan_path).health.settings
    assert (stored.pipeline_coverage_min, stored.min_deals) == (1.1, 3)
    assert cli.main(health) == 0
    t1 = json.loads(capsys.readouterr().out)["territories"][0]
    assert "pipeline_coverage_low" not in [s["rule"] for s in t1["signals"]]  # 1.17x >= 1.1x


@pytest.mark.parametrize(("spec", "message"), [
    ("coverage=2", "use NAME=VALUE with NAME one of"),
    ("pipeline_coverage_min=lots", "'lots' is not a number"),
    ("min_deals=2.5", "must be a whole number"),
    ("utilisation_min=2", "minimum utilisation is above the maximum"),
    ("utilisation_max=nan", "must be a number of zero or more"),
])
def test_bad_thresholds_are_refused_and_the_plan_is_untouched(small, tmp_path, capsys, spec,
                                                              message):
    plan_path = tmp_path / "small.gpkg"
    save_plan(small.plan, plan_path)
    before = plan_path.read_bytes()
    assert cli.main(["plan", "health-thresholds", str(plan_path), "--set", spec]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert plan_path.read_bytes() == before


def test_utilisation_counts_the_stored_rotations_driving_like_the_window(capsys):
    # The exports plan holds REP-4's rotation; its extract is the sample's, so the CLI times
    # the rotation on road times and prints the territory table's utilisation, not visits only.
    from pathlib import Path

    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.model.workload import workloads
    from territory_desktop.optimize.plan_schedule import scheduled_drive_hours
    from territory_desktop.routing.plan_network import plan_road_network

    path = Path(__file__).resolve().parents[1] / "data" / "exports_plan.gpkg"
    plan = load_plan(path)
    territory_of = assign_accounts(plan).territory_of
    drive = scheduled_drive_hours(plan, territory_of, plan_road_network(plan, path.parent).network)
    assert set(drive) == {"REP-4"} and drive["REP-4"] > 0.2
    table = {w.rep_id: w.utilisation for w in workloads(plan, territory_of, drive.get)}
    visits_only = {w.rep_id: w.utilisation for w in workloads(plan, territory_of)}
    assert f"{table['REP-4']:.0%}" != f"{visits_only['REP-4']:.0%}"
    assert cli.main(["plan", "health", str(path), "--opportunities",
                     str(RESULTS / "opportunities.csv"), "--quotas", str(RESULTS / "quotas.csv"),
                     "--activities", str(RESULTS / "activities.csv")]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if " REP-4 " in line)
    assert row.split()[-2] == f"{table['REP-4']:.0%}"
