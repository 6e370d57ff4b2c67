"""User preferences as one typed dataclass; the Qt layer persists it with QSettings."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from territory_desktop.units import DistanceUnit, distance_unit

#: The default cadence per tier, written once: (weeks between visits, minutes per visit).
DEFAULT_CADENCE: dict[str, tuple[int, int]] = {"A": (1, 45), "B": (2, 30), "C": (4, 30)}


@dataclass
class Preferences:
    """Everything the user can set once for every plan."""

    units: DistanceUnit = "mi"
    currency: str = "USD"
    default_every_weeks: dict[str, float] = field(
        default_factory=lambda: {t: float(w) for t, (w, _) in DEFAULT_CADENCE.items()})
    default_visit_minutes: dict[str, float] = field(
        default_factory=lambda: {t: float(m) for t, (_, m) in DEFAULT_CADENCE.items()})
    show_basemap: bool = True
    online_tiles: bool = False
    snap_tolerance_m: float = 25.0
    autosave_seconds: int = 60
    recent_files: list[str] = field(default_factory=list)
    max_recent: int = 8
    export_folder: str = ""  # where File > Export last wrote
    last_folder: str = ""  # of the file last picked to read, or the plan last opened or saved as

    def add_recent(self, path: str) -> None:
        """Put ``path`` first in the recent files, once, keeping at most ``max_recent``."""
        self.recent_files = [path] + [p for p in self.recent_files if p != path]
        del self.recent_files[self.max_recent:]

    def to_dict(self) -> dict[str, Any]:
        """Return every preference by name, for the settings store."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preferences:
        """Known keys with the right type win; anything else keeps its default.

        Units stored under an older name ("miles", from before :mod:`territory_desktop.units`)
        read as today's ("mi").
        """
        prefs = cls()
        for f in fields(cls):
            if f.name not in data:
                continue
            value, default = data[f.name], getattr(prefs, f.name)
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, int | float):
                ok = isinstance(value, int | float) and not isinstance(value, bool)
                value = type(default)(value) if ok else value
            else:
                ok = isinstance(value, type(default))
            if f.name == "units" and ok:
                try:
                    value = distance_unit(value)
                except ValueError:
                    ok = False
            if ok:
                setattr(prefs, f.name, value)
        return prefs
