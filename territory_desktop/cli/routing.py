"""``tdesk network build``, ``tdesk matrix``, ``tdesk route``: the routing engine's commands.

Errors print one line ``error: <message>`` on stderr and return exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from territory_desktop.files import atomic_open
from territory_desktop.routing.errors import RoutingError
from territory_desktop.routing.matrix_io import FORMATS, read_points, write_matrix
from territory_desktop.routing.snapping import snap
from territory_desktop.units import distance_unit, format_distance

EXIT_ERROR = 2


def register(subparsers: Any) -> None:
    """Add the ``network``, ``matrix`` and ``route`` subcommands to an argparse subparsers."""
    p = subparsers.add_parser("network", help="compile OSM extracts into routing networks")
    sub = p.add_subparsers(dest="network_command", required=True)
    b = sub.add_parser("build", help="compile an OSM extract (.osm/.bz2/.gz/.pbf) to .npz")
    b.add_argument("extract")
    b.add_argument("-o", "--output", required=True, help="network file to write (.npz)")
    b.add_argument("--country", default="", help="ISO code for the speed table (e.g. US)")
    b.add_argument("--json", action="store_true", help="print the summary as JSON")
    b.set_defaults(func=_guard(cmd_network_build))

    m = subparsers.add_parser("matrix", help="drive-time/distance matrix between points")
    m.add_argument("network")
    m.add_argument("points", help="CSV with columns id,lat,lon")
    m.add_argument("-o", "--output", required=True,
                   help="CSV: from_id,to_id,seconds,meters,unreachable_reason")
    m.add_argument("--format", choices=FORMATS, default="csv",
                   help="csv (default); npz: ids, seconds and meters as n x n arrays; "
                        "parquet: the CSV's columns (needs pyarrow)")
    m.add_argument("--max-access", type=float, default=500.0, help="snap threshold (m)")
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=_guard(cmd_matrix))

    r = subparsers.add_parser("route", help="route through the points in file order")
    r.add_argument("network")
    r.add_argument("points", help="CSV with columns id,lat,lon (stops in order)")
    r.add_argument("--geojson", help="write the route geometry to this GeoJSON file")
    # "metric" and "us" are the older names of km and mi, still accepted.
    r.add_argument("--units", choices=("km", "mi", "metric", "us"), default="km",
                   help="distance unit of the printed legs (mi adds miles to the JSON)")
    r.add_argument("--max-access", type=float, default=500.0)
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=_guard(cmd_route))


def _guard(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except RoutingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        except OSError as exc:
            print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR

    run.__name__ = fn.__name__
    return run


def cmd_network_build(args: argparse.Namespace) -> int:
    """Run ``tdesk network build``: compile an extract, print its summary; return the exit code."""
    from territory_desktop.routing.network import build_network
    from territory_desktop.routing.profile import SpeedProfile

    profile = SpeedProfile.for_country(args.country) if args.country else SpeedProfile()
    net = build_network(args.extract, profile)
    net.save(args.output)
    s = net.summary()
    s["output"] = args.output
    if args.json:
        print(json.dumps(s))
    else:
        print(
            f"{s['source_name']}: {s['nodes']:,} nodes, {s['edges']:,} edges; dropped "
            f"{s['dropped_components']:,} components ({s['dropped_nodes']:,} nodes, "
            f"{s['dropped_edges']:,} edges); {s['build_seconds']:.2f} s -> {args.output}"
        )
    return 0


def _snap_points(net: Any, ids: list[str], pts: np.ndarray, path: str, max_m: float) -> Any:
    s = snap(net, pts[:, 0], pts[:, 1], max_access_m=max_m)
    if not s.reachable.any():
        raise RoutingError(
            f"{path}: none of the {len(ids)} points can be reached on this network "
            f"(first, id {ids[0]}: {s.reason[0]})"
        )
    return s


def _snap_notes(ids: list[str], pts: np.ndarray, s: Any) -> list[dict[str, Any]]:
    """List what the caller should know about reachable points' snaps.

    For example that a nearer road, cut off from the network, was passed over.
    """
    return [{"id": ids[i], "lat": float(pts[i, 0]), "lon": float(pts[i, 1]), "note": s.note[i]}
            for i in range(len(ids)) if s.note[i]]  # fmt: skip


def _print_notes(notes: list[dict[str, Any]]) -> None:
    for u in notes:
        print(f"note: {u['id']} ({u['lat']}, {u['lon']}): {u['note']}")


def cmd_matrix(args: argparse.Namespace) -> int:
    """Run ``tdesk matrix``: write the travel matrix of a points file; return the exit code."""
    from territory_desktop.routing.matrix import travel_matrix
    from territory_desktop.routing.network import load_network

    t0 = time.perf_counter()
    net = load_network(args.network)
    ids, pts = read_points(args.points)
    s = _snap_points(net, ids, pts, args.points, args.max_access)
    m = travel_matrix(net, s)
    assert m.meters is not None
    n = len(ids)
    write_matrix(args.output, args.format, ids, m.seconds, m.meters, s.reason)
    unreachable = [
        {"id": ids[i], "lat": float(pts[i, 0]), "lon": float(pts[i, 1]), "reason": s.reason[i]}
        for i in np.flatnonzero(~s.reachable).tolist()
    ]
    summary = {
        "points": n, "pairs": n * n, "unreachable_points": unreachable,
        "unreachable_pairs": int((~np.isfinite(m.seconds)).sum()),
        "snap_notes": _snap_notes(ids, pts, s),
        "seconds": round(time.perf_counter() - t0, 3), "output": args.output,
        "format": args.format,
    }  # fmt: skip
    if args.json:
        print(json.dumps(summary))
    else:
        for u in unreachable:
            print(f"unreachable: {u['id']} ({u['lat']}, {u['lon']}): {u['reason']}")
        _print_notes(summary["snap_notes"])
        print(
            f"{n} points, {n * n:,} pairs ({summary['unreachable_pairs']:,} unreachable) "
            f"in {summary['seconds']:.2f} s -> {args.output}"
        )
    return 0


def cmd_route(args: argparse.Namespace) -> int:
    """Run ``tdesk route``: print or write the drive through a points file; return the exit code."""
    from territory_desktop.routing.network import load_network
    from territory_desktop.routing.routes import route

    net = load_network(args.network)
    ids, pts = read_points(args.points)
    if len(ids) < 2:
        raise RoutingError(f"{args.points}: a route needs at least two stops (found {len(ids)})")
    s = _snap_points(net, ids, pts, args.points, args.max_access)
    try:
        r = route(net, s, names=[f"stop {i}" for i in ids])
    except RoutingError as exc:  # an unreachable stop: say which file it came from
        raise RoutingError(f"{args.points}: {exc}") from None
    unit = distance_unit(args.units)
    us = unit == "mi"
    legs = []
    for k, leg in enumerate(r.legs):
        d: dict[str, Any] = {"from_id": ids[k], "to_id": ids[k + 1], "seconds": leg.seconds,
                             "meters": leg.meters}
        if us:
            d["miles"] = round(leg.miles, 3)
        legs.append(d)
    total: dict[str, Any] = {"seconds": r.total_seconds, "meters": r.total_meters}
    if us:
        total["miles"] = round(r.total_miles, 3)
    if args.geojson:
        gj = r.to_geojson(units=args.units)
        for feat, leg_d in zip(gj["features"], legs, strict=True):
            feat["properties"].update(from_id=leg_d["from_id"], to_id=leg_d["to_id"])
        with atomic_open(args.geojson, "w", encoding="utf-8") as f:
            json.dump(gj, f)
    notes = _snap_notes(ids, pts, s)
    if args.json:
        print(json.dumps({"legs": legs, "total": total, "geojson": args.geojson,
                          "snap_notes": notes}))  # fmt: skip
    else:
        _print_notes(notes)
        for d in legs:
            dist = format_distance(d["meters"], unit, 2)
            print(f"{d['from_id']} -> {d['to_id']}: {d['seconds'] / 60:.1f} min, {dist}")
        dist = format_distance(total["meters"], unit, 2)
        print(f"total: {total['seconds'] / 60:.1f} min, {dist}")
    return 0
