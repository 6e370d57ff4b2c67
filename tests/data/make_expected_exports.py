"""Regenerate the export golden files in ``tests/data/expected/`` (only on purpose).

Run from the repository root: ``PYTHONPATH=. python tests/data/make_expected_exports.py``. Each
file is what the command line writes for ``exports_plan.gpkg``; the tests compare text exactly
and numbers to 0.01 (a hundredth of a mile or a cent), so a small routing change shows up as a
clear diff, not noise.
"""

from __future__ import annotations

from pathlib import Path

from territory_desktop import cli

DATA = Path(__file__).resolve().parent
PLAN = str(DATA / "exports_plan.gpkg")
OUT = DATA / "expected"
RANGE = ["--rep", "REP-4", "--from", "2025-12-29", "--to", "2026-01-09"]

COMMANDS = {
    "mileage_REP-4.csv": ["mileage", *RANGE, "--rates", "irs"],
    "planned_vs_logged_REP-4.csv": ["planned-vs-logged", *RANGE],
    "expenses_day_REP-4.csv": ["expenses", *RANGE, "--cost-centre", "CC-410"],
    "expenses_trip_REP-4.csv": ["expenses", *RANGE, "--per", "trip", "--date-format",
                                "%m/%d/%Y", "--column", "date=Trip date",
                                "--column", "description=Purpose", "--column", "distance=Miles",
                                "--column", "odometer_start", "--column", "odometer_end",
                                "--column", "amount=Amount (USD)"],
    "assignments.csv": ["assignments"],
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, args in COMMANDS.items():
        code = cli.main(["export", PLAN, *args, "-o", str(OUT / name)])
        if code:
            raise SystemExit(f"{name}: exit {code}")


if __name__ == "__main__":
    main()
