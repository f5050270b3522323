"""The window's side of sharing the cache with the command line (issue #10).

A thin watcher over :mod:`workbench.core.cache_lock`: when a command asks for the cache
(``<cache>.writer`` appears), the window stops its workers and closes its connection; when
the request is gone it reopens the cache and reloads in place (``MainWindow.reopen_cache``):
the Workspace keeps the filter and selection, the widgets keep the map view and the tab,
so new data from a refresh or import shows up without losing the user's work.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.core import cache_lock
from workbench.core.errors import CacheError
from workbench.core.store import Store
from workbench.qt import i18n

POLL_MS = 250


class CacheWatch(QObject):
    """Watches ``session.cache_path`` for a command's request (polling: a request file in
    a folder that may hold many other files; QFileSystemWatcher misses re-creations)."""

    released = Signal()  # the window let go of the cache
    reopened = Signal(object)  # the window, after the cache was opened again

    def __init__(self, session: Any, parent: QObject | None = None, interval_ms: int = POLL_MS):
        super().__init__(parent)
        self.session = session
        self._released = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    @property
    def is_released(self) -> bool:
        return self._released

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> None:
        pending = cache_lock.pending_request(self.session.cache_path) is not None
        if pending and not self._released:
            self._release()
        elif not pending and self._released:
            self._reopen()

    def _release(self) -> None:
        window = self.session.window
        window.release_cache()  # a filter change still being debounced runs on reopen
        window.statusBar().showMessage(i18n.tr("cache.released"))
        self.session.con.close()
        self._released = True
        self.released.emit()

    def _reopen(self) -> None:
        try:
            con = Store.open(self.session.cache_path).con
        except CacheError:  # the command is still closing the cache: try at the next tick
            return
        self._released = False
        self.session.con = con
        window = self.session.window
        window.reopen_cache(con)
        self.reopened.emit(window)
