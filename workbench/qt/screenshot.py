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
    out: Path,
    cache_path: Path,
    *,
    width: int,
    height: int,
    settings: Settings,
    lang: str | None,
    job_order: str | None = None,
) -> str | None:
    """Write the PNG; return the basemap's one-line problem (refused token, moved service).
    ``job_order``: a saved job order's id or a job order JSON file, opened and matched."""
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
            if job_order is not None:
                _open_job_order(window, job_order)
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


def _open_job_order(window, ref: str) -> None:
    """Open the job order ``ref`` (an id in the cache, or a JSON file) and wait for its match."""
    import json

    from workbench.core.matching.order import JobOrder, JobOrderError
    from workbench.core.matching.orders import load_job_order

    dock = window.job_order_dock
    try:
        if Path(ref).suffix.lower() == ".json" or Path(ref).is_file():
            try:
                data = json.loads(Path(ref).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise WorkbenchError(f"--job-order: cannot read {ref}: {exc}") from None
            order = JobOrder.from_json(data).with_deadlines()
        else:
            order = load_job_order(dock.store, ref)
    except JobOrderError as exc:
        raise WorkbenchError(f"--job-order: {exc}") from None
    failed: list[str] = []
    dock.runner.failed.connect(lambda _t, message: failed.append(message))
    dock.open_order(order)
    wait_until(lambda: failed or (dock.result is not None and not dock.busy()), TIMEOUT_MS)
    if failed:
        raise WorkbenchError(f"--job-order: {failed[0]}")
    wait_until(window.map.is_settled, 15_000)
    if dock.results.table.rowCount():
        dock.results.table.setCurrentCell(0, 0)  # the best candidate explained
