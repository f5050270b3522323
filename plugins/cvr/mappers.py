"""Pages mapped in worker processes, beside the fetch and the inserts (issue #17).

The mapping of a document is pure Python (~25 µs with its decode and columns) and holds the
GIL; in the refreshing process it shares one core with the fetch (HTTP, the answer's
outline) and all other Python there, while DuckDB's inserts and the source leave the other
core half idle. Worker processes (``map_worker.py``) map whole pages (bytes in, Arrow tables
and reject records out), so the mapping gets a core of its own.

Pages come back in the order they went in; ``map_workers`` processes (``[plugins.cvr]
map_workers``, default 2; 0 maps in this process) take them in turn, and each has at most
one more page waiting. Should a worker stop (killed, out of memory, a process that cannot be
started), the pages it held and the rest of the run are mapped in this process and the run's
summary says so: nothing is lost and the run goes on.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from workbench.core.plugins.api import PluginError

from .map_worker import IN_HEAD, KINDS, OUT_HEAD
from .page_mapping import MappedPage, map_page

log = logging.getLogger(__name__)

WORKER_MODULE = "workbench.plugins.cvr.map_worker"
STDERR_KEPT = 2000  # characters of a worker's stderr kept for the log


class WorkerStopped(Exception):
    """The worker process ended or cannot be reached."""


class _Worker:
    """One worker process: pages are written by a feeder thread (a write of a page blocks
    until the worker reads it, which is after it mapped the one before); replies are read
    in order by the caller."""

    def __init__(self) -> None:
        # The bundle's launcher runs ``-m`` like the interpreter does (packaging/launcher.py).
        self.proc = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # no console (Windows)
        )
        self.stderr = ""
        self._pages: queue.Queue[bytes | None] = queue.Queue()
        self._feeder = threading.Thread(target=self._feed, name="cvr-map-feed", daemon=True)
        self._feeder.start()
        threading.Thread(target=self._drain_stderr, name="cvr-map-err", daemon=True).start()

    def _feed(self) -> None:
        stdin: IO[bytes] = self.proc.stdin  # type: ignore[assignment]
        try:
            while (frame := self._pages.get()) is not None:
                stdin.write(frame)
                stdin.flush()
        except (OSError, ValueError):
            pass  # the worker ended: the reader sees it
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def _drain_stderr(self) -> None:
        err: IO[bytes] = self.proc.stderr  # type: ignore[assignment]
        with contextlib.suppress(OSError, ValueError):
            for line in err:
                self.stderr = (self.stderr + line.decode("utf-8", "replace"))[-STDERR_KEPT:]

    def send(self, kind: str, raw: bytes) -> None:
        self._pages.put(IN_HEAD.pack(KINDS.index(kind), len(raw)) + raw)

    def receive(self) -> MappedPage:
        out: IO[bytes] = self.proc.stdout  # type: ignore[assignment]
        head = out.read(OUT_HEAD.size)
        if len(head) < OUT_HEAD.size:
            raise WorkerStopped(f"exit code {self.proc.poll()}")
        (length,) = OUT_HEAD.unpack(head)
        body = out.read(length)
        if len(body) < length:
            raise WorkerStopped(f"exit code {self.proc.poll()}")
        reply = pickle.loads(body)
        if reply[0] == "ok":
            return reply[1]
        _, name, message, plugin_error = reply
        if plugin_error:
            raise PluginError(message)
        raise PluginError(f"CVR: kortlægningen fejlede ({name}: {message})")

    def close(self, wait: bool) -> None:
        """End the worker: after the pages sent (``wait``), or at once."""
        self._pages.put(None)
        if not wait:
            with contextlib.suppress(OSError):
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]


class PageMapper:
    """``map_page`` over a stream of pages, in worker processes or in this one."""

    def __init__(self, workers: int, note: Callable[[str], None] | None = None) -> None:
        self._note = note
        self._wanted = max(0, int(workers))
        self._workers: list[_Worker] = []
        self._started = False
        self.fell_back = False
        self._turn = 0

    def start(self) -> None:
        """Start the workers (once). Call it before a load's first request, so their
        imports (~0.3 s) overlap it; else they start with the first page (a change scan that
        finds nothing starts none)."""
        if self._started:
            return
        self._started = True
        try:
            for _ in range(self._wanted):
                self._workers.append(_Worker())
        except OSError as exc:
            self._fall_back(exc)

    def map(self, items: Iterable[tuple[str, bytes, Any]]) -> Iterator[tuple[Any, MappedPage]]:
        """Yield ``(tag, mapped page)`` for each ``(kind, raw, tag)``, in order."""
        waiting: collections.deque[tuple[str, bytes, Any, _Worker | None]] = collections.deque()
        try:
            for kind, raw, tag in items:
                waiting.append((kind, raw, tag, self._send(kind, raw)))
                while len(waiting) > 2 * len(self._workers):  # one mapped, one waiting each
                    yield self._result(waiting.popleft())
        except GeneratorExit:
            raise  # the caller stopped: the pages at the workers are dropped with them
        except BaseException:
            # The pages stopped with an error (a repeated page, a lost answer): the pages
            # before it count first, as they did when mapped one by one (their rejects are
            # kept, a page of junk fails the run with its own reason).
            while waiting:
                yield self._result(waiting.popleft())
            raise
        while waiting:
            yield self._result(waiting.popleft())

    def _send(self, kind: str, raw: bytes) -> _Worker | None:
        self.start()
        if not self._workers:
            return None
        worker = self._workers[self._turn % len(self._workers)]
        self._turn += 1
        worker.send(kind, raw)
        return worker

    def _result(self, item: tuple[str, bytes, Any, _Worker | None]) -> tuple[Any, MappedPage]:
        kind, raw, tag, worker = item
        if worker is not None and worker in self._workers:
            try:
                return tag, worker.receive()
            except (WorkerStopped, OSError, pickle.UnpicklingError, EOFError) as exc:
                self._fall_back(exc, worker)
        return tag, map_page(kind, raw)

    def _fall_back(self, exc: BaseException, worker: _Worker | None = None) -> None:
        detail = f"{type(exc).__name__}: {exc}"
        if worker is not None and worker.stderr.strip():
            detail += f"; {worker.stderr.strip().splitlines()[-1]}"
        log.warning("CVR mapping worker stopped (%s); mapping in this process", detail)
        self.fell_back = True
        workers, self._workers = self._workers, []
        for w in workers:
            w.close(wait=False)
        if self._note is not None:
            self._note(
                "CVR: arbejdsprocessen til kortlægning stoppede; resten blev kortlagt i "
                f"hovedprocessen, intet er tabt ({detail})"
            )

    def close(self, wait: bool = False) -> None:
        """Stop the workers: once idle (``wait``), or at once (pages being mapped are
        dropped)."""
        workers, self._workers = self._workers, []
        for w in workers:
            w.close(wait=wait)

    def __enter__(self) -> PageMapper:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.close(wait=exc_type is None)
