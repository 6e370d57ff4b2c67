"""``territory-desktop --smoke`` from a checkout passes.

The self-test the frozen bundle runs in CI (installers/smoke_test.sh) must pass here
first, with no stderr line outside its allow-list.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOW = ROOT / "installers" / "smoke_stderr_allow.txt"


def test_smoke_flag_opens_draws_routes_schedules_saves_and_reopens(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "TDESK_"))}
    env.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen",
               QTWEBENGINE_DISABLE_SANDBOX="1")
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--smoke"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout.splitlines()
    assert out[-1] == "smoke: OK"
    assert any(line.startswith("smoke: map drawn: 4 territories, 248 accounts") for line in out)
    assert any(line.startswith("smoke: matrix 248x248") for line in out)
    assert any(line.startswith("smoke: saved and reopened") for line in out)
    assert ("smoke: exported 4 territories as Shapefile, KML and GeoPackage, read them back, "
            "and read the Shapefile as 4 units") in out
    assert ("smoke: text: 7 accented names sorted, upper-case, time zone, CSV in Windows-1252 "
            "and UTF-16 imported; the map page's dates, numbers and sorting in English") in out
    # a checkout runs numba's JIT (a bundle the kernels compiled ahead of time)
    assert any(" kernels jit kernels_compiled " in line for line in out)
    allowed = [re.compile(p) for p in ALLOW.read_text().splitlines()
               if p.strip() and not p.startswith("#")]
    unexpected = [line for line in done.stderr.splitlines()
                  if not any(p.fullmatch(line) for p in allowed)]
    assert unexpected == []
    # like a real launch: the compiled network is kept in the user's data folder for the next
    assert list((tmp_path / ".local" / "share").rglob("networks/*.npz"))
