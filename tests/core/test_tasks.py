"""core.tasks: the one task mechanism (progress, cancel, result, error) without Qt."""

from __future__ import annotations

import threading

from workbench.core.tasks import Feedback, Task


def _ends(**callbacks):
    seen: list[tuple[str, object]] = []
    done = threading.Event()

    def record(kind):
        return lambda *args: (seen.append((kind, args[0] if args else None)), done.set())

    return seen, done, {f"on_{k}": record(k) for k in ("result", "error", "cancelled")}


def test_a_result_and_its_progress_arrive():
    progress: list[tuple[float | None, str]] = []
    seen, done, cbs = _ends()

    def work(feedback: Feedback) -> int:
        feedback.set_progress(None, "start")
        feedback.set_progress(0.5, "half")
        return 42

    task = Task(work, on_progress=lambda f, m: progress.append((f, m)), **cbs).start()
    assert task.wait(10) and done.wait(10)
    assert seen == [("result", 42)] and task.result == 42
    assert progress == [(None, "start"), (0.5, "half")]


def test_an_error_is_reported_not_lost():
    seen, done, cbs = _ends()

    def work(_feedback: Feedback) -> None:
        raise ValueError("kaputt")

    task = Task(work, **cbs).start()
    assert task.wait(10) and done.wait(10)
    assert [k for k, _ in seen] == ["error"] and str(seen[0][1]) == "kaputt"
    assert isinstance(task.error, ValueError)


def test_cancel_reaches_the_work_and_ends_as_cancelled():
    seen, done, cbs = _ends()
    started = threading.Event()

    def work(feedback: Feedback) -> None:
        started.set()
        feedback.cancel_event.wait(10)  # e.g. an API that takes an Event
        feedback.raise_if_cancelled()

    task = Task(work, **cbs).start()
    assert started.wait(10)
    task.cancel()
    assert task.wait(10) and done.wait(10)
    assert seen == [("cancelled", None)] and not task.is_running()
