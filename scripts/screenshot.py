r"""Save a screenshot of the main window on a plan (default: the bundled sample) for the README.

QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 \
        python scripts/screenshot.py OUT.png [PLAN]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer

from territory_desktop import app as appmod
from territory_desktop.qt.application import create_application


def main() -> int:
    """Open the plan, wait for the map, save the window as a PNG; return the exit code."""
    out = Path(sys.argv[1])
    qapp = create_application(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    built = appmod.build(settings_file=tmp / "settings.ini", data_dir=tmp / "data")
    if len(sys.argv) > 2:
        built.files.open_path(Path(sys.argv[2]).resolve(), confirmed=True)
    else:
        built.files.open_sample(confirmed=True)
    built.window.resize(1400, 880)
    built.window.show()

    def shoot() -> None:
        built.window.grab().save(str(out))
        built.document.undo_stack.setClean()
        qapp.quit()

    # wait for the basemap worker and two paints after it
    built.window.work_finished.connect(lambda: QTimer.singleShot(1500, shoot))
    QTimer.singleShot(30_000, shoot)
    return qapp.exec()


if __name__ == "__main__":
    sys.exit(main())
