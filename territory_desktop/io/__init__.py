"""Files: the plan file (GeoPackage), CSV/XLSX import of accounts and reps.

Only this package reads and writes plan files. Heavy readers (openpyxl, osmium) are imported where
used, so importing this package stays cheap.
"""

from territory_desktop.io.planfile import (
    SCHEMA_VERSION,
    PlanFileError,
    autosave_path,
    discard_autosave,
    find_recovery,
    load_plan,
    save_plan,
    write_autosave,
)
from territory_desktop.io.tables import (
    ACCOUNT_FIELD_SPECS,
    ACCOUNT_FIELDS,
    REP_FIELD_SPECS,
    REP_FIELDS,
    FieldSpec,
    ImportFileError,
    ImportResult,
    RepImportResult,
    RowProblem,
    SourceRow,
    Table,
    guess_account_mapping,
    guess_rep_mapping,
    import_accounts,
    import_reps,
    read_table,
)

__all__ = [
    "ACCOUNT_FIELDS",
    "ACCOUNT_FIELD_SPECS",
    "REP_FIELDS",
    "REP_FIELD_SPECS",
    "SCHEMA_VERSION",
    "FieldSpec",
    "ImportFileError",
    "ImportResult",
    "PlanFileError",
    "RepImportResult",
    "RowProblem",
    "SourceRow",
    "Table",
    "autosave_path",
    "discard_autosave",
    "find_recovery",
    "guess_account_mapping",
    "guess_rep_mapping",
    "import_accounts",
    "import_reps",
    "load_plan",
    "read_table",
    "save_plan",
    "write_autosave",
]
