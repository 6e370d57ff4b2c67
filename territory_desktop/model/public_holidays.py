"""Public holidays of the markets the app knows, from the ``holidays`` library.

A plan's holidays are plain ISO dates (``PlanSettings.holidays``); this module only proposes
them: the public holidays of a country (and optionally one of its regions, e.g. a US state or
England) for some years, with English names, for the user to keep or drop. The countries are
those the app has postal centroids for; the app bundle ships exactly their rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from territory_desktop.model.plan import PlanSettings

__all__ = ["COUNTRIES", "HolidayError", "calendar_of", "day_label", "holiday_names",
           "join_calendar", "public_holidays", "regions", "split_calendar"]

COUNTRIES: dict[str, str] = {
    "AU": "Australia", "CA": "Canada", "DE": "Germany", "GB": "the United Kingdom",
    "NL": "the Netherlands", "US": "the United States",
}
"""ISO code -> the country's name in a sentence (the bundle ships these countries' rules)."""


def day_label(day: dt.date) -> str:
    """Return how a holiday's date is shown: ``Fri 25 Dec 2026``."""
    return f"{day:%a} {day.day} {day:%b %Y}"


class HolidayError(ValueError):
    """A country or region the app has no holiday rules for."""


def split_calendar(text: str) -> tuple[str, str]:
    """Return (country, region) of a holiday calendar written ``US-MD`` or ``GB``."""
    country, _, region = text.strip().partition("-")
    return country.strip().upper(), region.strip().upper()


def join_calendar(country: str, region: str = "") -> str:
    """Return a holiday calendar as written in a plan: ``US-MD``, or ``GB`` with no region."""
    return "-".join(filter(None, (country, region)))


def calendar_of(settings: PlanSettings) -> tuple[str, str]:
    """Return (country, region) the plan's public holidays come from (else its country)."""
    return split_calendar(settings.holiday_calendar or settings.country)


def _calendar(country: str, region: str = "", years: Iterable[int] = ()) -> dict[dt.date, str]:
    import holidays

    code = country.strip().upper()
    if code not in COUNTRIES:
        raise HolidayError(f"no public holidays for country {country!r}; "
                           f"known: {', '.join(sorted(COUNTRIES))}")
    try:
        found = holidays.country_holidays(code, subdiv=region or None, years=list(years),
                                          language="en_US")
    except NotImplementedError as exc:
        raise HolidayError(f"{code} has no region {region!r}; known: "
                           f"{', '.join(regions(code).values())}") from exc
    return dict(found.items())


def public_holidays(country: str, years: Iterable[int],
                    region: str = "") -> list[tuple[dt.date, str]]:
    """Return the public holidays of ``country`` (``region``: one of :func:`regions`) by date.

    Days a holiday is observed on (a Saturday's holiday on the Friday before, in the US) are
    included. Raises :class:`HolidayError` for a country or region without rules.
    """
    return sorted(_calendar(country, region, years).items())


def regions(country: str) -> dict[str, str]:
    """Return the regions of ``country`` with their own holidays: name -> code."""
    import holidays

    code = country.strip().upper()
    if code not in COUNTRIES:
        return {}
    calendar = holidays.country_holidays(code)
    aliases: dict[str, str] = dict(getattr(calendar, "subdivisions_aliases", {}))
    named = {code_: name for name, code_ in aliases.items()}
    return {named.get(sub, sub): sub for sub in calendar.subdivisions}


def holiday_names(country: str, dates: Iterable[dt.date], region: str = "") -> dict[dt.date, str]:
    """Return the public holiday name of each of ``dates`` that is one ("" country: none)."""
    wanted = set(dates)
    if not country.strip() or not wanted:
        return {}
    try:
        calendar = _calendar(country, region, {d.year for d in wanted})
    except HolidayError:
        return {}
    return {d: name for d, name in calendar.items() if d in wanted}
