"""``tdesk plan snapshot`` and ``tdesk plan snapshots``: the Health panel's snapshots, scripted.

``snapshot`` freezes the KPIs of the plan's stored CRM results into the plan (as "Take
snapshot" does); ``snapshots`` lists them and, with ``--compare A B``, prints what improved and
what slipped per territory (``now`` is the figures of today's results).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from territory_desktop import clock

__all__ = ["register", "snapshot_command", "snapshots_command"]

EXIT_ERROR = 2
PERIOD_HELP = "2026Q3, 2026-07 or 2026 (default: the quarter of the latest date in the results)"


def register(plan_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``snapshot`` and ``snapshots`` to the ``tdesk plan`` subcommands."""
    take = plan_subparsers.add_parser(
        "snapshot", help="freeze the health KPIs into the plan with a date and label",
        description="Compute the KPIs of the CRM results stored in the plan for a period and "
        "keep them in the plan file as a snapshot, to compare later.")
    take.add_argument("plan", type=Path)
    take.add_argument("--period", help=PERIOD_HELP)
    take.add_argument("--as-of", type=dt.date.fromisoformat,
                      help="the day the figures are taken, YYYY-MM-DD")
    take.add_argument("--date", type=dt.date.fromisoformat, default=None,
                      help="the date the snapshot is filed under (default: today)")
    take.add_argument("--label", default="", help="e.g. 'Q3 review'")
    take.set_defaults(func=lambda a: snapshot_command(a))
    show = plan_subparsers.add_parser(
        "snapshots", help="list the plan's health snapshots, or compare two",
        description="List the health snapshots kept in the plan; --compare A B prints per "
        "territory which KPIs improved and which slipped from A to B (numbers as listed, or "
        "'now' for the figures of the stored results).")
    show.add_argument("plan", type=Path)
    show.add_argument("--compare", nargs=2, metavar=("A", "B"))
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=lambda a: snapshots_command(a))


def snapshot_command(args: argparse.Namespace, out: TextIO | None = None,
                     err: TextIO | None = None) -> int:
    """Take a snapshot of the stored results' KPIs and save it in the plan; the exit code."""
    from territory_desktop.health.period import PeriodError, parse_period
    from territory_desktop.health.report import health_report
    from territory_desktop.health.settings import HealthError
    from territory_desktop.health.snapshots import take_snapshot
    from territory_desktop.health.store import add_snapshot
    from territory_desktop.io.planfile import load_plan, save_plan

    out, err = out or sys.stdout, err or sys.stderr
    plan = load_plan(args.plan)
    results = plan.health.results
    if results is None:
        print(f"error: {args.plan} holds no CRM results: store them with `tdesk plan "
              "import-results` first", file=err)
        return EXIT_ERROR
    try:
        period = parse_period(args.period) if args.period else None
        report = health_report(plan, results, period, as_of=args.as_of)
    except (PeriodError, HealthError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_ERROR
    snapshot = take_snapshot(report.kpis, args.date or clock.today(), args.label)
    plan = add_snapshot(plan, snapshot).plan
    save_plan(plan, args.plan)
    print(f"snapshot {len(plan.health.snapshots)} taken {snapshot.taken}: "
          f"{snapshot.period} as of {snapshot.as_of}"
          + (f", {snapshot.label!r}" if snapshot.label else ""), file=out)
    return 0


def snapshots_command(args: argparse.Namespace, out: TextIO | None = None,
                      err: TextIO | None = None) -> int:
    """List the plan's snapshots or compare two of them; the exit code."""
    from territory_desktop.health.store import snapshots_of
    from territory_desktop.io.planfile import load_plan

    out, err = out or sys.stdout, err or sys.stderr
    plan = load_plan(args.plan)
    snapshots = snapshots_of(plan)
    listed = [{"number": n, "taken": s.taken.isoformat(), "label": s.label,
               "period": s.period.label, "as_of": s.as_of.isoformat()}
              for n, s in enumerate(snapshots, start=1)]
    if not args.compare:
        if args.json:
            print(json.dumps({"snapshots": listed}, indent=2), file=out)
        for s in [] if args.json else listed:
            print(f"{s['number']:>3}  {s['taken']}  {s['period']} as of {s['as_of']}  "
                  f"{s['label']}".rstrip(), file=out)
        return 0
    chosen = [_chosen(plan, snapshots, which, err) for which in args.compare]
    if chosen[0] is None or chosen[1] is None:
        return EXIT_ERROR
    from territory_desktop.health.snapshots import compare_snapshots

    changes = [c for c in compare_snapshots(chosen[0], chosen[1]) if c.scope != "rep"]
    if args.json:
        print(json.dumps({"changes": [
            {"scope": c.scope, "territory_id": c.key, "name": c.name, "kpi": c.kpi,
             "before": c.before, "after": c.after, "verdict": c.verdict} for c in changes]},
            indent=2), file=out)
        return 0
    _print_changes(changes, out)
    return 0


def _chosen(plan: Any, snapshots: list[Any], which: str, err: TextIO) -> Any:
    """Return snapshot number ``which`` (from 1), or today's figures for ``now``; None: error."""
    if which == "now":
        from territory_desktop.health.report import health_report
        from territory_desktop.health.snapshots import take_snapshot

        if plan.health.results is None:
            print("error: 'now' needs CRM results stored in the plan", file=err)
            return None
        report = health_report(plan, plan.health.results)
        return take_snapshot(report.kpis, clock.today())
    if which.isdigit() and 1 <= int(which) <= len(snapshots):
        return snapshots[int(which) - 1]
    print(f"error: no snapshot {which!r}: the plan has {len(snapshots)} (1 to "
          f"{len(snapshots)}), or use 'now'", file=err)
    return None


def _print_changes(changes: list[Any], out: TextIO) -> None:
    from territory_desktop.health.formats import format_change

    groups: dict[tuple[str, str | None], list[Any]] = {}
    for c in changes:
        groups.setdefault((c.scope, c.key), []).append(c)
    for (scope, _), items in groups.items():
        moved = [c for c in items if c.verdict in ("improved", "slipped")]
        up = sum(c.verdict == "improved" for c in moved)
        name = "Team" if scope == "team" else items[0].name
        print(f"{name}: {up} improved, {len(moved) - up} slipped", file=out)
        for label, before, after, verdict in map(format_change, moved):
            print(f"  {label:<20} {before:>12} -> {after:>12}  {verdict}", file=out)
