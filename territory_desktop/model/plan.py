"""The plan document: accounts, reps, territories, overlay rules and cadence settings.

Plain dataclasses with their invariants checked on construction. Geometry is shapely, WGS84
(lon, lat) coordinates, as GeoJSON and GeoPackage expect. Nothing here knows about Qt or files.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from territory_desktop.model.cadence import visits_per_year
from territory_desktop.model.export_settings import ExportSettings
from territory_desktop.model.network_data import EmbeddedNetwork
from territory_desktop.model.plan_health import PlanHealth
from territory_desktop.model.schedule import RepSchedule, VisitLogEntry
from territory_desktop.model.shared import SharedDict
from territory_desktop.settings import DEFAULT_CADENCE

TIERS = ("A", "B", "C")
# A rep's working week when the data says nothing: read by the model, the importer and the
# rotation engine, so a rep typed in, imported or scheduled directly gets the same week.
DEFAULT_WEEKLY_HOURS = 40.0
DEFAULT_WORKDAY_START = 8 * 60  # minutes from midnight
DEFAULT_WORKDAY_END = 17 * 60
DEFAULT_MAX_DAY_MINUTES = 9 * 60  # including driving


class PlanError(ValueError):
    """A plan edit or value that breaks an invariant; the message says what to fix."""


_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

# Sane ranges, shared by the model, the importer and the plan file: a value outside them is a
# typo or damage, and would make the scheduler plan absurd numbers of visits.
MIN_EVERY_WEEKS = 1 / 14  # twice a day, every day
MAX_EVERY_WEEKS = 520.0  # once in ten years
MAX_VISIT_MINUTES = 24 * 60.0
MAX_POTENTIAL = 1e15
MAX_WEEKLY_HOURS = 168.0


def _check_range(value: float, low: float, high: float, what: str,
                 low_included: bool = True) -> None:
    """``value`` must be a finite number in [low, high] (or (low, high])."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value):
        raise PlanError(f"{what} must be a number, not {value!r}")
    if value < low or (value == low and not low_included) or value > high:
        bound = "[" if low_included else "("
        raise PlanError(f"{what} must be in {bound}{low:g}, {high:g}], not {value:g}")


def _check_lat_lon(lat: float, lon: float, what: str) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise PlanError(f"{what}: latitude/longitude must be numbers")
    if not (-90.0 <= lat <= 90.0):
        raise PlanError(f"{what}: latitude {lat} is outside -90..90")
    if not (-180.0 <= lon <= 180.0):
        raise PlanError(f"{what}: longitude {lon} is outside -180..180")


@dataclass(frozen=True)
class TierCadence:
    """How often a tier is visited and for how long."""

    tier: str
    every_weeks: float
    visit_minutes: float

    def __post_init__(self) -> None:
        """Refuse weeks or minutes out of range (PlanError)."""
        _check_range(self.every_weeks, MIN_EVERY_WEEKS, MAX_EVERY_WEEKS,
                     f"tier {self.tier}: weeks between visits")
        _check_range(self.visit_minutes, 0, MAX_VISIT_MINUTES,
                     f"tier {self.tier}: visit minutes", low_included=False)

    @property
    def visits_per_year(self) -> float:
        """Visits a year at this tier's interval."""
        return visits_per_year(self.every_weeks)


def default_cadence() -> dict[str, TierCadence]:
    """Return the default cadence: A weekly 45 min, B every 2 weeks 30 min, C every 4 weeks 30."""
    return {tier: TierCadence(tier, weeks, minutes)
            for tier, (weeks, minutes) in DEFAULT_CADENCE.items()}


@dataclass(frozen=True)
class Account:
    """A customer location the rep visits."""

    id: str
    name: str
    lat: float
    lon: float
    address: str = ""
    postal_code: str = ""
    segment: str = ""
    industry: str = ""
    potential: float | None = None
    tier: str = "C"
    every_weeks: float | None = None
    visit_minutes: float | None = None
    owner: str = ""
    notes: str = ""
    approximate_location: bool = False
    window_start: int | None = None  # earliest visit start, minutes from midnight
    window_end: int | None = None  # latest visit start, minutes from midnight
    closed_weekdays: tuple[int, ...] = ()  # 0 = Monday
    same_weekday: bool = False

    def __post_init__(self) -> None:
        """Refuse an account that breaks an invariant (PlanError saying which)."""
        if not self.id.strip():
            raise PlanError("account id is empty")
        if (self.window_start is None) != (self.window_end is None):
            raise PlanError(f"account {self.id}: a time window needs a start and an end")
        if self.window_start is not None and not (
                0 <= self.window_start <= self.window_end <= 24 * 60):  # type: ignore[operator]
            raise PlanError(f"account {self.id}: time window must be within the day, start first")
        if self.closed_weekdays and any(not 0 <= d <= 6 for d in self.closed_weekdays):
            raise PlanError(f"account {self.id}: closed weekdays are 0 (Mon) to 6 (Sun)")
        _check_lat_lon(self.lat, self.lon, f"account {self.id}")
        if self.tier not in TIERS:
            raise PlanError(f"account {self.id}: tier must be one of {', '.join(TIERS)}")
        if self.every_weeks is not None:
            _check_range(self.every_weeks, MIN_EVERY_WEEKS, MAX_EVERY_WEEKS,
                         f"account {self.id}: weeks between visits")
        if self.visit_minutes is not None:
            _check_range(self.visit_minutes, 0, MAX_VISIT_MINUTES,
                         f"account {self.id}: visit minutes", low_included=False)
        if self.potential is not None:
            _check_range(self.potential, 0, MAX_POTENTIAL, f"account {self.id}: potential")

    def field_value(self, name: str) -> str:
        """Return the account's value of ``name`` as text, for overlay rules ("" if unknown)."""
        value = getattr(self, name, None) if name in ACCOUNT_RULE_FIELDS else None
        return "" if value is None else str(value)


ACCOUNT_RULE_FIELDS = ("segment", "industry", "tier", "owner", "postal_code", "name", "id")
ACCOUNT_FIELDS = tuple(f.name for f in dataclasses.fields(Account))


def _all_in_range(values: Sequence[Any], low: float, high: float, low_included: bool) -> bool:
    """Whether every value but None passes :func:`_check_range` (numbers, as the caller vouches)."""
    if bool in set(map(type, values)):
        return False
    x = np.array([v for v in values if v is not None], dtype=float)
    above = x >= low if low_included else x > low
    return bool(np.isfinite(x).all() and above.all() and (x <= high).all())


def accounts_from_columns(columns: Sequence[Sequence[Any]]) -> list[Account] | None:
    """Build accounts from one column per field of :class:`Account` (in field order).

    None when a row breaks one of the invariants ``Account`` checks (build that row with
    ``Account(...)`` for its message).

    The checks of ``Account.__post_init__`` run once over each whole column (or its distinct
    values) and the objects are then made without running them again row by row: 200,000
    accounts in a fraction of a second instead of seconds. The caller guarantees each value has
    its field's type (str, float, int, bool, tuple of int, or None where the field allows it).
    """
    col = dict(zip(ACCOUNT_FIELDS, columns, strict=True))
    lat = np.asarray(col["lat"], dtype=float)
    lon = np.asarray(col["lon"], dtype=float)
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()
            and (np.abs(lat) <= 90.0).all() and (np.abs(lon) <= 180.0).all()):
        return None
    if not all(map(str.strip, col["id"])) or not set(col["tier"]) <= set(TIERS):
        return None
    for start, end in set(zip(col["window_start"], col["window_end"], strict=True)):
        if (start is None) != (end is None) or (
                start is not None and not 0 <= start <= end <= 24 * 60):
            return None
    if any(not 0 <= d <= 6 for days in set(col["closed_weekdays"]) for d in days):
        return None
    for name, low, high, low_included in (
            ("every_weeks", MIN_EVERY_WEEKS, MAX_EVERY_WEEKS, True),
            ("visit_minutes", 0, MAX_VISIT_MINUTES, False),
            ("potential", 0, MAX_POTENTIAL, True)):
        if not _all_in_range(col[name], low, high, low_included):
            return None
    new, fields = object.__new__, ACCOUNT_FIELDS

    def build(values: tuple[Any, ...]) -> Account:
        account = new(Account)
        # Frozen: the column checks above stand for __post_init__, so write the fields as is.
        account.__dict__.update(zip(fields, values, strict=True))
        return account

    return list(map(build, zip(*columns, strict=True)))


@dataclass(frozen=True)
class Rep:
    """A sales rep with a home base."""

    id: str
    name: str
    home_lat: float
    home_lon: float
    weekly_hours: float = DEFAULT_WEEKLY_HOURS
    skills: tuple[str, ...] = ()
    approximate_home: bool = False
    workday_start: int = DEFAULT_WORKDAY_START  # minutes from midnight
    workday_end: int = DEFAULT_WORKDAY_END
    max_day_minutes: int = DEFAULT_MAX_DAY_MINUTES  # including driving
    days_off: tuple[tuple[int, int], ...] = ()  # (week, weekday) of the rotation cycle
    home_office: bool = False  # home is a business place: home legs are business, not commute

    def __post_init__(self) -> None:
        """Refuse a rep that breaks an invariant (PlanError saying which)."""
        if not self.id.strip():
            raise PlanError("rep id is empty")
        _check_lat_lon(self.home_lat, self.home_lon, f"rep {self.id}")
        _check_range(self.weekly_hours, 0, MAX_WEEKLY_HOURS, f"rep {self.id}: weekly hours",
                     low_included=False)
        if not 0 <= self.workday_start < self.workday_end <= 24 * 60:
            raise PlanError(f"rep {self.id}: working hours must be within the day, start first")
        if self.max_day_minutes <= 0:
            raise PlanError(f"rep {self.id}: maximum day length must be positive")


@dataclass(frozen=True)
class Territory:
    """A named area owned by at most one rep; geometry may be None for overlay-only territories."""

    id: str
    name: str
    color: str
    rep_id: str | None = None
    geometry: BaseGeometry | None = None
    locked: bool = False

    def __post_init__(self) -> None:
        """Refuse a territory that breaks an invariant (PlanError saying which)."""
        if not self.id.strip():
            raise PlanError("territory id is empty")
        if not _COLOR.match(self.color):
            raise PlanError(f"territory {self.name}: colour must look like #1f77b4")
        if self.geometry is not None:
            if self.geometry.geom_type not in ("Polygon", "MultiPolygon"):
                raise PlanError(f"territory {self.name}: geometry must be a polygon")
            if not self.geometry.is_valid:
                raise PlanError(f"territory {self.name}: geometry is not valid (repair it first)")


@dataclass(frozen=True)
class OverlayRule:
    """Assign accounts to a territory whatever the map says.

    ``field == "id"`` pins named accounts; any other field matches account values
    case-insensitively. Rules are applied in list order; the first matching rule wins.
    """

    id: str
    field: str
    value: str
    territory_id: str

    def __post_init__(self) -> None:
        """Refuse a rule on a field accounts do not have (PlanError)."""
        if self.field not in ACCOUNT_RULE_FIELDS:
            raise PlanError(f"rule {self.id}: unknown account field {self.field!r}")

    def matches(self, account: Account) -> bool:
        """Tell whether the account's field equals the value, ignoring case and outer spaces."""
        return account.field_value(self.field).strip().casefold() == self.value.strip().casefold()

    def describe(self) -> str:
        """Describe the rule for messages: ``account X pinned`` or ``field = value``."""
        if self.field == "id":
            return f"account {self.value} pinned"
        return f"{self.field} = {self.value}"


@dataclass(frozen=True)
class PlanSettings:
    """Per-plan settings saved in the plan file."""

    cadence: dict[str, TierCadence] = field(default_factory=default_cadence)
    rotation_weeks: int = 4
    rotation_start: str = ""  # ISO date; "" means the Monday of the week the plan was created
    country: str = ""
    osm_extract: str = ""  # path of the OSM extract, relative to the plan file when possible
    working_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[str, ...] = ()  # ISO dates with no visits for anyone
    # where the public holidays were taken from, "US-MD" or "GB" ("": the plan's country)
    holiday_calendar: str = ""
    day_balance: float = 1.0  # rotations: 1 = even days ... 0 = least driving
    plan_id: str = ""  # identity of the plan, recorded in its rep packs ("" until one is made)
    pack_of: str = ""  # a rep pack: the plan_id of the master plan it was cut from

    def cadence_for(self, account: Account) -> tuple[float, float]:
        """(every_weeks, visit_minutes) for the account, overrides first."""
        tier = self.cadence[account.tier]
        return (
            account.every_weeks if account.every_weeks is not None else tier.every_weeks,
            account.visit_minutes if account.visit_minutes is not None else tier.visit_minutes,
        )


@dataclass(frozen=True)
class Scenario:
    """A named alignment.

    ``assignment`` holds (account id, territory id) pairs sorted by account; accounts without
    a territory are absent.
    """

    name: str
    assignment: tuple[tuple[str, str], ...]
    territories: tuple[Territory, ...]
    team: tuple[str, ...]
    cadence: tuple[TierCadence, ...] = ()
    note: str = ""
    created: str = ""

    def __post_init__(self) -> None:
        """Refuse no name, a repeated territory id or an unknown territory (ValueError)."""
        if not self.name.strip():
            raise ValueError("a scenario needs a name")
        ids = [t.id for t in self.territories]
        known = set(ids)
        if len(known) != len(ids):
            raise ValueError(f"scenario {self.name}: two territories share an id")
        stray = next((t for _, t in self.assignment if t not in known), None)
        if stray is not None:
            raise ValueError(f"scenario {self.name}: accounts refer to unknown territory "
                             f"{stray}")

    @classmethod
    def from_plan(cls, plan: Plan, name: str, territory_of: Mapping[str, str | None],
                  note: str = "", created: str = "") -> Scenario:
        """Copy the plan's current alignment into a scenario."""
        pairs = tuple(sorted((a, t) for a, t in territory_of.items()
                             if t is not None and t in plan.territories))
        team = tuple(dict.fromkeys(t.rep_id for t in plan.territories.values()
                                   if t.rep_id is not None and t.rep_id in plan.reps))
        return cls(name, pairs, tuple(plan.territories.values()), team,
                   tuple(plan.settings.cadence.values()), note, created)

    def territory_of(self) -> dict[str, str]:
        """Return the territory of each assigned account."""
        return dict(self.assignment)

    def owner_of(self) -> dict[str, str | None]:
        """Return the rep (or None) of each assigned account, through its territory."""
        reps = {t.id: t.rep_id for t in self.territories}
        return {a: reps[t] for a, t in self.assignment}

    def plan_view(self, base: Plan) -> Plan:
        """Return ``base`` with this scenario's territories and cadence (accounts, reps shared)."""
        view = base.copy()
        view.territories = {t.id: t for t in self.territories}
        if self.cadence:
            view.settings = dataclasses.replace(
                base.settings, cadence={c.tier: c for c in self.cadence})
        return view


_SHARED_FIELDS = ("accounts", "reps", "territories", "schedules")


@dataclass
class Plan:
    """The whole document. Mutated only through :mod:`territory_desktop.model.edits`.

    The mappings are :class:`SharedDict` (a plain dict given is converted): a copy shares every
    record with the original, so an undo history of single edits costs kilobytes per edit.
    """

    accounts: MutableMapping[str, Account] = field(default_factory=SharedDict)
    reps: MutableMapping[str, Rep] = field(default_factory=SharedDict)
    territories: MutableMapping[str, Territory] = field(default_factory=SharedDict)
    rules: list[OverlayRule] = field(default_factory=list)
    settings: PlanSettings = field(default_factory=PlanSettings)
    name: str = "Untitled plan"
    schedules: MutableMapping[str, RepSchedule] = field(default_factory=SharedDict)  # by rep id
    visit_log: list[VisitLogEntry] = field(default_factory=list)
    health: PlanHealth = field(default_factory=PlanHealth)  # CRM results, snapshots, thresholds
    scenarios: list[Scenario] = field(default_factory=list)  # named alignments, names unique
    exports: ExportSettings = field(default_factory=ExportSettings)  # rates, expense presets
    #: Days before an edit of the rotation that the edit would have re-planned, as planned
    #: then: (rep id, ISO date) -> the day's visits, each (account id, ISO date of the holiday
    #: it came from or ""). What was driven stays what the mileage log says was driven.
    kept_days: dict[tuple[str, str], tuple[tuple[str, str], ...]] = field(default_factory=dict)
    #: The road network stored in the plan file (routes with no extract), or None.
    network: EmbeddedNetwork | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Hold the record mappings as :class:`SharedDict`, so copies share them."""
        for name in _SHARED_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, SharedDict):
                setattr(self, name, SharedDict(value))

    def copy(self) -> Plan:
        """Return a new plan sharing every record (O(1) for the mappings); edits change the copy."""
        return Plan(
            accounts=_shared_copy(self.accounts),
            reps=_shared_copy(self.reps),
            territories=_shared_copy(self.territories),
            rules=list(self.rules),
            settings=self.settings,
            name=self.name,
            schedules=_shared_copy(self.schedules),
            visit_log=list(self.visit_log),
            health=self.health,
            scenarios=list(self.scenarios),
            exports=self.exports,
            kept_days=dict(self.kept_days),
            network=self.network,
        )

    def validate(self) -> list[str]:
        """Problems that make the plan inconsistent (dangling references), as messages."""
        problems = []
        for t in self.territories.values():
            if t.rep_id is not None and t.rep_id not in self.reps:
                problems.append(f"territory {t.name} refers to unknown rep {t.rep_id}")
        for r in self.rules:
            if r.territory_id not in self.territories:
                problems.append(f"rule {r.describe()} refers to unknown territory {r.territory_id}")
        return problems

    def new_id(self, prefix: str, taken: Iterable[str]) -> str:
        """Return ``prefix`` + the first number not taken, counting up from (ids taken) + 1."""
        existing = set(taken)
        n = len(existing) + 1
        while f"{prefix}{n}" in existing:
            n += 1
        return f"{prefix}{n}"


def _shared_copy(mapping: MutableMapping[str, Any]) -> SharedDict[str, Any]:
    # A plain dict assigned after construction (``plan.accounts = {}``) is converted here.
    return mapping.copy() if isinstance(mapping, SharedDict) else SharedDict(mapping)


def replace(obj: Any, **changes: Any) -> Any:
    """dataclasses.replace with the invariants re-checked (a thin alias for clarity)."""
    return dataclasses.replace(obj, **changes)


PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
)


def next_color(used: Iterable[str]) -> str:
    """Return the first palette colour not in ``used`` (cycling when all are taken)."""
    used_set = {c.lower() for c in used}
    for c in PALETTE:
        if c not in used_set:
            return c
    return PALETTE[len(used_set) % len(PALETTE)]
