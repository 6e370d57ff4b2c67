"""Every change a user can make to a plan, as pure functions ``Plan -> Edit``.

An edit never mutates its input: it returns a new :class:`Plan` (sharing the unchanged frozen
records) plus the text shown on the undo stack. The Qt layer pushes one undo command per edit;
the command line and tests call the same functions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from territory_desktop.geo import polygons
from territory_desktop.geo.polygons import GeometryError, KeepSide
from territory_desktop.model.export_settings import ExportSettings
from territory_desktop.model.plan import (
    OverlayRule,
    Plan,
    PlanError,
    PlanSettings,
    Rep,
    Territory,
    next_color,
    replace,
)
from territory_desktop.model.rotation_dates import rest_day_note, start_moved_note
from territory_desktop.model.schedule import (
    WEEKDAY_NAMES,
    RepSchedule,
    ScheduledVisit,
    UnplacedAccount,
    VisitLogEntry,
)


@dataclass(frozen=True)
class Edit:
    """A finished edit: the new plan, the undo-stack text and notes for the user."""

    text: str
    plan: Plan
    notes: tuple[str, ...] = field(default_factory=tuple)


def _territory(plan: Plan, territory_id: str) -> Territory:
    try:
        return plan.territories[territory_id]
    except KeyError:
        raise PlanError(f"no territory with id {territory_id!r}") from None


def _neighbours(plan: Plan, exclude: Iterable[str] = ()) -> dict[str, BaseGeometry]:
    skip = set(exclude)
    return {
        t.id: t.geometry
        for t in plan.territories.values()
        if t.geometry is not None and t.id not in skip
    }


def _apply_neighbour_changes(
    plan: Plan, changed: Mapping[str, BaseGeometry], notes: list[str]
) -> None:
    for tid, geom in changed.items():
        old = plan.territories[tid]
        if old.locked:
            raise GeometryError(f"territory {old.name} is locked; unlock it or keep its area")
        if geom.is_empty:
            plan.territories[tid] = replace(old, geometry=None)
            notes.append(f"{old.name} lost all its area")
        else:
            plan.territories[tid] = replace(old, geometry=geom)
            notes.append(f"{old.name} gave up the overlapping area")


def add_territory(
    plan: Plan,
    geometry: BaseGeometry,
    *,
    name: str | None = None,
    rep_id: str | None = None,
    color: str | None = None,
    keep: KeepSide = "existing",
    snap_m: float = 25.0,
) -> Edit:
    """Add a drawn polygon as a new territory, repaired, snapped and clipped against others."""
    geom, note = polygons.repair(geometry)
    notes = [note] if note else []
    new_geom, changed = polygons.fit_among(geom, _neighbours(plan), keep, snap_m)
    new = plan.copy()
    _apply_neighbour_changes(new, changed, notes)
    tid = new.new_id("T", new.territories)
    name = name or f"Territory {len(new.territories) + 1}"
    color = color or next_color(t.color for t in new.territories.values())
    new.territories[tid] = Territory(tid, name, color, rep_id, new_geom)
    return Edit(f"Draw territory {name}", new, tuple(notes))


def reshape_territory(
    plan: Plan, territory_id: str, geometry: BaseGeometry, keep: KeepSide = "new",
    snap_m: float = 25.0,
) -> Edit:
    """Replace a territory's shape; by default the reshaped territory takes overlapped area."""
    old = _territory(plan, territory_id)
    geom, note = polygons.repair(geometry)
    notes = [note] if note else []
    new_geom, changed = polygons.fit_among(geom, _neighbours(plan, [territory_id]), keep,
                                           snap_m)
    new = plan.copy()
    _apply_neighbour_changes(new, changed, notes)
    new.territories[territory_id] = replace(old, geometry=new_geom)
    return Edit(f"Reshape {old.name}", new, tuple(notes))


def split_territory(plan: Plan, territory_id: str, line: LineString) -> Edit:
    """Cut a territory with a line; the largest piece keeps the id, rep and colour."""
    old = _territory(plan, territory_id)
    if old.geometry is None:
        raise GeometryError(f"{old.name} has no area to split")
    pieces = polygons.split(old.geometry, line)
    new = plan.copy()
    new.territories[territory_id] = replace(old, geometry=pieces[0])
    for i, piece in enumerate(pieces[1:], start=2):
        tid = new.new_id("T", new.territories)
        color = next_color(t.color for t in new.territories.values())
        new.territories[tid] = Territory(tid, f"{old.name} ({i})", color, None, piece)
    return Edit(f"Split {old.name}", new, (f"{old.name} split into {len(pieces)} parts",))


def merge_territories(plan: Plan, territory_ids: list[str]) -> Edit:
    """Merge territories into the first one; rules pointing at the others follow it."""
    olds = [_territory(plan, t) for t in territory_ids]
    if len(olds) < 2:
        raise GeometryError("select at least two territories to merge")
    geoms = [t.geometry for t in olds if t.geometry is not None]
    keep = olds[0]
    merged = polygons.merge(geoms) if len(geoms) >= 2 else (geoms[0] if geoms else None)
    new = plan.copy()
    new.territories[keep.id] = replace(keep, geometry=merged)
    gone = {t.id for t in olds[1:]}
    for tid in gone:
        del new.territories[tid]
    new.rules = [replace(r, territory_id=keep.id) if r.territory_id in gone else r
                 for r in new.rules]
    names = ", ".join(t.name for t in olds)
    return Edit(f"Merge {names}", new)


def delete_territories(plan: Plan, territory_ids: list[str]) -> Edit:
    """Delete territories and the overlay rules that point at them."""
    olds = [_territory(plan, t) for t in territory_ids]
    new = plan.copy()
    gone = {t.id for t in olds}
    for tid in gone:
        del new.territories[tid]
    dropped = [r for r in new.rules if r.territory_id in gone]
    new.rules = [r for r in new.rules if r.territory_id not in gone]
    notes = tuple(f"removed rule {r.describe()}" for r in dropped)
    return Edit(f"Delete {', '.join(t.name for t in olds)}", new, notes)


def update_territory(plan: Plan, territory_id: str, **changes: object) -> Edit:
    """Rename, recolour, reassign the rep or lock a territory (``name``, ``color``, ...)."""
    old = _territory(plan, territory_id)
    allowed = {"name", "color", "rep_id", "locked"}
    if unknown := set(changes) - allowed:
        raise PlanError(f"cannot change {', '.join(sorted(unknown))} here")
    if changes.get("rep_id") is not None and changes["rep_id"] not in plan.reps:
        raise PlanError(f"no rep with id {changes['rep_id']!r}")
    if "name" in changes and not str(changes["name"]).strip():
        raise PlanError("a territory needs a name")
    new = plan.copy()
    new.territories[territory_id] = replace(old, **changes)
    verb = {"name": "Rename", "color": "Recolour", "rep_id": "Assign rep to",
            "locked": "Lock/unlock"}
    what = verb[next(iter(changes))] if len(changes) == 1 else "Edit"
    return Edit(f"{what} {old.name}", new)


def add_overlay_territory(plan: Plan, name: str, rep_id: str | None) -> Edit:
    """Return a territory without area, filled only by overlay rules (e.g. named accounts)."""
    new = plan.copy()
    tid = new.new_id("T", new.territories)
    color = next_color(t.color for t in new.territories.values())
    new.territories[tid] = Territory(tid, name, color, rep_id, None)
    return Edit(f"Add overlay territory {name}", new)


def add_rule(plan: Plan, field_name: str, value: str, territory_id: str) -> Edit:
    """Add an overlay rule (``field_name == "id"`` pins one account)."""
    _territory(plan, territory_id)
    if field_name == "id" and value not in plan.accounts:
        raise PlanError(f"no account with id {value!r}")
    new = plan.copy()
    rid = new.new_id("R", (r.id for r in new.rules))
    rule = OverlayRule(rid, field_name, value, territory_id)
    new.rules.append(rule)
    return Edit(f"Add rule {rule.describe()}", new)


def remove_rule(plan: Plan, rule_id: str) -> Edit:
    """Delete one overlay rule."""
    rule = next((r for r in plan.rules if r.id == rule_id), None)
    if rule is None:
        raise PlanError(f"no rule with id {rule_id!r}")
    new = plan.copy()
    new.rules = [r for r in new.rules if r.id != rule_id]
    return Edit(f"Remove rule {rule.describe()}", new)


def pin_account(plan: Plan, account_id: str, territory_id: str | None) -> Edit:
    """Pin an account to a territory (replacing its earlier pin), or unpin it with None."""
    if account_id not in plan.accounts:
        raise PlanError(f"no account with id {account_id!r}")
    new = plan.copy()
    new.rules = [r for r in new.rules if not (r.field == "id" and r.value == account_id)]
    if territory_id is None:
        return Edit(f"Unpin {plan.accounts[account_id].name}", new)
    _territory(plan, territory_id)
    rid = new.new_id("R", (r.id for r in new.rules))
    new.rules.insert(0, OverlayRule(rid, "id", account_id, territory_id))
    target = plan.territories[territory_id].name
    return Edit(f"Pin {plan.accounts[account_id].name} to {target}", new)


def pin_accounts(plan: Plan, account_ids: Iterable[str], territory_id: str | None) -> Edit:
    """Pin several accounts to one territory (or unpin them with None) as one edit."""
    ids = list(account_ids)
    new = plan
    for aid in ids:
        new = pin_account(new, aid, territory_id).plan
    verb = "Unpin" if territory_id is None else f"Pin to {plan.territories[territory_id].name}"
    return Edit(f"{verb}: {len(ids)} account(s)", new)


MIN_OVERLAP_M2 = 100.0
"""A drawn outline overlaps a territory when they share at least this much area (m²); less is
a slip of the mouse along a shared border, which snapping absorbs."""


def overlapping_territories(plan: Plan, geometry: BaseGeometry,
                            exclude: str | None = None) -> list[str]:
    """Return the names of the territories ``geometry`` overlaps by :data:`MIN_OVERLAP_M2`.

    At least that much; ``exclude`` is a territory id to leave out (e.g. the one being reshaped).
    """
    names = []
    for t in plan.territories.values():
        if t.geometry is None or t.id == exclude or not t.geometry.intersects(geometry):
            continue
        if polygons.area_m2(t.geometry.intersection(geometry)) >= MIN_OVERLAP_M2:
            names.append(t.name)
    return names


def update_account(plan: Plan, account_id: str, **changes: object) -> Edit:
    """Change an account's fields (tier, cadence override, notes...)."""
    old = plan.accounts.get(account_id)
    if old is None:
        raise PlanError(f"no account with id {account_id!r}")
    new = plan.copy()
    new.accounts[account_id] = replace(old, **changes)
    return Edit(f"Edit {old.name}", new)


def add_rep(plan: Plan, rep: Rep) -> Edit:
    """Add a new rep (PlanError: what to change, e.g. an id already taken or no home)."""
    if not rep.id.strip():
        raise PlanError("the new rep needs an id")
    if rep.id in plan.reps:
        raise PlanError(f"a rep with id {rep.id} is in the plan already; choose another id")
    if not rep.name.strip():
        raise PlanError("the new rep needs a name")
    if (rep.home_lat, rep.home_lon) == (0.0, 0.0):  # the fields' start, not a sales office
        raise PlanError("give the new rep's home as latitude and longitude, or click it on "
                        "the map")
    new = plan.copy()
    new.reps[rep.id] = rep
    return Edit(f"Add rep {rep.name}", new)


def update_rep(plan: Plan, rep_id: str, **changes: object) -> Edit:
    """Change a rep's working hours, day limit, weekly hours or home office."""
    old = plan.reps.get(rep_id)
    if old is None:
        raise PlanError(f"no rep with id {rep_id!r}")
    new = plan.copy()
    new.reps[rep_id] = replace(old, **changes)
    return Edit(f"Edit rep {old.name}", new)


def update_settings(plan: Plan, settings: PlanSettings) -> Edit:
    """Replace the plan settings (cadence table, rotation, extract).

    A working day taken away under a stored rotation is noted (its visits are not made), and
    so is a new week 1 under one (its days fall on other dates).
    """
    new = plan.copy()
    new.settings = settings
    notes = (rest_day_note(new, plan), start_moved_note(new, plan))
    return Edit("Change plan settings", new, tuple(n for n in notes if n))


def update_export_settings(plan: Plan, settings: ExportSettings) -> Edit:
    """Replace the plan's mileage rates and expense presets."""
    new = plan.copy()
    new.exports = settings
    return Edit("Change mileage rates and expense presets", new)


# ----------------------------------------------------------------------------- rotation schedules
Slot = tuple[int, int]


def _schedule(plan: Plan, rep_id: str) -> RepSchedule:
    try:
        return plan.schedules[rep_id]
    except KeyError:
        raise PlanError(f"{plan.reps[rep_id].name if rep_id in plan.reps else rep_id} has no "
                        "rotation yet: schedule it first") from None


def _with_day(schedule: RepSchedule, slot: Slot, ids: list[str],
              flags: Mapping[str, ScheduledVisit]) -> tuple[ScheduledVisit, ...]:
    """Return the schedule's visits with day ``slot`` replaced by ``ids`` in that order."""
    others = [v for v in schedule.visits if v.slot != slot]
    day = [dataclasses.replace(flags[a], week=slot[0], weekday=slot[1], order=i)
           for i, a in enumerate(ids)]
    return tuple(others + day)


def set_schedule(plan: Plan, schedule: RepSchedule, text: str, anchor: str = "") -> Edit:
    """Store a rep's (re)computed rotation.

    ``anchor`` (ISO date of the cycle's first Monday) fixes the plan's rotation start the first
    time a rotation is stored, so calendar dates keep mapping to the same rotation days.
    """
    if schedule.rep_id not in plan.reps:
        raise PlanError(f"no rep with id {schedule.rep_id!r}")
    new = plan.copy()
    new.schedules[schedule.rep_id] = schedule
    if anchor and not plan.settings.rotation_start:
        new.settings = replace(plan.settings, rotation_start=anchor)
    if schedule.weeks != plan.settings.rotation_weeks:
        new.settings = replace(new.settings, rotation_weeks=schedule.weeks)
    notes: tuple[str, ...] = ()
    if schedule.unplaced:
        notes = (f"{len(schedule.unplaced)} accounts could not be fully placed; "
                 "see the rotation panel for the reasons",)
    return Edit(text, new, notes)


def move_visit(plan: Plan, rep_id: str, account_id: str, source: Slot, target: Slot,
               position: int | None = None) -> Edit:
    """Move one visit to another day (or another position on the same day)."""
    schedule = _schedule(plan, rep_id)
    src = schedule.day(*source)
    visit = next((v for v in src if v.account_id == account_id), None)
    if visit is None:
        raise PlanError(f"no visit to {account_id} on that day")
    if visit.pinned and source != target:
        raise PlanError(f"the visit to {plan.accounts[account_id].name} is pinned; unpin it to "
                        "move it to another day")
    dst = schedule.day(*target)
    if source != target and any(v.account_id == account_id for v in dst):
        raise PlanError(f"{plan.accounts[account_id].name} is already visited that day")
    flags = {v.account_id: v for v in src + dst}
    src_ids = [v.account_id for v in src if v.account_id != account_id]
    dst_ids = src_ids if source == target else [v.account_id for v in dst]
    at = len(dst_ids) if position is None else max(0, min(position, len(dst_ids)))
    dst_ids = [*dst_ids[:at], account_id, *dst_ids[at:]]
    visits = schedule.visits
    if source != target:
        visits = _with_day(dataclasses.replace(schedule, visits=visits), source, src_ids, flags)
    visits = _with_day(dataclasses.replace(schedule, visits=visits), target, dst_ids, flags)
    new = plan.copy()
    new.schedules[rep_id] = dataclasses.replace(schedule, visits=visits)
    name = plan.accounts[account_id].name if account_id in plan.accounts else account_id
    if source == target:
        return Edit(f"Reorder the visit to {name}", new)
    return Edit(f"Move the visit to {name} to week {target[0] + 1} {WEEKDAY_NAMES[target[1]]}",
                new)


def set_visit_pinned(plan: Plan, rep_id: str, account_id: str, slot: Slot, pinned: bool) -> Edit:
    """Pin a visit to its day (re-optimising keeps it there) or release it."""
    schedule = _schedule(plan, rep_id)
    visits = tuple(dataclasses.replace(v, pinned=pinned)
                   if v.account_id == account_id and v.slot == slot else v
                   for v in schedule.visits)
    if visits == schedule.visits and not any(
            v.account_id == account_id and v.slot == slot for v in visits):
        raise PlanError(f"no visit to {account_id} on that day")
    new = plan.copy()
    new.schedules[rep_id] = dataclasses.replace(schedule, visits=visits)
    name = plan.accounts[account_id].name if account_id in plan.accounts else account_id
    return Edit(f"{'Pin' if pinned else 'Unpin'} visit to {name}", new)


def add_adhoc_visit(plan: Plan, rep_id: str, account_id: str, slot: Slot) -> Edit:
    """Add a visit on top of the cadence at the end of a day's route."""
    schedule = _schedule(plan, rep_id)
    if account_id not in plan.accounts:
        raise PlanError(f"no account with id {account_id!r}")
    day = schedule.day(*slot)
    if any(v.account_id == account_id for v in day):
        raise PlanError(f"{plan.accounts[account_id].name} is already visited that day")
    visit = ScheduledVisit(account_id, slot[0], slot[1], len(day), adhoc=True)
    new = plan.copy()
    new.schedules[rep_id] = dataclasses.replace(schedule, visits=(*schedule.visits, visit))
    return Edit(f"Add visit to {plan.accounts[account_id].name}", new)


def remove_visit(plan: Plan, rep_id: str, account_id: str, slot: Slot) -> Edit:
    """Take one visit out of a day (its compliance drops accordingly).

    A visit the cadence asks for is listed as unplaced, as a day off lists what it cannot move:
    the rotation still plans the account (an ad hoc visit just goes).
    """
    schedule = _schedule(plan, rep_id)
    day = schedule.day(*slot)
    flags = {v.account_id: v for v in day}
    if account_id not in flags:
        raise PlanError(f"no visit to {account_id} on that day")
    ids = [v.account_id for v in day if v.account_id != account_id]
    unplaced = schedule.unplaced
    if not flags[account_id].adhoc:
        unplaced += (UnplacedAccount(account_id, 1, "visit taken out by hand"),)
    new = plan.copy()
    new.schedules[rep_id] = dataclasses.replace(
        schedule, visits=_with_day(schedule, slot, ids, flags), unplaced=unplaced)
    name = plan.accounts[account_id].name if account_id in plan.accounts else account_id
    return Edit(f"Remove visit to {name}", new)


def set_day_off(plan: Plan, rep_id: str, slot: Slot, off: bool,
                working_weekdays: Iterable[int] = (0, 1, 2, 3, 4)) -> Edit:
    """Mark a day of the cycle off (or back on) for a rep.

    The day's visits are not dropped: they move to the end of the nearest working day of the
    same week (re-optimise that week afterwards), or, if the whole week is off, they are listed
    as unplaced with the reason.
    """
    rep = plan.reps.get(rep_id)
    if rep is None:
        raise PlanError(f"no rep with id {rep_id!r}")
    days_off = set(rep.days_off)
    if off:
        days_off.add(slot)
    else:
        days_off.discard(slot)
    new = plan.copy()
    new.reps[rep_id] = replace(rep, days_off=tuple(sorted(days_off)))
    notes: list[str] = []
    schedule = plan.schedules.get(rep_id)
    if off and schedule is not None and schedule.day(*slot):
        moving = schedule.day(*slot)
        week, weekday = slot
        candidates = sorted((d for d in working_weekdays
                             if d != weekday and (week, d) not in days_off),
                            key=lambda d: (abs(d - weekday), d < weekday))
        visits = [v for v in schedule.visits if v.slot != slot]
        unplaced = list(schedule.unplaced)
        if candidates:
            target = (week, candidates[0])
            taken = {v.account_id for v in visits if v.slot == target}
            start = sum(1 for v in visits if v.slot == target)
            k = 0
            for v in moving:
                if v.account_id in taken:
                    unplaced.append(UnplacedAccount(v.account_id, 1,
                                                    "its day was marked off"))
                    continue
                visits.append(dataclasses.replace(v, weekday=target[1], order=start + k))
                k += 1
            notes.append(f"{k} visits moved to week {week + 1} {WEEKDAY_NAMES[target[1]]}"
                         + (f", {len(moving) - k} listed as unplaced" if k < len(moving) else "")
                         + "; re-optimise the week to reorder them")
        else:
            unplaced += [UnplacedAccount(v.account_id, 1, "every day of its week is off")
                         for v in moving]
            notes.append(f"{len(moving)} visits could not be moved: the whole week is off")
        new.schedules[rep_id] = dataclasses.replace(schedule, visits=tuple(visits),
                                                    unplaced=tuple(unplaced))
    label = f"week {slot[0] + 1} {WEEKDAY_NAMES[slot[1]]}"
    return Edit(f"Mark {label} {'off' if off else 'working'} for {rep.name}", new, tuple(notes))


def log_visit(plan: Plan, entry: VisitLogEntry) -> Edit:
    """Record what happened to a planned visit (replaces an earlier record for the same visit)."""
    if entry.rep_id not in plan.reps:
        raise PlanError(f"no rep with id {entry.rep_id!r}")
    if entry.account_id not in plan.accounts:
        raise PlanError(f"no account with id {entry.account_id!r}")
    new = plan.copy()
    key = (entry.date, entry.rep_id, entry.account_id)
    old = next((e for e in plan.visit_log if (e.date, e.rep_id, e.account_id) == key), None)
    new.visit_log = [e for e in new.visit_log if (e.date, e.rep_id, e.account_id) != key]
    new.visit_log.append(entry)
    new.visit_log.sort(key=lambda e: (e.date, e.rep_id))
    return Edit(_log_text(f"{plan.accounts[entry.account_id].name} {entry.date}", old, entry),
                new)


def _log_text(visit: str, old: VisitLogEntry | None, entry: VisitLogEntry) -> str:
    """Name what a log edit changes (a rep edits one cell at a time: each gets its own name)."""
    if old is None:
        old = VisitLogEntry(entry.date, entry.rep_id, entry.account_id, "planned")
    if (entry.status, entry.moved_to) != (old.status, old.moved_to):
        return f"Mark {visit} {entry.status}" + (f" to {entry.moved_to}" if entry.moved_to else "")
    if entry.distance != old.distance:
        return (f"Clear the distance of {visit}" if entry.distance is None
                else f"Log {round(entry.distance, 2):g} {entry.unit} to {visit}")
    if (entry.odometer_start, entry.odometer_end) != (old.odometer_start, old.odometer_end):
        return f"Log odometer for {visit}"
    if entry.note != old.note:
        return f"Note on {visit}"
    return f"Log {visit}"


def clear_visit_log_entry(plan: Plan, date: str, rep_id: str, account_id: str) -> Edit:
    """Forget the record of a visit (back to just planned)."""
    new = plan.copy()
    new.visit_log = [e for e in new.visit_log
                     if (e.date, e.rep_id, e.account_id) != (date, rep_id, account_id)]
    account = plan.accounts.get(account_id)
    return Edit(f"Clear the log of {account.name if account else account_id} {date}", new)
