"""The Debian packages a Linux bundle needs from the system, found the way dpkg-shlibdeps does.

    python installers/linux_depends.py BUNDLE_FOLDER

The spec leaves the distribution's own libraries out of the bundle (see
``installers/territory_desktop.spec``). This reads every ELF file's ``NEEDED`` entries, drops
those the bundle carries, finds the rest with ``ldconfig -p`` and asks ``dpkg -S`` which package
owns each. Prints two lines for ``DEBIAN/control``: ``Depends: ...`` and ``Recommends: ...``.

Libraries needed only by optional Qt plugins (GTK theme, GLX, Wayland) are recommended, not
required; numba's unused OpenMP/TBB threading layers are ignored. A library that is not
installed on the build machine but is known (Qt's xcb plugin needs libxcb-cursor0,
libxcb-icccm4 and libxcb-keysyms1 on a fresh desktop) is mapped by name; any other unknown
library stops the build.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

# Required whatever the build machine has: Qt's xcb platform plugin needs these on a fresh
# Debian/Ubuntu desktop, and PySide6 6.11 wheels need glibc 2.34+.
ALWAYS = ("libc6 (>= 2.34)", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1")
KNOWN = {  # soname -> package, for libraries this build machine may not have installed
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libgtk-3.so.0": "libgtk-3-0",
    "libgdk-3.so.0": "libgtk-3-0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}
# Loaded only in some desktop sessions (GTK theme, GLX, Wayland); Qt falls back without them.
OPTIONAL = re.compile(r"platformthemes/|xcbglintegrations/|wayland|libQt6Wayland|libQt6WlShell")
# numba's OpenMP and TBB threading layers: the app's kernels never use numba's parallel mode.
IGNORED = re.compile(r"omppool|tbbpool")


def elf_files(folder: Path) -> list[Path]:
    """List the ELF files (executables and libraries) under ``folder``."""
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
            and p.read_bytes()[:4] == b"\x7fELF"]


def needed(path: Path) -> list[str]:
    """List the sonames an ELF file names as ``NEEDED``."""
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)


def system_paths() -> dict[str, str]:
    """Map soname -> path for the native-architecture libraries ``ldconfig`` knows."""
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    paths: dict[str, str] = {}
    for m in re.finditer(r"^\s*(\S+) \(([^)]*)\) => (\S+)$", out, re.M):
        if "x86-64" in m.group(2) or "64bit" in m.group(2) or "AArch64" in m.group(2):
            paths.setdefault(m.group(1), m.group(3))
    return paths


def owner(path: str) -> str | None:
    """Find the package owning ``path`` (tried with and without the /usr prefix: usrmerge)."""
    real = str(Path(path).resolve())
    for candidate in {path, real, real.removeprefix("/usr"), "/usr" + real}:
        done = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.split(":", 1)[0].strip()
    return None


def main(folder: Path) -> None:
    """Print the ``Depends:`` and ``Recommends:`` lines for the bundle in ``folder``."""
    files = elf_files(folder)
    bundled = {p.name for p in folder.rglob("*")}
    wanted: dict[str, bool] = {}  # soname -> required (else only by optional plugins)
    for f in files:
        if IGNORED.search(str(f)):
            continue
        optional = bool(OPTIONAL.search(str(f)))
        for lib in needed(f):
            if lib not in bundled:
                wanted[lib] = wanted.get(lib, False) or not optional
    paths = system_paths()
    depends, recommends, unknown = set(ALWAYS), set(), []
    for lib, required in sorted(wanted.items()):
        package = KNOWN[lib] if lib in KNOWN else (owner(paths[lib]) if lib in paths else None)
        if package is None and lib not in KNOWN:
            unknown.append(lib)
        elif package is not None:
            (depends if required else recommends).add(package)
    if unknown:
        raise SystemExit("error: no package found for " + ", ".join(unknown))
    depends.discard("libc6")  # already required with its version
    print("Depends: " + ", ".join(sorted(depends)))
    print("Recommends: " + ", ".join(sorted(recommends - depends)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python installers/linux_depends.py BUNDLE_FOLDER")
    main(Path(sys.argv[1]))
