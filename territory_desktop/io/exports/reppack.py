"""Rep packs: one rep's part of a plan, to take offline, and merging its visit log back.

A rep pack is a plan file holding one rep, the rep's territories (and the overlay rules that
point at them), the accounts they own plus any the rep's schedule or log names, the rep's
schedule and visit log, and the road network clipped to those accounts and the rep's home
(:mod:`territory_desktop.routing.embedded`). It names no extract: it routes on its own
network wherever it is opened. ``pack_of`` records the master plan's ``plan_id``, so a
returned pack is merged only into the plan it was cut from.

Merging takes only the visit log: an entry the master lacks is added, an identical one is not
doubled, and one for the same date, rep and account that differs (status, moved-to date,
odometer, miles) is a :class:`LogConflict`: both are kept unless the caller chooses a side,
and then the other side's values are written into the kept entry's note. Nothing is lost.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from territory_desktop.io.exports._files import ExportError
from territory_desktop.model import Plan, VisitLogEntry

if TYPE_CHECKING:
    from territory_desktop.routing import RoadNetwork
    from territory_desktop.routing._progress import ProgressFn, StopFn
    from territory_desktop.routing.embedded import ClipResult

KEEP_CHOICES = ("both", "mine", "theirs")


def with_identity(plan: Plan) -> Plan:
    """Return ``plan`` itself when it has a ``plan_id``, else a copy given a new one."""
    if plan.settings.plan_id:
        return plan
    new = plan.copy()
    new.settings = dataclasses.replace(plan.settings, plan_id=uuid.uuid4().hex)
    return new


@dataclass(frozen=True)
class RepPack:
    """The plan written as a rep pack, and how its network was clipped."""

    plan: Plan
    clip: ClipResult

    def describe(self) -> str:
        """One line for the user."""
        p = self.plan
        visits = sum(len(s.visits) for s in p.schedules.values())
        return (f"{len(p.accounts)} accounts, {len(p.territories)} territories, {visits} "
                f"scheduled visits, {len(p.visit_log)} logged; roads: {self.clip.describe()}")


def make_rep_pack(plan: Plan, rep_id: str, network: RoadNetwork, *,
                  progress: ProgressFn | None = None,
                  should_stop: StopFn | None = None) -> RepPack:
    """Cut ``rep_id``'s part out of ``plan`` (which must have its ``plan_id``).

    Raises
    ------
    ExportError
        Unknown rep, a plan with no identity, or a plan that is itself a rep pack.
    """
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.routing.embedded import clip_network
    from territory_desktop.routing.plan_network import plan_points

    if rep_id not in plan.reps:
        raise ExportError(f"no rep {rep_id!r} in the plan (reps: {', '.join(plan.reps)})")
    if plan.settings.pack_of:
        raise ExportError("this plan is itself a rep pack; export rep packs from the master "
                          "plan")
    if not plan.settings.plan_id:
        raise ExportError("the plan has no identity yet (plan_id); save it first")
    territories = {t.id: t for t in plan.territories.values() if t.rep_id == rep_id}
    territory_of = assign_accounts(plan).territory_of
    wanted = {a for a, t in territory_of.items() if t in territories}
    schedule = plan.schedules.get(rep_id)
    if schedule is not None:
        wanted |= {v.account_id for v in schedule.visits}
    log = [e for e in plan.visit_log if e.rep_id == rep_id]
    wanted |= {e.account_id for e in log}
    pack = Plan(
        accounts={a: acc for a, acc in plan.accounts.items() if a in wanted},
        reps={rep_id: plan.reps[rep_id]},
        territories=territories,
        rules=[r for r in plan.rules if r.territory_id in territories],
        settings=dataclasses.replace(plan.settings, osm_extract="", plan_id="",
                                     pack_of=plan.settings.plan_id),
        name=f"{plan.name} - {plan.reps[rep_id].name}",
        schedules={rep_id: schedule} if schedule is not None else {},
        visit_log=log,
        exports=plan.exports,  # the plan's rates and expense presets travel too
    )
    lats, lons = plan_points(pack)
    clip = clip_network(network, lats, lons, progress=progress, should_stop=should_stop)
    pack.network = clip.network
    return RepPack(pack, clip)


@dataclass(frozen=True)
class LogConflict:
    """Two records of one visit (same date, rep and account) that disagree."""

    mine: VisitLogEntry
    theirs: VisitLogEntry

    def describe(self) -> str:
        """One line: the visit, then the master's values and the pack's."""
        e = self.mine
        return (f"{e.date} rep {e.rep_id} account {e.account_id}: this plan {entry_values(e)}; "
                f"the rep pack {entry_values(self.theirs)}")


@dataclass(frozen=True)
class LogMerge:
    """The master plan with a returned pack's visit log merged in, and what happened."""

    plan: Plan
    added: tuple[VisitLogEntry, ...]
    duplicates: int
    conflicts: tuple[LogConflict, ...]
    keep: str
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line for the user."""
        how = {"both": "both kept", "mine": "this plan's kept",
               "theirs": "the pack's taken"}[self.keep]
        text = (f"{len(self.added)} visit records added, {self.duplicates} already here, "
                f"{len(self.conflicts)} conflicts")
        return text + (f" ({how}; the other side's values are in the note)" if self.conflicts
                       and self.keep != "both" else f" ({how})" if self.conflicts else "")


def entry_values(e: VisitLogEntry) -> str:
    """Return a visit record's facts in a few words: status, odometer, distance (its unit)."""
    parts = [e.status + (f" to {e.moved_to}" if e.moved_to else "")]
    if e.odometer_start is not None or e.odometer_end is not None:
        parts.append(f"odometer {_num(e.odometer_start)}-{_num(e.odometer_end)} {e.unit}")
    if e.distance is not None:
        parts.append(f"{e.distance:g} {e.unit}")
    return ", ".join(parts)


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _facts(e: VisitLogEntry) -> tuple[object, ...]:
    return (e.status, e.moved_to, e.odometer_start, e.odometer_end, e.distance, e.unit)


def check_pack_of(master: Plan, pack: Plan, pack_name: str) -> None:
    """Refuse a pack that was not cut from ``master``, saying why in one line."""
    if not pack.settings.pack_of:
        raise ExportError(f"{pack_name} is not a rep pack (File > Export > Rep pack writes "
                          "them)")
    if pack.settings.pack_of != master.settings.plan_id:
        raise ExportError(f"{pack_name} is a rep pack of another plan (plan id "
                          f"{pack.settings.pack_of[:8]}), not of {master.name!r} (plan id "
                          f"{master.settings.plan_id[:8] or 'none'}); merge it into the plan "
                          "it was exported from")


def merge_visit_log(master: Plan, pack: Plan, pack_name: str = "the rep pack",
                    keep: str = "both") -> LogMerge:
    """Merge ``pack``'s visit log into a copy of ``master`` (see the module docstring).

    ``keep``: "both" records of a conflict, "mine" (the master's) or "theirs" (the pack's),
    the other's values then going into the kept entry's note.

    Raises
    ------
    ExportError
        ``pack`` is not a rep pack of ``master``.
    """
    if keep not in KEEP_CHOICES:
        raise ValueError(f"keep must be one of {KEEP_CHOICES}")
    check_pack_of(master, pack, pack_name)
    log = list(master.visit_log)
    index = {(e.date, e.rep_id, e.account_id): i for i, e in enumerate(log)}
    added: list[VisitLogEntry] = []
    conflicts: list[LogConflict] = []
    duplicates = 0
    warnings: list[str] = []
    for theirs in pack.visit_log:
        key = (theirs.date, theirs.rep_id, theirs.account_id)
        at = index.get(key)
        if at is None:
            log.append(theirs)
            index[key] = len(log) - 1
            added.append(theirs)
            if theirs.account_id not in master.accounts or theirs.rep_id not in master.reps:
                warnings.append(f"{theirs.date}: rep {theirs.rep_id} account "
                                f"{theirs.account_id} is no longer in this plan; its record "
                                "is kept")
            continue
        mine = log[at]
        if mine == theirs:
            duplicates += 1
        elif _facts(mine) == _facts(theirs):  # only the notes differ: keep both texts
            log[at] = dataclasses.replace(mine, note=_join(mine.note, theirs.note))
        else:
            conflicts.append(LogConflict(mine, theirs))
            if keep == "both":
                log.append(theirs)
            elif keep == "mine":
                log[at] = dataclasses.replace(
                    mine, note=_join(mine.note, f"rep pack said: {entry_values(theirs)}"
                                     + (f" ({theirs.note})" if theirs.note else "")))
            else:
                log[at] = dataclasses.replace(
                    theirs, note=_join(theirs.note, f"this plan said: {entry_values(mine)}"
                                       + (f" ({mine.note})" if mine.note else "")))
    new = master.copy()
    new.visit_log = sorted(log, key=lambda e: (e.date, e.rep_id))
    if conflicts and keep == "both":
        warnings.append(f"{len(conflicts)} visits now have two records; exports use the later "
                        "one until you log the visit again (Rep's week)")
    return LogMerge(new, tuple(added), duplicates, tuple(conflicts), keep, tuple(warnings))


def _join(a: str, b: str) -> str:
    if not b or b in a:
        return a
    return f"{a} | {b}" if a else b



def write_rep_pack(plan: Plan, rep_id: str, network: RoadNetwork, path: Path, *,
                   plan_file: Path | None = None, progress: ProgressFn | None = None,
                   should_stop: StopFn | None = None) -> RepPack:
    """Cut ``rep_id``'s pack out of ``plan`` (saved in ``plan_file``) and save it to ``path``."""
    from territory_desktop.io.planfile import save_plan

    check_pack_target(path, plan_file)
    pack = make_rep_pack(plan, rep_id, network, progress=progress, should_stop=should_stop)
    save_plan(pack.plan, path)
    return pack


def check_pack_target(path: Path, plan_file: Path | None = None) -> None:
    """Fail early when a rep pack cannot be written to ``path`` (nor over ``plan_file``)."""
    from territory_desktop.io.exports._files import check_target

    check_target(path, plan_file)
    if path.suffix.lower() != ".gpkg":
        raise ExportError(f"rep pack: {path} must be a plan file (.gpkg)")
