"""The workbench's log: a rotating file in the user's log folder, user-only, with secrets
and CPR-like numbers scrubbed before anything is written.

Support asks for it ("Kopiér diagnose" quotes its tail), so it must never hold a token,
password or key, nor a person's identifying number.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
from collections.abc import Iterable
from pathlib import Path

from . import paths

LOG_NAME = "workbench.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# key=value / "key": "value" pairs whose key names a secret (token, api_key, password, ...)
_SECRET_PAIR = re.compile(
    r"(?i)(\b[\w.-]*(?:token|password|secret|api_?key|apikey|authorization)[\w-]*\b"
    r"[\"']?\s*[=:]\s*[\"']?)([^\s\"'&,;}]+)"
)
# 6 digits, optional dash, 4 digits: a CPR number's shape (ddmmyy-xxxx)
_CPR = re.compile(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without secret values: known secrets, ``key=value`` pairs whose key names a
    secret, and CPR-shaped numbers."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _SECRET_PAIR.sub(lambda m: m.group(1) + "***", text)
    return _CPR.sub("xxxxxx-xxxx", text)


class ScrubFilter(logging.Filter):
    """Rewrites each record's message through :func:`scrub` (arguments merged first)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        add_secrets(secrets)

    @property
    def secrets(self) -> list[str]:
        return sorted(_SECRETS, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, self.secrets)
        record.msg, record.args = scrub(message, self.secrets), None
        return True


_SECRETS: set[str] = set()


def add_secrets(values: Iterable[str]) -> None:
    """Values scrubbed from every log line from now on (the settings' tokens and keys)."""
    _SECRETS.update(v for v in values if v and len(v) >= 4)


def log_dir() -> Path:
    override = os.environ.get("WORKBENCH_LOG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_log_dir(paths.APP_NAME, paths.APP_AUTHOR))


def log_file() -> Path:
    return log_dir() / LOG_NAME


def _user_only(path: Path, mode: int) -> None:
    # a file system without POSIX modes (Windows: the profile's ACL applies)
    with contextlib.suppress(OSError):
        os.chmod(path, mode)


class _UserOnlyRotatingHandler(logging.handlers.RotatingFileHandler):
    def _open(self):  # type: ignore[no-untyped-def]
        stream = super()._open()
        _user_only(Path(self.baseFilename), 0o600)
        return stream


def setup_logging(level: int = logging.INFO, secrets: Iterable[str] = ()) -> Path | None:
    """Attach the rotating file handler to the root logger once; returns the log file, or
    None when the folder cannot be written (the workbench runs on without a log)."""
    root = logging.getLogger()
    folder = log_dir()
    for handler in list(root.handlers):
        if isinstance(handler, _UserOnlyRotatingHandler):
            if Path(handler.baseFilename) == (folder / LOG_NAME).absolute():
                return Path(handler.baseFilename)
            root.removeHandler(handler)  # the log folder moved (tests, a changed profile)
            handler.close()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _user_only(folder, 0o700)
        handler = _UserOnlyRotatingHandler(
            folder / LOG_NAME, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(ScrubFilter(secrets))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    return folder / LOG_NAME


def tail(lines: int = 40) -> list[str]:
    """The last lines of the log (already scrubbed when written; scrubbed again here)."""
    path = log_file()
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return []
    return [scrub(line, _SECRETS) for line in text.splitlines()[-lines:]]
