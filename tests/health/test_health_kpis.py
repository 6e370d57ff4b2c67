"""Every KPI of the small fixture (tests/health/conftest.py) against numbers worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from territory_desktop.health import (
    HealthError,
    HealthSettings,
    assess,
    compute_kpis,
    health_report,
    parse_period,
)
from territory_desktop.io.results import import_results

Q3 = parse_period("2026Q3")
SETTINGS = HealthSettings(min_deals=3)


def _results(small):
    report = import_results(small.plan.accounts, small.plan.reps, small.opportunities,
                            small.quotas, small.activities, today=dt.date(2026, 12, 1))
    assert report.problems == []
    return report.results


def test_kpis_match_the_hand_computed_figures(small):
    """Every KPI of the small fixture over 2026Q3, worked out by hand.

    Period 2026Q3 = 1 Jul .. 30 Sep: 92 days, 92/7 = 13.14 weeks; complete (as of 30 Sep).
    Minimum evidence: 3 deals.

    T1 North (a1, a2, a3; rep R1)
      won in Q3: o1 10,000 (1 Jun -> 11 Jul: 40 days), o2 20,000 (1 Jul -> 20 Aug: 50 days),
      o3 6,000 (1 Aug -> 30 Sep, the last day counts: 60 days) = 36,000 in 3 deals.
      o5 closed 30 Jun and o9 1 Oct are outside. Lost in Q3: o4. Win rate 3/4 = 0.75.
      avg deal 36,000/3 = 12,000; cycle (40+50+60)/3 = 50 days.
      pipeline: o6 30,000 (expected 15 Sep) + o8 5,000 (no close date, created 10 Sep)
      = 35,000 in 2 deals; o7 expects 1 Oct: outside.
      quota R1: 2026Q3 60,000 (the June quota does not overlap) -> attainment 0.6;
      coverage: none, the quarter is over as of 30 Sep (see the next test).
      velocity 2 x 12,000 x 0.75 / 50 = 360 per day.
      potential 160,000 -> captured 36,000 / (160,000 x 92/365) = 0.892663.
      visits due: A floor(13.14/1) = 13, B floor(13.14/2) = 6. a1: 13 logged visits, covered;
      a2: 5 activities + 2 visit-log "done" entries, one on an activity's day -> 6, covered
      (the call does not count). visit coverage 2/2 = 1, A coverage 1/1 = 1.
      utilisation: (39 + 13 + 6.5 visit h/yr)/52 = 1.125 h/wk / 1.5 h = 0.75.
    T2 South (b1, b2, b3, b4; rep R2)
      won p1 50,000 (1 deal), lost p2: 2 closed deals < 3 -> win rate, avg deal, cycle and
      velocity are None with reasons.
      pipeline: p3 20,000 (overdue: expected 20 Jul, still open) in 1 deal.
      quota R2: 90,000 for Aug..Oct, 2 of its 3 months in Q3 -> 60,000; attainment 0.833333;
      potential 410,000 -> captured 50,000 / (410,000 x 92/365) = 0.483828.
      visits: b1 planned 4 per 4-week cycle -> 13.14 >= 13 covered; b2 12 logged < 13 not;
      b3 planned 1 per cycle -> 3.29 < 6 not. Visit coverage 1/3, A coverage 1/2.
      utilisation (39 + 39 + 13 + 6.5)/52 = 1.875 h/wk / 1.875 h = 1.0.
      white space: top 20 % of 7 accounts by potential = ceil(1.4) = 2 -> potential >= 150,000:
      b1 (has a deal in Q3) and b4 (only a call and a 2025 deal) -> 1, b4.
    Shares: potential 160/570 = 0.280702 and 410/570 = 0.719298; workload 1.125/3 = 0.375 and
    1.875/3 = 0.625.
    Team: won 86,000 in 4 deals, 2 lost -> win rate 4/6; avg 21,500; cycle 180/4 = 45;
    pipeline 55,000 in 3; quota 120,000 -> attainment 0.716667; velocity 3 x 21,500 x 4/6 / 45
    = 955.556; visit coverage 3/5, A coverage 2/3;
    utilisation mean(0.75, 1.0) = 0.875.
    """
    k = compute_kpis(small.plan, _results(small), Q3, SETTINGS)
    assert k.as_of == dt.date(2026, 9, 30)
    t1, t2 = k.territories
    assert (t1.key, t1.rep_id, t2.key, t2.rep_id) == ("T1", "R1", "T2", "R2")
    assert t1.by_tier == {"A": 1, "B": 1, "C": 1} and t2.by_tier == {"A": 2, "B": 1, "C": 1}
    assert (t1.won, t1.won_deals, t1.lost_deals) == (36_000, 3, 1)
    assert t1.win_rate == 0.75
    assert t1.avg_deal == 12_000 and t1.cycle_days == 50
    assert (t1.pipeline, t1.pipeline_deals) == (35_000, 2)
    assert t1.quota == 60_000 and t1.attainment == pytest.approx(0.6)
    assert t1.coverage_ratio is None
    assert t1.velocity == pytest.approx(360)
    assert t1.potential_captured == pytest.approx(0.892663, abs=1e-6)
    assert (t1.visit_coverage, t1.a_coverage) == (1.0, 1.0)
    assert t1.utilisation == pytest.approx(0.75)
    assert (t1.white_space, t1.white_space_accounts) == (0, ())
    assert list(t1.reasons) == ["coverage_ratio"]

    assert (t2.won, t2.won_deals, t2.lost_deals) == (50_000, 1, 1)
    assert t2.win_rate is None and t2.avg_deal is None and t2.cycle_days is None
    assert t2.velocity is None
    assert t2.reasons["win_rate"] == "2 closed deals in 2026Q3; at least 3 needed"
    assert t2.reasons["avg_deal"] == "1 won deal in 2026Q3; at least 3 needed"
    assert (t2.pipeline, t2.pipeline_deals) == (20_000, 1)
    assert t2.quota == pytest.approx(60_000)
    assert t2.attainment == pytest.approx(50_000 / 60_000)
    assert t2.coverage_ratio is None
    assert t2.potential_captured == pytest.approx(0.483828, abs=1e-6)
    assert t2.visit_coverage == pytest.approx(1 / 3) and t2.a_coverage == 0.5
    assert t2.utilisation == pytest.approx(1.0)
    assert (t2.white_space, t2.white_space_accounts) == (1, (small.ids["b4"],))

    assert t1.potential_share == pytest.approx(160 / 570)
    assert t2.potential_share == pytest.approx(410 / 570)
    assert t1.workload_share == pytest.approx(0.375)
    assert t2.workload_share == pytest.approx(0.625)

    team = k.team
    assert (team.won, team.won_deals, team.lost_deals) == (86_000, 4, 2)
    assert team.win_rate == pytest.approx(4 / 6)
    assert team.avg_deal == 21_500 and team.cycle_days == 45
    assert (team.pipeline, team.pipeline_deals) == (55_000, 3)
    assert team.quota == pytest.approx(120_000)
    assert team.attainment == pytest.approx(86_000 / 120_000)
    assert team.coverage_ratio is None
    assert team.velocity == pytest.approx(3 * 21_500 * (4 / 6) / 45)
    assert team.visit_coverage == pytest.approx(0.6) and team.a_coverage == pytest.approx(2 / 3)
    assert team.utilisation == pytest.approx(0.875)
    assert team.white_space == 1

    r1, r2 = k.reps
    assert (r1.key, r1.won, r1.quota, r1.win_rate) == ("R1", 36_000, 60_000, 0.75)
    assert (r2.key, r2.won, r2.white_space, r2.utilisation) == ("R2", 50_000, 1, 1.0)


def test_pipeline_coverage_only_while_the_period_runs(small):
    """Coverage asks whether the pipeline can still fill the quota: not once the period is over.

    As of 29 Sep (a day left): T1 won o1 and o2 = 30,000 (o3 closes 30 Sep), so coverage is
    35,000 / (60,000 - 30,000); T2 20,000 / (60,000 - 50,000) = 2.0; the team 55,000 /
    (120,000 - 80,000). As of 30 Sep the quarter is over: no coverage, and no signal.
    """
    running = compute_kpis(small.plan, _results(small), Q3, SETTINGS, as_of=dt.date(2026, 9, 29))
    t1, t2 = running.territories
    assert t1.coverage_ratio == pytest.approx(35_000 / 30_000)
    assert t2.coverage_ratio == pytest.approx(2.0)
    assert running.team.coverage_ratio == pytest.approx(55_000 / 40_000)
    assert [s.territory_id for s in assess(running) if s.rule == "pipeline_coverage_low"] == [
        "T1", "T2"]
    over = compute_kpis(small.plan, _results(small), Q3, SETTINGS)
    for k in (*over.territories, over.team):
        assert k.coverage_ratio is None and k.pipeline > 0
        assert k.reasons["coverage_ratio"] == "2026Q3 is over: no pipeline can close in it any more"
    assert "pipeline_coverage_low" not in {s.rule for s in assess(over)}


def test_default_minimum_of_five_deals_hides_small_samples(small):
    """With the default minimum (5 deals) T1's 4 closed and 3 won deals are too few."""
    t1 = compute_kpis(small.plan, _results(small), Q3).territories[0]
    assert t1.win_rate is None
    assert t1.reasons["win_rate"] == "4 closed deals in 2026Q3; at least 5 needed"
    assert t1.reasons["cycle_days"] == "3 won deals in 2026Q3; at least 5 needed"
    assert t1.attainment == pytest.approx(0.6)  # quota figures do not rest on deal counts


def test_quarter_in_progress_prorates_what_is_due(small):
    """Part way through a quarter, only the visits due so far count.

    As of 31 Jul: 31 days = 4.43 weeks elapsed. a1 has 4 visits by then (6, 13, 20, 27 Jul)
    and floor(4.43) = 4 are due: covered. b2 has the same 4 of 4 due; b1 is planned. a2 (B)
    has 4 visits, floor(4.43/2) = 2 due. b3 (B): 0 logged, 2 due, planned 3.29 < 6: not covered.
    Won by then: o1 (11 Jul) and p1 (31 Jul). Potential captured for T1:
    10,000 / (160,000 x 31/365) = 0.735887.
    """
    k = compute_kpis(small.plan, _results(small), Q3, SETTINGS, as_of=dt.date(2026, 7, 31))
    t1, t2 = k.territories
    assert (t1.won, t2.won) == (10_000, 50_000)
    assert (t1.visit_coverage, t1.a_coverage) == (1.0, 1.0)
    assert t2.a_coverage == 1.0 and t2.visit_coverage == pytest.approx(2 / 3)
    assert t1.potential_captured == pytest.approx(10_000 * 365 / (160_000 * 31))
    with pytest.raises(HealthError, match="not in 2026Q3"):
        compute_kpis(small.plan, _results(small), Q3, as_of=dt.date(2026, 10, 1))


def test_month_period_and_missing_quota(small):
    """A month inside a quarter quota gets the prorated share.

    August 2026 (31 days): T1 won o2 20,000 (20 Aug); R1 has no quota for August (its
    2026Q3 quarter is prorated: 60,000 x 1/3 = 20,000 -> attainment 1.0, quota met). R2's
    Aug..Oct quota gives 30,000 for August; p1 closed in July, so T2 won nothing.
    """
    k = compute_kpis(small.plan, _results(small), parse_period("2026-08"), SETTINGS,
                     as_of=dt.date(2026, 8, 30))
    t1, t2 = k.territories
    assert t1.won == 20_000 and t1.quota == pytest.approx(20_000)
    assert t1.attainment == pytest.approx(1.0)
    assert t1.coverage_ratio is None
    assert t1.reasons["coverage_ratio"] == "the quota for 2026-08 is already met"
    assert t2.quota == pytest.approx(30_000) and t2.attainment == 0.0
    k = compute_kpis(small.plan, _results(small), parse_period("2027Q1"), SETTINGS)
    assert k.territories[0].attainment is None
    assert k.territories[0].reasons["attainment"] == "no quota for 2027Q1"


def test_report_defaults_to_the_latest_quarter_in_the_results(small):
    """The latest date in the results is o9's 1 Oct loss: period 2026Q4, as of 1 Oct."""
    report = health_report(small.plan, _results(small), settings=SETTINGS)
    assert report.kpis.period.label == "2026Q4"
    assert report.kpis.as_of == dt.date(2026, 10, 1)
    assert report.kpis.territories[0].lost_deals == 1


def test_accounts_no_longer_in_the_plan_are_left_out_with_a_note(small):
    results = _results(small)
    plan = small.plan.copy()
    del plan.accounts[small.ids["b1"]]
    k = compute_kpis(plan, results, Q3, SETTINGS)
    assert k.territories[1].won == 0
    assert k.notes == ("1 opportunities belong to accounts no longer in the plan; left out",)


def test_progress_and_cancel(small):
    seen: list[float] = []
    compute_kpis(small.plan, _results(small), Q3, progress=lambda f, _m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(HealthError, match="cancelled"):
        compute_kpis(small.plan, _results(small), Q3, should_stop=lambda: True)
