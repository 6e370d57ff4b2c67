"""Exports for the rep, finance, calendars, the CRM and GIS tools (Qt-free).

Heavy writers (openpyxl, reportlab, gpxpy, icalendar, pyshp) are imported where used.

``build_trips(plan, rep_id, start, end, network, unit="mi") -> Trips``
    A rep's driving per day: the schedule's road routes with the visit log applied.
``write_mileage_log(trips, path, fmt, rates=None)``, ``planned_vs_logged_report(trips)``
    The IRS-style mileage log (CSV/XLSX/PDF) and planned versus logged miles.
``RateTable``, ``read_rates(path)``, ``default_rates()``
    Dated mileage rates (no gaps, no overlaps), per mile or per km, any currency.
``write_expenses(trips, rates, path, fmt, preset)``, ``ExpensePreset``, ``load_presets``
    Expense-system files with named column presets.
``write_gpx``, ``write_ics``, ``write_day_sheets``
    Route packs per rep and week.
``write_assignments(plan, path, fmt, previous=None, effective=None)``
    Account -> territory -> owner rep for the CRM.
``write_territories``, ``write_accounts``, ``read_territories``
    GeoJSON, KML, GeoPackage and Shapefile, without GDAL.
``reppack.write_rep_pack(plan, rep_id, network, path)``, ``reppack.merge_visit_log(master, pack)``
    One rep's plan with its own clipped roads, and merging its visit log back.
Errors: ``ExportError`` (one line, says what to change). Every file is written atomically.
"""

from territory_desktop.io.exports._files import OSM_ATTRIBUTION, ExportError, Report
from territory_desktop.io.exports.assignments import assignment_rows, write_assignments
from territory_desktop.io.exports.expenses import (
    ExpensePreset,
    expense_lines,
    load_presets,
    save_presets,
    write_expenses,
)
from territory_desktop.io.exports.gis import (
    GIS_FORMATS,
    TerritoryImport,
    read_territories,
    write_accounts,
    write_territories,
)
from territory_desktop.io.exports.mileage import (
    mileage_report,
    planned_vs_logged_report,
    write_mileage_log,
    write_report,
)
from territory_desktop.io.exports.rates import (
    RatePeriod,
    RateTable,
    default_rates,
    read_rates,
    write_rates,
)
from territory_desktop.io.exports.routepack import write_day_sheets, write_gpx, write_ics
from territory_desktop.io.exports.trips import TripDay, TripLeg, Trips, build_trips

__all__ = [
    "GIS_FORMATS",
    "OSM_ATTRIBUTION",
    "ExpensePreset",
    "ExportError",
    "RatePeriod",
    "RateTable",
    "Report",
    "TerritoryImport",
    "TripDay",
    "TripLeg",
    "Trips",
    "assignment_rows",
    "build_trips",
    "default_rates",
    "expense_lines",
    "load_presets",
    "mileage_report",
    "planned_vs_logged_report",
    "read_rates",
    "read_territories",
    "save_presets",
    "write_accounts",
    "write_assignments",
    "write_day_sheets",
    "write_expenses",
    "write_gpx",
    "write_ics",
    "write_mileage_log",
    "write_rates",
    "write_report",
    "write_territories",
]
