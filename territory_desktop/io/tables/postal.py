"""Postal-code centroids (GeoNames, offline) for accounts and reps without coordinates."""

from __future__ import annotations

import functools
import gzip
import re

from territory_desktop.io.tables.columns import _norm
from territory_desktop.resources import resource_path

# ---------------------------------------------------------------------------------------------
# Postal codes

POSTAL_COUNTRIES = ("US", "CA", "DE", "GB", "NL", "AU")

_COUNTRY_NAMES = {
    "us": "US", "usa": "US", "unitedstates": "US", "unitedstatesofamerica": "US", "america": "US",
    "ca": "CA", "can": "CA", "canada": "CA",
    "de": "DE", "deu": "DE", "germany": "DE", "deutschland": "DE",
    "gb": "GB", "gbr": "GB", "uk": "GB", "unitedkingdom": "GB", "greatbritain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northernireland": "GB",
    "nl": "NL", "nld": "NL", "netherlands": "NL", "thenetherlands": "NL", "nederland": "NL",
    "holland": "NL",
    "au": "AU", "aus": "AU", "australia": "AU",
}


def _country_code(text: str) -> str | None:
    return _COUNTRY_NAMES.get(_norm(text))


def normalise_postal_code(code: str, country: str) -> str:
    """Return the form GeoNames uses: US 5 digits, CA/GB outward code, NL 4 digits, DE 5, AU 4."""
    s = code.strip().upper()
    digits = re.sub(r"\D", "", s)
    if country == "US":
        m = re.match(r"^(\d{5})", s)
        if m:
            return m.group(1)
        return digits.zfill(5) if 3 <= len(digits) <= 4 and digits == s else s
    if country == "CA":
        return s.replace(" ", "")[:3]
    if country == "GB":
        if " " in s:
            return s.split()[0]
        return s[:-3] if len(s) >= 5 else s
    if country == "NL":
        return digits[:4] if len(digits) >= 4 else s
    if country == "DE":
        return digits.zfill(5) if digits and len(digits) <= 5 and digits == s else s
    if country == "AU":
        return digits.zfill(4) if digits and len(digits) <= 4 and digits == s else s
    return s


@functools.lru_cache(maxsize=8)
def _postal_index(country: str) -> dict[str, tuple[float, float]]:
    path = resource_path("postal", f"{country}.txt.gz")  # gzip: 7.4 MB of text in 1.5 MB
    sums: dict[str, list[float]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 11:
                continue
            try:
                lat, lon = float(parts[9]), float(parts[10])
            except ValueError:
                continue
            acc = sums.setdefault(parts[1].strip().upper(), [0.0, 0.0, 0.0])
            acc[0] += lat
            acc[1] += lon
            acc[2] += 1
    # A code shared by several places gets the mean of their centroids.
    return {code: (a / n, b / n) for code, (a, b, n) in sums.items()}


def postal_centroid(code: str, country: str) -> tuple[float, float] | None:
    """(lat, lon) of a postal code's GeoNames centroid, or None if unknown."""
    country = country.upper()
    if country not in POSTAL_COUNTRIES or not code.strip():
        return None
    return _postal_index(country).get(normalise_postal_code(code, country))
