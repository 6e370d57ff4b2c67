"""Parsing the values of a CRM export: numbers, visit frequencies, tiers, minutes, coordinates.

Each parser raises ValueError with a reason a user can act on.
"""

from __future__ import annotations

import math
import re

from territory_desktop.model.plan import (
    MAX_EVERY_WEEKS,
    MAX_POTENTIAL,
    MAX_VISIT_MINUTES,
    MIN_EVERY_WEEKS,
)

# ---------------------------------------------------------------------------------------------
# Values

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "once": 1, "two": 2, "twice": 2, "three": 3, "thrice": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "other": 2,
}
_UNIT_WEEKS = {"day": 1 / 7, "week": 1.0, "wk": 1.0, "w": 1.0, "month": 4.0, "mo": 4.0,
               "quarter": 13.0, "year": 52.0, "yr": 52.0}
_FREQUENCY_WORDS = {
    "daily": 1 / 5, "weekly": 1.0, "biweekly": 2.0, "fortnightly": 2.0, "semiweekly": 0.5,
    "semimonthly": 2.0, "monthly": 4.0, "bimonthly": 8.0, "quarterly": 13.0,
    "halfyearly": 26.0, "semiannually": 26.0, "semiannual": 26.0, "yearly": 52.0,
    "annually": 52.0, "annual": 52.0,
}
_NUM = r"(\d+(?:[.,]\d+)?|[a-z]+)"
_UNIT = r"(day|week|wk|w|month|mo|quarter|year|yr)s?"
_EVERY = re.compile(rf"^every\s*{_NUM}?\s*{_UNIT}$")
_PER = re.compile(
    rf"^{_NUM}\s*(?:x|times?|visits?|calls?)?\s*(?:per|a|an|/|every|each|in)\s*"
    rf"(\d+(?:[.,]\d+)?)?\s*{_UNIT}$"
)


def _count(token: str | None) -> float | None:
    if token is None:
        return 1.0
    if token in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[token])
    try:
        return float(token.replace(",", "."))
    except ValueError:
        return None


def parse_frequency(text: str) -> float:
    """Weeks between visits for a frequency such as "weekly", "2x/month" or "4" (per 4 weeks).

    Raises
    ------
    ValueError
        With a reason a user can act on, also for a frequency outside twice a day to once in
        ten years (``1000000000x/day`` is a typo, and would make the scheduler plan a billion
        visits).
    """
    return _sane_weeks(_frequency_weeks(text), f"visit frequency {text.strip()[:40]!r}")


def _sane_weeks(weeks: float, what: str) -> float:
    if not (math.isfinite(weeks) and MIN_EVERY_WEEKS <= weeks <= MAX_EVERY_WEEKS):
        raise ValueError(f"{what} is outside twice a day to once in ten years")
    return weeks


def _frequency_weeks(text: str) -> float:
    s = re.sub(r"\s+", " ", text.strip().casefold())
    if not s:
        raise ValueError("empty visit frequency")
    try:
        n = float(s.replace(",", "."))
    except ValueError:
        pass
    else:
        if not math.isfinite(n) or n <= 0:
            raise ValueError("visits per 4 weeks must be a positive number")
        return 4.0 / n
    s = s.replace("-", "")
    compact = s.replace(" ", "")
    if compact in _FREQUENCY_WORDS:
        return _FREQUENCY_WORDS[compact]
    if s in ("every other week", "every second week"):
        return 2.0
    if s in ("every other month", "every second month"):
        return 8.0
    m = _EVERY.match(s)
    if m:
        every = _count(m.group(1))
        if every is not None and every > 0:
            return every * _UNIT_WEEKS[m.group(2)]
    m = _PER.match(s)
    if m:
        visits = _count(m.group(1))
        span = _count(m.group(2))
        if visits is not None and span is not None and visits > 0 and span > 0:
            return span * _UNIT_WEEKS[m.group(3)] / visits
    raise ValueError(
        "visit frequency not understood (use e.g. weekly, every 2 weeks, monthly, "
        "4 per 4 weeks, or a number of visits per 4 weeks)"
    )


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_SCALE = {"k": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9}


def parse_number(text: str, decimal_comma: bool = False) -> float:
    """Parse a number as CRMs and spreadsheets write it: "1,234.5", "1.234,5", "$2.5M", "39,29".

    ``decimal_comma`` reads a lone comma as the decimal mark (coordinates, semicolon files).

    Raises
    ------
    ValueError
        If the text is not a number.
    """
    if _PLAIN_NUMBER.fullmatch(text):  # most cells: skip the clean-up below
        value = float(text)
        if math.isfinite(value):
            return value
    s = _minus_signs(text.strip()).replace("\u00a0", "").replace("\u202f", "")
    s = s.replace(" ", "").replace("'", "")
    sign = ""
    if s[:1] in "+-":  # "-$5"
        sign, s = s[:1], s[1:]
    s = _CURRENCY_FRONT.sub("", s)  # currency symbols and codes in front
    s = re.sub(r"(?i)(usd|eur|gbp|cad|aud|chf)$", "", s)
    if sign and s[:1] in "+-":
        raise ValueError(f"{text!r} is not a number")
    s = sign + s
    scale = 1.0
    m = re.fullmatch(r"(.*\d)([a-zA-Z]{1,2})", s)
    if m and m.group(2).casefold() in _SCALE:
        s, scale = m.group(1), _SCALE[m.group(2).casefold()]
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s:
        if not decimal_comma and re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", s):
            s = s.replace(",", "")
        elif s.count(",") == 1:
            s = s.replace(",", ".")
        else:
            raise ValueError(f"{text!r} is not a number")
    elif s.count(".") > 1 and re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", s):
        s = s.replace(".", "")
    try:
        value = float(s)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not math.isfinite(value * scale):
        raise ValueError(f"{text!r} is not a finite number")
    return value * scale


# Characters people and programs write for a minus sign: hyphen-minus's look-alikes.
_MINUS_SIGNS = str.maketrans({c: "-" for c in "\u2212\u2010\u2011\u2012\u2013\u2014\ufe63"
                                                 "\uff0d\u02d7\u2796"})
_CURRENCY_FRONT = re.compile(r"(?i)^(?:[$€£¥₹₩₽¢]|usd|eur|gbp|cad|aud|chf|us\$|c\$|a\$)")


def _minus_signs(text: str) -> str:
    return text.translate(_MINUS_SIGNS)


def _parse_tier(text: str) -> str:
    s = re.sub(r"[^0-9a-z]", "", text.casefold())
    s = s.removeprefix("tier").removeprefix("class").removeprefix("priority")
    tier = {"a": "A", "b": "B", "c": "C", "1": "A", "2": "B", "3": "C"}.get(s)
    if tier is None:
        raise ValueError(f"tier {text!r} is not A, B or C (or 1, 2, 3)")
    return tier


def _parse_minutes(text: str) -> float:
    s = text.strip().casefold()
    value: float
    m = re.fullmatch(r"(\d+):(\d{2})", s)
    if m:
        value = int(m.group(1)) * 60 + int(m.group(2))
    else:
        m = re.fullmatch(r"([\d.,]+)\s*(h|hr|hrs|hours?|m|min|mins|minutes?)?", s)
        if not m:
            raise ValueError(f"visit minutes {text!r} is not a number of minutes")
        value = parse_number(m.group(1))
        if m.group(2) and m.group(2).startswith("h"):
            value *= 60
    if value <= 0:
        raise ValueError("visit minutes must be positive")
    if value > MAX_VISIT_MINUTES:
        raise ValueError(f"{value:g} visit minutes is longer than a day")
    return value


_HEMISPHERES = {"lat": {"N": 1, "S": -1}, "lon": {"E": 1, "W": -1}}
_COORDINATE = re.compile(r"^([+-]?)(\d+(?:[.,]\d+)?|[.,]\d+)$")


def parse_coordinate(text: str, key: str) -> float:
    """Decimal degrees of a latitude (``key`` "lat") or longitude ("lon").

    Accepts a sign written as any dash or minus, a hemisphere letter before or after
    (``W118.24``, ``33.87 S``), a degree sign, and a decimal comma. Anything else is refused:
    a coordinate whose sign cannot be trusted is worse than none.

    Raises
    ------
    ValueError
        With the reason.
    """
    what = "latitude" if key == "lat" else "longitude"
    s = _minus_signs(text.strip()).upper().replace("°", "").replace(" ", "")
    letters = _HEMISPHERES[key]
    factor = 1
    if len(s) > 1 and ((s[0].isalpha() and not s[1].isalpha())
                       or (s[-1].isalpha() and not s[-2].isalpha())):
        letter = s[0] if s[:1].isalpha() else s[-1]
        if letter not in letters:
            raise ValueError(f"{what} {text!r}: {letter} is not a hemisphere of a {what} "
                             f"({' or '.join(letters)})")
        factor = letters[letter]
        s = s[1:] if s[:1].isalpha() else s[:-1]
        if s[:1] in "+-":
            raise ValueError(f"{what} {text!r} has both a sign and a hemisphere letter")
    m = _COORDINATE.fullmatch(s)
    if m is None:
        raise ValueError(f"{what} {text!r} is not a number")
    value = float(m.group(2).replace(",", "."))
    return factor * (-value if m.group(1) == "-" else value)


def _potential(value: float) -> float:
    if value < 0:
        raise ValueError("potential must not be negative")
    if value > MAX_POTENTIAL:
        raise ValueError(f"potential {value:g} is above {MAX_POTENTIAL:g}")
    return value


def _score(text: str) -> float:
    value = parse_number(text)
    if abs(value) > MAX_POTENTIAL:
        raise ValueError(f"score {value:g} is beyond ±{MAX_POTENTIAL:g}")
    return value


def _positive_weeks(text: str) -> float:
    value = parse_number(text)
    if value <= 0:
        raise ValueError("weeks between visits must be positive")
    return _sane_weeks(value, f"{value:g} weeks between visits")


def _positive_hours(text: str) -> float:
    value = parse_number(text)
    if not 0 < value <= 168:
        raise ValueError("weekly hours must be between 0 and 168")
    return value
