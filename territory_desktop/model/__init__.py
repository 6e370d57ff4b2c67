"""Plain dataclasses for the plan document and the pure edits applied to it."""

from territory_desktop.model.plan import (
    ACCOUNT_RULE_FIELDS,
    PALETTE,
    TIERS,
    Account,
    OverlayRule,
    Plan,
    PlanError,
    PlanSettings,
    Rep,
    Territory,
    TierCadence,
    default_cadence,
    next_color,
)

__all__ = [
    "ACCOUNT_RULE_FIELDS",
    "PALETTE",
    "TIERS",
    "Account",
    "OverlayRule",
    "Plan",
    "PlanError",
    "PlanSettings",
    "Rep",
    "Territory",
    "TierCadence",
    "default_cadence",
    "next_color",
]
