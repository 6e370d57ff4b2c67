"""The columnar results reader gives what the row-by-row reader gave, to the last bit.

``data/results_golden.json`` was written by ``data/make_results_golden.py`` with the row-by-row
reader (commit 590c60c): the sample plan's results, two files with every awkward form, and the
sample plan's KPIs for 2026Q3 (territories, reps, team). One edit since, by hand: 2026Q3 is
over as of the tests' today, so its pipeline coverage is blank with its reason (449cce3).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def test_import_and_kpis_match_the_row_by_row_reader():
    sys.path.insert(0, str(DATA))
    try:
        import make_results_golden
    finally:
        sys.path.remove(str(DATA))
    golden = json.loads((DATA / "results_golden.json").read_text(encoding="utf-8"))
    now = json.loads(json.dumps(make_results_golden.digest()))
    assert now["mixed"] == golden["mixed"]
    assert now["sample"] == golden["sample"]
    assert now["sample_kpis"] == golden["sample_kpis"]
