"""Encoding a plan into the rows of the plan file's tables."""

from __future__ import annotations

import dataclasses
import json

from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from territory_desktop import __version__
from territory_desktop.io import account_columns, gpkg
from territory_desktop.io.planfile.health import (
    HEALTH_TABLES,
    health_rows,
    health_settings_rows,
)
from territory_desktop.io.planfile.network_rows import network_rows
from territory_desktop.io.planfile.schema import GENERATOR, SCHEMA_VERSION
from territory_desktop.model.plan import Plan, PlanSettings


def _rows_for(table: str, plan: Plan) -> tuple[list[tuple[object, ...]], list[BaseGeometry]]:
    """Rows of ``table`` for ``plan`` (geometry blob first for feature tables), and geometries."""
    rows: list[tuple[object, ...]]
    if table == "territories":
        geoms = [_as_multipolygon(t.geometry) for t in plan.territories.values()]
        rows = [
            (gpkg.to_blob(g), t.id, t.name, t.color, t.rep_id, int(t.locked))
            for t, g in zip(plan.territories.values(), geoms, strict=True)
        ]
        return rows, [g for g in geoms if g is not None]
    if table == "accounts":
        return account_columns.account_rows(list(plan.accounts.values()), gpkg.WGS84)
    if table == "reps":
        points: list[BaseGeometry] = [Point(r.home_lon, r.home_lat) for r in plan.reps.values()]
        rows = [
            (gpkg.to_blob(p), r.id, r.name, r.weekly_hours, json.dumps(list(r.skills)),
             int(r.approximate_home), r.workday_start, r.workday_end, r.max_day_minutes,
             json.dumps([list(d) for d in r.days_off]), int(r.home_office))
            for r, p in zip(plan.reps.values(), points, strict=True)
        ]
        return rows, points
    if table == "td_meta":
        meta = {
            "schema_version": str(SCHEMA_VERSION),
            "app_version": __version__,
            "generator": GENERATOR,
            "plan_name": plan.name,
        }
        return list(meta.items()), []
    if table == "td_rules":
        return [(r.id, r.field, r.value, r.territory_id) for r in plan.rules], []
    if table == "td_cadence":
        cad = plan.settings.cadence
        return [(c.tier, c.every_weeks, c.visit_minutes) for c in cad.values()], []
    if table == "td_settings":
        return [(k, _setting_to_text(v)) for k, v in _scalar_settings(plan.settings).items()
                ] + health_settings_rows(plan.health.settings), []
    if table == "td_schedule":
        return [(s.rep_id, s.weeks, s.seed) for s in plan.schedules.values()], []
    if table == "td_visits":
        # Each schedule's own order, so a loaded schedule equals the saved one.
        return [
            (s.rep_id, v.account_id, v.week, v.weekday, v.order, int(v.pinned), int(v.adhoc))
            for s in plan.schedules.values() for v in s.visits
        ], []
    if table == "td_unplaced":
        return [
            (s.rep_id, u.account_id, u.missing_visits, u.reason)
            for s in plan.schedules.values() for u in s.unplaced
        ], []
    if table == "td_kept_days":
        return [(rep_id, day, json.dumps([list(v) for v in visits]))
                for (rep_id, day), visits in plan.kept_days.items()], []
    if table == "td_visit_log":
        return [
            (e.date, e.rep_id, e.account_id, e.status, e.moved_to, e.odometer_start,
             e.odometer_end, e.distance, e.note, e.unit)
            for e in plan.visit_log
        ], []
    if table in HEALTH_TABLES:
        return health_rows(table, plan), []
    if table == "td_mileage_rates":
        rates = plan.exports.rates
        return [
            (p.start.isoformat(), p.end.isoformat(), str(p.rate), p.currency, p.unit, p.note,
             int(p.verified))
            for p in (rates.periods if rates is not None else ())
        ], []
    if table == "td_expense_presets":
        return [
            (p.name, json.dumps([list(c) for c in p.columns]), p.date_format, p.per,
             p.category, p.cost_centre)
            for p in plan.exports.presets
        ], []
    if table == "td_network":
        return network_rows(plan.network), []
    if table.startswith("td_scenario"):
        return _scenario_rows(table, plan)
    raise AssertionError(f"no writer for table {table}")


def _scenario_rows(table: str, plan: Plan) -> tuple[list[tuple[object, ...]],
                                                     list[BaseGeometry]]:
    scenarios = plan.scenarios
    if table == "td_scenarios":
        return [(s.name, s.created, s.note) for s in scenarios], []
    if table == "td_scenario_territories":
        pairs = [(s.name, t, _as_multipolygon(t.geometry)) for s in scenarios
                 for t in s.territories]
        return [(gpkg.to_blob(g), name, t.id, t.name, t.color, t.rep_id, int(t.locked))
                for name, t, g in pairs], [g for _, _, g in pairs if g is not None]
    if table == "td_scenario_accounts":
        return [(s.name, a, t) for s in scenarios for a, t in s.assignment], []
    if table == "td_scenario_team":
        return [(s.name, r) for s in scenarios for r in s.team], []
    if table == "td_scenario_cadence":
        return [(s.name, c.tier, c.every_weeks, c.visit_minutes)
                for s in scenarios for c in s.cadence], []
    raise AssertionError(f"no writer for table {table}")


def _scalar_settings(settings: PlanSettings) -> dict[str, object]:
    return {
        f.name: getattr(settings, f.name)
        for f in dataclasses.fields(settings)
        if f.name != "cadence"
    }


def _setting_to_text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def _as_multipolygon(geom: BaseGeometry | None) -> MultiPolygon | None:
    if geom is None:
        return None
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    return geom  # type: ignore[return-value]
