"""The Qt side of the latest-wins runner: results arrive in the GUI thread as signals."""

from __future__ import annotations

from typing import Any

import duckdb
from PySide6.QtCore import QObject, Signal

from workbench.core.runner import Job, LatestRunner


class QtQueryRunner(QObject):
    """Wraps :class:`LatestRunner`; ``finished``/``failed`` are emitted in the GUI thread
    (queued across threads) and only for the newest ticket: stale ones are dropped twice,
    on the worker and again here, since a newer submit can happen while a signal is queued."""

    finished = Signal(int, object)  # ticket, result
    failed = Signal(int, str)  # ticket, message
    busyChanged = Signal(bool)

    _result = Signal(int, object)
    _error = Signal(int, object)

    def __init__(self, con: duckdb.DuckDBPyConnection, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._result.connect(self._on_result)
        self._error.connect(self._on_error)
        self._runner = LatestRunner(con, self._result.emit, self._error.emit)
        self._busy = False

    @property
    def core(self) -> LatestRunner:
        return self._runner

    def submit(self, fn: Job) -> int:
        ticket = self._runner.submit(fn)
        self._set_busy(True)
        return ticket

    def is_current(self, ticket: int) -> bool:
        return self._runner.is_current(ticket)

    def busy(self) -> bool:
        return self._busy

    def cancel(self) -> None:
        """Drop whatever runs or waits (the user's cancel button)."""
        self._runner.cancel()
        self._set_busy(False)

    def close(self) -> None:
        self._runner.close()
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busyChanged.emit(busy)

    def _on_result(self, ticket: int, result: Any) -> None:
        if not self._runner.is_current(ticket):
            return
        self._set_busy(False)
        self.finished.emit(ticket, result)

    def _on_error(self, ticket: int, exc: object) -> None:
        if not self._runner.is_current(ticket):
            return
        self._set_busy(False)
        self.failed.emit(ticket, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
