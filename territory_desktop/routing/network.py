"""The compiled road network: build from an OSM extract, save/load as ``.npz``.

Layout (all flat numpy arrays, int32/float32 except OSM ids; never pickled)
----------------------------------------------------------------------------
* geometry pool ``geom_lat_e7``/``geom_lon_e7`` (int32, 1e-7 degrees, OSM's own precision):
  every node of every drivable way, in way order;
* segments ``seg_first``/``seg_last`` (int32 pool positions, inclusive): a way split at its
  junctions (degree-2 chains stay inside one segment, like osmnx simplification, but a segment
  never spans two ways); ``seg_kept`` says whether it belongs to the largest strongly connected
  component; dropped ones are kept only so snapping can tell "on an island" from "far away"
  (``seg_island``: not even weakly connected to the main component);
* nodes ``node_lat_e7``/``node_lon_e7``/``node_osm_id``: segment end points in the component;
* directed edges ``edge_tail``/``edge_head`` (node index), ``edge_seg``, ``edge_rev`` (1 when the
  edge runs against the segment's node order), ``edge_time_ms`` (int32 milliseconds, delays
  included), ``edge_length_dm`` (int32 decimetres), ``edge_class`` (int8 code into
  :data:`~territory_desktop.routing.profile.ROAD_CLASSES`), ``edge_kph``, ``edge_way_id``.

Times and lengths are integers so every sum is exact: a matrix entry, a route leg and an
independent Dijkstra on the same arrays agree to the millisecond, and leg metres are exactly
the sum of the edges driven. ``meta`` (a JSON string) holds the source file name, the sha256
of the extract, the profile, the content hash (sha256 of both), the bounding box and counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from territory_desktop.files import atomic_open, file_sha256
from territory_desktop.geo.distance import haversine_m

from ._osm import RawWays, check_extract_path, read_drivable_ways
from ._progress import Feedback, ProgressFn, StopFn
from .errors import NetworkBuildError, RoutingError
from .profile import GRADE_SEPARATED, ROAD_CLASS_CODE, ROAD_CLASSES, SpeedProfile

FORMAT = "territory-desktop-road-network/1"
#: Packed routing weight: ``time_ms * TIME_SHIFT + length_dm``. Exact in float64 while the
#: path is shorter than 2**25 dm (3,355 km) and 2**28 ms (74 h): Dijkstra on it minimises
#: time, breaks ties by distance, and yields both sums at once.
TIME_SHIFT = float(2**25)

#: Longest time and length one edge may have: the packed sums stay exact below these.
MAX_EDGE_MS = 2**28
MAX_EDGE_DM = 2**25

#: Every stored array, its dtype and which count its length is (what :func:`load_network`
#: checks before any compiled kernel sees the arrays).
_LAYOUT = {
    "geom_lat_e7": ("int32", "geometry"), "geom_lon_e7": ("int32", "geometry"),
    "seg_first": ("int32", "segments"), "seg_last": ("int32", "segments"),
    "seg_kept": ("bool", "segments"), "seg_island": ("bool", "segments"),
    "node_lat_e7": ("int32", "nodes"), "node_lon_e7": ("int32", "nodes"),
    "node_osm_id": ("int64", "nodes"),
    "edge_tail": ("int32", "edges"), "edge_head": ("int32", "edges"),
    "edge_seg": ("int32", "edges"), "edge_rev": ("int8", "edges"),
    "edge_time_ms": ("int32", "edges"), "edge_length_dm": ("int32", "edges"),
    "edge_class": ("int8", "edges"), "edge_kph": ("float32", "edges"),
    "edge_way_id": ("int64", "edges"),
}  # fmt: skip
_ARRAYS = tuple(_LAYOUT)
#: The dtype of every stored array, by name.
ARRAY_DTYPES = {name: dtype for name, (dtype, _) in _LAYOUT.items()}


def content_hash(extract_sha256: str, profile: SpeedProfile) -> str:
    """Hash of the source extract's bytes and the speed profile (cache key)."""
    return hashlib.sha256((extract_sha256 + profile.to_json()).encode()).hexdigest()


@dataclass
class RoadNetwork:
    """A compiled, strongly connected drivable road network (see module docstring)."""

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)
    path: str | None = None  # the file it was loaded from or saved to
    #: The routing structures derived from it (:func:`routing.prepared.prepared` creates and
    #: owns them); kept here only so every query on this object shares them.
    derived: object | None = field(default=None, init=False, repr=False, compare=False)

    # ---- basic views -------------------------------------------------------------------
    def __getattr__(self, name: str) -> np.ndarray:
        """Return the compiled array ``name`` as an attribute (``net.edge_tail``)."""
        arrays: dict[str, np.ndarray] | None = self.__dict__.get("arrays")
        if arrays is not None and name in arrays:
            return arrays[name]
        raise AttributeError(name)

    @property
    def n_nodes(self) -> int:
        """Number of road nodes."""
        return int(self.arrays["node_lat_e7"].shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.arrays["edge_tail"].shape[0])

    @property
    def content_hash(self) -> str:
        """Hash of the source extract and speed profile this network was compiled from."""
        return str(self.meta["content_hash"])

    @property
    def profile(self) -> SpeedProfile:
        """The speed profile this network was compiled with."""
        return SpeedProfile.from_json(self.meta["profile"])

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lat, min_lon, max_lat, max_lon) of the extract's drivable roads."""
        b = self.meta["bbox"]
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    @property
    def node_lat(self) -> np.ndarray:
        """Node latitudes in degrees (a new float64 array per call)."""
        return self.arrays["node_lat_e7"].astype(np.float64) * 1e-7

    @property
    def node_lon(self) -> np.ndarray:
        """Node longitudes in degrees (a new float64 array per call)."""
        return self.arrays["node_lon_e7"].astype(np.float64) * 1e-7

    def edge_road_class(self, edge: int) -> str:
        """Return the OSM road class (``residential``, ...) of ``edge``."""
        return ROAD_CLASSES[int(self.arrays["edge_class"][edge])]

    def edge_coords(self, edge: int) -> list[tuple[float, float]]:
        """(lat, lon) vertices of a directed edge in driving order."""
        s = int(self.arrays["edge_seg"][edge])
        a, b = int(self.arrays["seg_first"][s]), int(self.arrays["seg_last"][s])
        lat = self.arrays["geom_lat_e7"][a : b + 1] * 1e-7
        lon = self.arrays["geom_lon_e7"][a : b + 1] * 1e-7
        pts = list(zip(lat.tolist(), lon.tolist(), strict=True))
        if self.arrays["edge_rev"][edge]:
            pts.reverse()
        return pts

    # ---- API ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the network to ``path`` (.npz, uncompressed, atomic: temp file + replace)."""
        p = os.fspath(path)
        with atomic_open(p) as f:
            # Never pickled: load() refuses pickles, and naming the flag keeps **arrays off it.
            np.savez(f, meta=np.array(json.dumps(self.meta, sort_keys=True)), allow_pickle=False,
                     **self.arrays)
        self.path = p

    def summary(self) -> dict[str, Any]:
        """Return counts and provenance, as printed by ``tdesk network build``."""
        keys = (
            "source_name", "content_hash", "nodes", "edges", "segments", "dropped_nodes",
            "dropped_edges", "dropped_components", "ways", "signals", "bbox", "build_seconds",
        )  # fmt: skip
        return {k: self.meta.get(k) for k in keys}


def load_network(path: str | os.PathLike[str]) -> RoadNetwork:
    """Load a network written by :meth:`RoadNetwork.save` (no pickle)."""
    p = os.fspath(path)
    if not os.path.isfile(p):
        raise RoutingError(f"{p}: no such network file")
    with open(p, "rb") as f:
        if f.read(4) != b"PK\x03\x04":
            raise RoutingError(f"{p}: not a compiled road network (.npz from 'network build')")
    try:
        # Our own handle: np.load leaks its file when the zip is damaged (BadZipFile).
        with open(p, "rb") as f, np.load(f, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"][()]))
            arrays = {k: z[k] for k in _ARRAYS}
    except KeyError as exc:
        raise RoutingError(f"{p}: not a compiled road network (missing {exc})") from exc
    except Exception as exc:
        raise RoutingError(f"{p}: not a compiled road network ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else None
        raise RoutingError(f"{p}: unsupported network format {got!r}")
    problem = _layout_problem(arrays, meta)
    if problem:
        raise RoutingError(f"{p}: damaged network file ({problem}); build it again")
    net = RoadNetwork(arrays=arrays, meta=meta)
    net.path = p  # where caches (e.g. the CCH node order) may be kept; not saved
    return net


def network_problem(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> str:
    """Describe what makes ``arrays`` and ``meta`` unusable as a network ("" when nothing).

    The checks :func:`load_network` makes (format, every array present with its dtype and a
    consistent length, indices in range, weights, coordinates), for networks read from
    elsewhere, e.g. the copy a plan file carries.
    """
    if meta.get("format") != FORMAT:
        return f"unsupported network format {meta.get('format')!r}"
    missing = [k for k in _ARRAYS if k not in arrays]
    if missing:
        return f"missing array {missing[0]}"
    return _layout_problem(arrays, meta)


def _layout_problem(a: dict[str, np.ndarray], meta: dict[str, Any]) -> str:
    """Describe what is wrong with a loaded network's arrays and meta ("" when nothing).

    Checked are shapes, dtypes, index ranges, weights and coordinates: the compiled kernels
    index without checks.
    """
    sizes: dict[str, int] = {}
    for name, (dtype, count) in _LAYOUT.items():
        v = a[name]
        if v.ndim != 1 or v.dtype != np.dtype(dtype):
            return f"{name} is {v.dtype}{list(v.shape)}, expected a 1-d {dtype} array"
        if sizes.setdefault(count, v.shape[0]) != v.shape[0]:
            return f"{name} has {v.shape[0]:,} entries, expected {sizes[count]:,} ({count})"
    n_geom, n_seg, n_nodes, n_edges = (sizes[k] for k in ("geometry", "segments", "nodes",
                                                           "edges"))  # fmt: skip
    if n_nodes == 0 or n_edges == 0:
        return "no roads"

    def outside(name: str, lo: int, hi: int) -> bool:
        v = a[name]
        return bool(v.shape[0]) and (int(v.min()) < lo or int(v.max()) > hi)

    checks = (
        (outside("seg_first", 0, n_geom - 1) or outside("seg_last", 0, n_geom - 1),
         "segment geometry positions out of range"),
        (bool((a["seg_first"] > a["seg_last"]).any()), "segment geometry positions not ordered"),
        (outside("edge_tail", 0, n_nodes - 1) or outside("edge_head", 0, n_nodes - 1),
         "edge node index out of range"),
        (outside("edge_seg", 0, n_seg - 1), "edge segment index out of range"),
        (outside("edge_rev", 0, 1), "edge direction flag not 0/1"),
        (outside("edge_time_ms", 0, MAX_EDGE_MS), "edge travel time negative or too large"),
        (outside("edge_length_dm", 0, MAX_EDGE_DM), "edge length negative or too large"),
        (outside("edge_class", 0, len(ROAD_CLASSES) - 1), "road class code out of range"),
        (not bool(np.isfinite(a["edge_kph"]).all() and (a["edge_kph"] > 0).all()),
         "edge speed not a positive number"),
        (outside("geom_lat_e7", -900_000_000, 900_000_000)
         or outside("node_lat_e7", -900_000_000, 900_000_000)
         or outside("geom_lon_e7", -1_800_000_000, 1_800_000_000)
         or outside("node_lon_e7", -1_800_000_000, 1_800_000_000), "coordinate out of range"),
    )  # fmt: skip
    for bad, what in checks:
        if bad:
            return what
    kept = np.zeros(n_seg, dtype=bool)
    kept[a["edge_seg"]] = True
    if not np.array_equal(kept, a["seg_kept"]):
        return "kept segments do not match the edges"
    per_dir = np.bincount(a["edge_seg"].astype(np.int64) * 2 + a["edge_rev"], minlength=2 * n_seg)
    if per_dir.max() > 1:
        return "a segment has two edges in one direction"
    try:
        bbox = [float(x) for x in meta["bbox"]]
        SpeedProfile.from_json(meta["profile"])
        ok = len(bbox) == 4 and all(np.isfinite(bbox)) and isinstance(meta["content_hash"], str)
    except (KeyError, TypeError, ValueError):
        ok = False
    return "" if ok else "meta lacks a valid bbox, profile or content hash"


def build_network(
    extract_path: str | os.PathLike[str],
    profile: SpeedProfile | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> RoadNetwork:
    """Read an OSM extract (.osm, .osm.bz2, .osm.gz, .osm.pbf) and compile its road network.

    Keeps drivable ways (osmnx ``drive`` filter plus ``access``), honours ``oneway`` and
    roundabouts, fills speeds from the profile, adds intersection delays, keeps the largest
    strongly connected component and records what was dropped in ``meta``.

    Raises
    ------
    NetworkBuildError
        Missing, truncated or non-OSM file, or no drivable roads in it.
    Cancelled
        ``should_stop()`` returned True.
    """
    profile = profile or SpeedProfile()
    fb = Feedback(progress, should_stop)
    t0 = time.perf_counter()
    p = check_extract_path(extract_path)
    fb.step(0.0, f"hashing {os.path.basename(p)}")
    sha = file_sha256(p)
    raw = read_drivable_ways(p, profile, fb.sub(0.02, 0.75))
    fb.step(0.75, "compiling network")
    arrays, counts = _compile(raw, profile, p)
    fb.step(0.98, "finishing")
    lat = raw.ref_lat_e7 * 1e-7
    lon = raw.ref_lon_e7 * 1e-7
    meta: dict[str, Any] = {
        "format": FORMAT,
        "source_name": os.path.basename(p),
        "source_sha256": sha,
        "profile": profile.to_json(),
        "content_hash": content_hash(sha, profile),
        "bbox": [float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max())],
        "road_classes": list(ROAD_CLASSES),
        "highway_ways_seen": raw.highway_ways_seen,
        **counts,
    }
    meta["build_seconds"] = round(time.perf_counter() - t0, 3)
    fb.step(1.0, "network built")
    return RoadNetwork(arrays=arrays, meta=meta)


def _compile(
    raw: RawWays, profile: SpeedProfile, path: str
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    refs = raw.ref_ids
    n_pool = refs.shape[0]
    ws = raw.way_start
    n_ways = ws.shape[0] - 1
    way_of = np.repeat(np.arange(n_ways), np.diff(ws))

    # Split points: way ends, nodes shared by two ways (or twice by one), closed-way middles.
    _, inv, counts = np.unique(refs, return_inverse=True, return_counts=True)
    is_split = counts[inv] >= 2
    first, last = ws[:-1], ws[1:] - 1
    is_split[first] = True
    is_split[last] = True
    closed = refs[first] == refs[last]
    is_split[((first + last) // 2)[closed]] = True
    sp = np.flatnonzero(is_split)
    same = way_of[sp[:-1]] == way_of[sp[1:]]
    seg_first = sp[:-1][same]
    seg_last = sp[1:][same]
    seg_way = way_of[seg_first]

    lat = raw.ref_lat_e7 * 1e-7
    lon = raw.ref_lon_e7 * 1e-7
    piece = np.zeros(n_pool, dtype=np.float64)
    piece[:-1] = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    cum = np.concatenate(([0.0], np.cumsum(piece)))
    seg_len = cum[seg_last] - cum[seg_first]

    # Graph nodes are segment end points.
    end_ids = np.concatenate((refs[seg_first], refs[seg_last]))
    node_ids, end_idx = np.unique(end_ids, return_inverse=True)
    n_seg = seg_first.shape[0]
    seg_a = end_idx[:n_seg]
    seg_b = end_idx[n_seg:]
    node_pos = np.empty(node_ids.shape[0], dtype=np.int64)
    node_pos[seg_a] = seg_first
    node_pos[seg_b] = seg_last
    degree = np.bincount(end_idx, minlength=node_ids.shape[0])

    # Speeds and times.
    cls = raw.way_class[seg_way]
    table = np.array([profile.speed_for_class(c) for c in ROAD_CLASSES], dtype=np.float64)
    kph = raw.way_kph[seg_way].astype(np.float64)
    tagged = np.isfinite(kph)
    kph[tagged] = np.minimum(kph[tagged], profile.maxspeed_cap_kph) * profile.maxspeed_factor
    kph[~tagged] = table[cls[~tagged]]
    kph = np.maximum(kph, 1.0)
    base_s = seg_len / (kph / 3.6)

    sig = np.isin(refs, raw.signal_ids)
    csig = np.cumsum(sig)
    interior = (csig[np.maximum(seg_last - 1, seg_first)] - csig[seg_first]).astype(np.float64)
    grade_sep = np.isin(cls, [ROAD_CLASS_CODE[c] for c in GRADE_SEPARATED])
    junction_pen = np.where(grade_sep, 0.0, profile.junction_s)

    def delay(m: np.ndarray, head_pos: np.ndarray, head_node: np.ndarray) -> np.ndarray:
        n_sig = interior[m] + sig[head_pos[m]]
        seconds: np.ndarray = n_sig * profile.traffic_signal_s + np.where(
            degree[head_node[m]] >= 3, junction_pen[m], 0.0
        )
        return seconds

    oneway = raw.way_oneway[seg_way]
    fwd = (oneway >= 0) & (seg_a != seg_b)
    bwd = (oneway <= 0) & (seg_a != seg_b)
    seg_ids = np.arange(n_seg)
    e_seg = np.concatenate((seg_ids[fwd], seg_ids[bwd]))
    e_rev = np.concatenate((np.zeros(fwd.sum(), np.int8), np.ones(bwd.sum(), np.int8)))
    e_tail = np.concatenate((seg_a[fwd], seg_b[bwd]))
    e_head = np.concatenate((seg_b[fwd], seg_a[bwd]))
    e_time = np.concatenate(
        (
            base_s[fwd] + delay(fwd, seg_last, seg_b),
            base_s[bwd] + delay(bwd, seg_first, seg_a),
        )
    )
    if e_seg.shape[0] == 0:
        raise NetworkBuildError(f"{path}: no drivable road segments found")

    # Largest strongly connected component.
    n = node_ids.shape[0]
    g = csr_matrix((np.ones(e_seg.shape[0]), (e_tail, e_head)), shape=(n, n))
    n_comp, labels = connected_components(g, directed=True, connection="strong")
    sizes = np.bincount(labels)
    keep_node = labels == int(np.argmax(sizes))
    keep_edge = keep_node[e_tail] & keep_node[e_head]
    # Islands: not even weakly connected to the main component (no road in or out at all),
    # as opposed to one-way traps at the extract's border, which are dropped but adjacent.
    _, weak = connected_components(g, directed=True, connection="weak")
    seg_island = weak[seg_a] != weak[int(np.flatnonzero(keep_node)[0])]
    new_index = np.cumsum(keep_node) - 1
    seg_kept = np.zeros(n_seg, dtype=bool)
    seg_kept[e_seg[keep_edge]] = True
    ke = keep_edge

    # A damaged or absurd way: int32 ms would wrap past 596 h, and packed sums stop being
    # exact well before; refuse it by name instead of storing a negative time.
    too_long = np.flatnonzero((e_time * 1000.0 > MAX_EDGE_MS)
                              | (seg_len[e_seg] * 10.0 > MAX_EDGE_DM))  # fmt: skip
    if too_long.shape[0]:
        k = int(too_long[0])
        raise NetworkBuildError(
            f"{path}: way {int(raw.way_id[seg_way[e_seg[k]]])} has a segment of "
            f"{seg_len[e_seg[k]] / 1000:,.0f} km taking {e_time[k] / 3600:,.0f} h, more than "
            f"a road segment can be ({MAX_EDGE_DM / 1e4:,.0f} km, {MAX_EDGE_MS / 3.6e6:.0f} h); "
            f"is the extract damaged?"
        )
    e_time_ms = np.maximum(np.rint(e_time[ke] * 1000.0), 1).astype(np.int32)
    e_len = seg_len[e_seg[ke]]
    arrays = {
        "geom_lat_e7": raw.ref_lat_e7,
        "geom_lon_e7": raw.ref_lon_e7,
        "seg_first": seg_first.astype(np.int32),
        "seg_last": seg_last.astype(np.int32),
        "seg_kept": seg_kept,
        "seg_island": seg_island,
        "node_lat_e7": raw.ref_lat_e7[node_pos[keep_node]],
        "node_lon_e7": raw.ref_lon_e7[node_pos[keep_node]],
        "node_osm_id": node_ids[keep_node],
        "edge_tail": new_index[e_tail[ke]].astype(np.int32),
        "edge_head": new_index[e_head[ke]].astype(np.int32),
        "edge_seg": e_seg[ke].astype(np.int32),
        "edge_rev": e_rev[ke],
        "edge_time_ms": e_time_ms,
        "edge_length_dm": np.rint(e_len * 10.0).astype(np.int32),
        "edge_class": cls[e_seg[ke]].astype(np.int8),
        "edge_kph": kph[e_seg[ke]].astype(np.float32),
        "edge_way_id": raw.way_id[seg_way[e_seg[ke]]],
    }
    counts_out = {
        "nodes": int(keep_node.sum()),
        "edges": int(ke.sum()),
        "segments": int(seg_kept.sum()),
        "dropped_nodes": int(n - keep_node.sum()),
        "dropped_edges": int((~ke).sum()),
        "dropped_components": int(n_comp - 1),
        "ways": int(n_ways),
        "signals": int(raw.signal_ids.shape[0]),
    }
    return arrays, counts_out


def load_or_build(
    extract_path: str | os.PathLike[str],
    network_path: str | os.PathLike[str],
    profile: SpeedProfile | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> RoadNetwork:
    """Load ``network_path``, or build it from the extract and save it there.

    The file is used if it was compiled from this extract with this profile (content hash
    match).
    """
    profile = profile or SpeedProfile()
    if os.path.isfile(network_path):
        try:
            net = load_network(network_path)
        except RoutingError:
            net = None
        if net is not None:
            want = content_hash(file_sha256(check_extract_path(extract_path)), profile)
            if net.content_hash == want:
                return net
    net = build_network(extract_path, profile, progress, should_stop)
    net.save(network_path)
    return net
