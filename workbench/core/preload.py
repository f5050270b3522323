"""Modules the first queries import, imported early on a thread of their own.

DuckDB's Python client imports pandas at the first query with parameters (binding a value
checks it against ``pandas.NaT``): ~350 ms at start-up on the bench machine, on the GUI
thread, before the window exists (issue #17). Started before the cache is opened, the
import runs while the opening waits on C++ (the httpfs extension, the encrypted ATTACH)
without the GIL; the first query with parameters then finds pandas imported, or waits for
the rest of the import on Python's import lock.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

PRELOADED = ("pandas",)


def _import_all() -> None:
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the first query then imports it (and reports it) itself
            logging.getLogger(__name__).debug("preloading %s failed: %s", name, exc)


def start_preload() -> threading.Thread | None:
    """Start importing :data:`PRELOADED` on a daemon thread; None when all are imported."""
    if all(name in sys.modules for name in PRELOADED):
        return None
    thread = threading.Thread(target=_import_all, name="preload-imports", daemon=True)
    thread.start()
    return thread


def start_call(fn: Callable[[], T], name: str) -> Callable[[], T]:
    """Run ``fn`` on a daemon thread now; the returned function waits for it and returns
    its value or raises its exception (start-up work that can overlap the Qt start, such
    as opening the cache: the keyring lookup, DuckDB's extension load and ATTACH)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()

    def result() -> T:
        thread.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["value"]  # type: ignore[return-value]

    return result
