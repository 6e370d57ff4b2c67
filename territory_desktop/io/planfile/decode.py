"""Decoding the rows of a plan file's tables into a plan.

Strict about every value, each error naming its table and row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Protocol, TypeVar

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from territory_desktop.io import account_columns, gpkg
from territory_desktop.io.planfile.health import read_health
from territory_desktop.io.planfile.network_rows import read_network
from territory_desktop.io.planfile.schema import PlanFileError, _is_count, _value_problems
from territory_desktop.model.export_settings import (
    ExpensePreset,
    ExportSettings,
    RatePeriod,
    RateTable,
)
from territory_desktop.model.plan import (
    Account,
    OverlayRule,
    Plan,
    PlanError,
    PlanSettings,
    Rep,
    Territory,
    TierCadence,
)
from territory_desktop.model.scenario import Scenario
from territory_desktop.model.schedule import (
    RepSchedule,
    ScheduledVisit,
    ScheduleError,
    UnplacedAccount,
    VisitLogEntry,
)
from territory_desktop.units import distance_unit

log = logging.getLogger(__package__)  # one logger for the plan file, as before the split

_T = TypeVar("_T")


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_Item = TypeVar("_Item", bound=_HasId)


class _TableError(ValueError):
    """A bad value found while reading ``table`` (which may not be the table being assembled)."""

    def __init__(self, table: str, message: str) -> None:
        super().__init__(message)
        self.table = table

_BAD_VALUE = (PlanError, ScheduleError, ValueError, TypeError, KeyError, IndexError,
              gpkg.GeoPackageError)


def _read_plan(conn: sqlite3.Connection, source: Path) -> Plan:
    conn.row_factory = sqlite3.Row
    where = ""
    try:
        where = "td_meta"
        meta = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM td_meta")}
        where = "reps"
        reps = _read_rows(conn, "reps", _rep)
        where = "accounts"
        accounts = account_columns.read_accounts(conn) or _read_rows(conn, "accounts", _account)
        where = "territories"
        territories = _read_rows(conn, "territories", _territory)
        where = "td_rules"
        rules = _read_rows(conn, "td_rules", lambda r: OverlayRule(
            _text(r["id"]), _text(r["field"]), _text(r["value"]), _text(r["territory_id"])))
        where = "td_cadence"
        cadence = {
            c.tier: c for c in _read_rows(conn, "td_cadence", lambda r: TierCadence(
                _text(r["tier"]), _float(r["every_weeks"], "every_weeks"),
                _float(r["visit_minutes"], "visit_minutes")))
        }
        where = "td_settings"
        stored_settings = {r["key"]: r["value"] for r in _rows(conn, "td_settings")}
        settings = _settings(cadence, stored_settings)
        where = "td_schedule"
        schedules = _read_schedules(conn)
        where = "td_visit_log"
        visit_log = _read_rows(conn, "td_visit_log", _log_entry)
        where = "td_kept_days"
        kept_days = dict(_read_rows(conn, "td_kept_days", _kept_day))
        where = "td_opportunities"
        health = read_health(conn, stored_settings)
        where = "td_scenarios"
        scenarios = _read_scenarios(conn)
        where = "td_mileage_rates"
        exports = _export_settings(conn)
        where = "td_network"
        network = read_network(conn)
    except _BAD_VALUE as exc:
        table = getattr(exc, "table", where)  # _TableError, HealthTableError
        raise PlanFileError(
            f"Cannot open {source}: the file is damaged: table {table}: {exc}"
        ) from None
    plan = Plan(
        accounts=_unique(accounts, "account", source),
        reps=_unique(reps, "rep", source),
        territories=_unique(territories, "territory", source),
        rules=rules,
        settings=settings,
        name=meta.get("plan_name") or source.stem,
        schedules=schedules,
        visit_log=visit_log,
        health=health,
        scenarios=scenarios,
        exports=exports,
        kept_days=kept_days,
        network=network,
    )
    problem = next(_value_problems(plan), None)
    if problem is not None:
        raise PlanFileError(
            f"Cannot open {source}: the file is damaged: table {problem[0]}: {problem[1]}"
        )
    return plan


def _rows(conn: sqlite3.Connection, table: str) -> list[sqlite3.Row]:
    return conn.execute(f'SELECT * FROM "{table}" ORDER BY fid').fetchall()


def _read_rows(
    conn: sqlite3.Connection, table: str, build: Callable[[sqlite3.Row], _T]
) -> list[_T]:
    """``build`` applied to each row; a bad value names its row (the fid QGIS shows)."""
    out = []
    for r in _rows(conn, table):
        try:
            out.append(build(r))
        except _BAD_VALUE as exc:
            raise _TableError(table, f"row {r['fid']}: {exc}") from None
    return out


def _read_schedules(conn: sqlite3.Connection) -> dict[str, RepSchedule]:
    """Read the rotations: td_schedule gives the reps, td_visits and td_unplaced their rows."""
    heads: dict[str, tuple[int, int]] = {}
    for rep_id, weeks, seed in _read_rows(conn, "td_schedule", lambda r: (
            _text(r["rep_id"]), _int(r["weeks"], "weeks"), _int(r["seed"], "seed", 0))):
        if rep_id in heads:
            raise ValueError(f"rep {rep_id!r} has two schedules")
        heads[rep_id] = (weeks, seed)
    visits: dict[str, list[ScheduledVisit]] = {rep_id: [] for rep_id in heads}
    unplaced: dict[str, list[UnplacedAccount]] = {rep_id: [] for rep_id in heads}
    for table, build, into in (("td_visits", _visit, visits),
                               ("td_unplaced", _unplaced, unplaced)):
        for rep_id, item in _read_rows(conn, table, build):
            if rep_id not in into:
                raise _TableError(table, f"rep {rep_id!r} has no row in td_schedule")
            into[rep_id].append(item)  # type: ignore[arg-type]
    return {
        rep_id: RepSchedule(rep_id, weeks, tuple(visits[rep_id]), tuple(unplaced[rep_id]), seed)
        for rep_id, (weeks, seed) in heads.items()
    }


def _read_scenarios(conn: sqlite3.Connection) -> list[Scenario]:
    """Read the scenarios: td_scenarios gives them in order, the other tables their rows."""
    heads = _read_rows(conn, "td_scenarios", lambda r: (
        _text(r["name"]), _text(r["created"]), _text(r["note"])))

    def grouped(table: str, build: Callable[[sqlite3.Row], _T]) -> dict[str, list[_T]]:
        out: dict[str, list[_T]] = {name: [] for name, _, _ in heads}
        for name, item in _read_rows(conn, table, lambda r: (_text(r["scenario"]), build(r))):
            if name not in out:
                raise _TableError(table, f"scenario {name!r} has no row in td_scenarios")
            out[name].append(item)
        return out

    territories = grouped("td_scenario_territories", _territory)
    accounts = grouped("td_scenario_accounts", lambda r: (
        _text(r["account_id"]), _text(r["territory_id"])))
    team = grouped("td_scenario_team", lambda r: _text(r["rep_id"]))
    cadence = grouped("td_scenario_cadence", lambda r: TierCadence(
        _text(r["tier"]), _float(r["every_weeks"], "every_weeks"),
        _float(r["visit_minutes"], "visit_minutes")))
    return [Scenario(name, tuple(sorted(accounts[name])), tuple(territories[name]),
                     tuple(team[name]), tuple(cadence[name]), note, created)
            for name, created, note in heads]


def _visit(r: sqlite3.Row) -> tuple[str, ScheduledVisit]:
    return _text(r["rep_id"]), ScheduledVisit(
        account_id=_text(r["account_id"]),
        week=_int(r["week"], "week"),
        weekday=_int(r["weekday"], "weekday"),
        order=_int(r["visit_order"], "visit_order"),
        pinned=_flag(r["pinned"], "pinned"),
        adhoc=_flag(r["adhoc"], "adhoc"),
    )


def _unplaced(r: sqlite3.Row) -> tuple[str, UnplacedAccount]:
    return _text(r["rep_id"]), UnplacedAccount(
        _text(r["account_id"]), _int(r["missing_visits"], "missing_visits"), _text(r["reason"]))


def _kept_day(r: sqlite3.Row) -> tuple[tuple[str, str], tuple[tuple[str, str], ...]]:
    visits = []
    for item in _json_list(r["visits"], "visits"):
        if not (isinstance(item, list) and len(item) == 2
                and all(isinstance(x, str) for x in item)):
            raise ValueError(f"visits must hold [account id, holiday] pairs, not {item!r}")
        visits.append((item[0], item[1]))
    return (_text(r["rep_id"]), _text(r["date"])), tuple(visits)


def _log_entry(r: sqlite3.Row) -> VisitLogEntry:
    return VisitLogEntry(
        date=_text(r["date"]),
        rep_id=_text(r["rep_id"]),
        account_id=_text(r["account_id"]),
        status=_text(r["status"]),
        moved_to=_text(r["moved_to"]),
        odometer_start=_opt_float(r["odometer_start"], "odometer_start"),
        odometer_end=_opt_float(r["odometer_end"], "odometer_end"),
        distance=_opt_float(r["miles"], "miles"),
        note=_text(r["note"]),
        unit=distance_unit(_text(r["unit"])),
    )


def _export_settings(conn: sqlite3.Connection) -> ExportSettings:
    """Read the plan's rate table (None when it has no rows: the shipped defaults) and presets."""
    periods = _read_rows(conn, "td_mileage_rates", _rate_period)
    try:
        rates = RateTable(tuple(periods)) if periods else None
    except ValueError as exc:  # a gap or an overlap: the whole table is unusable
        raise _TableError("td_mileage_rates", str(exc)) from None
    presets = _read_rows(conn, "td_expense_presets", lambda r: ExpensePreset(
        _text(r["name"]), _columns(r["columns"]) or ExpensePreset.columns,
        _text(r["date_format"]) or "%Y-%m-%d",
        _text(r["per"]) or "day", _text(r["category"]), _text(r["cost_centre"])))
    try:
        return ExportSettings(rates, tuple(presets))
    except ValueError as exc:
        raise _TableError("td_expense_presets", str(exc)) from None


def _rate_period(r: sqlite3.Row) -> RatePeriod:
    rate = _text(r["rate"]).strip()
    try:
        value = Decimal(rate)
    except ArithmeticError:
        raise ValueError(f"rate must be a number, not {rate!r}") from None
    return RatePeriod(_iso_date(r["period_start"], "period_start"),
                      _iso_date(r["period_end"], "period_end"), value,
                      _text(r["currency"]).strip().upper() or "USD",
                      _text(r["unit"]).strip().lower() or "mi", _text(r["note"]),
                      _flag(r["verified"], "verified") if r["verified"] is not None else True)


def _iso_date(value: object, what: str) -> dt.date:
    text = _text(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a date like 2025-01-01") from None


def _columns(value: object) -> tuple[tuple[str, str], ...]:
    out = []
    for item in _json_list(value, "columns"):
        if (not isinstance(item, list) or len(item) != 2
                or not all(isinstance(x, str) for x in item)):
            raise ValueError(f"columns must hold [field, name] pairs, not {item!r}")
        out.append((item[0], item[1]))
    return tuple(out)


def _unique(items: list[_Item], what: str, source: Path) -> dict[str, _Item]:
    out: dict[str, _Item] = {}
    for item in items:
        if item.id in out:
            raise PlanFileError(
                f"Cannot open {source}: the file is damaged: {what} id {item.id!r} appears twice"
            )
        out[item.id] = item
    return out


def _text(value: object) -> str:
    if isinstance(value, bytes):  # str() would turn it into "b'...'" silently
        raise ValueError("binary data where text belongs")
    return "" if value is None else str(value)


def _opt_float(value: object, what: str = "value") -> float | None:
    if value is None or value == "":
        return None
    return _float(value, what)


def _float(value: object, what: str) -> float:
    """Read a finite number from a REAL column (QGIS may have stored "12.5")."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{what} must be a number, not {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return number


_NO_DEFAULT = object()


def _int(value: object, what: str, default: object = _NO_DEFAULT) -> int:
    """Read a whole number from an INTEGER column (QGIS may have stored 480.0 or "480")."""
    if value is None or value == "":
        if default is _NO_DEFAULT:
            raise ValueError(f"{what} is empty")
        return default  # type: ignore[return-value]
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            value = float(text) if _is_number(text) else value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    return value


def _opt_int(value: object, what: str) -> int | None:
    return None if value is None or value == "" else _int(value, what)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _flag(value: object, what: str) -> bool:
    """Read a 0/1 column; NULL (a row added in QGIS) is 0."""
    number = _int(value, what, 0)
    if number not in (0, 1):
        raise ValueError(f"{what} must be 0 or 1, not {value!r}")
    return bool(number)


def _json_list(value: object, what: str) -> list[object]:
    """Read a JSON list column; NULL or empty text is an empty list."""
    text = _text(value).strip()
    if not text:
        return []
    try:
        items = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"{what} is not a JSON list: {text!r}") from None
    if not isinstance(items, list):
        raise ValueError(f"{what} is not a JSON list: {text!r}")
    return items


def _int_tuple(value: object, what: str) -> tuple[int, ...]:
    return tuple(_strict_int(v, what) for v in _json_list(value, what))


def _strict_int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must hold whole numbers, not {value!r}")
    return value


def _pairs(value: object, what: str) -> tuple[tuple[int, int], ...]:
    out = []
    for item in _json_list(value, what):
        if not isinstance(item, list) or len(item) != 2:
            raise ValueError(f"{what} must hold [week, weekday] pairs, not {item!r}")
        out.append((_strict_int(item[0], what), _strict_int(item[1], what)))
    return tuple(out)


def _point(blob: bytes | None, what: str) -> tuple[float, float]:
    geom = gpkg.from_blob(blob)
    if not isinstance(geom, Point) or geom.is_empty:
        raise ValueError(f"{what} has no point location")
    return geom.y, geom.x


def _account(r: sqlite3.Row) -> Account:
    lat, lon = _point(r["geom"], f"account {r['id']}")
    return Account(
        id=_text(r["id"]),
        name=_text(r["name"]),
        lat=lat,
        lon=lon,
        address=_text(r["address"]),
        postal_code=_text(r["postal_code"]),
        segment=_text(r["segment"]),
        industry=_text(r["industry"]),
        potential=_opt_float(r["potential"], "potential"),
        tier=_text(r["tier"]) or "C",
        every_weeks=_opt_float(r["every_weeks"], "every_weeks"),
        visit_minutes=_opt_float(r["visit_minutes"], "visit_minutes"),
        owner=_text(r["owner"]),
        notes=_text(r["notes"]),
        approximate_location=bool(r["approximate_location"]),
        window_start=_opt_int(r["window_start"], "window_start"),
        window_end=_opt_int(r["window_end"], "window_end"),
        closed_weekdays=_int_tuple(r["closed_weekdays"], "closed_weekdays"),
        same_weekday=_flag(r["same_weekday"], "same_weekday"),
    )


def _rep(r: sqlite3.Row) -> Rep:
    lat, lon = _point(r["geom"], f"rep {r['id']}")
    skills_text = _text(r["skills"])
    skills = tuple(json.loads(skills_text)) if skills_text.startswith("[") else tuple(
        s.strip() for s in skills_text.split(";") if s.strip()
    )
    return Rep(
        id=_text(r["id"]),
        name=_text(r["name"]),
        home_lat=lat,
        home_lon=lon,
        weekly_hours=_opt_float(r["weekly_hours"], "weekly_hours") or _REP_DEFAULTS.weekly_hours,
        skills=tuple(str(s) for s in skills),
        approximate_home=bool(r["approximate_home"]),
        workday_start=_int(r["workday_start"], "workday_start", _REP_DEFAULTS.workday_start),
        workday_end=_int(r["workday_end"], "workday_end", _REP_DEFAULTS.workday_end),
        max_day_minutes=_int(r["max_day_minutes"], "max_day_minutes",
                             _REP_DEFAULTS.max_day_minutes),
        days_off=_pairs(r["days_off"], "days_off"),
        home_office=_flag(r["home_office"], "home_office"),
    )


_REP_DEFAULTS = Rep("defaults", "", 0.0, 0.0)


def _territory(r: sqlite3.Row) -> Territory:
    geom = gpkg.from_blob(r["geom"])
    if geom is not None:
        geom = None if geom.is_empty else _polygonal(geom, r["id"])
    return Territory(
        id=_text(r["id"]),
        name=_text(r["name"]),
        color=_text(r["color"]),
        rep_id=_text(r["rep_id"]) or None,
        geometry=geom,
        locked=bool(r["locked"]),
    )


def _polygonal(geom: BaseGeometry, tid: str) -> BaseGeometry:
    if not geom.is_valid:
        # A polygon edited in QGIS may self-intersect; keep the territory and repair it.
        log.warning("territory %s: invalid geometry repaired on load", tid)
        geom = shapely.make_valid(geom)
        parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in (
            "Polygon", "MultiPolygon")]
        geom = shapely.union_all(parts) if parts else Polygon()
    if isinstance(geom, MultiPolygon) and len(geom.geoms) == 1:
        return geom.geoms[0]
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"territory {tid}: geometry is a {geom.geom_type}, not a polygon")
    return geom


def _settings(cadence: dict[str, TierCadence], values: dict[str, object]) -> PlanSettings:
    defaults = PlanSettings()
    kwargs: dict[str, object] = {}
    for f in dataclasses.fields(PlanSettings):
        if f.name == "cadence" or f.name not in values:
            continue
        kwargs[f.name] = _setting(f.name, getattr(defaults, f.name), values[f.name])
    full_cadence = dict(defaults.cadence)
    full_cadence.update(cadence)
    return PlanSettings(cadence=full_cadence, **kwargs)  # type: ignore[arg-type]


def _setting(name: str, default: object, stored: object) -> object:
    """Read one setting from its text in td_settings, of the type of its default.

    Strictly: a rotation length of 2.5 or "true" is damage, not a value to round or guess.
    """
    raw = _text(stored)
    what = f"setting {name}"
    if isinstance(default, str):
        return raw
    if isinstance(default, tuple):
        return tuple(_json_list(raw, what))
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError(f"{what} is not a value: {raw[:40]!r}") from None
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{what} must be true or false, not {raw[:40]!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not _is_count(value):
            raise ValueError(f"{what} must be a whole number, not {raw[:40]!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise ValueError(f"{what} must be a number, not {raw[:40]!r}")
        return float(value)
    return value
