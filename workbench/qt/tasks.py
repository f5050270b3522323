"""The Qt adapter of ``core.tasks``: a task whose progress and end arrive as signals on
the GUI thread (the QObject lives there, so Qt queues the worker's emits)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from workbench.core.tasks import Feedback, Task


class QtTask(QObject):
    progressed = Signal(object, str)  # fraction (None: unknown), message
    finished = Signal(object)  # the result
    failed = Signal(object)  # the exception
    cancelled = Signal()
    ended = Signal()  # after any of the three

    def __init__(
        self, fn: Callable[[Feedback], Any], *, name: str = "task", parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.task: Task[Any] = Task(
            fn,
            name=name,
            on_result=lambda r: self._emit(self.finished, r),
            on_error=lambda e: self._emit(self.failed, e),
            on_cancelled=lambda: self._emit(self.cancelled),
            on_progress=lambda f, m: self._emit(self.progressed, f, m),
        )
        for signal in (self.finished, self.failed, self.cancelled):
            signal.connect(lambda *_args: self.ended.emit())

    def _emit(self, signal: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the owner was deleted meanwhile
            signal.emit(*args)

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
