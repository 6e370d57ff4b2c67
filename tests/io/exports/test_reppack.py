"""Rep packs: export one rep's part, work on it with no extract, merge its visit log back."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from territory_desktop import cli, edits
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io import load_plan, save_plan
from territory_desktop.io.exports import ExportError
from territory_desktop.io.exports.reppack import merge_visit_log
from territory_desktop.model import VisitLogEntry
from territory_desktop.model.export_settings import ExpensePreset, ExportSettings
from territory_desktop.optimize.plan_schedule import planner_for
from territory_desktop.optimize.replan import replan
from territory_desktop.resources import resource_path
from territory_desktop.routing.plan_network import plan_road_network

REP = "REP-4"
PLAN = Path(__file__).resolve().parents[2] / "data" / "exports_plan.gpkg"


@pytest.fixture
def office(tmp_path) -> Path:
    """Give the scheduled export fixture as a master plan in its own folder, naming its extract."""
    plan = load_plan(PLAN)
    plan.settings = dataclasses.replace(
        plan.settings, osm_extract=str(resource_path("sample", "baltimore.osm.pbf")))
    plan.exports = ExportSettings(presets=(ExpensePreset("finance", cost_centre="CC-7"),))
    path = tmp_path / "office" / "master.gpkg"
    path.parent.mkdir()
    save_plan(plan, path)
    return path


def _export(master: Path, pack: Path, capsys) -> str:
    code = cli.main(["export", str(master), "rep-pack", "--rep", REP, "-o", str(pack),
                     "--network-cache", str(master.parent.parent / "nets" / "b.npz")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out + captured.err


def test_a_rep_pack_schedules_a_day_and_logs_a_visit_offline_and_merges_back(
        office, tmp_path, capsys):
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    pack_path = laptop / "pack.gpkg"
    said = _export(office, pack_path, capsys)
    assert "gave" in said and "an identity" in said and f"rep {REP}" in said
    master = load_plan(office)
    assert master.settings.plan_id

    # What the pack holds: the rep, the rep's accounts, schedule and log, no extract.
    pack = load_plan(pack_path)
    assert list(pack.reps) == [REP] and pack.settings.osm_extract == ""
    assert pack.settings.pack_of == master.settings.plan_id
    assert pack.schedules[REP] == master.schedules[REP]
    assert pack.visit_log == master.visit_log  # the fixture logs only REP-4
    owned = assign_accounts(master).territory_of
    mine = {a for a, t in owned.items() if t and master.territories[t].rep_id == REP}
    assert mine <= set(pack.accounts) and len(pack.accounts) < len(master.accounts)
    assert {a for a, t in assign_accounts(pack).territory_of.items() if t} == mine
    assert pack.network is not None
    assert pack.exports == master.exports and pack.exports.presets[0].cost_centre == "CC-7"

    # On the laptop: no extract anywhere near; re-optimise a day and log a visit.
    used = plan_road_network(pack, laptop, tmp_path / "nets")
    assert used.embedded
    stored = pack.schedules[REP]
    day = stored.visits[0].slot
    planner = planner_for(pack, REP, assign_accounts(pack).territory_of, used.network,
                          stored.weeks)
    replanned, result = replan(planner, stored, [day])
    assert sorted(v.account_id for v in replanned.visits if v.slot == day) == sorted(
        v.account_id for v in stored.visits if v.slot == day)
    assert 0 < result.total_drive_seconds < float("inf")
    # The same re-plan at the office, on the extract, gives the same day.
    office_net = plan_road_network(master, office.parent, tmp_path / "nets")
    assert not office_net.embedded
    at_office, _ = replan(planner_for(master, REP, owned, office_net.network, stored.weeks),
                          master.schedules[REP], [day])
    assert at_office == replanned
    pack = edits.set_schedule(pack, replanned, "Re-optimise day").plan
    visit = next(v for v in replanned.visits if v.slot == day)
    new_entry = VisitLogEntry("2026-01-05", REP, visit.account_id, "done",
                              odometer_start=41500.0, odometer_end=41504.2, note="offline")
    pack = edits.log_visit(pack, new_entry).plan
    conflicting = dataclasses.replace(master.visit_log[0], odometer_end=41203.9)
    pack = edits.log_visit(pack, conflicting).plan
    save_plan(pack, pack_path)

    # Back at the office: merge the returned visit log.
    assert cli.main(["import", str(office), "visit-log", str(pack_path)]) == 0
    captured = capsys.readouterr()
    assert "1 visit records added, 6 already here, 1 conflicts (both kept)" in captured.out
    assert ("conflict: 2025-12-29 rep REP-4 account OSM-n1285007149: this plan done, odometer "
            "41200-41203.4 mi; the rep pack done, odometer 41200-41203.9 mi") in captured.err
    merged = load_plan(office)
    # Nothing lost: every record of either side is in the merged log, none twice.
    for entry in [*master.visit_log, *pack.visit_log]:
        assert merged.visit_log.count(entry) == 1, entry
    assert len(merged.visit_log) == len(master.visit_log) + 2
    # Merging the same pack again changes nothing.
    assert cli.main(["import", str(office), "visit-log", str(pack_path)]) == 0
    assert "0 visit records added, 8 already here, 0 conflicts" in capsys.readouterr().out
    assert load_plan(office).visit_log == merged.visit_log


def test_a_pack_from_another_plan_is_refused(office, tmp_path, capsys):
    other = tmp_path / "other.gpkg"
    other.write_bytes(office.read_bytes())
    _export(other, tmp_path / "other_pack.gpkg", capsys)  # gives `other` its own identity
    before = office.read_bytes()
    assert cli.main(["import", str(office), "visit-log", str(tmp_path / "other_pack.gpkg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "is a rep pack of another plan" in err
    assert office.read_bytes() == before
    assert cli.main(["import", str(office), "visit-log", str(office)]) == 2
    assert "is not a rep pack" in capsys.readouterr().err


def test_choosing_a_side_keeps_the_other_in_the_note(export_plan):
    master = dataclasses.replace(export_plan, settings=dataclasses.replace(
        export_plan.settings, plan_id="abc"))
    pack = master.copy()
    pack.settings = dataclasses.replace(master.settings, plan_id="", pack_of="abc")
    pack.visit_log = [dataclasses.replace(master.visit_log[0], status="skipped",
                                          odometer_start=None, odometer_end=None)]
    mine = merge_visit_log(master, pack, keep="mine")
    kept = mine.plan.visit_log[0]
    assert kept.status == "done" and kept.note == "rep pack said: skipped"
    theirs = merge_visit_log(master, pack, keep="theirs")
    taken = theirs.plan.visit_log[0]
    assert taken.status == "skipped"
    assert taken.note == "this plan said: done, odometer 41200-41203.4 mi"
    assert len(mine.plan.visit_log) == len(theirs.plan.visit_log) == len(master.visit_log)


def test_unknown_rep_and_pack_of_a_pack_are_refused(office, tmp_path, capsys):
    assert cli.main(["export", str(office), "rep-pack", "--rep", "NOBODY", "-o",
                     str(tmp_path / "p.gpkg")]) == 2
    assert "no rep 'NOBODY'" in capsys.readouterr().err
    _export(office, tmp_path / "p.gpkg", capsys)
    assert cli.main(["export", str(tmp_path / "p.gpkg"), "rep-pack", "--rep", REP, "-o",
                     str(tmp_path / "q.gpkg")]) == 2
    assert "itself a rep pack" in capsys.readouterr().err
    with pytest.raises(ExportError, match="not a rep pack"):
        merge_visit_log(load_plan(office), load_plan(office))


def test_no_export_writes_over_the_plan_or_the_files_beside_it(office, capsys):
    from territory_desktop.io.planfile import autosave_path
    from territory_desktop.io.sharing import lock_path

    before = office.read_bytes()
    linked = office.with_name("linked.gpkg")
    os.link(office, linked)
    for kind, target in (("rep-pack", office), ("rep-pack", linked),
                         ("rep-pack", office.parent / ".." / "office" / "master.gpkg"),
                         ("rep-pack", autosave_path(office, "h1234p1w1")),
                         ("territories", office), ("assignments", lock_path(office))):
        extra = ["--rep", REP] if kind == "rep-pack" else []
        assert cli.main(["export", str(office), kind, *extra, "-o", str(target)]) == 2
        assert capsys.readouterr().err == (
            f"error: cannot write {target}: that is the plan master.gpkg (or its autosave or "
            "lock file)\n"), (kind, target)
    assert office.read_bytes() == before
