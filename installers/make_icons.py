"""Render the app icon (``resources/icons/territory-desktop.svg``) into every platform's format.

    python installers/make_icons.py OUT_DIR

Writes ``OUT_DIR/png/<size>.png`` (16 to 1024 px, the freedesktop hicolor sizes), a Windows
``territory-desktop.ico`` and a macOS ``territory-desktop.icns``. Both containers hold PNG images,
which Windows Vista+ and macOS 10.7+ read; they are written here (a few lines each) so the build
needs nothing beyond Qt. Run by the spec at build time: nothing rendered is committed.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "territory-desktop.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (the @2x types reuse the same pixels).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
              (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
              (b"ic14", 512))


def render(sizes: tuple[int, ...] = SIZES) -> dict[int, bytes]:
    """PNG bytes of the icon at each size, rendered by Qt's SVG renderer (offscreen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"error: {SVG}: not a valid SVG")
    out = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        out[size] = bytes(buffer.data())
    return out


def ico(pngs: dict[int, bytes]) -> bytes:
    """Pack the given PNGs into a Windows .ico (width/height 0 means 256)."""
    sizes = [s for s in ICO_SIZES if s in pngs]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, data = b"", b""
    for s in sizes:
        png = pngs[s]
        entries += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(png),
                               offset + len(data))
        data += png
    return header + entries + data


def icns(pngs: dict[int, bytes]) -> bytes:
    """Pack the given PNGs into a macOS .icns."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[s])) + pngs[s]
                    for kind, s in ICNS_TYPES if s in pngs)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(out_dir: Path) -> None:
    """Write the PNG sizes, the .ico and the .icns into ``out_dir``."""
    pngs = render()
    (out_dir / "png").mkdir(parents=True, exist_ok=True)
    for size, png in pngs.items():
        (out_dir / "png" / f"{size}.png").write_bytes(png)
    (out_dir / "territory-desktop.ico").write_bytes(ico(pngs))
    (out_dir / "territory-desktop.icns").write_bytes(icns(pngs))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python installers/make_icons.py OUT_DIR")
    main(Path(sys.argv[1]))
