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
from territory_desktop.model.schedule import (
    VISIT_STATUSES,
    WEEKDAY_NAMES,
    RepSchedule,
    ScheduledVisit,
    ScheduleError,
    UnplacedAccount,
    VisitLogEntry,
)

__all__ = [
    "ACCOUNT_RULE_FIELDS",
    "PALETTE",
    "TIERS",
    "VISIT_STATUSES",
    "WEEKDAY_NAMES",
    "Account",
    "OverlayRule",
    "Plan",
    "PlanError",
    "PlanSettings",
    "Rep",
    "RepSchedule",
    "ScheduleError",
    "ScheduledVisit",
    "Territory",
    "TierCadence",
    "UnplacedAccount",
    "VisitLogEntry",
    "default_cadence",
    "next_color",
]
