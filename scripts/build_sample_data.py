"""Build the bundled sample (central Baltimore) from the OpenStreetMap extract.

Writes into ``resources/sample/`` (or ``--out``):

- ``baltimore.osm.pbf``: a copy of the Valhalla project's test extract (ODbL, see LICENSE-OSM.txt);
- ``accounts.csv``: the named places a beverage/food distributor's reps would visit (restaurants,
  bars, cafes, fast food, convenience stores and fuel stations, supermarkets, liquor stores,
  hotels...) as a CRM-style export, with a derived potential (see README.md);
- ``reps.csv``: five fictional reps living on real residential streets of the extract;
- ``sample_plan.gpkg``: the plan built from those two CSVs with the app's own importer: four
  territories (Voronoi cells of k-means centres of the accounts, clipped to the extract's bounding
  box) and an Enterprise overlay territory.

Deterministic: the same extract gives byte-identical CSVs and the same plan.

Usage: ``python scripts/build_sample_data.py [--osm PATH] [--out DIR]``
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
import shapely
from shapely.geometry import MultiPoint, Point, Polygon, box

from territory_desktop.io.planfile import save_plan
from territory_desktop.io.tables import import_accounts, import_reps, rank_tiers
from territory_desktop.model.plan import OverlayRule, Plan, PlanSettings, Territory, next_color

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OSM = Path(__file__).resolve().parents[2] / "shared/data/osm/baltimore_valhalla.osm.pbf"
DEFAULT_OUT = ROOT / "resources" / "sample"
OSM_NAME = "baltimore.osm.pbf"

# (OSM key, value) -> (segment, industry label, base annual potential in USD, visit minutes)
CATEGORIES: dict[tuple[str, str], tuple[str, str, float, float]] = {
    ("amenity", "restaurant"): ("Restaurant", "Full-service restaurant", 40_000, 30),
    ("amenity", "fast_food"): ("Quick service", "Fast food", 20_000, 20),
    ("amenity", "ice_cream"): ("Quick service", "Ice cream", 8_000, 20),
    ("amenity", "food_court"): ("Quick service", "Food court", 30_000, 30),
    ("amenity", "cafe"): ("Cafe", "Cafe", 15_000, 20),
    ("shop", "bakery"): ("Cafe", "Bakery", 12_000, 20),
    ("amenity", "bar"): ("Bar", "Bar", 35_000, 30),
    ("amenity", "pub"): ("Bar", "Pub", 35_000, 30),
    ("amenity", "biergarten"): ("Bar", "Beer garden", 35_000, 30),
    ("amenity", "nightclub"): ("Bar", "Nightclub", 45_000, 30),
    ("shop", "supermarket"): ("Retail", "Supermarket", 120_000, 45),
    ("shop", "convenience"): ("Retail", "Convenience store", 25_000, 20),
    ("amenity", "fuel"): ("Retail", "Fuel station shop", 20_000, 20),
    ("shop", "alcohol"): ("Retail", "Liquor store", 60_000, 30),
    ("shop", "beverages"): ("Retail", "Beverage store", 50_000, 30),
    ("shop", "deli"): ("Retail", "Delicatessen", 15_000, 20),
    ("tourism", "hotel"): ("Hotel", "Hotel", 90_000, 45),
    ("tourism", "motel"): ("Hotel", "Motel", 30_000, 30),
    ("tourism", "guest_house"): ("Hotel", "Guest house", 12_000, 20),
    ("tourism", "hostel"): ("Hotel", "Hostel", 12_000, 20),
}
# Chosen by hand: the big hotel and the two national supermarket chains are managed as
# Enterprise accounts by a key-account rep (the overlay rule in the sample plan).
ENTERPRISE_NAMES = ("Marriott", "Safeway", "Whole Foods")

REPS = (  # fictional people
    ("REP-1", "Alicia Moreno", 40.0, "on-premise;wine"),
    ("REP-2", "Darnell Brooks", 40.0, "on-premise;craft beer"),
    ("REP-3", "Hannah Kowalski", 37.5, "retail;spirits"),
    ("REP-4", "Samuel Okoye", 40.0, "retail;on-premise"),
)
ENTERPRISE_REP = ("REP-ENT", "Grace Liu", 40.0, "key accounts;hotels;chains")
SEED = 20240611


@dataclass(frozen=True)
class Poi:
    """A named place from the extract that becomes a sample account."""

    id: str
    name: str
    lat: float
    lon: float
    key: tuple[str, str]
    street: str
    city: str
    postcode: str


def _category(tags: osmium.osm.TagList) -> tuple[str, str] | None:
    for k in ("amenity", "shop", "tourism"):
        v = tags.get(k)
        if v is not None and (k, v) in CATEGORIES:
            return (k, v)
    return None


class _Collector(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.pois: list[Poi] = []
        self.streets: list[tuple[str, float, float]] = []

    def _add(self, prefix: str, oid: int, tags: osmium.osm.TagList, lat: float,
             lon: float) -> None:
        key = _category(tags)
        name = tags.get("name", "").strip()
        if key is None or not name:
            return
        street = tags.get("addr:street", "")
        if street and tags.get("addr:housenumber"):
            street = f"{tags['addr:housenumber']} {street}"
        self.pois.append(Poi(f"OSM-{prefix}{oid}", name, lat, lon, key, street,
                             tags.get("addr:city", ""), tags.get("addr:postcode", "")))

    def node(self, n: osmium.osm.Node) -> None:
        if n.location.valid():
            self._add("n", n.id, n.tags, n.location.lat, n.location.lon)

    def way(self, w: osmium.osm.Way) -> None:
        coords = [(nd.lon, nd.lat) for nd in w.nodes if nd.location.valid()]
        if not coords:
            return
        if w.tags.get("highway") == "residential" and "name" in w.tags and len(coords) >= 2:
            mid = shapely.LineString(coords).interpolate(0.5, normalized=True)
            self.streets.append((w.tags["name"], mid.y, mid.x))
            return
        if len(coords) >= 4 and coords[0] == coords[-1]:
            c = Polygon(coords).centroid  # a building or site: its centroid
        else:
            c = MultiPoint(coords).centroid
        self._add("w", w.id, w.tags, c.y, c.x)


def _factor(poi_id: str) -> float:
    """Return a deterministic per-account factor in [0.5, 1.5) from a hash of the OSM id."""
    digest = hashlib.sha256(poi_id.encode("ascii")).digest()
    return 0.5 + int.from_bytes(digest[:8], "big") / 2**64


def _extract_bbox(osm: Path) -> tuple[float, float, float, float]:
    reader = osmium.io.Reader(str(osm), osmium.osm.osm_entity_bits.NOTHING)
    try:
        b = reader.header().box()
    finally:
        reader.close()
    return (b.bottom_left.lon, b.bottom_left.lat, b.top_right.lon, b.top_right.lat)


def _kmeans(xy: np.ndarray, k: int, seed: int, iterations: int = 100) -> np.ndarray:
    """Plain Lloyd's k-means with k-means++ seeding (numpy only, deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    centres = [xy[rng.integers(len(xy))]]
    for _ in range(1, k):
        d2 = np.min(((xy[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(xy[rng.choice(len(xy), p=d2 / d2.sum())])
    c = np.array(centres)
    for _ in range(iterations):
        labels = np.argmin(((xy[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        new = np.array([xy[labels == i].mean(axis=0) for i in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return c


def build(osm: Path = DEFAULT_OSM, out: Path = DEFAULT_OUT) -> Plan:
    """Write the sample files into ``out`` and return the plan that was saved."""
    out.mkdir(parents=True, exist_ok=True)
    if osm.resolve() != (out / OSM_NAME).resolve():
        shutil.copyfile(osm, out / OSM_NAME)
    west, south, east, north = _extract_bbox(osm)
    area = box(west, south, east, north)

    collector = _Collector()
    collector.apply_file(str(osm), locations=True)
    pois = sorted(
        (p for p in collector.pois if area.contains(Point(p.lon, p.lat))),
        key=lambda p: (p.id[4], int(p.id[5:])),
    )

    # Accounts CSV (a CRM-style export).
    potentials = {i: round(CATEGORIES[p.key][2] * _factor(p.id), -2) for i, p in
                  enumerate(pois)}
    tiers = rank_tiers(potentials)
    with (out / "accounts.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["Account ID", "Account Name", "Street", "City", "Postal Code", "Segment",
                    "Industry", "Potential", "Tier", "Visit Minutes", "Latitude", "Longitude"])
        for i, p in enumerate(pois):
            segment, industry, _base, minutes = CATEGORIES[p.key]
            if p.name in ENTERPRISE_NAMES:
                segment = "Enterprise"
            w.writerow([p.id, p.name, p.street, p.city, p.postcode, segment, industry,
                        f"{potentials[i]:.0f}", tiers[i], f"{minutes:g}", f"{p.lat:.7f}",
                        f"{p.lon:.7f}"])

    # Territories: k-means centres of the accounts in a local metric-ish frame, then Voronoi.
    lat0 = (south + north) / 2
    kx = math.cos(math.radians(lat0))
    xy = np.array([((p.lon - west) * kx, p.lat - south) for p in pois])
    centres = _kmeans(xy, len(REPS), SEED)
    order = np.lexsort((centres[:, 0], -centres[:, 1]))  # north first, then west to east
    centres = centres[order]
    frame = box(0, 0, (east - west) * kx, north - south)
    cells = shapely.voronoi_polygons(MultiPoint([tuple(c) for c in centres]), extend_to=frame)
    by_centre = []
    for c in centres:
        cell = next(g for g in cells.geoms if g.contains(Point(*c)))
        clipped = cell.intersection(frame)
        by_centre.append(shapely.transform(
            clipped, lambda a: np.column_stack((a[:, 0] / kx + west, a[:, 1] + south))
        ))

    # Reps live on the residential street nearest their territory's centre.
    streets = sorted(collector.streets)
    street_xy = np.array([((lon - west) * kx, lat - south) for _n, lat, lon in streets])

    def home_near(pt: np.ndarray) -> tuple[str, float, float]:
        return streets[int(np.argmin(((street_xy - pt) ** 2).sum(axis=1)))]

    homes = [home_near(c) for c in centres] + [home_near(xy.mean(axis=0))]
    with (out / "reps.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["Rep ID", "Name", "Home Latitude", "Home Longitude", "Home Street",
                    "Weekly Hours", "Skills"])
        for (rid, name, hours, skills), (street, lat, lon) in zip(
            (*REPS, ENTERPRISE_REP), homes, strict=True
        ):
            w.writerow([rid, name, f"{lat:.7f}", f"{lon:.7f}", street, f"{hours:g}", skills])

    # The plan, through the same importer users have.
    accounts = import_accounts(out / "accounts.csv", country="US")
    reps = import_reps(out / "reps.csv", country="US")
    problems = accounts.problems + reps.problems
    if problems or accounts.missing_required or reps.missing_required:
        raise SystemExit(f"sample data does not import cleanly: {problems[:5]}")
    places = [(p_name, lat, lon) for p_name, lat, lon in _neighbourhoods(osm)]
    plan = Plan(name="Baltimore sample")
    plan.accounts = {a.id: a for a in accounts.accounts}
    plan.reps = {r.id: r for r in reps.reps}
    used_colors: list[str] = []
    for i, geom in enumerate(by_centre):
        c = geom.representative_point() if geom.is_empty else geom.centroid
        name = min(places, key=lambda pl: (pl[1] - c.y) ** 2 + ((pl[2] - c.x) * kx) ** 2)[0]
        color = next_color(used_colors)
        used_colors.append(color)
        tid = f"T{i + 1}"
        plan.territories[tid] = Territory(tid, name, color, REPS[i][0], geom)
    color = next_color(used_colors)
    plan.territories["T-ENT"] = Territory("T-ENT", "Enterprise", color, ENTERPRISE_REP[0])
    plan.rules = [OverlayRule("RULE-ENT", "segment", "Enterprise", "T-ENT")]
    plan.settings = PlanSettings(country="US", osm_extract=OSM_NAME)
    assert plan.validate() == []
    save_plan(plan, out / "sample_plan.gpkg")
    return plan


def _neighbourhoods(osm: Path) -> list[tuple[str, float, float]]:
    found: list[tuple[str, float, float]] = []

    class Places(osmium.SimpleHandler):
        def node(self, n: osmium.osm.Node) -> None:
            if n.tags.get("place") in ("neighbourhood", "suburb", "quarter") and "name" in n.tags:
                found.append((n.tags["name"], n.location.lat, n.location.lon))

    Places().apply_file(str(osm))
    return sorted(found)


def main() -> None:
    """Write the sample plan's accounts, reps and plan file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--osm", type=Path, default=DEFAULT_OSM)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    plan = build(args.osm, args.out)
    segments: dict[str, int] = {}
    for a in plan.accounts.values():
        segments[a.segment] = segments.get(a.segment, 0) + 1
    tiers = {t: sum(a.tier == t for a in plan.accounts.values()) for t in "ABC"}
    print(f"{len(plan.accounts)} accounts {segments} tiers {tiers}")
    print(f"{len(plan.reps)} reps; territories: "
          + ", ".join(f"{t.name} ({t.rep_id})" for t in plan.territories.values()))


if __name__ == "__main__":
    main()
