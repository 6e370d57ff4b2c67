"""The one atomic-write helper and the one file hash (territory_desktop.files)."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from territory_desktop.files import atomic_open, atomic_path, file_sha256


def test_atomic_open_replaces_the_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    with atomic_open(target, "w", encoding="utf-8") as f:
        f.write("new")
        assert target.read_text(encoding="utf-8") == "old"  # nothing visible until the end
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temp(tmp_path):
    target = tmp_path / "net.npz"
    target.write_bytes(b"old bytes")
    with pytest.raises(RuntimeError, match="disk full"), atomic_open(target, durable=True) as f:
        f.write(b"half of the new")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.npz"]


def test_atomic_path_keeps_the_suffix_for_writers_that_choose_by_it(tmp_path):
    target = tmp_path / "m.npz"
    with atomic_path(target, durable=True) as tmp:
        assert tmp.parent == tmp_path and tmp.name.endswith(".npz") and tmp.name != "m.npz"
        np.savez(tmp, a=np.arange(3))  # savez would append .npz to any other name
    with np.load(target) as z:
        assert z["a"].tolist() == [0, 1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_atomic_open_refuses_a_read_mode(tmp_path):
    with pytest.raises(ValueError, match="mode 'rb'"), atomic_open(tmp_path / "x", "rb"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_file_sha256_of_a_real_extract(shared_data):
    path = shared_data / "osm" / "west-oakland_osmnx.osm.bz2"
    assert file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_formula_safe_defuses_formulas_and_keeps_numbers_exact():
    from territory_desktop.files import formula_safe

    cells = ["=1+2", "@SUM(A1)", "\tx", "\rx", "+1 555", "-minus", "-1042", "+1", "2.5e3", "",
             "ok"]
    assert [formula_safe(c) for c in cells] == [
        "'=1+2", "'@SUM(A1)", "'\tx", "'\rx", "'+1 555", "'-minus", "-1042", "+1", "2.5e3", "",
        "ok"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_a_new_file_gets_the_umask_s_mode_and_a_replaced_one_keeps_its_own(tmp_path):
    old = os.umask(0o022)
    try:
        new = tmp_path / "new.csv"
        with atomic_open(new, "w", encoding="utf-8") as f:
            f.write("a\n")
        kept = tmp_path / "kept.csv"
        kept.write_text("old\n", encoding="utf-8")
        kept.chmod(0o640)
        with atomic_open(kept, "w", encoding="utf-8") as f:
            f.write("new\n")
    finally:
        os.umask(old)
    assert new.stat().st_mode & 0o777 == 0o644
    assert kept.stat().st_mode & 0o777 == 0o640 and kept.read_text(encoding="utf-8") == "new\n"
