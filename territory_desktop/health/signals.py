"""Health signals: the rules a territory breaks, with the value, the threshold and the answer.

A rule holds strictly ("over 10 pp", "under 3x"): a value equal to its threshold raises nothing
(compared with a 1e-9 tolerance so that 0.6 - 0.5 counts as 0.1). A KPI that is None (too few
deals, no quota) raises nothing either: there is nothing to judge.

Rules and the action that answers each (the action ids name the app's tools):

=========================  ==========================================  ==================
rule                       holds when                                  action
=========================  ==========================================  ==================
``win_rate_spread``        best - worst territory win rate > limit;    ``realign``
                           raised on the best and the worst territory
``utilisation_high``       utilisation > ``utilisation_max``           ``rebalance``
``utilisation_low``        utilisation < ``utilisation_min``           ``rebalance``
``pipeline_coverage_low``  coverage ratio < ``pipeline_coverage_min``  None (prospecting)
                           (never for a period that is over)
``a_coverage_low``         A-account coverage < ``a_coverage_min``     ``stretch_cadence``
                           (rep at or over ``utilisation_max``), else  ``open_rotation``
                           (the rep has room to make the visits)
``potential_share_high``   potential share / workload share > limit    ``realign``
``potential_share_low``    that ratio < 1 / limit                      ``realign``
=========================  ==========================================  ==================
"""

from __future__ import annotations

from dataclasses import dataclass

from territory_desktop.health.kpis import HealthKpis, Kpis

__all__ = ["ACTIONS", "OPEN_ROTATION", "REALIGN", "REBALANCE", "RULES", "STRETCH_CADENCE",
           "Signal", "assess"]

REBALANCE = "rebalance"
REALIGN = "realign"
STRETCH_CADENCE = "stretch_cadence"
OPEN_ROTATION = "open_rotation"
ACTIONS = (REBALANCE, REALIGN, STRETCH_CADENCE, OPEN_ROTATION)

RULES: dict[str, str | None] = {
    "win_rate_spread": REALIGN,
    "utilisation_high": REBALANCE,
    "utilisation_low": REBALANCE,
    "pipeline_coverage_low": None,
    "a_coverage_low": STRETCH_CADENCE,
    "potential_share_high": REALIGN,
    "potential_share_low": REALIGN,
}
"""Rule id -> the action id that answers it (None: no tool in the app answers it); a rep
with room answers ``a_coverage_low`` by ``open_rotation`` instead (see the table above)."""

_EPS = 1e-9


@dataclass(frozen=True)
class Signal:
    """One broken rule of one territory."""

    territory_id: str
    rule: str
    value: float
    threshold: float
    action: str | None
    message: str


def assess(kpis: HealthKpis) -> tuple[Signal, ...]:
    """Every signal raised by the territories' KPIs, in territory order then rule order."""
    s = kpis.settings
    found: list[Signal] = []

    def add(k: Kpis, rule: str, value: float, threshold: float, message: str,
            action: str | None = None) -> None:
        found.append(Signal(str(k.key), rule, value, threshold, action or RULES[rule], message))

    rates = [k.win_rate for k in kpis.territories if k.win_rate is not None]
    spread = None
    if len(rates) >= 2:
        best, worst = max(rates), min(rates)
        if best - worst > s.win_rate_spread_max + _EPS:
            spread = (best, worst)
    for k in kpis.territories:
        if spread is not None and k.win_rate in spread:
            best, worst = spread
            add(k, "win_rate_spread", best - worst, s.win_rate_spread_max,
                f"win rates run from {worst:.0%} to {best:.0%} across territories "
                f"(this one {k.win_rate:.0%}); the limit is {s.win_rate_spread_max:.0%} apart")
        u = k.utilisation
        if u is not None and u > s.utilisation_max + _EPS:
            add(k, "utilisation_high", u, s.utilisation_max,
                f"the rep is loaded {u:.0%}, over {s.utilisation_max:.0%}")
        if u is not None and u < s.utilisation_min - _EPS:
            add(k, "utilisation_low", u, s.utilisation_min,
                f"the rep is loaded {u:.0%}, under {s.utilisation_min:.0%}")
        c = k.coverage_ratio
        if c is not None and c < s.pipeline_coverage_min - _EPS:
            add(k, "pipeline_coverage_low", c, s.pipeline_coverage_min,
                f"pipeline covers {c:.1f}x the remaining quota, under "
                f"{s.pipeline_coverage_min:g}x")
        a = k.a_coverage
        if a is not None and a < s.a_coverage_min - _EPS:
            message = (f"{a:.0%} of A accounts visited at their cadence, under "
                       f"{s.a_coverage_min:.0%}")
            if u is not None and u >= s.utilisation_max - _EPS:  # no room: visit less often
                add(k, "a_coverage_low", a, s.a_coverage_min, message)
            else:  # visiting less often is no answer for a rep with time to spare
                room = f"; the rep has room (loaded {u:.0%})" if u is not None else ""
                add(k, "a_coverage_low", a, s.a_coverage_min, message + room, OPEN_ROTATION)
        if k.potential_share is not None and k.workload_share:
            ratio = k.potential_share / k.workload_share
            if ratio > s.share_ratio_max + _EPS:
                add(k, "potential_share_high", ratio, s.share_ratio_max,
                    f"{k.potential_share:.0%} of the potential for {k.workload_share:.0%} of "
                    "the work")
            elif ratio < 1.0 / s.share_ratio_max - _EPS:
                add(k, "potential_share_low", ratio, 1.0 / s.share_ratio_max,
                    f"{k.potential_share:.0%} of the potential for {k.workload_share:.0%} of "
                    "the work")
    return tuple(found)
