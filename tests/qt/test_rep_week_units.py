"""A reading logged in miles stays that distance in the rep's week when the unit becomes km.

What a user walkthrough found: odometer 10000 -> 10012 logged under "Miles" read 12 km after
Edit > Settings > Distance units: km, with no conversion or word.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from rep_week_gestures import go_to_cycle_week, log_of, type_into
from settings_gestures import choose_units


def test_a_miles_reading_shows_converted_in_km_and_keeps_its_odometer(week, qtbot):
    tdapp, view = week
    doc, window = tdapp.document, tdapp.window
    window.activateWindow()
    go_to_cycle_week(view, doc.plan, 0)
    row = next(r for r in range(len(view.rows)) if view._cell(r, "Status") == "planned")
    date, aid = view.rows[row]
    assert window.prefs.units == "mi"
    type_into(qtbot, view, row, "Odometer start", "10000")
    type_into(qtbot, view, row, "Odometer end", "10012", Qt.Key.Key_Return)
    logged = log_of(doc, date, aid)
    assert (logged.odometer_start, logged.odometer_end, logged.unit) == (10000, 10012, "mi")
    assert view._cell(row, "Miles") == "12"

    choose_units(qtbot, window, "km")
    window.activateWindow()  # back from the dialog, as a click on the window does
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    row = view.rows.index((date, aid))
    assert view._cell(row, "Miles") == "19.31"  # 12 mi, not 12 km
    assert (view._cell(row, "Odometer start"), view._cell(row, "Odometer end")) == (
        "10000", "10012")  # as the odometer showed them
    tip = view._item(row, "Miles").toolTip()
    assert "10000 → 10012 mi" in tip and "shown in km" in tip
    assert "in mi" in view._item(row, "Odometer end").toolTip()
    assert log_of(doc, date, aid) == logged  # the preference changed nothing in the plan

    type_into(qtbot, view, row, "Log note", "parked far", Qt.Key.Key_Return)
    noted = log_of(doc, date, aid)
    assert (noted.note, noted.distance, noted.unit) == ("parked far", None, "mi")  # readings kept

    type_into(qtbot, view, row, "Miles", "20", Qt.Key.Key_Return)  # typed in km
    typed = log_of(doc, date, aid)
    assert typed.unit == "mi" and typed.distance_in("km") == pytest.approx(20.0)
    assert view._cell(view.rows.index((date, aid)), "Miles") == "20"
