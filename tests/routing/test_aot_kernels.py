"""The routing kernels compiled ahead of time (what the bundle ships) equal numba's JIT.

``installers/compile_kernels.py`` is run as the build runs it; its module then replaces the JIT
kernels inside :mod:`territory_desktop.routing.cch`, and every array the hierarchy makes (node
order, contraction, customization, depths, searches, matrices) must be identical.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from territory_desktop.routing import RoadNetwork, cch, cch_aot, cch_kernels
from territory_desktop.routing import matrix as mx
from territory_desktop.routing._progress import Feedback
from territory_desktop.routing.snapping import snap

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def aot(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """Compile the kernels as the build does (its command line, into a temporary folder)."""
    folder = tmp_path_factory.mktemp("aot")
    done = subprocess.run([sys.executable, str(ROOT / "installers" / "compile_kernels.py"),
                           str(folder)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    built = Path(done.stdout.strip())
    assert built.parent == folder and built.name.startswith("cch_kernels_aot.")
    spec = importlib.util.spec_from_file_location("cch_kernels_aot", built)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _points(net: RoadNetwork, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.choice(net.n_edges, n)
    lat = net.node_lat[net.arrays["edge_tail"][e]] + rng.normal(0, 0.0005, n)
    lon = net.node_lon[net.arrays["edge_tail"][e]] + rng.normal(0, 0.0005, n)
    return np.column_stack((lat, lon))


def _everything(net: RoadNetwork) -> list[np.ndarray]:
    """Each array the hierarchy computes for ``net``, with the kernels ``cch`` holds now."""
    g = cch._Graph.of(net)
    order = cch._order(g, Feedback())
    h = cch._build(g, order)
    pts = _points(net, 150, seed=3)
    pts[::11] += 0.5  # outside the extent: unreachable rows and columns
    dn, dc, an, ac = mx.endpoints(net, snap(net, pts[:, 0], pts[:, 1]))
    forward = h.searches(dn, dc, forward=True)
    matrix = cch._matrix(h, dn, dc, an, ac, Feedback(), 2)
    return [order, h.rank, h.ptr, h.heads, h.up, h.down, h.parent, h.depth, *forward, matrix]


def test_aot_kernels_equal_the_jit_bit_for_bit(aot, networks, monkeypatch):
    """Order, hierarchy, searches and matrices agree exactly on three real extracts."""
    for name in ("sao_paulo", "bayreuth", "helsinki"):
        net = networks[name]
        jit = _everything(net)
        with monkeypatch.context() as m:
            for name, kernel in zip(cch_aot.ARGUMENTS, cch_aot.checked(aot), strict=True):
                m.setattr(cch, name, kernel)
            ahead = _everything(net)
        assert len(jit) == len(ahead)
        for a, b in zip(jit, ahead, strict=True):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)
        assert np.isinf(jit[-1][::11]).all() and np.isfinite(jit[-1][1, 2:11]).all()


def test_aot_kernels_refuse_other_argument_types(aot):
    """A kernel exported for int64 arrays refuses others with TypeError (unchecked, it crashes)."""
    _dissect, _contract, _customize, _depths, _searches, _pairs = cch_aot.checked(aot)
    parent = np.array([1, 2, -1], np.int64)
    np.testing.assert_array_equal(_depths(parent), [2, 1, 0])
    np.testing.assert_array_equal(_depths(parent), cch_kernels._depths(parent))
    for bad in (parent.astype(np.int32), parent.astype(np.float64), [1, 2, -1],
                np.array([[1, 2, -1]]), np.repeat(parent, 2)[::2], parent.astype(">i8")):
        with pytest.raises(TypeError, match="_depths takes"):
            _depths(bad)
    readonly = parent.copy()
    readonly.flags.writeable = False
    with pytest.raises(TypeError):
        _depths(readonly)
    with pytest.raises(TypeError):
        _depths(parent, parent)
    ptr, heads = np.array([0, 1, 1], np.int64), np.array([1], np.int64)
    with pytest.raises(TypeError):
        _contract(2.0, np.array([0, 1], np.int64), ptr, heads)


def test_aot_kernels_release_the_gil(aot):
    """The pair loop runs on a thread pool: while it runs, other Python threads keep running.

    A thread counting while the kernel runs in another must count at a fair share of the
    rate it counts at alone; with the GIL held it counts only before and after (~3 %).
    """
    rng = np.random.default_rng(0)
    n, width = 1500, 64
    Fo, Fd = rng.random((n, width)), rng.random((n, width))
    P = np.zeros((n, width), np.int32)  # one shared root path: every pair scans every depth
    depth = np.full(n, width - 1, np.int64)
    out = np.empty((n, n))
    t0, alone = time.perf_counter(), 0
    while time.perf_counter() - t0 < 0.3:
        alone += 1
    rate = alone / (time.perf_counter() - t0)
    started = threading.Event()

    def run() -> None:
        started.set()
        aot._pairs(Fo, P, depth, Fd, P, depth, 0, n, out)

    worker = threading.Thread(target=run)
    t0 = time.perf_counter()
    worker.start()
    started.wait()
    beside = 0
    while worker.is_alive():
        beside += 1
    elapsed = time.perf_counter() - t0
    worker.join()
    np.testing.assert_array_equal(out[:3], (Fo[:3, None, :] + Fd[None, :, :]).min(axis=2))
    assert elapsed > 0.2, elapsed  # long enough for the windows before and after not to count
    assert beside / (rate * elapsed) > 0.1, (beside, rate, elapsed)
