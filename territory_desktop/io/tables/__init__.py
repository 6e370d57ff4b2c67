"""Import accounts and reps from CSV or XLSX exports of a CRM.

Reading (:func:`read_table`) keeps the line number a user sees in a text editor (header = line 1,
quoted newlines counted) or the sheet row for XLSX. Column mapping (:func:`guess_account_mapping`)
recognises Salesforce, HubSpot, Dynamics 365 and generic column names, ignoring case and
punctuation. Import (:func:`import_accounts`, :func:`import_reps`) never drops a row silently:
every row that is skipped, and every value that is ignored, becomes a :class:`RowProblem`.

Rules worth knowing
-------------------
- Required: id, name, and a location: latitude and longitude, or a postal code. Postal codes are
  placed at their GeoNames centroid (US, CA, DE, GB, NL, AU, offline) and marked approximate.
  A 0/0 position is treated as missing (CRMs write it for "no coordinates").
- Tier: taken from a tier column (A/B/C, 1/2/3, "Tier 1"...); otherwise derived by rank from a
  score column, else from potential/revenue: of the rows with a value, the top 20 % are A, the
  next 30 % B, the rest C (equal values share the better tier); blank values are reported. Without
  any of these, the tier whose cadence matches the visit frequency, else C.
- Re-import (``existing``): a row of an account the plan has updates only the fields its mapped
  columns supply (:attr:`ImportResult.fields`); missing or wrong coordinates keep the stored
  location, and a postal-code centroid never replaces a precise one.
- Visit frequency: "weekly", "biweekly", "monthly", "quarterly", "every 3 weeks", "twice a month",
  "4 per 4 weeks", "2x/week", or a bare number = visits per 4 weeks. A month counts as 4 weeks
  (the call-rotation convention), a quarter 13 weeks, a year 52.
- Visit frequency and minutes equal to the tier's cadence are not stored as overrides, so the
  account follows the tier if its cadence changes later.
- Text is kept exactly as written (no markup is interpreted; the map layer escapes it).

The package: ``read`` (CSV/XLSX), ``columns`` (CRM column specs and guessing), ``parsers``
(values), ``postal`` (postal-code centroids), ``tiers`` (tier ranking), ``importing``
(accounts and reps).
"""

from territory_desktop.io.tables.columns import (
    ACCOUNT_FIELD_SPECS,
    ACCOUNT_FIELDS,
    REP_FIELD_SPECS,
    REP_FIELDS,
    FieldSpec,
    guess_account_mapping,
    guess_rep_mapping,
)
from territory_desktop.io.tables.importing import (
    ImportResult,
    RepImportResult,
    import_accounts,
    import_reps,
)
from territory_desktop.io.tables.parsers import parse_frequency, parse_number
from territory_desktop.io.tables.postal import POSTAL_COUNTRIES, postal_centroid
from territory_desktop.io.tables.read import (
    ImportFileError,
    RowProblem,
    SourceRow,
    Table,
    read_table,
)
from territory_desktop.io.tables.tiers import rank_tiers

__all__ = [
    "ACCOUNT_FIELDS",
    "ACCOUNT_FIELD_SPECS",
    "POSTAL_COUNTRIES",
    "REP_FIELDS",
    "REP_FIELD_SPECS",
    "FieldSpec",
    "ImportFileError",
    "ImportResult",
    "RepImportResult",
    "RowProblem",
    "SourceRow",
    "Table",
    "guess_account_mapping",
    "guess_rep_mapping",
    "import_accounts",
    "import_reps",
    "parse_frequency",
    "parse_number",
    "postal_centroid",
    "rank_tiers",
    "read_table",
]
