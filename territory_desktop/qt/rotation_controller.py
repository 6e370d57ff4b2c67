"""Rotations for the window: schedule a rep off the GUI thread, evaluate its times, re-plan.

Times are road times, or straight-line estimates when the plan has no road network at all.

The calendar (:mod:`territory_desktop.qt.rotation_panel`) shows what this controller computes and
turns its gestures into edits through :meth:`RotationController.apply`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from territory_desktop import clock, edits
from territory_desktop.model import RepSchedule
from territory_desktop.model.schedule import WEEKDAY_NAMES as WEEKDAYS
from territory_desktop.qt.workbench import apply_computed

if TYPE_CHECKING:
    from territory_desktop.edits import Edit
    from territory_desktop.optimize.plan_schedule import RepRotation
    from territory_desktop.optimize.rotation import RotationPlanner
    from territory_desktop.optimize.rotation_schedule import RotationSchedule
    from territory_desktop.qt.routing_controller import RoutingController
    from territory_desktop.qt.workbench import Workbench

Slot = tuple[int, int]


def _solve(plan: Any, rep_id: str, territory_of: Any, network: Any, seconds: float, seed: int,
           *, progress: Any, should_stop: Any) -> tuple[RepSchedule, RepRotation]:
    from territory_desktop.optimize.plan_schedule import solve_rep

    return solve_rep(plan, rep_id, territory_of, network, seconds=seconds, seed=seed,
                     progress=progress, should_stop=should_stop)


@dataclass
class _Cached:
    planner: RotationPlanner | None  # None: these inputs were refused (already reported)
    key: tuple[Any, ...]


class RotationController(QObject):
    """Schedules rotations and turns calendar gestures into undoable edits."""

    schedule_ready = Signal(str)
    """A rep's rotation was computed and stored (payload: rep id)."""
    evaluated = Signal(str, object)
    """A rep's schedule was evaluated on the planner's times (rep id, RotationSchedule)."""

    def __init__(self, bench: Workbench, routing: RoutingController) -> None:
        super().__init__(bench.dialog_parent())
        self.bench = bench
        self.routing = routing
        self._planners: dict[str, _Cached] = {}
        self._evaluations: dict[str, tuple[object, object, RotationSchedule]] = {}
        # The day whose route the map shows, with its stops then: (rep id, slot, account ids)
        self._day_route: tuple[str, Slot, list[str]] | None = None
        bench.document.replaced.connect(self._forget_day_route)
        bench.document.plan_changed.connect(self._on_document_plan_changed)
        routing.route_shown.connect(self._forget_day_route)  # another route replaced it
        routing.overlays_cleared.connect(self._forget_day_route)

    # ----------------------------------------------------------------- engine
    @property
    def straight_line(self) -> bool:
        """Whether rotations are timed on straight lines: the plan has no road network."""
        return self.routing.network is None and not self.routing.network_key()

    def _key(self, rep_id: str) -> tuple[Any, ...]:
        from territory_desktop.optimize.plan_schedule import rep_accounts

        doc = self.bench.document
        plan = doc.plan
        ids = tuple(rep_accounts(plan, rep_id, doc.assignment.territory_of))
        schedule = plan.schedules.get(rep_id)
        extra = tuple(sorted({v.account_id for v in schedule.visits if v.account_id in
                              plan.accounts} - set(ids))) if schedule else ()
        weeks = schedule.weeks if schedule else None
        return (ids, extra, tuple(plan.accounts[a] for a in ids + extra), plan.reps[rep_id],
                plan.settings, weeks, id(self.routing.network))

    def planner(self, rep_id: str) -> RotationPlanner | None:
        """Return the rep's engine, rebuilt only when its inputs changed.

        On road times; on straight-line times when the plan has no road network; None while
        its network is not loaded yet.
        """
        from territory_desktop.optimize.plan_schedule import planner_for
        from territory_desktop.optimize.rotation import RotationError

        network = self.routing.network
        if (network is None and not self.straight_line) or \
                rep_id not in self.bench.document.plan.reps:
            return None
        key = self._key(rep_id)
        cached = self._planners.get(rep_id)
        if cached is None or cached.key != key:
            doc = self.bench.document
            schedule = doc.plan.schedules.get(rep_id)
            extra = [v.account_id for v in schedule.visits] if schedule else []
            planner: RotationPlanner | None = None
            try:
                planner = planner_for(doc.plan, rep_id, doc.assignment.territory_of, network,
                                      weeks=schedule.weeks if schedule else None,
                                      extra_accounts=[a for a in extra if a in doc.plan.accounts])
            except RotationError as exc:
                self.bench.notify_error("Rotation", str(exc))
            cached = _Cached(planner, key)
            self._planners[rep_id] = cached
        return cached.planner

    def evaluate(self, rep_id: str) -> RotationSchedule | None:
        """Totals of the rep's stored schedule (None without one or before its roads load)."""
        from territory_desktop.optimize.plan_schedule import evaluate

        schedule = self.bench.document.plan.schedules.get(rep_id)
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
        """Scheduled driving per week on road times, as ``plan_schedule.scheduled_drive_hours``.

        None without a network (straight-line times are no scheduled road driving) or without a
        rotation made for the accounts the rep owns now.
        """
        from territory_desktop.optimize.plan_schedule import fits_territory, weekly_drive_hours

        doc = self.bench.document
        if self.routing.network is None or not fits_territory(
                doc.plan, rep_id, doc.assignment.territory_of):
            return None
        result = self.evaluate(rep_id)
        schedule = doc.plan.schedules[rep_id]
        return None if result is None else weekly_drive_hours(result, schedule.weeks)

    def schedule(self, rep_id: str, seconds: float = 10.0, seed: int = 0) -> None:
        """Compute the rep's rotation off the GUI thread and store it as one edit.

        On road times, or on straight-line times when the plan has no road network.
        """
        doc = self.bench.document
        if not any(t.rep_id == rep_id for t in doc.plan.territories.values()):
            self.bench.notify_error("Schedule", "This rep owns no territory.")
            return

        def run() -> None:
            if rep_id not in doc.plan.reps:
                return
            self.bench.run_work(
                f"Scheduling {doc.plan.reps[rep_id].name}", _solve, doc.plan, rep_id,
                doc.assignment.territory_of, self.routing.network, seconds, seed,
                on_done=lambda result: self._on_solved(rep_id, result), kind=f"schedule:{rep_id}")

        if self.straight_line:
            run()
        else:
            self.routing.ensure_network(run)

    def _on_solved(self, rep_id: str, result: tuple[RepSchedule, RepRotation]) -> None:
        schedule, rotation = result
        plan = self.bench.document.plan
        if rep_id not in plan.reps:
            return  # the rep was deleted while the scheduler ran
        name = plan.reps[rep_id].name
        anchor = rotation.planner.cycle.monday.isoformat()
        if self.bench.apply_edit(lambda: edits.set_schedule(
                plan, schedule, f"Schedule rotation for {name}", anchor=anchor)):
            self.schedule_ready.emit(rep_id)

    def reoptimise(self, rep_id: str, slot: Slot, rest_of_week: bool) -> None:
        """Re-plan one day (or it and the rest of its week) keeping pinned visits in place.

        The engine runs off the GUI thread with progress and Cancel; its result is one edit.
        """
        from territory_desktop.optimize.replan import logged_on, replan, replan_slots

        planner = self.planner(rep_id)
        plan = self.bench.document.plan
        stored = plan.schedules.get(rep_id)
        if stored is None:
            self.bench.notify_error("Re-optimise", "Schedule this rep's rotation first.")
            return
        if planner is None:
            if self.routing.network is None:
                self.routing.ensure_network(
                    lambda: self.reoptimise(rep_id, slot, rest_of_week))
            return
        if slot not in {(d.week, d.weekday) for d in planner.days}:
            self.bench.notify_error("Re-optimise", "That day is not a working day.")
            return
        text = (f"Re-optimise week {slot[0] + 1} {'from ' if rest_of_week else ''}"
                f"{WEEKDAYS[slot[1]]}")

        def done(result: tuple[RepSchedule, Any]) -> None:
            apply_computed(self.bench, plan, text, "do it again",
                           lambda: edits.set_schedule(plan, result[0], text))

        slots = replan_slots(planner, slot, rest_of_week)
        self.bench.run_work(f"{text} for {plan.reps[rep_id].name}", replan, planner, stored,
                            slots, on_done=done, kind=f"replan:{rep_id}",
                            logged=logged_on(plan, rep_id, slots, clock.today()))

    def mark_day_off(self, rep_id: str, slot: Slot, off: bool) -> None:
        """Mark a day off (or working) and re-plan its week on the rotation's times when known.

        The week is re-planned off the GUI thread; the day off and the re-plan are one edit.
        """
        from territory_desktop.optimize.replan import mark_day_off

        plan = self.bench.document.plan
        planner = self.planner(rep_id) if rep_id in plan.schedules else None
        if planner is None:
            self.bench.apply_edit(lambda: mark_day_off(plan, rep_id, slot, off, None))
            return
        what = f"{'Mark' if off else 'Unmark'} {WEEKDAYS[slot[1]]} of week {slot[0] + 1} off"

        def done(edit: Edit) -> None:
            apply_computed(self.bench, plan, what, "do it again", lambda: edit)

        self.bench.run_work(f"{what} for {plan.reps[rep_id].name}", mark_day_off, plan, rep_id,
                            slot, off, planner, on_done=done, kind=f"replan:{rep_id}")

    def stretch(self, rep_id: str, result: RotationSchedule, seconds: float, seed: int) -> None:
        """Visit the rep's accounts less often by the engine's stretch factor, then reschedule."""
        from territory_desktop.optimize.replan import stretch_cadence

        plan = self.bench.document.plan
        schedule = plan.schedules.get(rep_id)
        weeks = schedule.weeks if schedule else plan.settings.rotation_weeks
        if self.bench.apply_edit(lambda: stretch_cadence(plan, result, weeks)):
            self.schedule(rep_id, seconds, seed)

    def apply(self, make: Any) -> bool:
        """Apply the edit ``make`` returns, as one undoable step; True when applied."""
        return self.bench.apply_edit(make)

    def _forget_day_route(self) -> None:
        self._day_route = None

    def _day_stops(self, rep_id: str, slot: Slot) -> list[str]:
        """Return the accounts the rep visits on the day in order ([] on a day off)."""
        plan = self.bench.document.plan
        schedule = plan.schedules.get(rep_id)
        if schedule is None or rep_id not in plan.reps or slot in plan.reps[rep_id].days_off:
            return []
        return [v.account_id for v in schedule.day(*slot) if v.account_id in plan.accounts]

    def _on_document_plan_changed(self) -> None:
        """Keep the day route on the map true to the plan: redrawn, or gone on a day off."""
        if self._day_route is None:
            return
        rep_id, slot, shown = self._day_route
        stops = self._day_stops(rep_id, slot)
        if stops == shown:
            return
        if stops and self.routing.network is not None:
            self.show_day_route(rep_id, slot, redraw=True)
        else:
            self._day_route = None
            self.routing.clear_route()

    def show_day_route(self, rep_id: str, slot: Slot, redraw: bool = False) -> Any:
        """Draw the day's route (home, stops in order, home) and list its legs.

        A day off or a day without visits has none: the route shown is taken away. ``redraw``:
        the day's stops changed with an edit (see :meth:`RoutingController.present_route`).
        """
        from territory_desktop.routing import RoutingError, route

        network = self.routing.network
        plan = self.bench.document.plan
        ids = self._day_stops(rep_id, slot)
        if network is None or rep_id not in plan.schedules:
            return None
        if not ids:
            self.routing.clear_route()
            self._day_route = None
            return None
        rep = plan.reps[rep_id]
        names = ["Home", *(plan.accounts[a].name for a in ids), "Home"]
        stops = [(rep.home_lat, rep.home_lon),
                 *((plan.accounts[a].lat, plan.accounts[a].lon) for a in ids),
                 (rep.home_lat, rep.home_lon)]
        try:
            result = route(network, stops, names=names)
        except RoutingError as exc:
            if redraw:  # the old route is no longer the day's, and no retry at every edit
                self._day_route = None
                self.routing.clear_route()
            self.bench.notify_error("Day route", str(exc))
            return None
        self._day_route = (rep_id, slot, ids)
        labels = ["Home", *(f"{i + 1}. {plan.accounts[a].name}" for i, a in enumerate(ids)),
                  "Home"]
        self.routing.present_route(
            result, labels, f"{rep.name}, week {slot[0] + 1} {WEEKDAYS[slot[1]]}", redraw)
        return result
