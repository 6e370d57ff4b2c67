"""Every change a user can make to a plan, as pure functions ``Plan -> Edit``.

An edit never mutates its input: it returns a new :class:`Plan` (sharing the unchanged frozen
records) plus the text shown on the undo stack. The Qt layer pushes one undo command per edit;
the command line and tests call the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from territory_desktop.geo import polygons
from territory_desktop.geo.polygons import GeometryError, KeepSide
from territory_desktop.model.plan import (
    Account,
    OverlayRule,
    Plan,
    PlanError,
    PlanSettings,
    Rep,
    Territory,
    next_color,
    replace,
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
) -> Edit:
    """Add a drawn polygon as a new territory, repaired, snapped and clipped against others."""
    geom, note = polygons.repair(geometry)
    notes = [note] if note else []
    new_geom, changed = polygons.fit_among(geom, _neighbours(plan), keep)
    new = plan.copy()
    _apply_neighbour_changes(new, changed, notes)
    tid = new.new_id("T", new.territories)
    name = name or f"Territory {len(new.territories) + 1}"
    color = color or next_color(t.color for t in new.territories.values())
    new.territories[tid] = Territory(tid, name, color, rep_id, new_geom)
    return Edit(f"Draw territory {name}", new, tuple(notes))


def reshape_territory(
    plan: Plan, territory_id: str, geometry: BaseGeometry, keep: KeepSide = "new"
) -> Edit:
    """Replace a territory's shape; by default the reshaped territory takes overlapped area."""
    old = _territory(plan, territory_id)
    geom, note = polygons.repair(geometry)
    notes = [note] if note else []
    new_geom, changed = polygons.fit_among(geom, _neighbours(plan, [territory_id]), keep)
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
    """A territory without area, filled only by overlay rules (e.g. named enterprise accounts)."""
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


def update_account(plan: Plan, account_id: str, **changes: object) -> Edit:
    """Change an account's fields (tier, cadence override, notes...)."""
    old = plan.accounts.get(account_id)
    if old is None:
        raise PlanError(f"no account with id {account_id!r}")
    new = plan.copy()
    new.accounts[account_id] = replace(old, **changes)
    return Edit(f"Edit {old.name}", new)


def import_accounts(plan: Plan, accounts: Iterable[Account], replace_all: bool = False) -> Edit:
    """Add (or update by id) imported accounts; ``replace_all`` drops the others first."""
    new = plan.copy()
    if replace_all:
        new.accounts = {}
    incoming = list(accounts)
    updated = sum(1 for a in incoming if a.id in new.accounts)
    for a in incoming:
        new.accounts[a.id] = a
    text = f"Import {len(incoming)} accounts"
    notes = (f"{updated} existing accounts updated",) if updated else ()
    return Edit(text, new, notes)


def import_reps(plan: Plan, reps: Iterable[Rep]) -> Edit:
    """Add (or update by id) imported reps."""
    new = plan.copy()
    incoming = list(reps)
    for r in incoming:
        new.reps[r.id] = r
    return Edit(f"Import {len(incoming)} reps", new)


def update_settings(plan: Plan, settings: PlanSettings) -> Edit:
    """Replace the plan settings (cadence table, rotation, extract)."""
    new = plan.copy()
    new.settings = settings
    return Edit("Change plan settings", new)
