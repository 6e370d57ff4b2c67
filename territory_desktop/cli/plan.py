"""``tdesk plan create | info | schedule | embed-network``: build, inspect, schedule a plan."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_ERROR = 2


def _field_column(text: str) -> tuple[str, str]:
    field, sep, column = text.partition("=")
    if not sep or not field.strip() or not column:
        raise argparse.ArgumentTypeError(f"{text!r} is not FIELD=COLUMN (e.g. potential=beds)")
    return field.strip(), column


def _plan_create(args: argparse.Namespace) -> int:
    from territory_desktop import import_edits
    from territory_desktop.geo.seed import voronoi_cells
    from territory_desktop.io import planfile, tables
    from territory_desktop.model import Plan, PlanSettings, Territory, next_color
    from territory_desktop.routing.plan_network import stored_extract

    accounts = tables.import_accounts(args.accounts, country=args.country,
                                      overrides=dict(args.column))
    reps = tables.import_reps(args.reps, country=args.country) if args.reps else None
    for source, result in ((args.accounts, accounts), (args.reps, reps)):
        if result is None:
            continue
        if result.missing_required:
            print(f"error: {source} lacks required columns: "
                  f"{', '.join(result.missing_required)} (map them with --column)",
                  file=sys.stderr)
            return EXIT_ERROR
        for p in result.problems:
            verdict = "rejected" if p.skipped else "warning"
            print(f"{p.source}:{p.line}: column {p.column or '-'}: {verdict}: {p.reason}",
                  file=sys.stderr)
    plan = Plan(name=args.output.stem)
    osm = ""
    if args.osm and accounts.accounts:
        from territory_desktop.routing.coverage import extract_coverage

        coverage = extract_coverage(args.osm, [a.lat for a in accounts.accounts],
                                    [a.lon for a in accounts.accounts])
        if coverage.covers_none or coverage.bounds is None:
            print(f"error: {coverage.describe()}; choose an extract of the area your accounts "
                  "are in (no plan was written)", file=sys.stderr)
            return EXIT_ERROR
        if coverage.outside:
            ids = ", ".join(accounts.accounts[i].id for i in coverage.outside[:5])
            more = " ..." if len(coverage.outside) > 5 else ""
            print(f"warning: {coverage.describe()}: they get no drive times or routes "
                  f"({ids}{more})", file=sys.stderr)
    if args.osm:
        osm = stored_extract(args.osm, args.output.resolve().parent)
    plan.settings = PlanSettings(country=args.country, osm_extract=osm)
    plan = import_edits.import_accounts(plan, accounts.accounts).plan
    if reps is not None:
        plan = import_edits.import_reps(plan, reps.reps).plan
    if args.territories == "voronoi" and plan.reps:
        rep_list, seen = [], set()
        for rep in plan.reps.values():
            home = (rep.home_lon, rep.home_lat)
            if home in seen:
                print(f"warning: rep {rep.id} lives where another rep lives; no territory "
                      "was drawn for them", file=sys.stderr)
                continue
            seen.add(home)
            rep_list.append(rep)
        cells = voronoi_cells([(r.home_lon, r.home_lat) for r in rep_list],
                              [(a.lon, a.lat) for a in plan.accounts.values()])
        for i, (rep, cell) in enumerate(zip(rep_list, cells, strict=True), start=1):
            color = next_color(t.color for t in plan.territories.values())
            plan.territories[f"T{i}"] = Territory(f"T{i}", f"{rep.name} territory", color,
                                                  rep.id, cell)
    planfile.save_plan(plan, args.output)
    rejected = len({p.line for p in accounts.problems if p.skipped})
    if reps is not None:
        rejected += len({p.line for p in reps.problems if p.skipped})
    print(f"wrote {args.output}: {len(plan.accounts)} accounts, {len(plan.reps)} reps, "
          f"{len(plan.territories)} territories; {rejected} rows rejected")
    return 0


def plan_info(path: Path) -> dict[str, object]:
    """Return the summary printed by ``tdesk plan info --json``."""
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.io import planfile
    from territory_desktop.model.workload import workloads

    plan = planfile.load_plan(path)
    assignment = assign_accounts(plan)
    rows = [w for w in workloads(plan, assignment.territory_of) if w.territory_id is not None]
    return {
        "accounts": len(plan.accounts),
        "unassigned": len(assignment.unassigned()),
        "reps": len(plan.reps),
        "territories": [
            {"id": w.territory_id, "name": w.name, "rep_id": w.rep_id, "accounts": w.accounts,
             "potential": round(w.potential, 2),
             "visit_hours_per_week": round(w.visit_hours_per_week, 3)}
            for w in rows
        ],
    }


def _plan_info(args: argparse.Namespace) -> int:
    info = plan_info(args.plan)
    if args.json:
        # Strict JSON: the plan's invariants keep numbers finite, and a NaN that slipped
        # through is an error, never the invalid token "NaN" or "Infinity".
        try:
            print(json.dumps(info, indent=2, allow_nan=False))
        except ValueError:
            print(f"error: {args.plan}: the plan holds a value that is not a finite number",
                  file=sys.stderr)
            return EXIT_ERROR
        return 0
    print(f"{info['accounts']} accounts ({info['unassigned']} unassigned), {info['reps']} reps")
    for t in info["territories"]:  # type: ignore[attr-defined]
        print(f"  {t['id']:>6}  {t['name'][:32]:<32} rep {t['rep_id'] or '-':<8} "
              f"{t['accounts']:>5} accounts  {t['visit_hours_per_week']:>6.1f} visit h/wk")
    return 0


def _plan_schedule(args: argparse.Namespace) -> int:
    from territory_desktop import edits
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.io import planfile
    from territory_desktop.optimize.plan_schedule import (
        STRAIGHT_LINE,
        keep_past_days,
        rep_accounts,
        rotation_inputs,
        solve_rep,
        summarise,
    )
    from territory_desktop.routing.errors import NoRoadNetwork
    from territory_desktop.routing.plan_network import plan_road_network

    plan = planfile.load_plan(args.plan)
    territory_of = assign_accounts(plan).territory_of
    owned = {r: rep_accounts(plan, r, territory_of) for r in plan.reps}
    for rep_id, ids in owned.items():  # refuse bad input before minutes of solving, not after
        rotation_inputs(plan, rep_id, ids, args.weeks)
    try:
        source = plan_road_network(plan, args.plan.resolve().parent,
                                   network_file=args.network_cache)
    except NoRoadNetwork as exc:  # as the window does: straight-line times, said so
        print(f"note: {exc}: rotations are timed on straight lines", file=sys.stderr)
        network = None
    else:
        if source.embedded:
            print(f"note: {source.source}", file=sys.stderr)
        network = source.network
    times = "road times" if network is not None else STRAIGHT_LINE
    loaded = plan
    reps: list[dict[str, Any]] = []
    for rep_id, ids in owned.items():
        if not ids:
            continue
        schedule, rotation = solve_rep(plan, rep_id, territory_of, network, seconds=args.seconds,
                                       seed=args.seed, weeks=args.weeks)
        anchor = rotation.planner.cycle.monday.isoformat()
        plan = edits.set_schedule(plan, schedule, "schedule", anchor=anchor).plan
        reps.append(summarise(rep_id, rotation.schedule).as_json())
    plan, kept = keep_past_days(loaded, plan)
    if kept:
        print(f"note: {kept}", file=sys.stderr)
    if args.output:
        planfile.save_plan(plan, args.output)
    if args.json:
        print(json.dumps({"drive_times": times, "reps": reps}, indent=2))
    else:
        for r in reps:
            print(f"{r['rep_id']:<10} drive {r['drive_hours']:6.1f} h ({times})  visits "
                  f"{r['visit_hours']:6.1f} h  longest day {r['longest_day_hours']:4.1f} h  "
                  f"compliance {r['compliance']:.0%}  unplaced {len(r['unplaced'])}")
    return 0


def _plan_embed_network(args: argparse.Namespace) -> int:
    from territory_desktop.io import planfile
    from territory_desktop.routing.plan_network import embed_network, plan_road_network

    plan = planfile.load_plan(args.plan)
    out = args.output or args.plan
    if args.remove:
        plan = plan.copy()
        plan.network = None
        planfile.save_plan(plan, out)
        print(f"wrote {out}: no road network stored (routes need its extract)")
        return 0
    source = plan_road_network(plan, args.plan.resolve().parent,
                               network_file=args.network_cache)
    if source.embedded:
        print(f"error: {args.plan}: {source.source}; the full network of the extract is "
              "needed to store a new copy", file=sys.stderr)
        return EXIT_ERROR
    plan, clipped = embed_network(plan, source.network)
    planfile.save_plan(plan, out)
    assert plan.network is not None
    print(f"wrote {out}: road network of {plan.network.source_name} stored in the plan, "
          f"{clipped.describe()}, {plan.network.nbytes / 1e6:.2f} MB of arrays")
    return 0


def register(plan: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``create``, ``info``, ``schedule`` and ``embed-network`` to ``tdesk plan``."""
    create = plan.add_parser("create", help="build a plan from account and rep files")
    create.add_argument("--accounts", type=Path, required=True, help="accounts CSV or XLSX")
    create.add_argument("--reps", type=Path, help="reps CSV or XLSX")
    create.add_argument("--osm", type=Path, help="the OSM extract for routing and the basemap")
    create.add_argument("--country", default="US", help="country for postal codes (default US)")
    create.add_argument("--column", type=_field_column, action="append", default=[],
                        metavar="FIELD=COLUMN",
                        help="read an account field from a column of your choice, e.g. "
                             "potential=beds (repeatable; fields as in the import dialog)")
    create.add_argument("--territories", choices=("voronoi", "none"), default="voronoi",
                        help="start with one territory per rep around its home (default)")
    create.add_argument("-o", "--output", type=Path, required=True, help="plan file to write")
    create.set_defaults(func=_plan_create)
    info = plan.add_parser("info", help="summarise a plan")
    info.add_argument("plan", type=Path)
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(func=_plan_info)
    schedule = plan.add_parser("schedule", help="plan every rep's call rotation on road times "
                               "(straight-line times when the plan has no road network)")
    schedule.add_argument("plan", type=Path)
    schedule.add_argument("--weeks", type=int, help="rotation length (default: the plan's)")
    schedule.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    schedule.add_argument("--seconds", type=float, default=10.0,
                          help="search time limit per rep (default 10)")
    schedule.add_argument("--network-cache", type=Path,
                          help="compiled network file (default: in the user cache folder)")
    schedule.add_argument("--json", action="store_true", help="machine-readable output")
    schedule.add_argument("-o", "--output", type=Path, help="write the scheduled plan here")
    schedule.set_defaults(func=_plan_schedule)
    embed = plan.add_parser("embed-network", help="store the road network in the plan, "
                            "clipped to its accounts and rep homes, so it routes without "
                            "its extract")
    embed.add_argument("plan", type=Path)
    embed.add_argument("--remove", action="store_true",
                       help="take the stored network out of the plan instead")
    embed.add_argument("--network-cache", type=Path,
                       help="compiled network file (default: in the user cache folder)")
    embed.add_argument("-o", "--output", type=Path, help="plan to write (default: the plan)")
    embed.set_defaults(func=_plan_embed_network)
