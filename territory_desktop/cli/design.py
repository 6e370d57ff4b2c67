"""``tdesk plan balance | align | compare | summary | units``: territory design on the command line.

Exit status: 0 done, 1 done but some territory misses the band, 2 bad input (one line on
stderr, ``error: ...``). Warnings go to stderr as ``warning: ...`` lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from territory_desktop.model.scenario import RealignmentReport
    from territory_desktop.optimize.balance import BalanceResult

EXIT_BAND = 1
EXIT_ERROR = 2


def register(plan: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the design subcommands to ``tdesk plan``."""
    b = plan.add_parser(
        "balance", help="balance territories on workload (and potential), or realign them",
        description="Share the accounts of the balanced territories among the team so that "
        "workload (visit + drive hours per week) lies within +/-tolerance of a common "
        "utilisation, territories stay compact and in one piece, and locks hold. The JSON "
        "lists the balanced territories; max/min and CV are over them.")
    b.add_argument("plan", type=Path)
    b.add_argument("--reps", default="all",
                   help="the team: 'all' (every rep with a map territory) or rep ids "
                        "separated by commas; territories of reps left out are shared out")
    b.add_argument("--tolerance", type=float, default=0.05, help="band, e.g. 0.05 = +/-5%%")
    b.add_argument("--criteria", default="workload",
                   help="workload and/or potential, separated by commas")
    b.add_argument("--potential-tolerance", type=float,
                   help="band for potential (default: --tolerance)")
    b.add_argument("--max-moves", type=int, help="most accounts that may change owner")
    b.add_argument("--max-moves-per-rep", type=int,
                   help="most accounts any one rep may lose")
    b.add_argument("--shorter-drives", type=float, default=0.5,
                   help="0 = fewest moves ... 1 = shortest drives (default 0.5)")
    b.add_argument("--lock", default="", help="account ids that must not move, by commas")
    b.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _common(b)
    b.add_argument("-o", "--output", type=Path, help="write the balanced plan here")
    b.set_defaults(func=lambda a: _guard(_balance, a))

    a = plan.add_parser(
        "align", help="move accounts to the territories an alignment file names",
        description="Read a CSV/XLSX of account id -> territory id or name and move the "
        "matched accounts (outlines follow them); with --layer or --units, of unit id -> "
        "territory, and give those units to the territories. Rows that do not match, and rows "
        "a locked territory or an overlay rule refuses, are listed with their line; the good "
        "rows still import. Exit 1 when some rows did not import.")
    a.add_argument("plan", type=Path)
    a.add_argument("file", type=Path, help="the alignment file (CSV or XLSX)")
    units_of = a.add_mutually_exclusive_group()
    units_of.add_argument("--layer", choices=("zcta", "county", "state"),
                          help="the file's keys are ids of these built-in units")
    units_of.add_argument("--units", type=Path,
                          help="the file's keys are ids of these units (GeoJSON, GeoPackage, "
                          "Shapefile or KML)")
    a.add_argument("--id-field", help="the unit id field of --units")
    a.add_argument("--key-column", help="the account id column (default: found by name)")
    a.add_argument("--territory-column", help="the territory column (default: found by name)")
    a.add_argument("--unmatched", type=Path, help="write the rows that did not import (CSV)")
    a.add_argument("--json", action="store_true", help="machine-readable output")
    a.add_argument("-o", "--output", type=Path, help="write the realigned plan here")
    a.set_defaults(func=lambda a: _guard(_align, a))

    c = plan.add_parser("compare", help="realignment report between two plans",
                        description="Per territory workload, potential, drive hours, "
                        "compactness and accounts moved; per rep accounts gained and lost; "
                        "the hand-off list (old owner, new owner, account, last visit).")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--csv", type=Path, help="write the report as CSV (three files)")
    c.add_argument("--xlsx", type=Path, help="write the report as an XLSX workbook")
    c.add_argument("--pdf", type=Path, help="write the report as a printable PDF")
    _common(c)
    c.set_defaults(func=lambda a: _guard(_compare, a))

    s = plan.add_parser("summary", help="territory summary: accounts, potential, workload",
                        description="Per territory: accounts by tier, potential, visits, visit "
                        "and drive hours per week, the rep's week used, compactness, pieces; "
                        "with totals.")
    s.add_argument("plan", type=Path)
    s.add_argument("--pdf", type=Path, help="write the summary as a printable PDF")
    _common(s)
    s.set_defaults(func=lambda a: _guard(_summary, a))

    u = plan.add_parser("units", help="build territories from geographic units",
                        description="Assign ZCTA, county or state units (or your own polygon "
                        "file) around the plan's accounts to the team's reps, balanced, and "
                        "make each territory the dissolved union of its units.")
    u.add_argument("plan", type=Path)
    src = u.add_mutually_exclusive_group(required=True)
    src.add_argument("--layer", choices=("zcta", "county", "state"))
    src.add_argument("--file", type=Path, help="GeoJSON, GeoPackage, Shapefile or KML units")
    u.add_argument("--id-field", help="the unit id field of --file")
    u.add_argument("--by", choices=("workload", "population", "potential"),
                   default="workload", help="what to balance (default workload)")
    u.add_argument("--reps", default="all", help="the team (as for balance)")
    u.add_argument("--tolerance", type=float, default=0.05)
    u.add_argument("--alignment", type=Path,
                   help="CSV/XLSX of unit id -> territory; those units stay where it says")
    u.add_argument("--unmatched", type=Path,
                   help="write the alignment file's unmatched rows here (CSV)")
    u.add_argument("--seed", type=int, default=0)
    _common(u)
    u.add_argument("-o", "--output", type=Path, help="write the plan with unit territories")
    u.set_defaults(func=lambda a: _guard(_units, a))


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--network-cache", type=Path,
                   help="compiled network file (default: in the user cache folder)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _guard(fn: Any, args: argparse.Namespace) -> int:
    """Turn the design engines' errors into one line and exit status 2."""
    from territory_desktop.geo.units import UnitFileError
    from territory_desktop.io.tables import ImportFileError
    from territory_desktop.model.plan import PlanError
    from territory_desktop.model.territory_load import WorkloadError
    from territory_desktop.optimize.balance import BalanceError

    try:
        return int(fn(args))
    except (BalanceError, UnitFileError, WorkloadError, ImportFileError, PlanError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _load(path: Path, cache: Path | None) -> tuple[Any, Any]:
    """Load the plan and its road network (None, with a note, when it has none)."""
    from territory_desktop.io import planfile

    plan = planfile.load_plan(path)
    return plan, _network(plan, path, cache)


def _network(plan: Any, path: Path, cache: Path | None) -> Any:
    """Return the road network of ``plan``, loaded from ``path`` (None, with a note, if none)."""
    from territory_desktop.routing.errors import NoRoadNetwork
    from territory_desktop.routing.plan_network import plan_road_network

    try:
        source = plan_road_network(plan, path.resolve().parent, network_file=cache)
    except NoRoadNetwork as exc:
        print(f"note: {exc}: drive times are straight-line x detour", file=sys.stderr)
        return None
    if source.embedded:
        print(f"note: {source.source}", file=sys.stderr)
    return source.network


def _team(text: str) -> tuple[str, ...] | None:
    return None if text.strip().lower() == "all" else tuple(
        r.strip() for r in text.split(",") if r.strip())


def _warn(lines: Any) -> None:
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


def balance_json(result: BalanceResult) -> dict[str, Any]:
    """Build the ``tdesk plan balance --json`` document (hours per week).

    Parameters
    ----------
    result : BalanceResult
        The balance run to report; its balanced territories are listed.

    Returns
    -------
    dict
        The JSON-ready document: per-territory rows, workload and potential spread, moves.
    """
    rows = [t for t in result.loads if t.territory_id in result.balanced]
    m = result.metrics
    pot = m.criteria["potential"]

    def num(x: float) -> float | None:
        return None if x != x or x in (float("inf"), float("-inf")) else round(x, 4)

    return {
        "territories": [{"id": t.territory_id, "rep_id": t.rep_id, "accounts": t.accounts,
                         "workload_hours": round(t.workload_hours, 3),
                         "potential": round(t.potential, 2),
                         "compactness_minutes": round(t.drive_minutes, 2),
                         "pieces": t.pieces} for t in rows],
        "workload_max_min": num(m.criteria["workload"].max_min),
        "workload_cv": num(m.criteria["workload"].cv),
        "potential_max_min": num(pot.max_min),
        "moved": len(result.moves),
    }


def _balance(args: argparse.Namespace) -> int:
    from territory_desktop.design_edits import apply_alignment
    from territory_desktop.io import planfile
    from territory_desktop.optimize.balance import BalanceParams, balance_plan
    from territory_desktop.optimize.drive_times import drive_times

    criteria = tuple(c.strip() for c in args.criteria.split(",") if c.strip())
    params = BalanceParams(
        tolerance=args.tolerance, criteria=criteria,
        potential_tolerance=args.potential_tolerance, reps=_team(args.reps),
        locked_accounts=frozenset(a.strip() for a in args.lock.split(",") if a.strip()),
        max_moves=args.max_moves, max_losses_per_rep=args.max_moves_per_rep,
        shorter_drives=args.shorter_drives, seed=args.seed)
    plan, network = _load(args.plan, args.network_cache)
    times = drive_times(plan, network)
    result = balance_plan(plan, times, params, network=network)
    if args.output:
        edit = apply_alignment(plan, result.territory_of, result.territories, result.balanced,
                               result.vacated)
        planfile.save_plan(edit.plan, args.output)
        _warn(edit.notes)
    _warn(result.warnings)
    doc = balance_json(result)
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        for t in doc["territories"]:
            print(f"{t['id']:>8}  rep {t['rep_id'] or '-':<8} {t['accounts']:>6} accounts "
                  f"{t['workload_hours']:>8.2f} h/wk  potential {t['potential']:>12,.0f}  "
                  f"{t['compactness_minutes']:>6.1f} min from home  {t['pieces']} piece(s)")
        print(f"workload max/min {doc['workload_max_min']}, CV {doc['workload_cv']}; "
              f"potential max/min {doc['potential_max_min']}; {doc['moved']} accounts moved; "
              f"balance index {result.metrics.balance_index:.1f}, compactness "
              f"{result.metrics.compactness:.1f} ({result.seconds:.2f} s)")
    return 0 if result.in_band else EXIT_BAND


def _layer(plan: Any, kind: str | None, path: Path | None, id_field: str | None) -> Any:
    """Return the units of ``path``, or the built-in ``kind`` around the plan's accounts."""
    from territory_desktop.geo.units import load_builtin, read_unit_file

    if path:
        return read_unit_file(path, id_field=id_field)
    lat = [a.lat for a in plan.accounts.values()]
    lon = [a.lon for a in plan.accounts.values()]
    bbox = (min(lon), min(lat), max(lon), max(lat)) if lat else None
    return load_builtin(kind or "zcta", bbox)


def _align_units(args: argparse.Namespace) -> int:
    from territory_desktop.design_edits import apply_unit_alignment
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.geo.unit_owners import unit_owners
    from territory_desktop.io import planfile
    from territory_desktop.io.alignment import preview_unit_alignment, write_unmatched_csv
    from territory_desktop.mapping.unit_layer import LAYER_NAMES

    plan = planfile.load_plan(args.plan)
    layer = _layer(plan, args.layer, args.units, args.id_field)
    owners = unit_owners(plan, layer, assign_accounts(plan).territory_of)
    title = LAYER_NAMES.get(args.layer, "") or Path(args.units).stem
    found = preview_unit_alignment(args.file, plan, layer.ids, owners, title,
                                   args.key_column, args.territory_column)
    unmatched = found.unmatched
    if args.unmatched:
        write_unmatched_csv(found, args.unmatched)
    if args.output and found.moves:
        edit = apply_unit_alignment(plan, layer, found, owners)
        planfile.save_plan(edit.plan, args.output)
        _warn(edit.notes)
    moved = [(layer.ids[i], old, new) for i, (old, new) in found.moves.items()]
    if args.json:
        print(json.dumps({
            "rows": found.found.rows_read, "matched": found.matched,
            "moved": [{"unit_id": u, "from": old, "to": new} for u, old, new in moved],
            "unmatched": [{"file": u.source, "line": u.line, "reason": u.reason}
                          for u in unmatched]}, indent=2))
    else:
        names = {t.id: t.name for t in plan.territories.values()}
        for uid, old, new in moved:
            print(f"{uid}: {names.get(old or '', '-')} -> {names[new]}")
        for u in unmatched:
            print(f"unmatched: {u}", file=sys.stderr)
        print(f"{found.found.rows_read} rows, {found.matched} {title} units matched, "
              f"{len(moved)} move, {len(unmatched)} did not import")
    return EXIT_BAND if unmatched else 0


def _align(args: argparse.Namespace) -> int:
    if args.layer or args.units:
        return _align_units(args)
    from territory_desktop.design_edits import apply_account_alignment
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.io import planfile
    from territory_desktop.io.alignment import preview_account_alignment, write_unmatched_csv

    plan = planfile.load_plan(args.plan)
    found = preview_account_alignment(args.file, plan, assign_accounts(plan).territory_of,
                                      args.key_column, args.territory_column)
    unmatched = found.unmatched
    if args.unmatched:
        write_unmatched_csv(found, args.unmatched)
    if args.output and found.moves:
        edit = apply_account_alignment(plan, found)
        planfile.save_plan(edit.plan, args.output)
        _warn(edit.notes)
    names = {t.id: t.name for t in plan.territories.values()}
    if args.json:
        print(json.dumps({
            "rows": found.found.rows_read, "matched": found.matched,
            "moved": [{"account_id": a, "from": old, "to": new}
                      for a, (old, new) in found.moves.items()],
            "owner_changes": found.owner_changes,
            "unmatched": [{"file": u.source, "line": u.line, "reason": u.reason}
                          for u in unmatched]}, indent=2))
    else:
        for aid, (old, new) in found.moves.items():
            print(f"{aid}: {names.get(old or '', '-')} -> {names[new]}")
        for u in unmatched:
            print(f"unmatched: {u}", file=sys.stderr)
        print(f"{found.found.rows_read} rows, {found.matched} matched, {len(found.moves)} "
              f"accounts move ({found.owner_changes} change owner), {len(unmatched)} did not "
              "import")
    return EXIT_BAND if unmatched else 0


def _side(name: str, plan: Any, network: Any) -> Any:
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.model.scenario import Side
    from territory_desktop.optimize.alignment_figures import alignment_figures

    territory_of = assign_accounts(plan).territory_of
    return Side(name, plan, territory_of, alignment_figures(plan, territory_of, network).loads)


def report_json(report: RealignmentReport) -> dict[str, Any]:
    """Build the ``tdesk plan compare --json`` document.

    Parameters
    ----------
    report : RealignmentReport
        The comparison of two plans.

    Returns
    -------
    dict
        The JSON-ready document: per-rep and per-territory changes and the hand-offs.
    """
    def r2(x: float | None) -> float | None:
        return None if x is None else round(x, 3)

    return {
        "before": report.before, "after": report.after, "moved": report.moved,
        "reps": [{"rep_id": r.rep_id, "name": r.name,
                  "gained": [c.account_id for c in r.gained],
                  "lost": [c.account_id for c in r.lost],
                  "gained_potential": round(sum(c.potential for c in r.gained), 2),
                  "lost_potential": round(sum(c.potential for c in r.lost), 2),
                  "workload_hours": [r2(x) for x in r.workload],
                  "net_workload_hours": r2(r.net_workload),
                  "drive_hours": [r2(x) for x in r.drive_hours],
                  "net_drive_hours": r2(r.net_drive_hours)} for r in report.reps],
        "territories": [{"id": t.territory_id, "name": t.name, "rep": [t.rep_a, t.rep_b],
                         "accounts": list(t.accounts),
                         "workload_hours": [r2(x) for x in t.workload],
                         "potential": [r2(x) for x in t.potential],
                         "drive_hours": [r2(x) for x in t.drive_hours],
                         "compactness": [r2(x) for x in t.compactness],
                         "moved_in": t.moved_in, "moved_out": t.moved_out}
                        for t in report.territories],
        "handoffs": [{"old_rep": c.old_rep, "new_rep": c.new_rep, "account_id": c.account_id,
                      "name": c.name, "potential": c.potential, "last_visit": c.last_visit}
                     for c in report.handoffs],
        "only_before": list(report.only_before), "only_after": list(report.only_after),
    }


def _compare(args: argparse.Namespace) -> int:
    from territory_desktop.io.design_reports import write_report_csv, write_report_xlsx
    from territory_desktop.model.scenario import realignment_report

    plan_a, network = _load(args.before, args.network_cache)
    from territory_desktop.io import planfile

    plan_b = planfile.load_plan(args.after)
    report = realignment_report(_side(args.before.stem, plan_a, network),
                                _side(args.after.stem, plan_b, network))
    if args.csv:
        write_report_csv(report, args.csv)
    if args.xlsx:
        write_report_xlsx(report, args.xlsx)
    if args.pdf:
        from territory_desktop.io.design_pdf import write_realignment_pdf

        write_realignment_pdf(report, args.pdf)
    if args.json:
        print(json.dumps(report_json(report), indent=2))
        return 0
    print(f"{report.moved} accounts change owner from {report.before} to {report.after}")
    for r in report.reps:
        print(f"  {r.rep_id:<10} {r.name[:24]:<24} +{len(r.gained):<4} -{len(r.lost):<4} "
              f"workload {r.workload[0]:6.1f} -> {r.workload[1]:6.1f} h/wk  drive "
              f"{r.net_drive_hours:+.2f} h/wk")
    for c in report.handoffs:
        print(f"  hand-off {c.old_rep or '-'} -> {c.new_rep or '-'}: {c.account_id} {c.name}"
              f" (last visit {c.last_visit or 'none logged'})")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from territory_desktop.io.design_pdf import summary_report, write_summary_pdf

    plan, network = _load(args.plan, args.network_cache)
    loads = _side(plan.name, plan, network).loads
    osm = network is not None
    if args.pdf:
        write_summary_pdf(plan.name, loads, args.pdf, osm=osm)
    report = summary_report(plan.name, loads, osm=osm)
    if args.json:
        print(json.dumps({"plan": plan.name, "columns": list(report.header),
                          "rows": [list(r) for r in report.rows]}, indent=2))
        return 0
    sources = ", ".join(sorted({t.drive_source for t in loads}))
    print(f"workload h/wk = visit hours + drive hours ({sources}); % = workload / the rep's "
          "weekly hours")
    for r in report.rows:
        use = "" if r[13] is None else f"{r[13]:5.1f} %"
        print(f"{r[0]:>8}  {str(r[1])[:20]:<20} {r[2] or '-':<8} {r[3]:>6} accounts "
              f"{r[11]:>8.2f} h/wk {use}")
    return 0


def _units(args: argparse.Namespace) -> int:
    from territory_desktop.design_edits import apply_unit_design
    from territory_desktop.io import planfile
    from territory_desktop.io.alignment import read_alignment, write_unmatched_csv
    from territory_desktop.optimize.unit_balance import design_from_units, judged_on_plan

    plan = planfile.load_plan(args.plan)
    layer = _layer(plan, args.layer, args.file, args.id_field)
    fixed = None
    unmatched: list[str] = []
    if args.alignment:
        names = {t.id: t.name for t in plan.territories.values()}
        found = read_alignment(args.alignment, layer.ids, names)
        fixed = found.territory_of
        unmatched = [str(u) for u in found.unmatched]
        if args.unmatched:
            write_unmatched_csv(found, args.unmatched)
    design = design_from_units(plan, layer, by=args.by, reps=_team(args.reps),
                               tolerance=args.tolerance, fixed=fixed, seed=args.seed)
    edit = apply_unit_design(plan, design)
    if design.by == "workload":  # judged as the Design panel measures the plan built
        design = judged_on_plan(design, edit.plan, _network(plan, args.plan, args.network_cache))
    if args.output:
        planfile.save_plan(edit.plan, args.output)
    _warn(unmatched)
    _warn(design.warnings)
    units_per = {t: 0 for t in design.outlines}
    for t in design.unit_territory.values():
        units_per[t] += 1
    from territory_desktop.geo.assignment import assign_accounts

    got = assign_accounts(edit.plan).territory_of
    doc = {"layer": layer.source, "units": len(design.layer), "by": args.by,
           "territories": [{"id": t, "rep_id": design.territories[t].rep_id,
                            "units": units_per[t],
                            "accounts": sum(1 for x in got.values() if x == t),
                            "load": round(design.loads[t], 3),
                            "target": round(design.targets[t], 3)} for t in design.outlines],
           "unmatched": unmatched, "outside": list(design.outside)}
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        for t in doc["territories"]:
            print(f"{t['id']:>8}  rep {t['rep_id'] or '-':<8} {t['units']:>5} units "
                  f"{t['accounts']:>6} accounts  {args.by} {t['load']:>12,.2f} "
                  f"(target {t['target']:,.2f})")
    tol = args.tolerance + 1e-9
    in_band = all(abs(design.loads[t] / design.targets[t] - 1) <= tol
                  for t in design.outlines if design.targets[t] > 0)
    return 0 if in_band else EXIT_BAND
