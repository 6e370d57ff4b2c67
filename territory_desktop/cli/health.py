"""``tdesk plan import-results`` and ``tdesk plan health``.

``import-results`` checks the files against the plan, reports every row it cannot use and
stores the good rows in the plan file (a re-import updates, never duplicates; ``--check``
stores nothing). ``health`` reads the plan's stored results, or the files given instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from territory_desktop.cli import health_snapshots

__all__ = ["health_command", "import_results_command", "register"]

EXIT_ERROR = 2
_KINDS = ("opportunities", "quotas", "activities")


def register(plan_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``import-results``, ``health``, ``snapshot`` and ``snapshots`` to ``tdesk plan``."""
    imp = plan_subparsers.add_parser(
        "import-results", help="store CRM results (opportunities, quotas, activities) in a plan",
        description="Read CRM results exports against a plan, report every row that cannot "
        "be used (file, line, column, reason) and store the good rows in the plan file. "
        "Re-importing updates rows with a known id instead of duplicating them.")
    _results_arguments(imp, required=True)
    imp.add_argument("--check", action="store_true",
                     help="only check the files; store nothing")
    imp.add_argument("--problems", type=Path, help="also write the problems to this CSV file")
    imp.add_argument("--json", action="store_true", help="machine-readable summary")
    imp.set_defaults(func=lambda a: import_results_command(a))
    health = plan_subparsers.add_parser(
        "health", help="territory health: KPIs and signals per territory for a period",
        description="KPIs per territory (pipeline, coverage, attainment, win rate, deal size, "
        "cycle, velocity, visit coverage, white space) and the health signals they raise, from "
        "the results stored in the plan (or from the files given, which are not stored).")
    _results_arguments(health, required=False)
    health.add_argument("--period", help=health_snapshots.PERIOD_HELP)
    health.add_argument("--as-of", type=dt.date.fromisoformat,
                        help="the day the figures are taken, YYYY-MM-DD (default: the latest "
                        "date in the results, within the period)")
    health.add_argument("--json", action="store_true", help="machine-readable output")
    health.set_defaults(func=lambda a: health_command(a))
    health_snapshots.register(plan_subparsers)  # snapshot, snapshots
    limits = plan_subparsers.add_parser(
        "health-thresholds", help="show or set the limits that raise health signals",
        description="Print the plan's health thresholds, or change them with --set and save "
        "the plan. Shares are fractions (0.9 = 90 %), ratios plain numbers (3 = 3x).")
    limits.add_argument("plan", type=Path)
    limits.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="change one threshold (repeatable), e.g. pipeline_coverage_min=2.5")
    limits.add_argument("--json", action="store_true", help="machine-readable output")
    limits.set_defaults(func=lambda a: thresholds_command(a))


def _results_arguments(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("plan", type=Path)
    p.add_argument("--opportunities", type=Path, required=required,
                   help="opportunities CSV or XLSX" + ("" if required else
                                                       " (default: the plan's stored results)"))
    p.add_argument("--quotas", type=Path, help="quotas CSV or XLSX")
    p.add_argument("--activities", type=Path, help="activity history CSV or XLSX")
    p.add_argument("--map", action="append", default=[], metavar="KIND.FIELD=COLUMN",
                   help="use COLUMN for FIELD, e.g. opportunities.amount='Deal value' "
                   "(repeatable; other fields are still recognised by name)")


def _mappings(specs: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for spec in specs:
        target, sep, column = spec.partition("=")
        kind, dot, name = target.strip().partition(".")
        if not sep or not dot or kind not in _KINDS:
            raise ValueError(f"--map {spec!r}: use KIND.FIELD=COLUMN with KIND one of "
                             f"{', '.join(_KINDS)}")
        out.setdefault(kind, {})[name.strip()] = column
    return out


def _import(args: argparse.Namespace, err: TextIO) -> tuple[Any, Any] | None:
    """(plan, ResultsImportReport), or None after printing why nothing could be imported."""
    from territory_desktop.io import planfile
    from territory_desktop.io.results import guess_mapping, import_results
    from territory_desktop.io.tables import read_table

    try:
        explicit = _mappings(args.map)
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        return None
    plan = planfile.load_plan(args.plan)
    files = {k: getattr(args, k) for k in _KINDS}
    mappings = {}
    for kind, mapping in explicit.items():
        if files[kind] is not None:  # explicit fields on top of the recognised ones
            mappings[kind] = {**guess_mapping(kind, read_table(files[kind]).columns), **mapping}
    report = import_results(plan.accounts, plan.reps, mappings=mappings, **files)
    failed = False
    for imp in report.imports:
        if imp.missing_required:
            print(f"error: {imp.source} lacks required columns: "
                  f"{', '.join(imp.missing_required)} (map them with --map "
                  f"{imp.kind}.FIELD=COLUMN)", file=err)
            failed = True
        for p in imp.problems:
            verdict = "rejected" if p.skipped else "warning"
            print(f"{p.source}:{p.line}: column {p.column or '-'}: {verdict}: {p.reason}",
                  file=err)
    return None if failed else (plan, report)


def import_results_command(args: argparse.Namespace, out: TextIO | None = None,
                           err: TextIO | None = None) -> int:
    """Store the results files' good rows in the plan; print a summary. Returns the exit code."""
    from territory_desktop.health.store import store_results
    from territory_desktop.io.planfile import save_plan
    from territory_desktop.io.results import write_problems_csv

    out, err = out or sys.stdout, err or sys.stderr
    done = _import(args, err)
    if done is None:
        return EXIT_ERROR
    plan, report = done
    if args.problems:
        write_problems_csv(args.problems, report.problems)
    summary = [{"kind": imp.kind, "file": imp.source, "rows_read": imp.rows_read,
                "kept": len(imp.frame), "rejected": imp.rows_rejected,
                "mapping": imp.mapping_used} for imp in report.imports]
    stored = None
    if not args.check:
        plan = store_results(plan, report.results).plan
        save_plan(plan, args.plan)
        stored = {name: len(getattr(plan.health.results, name)) for name in _KINDS}
    if args.json:
        print(json.dumps({"files": summary, "stored": stored is not None, "in_plan": stored},
                         indent=2), file=out)
        return 0
    for s in summary:
        print(f"{s['file']}: {s['rows_read']} rows, {s['kept']} {s['kind']} kept, "
              f"{s['rejected']} rejected", file=out)
    if stored is None:
        print("checked only (--check): nothing stored", file=out)
    else:
        print(f"stored in {args.plan}: it now holds " + ", ".join(
            f"{n} {kind}" for kind, n in stored.items()), file=out)
    return 0


def thresholds_command(args: argparse.Namespace, out: TextIO | None = None,
                       err: TextIO | None = None) -> int:
    """Print the plan's health thresholds; with ``--set``, change them and save the plan."""
    from territory_desktop.health.settings import HealthError
    from territory_desktop.health.store import set_thresholds
    from territory_desktop.io import planfile

    out, err = out or sys.stdout, err or sys.stderr
    plan = planfile.load_plan(args.plan)
    values: dict[str, Any] = plan.health.settings.to_dict()
    for spec in args.set:
        name, sep, text = spec.partition("=")
        name = name.strip()
        if not sep or name not in values:
            print(f"error: --set {spec!r}: use NAME=VALUE with NAME one of "
                  f"{', '.join(values)}", file=err)
            return EXIT_ERROR
        try:
            values[name] = float(text)
        except ValueError:
            print(f"error: --set {spec!r}: {text.strip()!r} is not a number", file=err)
            return EXIT_ERROR
        if name == "min_deals" and not values[name].is_integer():
            print(f"error: --set {spec!r}: the minimum number of deals must be a whole number",
                  file=err)
            return EXIT_ERROR
    try:
        settings = type(plan.health.settings).from_dict(values)
    except HealthError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_ERROR
    if settings != plan.health.settings:
        planfile.save_plan(set_thresholds(plan, settings).plan, args.plan)
    shown = settings.to_dict()
    if args.json:
        print(json.dumps(shown, indent=2), file=out)
    else:
        for name, value in shown.items():
            print(f"{name:<24} {value:g}", file=out)
    return 0


def health_command(args: argparse.Namespace, out: TextIO | None = None,
                   err: TextIO | None = None) -> int:
    """Print the health report (the issue's JSON shape with ``--json``). Returns the exit code."""
    from territory_desktop.health.period import PeriodError, parse_period
    from territory_desktop.health.report import health_report, report_json
    from territory_desktop.health.settings import HealthError

    out, err = out or sys.stdout, err or sys.stderr
    try:
        period = parse_period(args.period) if args.period else None
    except PeriodError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_ERROR
    if args.opportunities is None:
        from territory_desktop.io import planfile

        if args.quotas or args.activities or args.map:
            print("error: --quotas, --activities and --map need --opportunities (without "
                  "files the plan's stored results are used)", file=err)
            return EXIT_ERROR

        plan = planfile.load_plan(args.plan)
        results = plan.health.results
        if results is None:
            print(f"error: {args.plan} holds no CRM results: store them with `tdesk plan "
                  "import-results` or give --opportunities", file=err)
            return EXIT_ERROR
    else:
        done = _import(args, err)
        if done is None:
            return EXIT_ERROR
        plan, results = done[0], done[1].results
    try:
        report = health_report(plan, results, period, as_of=args.as_of,
                               scheduled_drive_hours=_scheduled_drive(plan, args.plan, err))
    except HealthError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_ERROR
    if args.json:
        print(json.dumps(report_json(report), indent=2), file=out)
        return 0
    _print_report(report, out)
    return 0


def _scheduled_drive(plan: Any, path: Path, err: TextIO) -> Callable[[str], float | None]:
    """Return rep id -> the stored rotation's driving per week on road times, as the window.

    The road network is loaded at the first question (after the inputs are checked), and only
    for a plan with rotations.
    """
    @functools.cache
    def hours() -> dict[str, float]:
        if not plan.schedules:
            return {}
        from territory_desktop.geo.assignment import assign_accounts
        from territory_desktop.optimize.plan_schedule import scheduled_drive_hours
        from territory_desktop.routing import RoutingError
        from territory_desktop.routing.plan_network import plan_road_network

        try:
            network = plan_road_network(plan, path.resolve().parent).network
        except RoutingError as exc:  # no extract and no stored network, or a broken one
            print(f"note: utilisation counts visit hours only (the rotations' driving needs "
                  f"the road network: {exc})", file=err)
            return {}
        return scheduled_drive_hours(plan, assign_accounts(plan).territory_of, network)

    return lambda rep_id: hours().get(rep_id)


_TABLE = (("pipeline", "pipeline", 10), ("coverage_ratio", "cover", 6),
          ("attainment", "attain", 6), ("win_rate", "win", 5), ("avg_deal", "avg deal", 9),
          ("cycle_days", "cycle", 6), ("velocity", "velocity", 10),
          ("visit_coverage", "visits", 6), ("utilisation", "util", 5),
          ("white_space", "white", 5))
"""The table's KPIs: attribute, header and width; each written as the window writes it."""


def _missing_lines(rows: Sequence[Any]) -> list[str]:
    """Say why the table's '-' have no figure: once per reason, naming the columns and rows.

    Each reads as the Health panel says it (:func:`missing_text`, then the engine's reason):
    "  avg deal, cycle of Enterprise: too few deals: 1 won deal in 2026Q4; at least 5 needed".
    """
    from territory_desktop.health.formats import missing_text

    where: dict[str, dict[str, list[str]]] = {}  # reason -> row -> its columns
    for t in rows:
        for kpi, header, _width in _TABLE:
            if reason := t.reasons.get(kpi):
                where.setdefault(reason, {}).setdefault(t.name, []).append(header)
    lines = []
    for reason, columns_of in where.items():
        said = missing_text(reason)
        note = reason if said == "-" else f"{said}: {reason}"
        names_of: dict[tuple[str, ...], list[str]] = {}
        for name, columns in columns_of.items():
            names_of.setdefault(tuple(columns), []).append(name)
        lines += [f"  {', '.join(columns)} of {', '.join(names)}: {note}"
                  for columns, names in names_of.items()]
    return lines


def _print_report(report: Any, out: TextIO) -> None:
    from territory_desktop.health.formats import KPI_KINDS, kpi_text

    def cell(t: Any, kpi: str) -> str:
        value = getattr(t, kpi)
        return "-" if value is None else kpi_text(value, KPI_KINDS[kpi])

    k = report.kpis
    print(f"Territory health {k.period} (as of {k.as_of}); '-' = no figure, why below", file=out)
    print(f"{'territory':<22} {'rep':<8} "
          + " ".join(f"{header:>{width}}" for _kpi, header, width in _TABLE), file=out)
    for t in (*k.territories, k.team):
        print(f"{t.name[:22]:<22} {(t.rep_id or '-')[:8]:<8} "
              + " ".join(f"{cell(t, kpi):>{width}}" for kpi, _header, width in _TABLE), file=out)
    if report.signals:
        print("\nSignals", file=out)
        names = {t.key: t.name for t in k.territories}
        for s in report.signals:
            action = f" -> {s.action}" if s.action else ""
            print(f"  {names[s.territory_id]}: {s.rule}: {s.message}{action}", file=out)
    if missing := _missing_lines((*k.territories, k.team)):
        print("\nNo figure", file=out)
        print("\n".join(missing), file=out)
    for note in k.notes:
        print(f"note: {note}", file=out)
