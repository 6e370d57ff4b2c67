"""Fuzzing machinery for what a user imports or opens.

Shared by ``test_fuzz_inputs.py`` (a fixed number of examples in CI) and
``benchmarks/fuzz_inputs.py`` (longer runs).

Categories follow the reproducers in ``../shared/data/bad-input/``: damaged CSV bytes in any
encoding; damaged XLSX workbooks (bytes of the zip, bytes of one XML part, far cell addresses
and declared dimensions); damaged plan files (bytes, dropped tables, odd values in every
settings, meta and record field). Every case runs the user's command line (``tdesk plan
create --accounts FILE`` then ``plan info --json`` on what it wrote; ``plan info --json`` on a
plan) inside a worker *process* of ``routing_fuzz.Runner``, so a crash signal or a hang fails
that case instead of killing the caller. A case passes with success (and strict JSON) or one
line ``error: <file>: ...`` with exit status 2, within ``routing_fuzz.CASE_TIMEOUT_S``.

Run the worker by hand: ``python tests/io/input_fuzz.py --worker`` (JSON lines in/out).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "routing"))

from routing_fuzz import Runner, mutate  # noqa: E402

# as tests/shared_paths.py has it (this file also runs alone, in a child process)
DATA = Path(os.environ.get("TERRITORY_SHARED_DATA") or ROOT.parent / "shared" / "data")
BAD_INPUT = DATA / "bad-input"
SEED_ACCOUNTS = DATA / "accounts" / "la_metro_healthcare_accounts.csv"
SEED_PLAN = ROOT / "resources" / "sample" / "sample_plan.gpkg"
SEED_ROWS = 25
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252")
XLSX_PARTS = ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml",
              "[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml")
PLAN_TABLES = ("accounts", "reps", "territories", "td_meta", "td_rules", "td_cadence",
               "td_settings", "gpkg_contents", "gpkg_geometry_columns", "gpkg_spatial_ref_sys")
# (table, column, row filter): every settings and meta value and every record field
PLAN_FIELDS = (
    *(("td_settings", "value", f"key='{k}'")
      for k in ("rotation_weeks", "rotation_start", "country", "osm_extract")),
    *(("td_meta", "value", f"key='{k}'") for k in ("schema_version", "plan_name")),
    *(("accounts", c, "fid=1") for c in ("geom", "id", "name", "potential", "tier",
                                        "every_weeks", "visit_minutes", "approximate_location")),
    *(("reps", c, "fid=1") for c in ("geom", "id", "name", "weekly_hours", "skills")),
    *(("territories", c, "fid=1") for c in ("geom", "id", "color", "rep_id", "locked")),
    *(("td_cadence", c, "fid=1") for c in ("tier", "every_weeks", "visit_minutes")),
)
ODD_VALUES: tuple[object, ...] = (None, "", "x", -1, 0, 1e308, "9e999", "-inf", "NaN", 2**63 - 1,
                                  -(2**63), "1e-320", b"\xff\xfe\x00", "2026-13-45",
                                  "a" * 200_000, "\u2212118.2", "'; DROP TABLE accounts;--")


def seed_bytes(workdir: Path) -> dict[str, bytes]:
    """Read the undamaged inputs.

    They are the first rows of the Los Angeles accounts as CSV and as XLSX, and the sample
    plan.
    """
    from openpyxl import Workbook

    lines = SEED_ACCOUNTS.read_text(encoding="utf-8").splitlines()[: SEED_ROWS + 1]
    book = Workbook()
    sheet = book.active
    for record in csv.reader(lines):
        sheet.append(record)
    out = io.BytesIO()
    book.save(out)
    return {".csv": ("\n".join(lines) + "\n").encode("utf-8"), ".xlsx": out.getvalue(),
            ".gpkg": SEED_PLAN.read_bytes()}


def encode(data: bytes, encoding: str) -> bytes:
    """Re-encode the UTF-8 seed as a CRM export in another encoding would be."""
    return data.decode("utf-8").encode(encoding, "replace")


def damage_xlsx_part(data: bytes, part: str, ops: list[tuple[str, float, int]]) -> bytes:
    """Rezip the workbook with the bytes of one XML part damaged.

    The zip itself stays whole, so the XML reader sees the damage: the flipped-bytes
    reproducer's class.
    """
    return _rezip(data, {part: lambda xml: mutate(xml, ops)})


def far_cell_xlsx(data: bytes, column: int, row: int, dimension: str) -> bytes:
    """Add one cell at (``column``, ``row``) and declare ``dimension``.

    This is the sparse-dimensions reproducer's class (one cell at XFD1048576 hung the import).
    """
    from openpyxl.utils import get_column_letter

    ref = f"{get_column_letter(column)}{row}"

    def edit(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"', text)
        cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>far</t></is></c></row>'
        return text.replace("</sheetData>", cell + "</sheetData>").encode("utf-8")

    return _rezip(data, {"xl/worksheets/sheet1.xml": edit})


def _rezip(data: bytes, edits: dict) -> bytes:  # type: ignore[type-arg]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename in edits:
                body = edits[info.filename](body)
            dst.writestr(info, body)
    return out.getvalue()


def damage_plan(data: bytes, workdir: Path, drops: list[int],
                changes: list[tuple[int, int]]) -> bytes:
    """Damage the plan: drop tables and set fields to odd values.

    Tables are indices into ``PLAN_TABLES``; fields are (index into ``PLAN_FIELDS``, index
    into ``ODD_VALUES``): the NULL-schema reproducer's class. Changes the database would
    refuse (a NOT NULL column) are skipped.
    """
    path = workdir / "damage.gpkg"
    path.write_bytes(data)
    conn = sqlite3.connect(path)
    try:
        for which, value in changes:
            table, column, where = PLAN_FIELDS[which % len(PLAN_FIELDS)]
            with contextlib.suppress(sqlite3.Error):
                conn.execute(f"UPDATE {table} SET {column}=? WHERE {where}",
                             (ODD_VALUES[value % len(ODD_VALUES)],))
        for which in drops:
            with contextlib.suppress(sqlite3.Error):
                conn.execute(f"DROP TABLE {PLAN_TABLES[which % len(PLAN_TABLES)]}")
        conn.commit()
    finally:
        conn.close()
    damaged = path.read_bytes()
    path.unlink()
    return damaged


class InputRunner(Runner):
    """``routing_fuzz.Runner`` with this module's worker: the cases are import and plan files."""

    def _start(self) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, bufsize=1,
        )  # fmt: skip


def _cli(argv: list[str], file: str) -> dict:  # type: ignore[type-arg]
    """Run ``tdesk argv`` here; a ``--json`` answer must be strict JSON (no NaN/Infinity)."""
    import traceback

    from territory_desktop.cli import main

    err, out = io.StringIO(), io.StringIO()
    step: dict = {"argv": argv, "file": [file]}  # type: ignore[type-arg]
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            step["rc"] = int(main(argv))
    except SystemExit as exc:
        step["rc"] = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        step["rc"] = 1
        step["traceback"] = traceback.format_exc()
    step["err"] = err.getvalue()
    if step["rc"] == 0 and "--json" in argv:
        try:
            json.loads(out.getvalue(), parse_constant=_refuse_constant)
        except ValueError as exc:
            step["rc"] = 1
            step["traceback"] = f"not strict JSON: {exc}"
    return step


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} in the JSON")


def _case(path: str) -> list[dict]:  # type: ignore[type-arg]
    if path.endswith(".gpkg"):
        return [_cli(["plan", "info", path, "--json"], path)]
    out = f"{path}.out.gpkg"
    steps = [_cli(["plan", "create", "--accounts", path, "-o", out], path)]
    if steps[0]["rc"] == 0:  # what the import wrote opens as a plan again
        steps.append(_cli(["plan", "info", out, "--json"], out))
    return steps


def _worker() -> int:
    for line in sys.stdin:
        req = json.loads(line)
        steps = _case(req["path"])
        for p in Path(req["path"]).parent.glob(Path(req["path"]).name + ".*"):
            with contextlib.suppress(OSError):
                p.unlink()
        sys.stdout.write(json.dumps({"steps": steps}) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__" and "--worker" in sys.argv:
    sys.exit(_worker())
