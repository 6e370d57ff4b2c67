"""A build from units judges the band on the figures the Design panel shows."""

from __future__ import annotations

import re

import pytest

from territory_desktop.design_edits import apply_unit_design
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.geo.unit_owners import plan_extent
from territory_desktop.geo.units import load_builtin
from territory_desktop.optimize.alignment_figures import alignment_figures
from territory_desktop.optimize.unit_balance import design_from_units, judged_on_plan

OUTSIDE = re.compile(r"territory (.+) cannot reach the ±5% band: ([\d.]+%) (above|below)")


def _verdicts(warnings):
    return {m[1]: (m[2], m[3]) for w in warnings if (m := OUTSIDE.match(w))}


def test_the_build_names_the_territories_the_design_panel_shows_outside(la_plan):
    # The units are balanced on a straight-line drive from each rep's home to each unit; the
    # Design panel measures the plan built (driving between the stops too). On ten LA reps
    # the two disagree: the build's warnings (the edit's notes) are the panel's, figure for
    # figure.
    plan = la_plan(10)
    design = design_from_units(plan, load_builtin("zcta", plan_extent(plan)))
    built = apply_unit_design(plan, design).plan
    judged = judged_on_plan(design, built)
    figures = alignment_figures(built, assign_accounts(built).territory_of)  # the panel's
    work, ids = figures.metrics.criteria["workload"], figures.metrics.territory_ids
    panel = {built.territories[ids[k]].name: (f"{abs(work.deviations[k]):.1%}",
                                              "above" if work.deviations[k] > 0 else "below")
             for k in work.outside(design.tolerance)}
    assert panel
    assert _verdicts(design.warnings) != panel  # the units' own estimate said otherwise
    assert _verdicts(apply_unit_design(plan, judged).notes) == panel
    assert _verdicts(judged.out_of_band) == panel
    for k, t in enumerate(ids):
        assert judged.loads[t] == pytest.approx(work.values[k])
        assert judged.targets[t] == pytest.approx(work.targets[k])
    others = [w for w in design.warnings if w not in design.out_of_band]
    assert [w for w in judged.warnings if w not in judged.out_of_band] == others


def test_a_build_by_population_keeps_its_units_figures(la_plan):
    plan = la_plan(4)
    layer = load_builtin("zcta", plan_extent(plan))
    assert "population" in layer.attributes  # the built-in layers carry census figures
    design = design_from_units(plan, layer, by="population")
    assert judged_on_plan(design, apply_unit_design(plan, design).plan) is design
