"""pyqtgraph imported by the window without creating every PySide6 type, and PySide6's check of
each imported module without ``inspect`` (issue #17, third round): the same names, the same
answers."""

from __future__ import annotations

import os
import subprocess
import sys

# A fresh process: the test session has imported pyqtgraph long ago.
CHECK = """
import PySide6.QtCore as C, PySide6.QtGui as G, PySide6.QtWidgets as W
from workbench.qt.app import ensure_app

dirs = [set(dir(m)) for m in (C, G, W)]
app = ensure_app()
import pyqtgraph as pg

# a type nothing at start-up uses was not created (PySide6 puts it in the module on first use)
assert "QWizard" not in W.__dict__, "every QtWidgets type was created"
assert [set(dir(m)) for m in (C, G, W)] == dirs, "PySide6's dir() changed"
for real, mirror in ((C, pg.Qt.QtCore), (G, pg.Qt.QtGui), (W, pg.Qt.QtWidgets)):
    for name in dir(real):
        if not name.startswith("__"):
            assert getattr(mirror, name) is getattr(real, name), (real.__name__, name)
from pyqtgraph.Qt.QtWidgets import QWizard
assert QWizard is W.QWizard
assert pg.Qt.QtGui.QFileSystemModel is W.QFileSystemModel  # pyqtgraph's own shim still runs
# and pyqtgraph works: a plot with an item, rendered
plot = pg.PlotWidget()
plot.addItem(pg.ScatterPlotItem(x=[0, 1], y=[1, 0]))
plot.resize(200, 150)
assert not plot.grab().isNull()
print("ok")
"""


def test_the_window_imports_pyqtgraph_without_every_qt_type() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


FEATURE_CHECK = """
import linecache, sys
from workbench.qt.app import ensure_app  # as the window starts: before PySide6
import PySide6.QtCore
feature = sys.modules["shibokensupport.feature"]
own = feature._mod_uses_pyside
app = ensure_app()
import workbench.qt.main_window as mw

assert feature._mod_uses_pyside is not own
read = [n for n in linecache.cache if "workbench" in n and not n.endswith("qt_imports.py")]
assert not read, f"read through inspect: {read[:3]}"
modules = [m for m in list(sys.modules.values()) if m is not None]
assert [feature._mod_uses_pyside(m) for m in modules] == [own(m) for m in modules]
import workbench.core.filters
assert feature._mod_uses_pyside(mw) and not feature._mod_uses_pyside(workbench.core.filters)
print("ok")
"""


def test_pyside_checks_the_window_modules_without_inspect() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", FEATURE_CHECK], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
