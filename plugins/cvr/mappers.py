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
from pathlib import Path
from typing import IO, Any

from workbench.core.plugins.api import PluginError

from .map_worker import IN_HEAD, KINDS, OUT_HEAD
from .page_mapping import MappedPage, map_page

log = logging.getLogger(__name__)

WORKER_MODULE = "workbench.plugins.cvr.map_worker"
STDERR_KEPT = 2000  # characters of a worker's stderr kept for the log
MAX_REPLY = 1 << 34  # a length beyond this is no frame of ours (stray output): stop
POLL_S = 0.2  # how often a wait for a reply looks at the cancel
ANSWER_TIMEOUT_S = 300.0  # a worker silent this long is taken as stopped (a page: < 5 s)


class WorkerStopped(Exception):
    """The worker process ended, cannot be reached or does not answer."""


def worker_command() -> list[str]:
    """How a worker is started: this interpreter with ``-P -m`` (``-P``: not the working
    directory first on ``sys.path``, so no ``msgspec.py`` lying there is imported), or in the
    bundle its console program's ``-m`` (packaging/launcher.py): the windowed ``jobkort``
    would show a dialog for an error instead of ending."""
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable)
        console = exe.with_name("workbench" + exe.suffix)
        return [str(console if console.exists() else exe), "-m", WORKER_MODULE]
    return [sys.executable, "-P", "-m", WORKER_MODULE]


class _Worker:
    """One worker process. Pages are written by a feeder thread (a write blocks until the
    worker reads the page, which is after it mapped the one before) and replies read by a
    reader thread, so the caller waits on a queue: it sees a worker that ended, one that
    stopped answering, and the user's cancel."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            worker_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # no console (Windows)
        )
        self.stderr = ""
        self._pages: queue.Queue[tuple[bytes, bytes] | None] = queue.Queue()
        self._replies: queue.Queue[bytes | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=target, name=f"cvr-map-{name}", daemon=True)
            for target, name in ((self._feed, "feed"), (self._read, "read"), (self._err, "err"))
        ]
        for thread in self._threads:
            thread.start()

    def _feed(self) -> None:
        stdin: IO[bytes] = self.proc.stdin  # type: ignore[assignment]
        try:
            while (frame := self._pages.get()) is not None:
                stdin.write(frame[0])
                stdin.write(frame[1])  # the page itself, not copied behind its head
                stdin.flush()
        except (OSError, ValueError):
            pass  # the worker ended: the reader sees it
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def _read(self) -> None:
        out: IO[bytes] = self.proc.stdout  # type: ignore[assignment]
        try:
            while len(head := out.read(OUT_HEAD.size)) == OUT_HEAD.size:
                (length,) = OUT_HEAD.unpack(head)
                if length > MAX_REPLY:
                    break  # not one of our frames
                body = out.read(length)
                if len(body) < length:
                    break
                self._replies.put(body)
        except (OSError, ValueError):
            pass
        finally:
            self._replies.put(None)  # the end: the caller falls back

    def _err(self) -> None:
        err: IO[bytes] = self.proc.stderr  # type: ignore[assignment]
        with contextlib.suppress(OSError, ValueError):
            for line in err:
                self.stderr = (self.stderr + line.decode("utf-8", "replace"))[-STDERR_KEPT:]

    def send(self, kind: str, raw: bytes) -> None:
        self._pages.put((IN_HEAD.pack(KINDS.index(kind), len(raw)), raw))

    def receive(self, check: Callable[[], None] | None = None) -> MappedPage:
        """The next reply; ``check`` (the refresh's cancel) is called while waiting."""
        waited = 0.0
        while True:
            try:
                body = self._replies.get(timeout=POLL_S)
                break
            except queue.Empty:
                if check is not None:
                    check()
                waited += POLL_S
                if waited >= ANSWER_TIMEOUT_S:
                    raise WorkerStopped(f"intet svar i {ANSWER_TIMEOUT_S:.0f} s") from None
        if body is None:
            raise WorkerStopped(f"exit code {self.proc.poll()}")
        try:
            reply = pickle.loads(body)
        except Exception as exc:  # not one of our replies
            raise WorkerStopped(f"ulæseligt svar ({type(exc).__name__})") from exc
        if reply[0] == "ok":
            return reply[1]
        _, name, message, plugin_error = reply
        if plugin_error:
            raise PluginError(message)
        raise PluginError(f"CVR: kortlægningen fejlede ({name}: {message})")

    def last_words(self) -> str:
        """The worker's last line on stderr, once it has ended (for the log and the note)."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=1)
        self._threads[2].join(timeout=1)
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else ""

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
        for thread in self._threads:
            thread.join(timeout=1)
        for stream in (self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]


class PageMapper:
    """``map_page`` over a stream of pages, in worker processes or in this one."""

    def __init__(
        self,
        workers: int,
        note: Callable[[str], None] | None = None,
        check: Callable[[], None] | None = None,
    ) -> None:
        self._note = note
        self._check = check  # called while waiting for a worker (the refresh's cancel)
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
        pages = iter(items)
        while True:
            try:
                kind, raw, tag = next(pages)
            except StopIteration:
                break
            except BaseException:
                # The pages stopped with an error (a repeated page, a lost answer): the pages
                # before it count first, as they did when mapped one by one (their rejects
                # are kept, a page of junk fails the run with its own reason). An error of
                # the mapping itself is raised at once, below.
                while waiting:
                    yield self._result(waiting.popleft())
                raise
            waiting.append((kind, raw, tag, self._send(kind, raw)))
            while len(waiting) > 2 * len(self._workers):  # one mapped, one waiting each
                yield self._result(waiting.popleft())
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
                return tag, worker.receive(self._check)
            except WorkerStopped as exc:
                self._fall_back(exc, worker)
        return tag, map_page(kind, raw)

    def _fall_back(self, exc: BaseException, worker: _Worker | None = None) -> None:
        detail = f"{type(exc).__name__}: {exc}"
        if worker is not None and (words := worker.last_words()):
            detail += f"; {words}"
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
