"""Route packs (GPX, ICS, PDF day sheets) checked against the schedule.

Route packs: GPX and ICS parsed back with their libraries and compared with the schedule;
the PDF day sheet's text and its map drawn from the route's road geometry.
"""

from __future__ import annotations

import datetime as dt

import pytest

from territory_desktop import cli
from territory_desktop.clock import hhmm
from territory_desktop.io.exports import build_trips
from territory_desktop.io.exports.routepack import ics_calendar, route_drawing

WEEK = ["--rep", "REP-4", "--week", "2025-12-31"]


@pytest.fixture(scope="module")
def week1(export_plan, sample_network):
    return build_trips(export_plan, "REP-4", dt.date(2025, 12, 29), dt.date(2026, 1, 4),
                       sample_network)


def test_gpx_has_one_route_per_day_with_named_stops_in_order(export_plan_path, export_plan,
                                                             tmp_path, cache, week1):
    import gpxpy

    out = tmp_path / "week.gpx"
    assert cli.main(["export", str(export_plan_path), "gpx", *WEEK, "-o", str(out)]) == 0
    gpx = gpxpy.parse(out.read_text(encoding="utf-8"))
    days = [d for d in week1.days if d.visits]
    assert [r.name for r in gpx.routes] == [
        f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri')[d.date.weekday()]} {d.date}" for d in days]
    schedule = export_plan.schedules["REP-4"]
    assert any(len(d.visits) == 1 for d in days)  # 30 Dec: "1 visit"
    for route, day in zip(gpx.routes, days, strict=True):
        names = [p.name for p in route.points]
        ids = [p.comment for p in route.points[1:-1]]
        assert names[0] == names[-1] == "Home"
        assert ids == [v.place.account_id for v in day.visits]
        assert names[1:-1] == [export_plan.accounts[a].name for a in ids]
        assert route.description == (f"{len(ids)} visit" + ("s" if len(ids) != 1 else ""))
        if day.date.isoformat() == "2025-12-29":  # nothing skipped or moved: the schedule's order
            assert ids == [v.account_id for v in schedule.day(0, 0)]
        for p, v in zip(route.points[1:-1], day.visits, strict=True):
            assert (p.latitude, p.longitude) == pytest.approx((v.place.lat, v.place.lon))
    # Each day's track is the road geometry of its legs, home to home.
    for track, day in zip(gpx.tracks, days, strict=True):
        points = track.segments[0].points
        first, last = day.legs[0].coordinates[0], day.legs[-1].coordinates[-1]
        assert (points[0].latitude, points[0].longitude) == pytest.approx(first)
        assert (points[-1].latitude, points[-1].longitude) == pytest.approx(last)
        metres = track.length_2d()
        assert metres / 1609.344 == pytest.approx(sum(g.routed for g in day.legs
                                                      if g.routed is not None), rel=0.02)
    assert gpx.copyright_author == "OpenStreetMap contributors"


def test_ics_has_one_event_per_visit_with_times_address_and_account_id(export_plan_path,
                                                                      tmp_path, cache, week1):
    from icalendar import Calendar

    out = tmp_path / "week.ics"
    assert cli.main(["export", str(export_plan_path), "ics", *WEEK, "-o", str(out)]) == 0
    cal = Calendar.from_ical(out.read_bytes())
    events = [e for e in cal.walk("VEVENT") if e.get("status") == "CONFIRMED"]
    visits = [(d, v) for d in week1.days for v in d.visits]
    assert len(events) == len(visits) == 10  # 11 planned, 1 skipped, 1 moved within the week
    for ev, (day, v) in zip(events, visits, strict=True):
        start = ev.decoded("dtstart")
        assert start.date() == day.date and start.tzinfo is None  # floating local time
        assert (start - dt.datetime.combine(day.date, dt.time())).total_seconds() == \
            pytest.approx(v.start, abs=30)
        assert (ev.decoded("dtend") - start).total_seconds() == pytest.approx(
            v.depart - v.start, abs=60)
        assert str(ev["location"]) == v.place.label
        assert str(ev["x-territory-desktop-account-id"]) == v.place.account_id
        assert f"Account ID: {v.place.account_id}" in str(ev["description"])
    cancelled = [e for e in cal.walk("VEVENT") if e.get("status") == "CANCELLED"]
    assert len(cancelled) == 1 and "Skipped" in str(cancelled[0]["summary"])
    moved = next(e for e in events if "Moved from 2025-12-30" in str(e["description"]))
    assert moved.decoded("dtstart").date() == dt.date(2026, 1, 2)
    assert str(moved["uid"]).startswith("REP-4/2025-12-30/")  # the UID of the planned visit
    # The plan's holiday in the week is an all-day event in free time, named, saying why.
    holidays = [e for e in cal.walk("VEVENT") if str(e["summary"]).startswith("Holiday")]
    assert [str(e["summary"]) for e in holidays] == ["Holiday: New Year's Day"]
    assert holidays[0].decoded("dtstart") == dt.date(2026, 1, 1)
    assert holidays[0].decoded("dtend") == dt.date(2026, 1, 2)
    assert str(holidays[0]["transp"]) == "TRANSPARENT"
    assert "next working day" in str(holidays[0]["description"])
    assert not any(d.date == dt.date(2026, 1, 1) for d in week1.days)


def test_ics_uids_are_stable_and_sequence_grows_on_re_export(week1):
    first = ics_calendar(week1, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    later = ics_calendar(week1, dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    uids = [str(e["uid"]) for e in first.walk("VEVENT")]
    assert uids == [str(e["uid"]) for e in later.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert all(int(b["sequence"]) > int(a["sequence"])
               for a, b in zip(first.walk("VEVENT"), later.walk("VEVENT"), strict=True))


def test_day_sheet_pdf_lists_stops_times_and_draws_the_road_route(export_plan_path, tmp_path,
                                                                  cache, week1):
    from pypdf import PdfReader
    from reportlab.graphics.shapes import PolyLine

    out = tmp_path / "sheets.pdf"
    assert cli.main(["export", str(export_plan_path), "daysheet", *WEEK, "-o", str(out)]) == 0
    pages = PdfReader(out).pages
    days = [d for d in week1.days if d.visits]
    assert len(pages) == len(days)
    for page, day in zip(pages, days, strict=True):
        text = " ".join(page.extract_text().split())
        assert f"Samuel Okoye (REP-4): {('Mon', 'Tue', 'Wed', 'Thu', 'Fri')[day.date.weekday()]}" \
            f" {day.date}" in text
        road = sum(g.routed or 0.0 for g in day.legs)  # the drawn route, not the odometer
        assert f"{road:.1f} mi and {sum(g.seconds for g in day.legs) / 60:.0f} min driving " \
            "by road" in text
        for v in day.visits:
            assert f"{hhmm(v.start)}-{hhmm(v.depart)}" in text
            assert v.place.account_id in text
        # the Done column is ticked for visits already logged done, left blank otherwise
        assert text.count(" done") == sum(v.status == "done" for v in day.visits)
        assert "© OpenStreetMap contributors" in text
    assert any(v.status == "done" for d in days for v in d.visits)
    day = days[0]
    drawing = route_drawing(day, 500, 250)
    lines = [s for s in drawing.contents if isinstance(s, PolyLine)]
    driven = [g for g in day.legs if g.coordinates]  # a personal odometer gap has no road
    assert len(driven) == len(day.legs) - 1
    assert [len(s.points) // 2 for s in lines] == [len(g.coordinates) for g in driven]
