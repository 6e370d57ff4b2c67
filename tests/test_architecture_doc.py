"""docs/architecture.md's picture is drawn from the import contracts, never by hand."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_architecture_picture_matches_the_contracts():
    done = subprocess.run([sys.executable, "scripts/architecture_diagram.py", "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "flowchart TB" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
