"""The context every benchmark prints beside its figures.

What every benchmark prints first and with each timing: the command that produced the output,
the code version, the load average and the threads in use (the machine may be shared).
"""

from __future__ import annotations

import os
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def header(title: str) -> None:
    """Print the title, the exact command, date, commit, CPUs, threads and load average."""
    print("\n".join(header_lines(title)))


def header_lines(title: str) -> list[str]:
    """Return the lines :func:`header` prints."""
    cmd = shlex.join(["python", os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                capture_output=True, timeout=10).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                ".", ":!benchmarks/results"],
                               cwd=ROOT, text=True, capture_output=True, timeout=10).stdout
        commit += " (uncommitted changes)" if dirty.strip() else ""
    except OSError:
        commit = "unknown"
    return [f"# {title}", f"# command (from the repository root): {cmd}",
            f"# date {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, commit {commit}, "
            f"Python {sys.version.split()[0]}",
            f"# {cpus()} usable CPUs; {threads()}; {load()}"]  # fmt: skip


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def threads() -> str:
    """Threads this process may use: our pair loop, numba, BLAS/OpenMP caps if set."""
    from territory_desktop.routing import cch

    caps = ", ".join(f"{k}={os.environ[k]}" for k in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS")
                     if k in os.environ)  # fmt: skip
    return f"matrix pair-loop threads {cch.threads()}" + (f" ({caps})" if caps else "")


def load() -> str:
    a, b, c = os.getloadavg()
    return f"load average {a:.2f} {b:.2f} {c:.2f}"


def rss_mib() -> tuple[float, float]:
    """Return (current, peak) resident set size of this process in MiB (Linux /proc, ru_maxrss)."""
    cur = 0.0
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    cur = int(line.split()[1]) / 1024
    except OSError:
        pass
    return cur, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
