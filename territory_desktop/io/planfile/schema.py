"""The plan file's schema: its tables, the forward migrations, and the value checks.

A saved plan must pass the value checks to reopen (shared by writing and reading).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator

from territory_desktop.io import gpkg
from territory_desktop.io.gpkg import Column, TableSpec
from territory_desktop.model.health_settings import HealthSettings
from territory_desktop.model.plan import Plan

SCHEMA_VERSION = 5
MAX_ROTATION_WEEKS = 52  # a rotation cycle of up to a year
GENERATOR = "Territory Desktop"
PLAN_SUFFIX = ".gpkg"
HEALTH_SETTING_PREFIX = "health."  # td_settings keys of the health thresholds


class PlanFileError(Exception):
    """A plan file that cannot be read or written; the message names the file and the problem."""


class PlanFileChanged(PlanFileError):
    """A save found the file changed by somebody else since it was opened (see ``expect``)."""


def _one_line(text: str) -> str:
    """Messages are shown in one status line and printed as one CLI line."""
    return " ".join(text.split())


def _os_reason(exc: OSError) -> str:
    return _one_line(exc.strerror or str(exc))


# ---------------------------------------------------------------------------------------------
# The schema: the one place where tables are declared.

# What schema 2 added, declared once and used both by the writer (TABLES) and by the v1 -> v2
# migration. Frozen: a later schema changes TABLES and adds its own migration, never edits these
# (the v1 fixture test would catch it: v1 -> v2 -> v3 would add the same column twice).
_ACCOUNT_COLUMNS_V2 = (
    Column("window_start", "INTEGER"),
    Column("window_end", "INTEGER"),
    Column("closed_weekdays", "TEXT", "DEFAULT '[]'"),
    Column("same_weekday", "INTEGER", "DEFAULT 0"),
)
_REP_COLUMNS_V2 = (
    Column("workday_start", "INTEGER", "DEFAULT 480"),
    Column("workday_end", "INTEGER", "DEFAULT 1020"),
    Column("max_day_minutes", "INTEGER", "DEFAULT 540"),
    Column("days_off", "TEXT", "DEFAULT '[]'"),
)
_SETTINGS_V2 = (("working_weekdays", "[0, 1, 2, 3, 4]"), ("holidays", "[]"), ("day_balance", "1.0"))
_SCHEDULE_TABLES_V2 = (
    TableSpec(
        "td_schedule",
        (
            Column("rep_id", "TEXT", "NOT NULL UNIQUE"),
            Column("weeks", "INTEGER"),
            Column("seed", "INTEGER"),
        ),
        description="Territory Desktop: call rotation per rep",
    ),
    TableSpec(
        "td_visits",
        (
            Column("rep_id", "TEXT", "NOT NULL"),
            Column("account_id", "TEXT", "NOT NULL"),
            Column("week", "INTEGER"),
            Column("weekday", "INTEGER"),
            Column("visit_order", "INTEGER"),
            Column("pinned", "INTEGER", "DEFAULT 0"),
            Column("adhoc", "INTEGER", "DEFAULT 0"),
        ),
        description="Territory Desktop: visits of the rotation (week, weekday 0 = Mon, stop order)",
    ),
    TableSpec(
        "td_unplaced",
        (
            Column("rep_id", "TEXT", "NOT NULL"),
            Column("account_id", "TEXT", "NOT NULL"),
            Column("missing_visits", "INTEGER"),
            Column("reason", "TEXT"),
        ),
        description="Territory Desktop: visits the rotation could not fit, and why",
    ),
    TableSpec(
        "td_visit_log",
        (
            Column("date", "TEXT", "NOT NULL"),
            Column("rep_id", "TEXT"),
            Column("account_id", "TEXT"),
            Column("status", "TEXT"),
            Column("moved_to", "TEXT"),
            Column("odometer_start", "REAL"),
            Column("odometer_end", "REAL"),
            Column("miles", "REAL"),
            Column("note", "TEXT"),
        ),
        description="Territory Desktop: visits done, skipped or moved, with mileage",
    ),
)

# CRM results (territory_desktop.model.results) and health snapshots (health.snapshots'
# to_records form); dates are ISO text, NULL where missing. Health thresholds are td_settings
# keys "health.<name>" (model.health_settings.HealthSettings), written with their defaults.
_RESULTS_TABLES_V3 = (
    TableSpec(
        "td_opportunities",
        (
            Column("id", "TEXT", "NOT NULL UNIQUE"),
            Column("account_id", "TEXT", "NOT NULL"),
            Column("amount", "REAL"),
            Column("stage", "TEXT"),
            Column("created", "TEXT"),
            Column("closed", "TEXT"),
            Column("status", "TEXT"),
        ),
        description="Territory Desktop: CRM opportunities (status won, lost or open)",
    ),
    TableSpec(
        "td_quotas",
        (
            Column("rep_id", "TEXT", "NOT NULL"),
            Column("period", "TEXT", "NOT NULL"),
            Column("first_month", "INTEGER"),
            Column("months", "INTEGER"),
            Column("amount", "REAL"),
        ),
        description="Territory Desktop: quota per rep and period (2026Q3, 2026-07)",
    ),
    TableSpec(
        "td_activities",
        (
            Column("account_id", "TEXT", "NOT NULL"),
            Column("date", "TEXT"),
            Column("type", "TEXT"),
        ),
        description="Territory Desktop: CRM activity history (visit or call)",
    ),
    TableSpec(
        "td_snapshots",
        (
            Column("snapshot", "INTEGER", "NOT NULL UNIQUE"),
            Column("taken", "TEXT"),
            Column("period", "TEXT"),
            Column("as_of", "TEXT"),
            Column("label", "TEXT"),
            Column("settings", "TEXT"),
        ),
        description="Territory Desktop: health snapshots (KPIs frozen with a date)",
    ),
    TableSpec(
        "td_snapshot_kpis",
        (
            Column("snapshot", "INTEGER", "NOT NULL"),
            Column("scope", "TEXT"),
            Column("key", "TEXT"),
            Column("name", "TEXT"),
            Column("rep_id", "TEXT"),
            Column("kpi", "TEXT"),
            Column("value", "REAL"),
            Column("reason", "TEXT"),
        ),
        description="Territory Desktop: the KPIs of each snapshot (territory, rep, team)",
    ),
)
_HEALTH_SETTINGS_V3 = tuple(
    (f"{HEALTH_SETTING_PREFIX}{name}", json.dumps(value))
    for name, value in HealthSettings().to_dict().items()
)

# What schema 3 added (scenarios, CRM results and snapshots, export settings, the road network),
# frozen the same way once schema 3 ships. Each feature declares its own tuple and adds it here.
_EXPORT_REP_COLUMNS_V3 = (Column("home_office", "INTEGER", "DEFAULT 0"),)
_EXPORT_TABLES_V3 = (
    TableSpec(
        "td_mileage_rates",
        (
            Column("period_start", "TEXT", "NOT NULL"),
            Column("period_end", "TEXT", "NOT NULL"),
            Column("rate", "TEXT", "NOT NULL"),  # a decimal as text: money is never rounded
            Column("currency", "TEXT", "DEFAULT 'USD'"),
            Column("unit", "TEXT", "DEFAULT 'mi'"),
            Column("note", "TEXT"),
            Column("verified", "INTEGER", "DEFAULT 1"),
        ),
        description="Territory Desktop: the plan's dated mileage rates (none: shipped defaults)",
    ),
    TableSpec(
        "td_expense_presets",
        (
            Column("name", "TEXT", "NOT NULL UNIQUE"),
            Column("columns", "TEXT"),
            Column("date_format", "TEXT"),
            Column("per", "TEXT"),
            Column("category", "TEXT"),
            Column("cost_centre", "TEXT"),
        ),
        description="Territory Desktop: expense-report presets (columns as JSON [field, name])",
    ),
)

# A plan that travels: its identity (recorded in its rep packs) and its road network, one row
# per compiled array (raw little-endian bytes with their dtype and shape; never a pickle) plus
# one "meta" row holding the network's JSON meta as UTF-8 bytes.
_PACK_SETTINGS_V3 = (("plan_id", ""), ("pack_of", ""))
_NETWORK_TABLES_V3 = (
    TableSpec(
        "td_network",
        (
            Column("name", "TEXT", "NOT NULL UNIQUE"),
            Column("dtype", "TEXT"),
            Column("shape", "TEXT"),
            Column("data", "BLOB"),
        ),
        description="Territory Desktop: the compiled road network, clipped to the plan's area",
    ),
)
_REP_COLUMNS_V3: tuple[Column, ...] = (*_EXPORT_REP_COLUMNS_V3,)
# Scenarios: named alignments (model/scenario.py), linked to their rows by the scenario's name.
_SCENARIO_TABLES_V3 = (
    TableSpec(
        "td_scenarios",
        (
            Column("name", "TEXT", "NOT NULL UNIQUE"),
            Column("created", "TEXT"),
            Column("note", "TEXT"),
        ),
        description="Territory Desktop: scenarios (named alignments), in plan order",
    ),
    TableSpec(
        "td_scenario_territories",
        (
            Column("scenario", "TEXT", "NOT NULL"),
            Column("id", "TEXT", "NOT NULL"),
            Column("name", "TEXT"),
            Column("color", "TEXT"),
            Column("rep_id", "TEXT"),
            Column("locked", "BOOLEAN"),
        ),
        geometry_type="MULTIPOLYGON",
        description="Territory Desktop: the territories of each scenario",
    ),
    TableSpec(
        "td_scenario_accounts",
        (
            Column("scenario", "TEXT", "NOT NULL"),
            Column("account_id", "TEXT", "NOT NULL"),
            Column("territory_id", "TEXT", "NOT NULL"),
        ),
        description="Territory Desktop: account -> territory in each scenario",
    ),
    TableSpec(
        "td_scenario_team",
        (Column("scenario", "TEXT", "NOT NULL"), Column("rep_id", "TEXT", "NOT NULL")),
        description="Territory Desktop: the reps of each scenario's team",
    ),
    TableSpec(
        "td_scenario_cadence",
        (
            Column("scenario", "TEXT", "NOT NULL"),
            Column("tier", "TEXT", "NOT NULL"),
            Column("every_weeks", "REAL"),
            Column("visit_minutes", "REAL"),
        ),
        description="Territory Desktop: a scenario's own tier cadence (no rows: the plan's)",
    ),
)
# Where the plan's public holidays came from ("US-MD"): added within schema 3, optional like
# every settings key (a plan without it reads as "", the plan's country).
_CALENDAR_SETTINGS_V3 = (("holiday_calendar", ""),)
_SETTINGS_V3: tuple[tuple[str, str], ...] = (*_HEALTH_SETTINGS_V3, *_PACK_SETTINGS_V3,
                                             *_CALENDAR_SETTINGS_V3)
_TABLES_V3: tuple[TableSpec, ...] = (*_RESULTS_TABLES_V3, *_EXPORT_TABLES_V3, *_NETWORK_TABLES_V3,
                                     *_SCENARIO_TABLES_V3)

# What schema 4 added: the unit of a visit's readings (the user's distance unit when logging).
# Schema 3 stored none and shipped with miles as the default preference, and no setting in the
# file says otherwise: its readings are read as miles.
_VISIT_LOG_COLUMNS_V4 = (Column("unit", "TEXT", "DEFAULT 'mi'"),)

# What schema 5 added: days already driven that a later edit of the rotation would re-plan,
# kept as they were planned (an older file has none: its rotation edits re-planned them).
_KEPT_DAYS_V5 = TableSpec(
    "td_kept_days",
    (
        Column("rep_id", "TEXT", "NOT NULL"),
        Column("date", "TEXT", "NOT NULL"),
        Column("visits", "TEXT", "DEFAULT '[]'"),
    ),
    description="Territory Desktop: past days' visits as planned before a rotation edit "
                "(JSON list of [account id, holiday it came from or ''])",
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "territories",
            (
                Column("id", "TEXT", "NOT NULL UNIQUE"),
                Column("name", "TEXT"),
                Column("color", "TEXT"),
                Column("rep_id", "TEXT"),
                Column("locked", "BOOLEAN"),
            ),
            geometry_type="MULTIPOLYGON",
            description="Sales territories",
        ),
        TableSpec(
            "accounts",
            (
                Column("id", "TEXT", "NOT NULL UNIQUE"),
                Column("name", "TEXT"),
                Column("address", "TEXT"),
                Column("postal_code", "TEXT"),
                Column("segment", "TEXT"),
                Column("industry", "TEXT"),
                Column("potential", "REAL"),
                Column("tier", "TEXT"),
                Column("every_weeks", "REAL"),
                Column("visit_minutes", "REAL"),
                Column("owner", "TEXT"),
                Column("notes", "TEXT"),
                Column("approximate_location", "BOOLEAN"),
                *_ACCOUNT_COLUMNS_V2,
            ),
            geometry_type="POINT",
            description="Customer accounts",
        ),
        TableSpec(
            "reps",
            (
                Column("id", "TEXT", "NOT NULL UNIQUE"),
                Column("name", "TEXT"),
                Column("weekly_hours", "REAL"),
                Column("skills", "TEXT"),
                Column("approximate_home", "BOOLEAN"),
                *_REP_COLUMNS_V2,
                *_REP_COLUMNS_V3,
            ),
            geometry_type="POINT",
            description="Sales reps at their home base",
        ),
        TableSpec(
            "td_meta",
            (Column("key", "TEXT", "NOT NULL UNIQUE"), Column("value", "TEXT")),
            description="Territory Desktop: file information",
        ),
        TableSpec(
            "td_rules",
            (
                Column("id", "TEXT", "NOT NULL UNIQUE"),
                Column("field", "TEXT"),
                Column("value", "TEXT"),
                Column("territory_id", "TEXT"),
            ),
            description="Territory Desktop: overlay rules, first match wins",
        ),
        TableSpec(
            "td_cadence",
            (
                Column("tier", "TEXT", "NOT NULL UNIQUE"),
                Column("every_weeks", "REAL"),
                Column("visit_minutes", "REAL"),
            ),
            description="Territory Desktop: visit cadence per tier",
        ),
        TableSpec(
            "td_settings",
            (Column("key", "TEXT", "NOT NULL UNIQUE"), Column("value", "TEXT")),
            description="Territory Desktop: plan settings",
        ),
        *_SCHEDULE_TABLES_V2,
        *_TABLES_V3,
        _KEPT_DAYS_V5,
    )
}
TABLES["td_visit_log"] = dataclasses.replace(
    TABLES["td_visit_log"], columns=(*TABLES["td_visit_log"].columns, *_VISIT_LOG_COLUMNS_V4))

# Forward migrations: MIGRATIONS[n] turns a schema-n database into schema n+1, in place, on a
# private in-memory copy (the user's file is never modified by opening it).
Migration = Callable[[sqlite3.Connection], None]


def _add(conn: sqlite3.Connection, columns: dict[str, tuple[Column, ...]],
         settings: tuple[tuple[str, str], ...], tables: tuple[TableSpec, ...]) -> None:
    """Add columns (with their defaults), settings keys and tables to an older plan."""
    for table, added in columns.items():
        for c in added:
            conn.execute(f'ALTER TABLE "{table}" ADD COLUMN "{c.name}" {c.sql_type} '
                         f"{c.constraints}".rstrip())
    conn.executemany("INSERT OR IGNORE INTO td_settings (key, value) VALUES (?, ?)", settings)
    for spec in tables:
        gpkg.create_table(conn, spec)


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Migrate to schema 2: time windows, working hours, scheduling settings, rotation, log."""
    _add(conn, {"accounts": _ACCOUNT_COLUMNS_V2, "reps": _REP_COLUMNS_V2}, _SETTINGS_V2,
         _SCHEDULE_TABLES_V2)


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """Migrate to schema 3: scenarios, CRM results and snapshots, export settings, network."""
    _add(conn, {"reps": _REP_COLUMNS_V3}, _SETTINGS_V3, _TABLES_V3)


def _migrate_3_to_4(conn: sqlite3.Connection) -> None:
    """Migrate to schema 4: the unit of the visit log's readings (miles for older entries)."""
    _add(conn, {"td_visit_log": _VISIT_LOG_COLUMNS_V4}, (), ())


def _migrate_4_to_5(conn: sqlite3.Connection) -> None:
    """Migrate to schema 5: past days kept as planned (none in an older file)."""
    _add(conn, {}, (), (_KEPT_DAYS_V5,))


MIGRATIONS: dict[int, Migration] = {1: _migrate_1_to_2, 2: _migrate_2_to_3, 3: _migrate_3_to_4,
                                    4: _migrate_4_to_5}


# ---------------------------------------------------------------------------------------------
# Values a reopened plan could not use (checked on save and on load)


def _value_problems(plan: Plan) -> Iterator[tuple[str, str]]:
    """(table, message) for values the model accepts but a reopened plan could not use.

    Checked on save and on load alike, so a plan that saves also opens: ISO dates that the
    scheduler parses, weekdays 0..6, whole numbers where counts are meant.
    """
    for rep in plan.reps.values():
        for week, weekday in rep.days_off:
            if week < 0 or not 0 <= weekday <= 6:
                yield "reps", (f"rep {rep.id}: day off (week {week}, weekday {weekday}) needs "
                               "week 0 or later and weekday 0 (Mon) to 6 (Sun)")
    settings = plan.settings
    if not 1 <= settings.rotation_weeks <= MAX_ROTATION_WEEKS:
        yield "td_settings", (f"rotation weeks must be 1 to {MAX_ROTATION_WEEKS}, not "
                              f"{settings.rotation_weeks!r}")
    if settings.rotation_start and not _is_iso_date(settings.rotation_start):
        yield "td_settings", (f"rotation start {settings.rotation_start[:40]!r} is not a date "
                              "like 2025-03-03")
    for weekday in plan.settings.working_weekdays:
        if not _is_weekday(weekday):
            yield "td_settings", f"working weekday {weekday!r} is not 0 (Mon) to 6 (Sun)"
    for day in plan.settings.holidays:
        if not _is_iso_date(day):
            yield "td_settings", f"holiday {day!r} is not a date like 2025-12-25"
    balance = plan.settings.day_balance
    if not (isinstance(balance, int | float) and 0.0 <= balance <= 1.0):
        yield "td_settings", f"day_balance {balance!r} is not between 0 (least driving) and 1"
    for key, schedule in plan.schedules.items():
        what = f"schedule of rep {schedule.rep_id}"
        if key != schedule.rep_id:
            yield "td_schedule", f"{what} is filed under rep {key}"
        if not _is_count(schedule.weeks) or schedule.weeks < 1:
            yield "td_schedule", f"{what}: weeks must be 1 or more, not {schedule.weeks!r}"
        if not _is_count(schedule.seed):
            yield "td_schedule", f"{what}: seed must be a whole number, not {schedule.seed!r}"
        for u in schedule.unplaced:
            if not _is_count(u.missing_visits) or u.missing_visits < 0:
                yield "td_unplaced", (f"{what}: account {u.account_id}: missing visits must be "
                                      f"0 or more, not {u.missing_visits!r}")
    names = [s.name for s in plan.scenarios]
    for name in sorted({n for n in names if names.count(n) > 1}):
        yield "td_scenarios", f"two scenarios are named {name!r}"
    for (rep_id, day), visits in plan.kept_days.items():
        if not _is_iso_date(day):
            yield "td_kept_days", f"kept day of rep {rep_id}: {day!r} is not a date like 2025-03-04"
        for account_id, holiday in visits:
            if holiday and not _is_iso_date(holiday):
                yield "td_kept_days", (f"kept day {day} of rep {rep_id}: account {account_id} "
                                       f"came from {holiday!r}, not a date like 2025-12-25")
    for n, entry in enumerate(plan.visit_log, start=1):
        what = f"entry {n} ({entry.rep_id}, {entry.account_id})"
        if not _is_iso_date(entry.date):
            yield "td_visit_log", f"{what}: date {entry.date!r} is not a date like 2025-03-04"
        if entry.moved_to and not _is_iso_date(entry.moved_to):
            yield "td_visit_log", (f"{what}: moved to {entry.moved_to!r}, not a date like "
                                   "2025-03-04")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_weekday(value: object) -> bool:
    return _is_count(value) and 0 <= value <= 6  # type: ignore[operator]


def _is_iso_date(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False
