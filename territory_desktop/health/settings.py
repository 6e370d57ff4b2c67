"""Health settings: defined in :mod:`territory_desktop.model.health_settings`, a plan setting.

Re-exported here because the health engines and their callers know them by this name.
"""

from territory_desktop.model.health_settings import HealthError, HealthSettings

__all__ = ["HealthError", "HealthSettings"]
