"""What a rep drove, day by day: the schedule's road routes with the rep's visit log applied.

Every export about driving (mileage log, expenses, route packs) reads a :class:`Trips`.
For each date the rotation's visits of that day are routed home -> stops -> home on the road
network; the visit log then wins where it says something: skipped visits drop out, moved visits
are driven on the date they moved to, and a visit's recorded miles or odometer readings replace
the routed distance of the leg into it. Odometer readings that jump between two visits of a day
are unlogged driving, shown as a personal leg.

Distances are in the trips' unit (``"mi"`` or ``"km"``); a logged distance is converted from its
entry's unit (the car's, see :class:`VisitLogEntry`), as road distances are. Odometer figures
stay as the odometer showed them, with their unit on the leg (:attr:`TripLeg.reading_unit`).
A logged distance far beyond the road route (:func:`implausible`) is kept as logged, with a
warning naming the date, the account and both figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from territory_desktop import clock
from territory_desktop.io.exports._files import ExportError
from territory_desktop.model import Account, Plan, Rep, VisitLogEntry
from territory_desktop.model.rotation_dates import logged_elsewhere
from territory_desktop.units import METERS_PER_UNIT, DistanceUnit, convert, distance_unit

if TYPE_CHECKING:
    from territory_desktop.optimize.rotation import RotationCycle
    from territory_desktop.routing import RoadNetwork, Route

Progress = Callable[[float, str], None]
Stop = Callable[[], bool]

TRIP_TYPES = ("business", "commute", "personal")
IMPLAUSIBLE_FACTOR = 3.0  # see implausible()
IMPLAUSIBLE_SLACK = 20.0  # in the trips' unit (mi or km)
_CENT = Decimal("0.01")


def cents(value: float) -> Decimal:
    """Return ``value`` rounded half up to two decimals, as the exports print distances.

    Totals are sums of these, so a printed total is the sum of the printed lines.
    """
    return Decimal(repr(float(value))).quantize(_CENT, rounding=ROUND_HALF_UP)


def implausible(logged: float, routed: float) -> bool:
    """Whether a logged distance is far beyond the road route's: over 3x it plus 20 mi (or km).

    A rep detours, misses a turn or drives to lunch, so a log may well exceed the route; three
    times the route plus 20 is beyond any of that on a day of local visits, and far below what
    a mistyped odometer reading makes (a digit too many is ten times or more).
    """
    return logged > IMPLAUSIBLE_FACTOR * routed + IMPLAUSIBLE_SLACK


@dataclass(frozen=True)
class Place:
    """A start or end of a leg: the rep's home or an account."""

    name: str
    address: str
    lat: float
    lon: float
    account_id: str = ""  # "" for home
    tier: str = ""
    notes: str = ""

    @property
    def label(self) -> str:
        """Address, else coordinates (never a guessed address)."""
        return self.address or f"{self.lat:.5f}, {self.lon:.5f}"


@dataclass(frozen=True)
class Visit:
    """A visit as it happens on a day, with its planned times (seconds from midnight)."""

    place: Place
    status: str  # planned, done, or moved (moved here)
    arrive: float
    start: float
    depart: float
    entry: VisitLogEntry | None = None
    moved_from: str = ""  # ISO date the visit was planned on, when moved here


@dataclass(frozen=True)
class TripLeg:
    """One drive: from a place to the next, with its distance and where the figure comes from."""

    date: dt.date
    origin: Place
    destination: Place
    trip_type: str  # business, commute or personal
    distance: float  # in the trips' unit
    routed: float | None  # the road route's distance for this leg (None for a personal gap)
    seconds: float  # road drive time
    source: str  # "route", "log miles", "log odometer" or "odometer gap"
    purpose: str
    odometer_start: float | None = None
    odometer_end: float | None = None
    coordinates: tuple[tuple[float, float], ...] = ()  # (lat, lon) road geometry
    reading_unit: str = ""  # unit of the logged odometer figures or distance ("" for a route)

    @property
    def business(self) -> float:
        """The leg's distance when it is a business trip, else 0."""
        return self.distance if self.trip_type == "business" else 0.0


@dataclass(frozen=True)
class TripDay:
    """One date's visits and legs, plus the distance of the day as the schedule planned it."""

    date: dt.date
    slot: tuple[int, int] | None  # (week, weekday) of the rotation; None off the cycle
    visits: tuple[Visit, ...]
    legs: tuple[TripLeg, ...]
    planned_distance: float  # the schedule's route of this date, before the log
    planned_visits: int
    skipped: tuple[Place, ...] = ()  # planned here, logged as skipped
    planned_legs: tuple[float, ...] = ()  # the planned route's legs (they sum to the distance)

    @property
    def planned_printed(self) -> Decimal:
        """Return the planned distance as printed: the sum of its legs' cents.

        A day driven as planned then shows the same figure planned and logged.
        """
        if not self.planned_legs:
            return cents(self.planned_distance)
        return sum((cents(x) for x in self.planned_legs), Decimal(0))

    def total(self, trip_type: str | None = None) -> float:
        """Return the day's distance, of legs of ``trip_type`` only when given."""
        return sum(g.distance for g in self.legs
                   if trip_type is None or g.trip_type == trip_type)

    def printed(self, trip_type: str | None = None) -> Decimal:
        """Return the day's distance as the exports print it: the sum of its legs' cents."""
        return sum((cents(g.distance) for g in self.legs
                    if trip_type is None or g.trip_type == trip_type), Decimal(0))

    @property
    def logged_legs(self) -> int:
        """Number of legs that come from the rep's log rather than the planned route."""
        return sum(1 for g in self.legs if g.source != "route")


@dataclass(frozen=True)
class Trips:
    """A rep's driving over a date range (inclusive), one :class:`TripDay` per date with visits."""

    rep: Rep
    start: dt.date
    end: dt.date
    unit: str
    days: tuple[TripDay, ...]
    year_odometer: dict[int, tuple[float, float, str]] = field(default_factory=dict)
    """Per year, the lowest and highest odometer reading logged, and their unit."""
    warnings: tuple[str, ...] = ()
    holidays: tuple[tuple[dt.date, str], ...] = ()
    """The plan's holidays in the range, each with its public holiday name ("" if none)."""
    driven_to: dt.date | None = None
    """Set by :meth:`driven` when it left out days after this date (today): not driven yet."""

    @property
    def legs(self) -> list[TripLeg]:
        """Every leg of every day, in date order."""
        return [g for d in self.days for g in d.legs]

    def total(self, trip_type: str | None = None) -> float:
        """Return the distance of all days, of legs of ``trip_type`` only when given."""
        return sum(d.total(trip_type) for d in self.days)

    def printed(self, trip_type: str | None = None) -> Decimal:
        """Return the distance as the exports print it: the sum of every leg's cents."""
        return sum((d.printed(trip_type) for d in self.days), Decimal(0))

    def driven(self, today: dt.date | None = None) -> Trips:
        """Return the trips of the days up to ``today`` (default: :func:`clock.today`).

        A mileage log or an expense claim holds what was driven; a later day's rotation is
        still a plan (route packs take it as one). A note says how many days were left out.
        """
        today = today or clock.today()
        later = sum(1 for d in self.days if d.date > today)
        if not later:
            return self
        return replace(self, days=tuple(d for d in self.days if d.date <= today), driven_to=today,
                       warnings=(*self.warnings, f"{later} planned day{'s' if later != 1 else ''}"
                                 f" after today ({today}) left out: not driven yet"))


def _parse_unit(unit: str) -> DistanceUnit:
    try:
        return distance_unit(unit)
    except ValueError:
        raise ExportError(f"unit must be one of {', '.join(METERS_PER_UNIT)}, "
                          f"not {unit!r}") from None


def account_place(account: Account) -> Place:
    """Return an account as a trip place (name, address, position)."""
    address = ", ".join(p for p in (account.address, account.postal_code) if p)
    return Place(account.name, address, account.lat, account.lon, account.id, account.tier,
                 account.notes)


def home_place(rep: Rep) -> Place:
    """Return a rep's home base as a trip place."""
    return Place("Home", "", rep.home_lat, rep.home_lon)


def rep_and_schedule(plan: Plan, rep_id: str) -> Rep:
    """Return the rep, or raise an error naming the reps there are; the rep must have a rotation."""
    if rep_id not in plan.reps:
        known = ", ".join(plan.reps) or "none"
        raise ExportError(f"no rep with id {rep_id!r} in the plan (reps: {known})")
    if rep_id not in plan.schedules:
        raise ExportError(f"rep {rep_id} ({plan.reps[rep_id].name}) has no rotation yet: "
                          "schedule it first (tdesk plan schedule)")
    return plan.reps[rep_id]


def _day_visits(plan: Plan, rep: Rep, date: dt.date, cycle: RotationCycle,
                log: dict[tuple[str, str], VisitLogEntry], moved_in: list[VisitLogEntry],
                skipped: list[str], warnings: list[str],
                ) -> tuple[list[str], list[tuple[str, str, VisitLogEntry | None, str]]]:
    """Planned account ids of the date, and what actually happens: (id, status, entry, from).

    Nothing is planned before the rotation starts or on the rep's days off; a holiday's visits
    are planned on the next working day (``from`` names the holiday). Skipped account ids are
    added to ``skipped``.
    """
    from territory_desktop.optimize.plan_schedule import planned_on

    iso = date.isoformat()
    # A visit logged on a day the rotation has since moved it from is that week's visit: the
    # day it was moved to does not hold it again (as the rep's week shows it).
    week = {d.isoformat(): [a for a, _ in planned_on(plan, rep.id, cycle, d)] for d in
            (date + dt.timedelta(days=n - date.weekday()) for n in range(7))}
    hidden = logged_elsewhere(week, (e for (day, _a), e in log.items() if day in week))
    on_day = [(a, h) for a, h in planned_on(plan, rep.id, cycle, date) if (iso, a) not in hidden]
    planned = [aid for aid, _ in on_day]
    holiday_of = {aid: day.isoformat() for aid, day in on_day if day is not None}
    actual: list[tuple[str, str, VisitLogEntry | None, str]] = []
    for aid in planned:
        entry = log.get((iso, aid))
        if entry is not None and entry.status in ("skipped", "moved"):
            if entry.status == "skipped":
                skipped.append(aid)
                if entry.logged_distance is not None:
                    warnings.append(f"{iso}: readings on the skipped visit to {aid} were "
                                    "left out")
            continue
        actual.append((aid, entry.status if entry else "planned", entry,
                       holiday_of.get(aid, "")))
    # Logged visits the schedule does not have on this date (it was re-planned since): the
    # log is what happened, so they are driven too, after the planned stops.
    seen = {a for a, *_ in actual}
    for (day, aid), entry in log.items():
        if day == iso and aid not in planned and aid not in seen and entry.status == "done":
            actual.append((aid, "done", entry, ""))
            seen.add(aid)
    # A visit moved here that the rotation has on this day too (dragged there since) is one
    # visit, as the rep's week shows it.
    actual.extend((e.account_id, "moved", e, e.date) for e in moved_in if e.account_id not in seen)
    # The odometer tells the order the rep really drove in: the stops with a reading take
    # their places in the day in reading order (a re-planned day listed them backwards).
    reading = {k: convert(e.odometer_start, e.unit, "km") for k, (_a, _s, e, _f)
               in enumerate(actual) if e is not None and e.odometer_start is not None}
    read = list(reading)
    in_order = [actual[k] for k in sorted(read, key=reading.__getitem__)]
    for k, visit in zip(read, in_order, strict=True):
        actual[k] = visit
    missing = [a for a, *_ in actual if a not in plan.accounts]
    if missing:
        raise ExportError(f"{iso}: account {missing[0]} of {rep.id}'s schedule is not in the plan")
    return planned, actual


def _slot(cycle: RotationCycle, date: dt.date) -> tuple[int, int] | None:
    """Return the rotation day of ``date`` (None before the rotation starts or off its days)."""
    return cycle.slot(date) if date >= cycle.monday else None


def _route(network: RoadNetwork, places: Sequence[Place]) -> Route:
    from territory_desktop.routing import RoutingError, route

    try:
        return route(network, [(p.lat, p.lon) for p in places], names=[p.name for p in places])
    except RoutingError as exc:
        raise ExportError(f"cannot route the day: {exc}") from None


def _purpose(place: Place, moved_from: str) -> str:
    text = f"Visit of {place.name} (tier {place.tier})"
    return f"{text}, moved from {moved_from}" if moved_from else text


def _legs(date: dt.date, rep: Rep, places: list[Place], visits: list[Visit], route: Route,
          unit: DistanceUnit, warnings: list[str]) -> list[TripLeg]:
    per_unit = METERS_PER_UNIT[unit]
    commute = "business" if rep.home_office else "commute"
    legs: list[TripLeg] = []
    last_reading: float | None = None
    last_unit: str = unit
    n = len(route.legs)
    for i, leg in enumerate(route.legs):
        origin, dest = places[i], places[i + 1]
        routed = leg.meters / per_unit
        coords = tuple(leg.coordinates)
        if i == n - 1:  # back home
            purpose = "Return home from " + origin.name
            legs.append(TripLeg(date, origin, dest, commute, routed, routed, leg.seconds,
                                "route", purpose, coordinates=coords))
            continue
        visit = visits[i]
        entry = visit.entry
        trip_type = commute if i == 0 else "business"
        distance, source, reading_unit = routed, "route", ""
        odo_start = entry.odometer_start if entry else None
        odo_end = entry.odometer_end if entry else None
        logged = entry.distance_in(unit) if entry is not None else None
        if entry is not None and (logged, odo_start, odo_end) != (None, None, None):
            reading_unit = entry.unit
        if entry is not None and logged is not None:
            distance = logged
            source = "log miles" if entry.distance is not None else "log odometer"
        if entry is not None and odo_start is not None and last_reading is not None:
            previous = convert(last_reading, last_unit, entry.unit)
            gap = convert(odo_start - previous, entry.unit, unit)
            if gap > 0:
                legs.append(TripLeg(date, origin, origin, "personal", gap, None, 0.0,
                                    "odometer gap", "Personal or unlogged driving between "
                                    "odometer readings", previous, odo_start,
                                    reading_unit=entry.unit))
            elif gap < 0:
                warnings.append(f"{date.isoformat()}: odometer {odo_start:g} at the start of the "
                                f"drive to {dest.name} is below the previous reading "
                                f"{previous:g}")
        legs.append(TripLeg(date, origin, dest, trip_type, distance, routed, leg.seconds, source,
                            _purpose(dest, visit.moved_from), odo_start, odo_end, coords,
                            reading_unit))
        if odo_end is not None:  # only an end reading says where the next drive starts
            last_unit = reading_unit
        last_reading = odo_end
    return legs


def check_range(plan: Plan, rep_id: str, start: dt.date, end: dt.date) -> None:
    """Raise the ExportError :func:`build_trips` would raise for the request, without routing.

    Unknown rep, no rotation, a reversed range, or no scheduled or logged visit in it.
    """
    from territory_desktop.optimize.plan_schedule import cycle_for

    rep = rep_and_schedule(plan, rep_id)
    if end < start:
        raise ExportError(f"the date range ends ({end}) before it starts ({start})")
    cycle = cycle_for(plan, plan.schedules[rep_id].weeks)
    entries = [e for e in plan.visit_log if e.rep_id == rep_id]
    log = {(e.date, e.account_id): e for e in entries}
    moved_to = {e.moved_to for e in entries if e.status == "moved"}
    for n in range((end - start).days + 1):
        date = start + dt.timedelta(days=n)
        if date.isoformat() in moved_to:
            return
        planned, actual = _day_visits(plan, rep, date, cycle, log, [], [], [])
        if planned or actual:
            return
    raise ExportError(f"rep {rep_id} has no scheduled visits from {start} to {end} "
                      f"(the rotation starts on {cycle.monday})")


def build_trips(plan: Plan, rep_id: str, start: dt.date, end: dt.date, network: RoadNetwork, *,
                unit: str = "mi", progress: Progress | None = None,
                should_stop: Stop | None = None) -> Trips:
    """Return the rep's driving from ``start`` to ``end`` (inclusive), by rotation and log.

    Raises
    ------
    ExportError
        Unknown rep, no rotation, an empty or reversed range, or a day that cannot be routed.
    """
    from territory_desktop.optimize.plan_schedule import cycle_for, visit_times

    unit = _parse_unit(unit)
    per_unit = METERS_PER_UNIT[unit]
    rep = rep_and_schedule(plan, rep_id)
    if end < start:
        raise ExportError(f"the date range ends ({end}) before it starts ({start})")
    schedule = plan.schedules[rep_id]
    cycle = cycle_for(plan, schedule.weeks)
    first_day = cycle.monday
    entries = [e for e in plan.visit_log if e.rep_id == rep_id]
    log = {(e.date, e.account_id): e for e in entries}
    moved: dict[str, list[VisitLogEntry]] = {}
    for e in sorted(entries, key=lambda e: (e.date, e.account_id)):
        if e.status == "moved":
            moved.setdefault(e.moved_to, []).append(e)
    warnings: list[str] = []
    days: list[TripDay] = []
    total_days = (end - start).days + 1
    home = home_place(rep)
    for n in range(total_days):
        if should_stop and should_stop():
            raise ExportError("export cancelled")
        date = start + dt.timedelta(days=n)
        if progress:
            progress(n / total_days, f"Routing {date.isoformat()}")
        slot = _slot(cycle, date)
        skipped: list[str] = []
        planned, actual = _day_visits(plan, rep, date, cycle, log,
                                      moved.get(date.isoformat(), []), skipped, warnings)
        gone = tuple(account_place(plan.accounts[a]) for a in skipped if a in plan.accounts)
        if not planned and not actual:
            continue
        planned_distance = 0.0
        planned_legs: tuple[float, ...] = ()
        routes: dict[tuple[str, ...], Route] = {}
        if planned:
            planned_places = [home, *(account_place(plan.accounts[a]) for a in planned), home]
            routes[tuple(planned)] = _route(network, planned_places)
            planned_distance = routes[tuple(planned)].total_meters / per_unit
            planned_legs = tuple(g.meters / per_unit for g in routes[tuple(planned)].legs)
        if not actual:
            days.append(TripDay(date, slot, (), (), planned_distance, len(planned), gone,
                                planned_legs))
            continue
        accounts = [plan.accounts[a] for a, *_ in actual]
        places = [home, *(account_place(a) for a in accounts), home]
        ids = tuple(a.id for a in accounts)
        route = routes[ids] if ids in routes else _route(network, places)
        times = visit_times(plan, rep, accounts, [g.seconds for g in route.legs])
        visits = [Visit(places[i + 1], status, *times[i], entry=entry, moved_from=moved_from)
                  for i, (_aid, status, entry, moved_from) in enumerate(actual)]
        legs = _legs(date, rep, places, visits, route, unit, warnings)
        days.append(TripDay(date, slot, tuple(visits), tuple(legs), planned_distance,
                            len(planned), gone, planned_legs))
    if not days:
        raise ExportError(f"rep {rep_id} has no scheduled visits from {start} to {end} "
                          f"(the rotation starts on {first_day})")
    for day in days:
        warnings += _implausible_distances(day, unit)
    if progress:
        progress(1.0, "Routes done")
    return Trips(rep, start, end, unit, tuple(days), _year_odometer(entries, start, end, unit),
                 tuple(warnings), _holidays_between(plan, start, end))


def _implausible_distances(day: TripDay, unit: str) -> list[str]:
    """Return warnings for the day's logged legs, or the day, far beyond the road route.

    See :func:`implausible`; a mistyped reading would otherwise reach a claim unnoticed.
    """
    out: list[str] = []
    for g in day.legs:
        if g.source in ("route", "odometer gap") or g.routed is None:
            continue
        if implausible(g.distance, g.routed):
            how = (f"odometer {g.odometer_start:,.1f} to {g.odometer_end:,.1f} {g.reading_unit}"
                   if g.source == "log odometer" and g.odometer_start is not None
                   and g.odometer_end is not None else "recorded distance")
            out.append(f"{day.date}: the drive to {g.destination.name} "
                       f"({g.destination.account_id}) is logged as {g.distance:,.1f} {unit} "
                       f"({how}) but is {g.routed:,.1f} {unit} by road: check the entry")
    logged = [g for g in day.legs if g.source != "route"]
    routed = sum(g.routed for g in day.legs if g.routed is not None)
    if logged and not out and implausible(day.total(), routed):
        names = ", ".join(dict.fromkeys(
            f"{g.origin.name} ({g.origin.account_id})" if g.source == "odometer gap"
            else f"{g.destination.name} ({g.destination.account_id})" for g in logged))
        out.append(f"{day.date}: the day is logged as {day.total():,.1f} {unit} but its road "
                   f"route is {routed:,.1f} {unit}: check the readings of {names}")
    return out


def _holidays_between(plan: Plan, start: dt.date, end: dt.date) -> tuple[tuple[dt.date, str], ...]:
    from territory_desktop.model.public_holidays import calendar_of, holiday_names

    days = sorted(d for d in map(dt.date.fromisoformat, plan.settings.holidays)
                  if start <= d <= end)
    country, region = calendar_of(plan.settings)
    names = holiday_names(country, days, region)
    return tuple((d, names.get(d, "")) for d in days)


def _year_odometer(entries: Sequence[VisitLogEntry], start: dt.date, end: dt.date,
                   unit: str) -> dict[int, tuple[float, float, str]]:
    """Lowest and highest odometer reading the rep logged in each year the range touches.

    In the readings' unit; a year logged in both units is converted to ``unit``.
    """
    out: dict[int, tuple[float, float, str]] = {}
    for year in range(start.year, end.year + 1):
        logged = [(r, e.unit) for e in entries if e.date.startswith(f"{year:04d}-")
                  for r in (e.odometer_start, e.odometer_end) if r is not None]
        units = {u for _r, u in logged}
        shown = units.pop() if len(units) == 1 else unit
        readings = [convert(r, u, shown) for r, u in logged]
        if readings:
            out[year] = (min(readings), max(readings), shown)
    return out
