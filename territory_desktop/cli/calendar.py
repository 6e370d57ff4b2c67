"""``tdesk plan calendar``: the plan's working days and holidays, shown or changed.

The same calendar as Edit > Settings: the weekdays reps work and the days nobody visits
(public holidays of a country or region, added on request, and any other day).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import replace
from pathlib import Path

from territory_desktop import clock

__all__ = ["register"]

EXIT_ERROR = 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _weekdays(text: str) -> tuple[int, ...]:
    from territory_desktop.model.schedule import WEEKDAY_NAMES

    names = [n.strip().title()[:3] for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in WEEKDAY_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{text!r}: weekdays are {','.join(WEEKDAY_NAMES)}, comma-separated")
    return tuple(sorted({WEEKDAY_NAMES.index(n) for n in names}))


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year such as 2027") from None
    if not 1900 <= year <= 2100:
        raise argparse.ArgumentTypeError(f"{year} is not a year from 1900 to 2100")
    return year


def _calendar_command(args: argparse.Namespace) -> int:
    from territory_desktop.io.planfile import load_plan, save_plan
    from territory_desktop.model.public_holidays import (
        HolidayError,
        calendar_of,
        holiday_names,
        join_calendar,
        public_holidays,
        split_calendar,
    )
    from territory_desktop.model.rotation_dates import rest_day_note
    from territory_desktop.model.schedule import WEEKDAY_NAMES
    from territory_desktop.optimize.plan_schedule import keep_past_days

    if args.years and not args.public_holidays:
        print("error: --years picks the years of --public-holidays; give that too",
              file=sys.stderr)
        return EXIT_ERROR
    plan = load_plan(args.plan)
    settings = plan.settings
    holidays = set() if args.clear_holidays else {dt.date.fromisoformat(d)
                                                  for d in settings.holidays}
    names: dict[dt.date, str] = {}
    calendar = settings.holiday_calendar
    if args.public_holidays:
        country, region = split_calendar(args.public_holidays)
        years = args.years or [clock.today().year]
        try:
            found = public_holidays(country, years, region)
        except HolidayError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        calendar = join_calendar(country, region)
        names.update(found)
        new_days = {d for d, _ in found} - holidays
        print(f"note: {len(new_days)} public holidays of {calendar} in "
              f"{', '.join(map(str, years))} added ({len(found) - len(new_days)} already listed)",
              file=sys.stderr)
        holidays.update(new_days)
    for day in args.add:
        if day in holidays:
            print(f"note: {day.isoformat()} is already one of the plan's holidays",
                  file=sys.stderr)
        holidays.add(day)
    # A day that is no holiday: a mistyped date, most likely. Writing the plan anyway would
    # say the calendar changed when nothing did.
    if missing := sorted({d for d in args.remove if d not in holidays}):
        listed = ", ".join(d.isoformat() for d in missing)
        print(f"error: {listed} {'is not one' if len(missing) == 1 else 'are none'} of the plan's "
              "holidays", file=sys.stderr)
        return EXIT_ERROR
    holidays.difference_update(args.remove)
    new = replace(settings, holidays=tuple(sorted(d.isoformat() for d in holidays)),
                  working_weekdays=args.weekdays or settings.working_weekdays,
                  holiday_calendar=calendar)
    if new != settings or args.output:
        before, plan = plan, plan.copy()
        plan.settings = new
        if note := rest_day_note(plan, before):
            print(f"warning: {note}", file=sys.stderr)
        plan, kept = keep_past_days(before, plan)
        if kept:
            print(f"note: {kept}", file=sys.stderr)
        out = args.output or args.plan
        save_plan(plan, out)
        print(f"wrote {out}", file=sys.stderr)
    days = sorted(holidays)
    country, region = calendar_of(new)
    for day, name in holiday_names(country, days, region).items():
        names.setdefault(day, name)
    working = [WEEKDAY_NAMES[d] for d in new.working_weekdays]
    if args.json:
        print(json.dumps({"working_weekdays": working, "holiday_calendar": new.holiday_calendar,
                          "holidays": [{"date": d.isoformat(), "name": names.get(d, "")}
                                       for d in days]}, indent=2))
        return 0
    print(f"working days: {', '.join(working)}")
    source = f" (public holidays of {new.holiday_calendar})" if new.holiday_calendar else ""
    print(f"holidays: {len(days)}{source}")
    for day in days:
        print(f"  {day.isoformat()} {day:%a}  {names.get(day, '')}".rstrip())
    return 0


def register(plan: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``calendar`` to the ``tdesk plan`` subcommands."""
    cal = plan.add_parser(
        "calendar", help="show or change the plan's working days and holidays",
        description="Without options, list the working days and holidays. Options change "
        "them and write the plan (the same file unless -o). Holidays are days nobody visits.")
    cal.add_argument("plan", type=Path)
    cal.add_argument("--weekdays", type=_weekdays, metavar="Mon,Tue,...",
                     help="the days reps work, e.g. Mon,Tue,Wed,Thu,Fri")
    cal.add_argument("--public-holidays", metavar="CC[-REGION]",
                     help="add a country's public holidays (AU, CA, DE, GB, NL, US), with a "
                          "region's own (e.g. US-MD, GB-SCT)")
    cal.add_argument("--years", type=_year, nargs="+", metavar="YEAR",
                     help="years of the public holidays (default: this year)")
    cal.add_argument("--add", type=_date, action="append", default=[], metavar="YYYY-MM-DD",
                     help="add a holiday (repeatable)")
    cal.add_argument("--remove", type=_date, action="append", default=[], metavar="YYYY-MM-DD",
                     help="remove a holiday (repeatable), e.g. a public holiday the team works")
    cal.add_argument("--clear-holidays", action="store_true",
                     help="start from no holidays (then add)")
    cal.add_argument("--json", action="store_true", help="machine-readable output")
    cal.add_argument("-o", "--output", type=Path, help="plan to write (default: the plan)")
    cal.set_defaults(func=_calendar_command)
