"""CRM results a plan holds: opportunities, quotas and activities as pandas frames.

Columns (all frames are treated as read-only; every change makes a new :class:`CrmResults`):

- ``opportunities``: ``id``, ``account_id``, ``amount`` (float), ``stage`` (text as the CRM wrote
  it), ``created`` and ``closed`` (datetime64, day precision; ``closed`` is the expected close date
  of an open opportunity and may be NaT), ``status`` (``won``, ``lost`` or ``open``).
- ``quotas``: ``rep_id``, ``period`` (label, e.g. ``2026Q3``), ``first_month`` and ``months``
  (see :class:`~territory_desktop.health.period.Period`), ``amount`` (float).
- ``activities``: ``account_id``, ``date`` (datetime64), ``type`` (``visit`` or ``call``).

Re-importing updates instead of duplicating: :meth:`CrmResults.merged` keys opportunities by id,
quotas by rep and period (a new quota replaces any of the rep's quotas whose months it overlaps,
so a quarter and its months are never both counted), activities by account, date and type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "ACTIVITY_COLUMNS",
    "ACTIVITY_TYPES",
    "OPPORTUNITY_COLUMNS",
    "QUOTA_COLUMNS",
    "STATUSES",
    "CrmResults",
]

OPPORTUNITY_COLUMNS = ("id", "account_id", "amount", "stage", "created", "closed", "status")
QUOTA_COLUMNS = ("rep_id", "period", "first_month", "months", "amount")
ACTIVITY_COLUMNS = ("account_id", "date", "type")
STATUSES = ("won", "lost", "open")
ACTIVITY_TYPES = ("visit", "call")

_DTYPES: dict[str, str] = {
    "id": "object", "account_id": "object", "amount": "float64", "stage": "object",
    "created": "datetime64[ns]", "closed": "datetime64[ns]", "status": "object",
    "rep_id": "object", "period": "object", "first_month": "int64", "months": "int64",
    "date": "datetime64[ns]", "type": "object",
}


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    """Return an empty frame with the given result columns and their dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in columns})


def conform(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with exactly ``columns``, in order, with the result dtypes and a 0..n-1 index."""
    out = frame.loc[:, list(columns)].reset_index(drop=True)
    return out.astype({c: _DTYPES[c] for c in columns})


@dataclass(frozen=True, eq=False)
class CrmResults:
    """The results known for a plan (see the module docstring for the columns)."""

    opportunities: pd.DataFrame
    quotas: pd.DataFrame
    activities: pd.DataFrame

    __hash__ = None  # type: ignore[assignment]  # frames are mutable and unhashable

    def __eq__(self, other: object) -> bool:
        """Equal when every frame holds the same values, dtypes and columns (NaT equals NaT)."""
        if not isinstance(other, CrmResults):
            return NotImplemented
        return all(getattr(self, n).equals(getattr(other, n))
                   for n in ("opportunities", "quotas", "activities"))

    @property
    def is_empty(self) -> bool:
        """Whether no table has a row."""
        return self.opportunities.empty and self.quotas.empty and self.activities.empty

    @classmethod
    def empty(cls) -> CrmResults:
        """Return results with no rows in any table."""
        return cls(empty_frame(OPPORTUNITY_COLUMNS), empty_frame(QUOTA_COLUMNS),
                   empty_frame(ACTIVITY_COLUMNS))

    def merged(self, newer: CrmResults) -> CrmResults:
        """Return these results updated by ``newer``: a row with a known key replaces the old."""
        return CrmResults(
            _upsert(self.opportunities, newer.opportunities, ["id"], OPPORTUNITY_COLUMNS),
            _upsert_quotas(self.quotas, newer.quotas),
            _upsert(self.activities, newer.activities, ["account_id", "date", "type"],
                    ACTIVITY_COLUMNS),
        )


def _upsert(old: pd.DataFrame, new: pd.DataFrame, key: list[str],
            columns: tuple[str, ...]) -> pd.DataFrame:
    if new.empty:
        return old
    if old.empty:
        return conform(new, columns)
    both = pd.concat([conform(old, columns), conform(new, columns)], ignore_index=True)
    return conform(both.drop_duplicates(key, keep="last"), columns)


def _upsert_quotas(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    if new.empty or old.empty:
        return _upsert(old, new, ["rep_id", "period"], QUOTA_COLUMNS)
    pairs = old.reset_index(drop=True).reset_index().merge(new, on="rep_id",
                                                           suffixes=("", "_new"))
    overlaps = (np.maximum(pairs["first_month"], pairs["first_month_new"])
                < np.minimum(pairs["first_month"] + pairs["months"],
                             pairs["first_month_new"] + pairs["months_new"]))
    kept = old.reset_index(drop=True).drop(index=pairs.loc[overlaps, "index"].unique())
    return _upsert(kept, new, ["rep_id", "period"], QUOTA_COLUMNS)
