"""Issue 9 items 3-6, import side: hostile CRM files.

They end in good rows plus one-line problems, or one line refusing the file; never a crash, a
hang or a silently changed value.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from territory_desktop import cli
from territory_desktop.io import tables
from territory_desktop.io.tables import ImportFileError, import_accounts, read_table

HEADER = "Account ID,Account Name,Latitude,Longitude"


def _csv(tmp_path: Path, body: str, name: str = "crm.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def test_sign_loss_reproducer_keeps_every_sign(shared_data: Path) -> None:
    result = import_accounts(shared_data / "bad-input" / "sign_loss.csv")
    got = {a.id: (a.lat, a.lon) for a in result.accounts}
    assert got == {"A1": (34.0522, -118.2437), "A2": (34.0522, -118.2437),
                   "A3": (-33.8688, 151.2093), "A4": (34.0522, -118.2437),
                   "A6": (34.0522, -118.2437)}
    (problem,) = result.problems
    assert (problem.line, problem.column, problem.skipped) == (6, "Longitude", True)
    assert "not a number" in problem.reason


@pytest.mark.parametrize(("lat", "lon", "expected"), [
    ("33.87 S", "151.2 E", (-33.87, 151.2)),
    ("N 34,05", "118,24W", (34.05, -118.24)),
    ("34.05°", "\u2212118.24°", (34.05, -118.24)),
])
def test_coordinates_with_hemispheres_and_dashes(tmp_path: Path, lat: str, lon: str,
                                                 expected: tuple[float, float]) -> None:
    path = _csv(tmp_path, f'{HEADER}\nA1,One,"{lat}","{lon}"\n')
    (account,) = import_accounts(path).accounts
    assert (account.lat, account.lon) == pytest.approx(expected)


@pytest.mark.parametrize(("lat", "lon", "reason"), [
    ("34.05", "W-118.24", "both a sign and a hemisphere"),
    ("34.05", "N118.24", "N is not a hemisphere of a longitude"),
    ("34.05", "inf", "not a number"),
    ("nan", "-118", "not a number"),
    ("1e308", "-118", "not a number"),
])
def test_untrustworthy_coordinates_reject_the_row(tmp_path: Path, lat: str, lon: str,
                                                  reason: str) -> None:
    path = _csv(tmp_path, f"{HEADER}\nA1,One,{lat},{lon}\nA2,Two,34.0,-118.0\n")
    result = import_accounts(path)
    assert [a.id for a in result.accounts] == ["A2"]
    (problem,) = result.problems
    assert problem.line == 2 and problem.skipped and reason in problem.reason


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("Visit Frequency", "1000000000x/day", "outside twice a day to once in ten years"),
    ("Visit Frequency", "1e-320", "outside twice a day to once in ten years"),
    ("Visit Frequency", "1e308", "outside twice a day to once in ten years"),
    ("Potential", "1e308k", "not a finite number"),
    ("Potential", "1e300", "above"),
    ("Potential", "\u22125000", "must not be negative"),
    ("Visit Minutes", "100000", "longer than a day"),
    ("Score", "1e309", "not a finite number"),
])
def test_absurd_numbers_are_ignored_with_row_column_and_reason(
        tmp_path: Path, column: str, value: str, reason: str) -> None:
    path = _csv(tmp_path, f"{HEADER},{column}\nA1,One,34.0,-118.0,{value}\n")
    result = import_accounts(path)
    (account,) = result.accounts  # the row imports, without the absurd value
    assert account.potential is None and account.every_weeks is None
    assert account.visit_minutes is None
    (problem,) = result.problems
    assert (problem.line, problem.column, problem.skipped) == (2, column, False)
    assert reason in problem.reason


def test_hang_reproducer_frequency_is_refused(shared_data: Path) -> None:
    result = import_accounts(shared_data / "bad-input" / "repro_hang_freq.csv")
    assert {a.id: a.every_weeks for a in result.accounts} == {"A1": None, "A2": None}
    assert [p.line for p in result.problems] == [2]


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-be", "utf-16", "utf-16-le",
                                      "utf-16-be"])
def test_wide_encodings_with_or_without_mark_read_correctly(tmp_path: Path,
                                                            encoding: str) -> None:
    body = f"{HEADER}\nA1,Café Zoë,34.0,-118.0\nA2,Two,34.1,-118.1\n"
    result = import_accounts(_csv(tmp_path, body, encoding=encoding))
    assert [a.name for a in result.accounts] == ["Café Zoë", "Two"]
    assert result.problems == []


@pytest.mark.parametrize("damage", ["odd length", "broken surrogate"])
def test_broken_utf16_is_refused_in_one_line(tmp_path: Path, damage: str) -> None:
    data = f"{HEADER}\nA1,One,34.0,-118.0\n".encode("utf-16")
    data = data + b"\x41" if damage == "odd length" else data + b"\x00\xd8\x41\x00"
    path = tmp_path / "crm.csv"
    path.write_bytes(data)
    with pytest.raises(ImportFileError, match=r"crm\.csv: it is not valid UTF-16-LE text "
                                              r"\(byte \d+"):
        read_table(path)


@pytest.mark.parametrize("where", ["early", "late"])
def test_a_nul_byte_rejects_its_row_wherever_it_is(tmp_path: Path, where: str) -> None:
    rows = [f"A{i},Name {i},34.0,-118.0" for i in range(1, 200)]
    hit = 1 if where == "early" else 150
    rows[hit] = rows[hit].replace("Name", "Na\x00me")
    result = import_accounts(_csv(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    assert len(result.accounts) == 198
    assert all("\x00" not in a.name for a in result.accounts)
    (problem,) = result.problems
    assert problem.line == hit + 2 and "NUL" in problem.reason


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.csv"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ImportFileError, match="not a text table"):
        read_table(path)


def _xlsx(tmp_path: Path, edit=None, name: str = "crm.xlsx") -> Path:  # type: ignore[no-untyped-def]
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Account ID", "Account Name", "Latitude", "Longitude"])
    ws.append(["A1", "One", 34.0, -118.0])
    buffer = io.BytesIO()
    wb.save(buffer)
    path = tmp_path / name
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if edit is not None:
                data = edit(item.filename, data)
            if data is not None:
                dst.writestr(item, data)
    return path


@pytest.mark.parametrize(("edit", "message"), [
    (lambda n, d: None if n == "xl/worksheets/sheet1.xml" else d, "the workbook has no sheet"),
    (lambda n, d: d.replace(b'r="B2"', b'r="B!2"') if "sheet1" in n else d,
     "not a readable Excel file"),
    (lambda n, d: d.replace(b"</sheetData>", b"<row>") if "sheet1" in n else d,
     "not a readable Excel file"),
])
def test_damaged_xlsx_is_one_line(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = _xlsx(tmp_path, edit)
    with pytest.raises(ImportFileError, match=message) as err:
        read_table(path)
    assert str(err.value).startswith(f"Cannot read {path}: ") and "\n" not in str(err.value)


def _tdesk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "territory_desktop", *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


def test_flipped_xlsx_reproducer_is_one_line_not_a_segfault(shared_data: Path,
                                                             tmp_path: Path) -> None:
    """Before: a traceback, then exit 139 (the XML parser died at interpreter exit)."""
    source = shared_data / "bad-input" / "0506_xlsx_flip_la.xlsx"
    done = _tdesk("plan", "create", "--accounts", str(source), "-o", str(tmp_path / "t.gpkg"))
    assert done.returncode == 2, done.stderr[-500:]
    assert done.stderr == (f"error: Cannot read {source}: not a readable Excel file "
                           "(mismatched tag: line 1, column 3435)\n")


def test_a_repaired_workbook_prints_no_library_warning(tmp_path: Path) -> None:
    """Refuse a sheet without its relation in one line, with no warning above it.

    Found by tests/io/test_fuzz_inputs.py: openpyxl printed a two-line UserWarning above the
    one-line error.
    """
    path = _xlsx(tmp_path, lambda n, d: d.replace(b' r:id="rId1"', b"")
                 if n == "xl/workbook.xml" else d)
    done = _tdesk("plan", "create", "--accounts", str(path), "-o", str(tmp_path / "t.gpkg"))
    assert done.returncode == 2
    assert done.stderr == f"error: Cannot read {path}: the workbook has no sheet\n"


def test_sparse_xlsx_reproducer_reads_in_a_second(shared_data: Path) -> None:
    """One cell at XFD1048576 hung the import for over 300 s."""
    start = time.perf_counter()
    columns, rows = read_table(shared_data / "bad-input" / "xlsx_sparse_dims.xlsx")
    assert time.perf_counter() - start < 10
    assert columns[:2] == ["account_id", "name"] and len(columns) == 22
    assert len(rows) == 61 and rows[-1].line == 1048576


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "crm.csv"
    path.write_bytes("Account ID\n".encode("utf-16")[:-1])
    assert cli.main(["plan", "create", "--accounts", str(path), "-o",
                     str(tmp_path / "p.gpkg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: Cannot read {path}: ")


def test_parse_number_keeps_signs_and_currencies() -> None:
    assert tables.parse_number("\u2212$1,200") == -1200
    assert tables.parse_number("-$5") == -5
    assert tables.parse_number("$-5") == -5
    with pytest.raises(ValueError):
        tables.parse_number("abc-5")
    with pytest.raises(ValueError):
        tables.parse_number("--5")
