"""Which territory each account belongs to: overlay rules first, then point in polygon."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import shapely

from territory_desktop.model.plan import Plan

OUTSIDE = "outside every territory"


@dataclass(frozen=True)
class Assignment:
    """The result of :func:`assign_accounts`.

    ``territory_of`` maps every account id to a territory id or None; ``reason`` says why
    ("map", the rule that won, or :data:`OUTSIDE`).
    """

    territory_of: dict[str, str | None]
    reason: dict[str, str]

    def unassigned(self) -> list[str]:
        """Return the ids of accounts that belong to no territory."""
        return [a for a, t in self.territory_of.items() if t is None]

    def accounts_in(self, territory_id: str) -> list[str]:
        """Return the ids of the accounts in territory ``territory_id``."""
        return [a for a, t in self.territory_of.items() if t == territory_id]

    def counts(self) -> Counter[str | None]:
        """Count the accounts per territory id (None: unassigned)."""
        return Counter(self.territory_of.values())


def assign_accounts(plan: Plan) -> Assignment:
    """Assign every account: the first matching overlay rule wins, else the polygon containing it.

    Points exactly on a shared border go to the territory listed first in the plan, so the
    answer is deterministic.
    """
    ids = list(plan.accounts)
    shaped = {t.id: t.geometry for t in plan.territories.values() if t.geometry is not None}
    if ids and shaped:
        accounts = plan.accounts.values()
        points = shapely.points(
            np.fromiter((a.lon for a in accounts), float, len(ids)),
            np.fromiter((a.lat for a in accounts), float, len(ids)),
        )
        tree = shapely.STRtree(list(shaped.values()))
        point_idx, tree_idx = tree.query(points, predicate="intersects")
        # Per point, the first territory (in plan order) it falls in; len(shaped) for none.
        first = np.full(len(ids), len(shaped))
        np.minimum.at(first, point_idx, tree_idx)
        territory = np.array([*shaped, None], dtype=object)[first]
        why = np.array(["map"] * len(shaped) + [OUTSIDE], dtype=object)[first]
        territory_of: dict[str, str | None] = dict(zip(ids, territory.tolist(), strict=True))
        reason = dict(zip(ids, why.tolist(), strict=True))
    else:
        territory_of = dict.fromkeys(ids)
        reason = dict.fromkeys(ids, OUTSIDE)

    if plan.rules:
        live_rules = [r for r in plan.rules if r.territory_id in plan.territories]
        for account in plan.accounts.values():
            for rule in live_rules:
                if rule.matches(account):
                    territory_of[account.id] = rule.territory_id
                    reason[account.id] = f"rule: {rule.describe()}"
                    break
    return Assignment(territory_of, reason)
