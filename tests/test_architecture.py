"""House rules on imports and module size.

The import-linter contracts in pyproject.toml, the core importing cleanly where Qt cannot
be imported at all (what no static check can see), and no module grown past what one reads.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_import_contracts_hold():
    """Layers, Qt only in qt/, model without io, routing without optimize (pyproject.toml)."""
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_import_contracts_see_an_import_inside_a_function(tmp_path):
    """A Qt import hidden in a function body of a core module breaks the contract."""
    pkg = tmp_path / "core_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "engine.py").write_text("def draw():\n    from PySide6 import QtWidgets\n"
                                   "    return QtWidgets\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = core_pkg\ninclude_external_packages = True\n\n"
        "[importlinter:contract:no-qt]\nname = no Qt\ntype = forbidden\n"
        "source_modules = core_pkg.engine\nforbidden_modules = PySide6\n")
    done = _lint_imports(tmp_path, "--config", str(tmp_path / ".importlinter"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "core_pkg.engine -> PySide6 (l.2)" in done.stdout


def test_core_modules_import_with_qt_unavailable():
    """Import every core module in a fresh interpreter where importing PySide6 fails."""
    script = r"""
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6"):
            raise ImportError("Qt is blocked in this test")
sys.meta_path.insert(0, Block())
import territory_desktop
bad = []
for m in pkgutil.walk_packages(territory_desktop.__path__, "territory_desktop."):
    if m.name.startswith("territory_desktop.qt") or m.name in ("territory_desktop.__main__",):
        continue
    try:
        importlib.import_module(m.name)
    except Exception as exc:
        bad.append(f"{m.name}: {exc}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


MAX_MODULE_LINES = 600


def test_no_module_outgrows_a_read():
    """A module past 600 lines is split by subject (STYLE.md: no 2,000-line main window)."""
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "territory_desktop").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, long
