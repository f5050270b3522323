"""``workbench screenshot``: render the main window offscreen to a PNG.

Waits until the first query has been applied and the map has painted, then grabs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from workbench.core.config import Settings
from workbench.core.errors import WorkbenchError
from workbench.core.store import Store

TIMEOUT_MS = 120_000


def wait_until(predicate, timeout_ms: int) -> bool:
    """Run the event loop until ``predicate()`` holds or ``timeout_ms`` passes."""
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.monotonic() + timeout_ms / 1000
    # Events handled after the quit (a table painting, which starts a page read) can make
    # the predicate false again before the loop returns: run again until it holds.
    while not predicate():
        left_ms = int((end - time.monotonic()) * 1000)
        if left_ms <= 0:
            return False
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(10)
        poll.timeout.connect(lambda loop=loop: predicate() and loop.quit())
        deadline = QTimer()
        deadline.setSingleShot(True)
        deadline.timeout.connect(loop.quit)
        poll.start()
        deadline.start(left_ms)
        loop.exec()
        poll.stop()
        deadline.stop()
    return True


def render_screenshot(
    out: Path, cache_path: Path, *, width: int, height: int, settings: Settings, lang: str | None
) -> str | None:
    """Write the PNG; return the basemap's one-line problem (refused token, moved service)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from workbench.qt.app import create_main_window, ensure_app

    if width < 200 or height < 150:
        raise WorkbenchError(f"screenshot size {width}x{height} is too small (at least 200x150)")
    app = ensure_app()
    con = Store.open(cache_path).con
    try:
        window = create_main_window(con, cache_path=Path(cache_path), settings=settings, lang=lang)
        try:
            window.resize(width, height)
            window.show()
            wait_until(window.is_idle, TIMEOUT_MS)
            if not window.is_idle():
                raise WorkbenchError(
                    "the window did not finish its queries in time; no screenshot written"
                )
            # tiles of the final view (cached or from the network), briefly
            window.map.refresh_layers()
            wait_until(window.map.tiles_settled, 15_000)
            window.map.refresh_layers()  # the final size is known now
            app.processEvents()
            image = window.grab().toImage()
            if image.width() != width or image.height() != height:
                image = image.scaled(width, height)
            out = Path(out)
            out.parent.mkdir(parents=True, exist_ok=True)
            if not image.save(str(out), "PNG"):
                raise WorkbenchError(f"cannot write {out}")
            return window.map.basemap_problem
        finally:
            window.shutdown()
            window.close()
            window.deleteLater()
            app.processEvents()
    finally:
        con.close()
