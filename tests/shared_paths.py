"""Where the real shared data lives: ``../shared/data`` beside the repository.

``TERRITORY_SHARED_DATA`` names another folder. Tests never skip when it is missing:
``tests/conftest.py`` fails the whole session loudly instead.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TERRITORY_SHARED_DATA") or ROOT.parent / "shared" / "data")
