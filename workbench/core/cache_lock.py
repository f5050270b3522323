"""Sharing the cache between the window and the command line (issue #10).

DuckDB lets one process write a database file, or many read it, never both: while the
window has the cache open, ``workbench search`` (or refresh, import, demo) cannot open it.
The handshake:

1. A command that finds the cache locked writes a request file beside it,
   ``<cache>.writer`` (user-only permissions, JSON with its pid and command), prints
   "waiting for the window to release the cache" once, and keeps trying to open the cache.
2. The window watches for the request (:func:`pending_request`), closes its connection and
   waits.
3. The command opens the cache, does its work, closes it and removes the request
   (:func:`release_requests`, also at exit).
4. The window sees the request gone, reopens the cache and reloads in place.

Nothing answers (no window, another long command): after ``timeout_s`` the command gives up
with one clear line. A request whose process has died is stale and ignored (and removed), so
a killed command never leaves the window without its cache.

Waiting is switched on by the command line (:func:`wait_for_release`); everything else
(the window, tests) gets the immediate "in use by another program" error.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

REQUEST_SUFFIX = ".writer"
DEFAULT_TIMEOUT_S = 60.0
TIMEOUT_ENV = "WORKBENCH_CACHE_WAIT_S"
WAITING_MESSAGE = "waiting for the window to release the cache {path} …"


@dataclass
class WaitPolicy:
    timeout_s: float
    on_wait: Callable[[str], None]
    command: str
    poll_s: float = 0.2


T = TypeVar("T")
_policy: WaitPolicy | None = None
_own_requests: set[Path] = set()
_lock = threading.Lock()


def request_path(cache_path: str | Path) -> Path:
    path = Path(cache_path)
    return path.with_name(path.name + REQUEST_SUFFIX)


def wait_for_release(
    on_wait: Callable[[str], None], *, command: str, timeout_s: float | None = None
) -> None:
    """Let :func:`workbench.core.cache.connect` ask the window to release a locked cache and
    wait for it (the command line calls this once). ``timeout_s`` defaults to the
    environment variable ``WORKBENCH_CACHE_WAIT_S``, else 60 s."""
    global _policy
    if timeout_s is None:
        try:
            timeout_s = float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT_S)
        except ValueError:
            timeout_s = DEFAULT_TIMEOUT_S
    _policy = WaitPolicy(timeout_s=timeout_s, on_wait=on_wait, command=command)


def stop_waiting() -> None:
    """Back to the immediate error; removes this process's requests."""
    global _policy
    _policy = None
    release_requests()


def policy() -> WaitPolicy | None:
    return _policy


def _write_request(cache_path: Path, command: str) -> Path:
    req = request_path(cache_path)
    data = json.dumps({"pid": os.getpid(), "command": command, "created": time.time()})
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(req, flags, 0o600)  # the cache is personal data: user-only
    try:
        os.write(fd, data.encode("utf-8"))
    finally:
        os.close(fd)
    with _lock:
        _own_requests.add(req)
    return req


def release_requests() -> None:
    """Remove the requests this process wrote (the window then takes the cache back)."""
    with _lock:
        requests = list(_own_requests)
        _own_requests.clear()
    for req in requests:
        with contextlib.suppress(FileNotFoundError):
            req.unlink()


atexit.register(release_requests)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    query_limited_information, still_active, access_denied = 0x1000, 259, 5
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return kernel32.GetLastError() == access_denied  # exists, another user's
    try:
        code = ctypes.c_ulong()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and (
            code.value == still_active
        )
    finally:
        kernel32.CloseHandle(handle)


def pending_request(cache_path: str | Path) -> dict | None:
    """The live request for ``cache_path`` (its JSON), else None. A stale request (its
    process is gone, or unreadable) is removed."""
    req = request_path(cache_path)
    try:
        data = json.loads(req.read_text(encoding="utf-8"))
        pid = int(data["pid"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        data, pid = None, -1
    if data is not None and _pid_alive(pid):
        return data
    with contextlib.suppress(OSError):
        req.unlink()
    return None


def open_waiting(
    cache_path: Path,
    try_open: Callable[[], T],
    is_locked: Callable[[BaseException], bool],
    make_timeout_error: Callable[[str], BaseException],
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """``try_open()`` until it succeeds, asking the window to release the cache while it
    fails because the cache is locked (see the module docstring). Without a wait policy
    the first error is raised as it is."""
    try:
        return try_open()
    except BaseException as exc:
        pol = _policy
        if pol is None or not is_locked(exc):
            raise
        first = exc
    _write_request(cache_path, pol.command)
    pol.on_wait(WAITING_MESSAGE.format(path=cache_path))
    deadline = clock() + pol.timeout_s
    while True:
        sleep(pol.poll_s)
        try:
            return try_open()
        except BaseException as exc:
            if not is_locked(exc):
                release_requests()
                raise
        if clock() >= deadline:
            release_requests()
            raise make_timeout_error(
                f"the cache {cache_path} is still in use by another program after "
                f"{pol.timeout_s:.0f} s ({_first_line(first)}); close the workbench window "
                "or the other command and try again"
            ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
