"""Route packs for the rep's phone and clipboard: GPX routes, an ICS calendar, PDF day sheets.

All three read the same :class:`~territory_desktop.io.exports.trips.Trips` as the mileage log,
so a skipped visit is gone and a moved one is on its new day everywhere.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from territory_desktop.clock import hhmm
from territory_desktop.io.exports._files import OSM_ATTRIBUTION, write_atomic
from territory_desktop.io.exports.trips import TripDay, Trips, Visit
from territory_desktop.model.schedule import WEEKDAY_NAMES

ODBL = "https://opendatacommons.org/licenses/odbl/"


def _at(date: dt.date, seconds: float) -> dt.datetime:
    return dt.datetime.combine(date, dt.time()) + dt.timedelta(seconds=round(seconds / 60.0) * 60)


def _visit_count(n: int) -> str:
    return f"{n} visit" if n == 1 else f"{n} visits"


def _day_name(day: TripDay) -> str:
    return f"{WEEKDAY_NAMES[day.date.weekday()]} {day.date.isoformat()}"


def visit_uid(rep_id: str, visit_date: str, account_id: str) -> str:
    """Return a calendar UID that stays the same for the same planned visit on every export."""
    return f"{rep_id}/{visit_date}/{account_id}@territory-desktop"


# --------------------------------------------------------------------------------------- GPX
def gpx_document(trips: Trips) -> Any:
    """One GPX route per day (home, the stops in order, home) and the road track it drives."""
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Territory Desktop"
    gpx.name = f"{trips.rep.name} ({trips.rep.id}) {trips.start} to {trips.end}"
    gpx.description = f"Planned routes; road geometry {OSM_ATTRIBUTION}"
    gpx.copyright_author = "OpenStreetMap contributors"
    gpx.copyright_license = ODBL
    for day in trips.days:
        if not day.visits:
            continue
        route = gpxpy.gpx.GPXRoute(name=_day_name(day),
                                   description=_visit_count(len(day.visits)))
        home = day.legs[0].origin
        route.points.append(gpxpy.gpx.GPXRoutePoint(home.lat, home.lon, name="Home"))
        for n, v in enumerate(day.visits, start=1):
            route.points.append(gpxpy.gpx.GPXRoutePoint(
                v.place.lat, v.place.lon, name=v.place.name, comment=v.place.account_id,
                description=f"{n}. {hhmm(v.start)}-{hhmm(v.depart)} {v.place.label}",
                type="visit"))
        route.points.append(gpxpy.gpx.GPXRoutePoint(home.lat, home.lon, name="Home"))
        gpx.routes.append(route)
        track = gpxpy.gpx.GPXTrack(name=_day_name(day), description="road route")
        segment = gpxpy.gpx.GPXTrackSegment()
        for leg in day.legs:
            for lat, lon in leg.coordinates:
                if segment.points and (segment.points[-1].latitude,
                                       segment.points[-1].longitude) == (lat, lon):
                    continue
                segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon))
        track.segments.append(segment)
        gpx.tracks.append(track)
    return gpx


def write_gpx(trips: Trips, path: Path) -> Path:
    """Write :func:`gpx_document` as a GPX 1.1 file, atomically."""
    xml = gpx_document(trips).to_xml(version="1.1")
    return write_atomic(path, lambda tmp: tmp.write_text(xml, encoding="utf-8"))


# --------------------------------------------------------------------------------------- ICS
def _sequence(now: dt.datetime) -> int:
    # Some calendar apps replace an imported event only when SEQUENCE grows: minutes since
    # 2020 grow with every export and stay a small integer.
    return max(0, int((now - dt.datetime(2020, 1, 1, tzinfo=dt.UTC)).total_seconds() // 60))


def ics_calendar(trips: Trips, now: dt.datetime | None = None) -> Any:
    """One event per visit (floating local times from the schedule); skipped ones cancelled.

    Each of the plan's holidays in the range is an all-day event, free time, saying where its
    visits went, so the rep's calendar shows why the day is empty.
    """
    from icalendar import Calendar, Event

    now = now or dt.datetime.now(dt.UTC)
    sequence = _sequence(now)
    rep = trips.rep
    cal = Calendar()
    cal.add("prodid", "-//Territory Desktop//Route pack//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Visits: {rep.name}")

    def event(uid: str, summary: str, visit_place: Any) -> Event:
        ev = Event()
        ev.add("uid", uid)
        ev.add("dtstamp", now)
        ev.add("sequence", sequence)
        ev.add("summary", summary)
        ev.add("location", visit_place.label)
        ev.add("geo", (visit_place.lat, visit_place.lon))
        ev.add("x-territory-desktop-account-id", visit_place.account_id)
        return ev

    for day in trips.days:
        for n, v in enumerate(day.visits, start=1):
            planned_on = v.moved_from or day.date.isoformat()
            ev = event(visit_uid(rep.id, planned_on, v.place.account_id),
                       f"Visit: {v.place.name}", v.place)
            ev.add("dtstart", _at(day.date, v.start))
            ev.add("dtend", _at(day.date, v.depart))
            lines = [f"Account ID: {v.place.account_id}", f"Tier {v.place.tier}",
                     f"Stop {n} of {len(day.visits)}"]
            if v.moved_from:
                lines.append(f"Moved from {v.moved_from}")
            if v.place.notes:
                lines.append(f"Notes: {v.place.notes}")
            ev.add("description", "\n".join(lines))
            ev.add("status", "CONFIRMED")
            cal.add_component(ev)
        for place in day.skipped:
            ev = event(visit_uid(rep.id, day.date.isoformat(), place.account_id),
                       f"Skipped: {place.name}", place)
            ev.add("dtstart", day.date)
            ev.add("status", "CANCELLED")
            ev.add("description", f"Account ID: {place.account_id}\nLogged as skipped")
            cal.add_component(ev)
    for holiday, name in trips.holidays:
        ev = Event()
        ev.add("uid", f"holiday-{holiday.isoformat()}-{rep.id}@territory-desktop")
        ev.add("dtstamp", now)
        ev.add("sequence", sequence)
        ev.add("summary", f"Holiday: {name}" if name else "Holiday")
        ev.add("dtstart", holiday)
        ev.add("dtend", holiday + dt.timedelta(days=1))
        ev.add("transp", "TRANSPARENT")
        ev.add("description", "No visits: a holiday's visits are made on the next working day.")
        cal.add_component(ev)
    return cal


def write_ics(trips: Trips, path: Path, now: dt.datetime | None = None) -> Path:
    """Write :func:`ics_calendar` as an ICS file, atomically."""
    data = ics_calendar(trips, now).to_ical()
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


# ------------------------------------------------------------------------------ day sheets
def route_drawing(day: TripDay, width: float, height: float) -> Any:
    """Draw a small map of the day: the road route (the legs' geometry) and numbered stops."""
    import math

    from reportlab.graphics.shapes import Circle, Drawing, PolyLine, Rect, String
    from reportlab.lib import colors

    points = [p for leg in day.legs for p in leg.coordinates]
    points += [(v.place.lat, v.place.lon) for v in day.visits]
    home = day.legs[0].origin
    points.append((home.lat, home.lon))
    lat0 = sum(p[0] for p in points) / len(points)
    kx = math.cos(math.radians(lat0))  # equirectangular: fine at a city's scale
    xs = [lon * kx for _, lon in points]
    ys = [lat for lat, _ in points]
    pad = 14.0
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    scale = min((width - 2 * pad) / max(max(xs) - min(xs), span * 1e-3),
                (height - 2 * pad - 10) / max(max(ys) - min(ys), span * 1e-3))
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (width / 2 + (lon * kx - cx) * scale, (height + 10) / 2 + (lat - cy) * scale)

    d = Drawing(width, height)
    # types-reportlab types Rect's **kw without Unpack (Circle's has it): each keyword fails.
    frame = Rect(0, 0, width, height, strokeColor=colors.grey,  # type: ignore[arg-type]
                 fillColor=colors.white, strokeWidth=0.5)  # type: ignore[arg-type]
    d.add(frame)
    for leg in day.legs:
        if len(leg.coordinates) > 1:
            flat = [c for lat, lon in leg.coordinates for c in xy(lat, lon)]
            d.add(PolyLine(flat, strokeColor=colors.HexColor("#1f77b4"), strokeWidth=1.6))
    hx, hy = xy(home.lat, home.lon)
    marker = Rect(hx - 4, hy - 4, 8, 8,
                  fillColor=colors.black, strokeColor=colors.white)  # type: ignore[arg-type]
    d.add(marker)
    for n, v in enumerate(day.visits, start=1):
        x, y = xy(v.place.lat, v.place.lon)
        d.add(Circle(x, y, 6, fillColor=colors.HexColor("#d62728"), strokeColor=colors.white))
        d.add(String(x, y - 2.5, str(n), fontSize=7, fillColor=colors.white,
                     textAnchor="middle", fontName="Helvetica-Bold"))
    d.add(String(width - 4, 3, OSM_ATTRIBUTION, fontSize=6, textAnchor="end",
                 fillColor=colors.grey))
    return d


def _visit_row(n: int, v: Visit, style: Any, bold: Any) -> list[Any]:
    from reportlab.platypus import Paragraph

    from territory_desktop.io.exports.pdf import escape

    notes = v.place.notes
    if v.moved_from:
        notes = f"Moved from {v.moved_from}. {notes}".strip()
    return [Paragraph(str(n), style), Paragraph(f"{hhmm(v.start)}-{hhmm(v.depart)}", style),
            Paragraph(f"<b>{escape(v.place.name)}</b><br/>{escape(v.place.account_id)} · tier "
                      f"{escape(v.place.tier)}", style),
            Paragraph(escape(v.place.label), style), Paragraph(escape(notes), style),
            Paragraph("done" if v.status == "done" else "", bold)]  # logged: ticked already


def write_day_sheets(trips: Trips, path: Path) -> Path:
    """One page per day: stops with times, addresses and notes, the day's map, a done column."""
    from reportlab.lib import colors
    from reportlab.lib.units import inch
    from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

    from territory_desktop.io.exports.pdf import build, escape, styles

    s = styles()
    story: list[Any] = []
    days = [d for d in trips.days if d.visits]
    for i, day in enumerate(days):
        # The road route drawn below, distance and time alike (a logged odometer figure
        # beside a routed time read as 20.7 mi in 4 min)
        miles = sum(g.routed or 0.0 for g in day.legs)
        drive = sum(g.seconds for g in day.legs)
        story.append(Paragraph(escape(f"{trips.rep.name} ({trips.rep.id}): {_day_name(day)}"),
                               s["heading"]))
        leave = hhmm(day.visits[0].arrive - day.legs[0].seconds)
        back = hhmm(day.visits[-1].depart + day.legs[-1].seconds)
        story.append(Paragraph(
            f"{_visit_count(len(day.visits))} · leave home {leave} · back home {back} · "
            f"{miles:.1f} {trips.unit} and {drive / 60:.0f} min driving by road", s["body"]))
        rows = [[Paragraph(h, s["bold"]) for h in ("#", "Time", "Account", "Address",
                                                   "Phone / notes", "Done")]]
        rows += [_visit_row(n, v, s["cell"], s["bold"]) for n, v in enumerate(day.visits, 1)]
        table = Table(rows, colWidths=[0.3 * inch, 0.8 * inch, 1.9 * inch, 1.9 * inch,
                                       1.9 * inch, 0.5 * inch], repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Spacer(1, 6), table, Spacer(1, 10), route_drawing(day, 7.3 * inch, 3.6 * inch)]
        if day.skipped:
            names = ", ".join(p.name for p in day.skipped)
            story.append(Paragraph(escape(f"Skipped (logged): {names}"), s["small"]))
        if i < len(days) - 1:
            story.append(PageBreak())
    return build(path, story, landscape_page=False)
