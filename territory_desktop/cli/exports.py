"""``tdesk export PLAN KIND ...`` and ``tdesk import PLAN territories|visit-log FILE``.

Every export is written atomically; a bad request prints one ``error: ...`` line and exits
with status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from territory_desktop.io.exports._files import ExportError

if TYPE_CHECKING:
    from territory_desktop.io.exports.rates import RateTable
    from territory_desktop.io.exports.trips import Trips
    from territory_desktop.model import Plan
    from territory_desktop.routing import RoadNetwork

__all__ = ["register"]

EXIT_ERROR = 2
TRIP_FORMATS = {"mileage": ("csv", "xlsx", "pdf"), "planned-vs-logged": ("csv", "xlsx", "pdf"),
                "expenses": ("csv", "xlsx"), "gpx": ("gpx",), "ics": ("ics",),
                "daysheet": ("pdf",)}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def call(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except ExportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERROR

    return call


def _format(args: argparse.Namespace, allowed: tuple[str, ...]) -> str:
    from territory_desktop.io.exports._files import check_target

    check_target(args.output, args.plan)  # before any routing: a bad target fails at once
    fmt: str = args.format or args.output.suffix.lstrip(".").lower()
    if fmt not in allowed:
        raise ExportError(f"{args.kind}: format must be {' or '.join(allowed)} (--format, or the "
                          f"suffix of {args.output})")
    return fmt


def _load(path: Path) -> Plan:
    from territory_desktop.io import load_plan

    return load_plan(path)


def _network(plan: Plan, plan_path: Path, cache: Path | None) -> RoadNetwork:
    from territory_desktop.routing import RoutingError
    from territory_desktop.routing.plan_network import plan_road_network

    try:
        source = plan_road_network(plan, plan_path.resolve().parent, network_file=cache)
    except RoutingError as exc:
        raise ExportError(f"{plan_path}: {exc}") from None
    if source.embedded:
        print(f"note: {source.source}", file=sys.stderr)
    return source.network


def _range(args: argparse.Namespace) -> tuple[dt.date, dt.date]:
    if args.week is not None:
        if args.start or args.end:
            raise ExportError("give either --week or --from/--to, not both")
        monday = args.week - dt.timedelta(days=args.week.weekday())
        return monday, monday + dt.timedelta(days=6)
    if args.start is None or args.end is None:
        raise ExportError("give the dates: --from DATE --to DATE, or --week DATE")
    return args.start, args.end


def _trips(args: argparse.Namespace, plan: Plan) -> Trips:
    import dataclasses

    from territory_desktop.io.exports.trips import build_trips, rep_and_schedule

    rep = rep_and_schedule(plan, args.rep)
    start, end = _range(args)
    if args.home_office:
        plan = plan.copy()
        plan.reps[rep.id] = dataclasses.replace(rep, home_office=True)
    network = _network(plan, args.plan, args.network_cache)
    return build_trips(plan, args.rep, start, end, network, unit=args.unit)


def _rates(choice: str | None, plan: Plan) -> RateTable | None:
    from territory_desktop.io.exports.rates import default_rates, plan_rates, read_rates

    if choice is None:
        return None
    if choice == "plan":
        return plan_rates(plan)
    return default_rates() if choice == "irs" else read_rates(Path(choice))


def _warn(warnings: Any) -> None:
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)


def _export_trips(args: argparse.Namespace) -> int:
    from territory_desktop.io.exports import mileage, routepack

    fmt = _format(args, TRIP_FORMATS[args.kind])
    plan = _load(args.plan)
    rates = _rates(getattr(args, "rates", None) or ("plan" if args.kind == "expenses" else None),
                   plan)
    trips = _trips(args, plan)
    kind, out = args.kind, args.output
    # Logs and claims hold the days driven (up to today); route packs the plan ahead.
    counted = trips.driven() if kind in ("mileage", "planned-vs-logged", "expenses") else trips
    days = len(counted.days)
    summary = (f"{days} day{'' if days == 1 else 's'}, {counted.printed('business')} business "
               f"{counted.unit} of {counted.printed()}")  # as the file prints them
    if kind == "mileage":
        report = mileage.write_mileage_log(trips, out, fmt, rates)
        _warn(report.warnings)
    elif kind == "planned-vs-logged":
        report = mileage.planned_vs_logged_report(trips)
        mileage.write_report(report, out, fmt)
        _warn(report.warnings)
    elif kind == "expenses":
        assert rates is not None
        expenses = _write_expenses(args, plan, trips, rates, fmt)
        count = len(expenses.lines)
        summary += (f"; {count} line{'' if count == 1 else 's'}, {expenses.total} "
                    f"{expenses.currency}")
    elif kind == "gpx":
        routepack.write_gpx(trips, out)
    elif kind == "ics":
        routepack.write_ics(trips, out)
    else:
        routepack.write_day_sheets(trips, out)
    if kind in ("gpx", "ics", "daysheet"):
        _warn(trips.warnings)
    print(f"wrote {out}: {summary}")
    return 0


def _write_expenses(args: argparse.Namespace, plan: Plan, trips: Trips, rates: RateTable,
                    fmt: str) -> Any:
    import dataclasses

    from territory_desktop.io.exports.expenses import (
        EXPENSE_FIELDS,
        ExpensePreset,
        load_presets,
        save_presets,
        write_expenses,
    )

    presets = load_presets(args.presets) if args.presets else {}
    # The plan's own presets, unless a --presets file names one the same.
    chosen = {p.name: p for p in plan.exports.presets} | presets
    if args.preset and args.preset not in chosen:
        where = f"the plan{' or ' + str(args.presets) if args.presets else ''} has "
        names = ", ".join(sorted(chosen)) or "none"
        raise ExportError(f"no expense preset named {args.preset!r} ({where}{names})")
    preset = chosen[args.preset] if args.preset else ExpensePreset("standard")
    changes: dict[str, Any] = {}
    if args.column:
        columns = []
        for item in args.column:
            name, _, header = item.partition("=")
            columns.append((name.strip(), header.strip() or EXPENSE_FIELDS.get(name.strip(), "")))
        changes["columns"] = tuple(columns)
    for key in ("per", "date_format", "cost_centre"):
        if getattr(args, key) is not None:
            changes[key] = getattr(args, key)
    if args.save_preset:
        changes["name"] = args.save_preset
    preset = dataclasses.replace(preset, **changes)
    if args.save_preset:
        if not args.presets:
            raise ExportError("--save-preset needs --presets FILE to save it in")
        save_presets(args.presets, {**presets, preset.name: preset})
    report = write_expenses(trips, rates, args.output, fmt, preset)
    _warn(report.warnings)
    return report


def _export_assignments(args: argparse.Namespace) -> int:
    from territory_desktop.io.exports.assignments import write_assignments

    fmt = _format(args, ("csv", "xlsx"))
    previous = _load(args.previous) if args.previous else None
    if args.effective and previous is None:
        raise ExportError("--effective goes with --previous PLAN (the alignment before)")
    count = write_assignments(_load(args.plan), args.output, fmt, previous, args.effective)
    print(f"wrote {args.output}: {count} accounts")
    return 0


def _export_gis(args: argparse.Namespace) -> int:
    from territory_desktop.io.exports._files import check_target
    from territory_desktop.io.exports.gis import GIS_FORMATS, write_plan_layer

    check_target(args.output, args.plan)
    fmt = args.format or {s: f for f, (_, s) in GIS_FORMATS.items()}.get(
        args.output.suffix.lower(), "")
    if fmt not in GIS_FORMATS:
        raise ExportError(f"{args.kind}: format must be one of {', '.join(GIS_FORMATS)} "
                          f"(--format, or the suffix of {args.output})")
    plan = _load(args.plan)
    files = write_plan_layer(plan, args.kind, args.output, fmt)
    count = len(plan.territories if args.kind == "territories" else plan.accounts)
    print(f"wrote {', '.join(str(f) for f in files)}: {count} {args.kind}")
    return 0


def _import_territories(args: argparse.Namespace) -> int:
    from territory_desktop.io import save_plan
    from territory_desktop.io.exports.gis import read_territories

    plan = _load(args.plan)
    result = read_territories(args.file, args.layer)
    for p in result.problems:
        print(p, file=sys.stderr)
    from territory_desktop.import_edits import import_territories

    edit = import_territories(plan, result.territories, args.replace)
    for note in edit.notes:
        print(f"{args.file}: warning: {note}", file=sys.stderr)
    new = edit.plan
    out = args.output or args.plan
    save_plan(new, out)
    print(f"wrote {out}: {len(result.territories)} territories imported, "
          f"{sum(1 for p in result.problems if ': rejected' in p)} rejected")
    return 0


def _export_rep_pack(args: argparse.Namespace) -> int:
    from territory_desktop.io import save_plan
    from territory_desktop.io.exports.reppack import (
        check_pack_target,
        with_identity,
        write_rep_pack,
    )

    check_pack_target(args.output, args.plan)
    master = _load(args.plan)
    if args.rep not in master.reps:
        raise ExportError(f"no rep {args.rep!r} in {args.plan}")
    plan = with_identity(master)
    if plan is not master:
        save_plan(plan, args.plan)
        print(f"note: gave {args.plan} an identity (plan id {plan.settings.plan_id[:8]}) and "
              "saved it, so the returned pack can be matched to it", file=sys.stderr)
    pack = write_rep_pack(plan, args.rep, _network(plan, args.plan, args.network_cache),
                          args.output, plan_file=args.plan)
    print(f"wrote {args.output}: rep {args.rep}, {pack.describe()}")
    return 0


def _import_visit_log(args: argparse.Namespace) -> int:
    from territory_desktop.io import save_plan
    from territory_desktop.io.exports.reppack import merge_visit_log

    master = _load(args.plan)
    merged = merge_visit_log(master, _load(args.pack), str(args.pack), keep=args.conflicts)
    for c in merged.conflicts:
        print(f"conflict: {c.describe()}", file=sys.stderr)
    _warn(merged.warnings)
    out = args.output or args.plan
    save_plan(merged.plan, out)
    print(f"wrote {out}: {merged.summary()}")
    return 0


def _trip_options(p: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    p.add_argument("--rep", required=True, help="rep id")
    p.add_argument("--from", dest="start", type=_date, help="first date (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", type=_date, help="last date, inclusive")
    p.add_argument("--week", type=_date, help="instead of --from/--to: the week of this date")
    p.add_argument("--unit", choices=("mi", "km"), default="mi", help="distance unit (mi)")
    p.add_argument("--home-office", action="store_true",
                   help="the rep works from a home office: home legs are business miles "
                   "(default: the rep's setting in the plan)")
    p.add_argument("--network-cache", type=Path,
                   help="compiled network file (default: in the user cache folder)")
    p.add_argument("--format", choices=formats, help="default: the output file's suffix")
    p.add_argument("-o", "--output", type=Path, required=True, help="file to write")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export`` and ``import`` to a ``tdesk`` argument parser."""
    export = subparsers.add_parser("export", help="write logs, reports, route packs and GIS "
                                   "files from a plan")
    export.add_argument("plan", type=Path, help="plan file (.gpkg)")
    kinds = export.add_subparsers(dest="kind", required=True)
    helps = {
        "mileage": "IRS-style mileage log per leg with day/week/period totals",
        "planned-vs-logged": "planned miles vs logged miles per day",
        "expenses": "mileage expense report for an expense system",
        "gpx": "GPX routes, one per day (for navigation apps)",
        "ics": "calendar events, one per visit",
        "daysheet": "printable day sheets with a route map",
    }
    for kind, text in helps.items():
        p = kinds.add_parser(kind, help=text)
        _trip_options(p, TRIP_FORMATS[kind])
        if kind in ("mileage", "expenses"):
            p.add_argument("--rates", help="rate table CSV, 'irs' for the shipped IRS rates, or "
                           "'plan' for the plan's own rates (the IRS rates if it has none)"
                           + (" (default: plan)" if kind == "expenses" else "; adds amounts"))
        if kind == "expenses":
            p.add_argument("--per", choices=("day", "trip"), help="one line per day or trip")
            p.add_argument("--presets", type=Path, help="JSON file of named presets (beside "
                           "the plan's own)")
            p.add_argument("--preset", help="use this named preset (the plan's, or --presets)")
            p.add_argument("--column", action="append", metavar="FIELD=NAME",
                           help="a column in order (repeat); fields: date, category, "
                           "description, start_address, end_address, distance, unit, rate, "
                           "amount, currency, rep, rep_name, cost_centre, odometer_start, "
                           "odometer_end, account_id")
            p.add_argument("--date-format", help="strftime format for dates, e.g. %%m/%%d/%%Y")
            p.add_argument("--cost-centre", help="cost centre written on every line")
            p.add_argument("--save-preset", metavar="NAME",
                           help="save these settings under NAME in the --presets file")
        p.set_defaults(func=_guarded(_export_trips))
    a = kinds.add_parser("assignments", help="account -> territory -> owner rep, for the CRM")
    a.add_argument("--format", choices=("csv", "xlsx"))
    a.add_argument("--previous", type=Path, help="the plan of the previous alignment")
    a.add_argument("--effective", type=_date, help="date the new alignment takes effect")
    a.add_argument("-o", "--output", type=Path, required=True)
    a.set_defaults(func=_guarded(_export_assignments))
    for kind in ("territories", "accounts"):
        g = kinds.add_parser(kind, help=f"{kind} as GeoJSON, KML, GeoPackage or Shapefile")
        g.add_argument("--format", choices=("geojson", "kml", "gpkg", "shp"))
        g.add_argument("-o", "--output", type=Path, required=True)
        g.set_defaults(func=_guarded(_export_gis))
    pack = kinds.add_parser("rep-pack", help="a plan file of one rep's accounts, schedule and "
                            "road network, to take offline (merge it back with 'import "
                            "visit-log')")
    pack.add_argument("--rep", required=True, help="rep id")
    pack.add_argument("--network-cache", type=Path,
                      help="compiled network file (default: in the user cache folder)")
    pack.add_argument("-o", "--output", type=Path, required=True, help="pack to write (.gpkg)")
    pack.set_defaults(func=_guarded(_export_rep_pack))
    imp = subparsers.add_parser("import", help="bring data back into a plan")
    imp.add_argument("plan", type=Path, help="plan file (.gpkg)")
    what = imp.add_subparsers(dest="kind", required=True)
    t = what.add_parser("territories", help="territories from GeoJSON, KML, GeoPackage or "
                        "Shapefile (same ids are replaced, new ones added)")
    t.add_argument("file", type=Path)
    t.add_argument("--layer", help="layer to read (default: 'territories' or the first)")
    t.add_argument("--replace", action="store_true", help="drop the plan's other territories")
    t.add_argument("-o", "--output", type=Path, help="plan to write (default: the plan itself)")
    t.set_defaults(func=_guarded(_import_territories))
    v = what.add_parser("visit-log", help="merge the visit log of a returned rep pack (same "
                        "records once; conflicts listed, nothing lost)")
    v.add_argument("pack", type=Path, help="the rep pack (.gpkg) written by 'export rep-pack'")
    v.add_argument("--conflicts", choices=("both", "mine", "theirs"), default="both",
                   help="records of one visit that disagree: keep both (default), this plan's "
                   "or the pack's (the other's values go into the note)")
    v.add_argument("-o", "--output", type=Path, help="plan to write (default: the plan itself)")
    v.set_defaults(func=_guarded(_import_visit_log))
