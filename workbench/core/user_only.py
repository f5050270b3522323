"""Files and folders only their user can read: the cache, its WAL, the key, logs, temp files.

POSIX: 0600 files and 0700 folders (and a 077 umask for whatever DuckDB or a library creates).
Windows: the mode bits mean little there, so the file's ACL is cut down to the user with
``icacls`` (inheritance removed, full control for the current user only).
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700
UMASK = 0o077


def set_umask() -> None:
    """Everything this process creates from now on is user-only (called at start)."""
    if sys.platform != "win32":
        os.umask(UMASK)


def restrict(path: Path) -> None:
    """Make an existing file or folder user-only (best effort: a failure is logged)."""
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows only
            _restrict_windows(path)
        else:
            path.chmod(DIR_MODE if path.is_dir() else FILE_MODE)
    except OSError as exc:
        log.warning("could not make %s user-only: %s", path, exc)


def _restrict_windows(path: Path) -> None:  # pragma: no cover - Windows only
    user = os.environ.get("USERNAME") or os.getlogin()
    subprocess.run(
        ["icacls", str(path), "/inheritance:r", "/grant:r", f"{user}:(F)"],
        check=True,
        capture_output=True,
    )


def make_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) user-only; an existing folder is restricted."""
    path = Path(path)
    if not path.is_dir():
        missing = [p for p in (path, *path.parents) if not p.exists()]
        path.mkdir(parents=True, exist_ok=True)
        for created in missing:
            restrict(created)
    elif sys.platform != "win32":  # a chmod is cheap; icacls (a process) only on creation
        restrict(path)
    return path


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a user-only ``path`` atomically (temp file, fsync, rename)."""
    path = Path(path)
    make_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    restrict(tmp)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (no-op where folders cannot be opened)."""
    if sys.platform == "win32":  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
