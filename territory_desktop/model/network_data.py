"""A compiled road network carried inside a plan, as plain data (arrays and their meta).

The routing engine turns it into a ``RoadNetwork`` (``routing.embedded``); the plan file
stores it (``io.planfile``). Here it is only data: the model knows neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class EmbeddedNetwork:
    """The arrays and meta of a compiled network clipped to a plan's area (never modified)."""

    arrays: Mapping[str, np.ndarray]
    meta: Mapping[str, Any]

    @property
    def content_hash(self) -> str:
        """Hash naming this network's roads (differs from the full extract's)."""
        return str(self.meta.get("content_hash", ""))

    @property
    def source_name(self) -> str:
        """File name of the extract it was clipped from."""
        return str(self.meta.get("source_name", ""))

    @property
    def nbytes(self) -> int:
        """Bytes of array data."""
        return sum(int(a.nbytes) for a in self.arrays.values())
