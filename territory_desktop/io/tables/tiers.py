"""Tier ranking: A/B/C from a score or potential, else from the visit cadence."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from territory_desktop.model.plan import TierCadence


def rank_tiers(values: dict[int, float]) -> dict[int, str]:
    """Top 20 % by value -> A, next 30 % -> B, rest C; equal values share the better tier."""
    ordered = sorted(values.items(), key=lambda kv: -kv[1])
    n = len(ordered)
    tiers: dict[int, str] = {}
    first_pos: dict[float, int] = {}
    for pos, (idx, value) in enumerate(ordered):
        p = first_pos.setdefault(value, pos)
        share = (p + 1) / n  # the share of accounts ranked at or above this one
        tiers[idx] = "A" if share <= 0.2 + 1e-9 else "B" if share <= 0.5 + 1e-9 else "C"
    return tiers


def _assign_tiers(parsed: list[dict[str, Any]], cadence: Mapping[str, TierCadence]) -> None:
    for key in ("score", "potential"):
        values = {i: p[key] for i, p in enumerate(parsed) if p[key] is not None}
        if values:
            ranked = rank_tiers(values)
            for i, p in enumerate(parsed):
                if p["tier"] is None and i in ranked:
                    p["tier"] = ranked[i]
            break
    for p in parsed:
        if p["tier"] is None and p["every_weeks"] is not None:
            for tier, cad in cadence.items():
                if math.isclose(cad.every_weeks, p["every_weeks"]):
                    p["tier"] = tier
                    break
        if p["tier"] is None:
            p["tier"] = "C"
