"""Importing accounts and reps from a table.

One result per file, every skipped row and ignored value a :class:`RowProblem`.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from territory_desktop.io.tables.columns import (
    ACCOUNT_FIELD_SPECS,
    ACCOUNT_FIELDS,
    REP_FIELD_SPECS,
    _missing,
    _usable_mapping,
)
from territory_desktop.io.tables.parsers import (
    _parse_minutes,
    _parse_tier,
    _positive_hours,
    _positive_weeks,
    _potential,
    _score,
    parse_coordinate,
    parse_frequency,
    parse_number,
)
from territory_desktop.io.tables.postal import POSTAL_COUNTRIES, _country_code, postal_centroid
from territory_desktop.io.tables.read import (
    ImportFileError,
    RowProblem,
    SourceRow,
    _uses_decimal_comma,
    read_table,
)
from territory_desktop.io.tables.tiers import _assign_tiers
from territory_desktop.model.plan import (
    DEFAULT_WEEKLY_HOURS,
    Account,
    PlanError,
    Rep,
    TierCadence,
    default_cadence,
)


@dataclass
class ImportResult:
    """Accounts that imported, the problems found, and the mapping used (field -> column).

    ``missing_required`` lists required fields no column is mapped to ("id", "name",
    "location" = latitude and longitude or a postal code); nothing is imported then and the GUI
    asks the user to map columns. ``fields`` are the :class:`Account` fields the mapped columns
    supply: an update of an existing account takes only these.
    """

    accounts: list[Account] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    mapping_used: dict[str, str] = field(default_factory=dict)
    missing_required: list[str] = field(default_factory=list)
    rows_read: int = 0
    fields: tuple[str, ...] = ()


@dataclass
class RepImportResult:
    """Like :class:`ImportResult`, for reps."""

    reps: list[Rep] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    mapping_used: dict[str, str] = field(default_factory=dict)
    missing_required: list[str] = field(default_factory=list)
    rows_read: int = 0


# ---------------------------------------------------------------------------------------------
# Import


class _RowError(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


class _Row:
    """Cell access by field, recording problems with optional values."""

    def __init__(self, row: SourceRow, mapping: Mapping[str, str],
                 problems: list[RowProblem]) -> None:
        self.row, self.mapping, self.problems = row, mapping, problems

    def text(self, key: str) -> str:
        col = self.mapping.get(key)
        return self.row.cells.get(col, "") if col is not None else ""

    def column(self, key: str) -> str:
        return self.mapping.get(key, "")

    def note(self, key: str, reason: str) -> None:
        self.problems.append(RowProblem(self.row.line, self.column(key), self.text(key),
                                        reason, skipped=False))

    def optional(self, key: str, parse, what: str):  # type: ignore[no-untyped-def]
        raw = self.text(key).strip()
        if not raw:
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            self.note(key, f"{exc}; {what} ignored")
            return None


def _locate(r: _Row, default_country: str) -> tuple[float, float, bool]:
    """(lat, lon, approximate) for a row, or _RowError."""
    postal = r.text("postal_code").strip()
    coord_problem: _RowError | None = None
    if r.text("lat").strip() or r.text("lon").strip():
        try:
            return (*_coordinates(r), False)
        except _RowError as exc:
            coord_problem = exc
    if postal:
        country = default_country
        if r.text("country").strip():
            code = _country_code(r.text("country"))
            if code is None:
                raise _RowError(r.column("country"), r.text("country"),
                                "country not recognised; cannot place the postal code")
            country = code
        found = postal_centroid(postal, country)
        if found is None:
            if country not in POSTAL_COUNTRIES:
                reason = (f"postal codes of {country or 'this country'} are not available "
                          f"offline ({', '.join(POSTAL_COUNTRIES)} are)")
            else:
                reason = f"postal code {postal!r} not found in the {country} postal codes"
            if coord_problem is not None:
                raise coord_problem
            raise _RowError(r.column("postal_code"), postal, reason)
        if coord_problem is not None:
            r.note("lat" if coord_problem.column == r.column("lat") else "lon",
                   f"{coord_problem.reason}; placed at the postal-code centroid instead")
        return found[0], found[1], True
    if coord_problem is not None:
        raise coord_problem
    column = r.column("lat") or r.column("postal_code")
    raise _RowError(column, "", "no location: latitude/longitude or a postal code is needed")


def _relocate(r: _Row, default_country: str, stored: Account) -> tuple[float, float, bool]:
    """(lat, lon, approximate) for an account the plan has: the file's, else the stored one.

    Coordinates that are missing or wrong keep the stored location (with a note when wrong),
    and a postal-code centroid replaces only a stored location that is itself approximate.
    """
    kept = stored.lat, stored.lon, stored.approximate_location
    try:
        if r.text("lat").strip() or r.text("lon").strip():
            return (*_coordinates(r), False)
        if stored.approximate_location and r.text("postal_code").strip():
            return _locate(r, default_country)
    except _RowError as exc:
        r.problems.append(RowProblem(r.row.line, exc.column, exc.value,
                                     f"{exc.reason}; kept the stored location", skipped=False))
    return kept


def _coordinates(r: _Row) -> tuple[float, float]:
    """(lat, lon) from the row's coordinate columns, or _RowError."""
    lat_raw, lon_raw = r.text("lat").strip(), r.text("lon").strip()
    try:
        lat = _coordinate(lat_raw, "lat", r, 90.0)
    except _RowError as exc:
        if _looks_swapped(lat_raw, lon_raw):
            exc.reason += "; latitude and longitude look swapped"
        raise
    lon = _coordinate(lon_raw, "lon", r, 180.0)
    if lat == 0.0 and lon == 0.0:
        raise _RowError(r.column("lat"), lat_raw, "0, 0 is not a real location")
    return lat, lon


def _looks_swapped(lat_raw: str, lon_raw: str) -> bool:
    """Whether a latitude out of range would be a longitude and the longitude a latitude."""
    try:
        lat, lon = parse_coordinate(lat_raw, "lat"), parse_coordinate(lon_raw, "lon")
    except ValueError:
        return False
    return 90.0 < abs(lat) <= 180.0 and abs(lon) <= 90.0


def _coordinate(raw: str, key: str, r: _Row, limit: float) -> float:
    what = "latitude" if key == "lat" else "longitude"
    if not raw:
        raise _RowError(r.column(key), raw, f"{what} is empty")
    try:
        value = parse_coordinate(raw, key)
    except ValueError as exc:
        raise _RowError(r.column(key), raw, str(exc)) from None
    if not -limit <= value <= limit:
        raise _RowError(r.column(key), raw, f"{what} {raw} is outside -{limit:g}..{limit:g}")
    return value


def _address(r: _Row) -> str:
    parts = [r.text(k).strip() for k in ("address", "city", "state")]
    return ", ".join(p for p in parts if p)


def import_accounts(
    path: str | os.PathLike[str],
    mapping: Mapping[str, str] | None = None,
    country: str = "US",
    cadence: Mapping[str, TierCadence] | None = None,
    overrides: Mapping[str, str] | None = None,
    existing: Mapping[str, Account] | None = None,
) -> ImportResult:
    """Read accounts from a CSV or XLSX file.

    Parameters
    ----------
    path
        The file.
    mapping
        Field -> column (keys of :data:`ACCOUNT_FIELDS`); guessed from the header when None.
        Columns not in the file are ignored.
    country
        ISO code for postal codes in rows without a country column value.
    cadence
        The plan's tier cadence; overrides equal to it are not stored (default cadence if None).
    overrides
        Field -> column chosen by the user on top of ``mapping`` (or the guess), e.g.
        ``{"potential": "beds"}`` so the file's own value column sets potential and tiers.
    existing
        The plan's accounts by id. A row of one of them keeps its stored location when its
        coordinates are missing or wrong (a postal-code centroid replaces only an approximate
        one), and its stored tier when the file supplies no tier, score or potential.

    Raises
    ------
    ImportFileError
        If the file cannot be read as a table, or an override names an unknown field or a
        column the file lacks.
    """
    columns, rows = read_table(path)
    used = _usable_mapping(mapping, columns, ACCOUNT_FIELD_SPECS)
    for key, column in (overrides or {}).items():
        if key not in dict(ACCOUNT_FIELDS):
            raise ImportFileError(f"{path}: no account field {key!r} (fields: "
                                  f"{', '.join(k for k, _ in ACCOUNT_FIELDS)})")
        if column not in columns:
            raise ImportFileError(f"{path}: no column {column!r} (columns: "
                                  f"{', '.join(columns)})")
        used[key] = column
    result = ImportResult(mapping_used=used, missing_required=_missing(used), rows_read=len(rows),
                          fields=_supplied_fields(used))
    if result.missing_required:
        return result
    existing = existing or {}
    keep_tier = "tier" not in result.fields
    blank_potential: list[int] = []
    cadence = dict(cadence) if cadence is not None else default_cadence()
    decimal_comma = _uses_decimal_comma(path)
    problems = result.problems
    seen: dict[str, int] = {}
    parsed: list[dict[str, Any]] = []
    for row in rows:
        r = _Row(row, used, problems)
        try:
            _refuse_nul(row)
            acc_id = r.text("id").strip()
            if not acc_id:
                raise _RowError(r.column("id"), "", "id is empty")
            if acc_id in seen:
                raise _RowError(r.column("id"), acc_id,
                                f"duplicate id (first used on line {seen[acc_id]})")
            name = r.text("name").strip()
            if not name:
                raise _RowError(r.column("name"), "", "name is empty")
            stored = existing.get(acc_id)
            lat, lon, approximate = (_locate(r, country.upper()) if stored is None
                                     else _relocate(r, country.upper(), stored))
        except _RowError as exc:
            problems.append(RowProblem(row.line, exc.column, exc.value, exc.reason))
            continue
        if "potential" in used and not r.text("potential").strip():
            blank_potential.append(row.line)
        potential = r.optional("potential", lambda s: _potential(parse_number(s, decimal_comma)),
                               "potential")
        score = r.optional("score", _score, "score")
        tier = r.optional("tier", _parse_tier, "tier")
        if keep_tier and stored is not None:
            tier = stored.tier  # overrides below are then told apart from the tier it keeps
        every = r.optional("every_weeks", _positive_weeks, "visit interval")
        if every is None:
            every = r.optional("frequency", parse_frequency, "visit frequency")
        minutes = r.optional("visit_minutes", _parse_minutes, "visit minutes")
        seen[acc_id] = row.line
        parsed.append(dict(
            line=row.line, id=acc_id, name=name, lat=lat, lon=lon, approximate=approximate,
            address=_address(r), postal_code=r.text("postal_code").strip(),
            segment=r.text("segment").strip(), industry=r.text("industry").strip(),
            owner=r.text("owner").strip(), notes=r.text("notes"), potential=potential,
            score=score, tier=tier, every_weeks=every, visit_minutes=minutes,
        ))
    _assign_tiers(parsed, cadence)
    if blank_potential:
        problems.append(_blank_potential(blank_potential, len(parsed), used["potential"]))
    for p in parsed:
        tier_cad = cadence.get(p["tier"])
        every, minutes = p["every_weeks"], p["visit_minutes"]
        if tier_cad is not None:
            if every is not None and math.isclose(every, tier_cad.every_weeks):
                every = None
            if minutes is not None and math.isclose(minutes, tier_cad.visit_minutes):
                minutes = None
        try:
            result.accounts.append(Account(
                id=p["id"], name=p["name"], lat=p["lat"], lon=p["lon"], address=p["address"],
                postal_code=p["postal_code"], segment=p["segment"], industry=p["industry"],
                potential=p["potential"], tier=p["tier"], every_weeks=every,
                visit_minutes=minutes, owner=p["owner"], notes=p["notes"],
                approximate_location=p["approximate"],
            ))
        except PlanError as exc:  # pragma: no cover - values were checked above
            problems.append(RowProblem(p["line"], "", "", str(exc)))
    result.problems = _with_source(problems, path)
    return result


FIELD_SOURCES: dict[str, tuple[str, ...]] = {
    "name": ("name",), "lat": ("lat", "postal_code"), "lon": ("lat", "postal_code"),
    "approximate_location": ("lat", "postal_code"), "address": ("address", "city", "state"),
    "postal_code": ("postal_code",), "segment": ("segment",), "industry": ("industry",),
    "potential": ("potential",), "tier": ("tier", "score", "potential"),
    "every_weeks": ("every_weeks", "frequency"), "visit_minutes": ("visit_minutes",),
    "owner": ("owner",), "notes": ("notes",),
}
"""The :class:`Account` fields a table can supply, and the mapped columns each comes from
(the fields :data:`~territory_desktop.import_edits.IMPORTED_ACCOUNT_FIELDS` names)."""


def _supplied_fields(used: Mapping[str, str]) -> tuple[str, ...]:
    """Return the :class:`Account` fields that the mapped columns (``used``) supply."""
    return tuple(f for f, keys in FIELD_SOURCES.items() if any(k in used for k in keys))


def _blank_potential(lines: list[int], rows: int, column: str) -> RowProblem:
    """One note for the rows whose potential cell is blank: they are not ranked by it."""
    shown = ", ".join(map(str, lines[:5])) + (", …" if len(lines) > 5 else "")
    return RowProblem(
        lines[0], column, "",
        f"potential is blank on {len(lines)} of {rows} rows (lines {shown}); they have no "
        f"potential and are left out of the ranking by potential (tiers A and B are the top "
        f"20 % and next 30 % of the {rows - len(lines)} rows with a value): a blank row is "
        "tier C unless the file gives its tier or visit frequency", skipped=False)


def _refuse_nul(row: SourceRow) -> None:
    """Refuse a NUL character wherever it is: damage; the row goes, whatever column holds it."""
    for column, value in row.cells.items():
        if "\x00" in value:
            raise _RowError(column, value.replace("\x00", "\\0")[:60],
                            "contains a NUL character (damaged data)")


def import_reps(
    path: str | os.PathLike[str],
    mapping: Mapping[str, str] | None = None,
    country: str = "US",
) -> RepImportResult:
    """Read reps (id, name, home lat/lon or postal code, weekly hours, skills) from CSV/XLSX.

    Name may come from first and last name columns. Skills are ``;``-separated.

    Raises
    ------
    ImportFileError
        If the file cannot be read as a table.
    """
    columns, rows = read_table(path)
    used = _usable_mapping(mapping, columns, REP_FIELD_SPECS)
    missing = _missing({**used, **({"name": ""} if "first_name" in used or "last_name" in used
                                   else {})})
    result = RepImportResult(mapping_used=used, missing_required=missing, rows_read=len(rows))
    if missing:
        return result
    seen: dict[str, int] = {}
    for row in rows:
        r = _Row(row, used, result.problems)
        try:
            _refuse_nul(row)
            rep_id = r.text("id").strip()
            if not rep_id:
                raise _RowError(r.column("id"), "", "id is empty")
            if rep_id in seen:
                raise _RowError(r.column("id"), rep_id,
                                f"duplicate id (first used on line {seen[rep_id]})")
            name = r.text("name").strip() or " ".join(
                p for p in (r.text("first_name").strip(), r.text("last_name").strip()) if p)
            if not name:
                raise _RowError(r.column("name") or r.column("last_name"), "", "name is empty")
            lat, lon, approximate = _locate(r, country.upper())
        except _RowError as exc:
            result.problems.append(RowProblem(row.line, exc.column, exc.value, exc.reason))
            continue
        hours = r.optional("weekly_hours", _positive_hours, "weekly hours") or DEFAULT_WEEKLY_HOURS
        skills = tuple(s.strip() for s in r.text("skills").split(";") if s.strip())
        seen[rep_id] = row.line
        result.reps.append(Rep(rep_id, name, lat, lon, hours, skills, approximate))
    result.problems = _with_source(result.problems, path)
    return result


def _with_source(problems: list[RowProblem], path: str | os.PathLike[str]) -> list[RowProblem]:
    """Problems in line order, each naming the file."""
    return sorted(
        (dataclasses.replace(p, source=str(path)) for p in problems), key=lambda p: p.line
    )
