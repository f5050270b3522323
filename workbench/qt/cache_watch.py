"""The window's side of sharing the cache with the command line (issue #10).

A thin watcher over :mod:`workbench.core.cache_lock`: when a command asks for the cache
(``<cache>.writer`` appears), the window saves what the user is looking at, stops its
workers and closes its connection; when the request is gone it reopens the cache and
rebuilds the window with the same filters, map selection, tab and geometry, so new data
from a refresh or import shows up without losing the user's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QTimer, Signal

from workbench.core import cache_lock
from workbench.core.errors import CacheError
from workbench.core.filters import Filter
from workbench.core.store import Store
from workbench.layers.selection import Selection
from workbench.qt import i18n

POLL_MS = 250


@dataclass
class ViewState:
    """What the user sees, carried across a reopen of the cache."""

    filter: Filter
    selection: Selection | None
    tab: int
    geometry: QByteArray


def capture(window: Any) -> ViewState:
    return ViewState(
        filter=window.filters.current_filter(),
        selection=window.selection,
        tab=window.tabs.currentIndex(),
        geometry=window.saveGeometry(),
    )


def restore(window: Any, state: ViewState) -> None:
    """Put the saved filters back into the new window's panel and run them."""
    panel, flt = window.filters, state.filter
    for picker, codes in (
        (panel.occupation, flt.occupations),
        (panel.qualification, flt.qualifications),
        (panel.municipality, flt.municipalities),
        (panel.industry, flt.industries),
    ):
        for code in codes:
            picker.add(code)
    for combo, value in (
        (panel.qual_match, flt.qualification_match),
        (panel.collaboration, flt.collaboration[0] if flt.collaboration else None),
    ):
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)
    for (low, high), rng in (
        ((panel.days_min, panel.days_max), flt.unemployed_days),
        ((panel.emp_min, panel.emp_max), flt.employees),
    ):
        low.setValue((rng.min or 0) if rng else 0)
        high.setValue((rng.max or 0) if rng else 0)
    window.restoreGeometry(state.geometry)
    window.tabs.setCurrentIndex(state.tab)
    if state.selection is not None:
        panel.emit_now()
        window.set_selection(state.selection)
    else:
        panel.emit_now()


class CacheWatch(QObject):
    """Watches ``session.cache_path`` for a command's request (polling: a request file in
    a folder that may hold many other files; QFileSystemWatcher misses re-creations)."""

    released = Signal()  # the window let go of the cache
    reopened = Signal(object)  # the new window, after the cache was opened again

    def __init__(self, session: Any, parent: QObject | None = None, interval_ms: int = POLL_MS):
        super().__init__(parent)
        self.session = session
        self._state: ViewState | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    @property
    def is_released(self) -> bool:
        return self._state is not None

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> None:
        pending = cache_lock.pending_request(self.session.cache_path) is not None
        if pending and self._state is None:
            self._release()
        elif not pending and self._state is not None:
            self._reopen()

    def _release(self) -> None:
        window = self.session.window
        self._state = capture(window)  # includes a filter change still being debounced
        window.filters.blockSignals(True)  # ... which must not reach the closed runner
        window.shutdown()
        window.setEnabled(False)
        window.statusBar().showMessage(i18n.tr("cache.released"))
        self.session.con.close()
        self.released.emit()

    def _reopen(self) -> None:
        try:
            con = Store.open(self.session.cache_path).con
        except CacheError:  # the command is still closing the cache: try at the next tick
            return
        state, self._state = self._state, None
        self.session.con = con
        window = self.session.open_window(i18n.language())
        assert state is not None
        restore(window, state)
        self.reopened.emit(window)
