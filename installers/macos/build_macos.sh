#!/usr/bin/env bash
# Build Territory Desktop for macOS: "Territory Desktop.app" and a .dmg.
#
#   installers/macos/build_macos.sh            # uses .venv/bin/python (./run.sh setup makes it)
#   PYTHON=/path/to/python installers/macos/build_macos.sh
#
# 1. PyInstaller (installers/territory_desktop.spec): its BUNDLE step makes the .app with an
#    Info.plist naming .gpkg plans as a document type (the routing kernels compiled ahead of
#    time, installers/compile_kernels.py, with Xcode's clang).
# 2. Ad-hoc code signature over the whole bundle, checked with `codesign --verify --deep --strict`. Ad-hoc: Gatekeeper asks the
#    user to confirm the first launch (right-click > Open); a Developer ID and notarisation
#    would replace "-" below.
# 3. Smoke test of the frozen app (--smoke, offscreen).
# 4. dist/territory-desktop-VERSION-macos-ARCH.dmg (the app plus an Applications link).
# Needs macOS 13+ (PySide6 6.11 wheels), Python 3.12 with the dev extras, npm, Xcode tools.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
read -r NAME VERSION < <("$PY" -c 'import tomllib
p = tomllib.load(open("pyproject.toml", "rb"))["project"]
print(p["name"], p["version"])')
APP="dist/Territory Desktop.app"

"$PY" scripts/install_web_assets.py
"$PY" -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller \
  installers/territory_desktop.spec

codesign --force --deep --sign - "$APP"
codesign --verify --deep --strict --verbose=2 "$APP"
/usr/libexec/PlistBuddy -c "Print :CFBundleDocumentTypes:0:CFBundleTypeExtensions:0" \
  "$APP/Contents/Info.plist" | grep -qx gpkg

QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/$NAME" --smoke

DMG="dist/$NAME-$VERSION-macos-$(uname -m).dmg"
STAGE=build/dmg
rm -rf "$STAGE" && mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "Territory Desktop $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
echo "built $DMG ($(du -sh "$APP" | cut -f1) app)"
