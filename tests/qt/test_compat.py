"""The window survives many void PySide6 calls (see workbench/qt/_compat.py)."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = """
import workbench.qt  # applies the work-around before any PySide6 call
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication
app = QApplication([])
class O(QObject):
    s = Signal(int)
o = O(); o.s.connect(lambda v: None)
t = QTimer()
for _ in range(50_000):
    t.stop(); app.processEvents(); o.s.emit(1)
print("ok")
"""


def test_many_void_calls_do_not_crash_the_interpreter():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"
