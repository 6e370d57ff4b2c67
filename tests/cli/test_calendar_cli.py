"""``tdesk plan calendar``: the plan's working days and holidays from the command line."""

import json
import shutil
from pathlib import Path

import pytest

from territory_desktop import cli
from territory_desktop.io.planfile import load_plan
from territory_desktop.resources import resource_path


def test_public_holidays_of_a_state_are_added_and_one_removed(tmp_path, capsys):
    plan = tmp_path / "plan.gpkg"
    shutil.copy(resource_path("sample", "sample_plan.gpkg"), plan)
    code = cli.main(["plan", "calendar", str(plan), "--public-holidays", "us-md", "--years",
                     "2026", "2027", "--remove", "2026-10-12", "--add", "2026-12-24",
                     "--weekdays", "Mon,Tue,Wed,Thu,Fri,Sat"])
    printed = capsys.readouterr()
    assert code == 0
    assert f"wrote {plan}" in printed.err
    assert "  2026-12-25 Fri  Christmas Day" in printed.out.splitlines()
    assert "  2026-12-24 Thu" in printed.out.splitlines()  # added by hand: no name
    settings = load_plan(plan).settings
    assert settings.working_weekdays == (0, 1, 2, 3, 4, 5)
    assert {"2026-12-24", "2026-12-25", "2027-12-24"} <= set(settings.holidays)
    assert "2026-10-12" not in settings.holidays and "2027-10-11" in settings.holidays

    assert cli.main(["plan", "calendar", str(plan), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["working_weekdays"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    assert [h["date"] for h in shown["holidays"]] == list(settings.holidays)
    assert {"date": "2026-12-25", "name": "Christmas Day"} in shown["holidays"]


def test_bad_calendar_input_is_one_line_and_leaves_the_plan_alone(tmp_path, capsys):
    plan = tmp_path / "plan.gpkg"
    shutil.copy(resource_path("sample", "sample_plan.gpkg"), plan)
    before = plan.read_bytes()
    assert cli.main(["plan", "calendar", str(plan), "--public-holidays", "FR"]) == 2
    assert capsys.readouterr().err == ("error: no public holidays for country 'FR'; known: "
                                       "AU, CA, DE, GB, NL, US\n")
    assert cli.main(["plan", "calendar", str(plan), "--public-holidays", "US-XX"]) == 2
    assert capsys.readouterr().err.startswith("error: US has no region 'XX'; known: AK, AL")
    for bad, why in ((["--add", "2026-13-01"], "'2026-13-01' is not a date YYYY-MM-DD"),
                     (["--weekdays", "Funday"], "weekdays are Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
                     (["--public-holidays", "US", "--years", "26"],
                      "26 is not a year from 1900 to 2100")):
        with pytest.raises(SystemExit) as refused:
            cli.main(["plan", "calendar", str(plan), *bad])
        assert refused.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("error: tdesk plan calendar: argument ") and why in err
        assert err.count("\n") == 1, "one line, no usage block"
    assert cli.main(["plan", "calendar", str(plan), "--years", "2027"]) == 2
    assert capsys.readouterr().err == ("error: --years picks the years of --public-holidays; "
                                       "give that too\n")
    assert plan.read_bytes() == before


def test_holiday_names_come_from_the_region_they_were_taken_from(tmp_path, capsys):
    plan = tmp_path / "plan.gpkg"  # a US plan that takes Scotland's bank holidays
    shutil.copy(resource_path("sample", "sample_plan.gpkg"), plan)
    assert cli.main(["plan", "calendar", str(plan), "--public-holidays", "GB-SCT",
                     "--years", "2026"]) == 0
    assert "note: 11 public holidays of GB-SCT in 2026 added (0 already listed)" in \
        capsys.readouterr().err
    assert load_plan(plan).settings.holiday_calendar == "GB-SCT"
    assert cli.main(["plan", "calendar", str(plan), "--add", "2026-12-25"]) == 0
    shown = capsys.readouterr()
    assert "note: 2026-12-25 is already one of the plan's holidays" in shown.err
    lines = shown.out.splitlines()
    assert "holidays: 11 (public holidays of GB-SCT)" in lines
    assert "  2026-05-25 Mon  Spring Bank Holiday" in lines  # not the US "Memorial Day"
    assert "  2026-01-02 Fri  New Year Holiday" in lines  # Scotland's own


def test_a_reader_that_stops_reading_is_not_an_error(tmp_path):
    """``tdesk plan calendar PLAN | head -1`` printed "error: [Errno 32] Broken pipe"."""
    import subprocess
    import sys

    plan = tmp_path / "plan.gpkg"
    shutil.copy(resource_path("sample", "sample_plan.gpkg"), plan)
    code = ("import sys; from territory_desktop.cli import main; "
            f"sys.exit(main(['plan', 'calendar', {str(plan)!r}, '--json']))")
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as child:
        child.stdout.close()  # the reader is gone before anything is written
        err = child.stderr.read()
        assert child.wait(timeout=120) == 0
    assert err == ""


def test_taking_away_a_working_day_under_a_rotation_warns(tmp_path, capsys):
    # The exports plan holds REP-4's rotation: its Friday visits would silently never happen.
    plan = tmp_path / "plan.gpkg"
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "exports_plan.gpkg", plan)
    fridays = sum(v.weekday == 4 for v in load_plan(plan).schedules["REP-4"].visits)
    assert fridays
    assert cli.main(["plan", "calendar", str(plan), "--weekdays", "Mon,Tue,Wed,Thu"]) == 0
    err = capsys.readouterr().err
    assert (f"warning: {fridays} scheduled visits of Samuel Okoye fall on days that are no "
            "longer working days and will not be made: schedule that rep again") in err
    assert cli.main(["plan", "calendar", str(plan), "--weekdays", "Mon,Tue,Wed"]) == 0
    assert "warning" in capsys.readouterr().err  # Thursday's visits now too
    assert cli.main(["plan", "calendar", str(plan), "--weekdays", "Mon,Tue,Wed,Thu,Fri"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_fridays_already_driven_keep_their_visits_when_friday_stops_being_a_working_day(
        tmp_path, capsys):
    import datetime as dt

    plan = tmp_path / "plan.gpkg"
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "exports_plan.gpkg", plan)
    assert cli.main(["plan", "calendar", str(plan), "--weekdays", "Mon,Tue,Wed,Thu"]) == 0
    err = capsys.readouterr().err
    kept = load_plan(plan).kept_days
    fridays = {dt.date.fromisoformat(day) for _rep, day in kept}
    assert fridays and {d.weekday() for d in fridays} == {4}
    assert max(fridays) < dt.date(2026, 12, 4)  # today in the tests
    assert all(kept[key] for key in kept)  # each with the visits it had
    assert f"note: {len(kept)} days before today keep the visits they had" in err


def test_removing_a_day_that_is_no_holiday_is_an_error_and_writes_nothing(tmp_path, capsys):
    plan = tmp_path / "plan.gpkg"
    shutil.copy(resource_path("sample", "sample_plan.gpkg"), plan)
    assert "2026-07-08" not in load_plan(plan).settings.holidays
    before = plan.read_bytes()
    out = tmp_path / "out.gpkg"
    assert cli.main(["plan", "calendar", str(plan), "--remove", "2026-07-08", "-o", str(out)]) == 2
    assert capsys.readouterr().err == "error: 2026-07-08 is not one of the plan's holidays\n"
    assert not out.exists()
    assert cli.main(["plan", "calendar", str(plan), "--add", "2026-07-09",
                     "--remove", "2026-07-08"]) == 2  # nor is the plan itself changed
    assert capsys.readouterr().err == "error: 2026-07-08 is not one of the plan's holidays\n"
    assert plan.read_bytes() == before
