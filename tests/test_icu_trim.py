"""ICU data cut to what an English-only app needs (installers/trim_icu_data.py).

The script runs as the build runs it, on this environment's PySide6; Qt's library and the map
engine's data file must come out small and keep what Qt Core and the map page use in English,
and the script's own checks must stop data that lost what they need.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "installers" / "trim_icu_data.py"
PROBE = """
from PySide6.QtCore import QCollator, QLocale, QStringDecoder
names = ["zebra", "Ålesund", "apple"]
print(sorted(names, key=QCollator(QLocale("sv_SE")).sortKey),
      QStringDecoder("Shift_JIS").isValid(), QStringDecoder("windows-1251").isValid())
"""


def _qt_icu_data() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    assert found, "this PySide6 ships no ICU data library"
    return found[0]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("trim_icu_data", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _trim(full: Path, out: Path) -> Path:
    """Run the script as the build does; return the trimmed file it names."""
    done = subprocess.run([sys.executable, str(SCRIPT), str(full), str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def test_trimmed_icu_data_is_small_and_keeps_what_qt_uses_in_english(tmp_path):
    full = _qt_icu_data()
    trimmed = _trim(full, tmp_path)
    assert trimmed.name == full.name
    assert trimmed.stat().st_size < 6_000_000 < 30_000_000 < full.stat().st_size
    # what goes, on purpose: other languages' tailorings, East Asian multi-byte code pages
    env = dict(os.environ, LD_LIBRARY_PATH=str(trimmed.parent), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.strip()
    assert out == "['Ålesund', 'apple', 'zebra'] False True"


def test_the_build_stops_when_the_trimmed_data_loses_what_qt_needs(tmp_path, monkeypatch):
    script = _script()
    keep = script._unneeded
    monkeypatch.setattr(script, "_unneeded",  # also drop the collation root: sorting breaks
                        lambda name, item: name.startswith("coll/") or keep(name, item))
    with pytest.raises(SystemExit, match="Qt answers differently with the trimmed ICU data"):
        script.trim(_qt_icu_data(), tmp_path)


def _chromium_icu_data() -> Path:
    import PySide6

    found = Path(PySide6.__file__).parent / "Qt" / "resources" / "icudtl.dat"
    assert found.is_file(), f"this PySide6 ships no {found}"
    return found


def test_the_map_engines_icu_data_is_cut_and_still_answers_in_english(tmp_path):
    full = _chromium_icu_data()
    trimmed = _trim(full, tmp_path)
    assert trimmed.name == "icudtl.dat"
    assert trimmed.stat().st_size < 3_000_000 < 9_000_000 < full.stat().st_size


def test_the_build_stops_when_the_map_engine_loses_its_locale_index(tmp_path, monkeypatch):
    script = _script()
    keep = script._unneeded
    monkeypatch.setattr(script, "_unneeded",  # V8 then finds no English under a German system
                        lambda name, item: name.endswith("res_index.res") or keep(name, item))
    with pytest.raises(SystemExit, match="the map page answers differently"):
        script.trim_chromium(_chromium_icu_data(), tmp_path)
