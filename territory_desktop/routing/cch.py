"""Optional customizable contraction hierarchies (PyPI ``routingkit-cch``) for seconds-only
matrices on large networks.

The expensive part is the nested-dissection node order (~10 s at 270k nodes); it depends only
on the topology, so it is cached next to the network file as
``<network>.cch-<content-hash[:16]>.npz`` (an int32 array, never a pickle). Building the
hierarchy from the order and customizing it with the ``edge_time_ms`` weights take ~0.3 s.
Weights are the same integer milliseconds as the Dijkstra engine, so times are identical.

Parallel queries
----------------
``routingkit-cch`` holds the GIL, so threads do not help. On Linux the one-to-many queries are
split across forked processes (up to ``min(MAX_WORKERS, usable CPUs)`` including the calling
process): the children inherit the customised hierarchy and the endpoint arrays (nothing is
pickled), claim chunks of rows from a pipe and write them into an anonymous shared mapping
that backs the result; the caller works on chunks too and reports progress per finished chunk.
The first chunk always runs in the caller and is timed: the work is only split when the rest
is estimated at ``PARALLEL_MIN_SECONDS`` or more (small networks or few points stay serial).
Each row comes from the same query call either way, so results are bit-identical. Cancel
(``should_stop``) kills and reaps the children; a chunk a child failed to deliver is computed
in the caller. Elsewhere (Windows and macOS, whose ``multiprocessing`` default is "spawn" and
where forking a GUI process is unsafe) the queries run serially, as they do when the
environment variable ``TERRITORY_CCH_WORKERS=1`` is set (it also caps the worker count).
The same mechanism (:func:`run_rows` with a :func:`shared_rows` output, :func:`workers`) splits
the scipy Dijkstra sources of :mod:`~territory_desktop.routing.matrix`.
"""

from __future__ import annotations

import mmap
import os
import signal
import struct
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ._progress import Feedback

if TYPE_CHECKING:
    from .network import RoadNetwork

_INF = 2**31 - 1
#: Split the queries across processes when the rows left after the first (timed) chunk are
#: estimated to take at least this long serially. Measured on 2 idle cores (fork + reap
#: ~13 ms per child at 570 MB RSS): 2 processes break even at ~0.07 s of serial queries
#: (270k nodes: 0.69x at 64 rows / 20 ms, 1.13x at 150 / 77 ms, 1.73x at 300 / 260 ms,
#: 2.09x at 2,000 / 8.3 s); twice that leaves a margin for a busy machine.
PARALLEL_MIN_SECONDS = 0.15
#: Upper bound on query processes, the caller included.
MAX_WORKERS = 4
_CHUNK = 32  # rows per work unit (~0.12 s at 270k nodes and 2,600 targets)
_MAX_CHUNKS = 1024  # chunk starts are written to a pipe up front: 4 KiB at most


def cache_path(net: RoadNetwork) -> str | None:
    path = getattr(net, "path", None)
    if not path:
        return None
    return f"{os.fspath(path)}.cch-{net.content_hash[:16]}.npz"


def _order(net: RoadNetwork, fb: Feedback) -> list[int]:
    import routingkit_cch as rk

    p = cache_path(net)
    if p and os.path.isfile(p):
        with np.load(p, allow_pickle=False) as z:
            order = z["order"]
        if order.shape[0] == net.n_nodes:
            return order.tolist()
    fb.step(0.0, "ordering nodes for contraction (cached afterwards)")
    e = net.routing_edges
    order_l = rk.compute_order_inertial(
        net.n_nodes,
        net.arrays["edge_tail"][e].tolist(),
        net.arrays["edge_head"][e].tolist(),
        net.node_lat.tolist(),
        net.node_lon.tolist(),
    )
    if p:
        d = os.path.dirname(os.path.abspath(p))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=d)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, order=np.asarray(order_l, dtype=np.int32))
        os.replace(tmp, p)
    return list(order_l)


def metric(net: RoadNetwork, fb: Feedback) -> Any:
    """The customized CCH metric for ``net`` (built once per process)."""
    cached = net.__dict__.get("_cch_metric")
    if cached is not None:
        return cached[1]
    import routingkit_cch as rk

    order = _order(net, fb)
    fb.step(0.5, "building contraction hierarchy")
    e = net.routing_edges
    cch = rk.CCH(order, net.arrays["edge_tail"][e].tolist(), net.arrays["edge_head"][e].tolist(),
                 False)  # fmt: skip
    m = rk.CCHMetric(cch, net.arrays["edge_time_ms"][e].tolist())
    net.__dict__["_cch_metric"] = (cch, m)  # keep the hierarchy alive with its metric
    return m


def workers() -> int:
    """How many processes may run CCH queries (1 = serial; see the module docstring)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return 1
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    env = os.environ.get("TERRITORY_CCH_WORKERS", "").strip()
    if env.isdigit():
        n = min(n, int(env))
    return max(1, min(MAX_WORKERS, n))


def _fill(q: Any, dep_node: np.ndarray, dep_ms: np.ndarray, out: np.ndarray, lo: int,
          hi: int) -> None:  # fmt: skip
    """Rows ``lo:hi`` of ``out`` (pre-filled with inf)."""
    for i in range(lo, hi):
        srcs = [(int(dep_node[i, k]), int(dep_ms[i, k])) for k in range(2) if dep_node[i, k] >= 0]
        if not srcs:
            continue
        row = q.distances_from(srcs[0][0]) if len(srcs) == 1 and srcs[0][1] == 0 else (
            q.distances_from_multi(srcs)
        )
        r = np.array(row, dtype=np.float64)  # None (unreachable, rare) becomes nan
        r[~(r < _INF)] = np.inf
        out[i] = r


def matrix_ms(
    net: RoadNetwork,
    dep_node: np.ndarray,
    dep_ms: np.ndarray,
    targets: np.ndarray,
    fb: Feedback,
    n_workers: int | None = None,
) -> np.ndarray:
    """Milliseconds from each origin (up to two departure nodes with initial costs) to each
    target node; inf where unreachable. ``n_workers`` overrides :func:`workers`."""
    import routingkit_cch as rk

    m = metric(net, fb.sub(0.0, 0.3))
    q = rk.CCHOneToMany(m, targets.tolist())
    n, nt = dep_node.shape[0], targets.shape[0]
    w = workers() if n_workers is None else max(1, n_workers)
    chunk = max(_CHUNK, -(-n // _MAX_CHUNKS))
    if nt == 0:
        w = 1
    out = shared_rows(n, nt, np.inf) if w > 1 and n > chunk else np.full((n, nt), np.inf)

    def fill(lo: int, hi: int) -> None:
        _fill(q, dep_node, dep_ms, out, lo, hi)

    run_rows(fill, n, chunk, w, fb.sub(0.3, 1.0), "contraction-hierarchy queries",
             PARALLEL_MIN_SECONDS)  # fmt: skip
    return out


def shared_rows(n: int, m: int, value: float) -> np.ndarray:
    """An (n, m) float64 array filled with ``value`` in an anonymous shared mapping, so rows
    written by children forked in :func:`run_rows` are seen by the caller."""
    buf = mmap.mmap(-1, max(n * m * 8, 1))
    out = np.frombuffer(buf, dtype=np.float64, count=n * m).reshape(n, m)
    out.fill(value)
    return out


def run_rows(
    fill: Callable[[int, int], None],
    n: int,
    chunk: int,
    w: int,
    fb: Feedback,
    label: str,
    min_seconds: float,
) -> None:
    """Call ``fill(lo, hi)`` for consecutive chunks of ``range(n)``, in up to ``w`` processes.

    ``fill`` must write rows ``lo:hi`` of an output the caller owns, and that output must be
    a :func:`shared_rows` array whenever ``w > 1`` (children write into it). The first chunk
    runs in the caller and is timed; the rest is split across forked processes only when it is
    estimated at ``min_seconds`` or more of serial work (see the module docstring). Shared by
    the CCH queries here and the Dijkstra engine in :mod:`~territory_desktop.routing.matrix`.
    """
    if w <= 1 or n <= chunk:
        for lo in range(0, n, chunk):
            fb.step(lo / max(n, 1), f"{label} {lo:,}/{n:,}")
            fill(lo, min(lo + chunk, n))
        return
    starts = list(range(chunk, n, chunk))
    fb.step(0.0, f"{label} 0/{n:,}")
    t0 = time.perf_counter()
    fill(0, chunk)
    est = (time.perf_counter() - t0) * (n - chunk) / chunk
    if est < min_seconds:
        for lo in starts:
            fb.step(lo / n, f"{label} {lo:,}/{n:,}")
            fill(lo, min(lo + chunk, n))
        return
    # One "done" byte per chunk, in a shared mapping too.
    done = np.frombuffer(mmap.mmap(-1, len(starts)), dtype=np.uint8, count=len(starts))
    _parallel(fill, n, done, starts, chunk, min(w, len(starts) + 1), fb, label)


def _parallel(
    fill: Callable[[int, int], None],
    n: int,
    done: np.ndarray,
    starts: list[int],
    chunk: int,
    w: int,
    fb: Feedback,
    label: str,
) -> None:
    """Rows from ``starts`` on, in ``w`` processes (the caller and ``w - 1`` forked children)
    claiming chunks from a pipe; see the module docstring."""
    first = starts[0]
    rfd, wfd = os.pipe()
    # All claims are written before any reader exists (<= 4 KiB: never blocks), then the write
    # end is closed, so a read returns one whole 4-byte start or EOF when the work is gone.
    os.write(wfd, struct.pack(f"<{len(starts)}i", *starts))
    os.close(wfd)

    def work(stop_check: bool) -> None:
        while True:
            if stop_check:
                fb.step((first + int(done.sum()) * chunk) / n, f"{label} ({w} processes)")
            b = os.read(rfd, 4)
            if len(b) < 4:
                return
            lo = struct.unpack("<i", b)[0]
            fill(lo, min(lo + chunk, n))
            done[(lo - first) // chunk] = 1

    pids: list[int] = []
    try:
        for _ in range(w - 1):
            with warnings.catch_warnings():
                # Python 3.12 warns when forking a process with other threads (the GUI
                # calls from a worker thread). The child only runs these queries (C++ and
                # numpy, no imports, no locks another thread could hold) and leaves by
                # os._exit, so that hazard does not apply.
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:  # child: never returns into the caller's stack
                code = 1
                try:
                    work(False)
                    code = 0
                finally:
                    os._exit(code)
            pids.append(pid)
        work(True)
        while pids:
            fb.step((first + int(done.sum()) * chunk) / n, f"{label} ({w} processes)")
            for pid in list(pids):
                if os.waitpid(pid, os.WNOHANG)[0]:
                    pids.remove(pid)
            if pids:
                time.sleep(0.005)
    finally:
        for pid in pids:  # cancelled or failed: stop and reap the children
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        os.close(rfd)
    for k in np.flatnonzero(done == 0).tolist():  # a child died: do its chunk here
        lo = first + k * chunk
        fill(lo, min(lo + chunk, n))
        done[k] = 1
