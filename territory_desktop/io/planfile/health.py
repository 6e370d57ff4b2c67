"""The plan's health data in the plan file: CRM results, snapshots, health thresholds.

Tables ``td_opportunities``, ``td_quotas``, ``td_activities``, ``td_snapshots`` and
``td_snapshot_kpis`` (see ``schema._RESULTS_TABLES_V3``); the thresholds are ``td_settings`` keys
``health.<name>``. pandas is imported only when a plan has results, so opening a plan without
them (and starting the app) does not load it.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Mapping
from typing import Any

from territory_desktop.io.planfile.schema import HEALTH_SETTING_PREFIX
from territory_desktop.model.health_settings import HealthError, HealthSettings
from territory_desktop.model.plan import Plan
from territory_desktop.model.plan_health import PlanHealth, SnapshotRecord

Rows = list[tuple[object, ...]]

RESULT_TABLES = ("td_opportunities", "td_quotas", "td_activities")
SNAPSHOT_TABLES = ("td_snapshots", "td_snapshot_kpis")
HEALTH_TABLES = (*RESULT_TABLES, *SNAPSHOT_TABLES)

# model.results' frame columns, repeated so reading a plan without results needs no pandas
_OPPORTUNITY_COLUMNS = ("id", "account_id", "amount", "stage", "created", "closed", "status")
_QUOTA_COLUMNS = ("rep_id", "period", "first_month", "months", "amount")
_ACTIVITY_COLUMNS = ("account_id", "date", "type")
_SNAPSHOT_KPI_COLUMNS = ("scope", "key", "name", "rep_id", "kpi", "value", "reason")


# ---------------------------------------------------------------------------------------------
# Writing


def health_rows(table: str, plan: Plan) -> Rows:
    """Rows of one of :data:`HEALTH_TABLES` for ``plan``."""
    health = plan.health
    if table in RESULT_TABLES:
        results = health.results
        if results is None:
            return []
        if table == "td_opportunities":
            o = results.opportunities
            return list(zip(o["id"], o["account_id"], _floats(o["amount"]), o["stage"],
                            _dates(o["created"]), _dates(o["closed"]), o["status"],
                            strict=True))
        if table == "td_quotas":
            q = results.quotas
            return list(zip(q["rep_id"], q["period"], map(int, q["first_month"]),
                            map(int, q["months"]), _floats(q["amount"]), strict=True))
        a = results.activities
        return list(zip(a["account_id"], _dates(a["date"]), a["type"], strict=True))
    if table == "td_snapshots":
        return [(n, s.header["taken"], s.header["period"], s.header["as_of"],
                 s.header.get("label", ""), json.dumps(s.header["settings"], sort_keys=True))
                for n, s in enumerate(health.snapshots, start=1)]
    if table == "td_snapshot_kpis":
        return [(n, *(row[c] for c in _SNAPSHOT_KPI_COLUMNS))
                for n, s in enumerate(health.snapshots, start=1) for row in s.rows]
    raise AssertionError(f"no writer for table {table}")


def health_settings_rows(settings: HealthSettings) -> Rows:
    """Return the ``td_settings`` rows of the health thresholds."""
    return [(f"{HEALTH_SETTING_PREFIX}{k}", json.dumps(v)) for k, v in settings.to_dict().items()]


def _floats(column: Any) -> list[float]:
    return [float(v) for v in column]


def _dates(column: Any) -> list[str | None]:
    # Day precision is what the importer keeps; NaT (an open deal with no close date) -> NULL.
    return [None if v is None or v != v else v.date().isoformat() for v in column]


# ---------------------------------------------------------------------------------------------
# Reading


def read_health(conn: sqlite3.Connection, settings: Mapping[str, object]) -> PlanHealth:
    """Read the health tables and thresholds (``settings``: td_settings key -> text).

    Raises ValueError naming the row (its fid) of a value a plan could not use.
    """
    return PlanHealth(_read_results(conn), _read_snapshots(conn), _read_settings(settings))


def _read_settings(stored: Mapping[str, object]) -> HealthSettings:
    values = {}
    for key, text in stored.items():
        if not key.startswith(HEALTH_SETTING_PREFIX):
            continue
        name = key.removeprefix(HEALTH_SETTING_PREFIX)
        try:
            value = json.loads(str(text))
        except (json.JSONDecodeError, RecursionError):
            value = None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise HealthTableError("td_settings",
                                   f"setting {key} is not a number: {str(text)[:40]!r}")
        values[name] = value
    try:
        return HealthSettings.from_dict(values)
    except HealthError as exc:
        raise HealthTableError("td_settings", str(exc)) from None


def _table(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    names = ", ".join(f'"{c}"' for c in ("fid", *columns))
    return conn.execute(f'SELECT {names} FROM "{table}" ORDER BY fid').fetchall()


def _read_results(conn: sqlite3.Connection) -> Any:
    opportunities = _table(conn, "td_opportunities", _OPPORTUNITY_COLUMNS)
    quotas = _table(conn, "td_quotas", _QUOTA_COLUMNS)
    activities = _table(conn, "td_activities", _ACTIVITY_COLUMNS)
    if not (opportunities or quotas or activities):
        return None
    from territory_desktop.model.results import CrmResults  # pandas: only with results
    for fid, *row in opportunities:
        _check(row[6] in ("won", "lost", "open"), "td_opportunities", fid,
               f"status {row[6]!r} is not won, lost or open")
        _check(_is_amount(row[2]), "td_opportunities", fid, f"amount {row[2]!r}")
        _check(_is_date(row[4]), "td_opportunities", fid, f"created {row[4]!r} is not a date")
        _check(row[5] is None or _is_date(row[5]), "td_opportunities", fid,
               f"closed {row[5]!r} is not a date")
    for fid, *row in quotas:
        _check(_is_amount(row[4]), "td_quotas", fid, f"amount {row[4]!r}")
        _check(isinstance(row[2], int) and row[2] >= 0 and isinstance(row[3], int)
               and row[3] >= 1, "td_quotas", fid, f"months {row[2]!r}, {row[3]!r}")
    for fid, *row in activities:
        _check(row[2] in ("visit", "call"), "td_activities", fid,
               f"type {row[2]!r} is not visit or call")
        _check(_is_date(row[1]), "td_activities", fid, f"date {row[1]!r} is not a date")
    return CrmResults(_frame(opportunities, _OPPORTUNITY_COLUMNS, ("created", "closed")),
                      _frame(quotas, _QUOTA_COLUMNS, ()),
                      _frame(activities, _ACTIVITY_COLUMNS, ("date",)))


def _frame(rows: list[tuple[Any, ...]], columns: tuple[str, ...], dates: tuple[str, ...]) -> Any:
    import pandas as pd

    from territory_desktop.model.results import conform, empty_frame

    if not rows:
        return empty_frame(columns)
    frame = pd.DataFrame([r[1:] for r in rows], columns=list(columns))
    for c in dates:
        frame[c] = pd.to_datetime(frame[c], format="%Y-%m-%d")
    return conform(frame, columns)


def _read_snapshots(conn: sqlite3.Connection) -> tuple[SnapshotRecord, ...]:
    headers = _table(conn, "td_snapshots",
                     ("snapshot", "taken", "period", "as_of", "label", "settings"))
    rows: dict[int, list[dict[str, Any]]] = {}
    for fid, number, *values in _table(conn, "td_snapshot_kpis",
                                       ("snapshot", *_SNAPSHOT_KPI_COLUMNS)):
        row = dict(zip(_SNAPSHOT_KPI_COLUMNS, values, strict=True))
        _check(row["value"] is None or isinstance(row["value"], int | float),
               "td_snapshot_kpis", fid, f"value {row['value']!r} is not a number")
        if row["value"] is not None:
            row["value"] = float(row["value"])
        rows.setdefault(number, []).append(row)
    out = []
    for fid, number, taken, period, as_of, label, settings in headers:
        _check(_is_date(taken) and _is_date(as_of), "td_snapshots", fid,
               f"dates {taken!r}, {as_of!r}")
        try:
            stored = json.loads(settings)
        except (TypeError, json.JSONDecodeError, RecursionError):
            stored = None
        _check(isinstance(stored, dict), "td_snapshots", fid, "settings are not a JSON object")
        _check(bool(rows.get(number)), "td_snapshots", fid, "no KPI rows")
        try:
            kept = HealthSettings.from_dict(stored).to_dict()
        except (HealthError, TypeError, ValueError) as exc:
            raise HealthTableError("td_snapshots", f"row {fid}: settings: {exc}") from None
        header = {"taken": taken, "period": period, "as_of": as_of, "label": label or "",
                  "settings": kept}
        out.append(SnapshotRecord(header, tuple(rows[number])))
    return tuple(out)


class HealthTableError(ValueError):
    """A value of ``table`` that a plan could not use; the message names its row (fid)."""

    def __init__(self, table: str, message: str) -> None:
        super().__init__(message)
        self.table = table


def _check(ok: bool, table: str, fid: object, message: str) -> None:
    if not ok:
        raise HealthTableError(table, f"row {fid}: {message}")


def _is_amount(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def _is_date(value: object) -> bool:
    import datetime as dt

    if not isinstance(value, str):
        return False
    try:
        return dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False
