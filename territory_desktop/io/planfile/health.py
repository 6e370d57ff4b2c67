"""The plan's health data in the plan file: CRM results, snapshots, health thresholds.

Tables ``td_opportunities``, ``td_quotas``, ``td_activities``, ``td_snapshots`` and
``td_snapshot_kpis`` (see ``schema._RESULTS_TABLES_V3``); the thresholds are ``td_settings`` keys
``health.<name>``. pandas is imported only when a plan has results, so opening a plan without
them (and starting the app) does not load it.
"""

from __future__ import annotations

import json
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


def _floats(column: Any) -> list[float]:
    return column.astype(float).tolist()  # type: ignore[no-any-return]


def _dates(column: Any) -> list[str | None]:
    # Day precision is what the importer keeps; NaT (an open deal with no close date) -> NULL.
    text = column.dt.strftime("%Y-%m-%d").astype(object)
    return text.where(column.notna(), None).tolist()  # type: ignore[no-any-return]


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

    # Checked column by column (450,000 rows in well under a second), the first bad row named.
    o = _Frame("td_opportunities", opportunities, _OPPORTUNITY_COLUMNS)
    o.check_choice("status", ("won", "lost", "open"))
    o.check_amount("amount")
    o.check_date("created", nullable=False)
    o.check_date("closed", nullable=True)
    q = _Frame("td_quotas", quotas, _QUOTA_COLUMNS)
    q.check_amount("amount")
    q.check_count("first_month", 0)
    q.check_count("months", 1)
    a = _Frame("td_activities", activities, _ACTIVITY_COLUMNS)
    a.check_choice("type", ("visit", "call"))
    a.check_date("date", nullable=False)
    return CrmResults(o.conformed(), q.conformed(), a.conformed())


class _Frame:
    """The rows of one results table as a frame (fid first), checked a column at a time."""

    def __init__(self, table: str, rows: list[tuple[Any, ...]],
                 columns: tuple[str, ...]) -> None:
        import pandas as pd

        self.table, self.columns = table, columns
        self.frame = pd.DataFrame.from_records(rows, columns=["fid", *columns])

    def _fail_where(self, bad: Any, column: str, what: str) -> None:
        if bad.any():
            first = bad.to_numpy().nonzero()[0][0]
            fid, value = self.frame["fid"].iloc[first], self.frame[column].iloc[first]
            value = getattr(value, "item", lambda: value)()  # numpy scalar -> its Python value
            shown = "(empty)" if value is None or value != value else repr(value)
            raise HealthTableError(self.table, f"row {fid}: {column} {shown} {what}")

    def check_choice(self, column: str, allowed: tuple[str, ...]) -> None:
        self._fail_where(~self.frame[column].isin(allowed), column,
                         f"is not {', '.join(allowed[:-1])} or {allowed[-1]}")

    def check_amount(self, column: str) -> None:
        import numpy as np
        import pandas as pd

        values = pd.to_numeric(self.frame[column], errors="coerce")
        bad = ~(np.isfinite(values) & (values >= 0))
        self._fail_where(bad, column, "is not an amount of zero or more")
        self.frame[column] = values.astype(float)

    def check_count(self, column: str, least: int) -> None:
        import pandas as pd

        values = pd.to_numeric(self.frame[column], errors="coerce")
        bad = values.isna() | (values < least) | (values.fillna(0) % 1 != 0)
        self._fail_where(bad, column, f"is not a whole number of {least} or more")
        self.frame[column] = values.astype("int64")

    def check_date(self, column: str, nullable: bool) -> None:
        import pandas as pd

        raw = self.frame[column]
        # only text is a date here: pandas would read a number as nanoseconds since 1970
        text = raw.where(raw.map(lambda v: isinstance(v, str)).astype(bool))
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = parsed.isna() & (raw.notna() if nullable else True)
        self._fail_where(bad, column, "is not a date like 2026-07-01")
        self.frame[column] = parsed

    def conformed(self) -> Any:
        """Return the checked frame with the result columns and dtypes."""
        from territory_desktop.model.results import conform

        return conform(self.frame, self.columns)


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
    import datetime as dt

    if not isinstance(value, str):
        return False
    try:
        return dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False
