"""The repository passes ``ruff check`` and ``mypy --strict`` as configured in pyproject.toml."""

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


def test_mypy_strict_reports_no_errors():
    # `strict = true`, the files and the modules not yet typed are all in pyproject.toml. The
    # cache in the checkout's .mypy_cache (git-ignored) makes a repeated run take seconds.
    command = [sys.executable, "-m", "mypy", "--cache-dir", str(ROOT / ".mypy_cache"),
               "--no-error-summary"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "", done.stdout
