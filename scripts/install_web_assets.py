#!/usr/bin/env python3
"""Install the map's third-party web assets (Leaflet, Leaflet-Geoman) into resources/web/vendor/.

Versions are pinned by resources/web/package.json and package-lock.json; `npm ci` installs exactly
the locked versions from the npm registry. Only the distribution files the page loads are copied,
with each package's LICENSE. The vendor folder is git-ignored: third-party JavaScript is never
committed.

Offline-tolerant: when the vendor folder already holds every file for the current lock file, nothing
is downloaded. Run from anywhere:

    python scripts/install_web_assets.py            # install if missing or stale
    python scripts/install_web_assets.py --force    # reinstall
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent / "resources" / "web"
VENDOR = WEB / "vendor"
STAMP = VENDOR / "installed.json"

# (package folder in node_modules, files relative to it, destination folder under vendor/)
FILES: list[tuple[str, list[str], str]] = [
    (
        "leaflet",
        [
            "LICENSE",
            "dist/leaflet.js",
            "dist/leaflet.css",
            "dist/images/layers.png",
            "dist/images/layers-2x.png",
            "dist/images/marker-icon.png",
            "dist/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png",
        ],
        "leaflet",
    ),
    (
        "@geoman-io/leaflet-geoman-free",
        ["LICENSE", "dist/leaflet-geoman.js", "dist/leaflet-geoman.css"],
        "geoman",
    ),
]


def _lock_digest() -> str:
    return hashlib.sha256((WEB / "package-lock.json").read_bytes()).hexdigest()


def _targets() -> list[tuple[Path, Path]]:
    pairs = []
    for package, files, dest in FILES:
        for rel in files:
            # dist/ is dropped so pages refer to vendor/leaflet/leaflet.js
            target_rel = rel.removeprefix("dist/")
            pairs.append((WEB / "node_modules" / package / rel, VENDOR / dest / target_rel))
    return pairs


def is_installed() -> bool:
    """Tell whether every vendor file exists and was installed from the current lock file."""
    if not STAMP.is_file():
        return False
    try:
        stamp = json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("lock_sha256") == _lock_digest() and all(t.exists() for _, t in _targets())


def install(force: bool = False) -> None:
    """Run ``npm ci`` and copy the dist files and licences into ``vendor/``."""
    if not force and is_installed():
        print(f"web assets up to date in {VENDOR}")
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "npm is not on PATH: install Node.js 18+ or copy resources/web/vendor/ from a build"
        )
    subprocess.run(
        [npm, "ci", "--prefix", str(WEB), "--ignore-scripts", "--no-audit", "--no-fund"],
        check=True,
    )
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    versions = {}
    for package, _, _ in FILES:
        meta = json.loads((WEB / "node_modules" / package / "package.json").read_text("utf-8"))
        versions[package] = meta["version"]
    for source, target in _targets():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    STAMP.write_text(
        json.dumps({"lock_sha256": _lock_digest(), "versions": versions}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"installed {versions} into {VENDOR}")


def main() -> None:
    """Install the pinned web assets unless they are already current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="reinstall even if up to date")
    args = parser.parse_args()
    install(force=args.force)


if __name__ == "__main__":
    main()
