"""Stream an OSM extract with pyosmium into flat numpy arrays of drivable ways.

One pass over the file with a node-location cache (``FileProcessor.with_locations``): only
objects carrying a ``highway`` key reach Python (ways to keep, ``traffic_signals`` nodes).
Never ``BackReferenceWriter``/osmium CLI (they allocate by OSM id and blow memory).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ._progress import Feedback
from .errors import Cancelled, NetworkBuildError
from .profile import ROAD_CLASS_CODE, SpeedProfile, parse_maxspeed

#: Extensions libosmium reads (compression is chosen from the suffix).
SUPPORTED_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".o5m")

_SERVICE_EXCLUDED = frozenset(
    {"alley", "driveway", "emergency_access", "parking", "parking_aisle", "private"}
)
_ACCESS_DENIED = frozenset({"no", "private"})
_ACCESS_GRANTED = frozenset({"yes", "designated", "permissive", "destination", "customers"})
# osmnx's oneway conventions (graph._add_paths): "T"/"F" are legacy values it honours.
_ONEWAY_FWD = frozenset({"yes", "true", "1", "F"})
_ONEWAY_REV = frozenset({"-1", "reverse", "T"})


@dataclass
class RawWays:
    """Drivable ways as flat arrays; way ``i`` uses pool entries ``start[i]:start[i+1]``."""

    ref_ids: np.ndarray  # int64 OSM node id per pool entry
    ref_lat_e7: np.ndarray  # int32
    ref_lon_e7: np.ndarray  # int32
    way_start: np.ndarray  # int64, len = n_ways + 1
    way_class: np.ndarray  # int8
    way_oneway: np.ndarray  # int8: 0 both, 1 forward, -1 reverse
    way_kph: np.ndarray  # float32, nan where maxspeed is missing
    way_id: np.ndarray  # int64
    signal_ids: np.ndarray  # int64 sorted unique ids of highway=traffic_signals nodes
    highway_ways_seen: int


class Tags(Protocol):
    """An OSM object's tags: osmium's ``TagList`` or a plain ``dict``."""

    def get(self, key: str, /) -> str | None:
        """Return the value of tag ``key``, or None when the object lacks it."""


def drivable_class(tags: Tags, profile: SpeedProfile) -> int:
    """Road-class code of a way if cars may use it, else -1 (osmnx ``drive`` filter + access)."""
    hw = tags.get("highway")
    code = ROAD_CLASS_CODE.get(hw, -1) if hw else -1
    if code < 0:
        return -1
    if hw == "service" and not profile.include_service:
        return -1
    if tags.get("area") == "yes":
        return -1
    if tags.get("service") in _SERVICE_EXCLUDED:
        return -1
    car = tags.get("motorcar") or tags.get("motor_vehicle")
    if car == "no" or tags.get("motor_vehicle") == "no":
        return -1
    access = tags.get("access")
    if access in _ACCESS_DENIED and car not in _ACCESS_GRANTED:
        return -1
    return code


def oneway_of(tags: Tags) -> int:
    """0 two-way, 1 one-way along the node order, -1 one-way against it."""
    ow = tags.get("oneway")
    if ow in _ONEWAY_REV:
        return -1
    if ow in _ONEWAY_FWD:
        return 1
    if ow == "no":
        return 0
    if tags.get("junction") in ("roundabout", "circular"):
        return 1
    return 0


def check_extract_path(path: str | os.PathLike[str]) -> str:
    p = os.fspath(path)
    if not os.path.isfile(p):
        raise NetworkBuildError(f"{p}: no such file")
    if not p.lower().endswith(SUPPORTED_SUFFIXES):
        raise NetworkBuildError(
            f"{p}: not an OSM extract (expected one of {', '.join(SUPPORTED_SUFFIXES)})"
        )
    if os.path.getsize(p) == 0:
        raise NetworkBuildError(f"{p}: file is empty")
    return p


def read_drivable_ways(
    path: str | os.PathLike[str], profile: SpeedProfile, feedback: Feedback
) -> RawWays:
    """Read the drivable ways of an extract (see module docstring)."""
    import osmium

    p = check_extract_path(path)
    ids: list[int] = []
    lats: list[int] = []
    lons: list[int] = []
    starts: list[int] = [0]
    classes: list[int] = []
    oneways: list[int] = []
    kphs: list[float] = []
    way_ids: list[int] = []
    signals: list[int] = []
    seen = 0
    nan = float("nan")
    try:
        fp = (
            osmium.FileProcessor(p, osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for obj in fp:
            if isinstance(obj, osmium.osm.Node):
                if obj.tags.get("highway") == "traffic_signals":
                    signals.append(obj.id)
                continue
            if not isinstance(obj, osmium.osm.Way):
                continue
            seen += 1
            if seen % 20000 == 0:
                feedback.step(1.0 - 20000.0 / (20000.0 + seen), f"reading ways ({seen:,})")
            tags = obj.tags
            code = drivable_class(tags, profile)
            if code < 0:
                continue
            n0 = len(ids)
            for nr in obj.nodes:
                loc = nr.location
                if loc.valid():
                    ids.append(nr.ref)
                    lats.append(loc.y)
                    lons.append(loc.x)
            if len(ids) - n0 < 2:  # way whose nodes are missing from a clipped extract
                del ids[n0:], lats[n0:], lons[n0:]
                continue
            starts.append(len(ids))
            classes.append(code)
            oneways.append(oneway_of(tags))
            kph = parse_maxspeed(tags.get("maxspeed"))
            kphs.append(kph if kph is not None else nan)
            way_ids.append(obj.id)
    except (NetworkBuildError, Cancelled):
        raise
    except Exception as exc:  # libosmium raises RuntimeError subclasses for bad files
        raise NetworkBuildError(f"{p}: cannot read as OSM data ({exc})") from exc
    if not classes:
        raise NetworkBuildError(
            f"{p}: no drivable roads found ({seen:,} ways with a highway tag; "
            "is this an OSM extract of a road network?)"
        )
    return RawWays(
        ref_ids=np.asarray(ids, dtype=np.int64),
        ref_lat_e7=np.asarray(lats, dtype=np.int32),
        ref_lon_e7=np.asarray(lons, dtype=np.int32),
        way_start=np.asarray(starts, dtype=np.int64),
        way_class=np.asarray(classes, dtype=np.int8),
        way_oneway=np.asarray(oneways, dtype=np.int8),
        way_kph=np.asarray(kphs, dtype=np.float32),
        way_id=np.asarray(way_ids, dtype=np.int64),
        signal_ids=np.unique(np.asarray(signals, dtype=np.int64)),
        highway_ways_seen=seen,
    )
