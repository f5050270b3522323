"""``workbench screenshot``: render the main window offscreen to a PNG.

Waits until the first query has been applied and the map has painted, then grabs.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.errors import WorkbenchError

TIMEOUT_MS = 120_000


def render_screenshot(
    out: Path, cache_path: Path, *, width: int, height: int, settings: Settings, lang: str | None
) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer

    from workbench.qt.app import create_main_window, ensure_app

    if width < 200 or height < 150:
        raise WorkbenchError(f"screenshot size {width}x{height} is too small (at least 200x150)")
    app = ensure_app()
    con = cache.connect(cache_path)
    try:
        window = create_main_window(con, cache_path=Path(cache_path), settings=settings, lang=lang)
        try:
            window.resize(width, height)
            window.show()
            loop = QEventLoop()
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(loop.quit)
            window.resultsApplied.connect(lambda _r: loop.quit())
            window.queryFailed.connect(lambda _m: loop.quit())
            if not window.is_idle():
                timer.start(TIMEOUT_MS)
                loop.exec()
            if not window.is_idle():
                raise WorkbenchError(
                    "the window did not finish its queries in time; no screenshot written"
                )
            window.map.refresh_layers()  # the final size is known now
            app.processEvents()
            image = window.grab().toImage()
            if image.width() != width or image.height() != height:
                image = image.scaled(width, height)
            out = Path(out)
            out.parent.mkdir(parents=True, exist_ok=True)
            if not image.save(str(out), "PNG"):
                raise WorkbenchError(f"cannot write {out}")
        finally:
            window.shutdown()
            window.close()
            window.deleteLater()
            app.processEvents()
    finally:
        con.close()
