"""Numba's kernel cache in a frozen build: per user, from any launch folder, bundle-seeded.

Each run is a fresh interpreter that behaves as PyInstaller's does: ``sys.frozen`` set,
``sys._MEIPASS`` the bundle, and the kernel's module loaded from code whose file name is
relative (as PyInstaller stores it), with no source file on disk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import importlib.abc, importlib.util, json, sys
sys.frozen = True
sys._MEIPASS = {bundle!r}
from territory_desktop.kernel_cache import configure
configure()

SOURCE = "from numba import njit\n@njit(cache=True)\ndef add(a, b):\n    return a + {addend}\n"

class FrozenLoader(importlib.abc.Loader):
    def create_module(self, spec):
        return None
    def get_code(self, name):
        return compile(SOURCE, "kernels/probe.py", "exec")  # relative, like PyInstaller's
    def exec_module(self, module):
        exec(self.get_code(module.__name__), module.__dict__)

spec = importlib.util.spec_from_loader("probe", FrozenLoader())
module = importlib.util.module_from_spec(spec)
sys.modules["probe"] = module
spec.loader.exec_module(module)
assert module.add(1, 2) == 1 + {addend}
stats = module.add.stats
print(json.dumps({{"hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values()), "path": stats.cache_path}}))
"""


def launch(cwd: Path, home: Path, bundle: Path, addend: int = 2) -> dict:
    """One launch of the 'frozen app' from ``cwd``: kernels loaded (hits) or compiled (misses)."""
    cwd.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "TDESK_", "XDG_"))}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", PROBE.format(bundle=str(bundle), addend=addend)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_kernels_compile_once_per_user_whatever_the_launch_folder(tmp_path):
    home, bundle = tmp_path / "home", tmp_path / "bundle"
    first = launch(tmp_path / "desktop", home, bundle)
    again = launch(tmp_path / "elsewhere" / "deep", home, bundle)
    assert (first["hits"], first["misses"]) == (0, 1)
    assert (again["hits"], again["misses"]) == (1, 0)
    assert again["path"] == first["path"]
    assert Path(first["path"]).parent == home / ".cache" / "territory-desktop" / "numba"


def test_fresh_install_loads_the_kernels_the_bundle_ships(tmp_path):
    built = launch(tmp_path / "build", tmp_path / "build-home", tmp_path / "bundle")
    seed = tmp_path / "bundle" / "numba_cache" / Path(built["path"]).name
    shutil.copytree(built["path"], seed)
    fresh = launch(tmp_path / "somewhere", tmp_path / "new-user", tmp_path / "bundle")
    assert (fresh["hits"], fresh["misses"]) == (1, 0)
    assert Path(fresh["path"]).is_relative_to(tmp_path / "new-user")


def test_a_changed_module_is_compiled_again(tmp_path):
    home, bundle = tmp_path / "home", tmp_path / "bundle"
    old = launch(tmp_path, home, bundle, addend=2)
    new = launch(tmp_path, home, bundle, addend=3)
    assert new["misses"] == 1 and new["path"] != old["path"]
