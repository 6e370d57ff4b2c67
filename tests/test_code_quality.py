"""The whole repository passes ``ruff check`` with the rules in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ["territory_desktop", "tests", "scripts", "benchmarks", "installers", "main.py"]



def test_ruff_reports_no_problems():
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "--force-exclude",
               "--output-format", "concise"]
    done = subprocess.run(command + CHECKED, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
