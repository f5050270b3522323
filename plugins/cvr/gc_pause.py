"""Fewer garbage collections while a refresh maps documents.

A page of 1000 CVR documents decodes to about 60,000 dicts and lists. With the default
threshold (a collection every 700 new containers) the collector walks each of them several
times before the page is dropped, which cost about 45% of decoding and mapping (measured on
20k synthetic documents: 1.6 s -> 0.85 s CPU). The documents hold no reference cycles (they
are freed by reference counting page by page), so collecting rarely costs no memory here.

The threshold is process-wide: nested or concurrent refreshes share one raised threshold,
and the first caller's setting is restored when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

FEW_COLLECTIONS_THRESHOLD = 100_000  # new containers between two young collections

_lock = threading.Lock()
_users = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the young-generation threshold for the duration of the block."""
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(FEW_COLLECTIONS_THRESHOLD, _saved[0]), *_saved[1:])
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
