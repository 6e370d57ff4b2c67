"""The launcher: run.sh finds a supported Python on PATH and names the system libraries Qt lacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import check_qt_libs  # noqa: E402


def _doctor(path: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON"}
    env["PATH"] = path
    return subprocess.run(["/bin/bash", str(ROOT / "run.sh"), "doctor"], capture_output=True,
                          text=True, env=env, timeout=60, check=False)


def test_run_sh_takes_a_supported_python_from_path(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (bin_dir / f"python{version}").symlink_to(sys.executable)
    (bin_dir / "dirname").symlink_to(shutil.which("dirname"))
    done = _doctor(str(bin_dir))
    assert done.returncode == 0, done.stderr
    assert f"Python: python{version} (Python {version}." in done.stdout


def test_run_sh_says_which_pythons_work_when_none_is_found(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dirname").symlink_to(shutil.which("dirname"))
    done = _doctor(str(bin_dir))
    assert done.returncode == 1
    assert "needs Python 3.12 (or 3.11 / 3.13)" in done.stderr
    assert "PYTHON=/path/to/python3.12 ./run.sh" in done.stderr


LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd2b5f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f2c1c000000)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibfoo-unknown.so.7 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2c1be1f000)
"""


def test_missing_libraries_are_named_with_their_packages():
    sonames = check_qt_libs.missing_sonames(LDD_OUTPUT)
    assert sonames == ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1",
                       "libxkbcommon-x11.so.0", "libfoo-unknown.so.7"]
    packages, unknown = check_qt_libs.packages_for(sonames)
    assert packages == ["libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1",
                        "libxkbcommon-x11-0"]
    assert unknown == ["libfoo-unknown.so.7"]


BASE_SYSTEM = {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
               "libstdc++.so.6", "libgcc_s.so.1", "libresolv.so.2"}


@pytest.mark.parametrize("display", [True, False])
def test_every_system_library_qt_loads_has_a_known_package(display):
    """A library our PySide6 links that the table cannot name would leave a user guessing."""
    import PySide6

    wheel = Path(PySide6.__file__).parent
    binaries = check_qt_libs.qt_binaries(display)
    if display:  # the xcb plugin's own library carries most of its dependencies
        binaries.append(wheel / "Qt" / "lib" / "libQt6XcbQpa.so.6")
    needed: set[str] = set()
    for binary in binaries:
        done = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True)
        for line in done.stdout.splitlines():
            name, arrow, where = line.strip().partition(" => ")
            if arrow and str(wheel) not in where:
                needed.add(name)
    direct = {n for n in needed if not n.startswith(("libicu", "ld-linux"))} - BASE_SYSTEM
    # transitive system libraries (krb5, gcrypt...) come with the packages below; these must not
    missing_from_table = {n for n in direct if n.startswith(("libxcb", "libX", "libxkb", "libGL",
                                                             "libEGL", "libnss", "libnspr",
                                                             "libasound", "libdbus", "libfont",
                                                             "libfreetype", "libgbm", "libdrm"))
                          and n not in check_qt_libs.PACKAGES}
    assert not missing_from_table
