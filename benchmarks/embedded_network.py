"""Saving a plan with its road network inside: time and size, with and without.

The bundled sample plan (248 accounts, 5 reps, central Baltimore) is saved with no network and
with its network stored (``tdesk plan embed-network``), alternately, ``--repeats`` times each;
the median and fastest save, the file size and the median load are printed, and the same for
one rep's pack (``tdesk export rep-pack``), with the load average beside each timing.

Command (from the repository root)::

    python benchmarks/embedded_network.py --repeats 15 --scale
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _env import header, load

from territory_desktop.io.exports.reppack import make_rep_pack, with_identity
from territory_desktop.io.planfile import load_plan, save_plan
from territory_desktop.resources import resource_path
from territory_desktop.routing import load_or_build
from territory_desktop.routing.plan_network import embed_network


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    """Print save and load times and file sizes of the sample plan with and without roads."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--scale", action="store_true",
                        help="also a 300-account corner of the 233,000-node scale extract")
    args = parser.parse_args()
    header("Plan file with its road network stored: save time and size")
    folder = Path(tempfile.mkdtemp(prefix="tdesk-embed-"))
    plan = with_identity(load_plan(resource_path("sample", "sample_plan.gpkg")))
    network = load_or_build(resource_path("sample", "baltimore.osm.pbf"), folder / "net.npz")
    t = time.perf_counter()
    stored, clipped = embed_network(plan, network)
    print(f"# embedding (clip + exactness check): {time.perf_counter() - t:.3f} s; "
          f"{clipped.describe()}; {load()}")
    rep = max(plan.reps, key=lambda r: sum(1 for t in plan.territories.values()
                                           if t.rep_id == r))
    pack = make_rep_pack(plan, rep, network)
    cases = {"sample, no network": plan, "sample, network stored": stored,
             f"rep pack of {rep}": pack.plan}
    paths = {name: folder / f"case{i}.gpkg" for i, name in enumerate(cases)}
    saves: dict[str, list[float]] = {name: [] for name in cases}
    loads: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):  # alternate, so a load spike hits every case alike
        for name, p in cases.items():
            saves[name].append(_timed(lambda p=p, name=name: save_plan(p, paths[name])))
            loads[name].append(_timed(lambda name=name: load_plan(paths[name])))
    print(f"{'case':<28} {'save median':>12} {'save min':>10} {'load median':>12} "
          f"{'file size':>11}")
    for name in cases:
        save_ms, load_ms = statistics.median(saves[name]) * 1000, statistics.median(
            loads[name]) * 1000
        print(f"{name:<28} {save_ms:>9.1f} ms {min(saves[name]) * 1000:>7.1f} ms "
              f"{load_ms:>9.1f} ms {paths[name].stat().st_size / 1024:>8.0f} KB")
    arrays = stored.network.nbytes if stored.network is not None else 0
    print(f"# network arrays stored: {arrays / 1024:.0f} KB; full network "
          f"{network.n_nodes:,} nodes; {args.repeats} saves per case; {load()}")
    print(f"# rep pack roads: {pack.clip.describe()}")
    if args.scale:
        _scale_case(folder, args.repeats)


def _scale_case(folder: Path, repeats: int) -> None:
    """Time a plan whose 300 accounts sit in a 6 km square of the 233,000-node scale extract."""
    import numpy as np

    from territory_desktop.model import Account, Plan, Rep

    extract = Path(__file__).resolve().parents[2] / "shared/data/osm-scale" / (
        "sao_paulo_tiled8x8_SYNTHETIC.osm.pbf")
    t = time.perf_counter()
    network = load_or_build(extract, folder / "scale.npz")
    print(f"# scale extract compiled in {time.perf_counter() - t:.1f} s; {load()}")
    lat, lon = network.node_lat, network.node_lon
    clat, clon = float(np.median(lat)), float(np.median(lon))
    near = np.flatnonzero((np.abs(lat - clat) < 0.027) & (np.abs(lon - clon) < 0.03))
    pick = np.random.default_rng(0).choice(near, 302, replace=False)
    plan = Plan(name="scale corner")
    plan.accounts = {f"A{i}": Account(f"A{i}", f"Account {i}", float(lat[k]), float(lon[k]))
                     for i, k in enumerate(pick[:300])}
    plan.reps = {f"R{i}": Rep(f"R{i}", f"Rep {i}", float(lat[k]), float(lon[k]))
                 for i, k in enumerate(pick[300:])}
    t = time.perf_counter()
    stored, clipped = embed_network(plan, network)
    print(f"# embedding: {time.perf_counter() - t:.1f} s; {clipped.describe()}; {load()}")
    for name, p in (("scale corner, no network", plan), ("scale corner, network stored",
                                                          stored)):
        path = folder / "scale.gpkg"
        times = [_timed(lambda p=p, path=path: save_plan(p, path)) for _ in range(repeats)]
        print(f"{name:<28} {statistics.median(times) * 1000:>9.1f} ms "
              f"{min(times) * 1000:>7.1f} ms {'':>12} {path.stat().st_size / 1024:>8.0f} KB")
    full_kb = sum(a.nbytes for a in network.arrays.values()) / 1024
    print(f"# the whole scale network's arrays would be {full_kb:,.0f} KB; {load()}")


if __name__ == "__main__":
    main()
