"""The worker process of :mod:`.mappers`: ``python -m workbench.plugins.cvr.map_worker``.

It reads pages from stdin and writes mapped pages to stdout, in order, until stdin ends:

- in: ``<B kind><Q length>`` then the answer's bytes (kind: 0 ``virksomhed``, 1
  ``produktionsenhed``);
- out: ``<Q length>`` then a pickle of ``("ok", MappedPage)`` or ``("error", type name,
  message, is a PluginError)``.

A process of its own, started with the interpreter's ``-m`` (the bundle's launcher does the
same), not ``multiprocessing``: spawn would run the caller's main script again in the worker,
and a script without a ``__main__`` guard would then do its work twice.
"""

from __future__ import annotations

import gc
import importlib.abc
import os
import pickle
import signal
import struct
import sys
import traceback
from typing import Any, BinaryIO

from workbench.core.plugins.api import PluginError

from .interpreter import FEW_COLLECTIONS_THRESHOLD
from .page_mapping import COMPANY_INDEX, UNIT_INDEX, map_page

KINDS = (COMPANY_INDEX, UNIT_INDEX)
IN_HEAD = struct.Struct("<BQ")
OUT_HEAD = struct.Struct("<Q")


def serve(inp: BinaryIO, out: BinaryIO) -> int:
    """Map the pages of ``inp`` to ``out`` until ``inp`` ends."""
    # The same reasoning as ``interpreter.fewer_collections``: pages hold no cycles.
    gc.set_threshold(FEW_COLLECTIONS_THRESHOLD, *gc.get_threshold()[1:])
    while True:
        head = inp.read(IN_HEAD.size)
        if len(head) < IN_HEAD.size:
            return 0
        code, length = IN_HEAD.unpack(head)
        raw = inp.read(length)
        if len(raw) < length:
            return 0
        try:
            reply = pickle.dumps(("ok", map_page(KINDS[code], raw)), protocol=5)
        except Exception as exc:  # the caller raises it in the refresh
            reply = pickle.dumps(
                ("error", type(exc).__name__, str(exc), isinstance(exc, PluginError))
            )
        out.write(OUT_HEAD.pack(len(reply)))
        out.write(reply)
        out.flush()


class _WithoutPandas(importlib.abc.MetaPathFinder):
    """pandas cannot be imported: pyarrow's first ``pa.array()`` imports it when installed
    (~0.3 s before the first page is mapped, while the refresh waits), and this process
    never uses it. pyarrow then works as where pandas is not installed."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError(f"{name} is not used in the cvr mapping worker")
        return None


def main() -> int:
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WithoutPandas())
    # Ctrl+C in a terminal reaches the whole process group: the app decides, not the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # stdout carries frames only: the frames get their own descriptor, and anything else
    # written to stdout (a print, a C library) goes to stderr.
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        return serve(sys.stdin.buffer, out)
    except BaseException:  # end with the reason on stderr: never wait on a dialog or a TTY
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)


if __name__ == "__main__":
    sys.exit(main())
