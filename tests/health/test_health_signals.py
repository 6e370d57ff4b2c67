"""Health signals: raised exactly when their rule holds.

Health signals are raised exactly when their rule holds: at the threshold nothing, just past it
a signal with the rule, value, threshold and action; a missing KPI raises nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from territory_desktop.health import (
    HealthError,
    HealthKpis,
    HealthSettings,
    Kpis,
    assess,
    compute_kpis,
    parse_period,
)
from territory_desktop.io.results import import_results

Q3 = parse_period("2026Q3")


def _kpis(key: str, **values) -> Kpis:
    """Return a territory whose every figure is healthy unless overridden."""
    base = dict(key=key, name=key, rep_id=f"R-{key}", accounts=10,
                by_tier={"A": 2, "B": 3, "C": 5}, potential=100.0, quota=100.0, won=50.0,
                won_deals=5, lost_deals=5, pipeline=300.0, pipeline_deals=6,
                coverage_ratio=6.0, attainment=0.5, win_rate=0.5, avg_deal=10.0,
                cycle_days=30.0, velocity=1.0, visit_coverage=1.0, a_coverage=1.0,
                potential_captured=0.5, white_space=0, white_space_accounts=(),
                utilisation=0.8, workload_share=0.5, potential_share=0.5)
    base.update(values)
    return Kpis(**base)


def _assess(*territories: Kpis, settings: HealthSettings | None = None):
    settings = settings or HealthSettings()
    health = HealthKpis(Q3, dt.date(2026, 9, 30), territories, (), territories[0], settings)
    return [(s.territory_id, s.rule, s.value, s.threshold, s.action) for s in assess(health)]


def test_healthy_territories_raise_nothing():
    assert _assess(_kpis("T1"), _kpis("T2")) == []


@pytest.mark.parametrize(("field", "at", "past", "rule", "threshold", "action"), [
    ("utilisation", 1.0, 1.0001, "utilisation_high", 1.0, "rebalance"),
    ("utilisation", 0.6, 0.5999, "utilisation_low", 0.6, "rebalance"),
    ("coverage_ratio", 3.0, 2.9999, "pipeline_coverage_low", 3.0, None),
    ("a_coverage", 0.9, 0.8999, "a_coverage_low", 0.9, "open_rotation"),  # loaded 80%
])
def test_each_rule_holds_past_its_threshold_only(field, at, past, rule, threshold, action):
    assert _assess(_kpis("T1", **{field: at}), _kpis("T2")) == []
    assert _assess(_kpis("T1", **{field: past}), _kpis("T2")) == [
        ("T1", rule, past, threshold, action)]
    assert _assess(_kpis("T1", **{field: None}), _kpis("T2")) == []


def test_low_a_coverage_is_answered_by_stretching_only_when_the_rep_has_no_room():
    # Loaded 43%: the rep has time to visit the A accounts; visiting less often is no answer.
    found = assess(HealthKpis(Q3, dt.date(2026, 9, 30),
                              (_kpis("T1", a_coverage=0.5, utilisation=0.43),
                               _kpis("T2", a_coverage=0.5, utilisation=1.0),
                               _kpis("T3", a_coverage=0.5, utilisation=None)),
                              (), _kpis("T1"), HealthSettings()))
    low = [s for s in found if s.rule == "a_coverage_low"]
    assert [(s.territory_id, s.action) for s in low] == [
        ("T1", "open_rotation"), ("T2", "stretch_cadence"), ("T3", "open_rotation")]
    assert low[0].message.endswith("the rep has room (loaded 43%)")


def test_win_rate_spread_over_ten_points_flags_the_best_and_the_worst():
    # Exactly 10 points apart: no signal, although 0.8 - 0.7 is 0.10000000000000009 in floats.
    assert 0.8 - 0.7 > 0.1
    assert _assess(_kpis("T1", win_rate=0.8), _kpis("T2", win_rate=0.7),
                   _kpis("T3", win_rate=0.75)) == []
    found = _assess(_kpis("T1", win_rate=0.61), _kpis("T2", win_rate=0.5),
                    _kpis("T3", win_rate=0.55))
    assert [(t, r, a) for t, r, _v, _th, a in found] == [
        ("T1", "win_rate_spread", "realign"), ("T2", "win_rate_spread", "realign")]
    assert found[0][2] == pytest.approx(0.11) and found[0][3] == 0.10
    # a territory with too few deals (None) is not part of the spread
    assert _assess(_kpis("T1", win_rate=0.9), _kpis("T2", win_rate=None)) == []


def test_potential_share_far_from_workload_share():
    """Limit 1.25: ratio 0.625/0.5 = 1.25 is at the limit; 0.4/0.5 = 0.8 = 1/1.25 too."""
    assert _assess(_kpis("T1", potential_share=0.625), _kpis("T2", potential_share=0.4)) == []
    found = _assess(_kpis("T1", potential_share=0.63), _kpis("T2", potential_share=0.39))
    assert [(t, r, a) for t, r, _v, _th, a in found] == [
        ("T1", "potential_share_high", "realign"), ("T2", "potential_share_low", "realign")]
    assert found[0][2:4] == (pytest.approx(1.26), 1.25)
    assert found[1][2:4] == (pytest.approx(0.78), pytest.approx(0.8))
    assert _assess(_kpis("T1", potential_share=0.9, workload_share=0.0)) == []


def test_thresholds_are_settings():
    strict = HealthSettings(utilisation_max=0.7, pipeline_coverage_min=7.0)
    found = _assess(_kpis("T1"), settings=strict)
    assert [r for _t, r, *_ in found] == ["utilisation_high", "pipeline_coverage_low"]
    assert HealthSettings.from_dict(strict.to_dict()) == strict
    with pytest.raises(HealthError, match="minimum utilisation is above the maximum"):
        HealthSettings(utilisation_min=1.2)
    with pytest.raises(HealthError, match="min_deals"):
        HealthSettings(min_deals=-1)


def test_signals_of_the_small_fixture(small):
    """The small fixture raises exactly the signals its hand-computed KPIs call for.

    From the hand-computed KPIs (test_health_kpis): T1 potential share 0.2807 / workload share
    0.375 = 0.749 < 0.8; T2 A coverage 0.5 < 0.9; T2's utilisation is exactly 1.0 (not over);
    T1's 0.75 is inside the band. The quarter is over: no coverage, so no coverage signal.
    """
    results = import_results(small.plan.accounts, small.plan.reps, small.opportunities,
                             small.quotas, small.activities, today=dt.date(2026, 12, 1)).results
    k = compute_kpis(small.plan, results, Q3, HealthSettings(min_deals=3))
    found = [(s.territory_id, s.rule, s.action) for s in assess(k)]
    assert found == [("T1", "potential_share_low", "realign"),
                     ("T2", "a_coverage_low", "stretch_cadence")]
    more_hours = dataclasses.replace(small.plan.reps["R2"], weekly_hours=1.8)
    small.plan.reps["R2"] = more_hours  # 1.875 h of visits in 1.8 h: 104 %
    k = compute_kpis(small.plan, results, Q3, HealthSettings(min_deals=3))
    assert ("T2", "utilisation_high") in [(s.territory_id, s.rule) for s in assess(k)]
