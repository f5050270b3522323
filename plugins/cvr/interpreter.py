"""Interpreter settings held while a refresh maps documents.

Fewer garbage collections: a page of 1000 CVR documents decodes to tens of thousands of
objects. With the default threshold (a collection every 700 new containers) the collector
walked each of them several times before the page was dropped, which cost about 45% of
decoding and mapping (measured on 20k synthetic documents: 1.6 s -> 0.85 s CPU). The
documents hold no reference cycles (they are freed by reference counting page by page), so
collecting rarely costs no memory here.

Quicker thread switches: the next page is fetched on a thread while this one is mapped. That
thread gives up the GIL at each network read and then waits for the mapping thread to hand
it back, by default after 5 ms: a page took ~25 ms to fetch beside the mapping instead of
~7 ms alone, and the mapping waited for pages. With 0.5 ms a national load ran ~15% faster
(17.2–17.5k → 20.0–20.6k documents/s, issue #17); the window's thread, if it runs beside,
gets the GIL sooner too.

Both settings are process-wide: nested or concurrent refreshes share them, and the first
caller's values are restored when the last one ends.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

FEW_COLLECTIONS_THRESHOLD = 100_000  # new containers between two young collections
QUICK_SWITCH_S = 0.0005  # the GIL handed over after at most 0.5 ms (default 5 ms)


class _ProcessSetting:
    """A process-wide setting changed while at least one block holds it."""

    def __init__(
        self,
        read: Callable[[], Any],
        write: Callable[[Any], None],
        held: Callable[[Any], Any],
    ) -> None:
        self._read, self._write, self._held = read, write, held
        self._lock = threading.Lock()
        self._users = 0
        self._saved: Any = None

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._saved = self._read()
                self._write(self._held(self._saved))
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._write(self._saved)
                    self._saved = None


_collections = _ProcessSetting(
    gc.get_threshold,
    lambda threshold: gc.set_threshold(*threshold),
    lambda saved: (max(FEW_COLLECTIONS_THRESHOLD, saved[0]), *saved[1:]),
)
_switches = _ProcessSetting(
    sys.getswitchinterval,
    sys.setswitchinterval,
    lambda saved: min(QUICK_SWITCH_S, saved),
)


def fewer_collections() -> Any:
    """Raise the young-generation threshold for the duration of the block."""
    return _collections.hold()


def quick_switches() -> Any:
    """Hand the GIL over after at most ``QUICK_SWITCH_S`` for the duration of the block."""
    return _switches.hold()
