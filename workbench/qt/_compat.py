"""Work around a reference-count defect of the installed PySide6 on CPython < 3.12.

PySide6 6.12.0 (abi3 wheel) returns ``None`` from void methods, and ``True``/``False`` from
``Signal.emit``, without taking a reference, as if they were immortal objects (they are only
since Python 3.12, PEP 683). On 3.11 every such call takes one reference away; ``None``
starts with ~5,000, so a window crashes with "Fatal Python error: none_dealloc" after a few
thousand calls (``QTimer.stop()``, ``QPainter.drawPath()``, ``processEvents()`` ...).

These singletons are statically allocated and never freed, so giving them a huge reference
count makes them immortal in effect, which is what 3.12 does. Remove this module once the
project requires Python >= 3.12 or pins a PySide6 that counts correctly on 3.11.
"""

from __future__ import annotations

import ctypes
import sys

_BOOST = 1 << 40


def immortalize_singletons() -> bool:
    """Give None/True/False an effectively infinite reference count on Python < 3.12."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    for obj in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is PyObject's first field
        if refcnt.value < _BOOST:
            refcnt.value += _BOOST
    return True
