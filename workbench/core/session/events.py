"""Plain callbacks for the Workspace (no Qt): ``event.connect(fn)``, ``event.emit(...)``.

Callbacks run on the thread that emits: results arrive on the query worker. A Qt adapter
(``workbench.qt.workspace``) re-emits them as signals, which Qt queues to the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Event:
    """One kind of notification with any number of listeners."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        with self._lock:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            # One broken listener must not stop the others (nor the worker thread).
            try:
                callback(*args)
            except Exception:
                log.exception("listener of %s failed", self.name)
