"""A latest-wins query runner: one background thread with its own DuckDB cursor.

The window submits a job per filter change. Only the newest job matters: submitting a new
one interrupts the running query (``cursor.interrupt()``) and its result, if it still
arrives, is dropped. Jobs waiting behind the running one are replaced, never queued.

A job is a callable ``fn(cursor) -> result``. The cursor it gets refuses to start another
statement once the job is stale, so a job of several queries stops at the next one.
Results and errors are delivered through callbacks on the worker thread together with the
ticket; the Qt wrapper (``workbench.qt.runner``) re-emits them in the GUI thread.

Qt-free, so it is tested without a display.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import duckdb

Job = Callable[[Any], Any]
ResultCallback = Callable[[int, Any], None]
ErrorCallback = Callable[[int, BaseException], None]


class JobCancelled(Exception):
    """Raised inside a job that a newer submit has made stale."""


class _GuardedCursor:
    """The worker's cursor; every statement first checks that its job is still current."""

    def __init__(
        self, cursor: duckdb.DuckDBPyConnection, is_stale: Callable[[], bool], ticket: int = 0
    ):
        self._cursor = cursor
        self._is_stale = is_stale
        self.ticket = ticket  # of the job it runs (a job may report progress with it)

    def is_stale(self) -> bool:
        return self._is_stale()

    def _check(self) -> None:
        if self._is_stale():
            raise JobCancelled

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return self._cursor.execute(*args, **kwargs)

    def sql(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return self._cursor.sql(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class LatestRunner:
    """Run submitted jobs one at a time on a worker thread; only the newest one counts."""

    REINTERRUPT_S = 0.05

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        on_result: ResultCallback,
        on_error: ErrorCallback | None = None,
        *,
        name: str = "query-runner",
    ) -> None:
        self._cursor = con.cursor()
        self._on_result = on_result
        self._on_error = on_error
        self._cond = threading.Condition()
        self._latest = 0  # ticket of the newest submit
        self._running = 0  # ticket of the job on the worker (0: idle)
        self._pending: tuple[int, Job] | None = None
        self._closed = False
        self.interrupts = 0  # how many running queries a newer submit interrupted
        self.dropped = 0  # how many finished jobs were dropped as stale
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()
        self._watcher = threading.Thread(target=self._watch, name=f"{name}-watch", daemon=True)
        self._watcher.start()

    # -- API ---------------------------------------------------------------------------
    @property
    def latest(self) -> int:
        return self._latest

    def is_current(self, ticket: int) -> bool:
        return ticket == self._latest

    def submit(self, fn: Job) -> int:
        """Queue ``fn`` as the newest job; interrupt and supersede whatever came before."""
        with self._cond:
            if self._closed:
                raise RuntimeError("runner is closed")
            self._latest += 1
            ticket = self._latest
            self._pending = (ticket, fn)
            if self._running:
                self._interrupt_locked()
            self._cond.notify_all()
        return ticket

    def cancel(self) -> None:
        """Make everything submitted so far stale (e.g. the window closes a view)."""
        with self._cond:
            self._latest += 1
            self._pending = None
            if self._running:
                self._interrupt_locked()

    def busy(self) -> bool:
        with self._cond:
            return bool(self._running or self._pending)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job runs or waits (for scripts and tests)."""
        with self._cond:
            return self._cond.wait_for(lambda: not (self._running or self._pending), timeout)

    def close(self, timeout: float = 5.0) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._pending = None
            self._latest += 1
            if self._running:
                self._interrupt_locked()
            self._cond.notify_all()
        self._thread.join(timeout)
        self._watcher.join(timeout)
        with contextlib.suppress(duckdb.Error):  # the connection may be closed already
            self._cursor.close()

    # -- worker --------------------------------------------------------------------------
    def _interrupt_locked(self) -> None:
        self.interrupts += 1
        with contextlib.suppress(duckdb.Error):  # nothing running any more
            self._cursor.interrupt()

    def _watch(self) -> None:
        """Interrupt a stale job until it stops.

        ``interrupt()`` only reaches a statement that is already executing; one issued just
        before the job's next statement starts is lost. So while a stale job runs, repeat it.
        """
        with self._cond:
            while True:
                if self._closed and not self._running:
                    return
                if self._running and self._running != self._latest:
                    self._cond.wait(self.REINTERRUPT_S)
                    if self._running and self._running != self._latest:
                        self._interrupt_locked()
                else:
                    self._cond.wait()

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or self._pending is not None)
                if self._closed:
                    self._cond.notify_all()
                    return
                assert self._pending is not None
                ticket, fn = self._pending
                self._pending = None
                self._running = ticket
                self._cond.notify_all()
            result: Any = None
            error: BaseException | None = None
            try:
                result = fn(
                    _GuardedCursor(self._cursor, lambda t=ticket: t != self._latest, ticket)
                )
            except BaseException as exc:
                error = exc
            with self._cond:
                stale = ticket != self._latest
            try:
                if stale or isinstance(error, JobCancelled):
                    self.dropped += 1
                elif error is not None:
                    if isinstance(error, duckdb.InterruptException):
                        self.dropped += 1
                    elif self._on_error is not None:
                        self._on_error(ticket, error)
                else:
                    self._on_result(ticket, result)
            finally:
                with self._cond:
                    self._running = 0
                    self._cond.notify_all()
