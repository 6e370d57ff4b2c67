"""The road network of a plan: its extract, its compiled network, and what it cannot reach.

Covers where the extract is, where its compiled network is kept, compiling it, the copy of it
a plan may carry (used when the extract is missing or unreadable: :func:`plan_road_network`),
and which accounts it cannot reach.

The rules the app, the command line and the exports share (a relative extract name is taken
from the plan file's folder; one cache file per extract path).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._progress import ProgressFn, StopFn
from .snapping import snap

if TYPE_CHECKING:
    from territory_desktop.model import Plan

    from .embedded import ClipResult
    from .network import RoadNetwork


@dataclass(frozen=True)
class Reachability:
    """Which accounts cannot be reached by road (id -> the engine's reason), of how many."""

    unreachable: dict[str, str]
    checked: int


def resolve_extract(stored: str, plan_folder: Path | None) -> Path | None:
    """Return the extract a plan names, from ``stored`` (``PlanSettings.osm_extract``).

    A relative name is taken from ``plan_folder`` (the plan file's folder; None: the current
    folder). None when the plan names no extract. Whether the file exists is the caller's
    question (each reports it in its own words).
    """
    if not stored:
        return None
    path = Path(stored)
    if path.is_absolute():
        return path
    return (plan_folder if plan_folder is not None else Path.cwd()).resolve() / path


def stored_extract(extract: Path, plan_folder: Path) -> str:
    """Return how a plan file in ``plan_folder`` records ``extract``.

    Relative to that folder when the extract lies inside it (the two move together), else the
    absolute path.
    """
    full = Path(extract).resolve()
    try:
        return str(full.relative_to(Path(plan_folder).resolve()))
    except ValueError:
        return str(full)


def network_cache_path(extract: Path, cache_dir: Path | None = None) -> Path:
    """Return where the compiled network of ``extract`` is kept.

    It is ``<stem>-<key>.npz`` in ``cache_dir`` (default: the user cache's ``networks`` folder),
    the key naming the extract's full path.

    The file is reused only while it matches the extract and speed profile (its content
    hash, see :func:`~territory_desktop.routing.network.load_or_build`).
    """
    if cache_dir is None:
        from territory_desktop.resources import user_cache_dir

        cache_dir = user_cache_dir() / "networks"
    key = hashlib.sha1(str(Path(extract).resolve()).encode()).hexdigest()[:12]
    return Path(cache_dir) / f"{Path(extract).name.split('.')[0]}-{key}.npz"


def compile_network(extract: Path, cache_dir: Path | None = None, *,
                    progress: ProgressFn | None = None,
                    should_stop: StopFn | None = None) -> RoadNetwork:
    """Load the compiled network of ``extract``, or compile and cache it, then prepare it.

    Preparing builds the snap index and contraction hierarchy, so later snapping and matrices
    take milliseconds. Meant for a worker thread.
    """
    from .matrix import prepare_matrices
    from .network import load_or_build

    def part(lo: float, hi: float) -> ProgressFn | None:
        if progress is None:
            return None
        return lambda f, m: progress(lo + (hi - lo) * f, m)

    target = network_cache_path(extract, cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    network = load_or_build(extract, target, progress=part(0.0, 0.8), should_stop=should_stop)
    prepare_matrices(network, progress=part(0.8, 1.0), should_stop=should_stop)
    return network


def check_reachability(network: RoadNetwork, plan: Plan,
                       max_access_m: float = 500.0) -> Reachability:
    """Snap every account of ``plan`` to ``network``; the unreachable get the engine's reason."""
    ids = list(plan.accounts)
    if not ids:
        return Reachability({}, 0)
    lats = [plan.accounts[i].lat for i in ids]
    lons = [plan.accounts[i].lon for i in ids]
    snapped = snap(network, lats, lons, max_access_m=max_access_m)
    bad = {ids[k]: snapped.reason[k] or "unreachable" for k in range(len(ids))
           if not bool(snapped.reachable[k])}
    return Reachability(bad, len(ids))


@dataclass(frozen=True)
class PlanNetwork:
    """The road network a plan routes on, and where it came from."""

    network: RoadNetwork
    embedded: bool  # True: the copy stored in the plan file, not its extract
    source: str  # one line for the user: which roads, and why


def plan_road_network(plan: Plan, plan_folder: Path | None, cache_dir: Path | None = None, *,
                      network_file: Path | None = None, prepare: bool = False,
                      progress: ProgressFn | None = None,
                      should_stop: StopFn | None = None) -> PlanNetwork:
    """Return the network ``plan`` routes on: its extract's, else the copy it carries.

    The extract (``PlanSettings.osm_extract``, relative to ``plan_folder``) is compiled or
    taken from the cache when it is there and readable; when it is missing, unreadable or
    not an extract, the network stored in the plan (``plan.network``) is used, and
    :attr:`PlanNetwork.source` says so. ``prepare`` builds the snap index and contraction
    hierarchy too (for a worker thread). ``network_file``: the compiled network file to use
    for the extract (default: :func:`network_cache_path` in ``cache_dir``).

    Raises
    ------
    NoRoadNetwork
        Neither the extract nor a stored network can be used; the message says why.
    NetworkBuildError
        The extract is there but cannot be compiled, and the plan carries no network.
    """
    from .embedded import from_embedded
    from .errors import NetworkBuildError, NoRoadNetwork
    from .matrix import prepare_matrices
    from .network import load_or_build

    extract = resolve_extract(plan.settings.osm_extract, plan_folder)
    if extract is None:
        reason = "the plan names no OSM extract"
    elif not extract.is_file():
        reason = f"its extract {extract} is missing"
    elif not os.access(extract, os.R_OK):
        reason = f"its extract {extract} cannot be read"
    else:
        try:
            if prepare and network_file is None:
                network = compile_network(extract, cache_dir, progress=progress,
                                          should_stop=should_stop)
            else:
                target = network_file or network_cache_path(extract, cache_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                network = load_or_build(extract, target, progress=progress,
                                        should_stop=should_stop)
                if prepare:
                    prepare_matrices(network)
            return PlanNetwork(network, False, f"roads of {extract.name}")
        except (NetworkBuildError, OSError) as exc:
            if plan.network is None:
                raise
            reason = f"its extract cannot be read ({' '.join(str(exc).split())})"
    if plan.network is None:
        raise NoRoadNetwork(f"No road network: {reason}, and the plan carries no road network "
                           "of its own (store one with 'tdesk plan embed-network' or "
                           "Routing > Store road network in plan)")
    if cache_dir is None and network_file is not None:
        cache_dir = network_file.parent
    if cache_dir is None:
        from territory_desktop.resources import user_cache_dir

        cache_dir = user_cache_dir() / "networks"
    network = from_embedded(plan.network, cache_dir)
    if prepare:
        prepare_matrices(network, progress=progress, should_stop=should_stop)
    name = plan.network.source_name or "the plan's extract"
    return PlanNetwork(network, True, f"roads stored in the plan (from {name}): {reason}")


def plan_points(plan: Plan) -> tuple[list[float], list[float]]:
    """Return (lats, lons) of the accounts and rep homes of ``plan``."""
    lats = [a.lat for a in plan.accounts.values()] + [r.home_lat for r in plan.reps.values()]
    lons = [a.lon for a in plan.accounts.values()] + [r.home_lon for r in plan.reps.values()]
    return lats, lons


def embed_network(plan: Plan, network: RoadNetwork, *, progress: ProgressFn | None = None,
                  should_stop: StopFn | None = None) -> tuple[Plan, ClipResult]:
    """Return a copy of ``plan`` carrying ``network`` clipped to its accounts and rep homes.

    ``network`` must be the full network of the plan's extract (a copy already clipped can
    only be clipped further, which :func:`~territory_desktop.routing.embedded.clip_network`
    checks like any other).
    """
    from .embedded import clip_network

    lats, lons = plan_points(plan)
    clipped = clip_network(network, lats, lons, progress=progress, should_stop=should_stop)
    new = plan.copy()
    new.network = clipped.network
    return new, clipped
