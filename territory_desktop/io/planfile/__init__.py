"""The plan file: one GeoPackage that Territory Desktop reads and writes and QGIS opens as layers.

Layout (schema version 3; every table has ``fid INTEGER PRIMARY KEY`` first, rows keep plan order):

==============  ===========  =============================================================
table           kind         columns
==============  ===========  =============================================================
territories     features     geom MULTIPOLYGON (NULL for overlay-only), id, name, color,
                             rep_id, locked
accounts        features     geom POINT, id, name, address, postal_code, segment, industry,
                             potential, tier, every_weeks, visit_minutes, owner, notes,
                             approximate_location, window_start, window_end (minutes from
                             midnight, NULL = any time), closed_weekdays (JSON list, 0 = Mon),
                             same_weekday (0/1)
reps            features     geom POINT (home), id, name, weekly_hours, skills (JSON list),
                             approximate_home, workday_start, workday_end, max_day_minutes,
                             days_off (JSON list of [week, weekday]), home_office (0/1: home
                             legs are business miles)
td_meta         attributes   key, value: schema_version, app_version, plan_name, generator
td_rules        attributes   id, field, value, territory_id (in rule order)
td_cadence      attributes   tier, every_weeks, visit_minutes
td_settings     attributes   key, value: the scalar fields of ``PlanSettings`` (tuples as JSON
                             lists: working_weekdays, holidays; holiday_calendar; plan_id,
                             pack_of of rep packs); a key a plan lacks reads as its default
td_schedule     attributes   rep_id, weeks, seed: one row per rep with a rotation
td_visits       attributes   rep_id, account_id, week, weekday, visit_order, pinned, adhoc
                             (0/1); schedule by schedule, each in its ``visits`` order
td_unplaced     attributes   rep_id, account_id, missing_visits, reason
td_visit_log    attributes   date, rep_id, account_id, status (done/skipped/moved), moved_to,
                             odometer_start, odometer_end, miles, note, unit (mi or km: the
                             readings' and the typed distance's; in log order)
td_kept_days    attributes   rep_id, date, visits (JSON list of [account id, ISO date of the
                             holiday it came from or ""]): a past day as planned before an
                             edit of the rotation would have re-planned it
td_opport-      attributes   id, account_id, amount, stage, created, closed (ISO dates, closed
unities                      NULL for an open deal without one), status (won/lost/open)
td_quotas       attributes   rep_id, period (2026Q3), first_month, months, amount
td_activities   attributes   account_id, date, type (visit/call)
td_snapshots    attributes   snapshot (1, 2, ... in the order taken), taken, period, as_of,
                             label, settings (JSON: the health thresholds used)
td_snapshot_    attributes   snapshot, scope (territory/rep/team), key, name, rep_id, kpi,
kpis                         value (NULL: no figure), reason (why there is none)
td_mileage_rates attributes  period_start, period_end (ISO dates, inclusive), rate (decimal
                             text), currency, unit (mi/km), note, verified (0/1); no gaps;
                             no rows = the shipped IRS rates
td_expense_presets attributes name, columns (JSON list of [field, column name]), date_format,
                             per (day/trip), category, cost_centre
td_scenarios    attributes   name (unique), created (ISO), note: scenarios in plan order
td_scenario_    features     geom MULTIPOLYGON, scenario (its name), id, name, color,
territories                  rep_id, locked: each scenario's territories
td_scenario_    attributes   scenario, account_id, territory_id (by account)
accounts
td_scenario_    attributes   scenario, rep_id: the scenario's team
team
td_scenario_    attributes   scenario, tier, every_weeks, visit_minutes (no rows: the
cadence                      plan's cadence)
td_network      attributes   name, dtype, shape, data: the road network the plan carries (one
                             row per compiled array, raw little-endian bytes; one ``meta`` row
                             of JSON), empty unless stored (``network_rows``)
==============  ===========  =============================================================

CRM results are ``plan.health.results`` (None when none were imported), snapshots
``plan.health.snapshots``; the health thresholds are td_settings keys ``health.<name>``.

Schema 1 had no scheduling columns or tables; ``MIGRATIONS[1]`` adds them with their defaults.
``MIGRATIONS[2]`` adds what schema 3 added (see ``schema._TABLES_V3``: the scenario tables).
``MIGRATIONS[3]`` adds the visit log's ``unit``: schema 3's readings had none and read as miles.
New columns are plain INTEGER/TEXT/REAL so QGIS and GDAL show them as ordinary fields.

All geometry is EPSG:4326 (lon, lat). Territory polygons are stored as MultiPolygon (the layer has
one geometry type, as QGIS prefers) and read back as a Polygon when they have one part.

To add a table for a later feature: declare its :class:`TableSpec` in ``schema.TABLES``, fill it
in ``encode._rows_for`` and read it in ``decode._read_plan``; if old files need changing, bump
``SCHEMA_VERSION`` and add a step to ``MIGRATIONS`` plus a fixture of the previous version under
``tests/io/data/``.

Saving is atomic (temporary file in the same folder, fsync, ``os.replace``, fsync the folder), so a
crash or power cut leaves either the old or the new file. Tables a user added in QGIS are carried
over when a plan is saved over its previous file, and so are columns added to our tables.

The package: ``schema`` (tables, migrations, value checks), ``encode`` and ``decode`` (plan <->
rows; ``health`` for the CRM results and snapshots), ``write`` (the atomic save and its
check), ``carry_over`` (a user's own tables and columns), ``temps`` (temporary files of saves),
``read`` (opening, migrating), ``autosave`` (crash recovery), ``network_rows``
(the stored road network).
"""

from territory_desktop.io.planfile.autosave import (
    autosave_path,
    discard_autosave,
    find_recovery,
    write_autosave,
)
from territory_desktop.io.planfile.read import load_plan, plan_schema_version
from territory_desktop.io.planfile.schema import (
    GENERATOR,
    MAX_ROTATION_WEEKS,
    MIGRATIONS,
    PLAN_SUFFIX,
    SCHEMA_VERSION,
    TABLES,
    Migration,
    PlanFileChanged,
    PlanFileError,
)
from territory_desktop.io.planfile.temps import (
    STALE_TEMP_SECONDS,
    _remove_quietly,  # noqa: F401  (qt/files.py deletes a restored autosave with it)
    remove_stale_temps,
)
from territory_desktop.io.planfile.write import ANY_STAMP, save_plan

__all__ = [
    "ANY_STAMP",
    "GENERATOR",
    "MAX_ROTATION_WEEKS",
    "MIGRATIONS",
    "PLAN_SUFFIX",
    "SCHEMA_VERSION",
    "STALE_TEMP_SECONDS",
    "TABLES",
    "Migration",
    "PlanFileChanged",
    "PlanFileError",
    "autosave_path",
    "discard_autosave",
    "find_recovery",
    "load_plan",
    "plan_schema_version",
    "remove_stale_temps",
    "save_plan",
    "write_autosave",
]
