"""The Qt adapter of ``core.tasks``: a task whose progress and end arrive as signals on
the GUI thread (the QObject lives there, so Qt queues the worker's emits)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from workbench.core.tasks import Feedback, Task

if TYPE_CHECKING:
    import duckdb


class QtTask(QObject):
    """Public signals are emitted on the GUI thread, in this order: the outcome
    (``finished``, ``failed`` or ``cancelled``), then ``ended``."""

    progressed = Signal(object, str)  # fraction (None: unknown), message
    finished = Signal(object)  # the result
    failed = Signal(object)  # the exception
    cancelled = Signal()
    ended = Signal()  # after any of the three

    # Emitted on the worker; connected to bound methods, so Qt queues them to this
    # object's (the GUI) thread before anything public is emitted.
    _progress = Signal(object, str)
    _outcome = Signal(str, object)

    def __init__(
        self, fn: Callable[[Feedback], Any], *, name: str = "task", parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._progress.connect(self._on_progress)
        self._outcome.connect(self._on_outcome)
        self.task: Task[Any] = Task(
            fn,
            name=name,
            on_result=lambda r: self._emit(self._outcome, "finished", r),
            on_error=lambda e: self._emit(self._outcome, "failed", e),
            on_cancelled=lambda: self._emit(self._outcome, "cancelled", None),
            on_progress=lambda f, m: self._emit(self._progress, f, m),
        )

    def _emit(self, signal: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the owner was deleted meanwhile
            signal.emit(*args)

    def _on_progress(self, fraction: object, message: str) -> None:
        self.progressed.emit(fraction, message)

    def _on_outcome(self, kind: str, value: object) -> None:
        if kind == "finished":
            self.finished.emit(value)
        elif kind == "failed":
            self.failed.emit(value)
        else:
            self.cancelled.emit()
        self.ended.emit()

    @property
    def feedback(self) -> Feedback:
        return self.task.feedback

    def start(self) -> QtTask:
        self.task.start()
        return self

    def cancel(self) -> None:
        self.task.cancel()

    def is_running(self) -> bool:
        return self.task.is_running()

    def wait(self, timeout: float | None = None) -> bool:
        return self.task.wait(timeout)


class CursorTasks(QObject):
    """Run a function with its own cursor as a task; the result (or the exception) arrives
    in the GUI thread (style lookups, company search, table export: they must not cancel
    the filter query, so they do not go through the Workspace's runner)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, parent: QObject) -> None:
        super().__init__(parent)
        self.con = con
        self._tasks: list[Task[Any]] = []  # the core tasks (a QtTask is deleted when done)

    def run(self, fn: Callable[[Any], Any], callback: Callable[[Any], None]) -> None:
        con = self.con

        def work(_feedback: Feedback) -> Any:
            cur = con.cursor()
            try:
                return fn(cur)
            finally:
                cur.close()

        task = QtTask(work, name="map-style", parent=self)
        task.finished.connect(callback)
        task.failed.connect(callback)
        task.ended.connect(task.deleteLater)
        self._tasks = [t for t in self._tasks if t.is_running()] + [task.task]
        task.start()

    def busy(self) -> bool:
        return any(t.is_running() for t in self._tasks)

    def join(self) -> None:
        for t in self._tasks:
            t.wait(timeout=10)
