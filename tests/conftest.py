"""Fixtures shared by every test: where the real shared data lives."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_paths import SHARED_DATA


@pytest.fixture(scope="session", autouse=True)
def _real_data_present() -> None:
    """Every test fails, none skips, when the real shared data is not where it should be."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real test data not found at {SHARED_DATA} (set TERRITORY_SHARED_DATA)")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Return the read-only real data folder next to the repository (``../shared/data``)."""
    return SHARED_DATA
