"""One way to run work off the caller's thread: progress, cancel, result, error.

Modelled on QGIS's ``QgsFeedback``: the work gets a :class:`Feedback` it reports progress
to and asks whether it was cancelled; the caller gets the result or the error through
callbacks, which run on the worker thread. ``workbench.qt.tasks.QtTask`` re-emits them as
signals on the GUI thread. (Filter queries have their own latest-wins runner,
``core.runner``, which interrupts a running statement: a task cannot do that.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
ProgressCallback = Callable[[float | None, str], None]  # fraction (None: unknown), message


class TaskCancelled(Exception):
    """Raised by :meth:`Feedback.raise_if_cancelled` inside cancelled work."""


class Feedback:
    """What running work and its owner share: progress one way, cancel the other."""

    def __init__(self, on_progress: ProgressCallback | None = None) -> None:
        self._on_progress = on_progress
        self.cancel_event = threading.Event()  # for APIs that take an Event
        self.progress: float | None = 0.0
        self.message = ""

    def cancel(self) -> None:
        self.cancel_event.set()

    def is_cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def raise_if_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise TaskCancelled

    def set_progress(self, fraction: float | None, message: str = "") -> None:
        self.progress, self.message = fraction, message
        if self._on_progress is not None:
            self._on_progress(fraction, message)


class Task(Generic[T]):
    """``fn(feedback)`` on a daemon thread. Exactly one of ``on_result``, ``on_error`` and
    ``on_cancelled`` is called when it ends (on the worker thread)."""

    def __init__(
        self,
        fn: Callable[[Feedback], T],
        *,
        name: str = "task",
        on_result: Callable[[T], Any] | None = None,
        on_error: Callable[[BaseException], Any] | None = None,
        on_cancelled: Callable[[], Any] | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.name = name
        self.feedback = Feedback(on_progress)
        self.result: T | None = None
        self.error: BaseException | None = None
        self._fn = fn
        self._on_result = on_result
        self._on_error = on_error
        self._on_cancelled = on_cancelled
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Task[T]:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.feedback.cancel()

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """True when the task has ended (or never started)."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            self.result = self._fn(self.feedback)
        except TaskCancelled:
            if self._on_cancelled is not None:
                self._on_cancelled()
            return
        except Exception as exc:  # reported to the owner, never lost on the thread
            self.error = exc
            if self._on_error is not None:
                self._on_error(exc)
            return
        if self.feedback.is_cancelled() and self._on_cancelled is not None:
            self._on_cancelled()
        elif self._on_result is not None:
            self._on_result(self.result)  # type: ignore[arg-type]
