"""Regression: PySide6 6.12.0 on Python 3.11 aborted after ~57,000 void Qt calls.

It lost a reference to None per call (none_dealloc). The chosen versions must survive
far more.
"""

import subprocess
import sys

SCRIPT = r"""
import sys
from PySide6.QtCore import QObject, QTimer
before = sys.getrefcount(None)
obj = QObject()
timer = QTimer()
for i in range(200_000):
    obj.setObjectName("x")   # returns nothing
    timer.setInterval(i % 1000)  # returns nothing
print(sys.getrefcount(None) - before)
"""


def test_200k_void_qt_calls_do_not_leak_or_abort():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    # On Python 3.12+ None is immortal and its count is constant; on 3.11 with a good
    # PySide6 the count returns to (about) where it started. The bug loses 400,000.
    drift = int(done.stdout.strip().splitlines()[-1])
    assert abs(drift) < 1000
