#!/usr/bin/env python3
"""Check that the system libraries Qt needs are installed; name the Debian/Ubuntu packages if not.

A fresh Linux desktop often lacks libraries Qt's xcb platform plugin and QtWebEngine load at
start (PySide6 6.5+ needs libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1...). Qt then stops with
"Could not load the Qt platform plugin xcb" and no hint. This script asks the dynamic linker
(``ldd``) which libraries of the installed PySide6 cannot be found and prints them with their
packages.

    python scripts/check_qt_libs.py             # the platform plugin for this session, WebEngine
    python scripts/check_qt_libs.py --packages  # only the missing packages, one line (for apt-get)

Exit status: 0 when nothing is missing, 3 when something is (2 for a usage problem).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

# sonames the PySide6 wheels load from the system, and the Debian/Ubuntu package that ships each
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-util.so.1": "libxcb-util1", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0", "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-dri3.so.0": "libxcb-dri3-0", "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1", "libX11.so.6": "libx11-6", "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6", "libXcomposite.so.1": "libxcomposite1",
    "libXdamage.so.1": "libxdamage1", "libXext.so.6": "libxext6", "libXfixes.so.3": "libxfixes3",
    "libXrandr.so.2": "libxrandr2", "libXtst.so.6": "libxtst6", "libXrender.so.1": "libxrender1",
    "libxkbcommon.so.0": "libxkbcommon0", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbfile.so.1": "libxkbfile1", "libGL.so.1": "libgl1", "libEGL.so.1": "libegl1",
    "libGLX.so.0": "libglx0", "libGLdispatch.so.0": "libglvnd0", "libgbm.so.1": "libgbm1",
    "libdrm.so.2": "libdrm2", "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6", "libdbus-1.so.3": "libdbus-1-3", "libnss3.so": "libnss3",
    "libnssutil3.so": "libnss3", "libsmime3.so": "libnss3", "libnspr4.so": "libnspr4",
    "libplc4.so": "libnspr4", "libplds4.so": "libnspr4", "libasound.so.2": "libasound2",
    "libudev.so.1": "libudev1", "libwayland-server.so.0": "libwayland-server0",
    "libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0",
    "libexpat.so.1": "libexpat1", "libz.so.1": "zlib1g", "libpng16.so.16": "libpng16-16",
    "libbrotlidec.so.1": "libbrotli1", "libbrotlicommon.so.1": "libbrotli1",
}


def qt_binaries(display: bool) -> list[Path]:
    """Return the PySide6 files whose libraries must load: Qt's platform plugin and WebEngine."""
    import PySide6  # the wheel's folder; nothing of Qt is loaded by this import

    qt = Path(PySide6.__file__).parent / "Qt"
    plugin = "libqxcb.so" if display else "libqoffscreen.so"
    return [qt / "plugins" / "platforms" / plugin, qt / "lib" / "libQt6WebEngineCore.so.6",
            qt / "libexec" / "QtWebEngineProcess"]


def missing_sonames(ldd_output: str) -> list[str]:
    """Libraries ``ldd`` reports as "not found", in order, without repeats."""
    found: list[str] = []
    for line in ldd_output.splitlines():
        name, _, rest = line.strip().partition(" => ")
        if rest.strip() == "not found" and name not in found:
            found.append(name)
    return found


def packages_for(sonames: list[str]) -> tuple[list[str], list[str]]:
    """(Debian/Ubuntu packages to install, sonames no known package ships)."""
    packages = sorted({PACKAGES[s] for s in sonames if s in PACKAGES})
    return packages, [s for s in sonames if s not in PACKAGES]


def main(argv: list[str] | None = None) -> int:
    """Check every library loads and name the missing system packages; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", action="store_true",
                        help="print only the missing packages, space separated")
    parser.add_argument("--display", choices=("auto", "yes", "no"), default="auto",
                        help="check the xcb plugin (a desktop session) or the headless one")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return 0
    display = args.display == "yes" or (args.display == "auto" and bool(
        os.environ.get("DISPLAY")) and os.environ.get("QT_QPA_PLATFORM", "xcb") == "xcb")
    sonames: list[str] = []
    for binary in qt_binaries(display):
        if not binary.exists():
            print(f"error: {binary} is missing: reinstall PySide6", file=sys.stderr)
            return 3
        done = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=False)
        sonames += [s for s in missing_sonames(done.stdout) if s not in sonames]
    packages, unknown = packages_for(sonames)
    if args.packages:
        print(" ".join(packages))
    elif sonames:
        print(f"Qt cannot start: missing system libraries {', '.join(sonames)}.", file=sys.stderr)
        if packages:
            print(f"Install them with: sudo apt-get install {' '.join(packages)}", file=sys.stderr)
        if unknown:
            print(f"Find the package for {', '.join(unknown)} with your distribution's package "
                  "search (e.g. apt-file search, dnf provides).", file=sys.stderr)
    return 3 if sonames else 0


if __name__ == "__main__":
    sys.exit(main())
