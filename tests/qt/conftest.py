"""Qt test set-up: headless QtWebEngine, set before any QApplication exists."""

from __future__ import annotations

import os

# Root in a container: Chromium's sandbox cannot start. Headless: the offscreen platform renders
# QtWebEngine with no display. Set here (test configuration), never in library code.
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
