"""CRM results a plan holds: opportunities, quotas and activities as tables of numpy columns.

Columns (tables are read-only; every change makes a new :class:`CrmResults`):

- ``opportunities``: ``id``, ``account_id``, ``amount`` (float), ``stage`` (text as the CRM wrote
  it), ``created`` and ``closed`` (``datetime64[D]``; ``closed`` is the expected close date of an
  open opportunity and may be NaT), ``status`` (``won``, ``lost`` or ``open``).
- ``quotas``: ``rep_id``, ``period`` (label, e.g. ``2026Q3``), ``first_month`` and ``months``
  (see :class:`~territory_desktop.health.period.Period`), ``amount`` (float).
- ``activities``: ``account_id``, ``date`` (``datetime64[D]``), ``type`` (``visit`` or ``call``).

Text columns are numpy object arrays of ``str``. No pandas: it would add ~21 MiB to the bundle
for a few column sums (numpy's ``bincount`` and ``unique`` do them).

Re-importing updates instead of duplicating: :meth:`CrmResults.merged` keys opportunities by id,
quotas by rep and period (a new quota replaces any of the rep's quotas whose months it overlaps,
so a quarter and its months are never both counted), activities by account, date and type.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

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

OPPORTUNITY_COLUMNS = ("id", "account_id", "amount", "stage", "created", "closed", "status")
QUOTA_COLUMNS = ("rep_id", "period", "first_month", "months", "amount")
ACTIVITY_COLUMNS = ("account_id", "date", "type")
STATUSES = ("won", "lost", "open")
ACTIVITY_TYPES = ("visit", "call")

DTYPES: dict[str, str] = {
    "id": "object", "account_id": "object", "amount": "float64", "stage": "object",
    "created": "datetime64[D]", "closed": "datetime64[D]", "status": "object",
    "rep_id": "object", "period": "object", "first_month": "int64", "months": "int64",
    "date": "datetime64[D]", "type": "object",
}


class Table:
    """Named numpy columns of one length, read-only.

    ``table["amount"]`` is a column, ``len(table)`` its rows, :meth:`take` a selection of rows,
    :meth:`rows` the rows as Python values (dates as :class:`datetime.date`, NaT as None).
    """

    __slots__ = ("_columns", "_length")
    __hash__ = None  # type: ignore[assignment]  # equality is by value

    def __init__(self, columns: Mapping[str, npt.ArrayLike]) -> None:
        arrays = {}
        for name, values in columns.items():
            array = np.array(values, dtype=DTYPES.get(name))  # a copy: the table owns it
            array.flags.writeable = False
            arrays[name] = array
        lengths = {len(a) for a in arrays.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self._columns: dict[str, np.ndarray] = arrays
        self._length = lengths.pop() if lengths else 0

    @property
    def columns(self) -> tuple[str, ...]:
        """Return the column names, in order."""
        return tuple(self._columns)

    def __getitem__(self, name: str) -> np.ndarray:
        """Return column ``name``."""
        return self._columns[name]

    def __len__(self) -> int:
        """Return the number of rows."""
        return self._length

    def __repr__(self) -> str:
        """Return the columns and the number of rows."""
        return f"Table({', '.join(self._columns)}; {self._length} rows)"

    def __eq__(self, other: object) -> bool:
        """Equal when the columns, their dtypes and values match (NaT equals NaT)."""
        if not isinstance(other, Table):
            return NotImplemented
        if self.columns != other.columns or len(self) != len(other):
            return False
        for name, mine in self._columns.items():
            theirs = other[name]
            if mine.dtype != theirs.dtype:
                return False
            if mine.dtype.kind in "fM":
                if not np.array_equal(mine, theirs, equal_nan=True):
                    return False
            elif not (mine == theirs).all():
                return False
        return True

    def take(self, rows: np.ndarray) -> Table:
        """Return the rows selected by a boolean mask or by positions."""
        return Table({name: column[rows] for name, column in self._columns.items()})

    def replace(self, **columns: npt.ArrayLike) -> Table:
        """Return a copy with the given columns' values replaced."""
        return Table({**self._columns, **columns})

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Yield each row as a tuple of Python values."""
        return zip(*(column.tolist() for column in self._columns.values()), strict=True)


def empty_table(columns: tuple[str, ...]) -> Table:
    """Return an empty table with the given result columns and their dtypes."""
    return Table({c: np.empty(0, DTYPES[c]) for c in columns})


def conform(columns: Mapping[str, npt.ArrayLike] | Table, names: tuple[str, ...]) -> Table:
    """Return a table of exactly ``names`` from ``columns``, in order, with the result dtypes."""
    return Table({c: columns[c] for c in names})


def concat(tables: Sequence[Table], names: tuple[str, ...]) -> Table:
    """Return the rows of ``tables`` one after the other, with columns ``names``."""
    return Table({c: np.concatenate([t[c] for t in tables]).astype(DTYPES[c]) for c in names})


@dataclass(frozen=True, eq=False)
class CrmResults:
    """The results known for a plan (see the module docstring for the columns)."""

    opportunities: Table
    quotas: Table
    activities: Table

    __hash__ = None  # type: ignore[assignment]  # equality is by value

    def __eq__(self, other: object) -> bool:
        """Equal when every table holds the same values, dtypes and columns (NaT equals NaT)."""
        if not isinstance(other, CrmResults):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n)
                   for n in ("opportunities", "quotas", "activities"))

    @property
    def is_empty(self) -> bool:
        """Whether no table has a row."""
        return not (len(self.opportunities) or len(self.quotas) or len(self.activities))

    @classmethod
    def empty(cls) -> CrmResults:
        """Return results with no rows in any table."""
        return cls(empty_table(OPPORTUNITY_COLUMNS), empty_table(QUOTA_COLUMNS),
                   empty_table(ACTIVITY_COLUMNS))

    def merged(self, newer: CrmResults) -> CrmResults:
        """Return these results updated by ``newer``: a row with a known key replaces the old."""
        return CrmResults(
            _upsert(self.opportunities, newer.opportunities, ("id",), OPPORTUNITY_COLUMNS),
            _upsert_quotas(self.quotas, newer.quotas),
            _upsert(self.activities, newer.activities, ("account_id", "date", "type"),
                    ACTIVITY_COLUMNS),
        )


def _upsert(old: Table, new: Table, key: tuple[str, ...], names: tuple[str, ...]) -> Table:
    if not len(new):
        return old
    if not len(old):
        return conform(new, names)
    both = concat([old, new], names)
    # The last row of each key, kept where it stands (as re-imports have always kept them).
    last = {k: i for i, k in enumerate(zip(*(both[c].tolist() for c in key), strict=True))}
    return both.take(np.sort(np.fromiter(last.values(), np.intp, len(last))))


def _upsert_quotas(old: Table, new: Table) -> Table:
    if len(new) and len(old):
        spans: dict[str, list[tuple[int, int]]] = {}
        for rep, first, months in zip(new["rep_id"].tolist(), new["first_month"].tolist(),
                                      new["months"].tolist(), strict=True):
            spans.setdefault(rep, []).append((first, first + months))
        keep = np.array([not any(max(first, a) < min(first + months, b)
                                 for a, b in spans.get(rep, ()))
                         for rep, first, months in zip(old["rep_id"].tolist(),
                                                       old["first_month"].tolist(),
                                                       old["months"].tolist(), strict=True)],
                        dtype=bool)
        old = old.take(keep)
    return _upsert(old, new, ("rep_id", "period"), QUOTA_COLUMNS)
