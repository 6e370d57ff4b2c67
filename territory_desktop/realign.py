"""Realign the team when a rep leaves or joins, within a disruption budget (Qt-free).

Both are a balance (:func:`~territory_desktop.optimize.balance.balance_plan`) of a changed
team: a rep who **leaves** is taken out of the team, so their territory is vacated and its
accounts are shared among the others; a rep who **joins** is added to the plan and the team,
and a territory is formed for them from accounts near their home. ``BalanceParams.max_moves`` and
``max_losses_per_rep`` bound the disruption (the leaver's own accounts count towards
``max_moves``: they must move). :func:`apply_realignment` makes the rep change and the new
alignment one undoable edit. :func:`balance_job` is the one way the window runs a balance
(Auto-balance and Realign), reusing drive times while they still fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from territory_desktop.edits import Edit, add_rep
from territory_desktop.model.plan import Plan, PlanError, Rep
from territory_desktop.optimize._feedback import Feedback, Progress, Stop
from territory_desktop.optimize.alignment_figures import AlignmentFigures, times_key
from territory_desktop.optimize.balance import BalanceError, BalanceParams, BalanceResult

if TYPE_CHECKING:
    from territory_desktop.routing import RoadNetwork

__all__ = [
    "RealignRequest",
    "Realignment",
    "apply_realignment",
    "balance_job",
    "current_team",
    "realign_job",
    "realign_setup",
]


@dataclass(frozen=True)
class RealignRequest:
    """One rep leaves (``leaving``: their id) or joins (``joining``), balanced by ``params``."""

    params: BalanceParams
    leaving: str | None = None
    joining: Rep | None = None


@dataclass(frozen=True)
class Realignment:
    """A realignment computed for ``plan`` (the joining rep included), ready to apply."""

    request: RealignRequest
    plan: Plan
    result: BalanceResult


def current_team(plan: Plan) -> list[str]:
    """Return the reps of the territories on the map (a locked one's rep stays in the team)."""
    return [r for r in dict.fromkeys(t.rep_id for t in plan.territories.values()
                                     if t.geometry is not None)
            if r is not None and r in plan.reps]


def realign_setup(plan: Plan, request: RealignRequest) -> tuple[Plan, BalanceParams]:
    """Return the plan to balance (with the joining rep) and the parameters with the new team.

    Raises :class:`BalanceError` naming what to change (an unknown rep, no reps left, a bad
    home or weekly hours).
    """
    team = current_team(plan)
    if (request.leaving is None) == (request.joining is None):
        raise BalanceError("choose a rep who leaves or describe one who joins")
    if request.leaving is not None:
        rep = plan.reps.get(request.leaving)
        if rep is None:
            raise BalanceError(f"no rep {request.leaving!r} in the plan")
        if request.leaving not in team:
            raise BalanceError(f"{rep.name} has no territory on the map to hand over")
        rest = tuple(r for r in team if r != request.leaving)
        if not rest:
            raise BalanceError(f"no reps left to take {rep.name}'s accounts: add a rep first")
        return plan, replace(request.params, reps=rest)
    new = request.joining
    assert new is not None
    try:
        joined = add_rep(plan, new).plan
    except PlanError as exc:
        raise BalanceError(str(exc)) from exc
    return joined, replace(request.params, reps=(*team, new.id))


def balance_job(plan: Plan, territory_of: Mapping[str, str | None],
                network: RoadNetwork | None, params: BalanceParams,
                reuse: AlignmentFigures | None, *, progress: Progress,
                should_stop: Stop) -> BalanceResult:
    """Balance ``plan`` (drive times reused from ``reuse`` when they still fit)."""
    from territory_desktop.optimize.balance import balance_plan
    from territory_desktop.optimize.drive_times import drive_times

    if reuse is not None and reuse.times_key == times_key(plan, network):
        times = reuse.times
    else:
        times = drive_times(plan, network, progress=Feedback(progress, should_stop, 0.0,
                                                             0.3).step,
                            should_stop=should_stop)
    return balance_plan(plan, times, params, territory_of, network,
                        progress=Feedback(progress, should_stop, 0.3, 1.0).step,
                        should_stop=should_stop)


def realign_job(plan: Plan, territory_of: Mapping[str, str | None],
                network: RoadNetwork | None, request: RealignRequest,
                reuse: AlignmentFigures | None, *, progress: Progress,
                should_stop: Stop) -> Realignment:
    """Realign ``plan`` as ``request`` says (off the GUI thread: progress and cancel)."""
    balanced, params = realign_setup(plan, request)
    result = balance_job(balanced, territory_of, network, params, reuse, progress=progress,
                         should_stop=should_stop)
    return Realignment(request, balanced, result)


def realign_text(realignment: Realignment) -> str:
    """Return the undo text: who left or joined and how many accounts moved."""
    request = realignment.request
    who = (f"{realignment.plan.reps[request.leaving].name} leaves" if request.leaving
           else f"{request.joining.name} joins" if request.joining else "")
    moved = len(realignment.result.moves)
    return f"Realign: {who}, {moved} account{'s' if moved != 1 else ''} moved"


def apply_realignment(plan: Plan, realignment: Realignment) -> Edit:
    """Apply the rep change and the new alignment as one undoable edit.

    A rep who leaves is removed with their schedule; a territory of theirs that an overlay rule
    still names is kept without an outline and without a rep.
    """
    from territory_desktop.design_edits import apply_alignment

    r = realignment.result
    edit = apply_alignment(realignment.plan, r.territory_of, r.territories, r.balanced,
                           r.vacated, text=realign_text(realignment))
    leaving = realignment.request.leaving
    if leaving is None:
        return edit
    new = edit.plan
    new.reps.pop(leaving, None)
    new.schedules.pop(leaving, None)
    new.kept_days = {k: v for k, v in new.kept_days.items() if k[0] != leaving}
    for tid, t in list(new.territories.items()):
        if t.rep_id == leaving:
            new.territories[tid] = replace(t, rep_id=None)
    return Edit(edit.text, new, edit.notes)
