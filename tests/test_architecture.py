"""The core must stay Qt-free: only territory_desktop.qt may import PySide6 or shiboken6."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "territory_desktop"
QT = ("PySide6", "shiboken6")


def _qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {n}"
                  for n in names if n.split(".")[0] in QT]
    return found


def test_no_qt_import_outside_qt_package():
    leaks = []
    for path in PACKAGE.rglob("*.py"):
        if "qt" in path.relative_to(PACKAGE).parts[:1]:
            continue
        leaks += _qt_imports(path)
    assert leaks == []


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
