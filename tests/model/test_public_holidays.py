"""Public holidays proposed for a plan's work calendar, from the ``holidays`` library's rules."""

from __future__ import annotations

import datetime as dt

import pytest

from territory_desktop.model import PlanSettings
from territory_desktop.model.public_holidays import (
    HolidayError,
    calendar_of,
    day_label,
    holiday_names,
    public_holidays,
    regions,
    split_calendar,
)


def test_us_federal_holidays_of_2026_with_the_observed_day():
    found = dict(public_holidays("us", [2026]))
    assert found[dt.date(2026, 12, 25)] == "Christmas Day"
    assert found[dt.date(2026, 11, 26)] == "Thanksgiving Day"
    # 4 July 2026 is a Saturday: the federal holiday is observed on Friday 3 July
    assert found[dt.date(2026, 7, 3)] == "Independence Day (observed)"
    assert list(found) == sorted(found)
    assert all(d.year == 2026 for d in found)


def test_a_region_adds_its_own_holidays_to_the_national_ones():
    national = {d for d, _ in public_holidays("GB", [2026])}
    scotland = dict(public_holidays("GB", [2026], regions("GB")["Scotland"]))
    assert set(regions("GB")) == {"England", "Northern Ireland", "Scotland", "Wales"}
    assert scotland[dt.date(2026, 1, 2)]  # 2 January is a bank holiday in Scotland only
    assert dt.date(2026, 1, 2) not in national


def test_names_of_dates_that_are_holidays_and_no_names_without_a_country():
    days = [dt.date(2026, 12, 25), dt.date(2026, 12, 28), dt.date(2026, 12, 29)]
    assert holiday_names("GB", days, "ENG") == {dt.date(2026, 12, 25): "Christmas Day",
                                                dt.date(2026, 12, 28): "Boxing Day (observed)"}
    assert holiday_names("", days) == {}
    assert holiday_names("FR", days) == {}  # not a market the app ships rules for


def test_unknown_countries_and_regions_are_refused_with_what_is_known():
    with pytest.raises(HolidayError, match="no public holidays for country 'FR'; known: AU"):
        public_holidays("FR", [2026])
    with pytest.raises(HolidayError, match=r"US has no region 'XX'; known: .*CA"):
        public_holidays("US", [2026], "XX")


def test_day_label():
    assert day_label(dt.date(2026, 12, 25)) == "Fri 25 Dec 2026"


def test_a_plans_holiday_calendar_else_its_country():
    assert split_calendar(" us-md ") == ("US", "MD") and split_calendar("GB") == ("GB", "")
    assert calendar_of(PlanSettings(country="US")) == ("US", "")
    assert calendar_of(PlanSettings(country="US", holiday_calendar="GB-SCT")) == ("GB", "SCT")
