"""Fuzzing machinery for the routing inputs.

Fuzzing machinery for the routing inputs, shared by ``test_fuzz_routing.py`` (a fixed number
of examples in CI) and ``benchmarks/fuzz_routing.py`` (longer runs).

Categories: damaged OSM extracts (.osm, .osm.gz, .osm.bz2, .osm.pbf), damaged network files
(bytes of the .npz, or values of its arrays) and bad points files. Every case runs the user's
command line (``tdesk network build`` then ``route`` and ``matrix`` on the result; ``route``
and ``matrix`` on a network or points file) inside one long-lived worker *process*, so a crash
signal or a hang is seen as a failure of that case instead of killing the caller. A case
passes when it ends in success or in a one-line ``error: <file>: ...`` with exit status 2,
within the time bound.

Run the worker by hand: ``python tests/routing/routing_fuzz.py --worker`` (JSON lines in/out).
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
# as tests/shared_paths.py has it (this file also runs alone, in a child process)
OSM = Path(os.environ.get("TERRITORY_SHARED_DATA") or ROOT.parent / "shared" / "data") / "osm"
SEED_EXTRACT = OSM / "west-oakland_osmnx.osm.bz2"  # 23 nodes: each build takes milliseconds
SEED_NETWORK = OSM / "andorra_graphhopper.osm.pbf"
OSM_KINDS = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf")
CASE_TIMEOUT_S = 60.0
POINTS_HEADER = b"id,lat,lon\n"


@dataclass
class Outcome:
    """How one case ended."""

    ok: bool
    what: str  # "success", "error", or why the case failed
    detail: str
    seconds: float


def seed_bytes(workdir: Path) -> dict[str, bytes]:
    """Return the undamaged inputs' bytes by file suffix (``workdir`` holds the temporaries).

    They are the tiny extract in every supported encoding, a compiled network (.npz) and a
    points file on it.
    """
    import osmium

    xml = bz2.decompress(SEED_EXTRACT.read_bytes())
    pbf = workdir / "seed.osm.pbf"
    if pbf.exists():
        pbf.unlink()
    with osmium.SimpleWriter(str(pbf)) as w:
        for obj in osmium.FileProcessor(str(SEED_EXTRACT)):
            w.add(obj)
    from territory_desktop.routing import build_network

    net = build_network(SEED_NETWORK)
    npz = workdir / "seed.npz"
    net.save(npz)
    lat, lon = net.node_lat, net.node_lon
    pts = b"".join(f"p{k},{lat[k * 97]:.7f},{lon[k * 97]:.7f}\n".encode() for k in range(6))
    return {".osm": xml, ".osm.gz": gzip.compress(xml, mtime=0), ".osm.bz2": bz2.compress(xml),
            ".osm.pbf": pbf.read_bytes(), ".npz": npz.read_bytes(),
            ".csv": POINTS_HEADER + pts}  # fmt: skip


def mutate(data: bytes, ops: list[tuple[str, float, int]]) -> bytes:
    """Damage ``data`` by byte edits.

    Apply (operation, position as a fraction of the length, value) edits to ``data``:
    truncate, flip a byte, overwrite a byte, insert a byte, delete a run of bytes.
    """
    b = bytearray(data)
    for op, where, value in ops:
        i = min(int(where * len(b)), max(len(b) - 1, 0))
        if op == "truncate":
            del b[i:]
        elif not b:
            b.append(value & 0xFF)
        elif op == "flip":
            b[i] ^= 1 << (value % 8)
        elif op == "set":
            b[i] = value & 0xFF
        elif op == "insert":
            b.insert(i, value & 0xFF)
        elif op == "delete":
            del b[i : i + 1 + value % 64]
    return bytes(b)


def damage_arrays(npz: bytes, edits: list[tuple[int, float, int]]) -> bytes:
    """Damage a network file's array values.

    Rewrite a valid network .npz with array values replaced: (array number, position as a
    fraction, new value) - out-of-range indices, negative or huge weights, NaN speeds.
    """
    from territory_desktop.routing.network import _ARRAYS

    with np.load(io.BytesIO(npz), allow_pickle=False) as z:
        arrays = {k: z[k].copy() for k in z.files}
    for which, where, value in edits:
        name = _ARRAYS[which % len(_ARRAYS)]
        a = arrays[name]
        if a.shape[0]:
            i = min(int(where * a.shape[0]), a.shape[0] - 1)
            a[i] = np.nan if a.dtype.kind == "f" and value == 0 else np.array(value).astype(a.dtype)
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


class Runner:
    """A worker process that runs cases one at a time; restarted after a crash or hang."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.proc: subprocess.Popen[str] | None = None
        self.count = 0

    def _start(self) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, bufsize=1,
        )  # fmt: skip

    def close(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._forget()

    def _forget(self) -> None:
        """Close the ended worker's pipes (or they leak a file each) and drop it."""
        assert self.proc is not None
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self.proc = None

    def run(self, kind: str, data: bytes, network: str = "") -> Outcome:
        """Run one fuzz case.

        Write ``data`` as a file of ``kind`` and run the user's commands on it (points files
        on the compiled ``network``).
        """
        self.count += 1
        path = self.workdir / f"case{self.count}{kind}"
        path.write_bytes(data)
        net_path = network
        if self.proc is not None and self.proc.poll() is not None:
            self._forget()
        if self.proc is None:
            self.proc = self._start()
        t0 = time.perf_counter()
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps({"path": str(path), "network": net_path}) + "\n")
            self.proc.stdin.flush()
        except OSError:
            pass
        ready, _, _ = select.select([self.proc.stdout], [], [], CASE_TIMEOUT_S)
        line = self.proc.stdout.readline() if ready else ""
        dt = time.perf_counter() - t0
        try:
            if not ready:
                self.proc.kill()
                self.proc.wait()
                self._forget()
                return Outcome(False, "hang", f"no answer in {CASE_TIMEOUT_S:.0f} s", dt)
            if not line:
                rc = self.proc.wait(10)
                self._forget()
                return Outcome(False, "crash", f"worker died with status {rc}", dt)
            r = json.loads(line)
        finally:
            path.unlink()
        return judge(r, str(path), dt)


def judge(r: dict, path: str, dt: float) -> Outcome:
    """Success, or every failing command printed one line naming the file, with status 2."""
    for step in r["steps"]:
        if step["rc"] == 0:
            continue
        err = step["err"]
        if "traceback" in step:
            return Outcome(False, "traceback", step["traceback"][-800:], dt)
        if step["rc"] != 2 or err.count("\n") != 1 or not err.startswith("error: "):
            return Outcome(False, "bad error", f"status {step['rc']}: {err[-800:]!r}", dt)
        if not any(f in err for f in step["file"]):
            return Outcome(False, "error without the file name", err.strip(), dt)
        return Outcome(True, "error", err.strip(), dt)
    return Outcome(True, "success", "", dt)


def _cli(argv: list[str], file: str) -> dict:
    """Run the command line in this process and check how it ends.

    Run ``tdesk argv`` in this process: exit status, stderr, any uncaught traceback. A
    one-line error must name ``file`` (or the command's second file: the points file).
    """
    import traceback

    from territory_desktop.cli import main

    err = io.StringIO()
    out = io.StringIO()
    step: dict = {"argv": argv, "file": [file, *argv[2:3]]}
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            step["rc"] = int(main(argv))
    except SystemExit as exc:  # argparse
        step["rc"] = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        step["rc"] = 1
        step["traceback"] = traceback.format_exc()
    step["err"] = err.getvalue()
    return step


def _case(path: str, network: str) -> list[dict]:
    out = f"{path}.out"
    if path.endswith(".csv"):  # a bad points file on a good network
        return [_cli(["route", network, path], path),
                _cli(["matrix", network, path, "-o", out + ".csv"], path)]  # fmt: skip
    if path.endswith(".npz"):  # a damaged network with good points
        pts = f"{path}.points.csv"
        _write_points_for(None, pts)
        return [_cli(["route", path, pts], path),
                _cli(["matrix", path, pts, "-o", out + ".csv"], path)]  # fmt: skip
    steps = [_cli(["network", "build", path, "-o", out + ".npz"], path)]
    if steps[0]["rc"] == 0:  # the damage left a network: route on it too
        pts = f"{path}.points.csv"
        _write_points_for(out + ".npz", pts)
        steps.append(_cli(["route", out + ".npz", pts], out + ".npz"))
        steps.append(_cli(["matrix", out + ".npz", pts, "-o", out + ".csv"], out + ".npz"))
    return steps


def _write_points_for(network: str | None, pts: str) -> None:
    """Points on the network's first nodes (or near Andorra for a damaged network)."""
    if network is None:
        rows = [(42.5078, 1.5211), (42.5441, 1.5149), (42.4637, 1.4912)]
    else:
        from territory_desktop.routing import load_network

        net = load_network(network)
        k = np.linspace(0, net.n_nodes - 1, 3).astype(int)
        rows = list(zip(net.node_lat[k].tolist(), net.node_lon[k].tolist(), strict=True))
    with open(pts, "w", encoding="utf-8") as f:
        f.write("id,lat,lon\n")
        for n, (la, lo) in enumerate(rows):
            f.write(f"s{n},{la:.7f},{lo:.7f}\n")


def _worker() -> int:
    for line in sys.stdin:
        req = json.loads(line)
        steps = _case(req["path"], req["network"])
        for p in Path(req["path"]).parent.glob(Path(req["path"]).name + ".*"):
            with contextlib.suppress(OSError):
                p.unlink()
        sys.stdout.write(json.dumps({"steps": steps}) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__" and "--worker" in sys.argv:
    sys.exit(_worker())
