"""The road network of a plan: its extract, its compiled network, and what it cannot reach.

Covers where the extract is, where its compiled network is kept, compiling it, and which
accounts it cannot reach.

The rules the app, the command line and the exports share (a relative extract name is taken
from the plan file's folder; one cache file per extract path).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._progress import ProgressFn, StopFn
from .snapping import snap

if TYPE_CHECKING:
    from territory_desktop.model import Plan

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
