"""CRM results: defined in :mod:`territory_desktop.model.results` so a plan can hold them.

Re-exported here because the health engines, the importer and their callers know them as
``territory_desktop.health.results``.
"""

from territory_desktop.model.results import (
    ACTIVITY_COLUMNS,
    ACTIVITY_TYPES,
    OPPORTUNITY_COLUMNS,
    QUOTA_COLUMNS,
    STATUSES,
    CrmResults,
    Table,
    conform,
    empty_table,
)

__all__ = [
    "ACTIVITY_COLUMNS",
    "ACTIVITY_TYPES",
    "OPPORTUNITY_COLUMNS",
    "QUOTA_COLUMNS",
    "STATUSES",
    "CrmResults",
    "Table",
    "conform",
    "empty_table",
]
