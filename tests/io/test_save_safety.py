"""Issue 9 items 1, 2 (core side), 5-7 for plan files.

A save never lies, never breaks the old file, the autosave or the user's own tables; a damaged
plan is refused in one line.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from shared_paths import SHARED_DATA

from territory_desktop import cli
from territory_desktop.io import planfile, sharing
from territory_desktop.io.planfile import PlanFileChanged, PlanFileError, load_plan, save_plan
from territory_desktop.model.plan import Account, Plan, Rep

BAD_INPUT = SHARED_DATA / "bad-input"


def _plan(n: int = 50, name: str = "p") -> Plan:
    plan = Plan(name=name)
    plan.reps["R1"] = Rep("R1", "Ann", 39.3, -76.6)
    for i in range(n):
        plan.accounts[f"A{i}"] = Account(f"A{i}", f"Account {i}", 39.2 + i * 1e-4, -76.6,
                                         potential=float(i))
    return plan


def _add_user_table(path: Path, name: str, rows: int, payload: int = 100) -> None:
    with sqlite3.connect(path) as conn:
        q = '"' + name.replace('"', '""') + '"'
        conn.execute(f"CREATE TABLE {q} (fid INTEGER PRIMARY KEY, note TEXT)")
        conn.executemany(f"INSERT INTO {q} (note) VALUES (?)",
                         [(f"{i:06d}" + "x" * payload,) for i in range(rows)])
        conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) "
                     "VALUES (?, 'attributes', ?)", (name, name))


def test_user_table_whose_name_holds_a_quote_survives_the_save(tmp_path: Path) -> None:
    path = tmp_path / "plan.gpkg"
    save_plan(_plan(), path)
    _add_user_table(path, 'my "best" customers', 3)
    _add_user_table(path, "big layer", 20_000)
    plan = load_plan(path)
    plan.name = "again"
    save_plan(plan, path)
    with sqlite3.connect(path) as conn:
        assert conn.execute('SELECT count(*) FROM "my ""best"" customers"').fetchone() == (3,)
        assert conn.execute('SELECT count(*) FROM "big layer"').fetchone() == (20_000,)
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
    assert load_plan(path).name == "again"


def test_a_user_table_that_cannot_be_copied_aborts_the_save(tmp_path: Path) -> None:
    """Before: the failure was only logged and the save reported success (item 1)."""
    path = tmp_path / "plan.gpkg"
    save_plan(_plan(), path)
    conn = sqlite3.connect(path)  # a program with its own collation made this table
    conn.create_collation("nocase_de", lambda a, b: (a > b) - (a < b))
    with conn:
        conn.execute("CREATE TABLE calc (a TEXT COLLATE nocase_de)")
        conn.execute("INSERT INTO calc (a) VALUES ('x')")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(PlanFileError, match=r"Cannot save .*plan\.gpkg: copying your table "
                                            r"'calc' from the previous file failed") as err:
        save_plan(_plan(name="changed"), path)
    assert "\n" not in str(err.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.gpkg"]


def test_the_written_file_is_checked_before_it_replaces_the_old(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "plan.gpkg"
    save_plan(_plan(), path)
    before = path.read_bytes()
    real = planfile.write._rows_for

    def drop_last_account(table: str, plan: Plan):  # a writer bug: one row goes missing
        rows, geoms = real(table, plan)
        return (rows[:-1], geoms) if table == "accounts" else (rows, geoms)

    monkeypatch.setattr(planfile.write, "_rows_for", drop_last_account)
    with pytest.raises(PlanFileError, match=r"does not read back the same \(accounts\)"):
        save_plan(_plan(name="changed"), path)
    assert path.read_bytes() == before


def test_read_only_plan_is_refused_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "plan.gpkg"
    save_plan(_plan(), path)
    path.chmod(0o444)
    with pytest.raises(PlanFileError, match="read-only; use Save As"):
        save_plan(_plan(name="changed"), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert load_plan(path).name == "p"


def test_save_keeps_the_mode_and_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "store" / "plan.gpkg"
    real.parent.mkdir()
    save_plan(_plan(), real)
    real.chmod(0o640)
    link = tmp_path / "link.gpkg"
    link.symlink_to(real)
    save_plan(_plan(name="through the link"), link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert load_plan(real).name == "through the link"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


def test_a_save_over_a_file_changed_meanwhile_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.gpkg"
    seen = save_plan(_plan(name="A"), path)
    other = save_plan(_plan(name="B"), path)  # another window saves
    assert other != seen
    with pytest.raises(PlanFileChanged, match="changed by another window or program"):
        save_plan(_plan(name="A again"), path, expect=seen)
    assert load_plan(path).name == "B"
    save_plan(_plan(name="A again"), path, expect=other)
    assert load_plan(path).name == "A again"


def test_autosaves_are_per_window_and_only_crashed_ones_are_offered(tmp_path: Path) -> None:
    path = tmp_path / "plan.gpkg"
    save_plan(_plan(), path)
    a, b = sharing.new_owner(), sharing.new_owner()
    auto_a = planfile.write_autosave(_plan(name="A's work"), path, a)
    auto_b = planfile.write_autosave(_plan(name="B's work"), path, b)
    assert auto_a != auto_b and auto_a.is_file() and auto_b.is_file()
    planfile.discard_autosave(path, b)  # B saves: A's autosave stays
    assert auto_a.is_file() and not auto_b.exists()
    assert planfile.find_recovery(path, b) is None  # A's window is open: not B's to take
    sharing.release(a)  # A's window is gone (a crash leaves its autosave behind)
    assert planfile.find_recovery(path, b) == auto_a


def test_unused_columns_message_only_when_a_user_added_one(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 8 item 14: the message was logged three times for every save."""
    path = tmp_path / "plan.gpkg"
    save_plan(_plan(), path)
    with caplog.at_level(logging.INFO, logger="territory_desktop.io.planfile"):
        save_plan(_plan(), path)
    assert "are not kept" not in caplog.text
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE td_visits ADD COLUMN remark TEXT")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="territory_desktop.io.planfile"):
        save_plan(_plan(), path)
    assert caplog.text.count("are not kept") == 1
    assert "td_visits" in caplog.text and "remark" in caplog.text


@pytest.mark.parametrize(("sql", "problem"), [
    ("UPDATE td_meta SET value=NULL WHERE key='schema_version'", "no valid schema version"),
    ("UPDATE accounts SET potential=-5 WHERE fid=1", "potential must be in"),
    ("UPDATE accounts SET potential='NaN' WHERE fid=1", "potential must be a finite number"),
    ("UPDATE accounts SET every_weeks=9e999 WHERE fid=1", "every_weeks must be a finite"),
    ("UPDATE reps SET weekly_hours=-1", "weekly hours must be in"),
    ("UPDATE td_cadence SET every_weeks=0 WHERE tier='A'", "weeks between visits must be in"),
    ("UPDATE td_settings SET value='x' WHERE key='rotation_start'", "rotation start 'x'"),
    ("UPDATE td_settings SET value='0' WHERE key='rotation_weeks'", "rotation weeks must be"),
    ("UPDATE td_settings SET value='true' WHERE key='rotation_weeks'", "whole number"),
    ("UPDATE accounts SET name=CAST(x'ff00fe' AS TEXT) WHERE fid=1", "damaged"),
    # found by tests/io/test_fuzz_inputs.py: bytes(2**63 - 1) tried to allocate that much,
    # and a binary id reached plan info --json as bytes
    ("UPDATE accounts SET geom=9223372036854775807 WHERE fid=1", "not a GeoPackage blob"),
    ("UPDATE accounts SET id=x'fffe00' WHERE fid=1", "binary data where text belongs"),
    ("UPDATE reps SET id=x'00' WHERE fid=1", "binary data where text belongs"),
])
def test_damaged_values_are_refused_in_one_line(tmp_path: Path, sql: str, problem: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.gpkg"
    save_plan(_plan(), path)
    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    with pytest.raises(PlanFileError, match=problem):
        load_plan(path)
    assert cli.main(["plan", "info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: Cannot open {path}")


def test_a_damaged_plan_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    """Refuse an unforeseen value in one line, with no logged traceback above it.

    The command line runs as a user runs it (no test logging set up): such a value printed
    a logged traceback above the one-line error.
    """
    path = tmp_path / "bad.gpkg"
    save_plan(_plan(), path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE accounts SET geom=9223372036854775807 WHERE fid=1")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-m", "territory_desktop", "plan", "info",
                           str(path), "--json"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 2
    assert done.stderr == (f"error: Cannot open {path}: the file is damaged: table accounts: "
                           "row 1: geometry is not a GeoPackage blob\n")


def test_infinite_coordinate_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.gpkg"
    save_plan(_plan(), path)
    from shapely.geometry import Point

    from territory_desktop.io import gpkg
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE accounts SET geom=? WHERE fid=1",
                     (gpkg.to_blob(Point(float("inf"), 39.0)),))
    with pytest.raises(PlanFileError, match="latitude/longitude must be numbers"):
        load_plan(path)


def test_schema_null_reproducer_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = BAD_INPUT / "schema_null.gpkg"
    assert cli.main(["plan", "info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: Cannot open {path}: the file is damaged: no valid schema version\n"


def test_plan_info_json_is_strict_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.gpkg"
    save_plan(_plan(), path)
    assert cli.main(["plan", "info", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))


_FAULT_CHILD = textwrap.dedent("""
    import json, resource, signal, sys
    from territory_desktop.io import planfile
    from territory_desktop.model.plan import Account, Plan
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    target, limits = sys.argv[1], json.loads(sys.argv[2])
    plan = planfile.load_plan(target)
    plan.name = "new"
    for i in range(300):
        plan.accounts[f"N{i}"] = Account(f"N{i}", "new account", 39.0, -76.0)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    for limit in limits:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
        try:
            planfile.save_plan(plan, target)
            outcome = "saved"
        except planfile.PlanFileError as exc:
            outcome = "error: " + str(exc)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        print(json.dumps([limit, outcome]), flush=True)
        if outcome == "saved":
            break
""")


def test_disk_full_at_every_point_of_the_save_keeps_old_file_and_autosave(
        tmp_path: Path) -> None:
    """Save onto a file system that fills at byte N, for N across the whole save.

    The limit (RLIMIT_FSIZE) also cuts the copy of a user's large table. Each save ends in an
    error naming the file, the old file and the autosave byte for byte as they were, no
    temporary file left; or in a whole new plan.
    """
    target = tmp_path / "plan.gpkg"
    save_plan(_plan(200, name="old"), target)
    _add_user_table(target, 'layer "one"', 3000, payload=200)
    owner = sharing.new_owner()
    auto = planfile.write_autosave(_plan(10, name="autosaved"), target, owner)
    old, auto_bytes = target.read_bytes(), auto.read_bytes()
    size = len(old) + 200_000
    limits = [*list(range(0, size, size // 40)), 10 ** 9]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", _FAULT_CHILD, str(target), json.dumps(limits)],
                          capture_output=True, text=True, env=env, timeout=300)
    outcomes = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0, done.stderr[-2000:]
    assert outcomes[-1][1] == "saved"  # once there is room, the save goes through
    errors = [o for _limit, o in outcomes[:-1]]
    assert len(errors) >= 20 and "saved" not in errors
    for message in errors:
        assert message.startswith(f"error: Cannot save {target}: ") and "\n" not in message
    # every failed attempt left the old file alone (checked once more after the last error)
    assert auto.read_bytes() == auto_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, auto.name])
    saved = load_plan(target)
    assert saved.name == "new" and len(saved.accounts) == 500
    with sqlite3.connect(target) as conn:
        assert conn.execute('SELECT count(*) FROM "layer ""one"""').fetchone() == (3000,)


def test_every_failed_attempt_keeps_the_old_bytes(tmp_path: Path) -> None:
    """The same faults, one attempt per process, checking the old file after each."""
    target = tmp_path / "plan.gpkg"
    save_plan(_plan(200, name="old"), target)
    _add_user_table(target, "big", 2000, payload=200)
    old = target.read_bytes()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for limit in (0, 4096, len(old) // 3, len(old) - 1):
        done = subprocess.run([sys.executable, "-c", _FAULT_CHILD, str(target),
                               json.dumps([limit])], capture_output=True, text=True, env=env,
                              timeout=120)
        (_limit, outcome), = [json.loads(line) for line in done.stdout.splitlines()]
        assert outcome.startswith("error: Cannot save"), outcome
        assert target.read_bytes() == old
