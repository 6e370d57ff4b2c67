#!/usr/bin/env bash
# Build Territory Desktop for Linux: the one-folder app, a .tar.gz of it and a .deb.
#
#   installers/build_linux.sh            # uses .venv/bin/python (./run.sh setup makes it)
#   PYTHON=/path/to/python installers/build_linux.sh
#
# Needs the dev extras (PyInstaller; without PYTHON, `./run.sh setup` installs them into .venv),
# the map's web assets (scripts/install_web_assets.py, run below) and Debian's tools: dpkg-deb
# and dpkg (package dpkg), readelf, strip and objdump (binutils), ldd and ldconfig (libc-bin).
# A missing tool is installed with apt-get when running as root, else named. Writes to dist/:
#   territory-desktop/                              the one-folder app (run territory-desktop)
#   territory-desktop-VERSION-linux-ARCH.tar.gz     that folder, packed
#   territory-desktop_VERSION_DEBARCH.deb           /opt/territory-desktop, a launcher in
#                                                   /usr/bin, a .desktop entry with icons and
#                                                   the .gpkg MIME type
# No AppImage: appimagetool is neither on PyPI nor in Debian here, and binaries are not
# downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"  # ldconfig, for non-root users too

declare -A PACKAGE_OF=([dpkg-deb]=dpkg [dpkg]=dpkg [readelf]=binutils [strip]=binutils
                       [objdump]=binutils [nm]=binutils [as]=binutils [ld]=binutils
                       [icupkg]=icu-devtools [ldd]=libc-bin [ldconfig]=libc-bin [gzip]=gzip)
missing=()
for tool in "${!PACKAGE_OF[@]}"; do
  command -v "$tool" >/dev/null || missing+=("${PACKAGE_OF[$tool]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing the build's Debian tools: ${missing[*]}"
    apt-get update -qq && apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "error: the build needs Debian packages ${missing[*]}:" \
         "sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
if [ -z "${PYTHON:-}" ]; then
  ./run.sh setup  # .venv with the dev extras (PyInstaller), once; a no-op after that
fi
PY=${PYTHON:-.venv/bin/python}
if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
  echo "error: $PY has no PyInstaller: pip install -e '.[dev]' (or ./run.sh setup)" >&2; exit 1
fi
read -r NAME VERSION < <("$PY" -c 'import tomllib
p = tomllib.load(open("pyproject.toml", "rb"))["project"]
print(p["name"], p["version"])')
DEBARCH=$(dpkg --print-architecture)
APP=dist/$NAME
WORK=build/pyinstaller
step() { printf '[build %5.1fs, load %s] %s\n' "$SECONDS" "$(cut -d' ' -f1 /proc/loadavg)" "$*"; }

step "PyInstaller: $NAME $VERSION (spec installers/territory_desktop.spec)"
"$PY" scripts/install_web_assets.py
QT_QPA_PLATFORM=offscreen "$PY" -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath "$WORK" installers/territory_desktop.spec

TARBALL=dist/$NAME-$VERSION-linux-$(uname -m).tar.gz
DEB=dist/${NAME}_${VERSION}_${DEBARCH}.deb
step "deb: $DEB"
ROOT=build/deb/root
rm -rf build/deb && mkdir -p "$ROOT/DEBIAN" "$ROOT/opt" "$ROOT/usr/bin" \
  "$ROOT/usr/share/applications" "$ROOT/usr/share/mime/packages" \
  "$ROOT/usr/share/icons/hicolor/scalable/apps" "$ROOT/usr/share/doc/$NAME"
cp -al "$APP" "$ROOT/opt/$NAME"  # hard links: no second copy of ~650 MB
# Packed while the .deb is built, each compressing on its own core; only after the hard links
# are made (tar fails on a file whose link count changes as it reads it).
step "tar.gz: $TARBALL"
tar -C dist -cf - "$NAME" | gzip -6 > "$TARBALL" &
PACKING=$!
ln -s "/opt/$NAME/$NAME" "$ROOT/usr/bin/$NAME"
install -m 644 installers/linux/territory-desktop.desktop "$ROOT/usr/share/applications/$NAME.desktop"
install -m 644 installers/linux/territory-desktop-mime.xml "$ROOT/usr/share/mime/packages/$NAME.xml"
install -m 644 installers/linux/copyright "$ROOT/usr/share/doc/$NAME/copyright"
install -m 644 resources/icons/territory-desktop.svg "$ROOT/usr/share/icons/hicolor/scalable/apps/$NAME.svg"
for size in 16 24 32 48 64 128 256 512; do
  mkdir -p "$ROOT/usr/share/icons/hicolor/${size}x${size}/apps"
  install -m 644 "$WORK/territory_desktop/icons/png/$size.png" "$ROOT/usr/share/icons/hicolor/${size}x${size}/apps/$NAME.png"
done
# The desktop, MIME and icon caches are refreshed by the file triggers of desktop-file-utils,
# shared-mime-info and the icon theme packages: no maintainer scripts needed.
mapfile -t RELATIONS < <("$PY" installers/linux_depends.py "$APP")
cat > "$ROOT/DEBIAN/control" <<EOF
Package: $NAME
Version: $VERSION
Architecture: $DEBARCH
Maintainer: Territory Desktop <packaging@territorydesktop.invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
Section: misc
Priority: optional
${RELATIONS[0]}
${RELATIONS[1]}
Description: offline field sales territory planning
 Draw and balance sales territories on a map of real roads, route reps on
 OpenStreetMap data and plan multi-week call rotations, without a network
 connection. Plans are GeoPackage (.gpkg) files.
EOF
dpkg-deb --root-owner-group -Zgzip -z6 --build "$ROOT" "$DEB" >/dev/null
wait "$PACKING"  # the tar.gz's exit status (set -e and pipefail apply)
step "done: $(du -sh --apparent-size "$APP" | cut -f1) unpacked, $(du -h "$TARBALL" | cut -f1) tar.gz, $(du -h "$DEB" | cut -f1) deb"
echo "largest files of the app (MiB):"
# awk reads the whole list: `head` would leave sort writing to a closed pipe (SIGPIPE, and
# pipefail then fails the build now and then).
find "$APP" -type f -printf '%s %P\n' | sort -rn \
  | awk 'NR <= 4 { printf "  %6.1f  %s\n", $1 / 1048576, $2 }'
