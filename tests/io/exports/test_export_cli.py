"""``tdesk export``: bad requests get one clear line, and writing is atomic."""

from __future__ import annotations

import errno
import os

import pytest

from territory_desktop import cli
from territory_desktop.io.exports._files import write_atomic

RANGE = ["--from", "2025-12-29", "--to", "2026-01-09"]


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err, err
    return err


@pytest.mark.parametrize(("args", "message"), [
    (["mileage", "--rep", "REP-9", *RANGE], "no rep with id 'REP-9' in the plan (reps: REP-1"),
    (["mileage", "--rep", "REP-2", *RANGE], "rep REP-2 (Darnell Brooks) has no rotation yet"),
    (["mileage", "--rep", "REP-4", "--from", "2024-03-01", "--to", "2024-03-31"],
     "rep REP-4 has no scheduled visits from 2024-03-01 to 2024-03-31 (the rotation starts on "
     "2025-12-29)"),
    (["mileage", "--rep", "REP-4"], "give the dates: --from DATE --to DATE, or --week DATE"),
    (["expenses", "--rep", "REP-4", "--preset", "nope", *RANGE], "no expense preset named"),
    (["gpx", "--rep", "REP-4", "--from", "2026-07-04", "--to", "2026-07-05"],
     "no scheduled visits from 2026-07-04 to 2026-07-05"),  # a weekend
])
def test_bad_requests_get_one_clear_line(export_plan_path, tmp_path, cache, capsys, args,
                                         message):
    out = tmp_path / {"gpx": "w.gpx"}.get(args[0], "out.csv")
    code = cli.main(["export", str(export_plan_path), *args, "-o", str(out)])
    assert code == 2
    assert message in _error(capsys)
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary left behind


def test_a_target_that_cannot_be_written_is_refused_before_any_work(export_plan_path, tmp_path,
                                                                    cache, capsys):
    missing = tmp_path / "no such folder" / "log.csv"
    assert cli.main(["export", str(export_plan_path), "mileage", "--rep", "REP-4", *RANGE,
                     "-o", str(missing)]) == 2
    assert f"cannot write {missing}: folder" in _error(capsys)
    folder = tmp_path / "a folder.csv"
    folder.mkdir()
    assert cli.main(["export", str(export_plan_path), "assignments", "-o", str(folder)]) == 2
    assert "it is a folder" in _error(capsys)
    if os.geteuid() != 0:  # root writes anywhere; the check is for everyone else
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert cli.main(["export", str(export_plan_path), "assignments", "-o",
                         str(locked / "a.csv")]) == 2
        assert "not writable" in _error(capsys)
    assert cli.main(["export", str(export_plan_path), "mileage", "--rep", "REP-4", *RANGE,
                     "--format", "xlsx", "-o", str(tmp_path / "log.txt")]) == 0


def test_wrong_format_for_the_kind(export_plan_path, tmp_path, cache, capsys):
    assert cli.main(["export", str(export_plan_path), "mileage", "--rep", "REP-4", *RANGE,
                     "-o", str(tmp_path / "log.docx")]) == 2
    assert "mileage: format must be csv or xlsx or pdf" in _error(capsys)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "log.csv"
    target.write_text("the previous export\n", encoding="utf-8")

    def half_then_fail(tmp):
        tmp.write_text("half a fi", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, half_then_fail)
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]


def test_every_export_kind_runs_from_the_command_line(export_plan_path, tmp_path, cache, capsys):
    week = ["--rep", "REP-4", "--week", "2026-01-05"]
    runs = {
        "mileage.pdf": ["mileage", *week, "--unit", "km", "--home-office"],
        "pvl.xlsx": ["planned-vs-logged", *week],
        "expenses.xlsx": ["expenses", *week, "--per", "trip"],
        "week.gpx": ["gpx", *week],
        "week.ics": ["ics", *week],
        "sheets.pdf": ["daysheet", *week],
        "assignments.xlsx": ["assignments"],
        "territories.kml": ["territories"],
        "accounts.shp": ["accounts"],
    }
    for name, args in runs.items():
        assert cli.main(["export", str(export_plan_path), *args, "-o", str(tmp_path / name)]) \
            == 0, name
        assert (tmp_path / name).stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_exported_files_get_a_new_file_s_permissions(export_plan_path, tmp_path, cache, umask):
    # They were all -rw------- (the temporary file's mode): a colleague could not read a log.
    week = ["--rep", "REP-4", "--week", "2026-01-05"]
    runs = {"log.csv": ["mileage", *week], "log.xlsx": ["mileage", *week],
            "log.pdf": ["mileage", *week], "claim.csv": ["expenses", *week],
            "week.gpx": ["gpx", *week], "territories.geojson": ["territories"],
            "accounts.shp": ["accounts"]}
    old = os.umask(umask)
    try:
        for name, args in runs.items():
            assert cli.main(["export", str(export_plan_path), *args, "-o",
                             str(tmp_path / name)]) == 0, name
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert len(modes) > len(runs)  # the shapefile's siblings too
    assert modes == dict.fromkeys(modes, 0o666 & ~umask)


def test_a_write_that_fails_names_the_target_and_the_reason_in_words(tmp_path):
    target = tmp_path / "log.csv"

    def disk_full(tmp):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    with pytest.raises(OSError) as caught:
        write_atomic(target, disk_full)
    assert str(caught.value) == f"cannot write {target}: the disk is full"
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_takes_no_new_files_is_named_not_the_temporary(export_plan_path, capsys):
    assert cli.main(["export", str(export_plan_path), "assignments", "-o", "/proc/exp.csv"]) == 2
    # root may write in /proc but not create files there; anyone else is stopped before
    assert _error(capsys) in (
        "error: cannot write /proc/exp.csv: the folder does not accept new files",
        "error: cannot write /proc/exp.csv: folder /proc is not writable")
