"""The plan's health data in the plan file: CRM results, snapshots, health thresholds.

Tables ``td_opportunities``, ``td_quotas``, ``td_activities``, ``td_snapshots`` and
``td_snapshot_kpis`` (see ``schema._RESULTS_TABLES_V3``); the thresholds are ``td_settings`` keys
``health.<name>``. Results are checked a column at a time with numpy, the first bad row named.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import sqlite3
from collections.abc import Mapping
from typing import Any

import numpy as np

from territory_desktop.io.planfile.schema import HEALTH_SETTING_PREFIX
from territory_desktop.model.health_settings import HealthError, HealthSettings
from territory_desktop.model.plan import Plan
from territory_desktop.model.plan_health import PlanHealth, SnapshotRecord
from territory_desktop.model.results import (
    ACTIVITY_COLUMNS,
    OPPORTUNITY_COLUMNS,
    QUOTA_COLUMNS,
    CrmResults,
    Table,
    conform,
)

Rows = list[tuple[object, ...]]

RESULT_TABLES = ("td_opportunities", "td_quotas", "td_activities")
SNAPSHOT_TABLES = ("td_snapshots", "td_snapshot_kpis")
HEALTH_TABLES = (*RESULT_TABLES, *SNAPSHOT_TABLES)

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
            return list(zip(o["id"].tolist(), o["account_id"].tolist(), _floats(o["amount"]),
                            o["stage"].tolist(), _dates(o["created"]), _dates(o["closed"]),
                            o["status"].tolist(), strict=True))
        if table == "td_quotas":
            q = results.quotas
            return list(zip(q["rep_id"].tolist(), q["period"].tolist(),
                            q["first_month"].astype(int).tolist(),
                            q["months"].astype(int).tolist(), _floats(q["amount"]), strict=True))
        a = results.activities
        return list(zip(a["account_id"].tolist(), _dates(a["date"]), a["type"].tolist(),
                        strict=True))
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


def _floats(column: np.ndarray) -> list[float]:
    return column.astype(float).tolist()  # type: ignore[no-any-return]


def _dates(column: np.ndarray) -> list[str | None]:
    # Day precision is what the importer keeps; NaT (an open deal with no close date) -> NULL.
    return [None if d is None else f"{d:%Y-%m-%d}" for d in column.tolist()]


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


def _read_results(conn: sqlite3.Connection) -> CrmResults | None:
    opportunities = _table(conn, "td_opportunities", OPPORTUNITY_COLUMNS)
    quotas = _table(conn, "td_quotas", QUOTA_COLUMNS)
    activities = _table(conn, "td_activities", ACTIVITY_COLUMNS)
    if not (opportunities or quotas or activities):
        return None
    # Checked column by column (450,000 rows in well under a second), the first bad row named.
    o = _Columns("td_opportunities", opportunities, OPPORTUNITY_COLUMNS)
    o.check_choice("status", ("won", "lost", "open"))
    o.check_amount("amount")
    o.check_date("created", nullable=False)
    o.check_date("closed", nullable=True)
    q = _Columns("td_quotas", quotas, QUOTA_COLUMNS)
    q.check_amount("amount")
    q.check_count("first_month", 0)
    q.check_count("months", 1)
    a = _Columns("td_activities", activities, ACTIVITY_COLUMNS)
    a.check_choice("type", ("visit", "call"))
    a.check_date("date", nullable=False)
    return CrmResults(o.conformed(), q.conformed(), a.conformed())


# The numbers and dates this reader has always accepted (ASCII digits; months and days of one
# or two digits).
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
# Days a plan has always been able to hold (nanosecond timestamps); the importer keeps 1990 on.
_FIRST_DAY, _LAST_DAY = dt.date(1677, 9, 22), dt.date(2262, 4, 11)


def _number(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return float(value)
    return math.nan


def _date(value: object) -> dt.date | None:
    """Return a ``YYYY-MM-DD`` text as a date (None otherwise: a number is not a date here)."""
    m = _DATE.fullmatch(value) if isinstance(value, str) else None
    try:
        day = dt.date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None
    return day if day is not None and _FIRST_DAY <= day <= _LAST_DAY else None


class _Columns:
    """The rows of one results table as columns (fid apart), checked a column at a time."""

    def __init__(self, table: str, rows: list[tuple[Any, ...]],
                 columns: tuple[str, ...]) -> None:
        self.table, self.columns = table, columns
        self.fids = [row[0] for row in rows]
        self.raw = {c: [row[i] for row in rows] for i, c in enumerate(columns, start=1)}
        self.values: dict[str, Any] = dict(self.raw)

    def _fail_where(self, bad: np.ndarray, column: str, what: str) -> None:
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raw = self.raw[column]
            value = raw[first]
            # in a column of numbers and NULLs, every number is shown as a float (as always)
            if (value is not None and all(v is None or type(v) in (int, float) for v in raw)
                    and not all(type(v) is int for v in raw)):
                value = float(value)
            shown = "(empty)" if value is None or value != value else repr(value)
            raise HealthTableError(self.table,
                                   f"row {self.fids[first]}: {column} {shown} {what}")

    def check_choice(self, column: str, allowed: tuple[str, ...]) -> None:
        bad = np.fromiter((not (isinstance(v, str) and v in allowed) for v in self.raw[column]),
                          bool, len(self.fids))
        self._fail_where(bad, column, f"is not {', '.join(allowed[:-1])} or {allowed[-1]}")

    def check_amount(self, column: str) -> None:
        values = np.fromiter(map(_number, self.raw[column]), float, len(self.fids))
        with np.errstate(invalid="ignore"):
            bad = ~(np.isfinite(values) & (values >= 0))
        self._fail_where(bad, column, "is not an amount of zero or more")
        self.values[column] = values

    def check_count(self, column: str, least: int) -> None:
        values = np.fromiter(map(_number, self.raw[column]), float, len(self.fids))
        with np.errstate(invalid="ignore"):
            bad = np.isnan(values) | (values < least) | (np.nan_to_num(values) % 1 != 0)
        self._fail_where(bad, column, f"is not a whole number of {least} or more")
        self.values[column] = values.astype(np.int64)

    def check_date(self, column: str, nullable: bool) -> None:
        raw = self.raw[column]
        by_text: dict[object, dt.date | None] = {}
        for value in set(raw):
            by_text[value] = _date(value)
        parsed = [by_text[v] for v in raw]
        bad = np.fromiter(((p is None and (not nullable or (v is not None and v == v)))
                           for p, v in zip(parsed, raw, strict=True)), bool, len(raw))
        self._fail_where(bad, column, "is not a date like 2026-07-01")
        self.values[column] = np.array(parsed, dtype="datetime64[D]")

    def conformed(self) -> Table:
        """Return the checked columns with the result columns and dtypes."""
        return conform(self.values, self.columns)


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


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False
