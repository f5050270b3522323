"""Modules the first queries import, imported early on a thread of their own.

DuckDB's Python client imports pandas at the first query with parameters (binding a value
checks it against ``pandas.NaT``): ~0.3 s CPU on the bench machine (issue #17). The
start-up up to the first painted map binds no parameter, so pandas is imported after it
(the warm-up's filter caches: :func:`import_preloaded`). Where a start must bind (a
jobcenter scope is a parameter of the first query), :func:`start_preload` imports it on a
thread from the start, while the cache opens; the first query with parameters then finds
pandas imported, or waits for the rest of the import on Python's import lock.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

PRELOADED = ("pandas",)


def import_preloaded() -> None:
    """Import :data:`PRELOADED` now, on the caller's thread (a failure is left to the code
    that needs the module)."""
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the first query then imports it (and reports it) itself
            logging.getLogger(__name__).debug("preloading %s failed: %s", name, exc)


def start_preload() -> threading.Thread | None:
    """Start importing :data:`PRELOADED` on a daemon thread; None when all are imported."""
    if all(name in sys.modules for name in PRELOADED):
        return None
    thread = threading.Thread(target=import_preloaded, name="preload-imports", daemon=True)
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


class LazyModule:
    """A module imported at its first attribute use: for modules the window's code uses
    only after its first paint (pyarrow, ~0.1 s CPU: the matching engine and campaign
    ranking are imported with their docks, issue #17). Not put in ``sys.modules``, so
    other importers are unaffected; the import itself takes Python's import lock."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:  # only for names the proxy does not have
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
