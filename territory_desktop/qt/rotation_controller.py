"""Rotations for the window: schedule a rep off the GUI thread, evaluate on road times, re-plan.

The calendar (:mod:`territory_desktop.qt.rotation_panel`) shows what this controller computes and
turns its gestures into edits through :meth:`RotationController.apply`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from territory_desktop import edits
from territory_desktop.edits import WEEKDAYS
from territory_desktop.model import RepSchedule

if TYPE_CHECKING:
    from territory_desktop.optimize.plan_schedule import RepRotation
    from territory_desktop.optimize.rotation import RotationPlanner, RotationSchedule
    from territory_desktop.qt.main_window import MainWindow

Slot = tuple[int, int]


def _solve(plan: Any, rep_id: str, territory_of: Any, network: Any, seconds: float, seed: int,
           *, progress: Any, should_stop: Any) -> tuple[RepSchedule, RepRotation]:
    from territory_desktop.optimize.plan_schedule import solve_rep

    return solve_rep(plan, rep_id, territory_of, network, seconds=seconds, seed=seed,
                     progress=progress, should_stop=should_stop)


@dataclass
class _Cached:
    planner: RotationPlanner
    key: tuple[Any, ...]


class RotationController(QObject):
    """Schedules rotations and turns calendar gestures into undoable edits."""

    schedule_ready = Signal(str)
    """A rep's rotation was computed and stored (payload: rep id)."""
    evaluated = Signal(str, object)
    """A rep's schedule was evaluated on road times (rep id, RotationSchedule)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._planners: dict[str, _Cached] = {}
        self._evaluations: dict[str, tuple[object, object, RotationSchedule]] = {}

    # ----------------------------------------------------------------- engine
    def _key(self, rep_id: str) -> tuple[Any, ...]:
        from territory_desktop.optimize.plan_schedule import rep_accounts

        doc = self.window.document
        plan = doc.plan
        ids = tuple(rep_accounts(plan, rep_id, doc.assignment.territory_of))
        schedule = plan.schedules.get(rep_id)
        extra = tuple(sorted({v.account_id for v in schedule.visits if v.account_id in
                              plan.accounts} - set(ids))) if schedule else ()
        weeks = schedule.weeks if schedule else None
        return (ids, extra, tuple(plan.accounts[a] for a in ids + extra), plan.reps[rep_id],
                plan.settings, weeks, id(self.window.routing.network))

    def planner(self, rep_id: str) -> RotationPlanner | None:
        """The rep's engine on road times, rebuilt only when its inputs changed."""
        from territory_desktop.optimize.plan_schedule import planner_for

        network = self.window.routing.network
        if network is None or rep_id not in self.window.document.plan.reps:
            return None
        key = self._key(rep_id)
        cached = self._planners.get(rep_id)
        if cached is None or cached.key != key:
            doc = self.window.document
            schedule = doc.plan.schedules.get(rep_id)
            extra = [v.account_id for v in schedule.visits] if schedule else []
            planner = planner_for(doc.plan, rep_id, doc.assignment.territory_of, network,
                                  weeks=schedule.weeks if schedule else None,
                                  extra_accounts=[a for a in extra if a in doc.plan.accounts])
            cached = _Cached(planner, key)
            self._planners[rep_id] = cached
        return cached.planner

    def evaluate(self, rep_id: str) -> RotationSchedule | None:
        """Totals of the rep's stored schedule (None without a schedule or network)."""
        from territory_desktop.optimize.plan_schedule import evaluate

        schedule = self.window.document.plan.schedules.get(rep_id)
        planner = self.planner(rep_id) if schedule is not None else None
        if schedule is None or planner is None:
            return None
        cached = self._evaluations.get(rep_id)
        if cached is not None and cached[0] is schedule and cached[1] is planner:
            return cached[2]
        result = evaluate(planner, schedule)
        self._evaluations[rep_id] = (schedule, planner, result)
        self.evaluated.emit(rep_id, result)
        return result

    def drive_hours_per_week(self, rep_id: str) -> float | None:
        """Scheduled driving per week on road times (None without a rotation or network)."""
        result = self.evaluate(rep_id)
        schedule = self.window.document.plan.schedules.get(rep_id)
        if result is None or schedule is None:
            return None
        return result.total_drive_seconds / 3600.0 / schedule.weeks

    def schedule(self, rep_id: str, seconds: float = 10.0, seed: int = 0) -> None:
        """Compute the rep's rotation off the GUI thread and store it as one edit."""
        doc = self.window.document
        if not any(t.rep_id == rep_id for t in doc.plan.territories.values()):
            self.window.notify_error("Schedule", "This rep owns no territory.")
            return

        def run() -> None:
            if rep_id not in doc.plan.reps:
                return
            self.window.run_work(
                f"Scheduling {doc.plan.reps[rep_id].name}", _solve, doc.plan, rep_id,
                doc.assignment.territory_of, self.window.routing.network, seconds, seed,
                on_done=lambda result: self._on_solved(rep_id, result), kind=f"schedule:{rep_id}")

        self.window.routing.ensure_network(run)

    def _on_solved(self, rep_id: str, result: tuple[RepSchedule, RepRotation]) -> None:
        schedule, rotation = result
        plan = self.window.document.plan
        if rep_id not in plan.reps:
            return  # the rep was deleted while the scheduler ran
        name = plan.reps[rep_id].name
        anchor = rotation.planner.cycle.monday.isoformat()
        if self.window.apply_edit(lambda: edits.set_schedule(
                plan, schedule, f"Schedule rotation for {name}", anchor=anchor)):
            self.schedule_ready.emit(rep_id)

    def reoptimise(self, rep_id: str, slot: Slot, rest_of_week: bool) -> None:
        """Re-plan one day (or it and the rest of its week) keeping pinned visits in place."""
        from territory_desktop.optimize.plan_schedule import evaluate, to_rep_schedule

        planner = self.planner(rep_id)
        plan = self.window.document.plan
        stored = plan.schedules.get(rep_id)
        if stored is None:
            self.window.notify_error("Re-optimise", "Schedule this rep's rotation first.")
            return
        if planner is None:
            if self.window.routing.network is None:
                self.window.routing.ensure_network(
                    lambda: self.reoptimise(rep_id, slot, rest_of_week))
            return
        index = {(d.week, d.weekday): d.index for d in planner.days}
        if slot not in index:
            self.window.notify_error("Re-optimise", "That day is not a working day.")
            return
        current = evaluate(planner, stored)
        current.blocks = self._blocks(planner, stored)
        pins: dict[str, set[int]] = {}
        for v in stored.visits:
            if v.pinned and v.slot in index:
                pins.setdefault(v.account_id, set()).add(index[v.slot])
        day = index[slot]
        if rest_of_week:
            result = planner.reoptimise_rest_of_week(current, day, pins)
            text = f"Re-optimise week {slot[0] + 1} from {WEEKDAYS[slot[1]]}"
            days = [d for d in planner.days if d.week == slot[0] and d.index >= day]
        else:
            result = planner.reoptimise_days(current, [day], pins)
            text = f"Re-optimise week {slot[0] + 1} {WEEKDAYS[slot[1]]}"
            days = [planner.days[day]]
        from territory_desktop.optimize.plan_schedule import RepRotation

        flags_pinned = {(v.account_id, v.slot) for v in stored.visits if v.pinned}
        adhoc_in_week = {v.account_id for v in stored.visits if v.adhoc and v.week == slot[0]}
        replanned = to_rep_schedule(RepRotation(planner, result), stored.seed, flags_pinned)
        touched = {(d.week, d.weekday) for d in days}
        # Only the re-optimised days change; every other visit stays exactly as stored.
        visits = [v for v in stored.visits if v.slot not in touched]
        visits += [dataclasses.replace(v, adhoc=v.account_id in adhoc_in_week)
                   for v in replanned.visits if v.slot in touched]
        unplaced = list(stored.unplaced) + [u for u in replanned.unplaced
                                            if u not in stored.unplaced]
        new = dataclasses.replace(stored, visits=tuple(visits), unplaced=tuple(unplaced))
        self.window.apply_edit(lambda: edits.set_schedule(plan, new, text))

    @staticmethod
    def _blocks(
        planner: RotationPlanner, schedule: RepSchedule
    ) -> dict[str, tuple[tuple[int, ...], ...]]:
        """Where each visit may move when re-optimising: its week, or its day if same-weekday."""
        by_week: dict[int, tuple[int, ...]] = {}
        for d in planner.days:
            by_week[d.week] = (*by_week.get(d.week, ()), d.index)
        index = {(d.week, d.weekday): d.index for d in planner.days}
        same_day = {a.id for a in planner.accounts if a.same_weekday}
        blocks: dict[str, list[tuple[int, ...]]] = {}
        for v in schedule.visits:
            if v.slot not in index:
                continue
            block = (index[v.slot],) if v.account_id in same_day else by_week[v.week]
            blocks.setdefault(v.account_id, []).append(block)
        return {a: tuple(b) for a, b in blocks.items()}

    def apply(self, make: Any) -> bool:
        return self.window.apply_edit(make)

    def show_day_route(self, rep_id: str, slot: Slot) -> Any:
        """Draw the day's route (home, stops in order, home) and list its legs."""
        from territory_desktop.routing import RoutingError, route

        network = self.window.routing.network
        plan = self.window.document.plan
        schedule = plan.schedules.get(rep_id)
        if network is None or schedule is None:
            return None
        ids = [v.account_id for v in schedule.day(*slot) if v.account_id in plan.accounts]
        if not ids:
            self.window.map.show_route(None)
            return None
        rep = plan.reps[rep_id]
        names = ["Home", *(plan.accounts[a].name for a in ids), "Home"]
        stops = [(rep.home_lat, rep.home_lon),
                 *((plan.accounts[a].lat, plan.accounts[a].lon) for a in ids),
                 (rep.home_lat, rep.home_lon)]
        try:
            result = route(network, stops, names=names)
        except RoutingError as exc:
            self.window.notify_error("Day route", str(exc))
            return None
        labels = ["Home", *(f"{i + 1}. {plan.accounts[a].name}" for i, a in enumerate(ids)),
                  "Home"]
        self.window.routing.present_route(
            result, labels, f"{rep.name}, week {slot[0] + 1} {WEEKDAYS[slot[1]]}")
        return result
