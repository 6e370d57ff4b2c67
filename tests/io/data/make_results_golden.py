"""Write ``results_golden.json``: what the CRM results import and the health KPIs gave.

The golden file was written by the row-by-row reader (commit 590c60c, before the columnar
reader) and ``tests/io/test_results_golden.py`` checks that today's code gives the same values
to the last bit: the sample results (Salesforce-style export of the sample plan) and two
hand-written files with every awkward form (``results_mixed_*.csv``: a quoted newline, blank and
whitespace-only rows, a ``sep=`` line, short and long rows, semicolons, day-first dates, bad,
duplicate and unknown rows).

    PYTHONPATH=<checkout> python tests/io/data/make_results_golden.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TODAY = dt.date(2026, 12, 1)


def _cell(value: object) -> object:
    if value is None or value != value:  # None, NaN, NaT
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())  # written when dates were timestamps
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return value if isinstance(value, str | bool | int) else repr(value)


def _rows(rows: list[list[object]], hashed: bool) -> object:
    """Return the rows, or (thousands of sample rows) their count and SHA-256."""
    if not hashed:
        return rows
    text = json.dumps(rows, separators=(",", ":"))
    return [len(rows), hashlib.sha256(text.encode()).hexdigest()]


def digest() -> dict[str, Any]:
    """Return the import results and KPIs as plain JSON values (floats as their repr)."""
    import dataclasses

    from territory_desktop.health import health_report, parse_period
    from territory_desktop.io.planfile import load_plan
    from territory_desktop.io.results import import_results
    from territory_desktop.resources import resource_path

    sample = resource_path("sample")
    plan = load_plan(sample / "sample_plan.gpkg")
    out: dict[str, Any] = {}
    runs = {
        "sample": (sample / "results" / "opportunities.csv", sample / "results" / "quotas.csv",
                   sample / "results" / "activities.csv"),
        "mixed": (HERE / "results_mixed_opportunities.csv", None,
                  HERE / "results_mixed_activities.csv"),
    }
    for name, (opps, quotas, acts) in runs.items():
        report = import_results(plan.accounts, plan.reps, opps, quotas, acts, today=TODAY)
        out[name] = {imp.kind: {
            "rows_read": imp.rows_read,
            "columns": list(imp.frame.columns),
            "rows": _rows([[_cell(v) for v in row] for row in imp.frame.rows()],
                          name == "sample"),
            "problems": [[p.line, p.column, p.value, p.reason, p.skipped]
                         for p in imp.problems],
        } for imp in report.imports}
        if name == "sample":
            health = health_report(plan, report.results, parse_period("2026Q3"))
            kpis = health.kpis
            out["sample_kpis"] = [
                {f.name: _cell(getattr(k, f.name)) if not isinstance(
                    getattr(k, f.name), dict | tuple) else json.loads(json.dumps(
                        getattr(k, f.name), default=str))
                 for f in dataclasses.fields(k)}
                for k in (*kpis.territories, *kpis.reps, kpis.team)]
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results_golden.json"
    target.write_text(json.dumps(digest(), indent=1) + "\n", encoding="utf-8")
