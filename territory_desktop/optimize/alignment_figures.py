"""The figures of one alignment: workload per territory and the balance metrics over them.

What the Design panel shows after every edit, what the Scenarios panel compares and what
``tdesk plan compare`` reports: drive times (computed once per set of accounts, rep homes and
road network, then reused while territories change), each territory's
:class:`~territory_desktop.model.territory_load.TerritoryLoad` and the
:class:`~territory_desktop.model.balance_metrics.BalanceMetrics` of the **scored**
territories: those on the map with a rep (an overlay-only territory is listed, not scored).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from territory_desktop.model.balance_metrics import BalanceMetrics, balance_metrics
from territory_desktop.model.drive_estimate import DriveTimes
from territory_desktop.model.plan import Plan, Scenario
from territory_desktop.model.scenario import RealignmentReport, Side, realignment_report
from territory_desktop.model.territory_load import TerritoryLoad, territory_loads
from territory_desktop.optimize._feedback import Feedback, Progress, Stop

if TYPE_CHECKING:
    from territory_desktop.routing import RoadNetwork

__all__ = ["AlignmentFigures", "alignment_figures", "compare_alignments", "times_key"]


@dataclass(frozen=True)
class AlignmentFigures:
    """Loads of every territory (plan order), metrics of the scored ones, the times used."""

    loads: tuple[TerritoryLoad, ...]
    metrics: BalanceMetrics
    times: DriveTimes
    times_key: Hashable

    @property
    def scored(self) -> tuple[TerritoryLoad, ...]:
        """The loads the metrics are computed over, in plan order."""
        ids = set(self.metrics.territory_ids)
        return tuple(t for t in self.loads if t.territory_id in ids)


def times_key(plan: Plan, network: RoadNetwork | None) -> Hashable:
    """Return what drive times depend on: accounts' places, reps' homes, the network."""
    return (id(network),
            tuple((a.id, a.lat, a.lon) for a in plan.accounts.values()),
            tuple((r.id, r.home_lat, r.home_lon) for r in plan.reps.values()))


def alignment_figures(plan: Plan, territory_of: Mapping[str, str | None],
                      network: RoadNetwork | None = None,
                      reuse: AlignmentFigures | None = None, *,
                      progress: Progress | None = None,
                      should_stop: Stop | None = None) -> AlignmentFigures:
    """Compute the figures of ``plan`` aligned as ``territory_of``.

    Parameters
    ----------
    network
        The plan's road network (None: straight-line drive times, labelled so).
    reuse
        Figures computed earlier: their drive times are reused when the accounts, rep homes
        and network are the same (editing territories does not recompute them).
    """
    from territory_desktop.optimize.drive_times import drive_times
    from territory_desktop.optimize.plan_schedule import scheduled_drive_hours

    fb = Feedback(progress, should_stop)
    key = times_key(plan, network)
    if reuse is not None and reuse.times_key == key:
        times = reuse.times
    else:
        fb.step(0.0, "drive times")
        times = drive_times(plan, network, progress=Feedback(progress, should_stop, 0.0,
                                                             0.7).step,
                            should_stop=should_stop)
    fb.step(0.7, "scheduled drive hours")
    scheduled = (scheduled_drive_hours(plan, territory_of, network)
                 if plan.schedules and network is not None else None)
    fb.step(0.8, "workload per territory")
    loads = tuple(territory_loads(plan, territory_of, times, scheduled)
                  if plan.territories else ())
    scored = [t for t in loads if t.rep_id is not None
              and plan.territories[t.territory_id].geometry is not None]
    fb.step(1.0, "balance figures ready")
    return AlignmentFigures(loads, balance_metrics(scored), times, key)


CURRENT = "Current plan"  # the name of the plan as it is, beside its scenarios


def compare_alignments(base: Plan, territory_of: Mapping[str, str | None],
                       before: Scenario | None, after: Scenario | None,
                       network: RoadNetwork | None = None,
                       reuse: AlignmentFigures | None = None, *,
                       progress: Progress | None = None,
                       should_stop: Stop | None = None) -> RealignmentReport:
    """Return the realignment report from ``before`` to ``after`` (None: the current plan).

    ``territory_of`` is the current plan's alignment; a scenario brings its own. Both sides
    share the plan's accounts and reps, so the drive times are computed once.
    """
    sides = []
    for k, scenario in enumerate((before, after)):
        part = Feedback(progress, should_stop, 0.5 * k, 0.5 * (k + 1))
        plan = base if scenario is None else scenario.plan_view(base)
        owned = territory_of if scenario is None else scenario.territory_of()
        reuse = alignment_figures(plan, owned, network, reuse, progress=part.step,
                                  should_stop=should_stop)
        sides.append(Side(CURRENT if scenario is None else scenario.name, plan, owned,
                          reuse.loads))
    return realignment_report(sides[0], sides[1])
