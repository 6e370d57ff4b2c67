"""Speed profile: which roads are drivable, how fast, and what intersections cost.

Speeds
------
Like osmnx's ``add_edge_speeds``, an edge's speed is its parsed ``maxspeed`` tag when present
(numbers in km/h, ``"NN mph"`` converted, lists ``"50;30"``/``"50|30"`` averaged, implicit
values such as ``"DE:urban"`` looked up in :data:`IMPLICIT_MAXSPEEDS`). OSM ``maxspeed`` is
mostly missing, so the per-road-class table :attr:`SpeedProfile.class_kph` decides most travel
times. The default table is close to OSRM's car profile; :meth:`SpeedProfile.for_country`
returns the table overridden for a country (e.g. US speeds are mph-based and higher on
residential streets). Explicit maxspeeds are capped at ``maxspeed_cap_kph`` and scaled by
``maxspeed_factor`` (nobody drives the legal limit on average).

Intersection delay model
------------------------
Pure edge speeds under-estimate city driving by about a fifth (Valhalla, which models turns
and intersections, gave 1.23x the osmnx edge-speed times on the same São Paulo points). We add
a simple node-based delay, no turn restrictions:

* ``traffic_signal_s`` seconds for every ``highway=traffic_signals`` node an edge passes
  through or ends at (the expected wait at a signal, not a full red phase);
* ``junction_s`` seconds when an edge ends at a junction (a node where three or more road
  segments meet), except on motorways/trunks and their links (grade-separated).

Defaults: 3 s per signal, 1 s per junction. They were set so that on the São Paulo extract
our drive times are 1.26x (median over 88,868 pairs) the pure edge-speed times, close to the
1.23x Valhalla/osmnx ratio; with 6 s/2 s the ratio was 1.49x. This is a calibration of the
ratio, not a fit against Valhalla itself (no reference router ran here).
``benchmarks/routing_delay.py`` prints the ratio. Set both to 0 for pure edge-speed times.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

#: Road classes kept by the drivable filter, in code order (the int stored per edge).
ROAD_CLASSES: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "road",
    "service",
)
ROAD_CLASS_CODE: dict[str, int] = {name: i for i, name in enumerate(ROAD_CLASSES)}

#: Classes where ``junction_s`` is not charged (grade-separated roads).
GRADE_SEPARATED: frozenset[str] = frozenset(
    {"motorway", "motorway_link", "trunk", "trunk_link"}
)

_DEFAULT_KPH: dict[str, float] = {
    "motorway": 90.0,
    "motorway_link": 45.0,
    "trunk": 85.0,
    "trunk_link": 40.0,
    "primary": 65.0,
    "primary_link": 30.0,
    "secondary": 55.0,
    "secondary_link": 25.0,
    "tertiary": 40.0,
    "tertiary_link": 20.0,
    "unclassified": 25.0,
    "residential": 25.0,
    "living_street": 10.0,
    "road": 25.0,
    "service": 15.0,
}

#: Per-country overrides of the class table (km/h). Extend as markets are added.
COUNTRY_KPH: dict[str, dict[str, float]] = {
    # US: mph-posted roads, faster arterials and residential streets (25 mph = 40 km/h).
    "US": {
        "motorway": 105.0,
        "motorway_link": 55.0,
        "trunk": 90.0,
        "trunk_link": 45.0,
        "primary": 70.0,
        "secondary": 60.0,
        "tertiary": 50.0,
        "unclassified": 40.0,
        "residential": 40.0,
    },
    "DE": {"motorway": 110.0, "trunk": 90.0, "primary": 70.0, "residential": 30.0},
    "FI": {"motorway": 100.0, "trunk": 80.0, "residential": 30.0},
    "BR": {"motorway": 90.0, "primary": 50.0, "secondary": 40.0, "residential": 25.0},
    "AD": {"trunk": 60.0, "primary": 50.0, "secondary": 40.0},
    "LI": {"primary": 60.0, "secondary": 50.0, "residential": 30.0},
}

#: Implicit maxspeed values (``CC:zone``) in km/h; see the OSM wiki "Default speed limits".
IMPLICIT_MAXSPEEDS: dict[str, float] = {
    "AT:urban": 50, "AT:rural": 100, "AT:motorway": 130,
    "BR:urban": 60, "BR:rural": 90,
    "CH:urban": 50, "CH:rural": 80, "CH:motorway": 120,
    "DE:urban": 50, "DE:rural": 100, "DE:living_street": 7, "DE:bicycle_road": 30,
    "DE:motorway": 130, "DE:zone30": 30,
    "FI:urban": 50, "FI:rural": 80,
    "FR:urban": 50, "FR:rural": 80, "FR:motorway": 130,
    "GB:nsl_single": 96.5, "GB:nsl_dual": 112.7, "GB:motorway": 112.7,
    "IT:urban": 50, "IT:rural": 90, "IT:motorway": 130,
    "US:urban": 40, "US:rural": 88,
    "walk": 6, "living_street": 10,
}

_MPH = 1.609344
_SPEED_RE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")


def parse_maxspeed(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h, or None if it says nothing usable.

    >>> parse_maxspeed("30 mph")
    48.28032
    >>> parse_maxspeed("50;30")
    40.0
    """
    if not value:
        return None
    out = []
    for part in re.split(r"[;|]", value):
        part = part.strip()
        m = _SPEED_RE.match(part)
        if m:
            v = float(m.group(1).replace(",", "."))
            unit = m.group(2)
            if unit == "mph":
                v *= _MPH
            elif unit == "knots":
                v *= 1.852
            out.append(v)
        elif part in IMPLICIT_MAXSPEEDS:
            out.append(float(IMPLICIT_MAXSPEEDS[part]))
    out = [v for v in out if v > 0]
    return sum(out) / len(out) if out else None


@dataclass(frozen=True)
class SpeedProfile:
    """Drivable filter parameters, speeds per road class and the intersection delay model.

    Parameters
    ----------
    class_kph
        Speed (km/h) per road class where ``maxspeed`` is missing.
    include_service
        Keep ``highway=service`` (minus alleys, driveways, parking aisles). osmnx's ``drive``
        network excludes service roads; so do we by default.
    maxspeed_factor
        Multiplier applied to tagged maxspeeds (1.0 = drive at the limit, as osmnx).
    maxspeed_cap_kph
        Tagged maxspeeds above this are capped (``maxspeed=none`` on German autobahns).
    traffic_signal_s, junction_s
        Intersection delays, see the module docstring.
    country
        ISO code the table was made for ("" = default table).
    """

    class_kph: dict[str, float] = field(default_factory=lambda: dict(_DEFAULT_KPH))
    include_service: bool = False
    maxspeed_factor: float = 1.0
    maxspeed_cap_kph: float = 130.0
    traffic_signal_s: float = 3.0
    junction_s: float = 1.0
    country: str = ""

    @classmethod
    def for_country(cls, code: str, **overrides: Any) -> SpeedProfile:
        """Return the default profile with the class table overridden for ISO country ``code``."""
        code = code.upper()
        table = dict(_DEFAULT_KPH)
        table.update(COUNTRY_KPH.get(code, {}))
        return cls(class_kph=table, country=code, **overrides)

    def speed_for_class(self, road_class: str) -> float:
        """Return the speed (km/h) of ``road_class``, or of an unclassified road when unknown."""
        return float(self.class_kph.get(road_class, self.class_kph.get("road", 25.0)))

    def to_json(self) -> str:
        """Canonical JSON (sorted keys): part of the compiled network's content hash."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> SpeedProfile:
        """Return the profile that :meth:`to_json` wrote as ``text``."""
        return cls(**json.loads(text))

    def digest(self) -> str:
        """Return the SHA-256 of :meth:`to_json`: one profile, one digest."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()
