"""Alignment files: a CSV/XLSX table saying which territory each account or unit belongs to.

Columns are found by name (``account_id``/``id``/``zip``/``zcta``/``fips``/``unit`` for the
key, ``territory``/``territory_id``/``territory_name`` for the territory; or given). A
territory may be named by id or by name, case-insensitively. Every row that does not match is
reported with its file, line and reason; the good rows still import.

:func:`preview_account_alignment` checks an account alignment file against a plan before it
is applied (``tdesk plan align`` and File > Import > Alignment file share it): which accounts
change territory, and which rows are refused because a lock or an overlay rule holds the
account where it is. :func:`preview_unit_alignment` does the same for a file keyed by the
ids of the units shown on the map (ZIP/ZCTA, county FIPS, state, or the user's own).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from territory_desktop.io.design_reports import _write_csv
from territory_desktop.io.tables import ImportFileError, read_table

if TYPE_CHECKING:
    from territory_desktop.model.plan import Plan

KEY_COLUMNS = ("account_id", "account", "unit_id", "unit", "id", "zip", "zcta", "zip_code",
               "postal_code", "geoid", "fips", "county_fips", "state", "code")
TERRITORY_COLUMNS = ("territory_id", "territory", "territory_name", "territory name",
                     "alignment")


@dataclass(frozen=True)
class UnmatchedRow:
    """A row of an alignment file that did not import, and why."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        """Return ``file:line: reason``."""
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class AlignmentImport:
    """What an alignment file says: key (account or unit id) -> territory id."""

    territory_of: dict[str, str]
    unmatched: tuple[UnmatchedRow, ...]
    key_column: str
    territory_column: str
    rows_read: int
    line_of: dict[str, int] = field(default_factory=dict)  # key -> line it was aligned on
    unknown_keys: tuple[str, ...] = ()  # keys that named nothing known


def looks_like_unit_ids(keys: Collection[str]) -> bool:
    """Return whether every key reads as a ZIP/ZCTA, county FIPS or state abbreviation."""
    return bool(keys) and all((k.isdigit() and 3 <= len(k) <= 5)
                              or (len(k) == 2 and k.isalpha()) for k in keys)


def _pick(columns: list[str], wanted: tuple[str, ...], given: str | None,
          what: str, source: Path) -> str:
    if given is not None:
        if given not in columns:
            raise ImportFileError(f"{source}: no column named {given!r} for the {what}; "
                                  f"columns are {', '.join(columns)}")
        return given
    folded = {c.strip().casefold().replace(" ", "_"): c for c in columns}
    for name in wanted:
        if name.replace(" ", "_") in folded:
            return folded[name.replace(" ", "_")]
    raise ImportFileError(f"{source}: no column for the {what} (looked for "
                          f"{', '.join(wanted[:6])}...); name it with --key-column / "
                          "--territory-column")


def read_alignment(path: str | os.PathLike[str], known_ids: Collection[str],
                   territories: Mapping[str, str], key_column: str | None = None,
                   territory_column: str | None = None,
                   what: str = "account or unit") -> AlignmentImport:
    """Read an alignment file.

    ``known_ids`` are the account or unit ids the file may name (``what`` they are, for the
    reasons); ``territories`` maps territory id -> name. Raises :class:`ImportFileError` when
    the file cannot be read or has no usable columns; row problems are returned in ``unmatched``.
    """
    source = Path(path)
    columns, rows = read_table(source)
    key = _pick(columns, KEY_COLUMNS, key_column, "account or unit id", source)
    terr = _pick(columns, TERRITORY_COLUMNS, territory_column, "territory", source)
    known = set(known_ids)
    # Ids like ZIP codes lose leading zeros in spreadsheets: match "6810" to "06810".
    padded = {k.lstrip("0"): k for k in known if k.isdigit()}
    folded_ids = {k.casefold(): k for k in known}  # state abbreviations typed "ca"
    by_name: dict[str, str] = {}
    for territory_id, name in territories.items():
        by_name.setdefault(name.strip().casefold(), territory_id)
    by_id = {tid.casefold(): tid for tid in territories}
    out: dict[str, str] = {}
    first_line: dict[str, int] = {}
    unmatched = []
    unknown: list[str] = []
    for row in rows:
        raw_key = (row.cells.get(key) or "").strip()
        raw_terr = (row.cells.get(terr) or "").strip()
        if raw_key.endswith(".0") and raw_key[:-2].isdigit():
            raw_key = raw_key[:-2]  # a number cell read back from XLSX
        ident = raw_key if raw_key in known else (padded.get(raw_key.lstrip("0"))
                                                  or folded_ids.get(raw_key.casefold(), ""))
        tid = by_id.get(raw_terr.casefold()) or by_name.get(raw_terr.casefold())
        if not raw_key:
            reason = f"column {key!r} is empty"
        elif not ident:
            reason = f"no {what} with id {raw_key!r}"
            unknown.append(raw_key)
        elif not raw_terr:
            reason = f"column {terr!r} is empty"
        elif tid is None:
            reason = f"no territory with id or name {raw_terr!r}"
        elif ident in out and out[ident] != tid:
            reason = (f"{ident} was already aligned to {territories[out[ident]]} on line "
                      f"{first_line[ident]}")
        else:
            out[ident] = tid
            first_line.setdefault(ident, row.line)
            continue
        unmatched.append(UnmatchedRow(str(source), row.line, reason))
    return AlignmentImport(out, tuple(unmatched), key, terr, len(rows), first_line,
                           tuple(unknown))


class _CheckedRows:
    """The rows of an alignment file checked against a plan: what imports and what does not."""

    found: AlignmentImport
    refused: tuple[UnmatchedRow, ...]

    @property
    def unmatched(self) -> tuple[UnmatchedRow, ...]:
        """Every row that will not import (unreadable, unknown, or refused), by line."""
        return tuple(sorted((*self.found.unmatched, *self.refused), key=lambda u: u.line))

    @property
    def matched(self) -> int:
        """Rows that import (one already where the file says counts too)."""
        return len(self.found.territory_of) - len(self.refused)


@dataclass(frozen=True)
class AccountAlignment(_CheckedRows):
    """An account alignment file checked against a plan, ready to apply.

    ``territory_of`` is the whole alignment after the change (every account of the plan);
    ``moves`` maps each account that changes territory to (old, new) territory ids, and
    ``redraw`` names the territories whose outlines must follow their new accounts.
    """

    found: AlignmentImport
    territory_of: dict[str, str | None]
    moves: dict[str, tuple[str | None, str]]
    owner_changes: int
    refused: tuple[UnmatchedRow, ...]
    redraw: tuple[str, ...]


def preview_account_alignment(path: str | os.PathLike[str], plan: Plan,
                              territory_of: Mapping[str, str | None],
                              key_column: str | None = None,
                              territory_column: str | None = None) -> AccountAlignment:
    """Read an account alignment file and check it against ``plan`` aligned as ``territory_of``.

    A row is refused (listed with its line) when its account is in a locked territory, when it
    names a locked territory, or when an overlay rule holds the account (locks and rules are
    never overridden by a file). Raises :class:`ImportFileError` for a file that cannot be
    read or has no usable columns.
    """
    from territory_desktop.geo.assignment import assign_accounts

    names = {t.id: t.name for t in plan.territories.values()}
    found = read_alignment(path, plan.accounts, names, key_column, territory_column)
    held = {a: why for a, why in assign_accounts(plan).reason.items() if why.startswith("rule")}
    source = str(Path(path))
    refused = []
    after = dict(territory_of)
    moves: dict[str, tuple[str | None, str]] = {}
    for aid, tid in found.territory_of.items():
        old = territory_of.get(aid)
        if old == tid:
            continue
        here = plan.territories.get(old) if old else None
        reason = ""
        if here is not None and here.locked:
            reason = f"account {aid} is in {here.name}, which is locked: unlock it to move " \
                "its accounts"
        elif plan.territories[tid].locked:
            reason = f"territory {names[tid]} is locked: unlock it to give it accounts"
        elif aid in held:
            reason = (f"account {aid} is held by the overlay rule "
                      f"{held[aid].removeprefix('rule: ')}: change the rule to move it")
        if reason:
            refused.append(UnmatchedRow(source, found.line_of[aid], reason))
            continue
        after[aid] = tid
        moves[aid] = (old, tid)
    rep = {t.id: t.rep_id for t in plan.territories.values()}
    owners = sum(1 for old, new in moves.values() if rep.get(old or "") != rep[new])
    touched = {t for pair in moves.values() for t in pair if t is not None}
    redraw = tuple(t.id for t in plan.territories.values()
                   if t.id in touched and t.geometry is not None)
    return AccountAlignment(found, after, moves, owners, tuple(refused), redraw)


@dataclass(frozen=True)
class UnitAlignment(_CheckedRows):
    """A unit alignment file checked against the units shown and a plan, ready to apply.

    ``moves`` maps the position of each unit that changes territory to (old, new) territory
    ids; ``layer_title`` names the layer the keys matched ("ZIP/ZCTA").
    """

    found: AlignmentImport
    layer_title: str
    moves: dict[int, tuple[str | None, str]]
    refused: tuple[UnmatchedRow, ...]


def preview_unit_alignment(path: str | os.PathLike[str], plan: Plan, unit_ids: Sequence[str],
                           owners: Sequence[str | None], layer_title: str,
                           key_column: str | None = None,
                           territory_column: str | None = None) -> UnitAlignment:
    """Read a unit alignment file and check it against the shown units and ``plan``.

    ``unit_ids`` are the ids of the units shown (called ``layer_title``) and ``owners`` the
    territory each is in now. A row is refused (listed with its line) when it names a locked
    territory or a unit inside one. Raises :class:`ImportFileError` for a file that cannot be
    read or has no usable columns.
    """
    names = {t.id: t.name for t in plan.territories.values()}
    found = read_alignment(path, unit_ids, names, key_column, territory_column,
                           what=f"{layer_title} unit shown")
    position = {uid: i for i, uid in enumerate(unit_ids)}
    source = str(Path(path))
    refused = []
    moves: dict[int, tuple[str | None, str]] = {}
    for uid, tid in found.territory_of.items():
        i = position[uid]
        old = owners[i]
        if old == tid:
            continue
        reason = ""
        if old is not None and plan.territories[old].locked:
            reason = f"unit {uid} is in {names[old]}, which is locked: unlock it to move " \
                "its units"
        elif plan.territories[tid].locked:
            reason = f"territory {names[tid]} is locked: unlock it to give it units"
        if reason:
            refused.append(UnmatchedRow(source, found.line_of[uid], reason))
            continue
        moves[i] = (old, tid)
    return UnitAlignment(found, layer_title, moves, tuple(refused))


def write_unmatched_csv(result: AlignmentImport | AccountAlignment | UnitAlignment,
                        path: str | os.PathLike[str]) -> Path:
    """Write the validation file: one row per unmatched row (file, line, reason)."""
    target = Path(path)
    _write_csv(target, ["file", "line", "reason"],
               [[u.source, u.line, u.reason] for u in result.unmatched])
    return target
