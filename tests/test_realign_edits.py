"""Realignment edits on the real sample plan: a rep leaves or joins, one edit, a valid plan."""

from __future__ import annotations

import pytest

from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io.planfile import load_plan
from territory_desktop.model.plan import Rep
from territory_desktop.optimize.balance import BalanceError, BalanceParams
from territory_desktop.realign import (
    RealignRequest,
    apply_realignment,
    realign_job,
    realign_setup,
)
from territory_desktop.resources import resource_path


@pytest.fixture
def sample():
    return load_plan(resource_path("sample", "sample_plan.gpkg"))


def _run(plan, request):
    return realign_job(plan, assign_accounts(plan).territory_of, None, request, None,
                       progress=lambda f, m: None, should_stop=lambda: False)


def test_a_leaver_is_removed_with_their_schedule_and_the_plan_stays_valid(sample):
    # with days they drove kept from an earlier edit of their rotation, and another rep's
    sample.kept_days = {("REP-4", "2026-11-30"): (("A", ""),), ("REP-1", "2026-11-30"): ()}
    done = _run(sample, RealignRequest(BalanceParams(max_moves=40), leaving="REP-4"))
    assert len(done.result.moves) <= 40
    edit = apply_realignment(sample, done)
    new = edit.plan
    assert "REP-4" not in new.reps and "REP-4" not in new.schedules
    assert list(new.kept_days) == [("REP-1", "2026-11-30")]  # they go with the schedule
    assert new.validate() == []
    owners = {new.territories[t].rep_id for t in assign_accounts(new).territory_of.values() if t}
    assert "REP-4" not in owners
    assert "REP-4" in sample.reps  # the edit made a new plan; the old one is untouched


def test_a_joiner_gets_a_territory_of_their_own(sample):
    rep = Rep("REP-9", "Pat New", 39.2905, -76.565, 38.0)
    done = _run(sample, RealignRequest(BalanceParams(), joining=rep))
    new = apply_realignment(sample, done).plan
    assert new.reps["REP-9"] == rep
    theirs = [t.id for t in new.territories.values() if t.rep_id == "REP-9"]
    got = assign_accounts(new).territory_of
    assert len(theirs) == 1 and sum(1 for t in got.values() if t == theirs[0]) > 0
    assert new.validate() == []


@pytest.mark.parametrize(("request_", "message"), [
    (RealignRequest(BalanceParams(), leaving="REP-X"), "no rep 'REP-X' in the plan"),
    (RealignRequest(BalanceParams(), leaving="REP-ENT"),
     "Grace Liu has no territory on the map to hand over"),
    (RealignRequest(BalanceParams(), joining=Rep("REP-1", "Twin", 39.29, -76.6)),
     "a rep with id REP-1 is in the plan already; choose another id"),
    (RealignRequest(BalanceParams()), "choose a rep who leaves or describe one who joins"),
])
def test_bad_requests_say_what_to_change(sample, request_, message):
    with pytest.raises(BalanceError) as err:
        realign_setup(sample, request_)
    assert str(err.value) == message
