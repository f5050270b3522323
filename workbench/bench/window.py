"""What users feel in the window, measured in this process (run it as a subprocess so the
peak RSS is the window's own)::

    python -m workbench.bench.window --cache PATH --repeat N   # prints one JSON line

- ``search_ms``: ``run_filter`` alone (headless, warm ranks) over the suite's filters;
- ``candidates_filter_to_paint_ms`` / ``companies_filter_to_paint_ms``: submit a filter
  (the panel's typing debounce is not counted) → the map's frames for it applied and
  painted by the window's own paint, and the result applied (counts updated); the real
  main window, offscreen, 1600x1000, started as the app starts a session (with the
  warm-up, waited for: a user sees the first map before choosing a filter);
- ``pan_zoom_repaint_ms``: all of Denmark → one municipality, and back, each until the new
  frames are applied and painted (the map's settle debounce included);
- ``table_open_ms``: show the companies tab of all rows (1M at national scale) and scroll to
  the end, until the visible rows are read and painted;
- ``window_peak_rss_mb``: the peak resident memory of this process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.bench.filters import bench_filters
from workbench.bench.memory import peak_rss_mb

WINDOW_SIZE = (1600, 1000)
WAIT_MS = 120_000


def measure_search(cur: Any, filters: list[Any]) -> list[float]:
    """The query pipeline alone, with the display ranks warm as in the window (its start-up
    warm-up: sorts, collaboration bits, days, the values and codes the filters read)."""
    from workbench.core.search.pipeline import DisplayRanks, run_filter

    ranks = DisplayRanks()
    ranks.warm(cur, filters[0].reference_date())  # as the window's start-up warm-up does
    times = []
    for f in filters:
        t0 = time.perf_counter()
        run_filter(cur, f, ranks, postings=False)
        times.append((time.perf_counter() - t0) * 1e3)
    return times


class WindowBench:
    """The main window on a cache, with helpers that wait on its signals."""

    def __init__(self, cache_path: Path) -> None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from workbench.core.config import load_settings
        from workbench.core.store import Store
        from workbench.qt.app import create_main_window, ensure_app

        self.app = ensure_app()
        self.con = Store.open(cache_path).con
        # As the app starts a new session: with the warm-up (display sorts, filter caches)
        self.window = create_main_window(
            self.con, cache_path=cache_path, settings=load_settings(), lang="da", warm_up=True
        )
        self.window.resize(*WINDOW_SIZE)
        self.window.show()
        self.map = self.window.map
        self.applied = 0  # results applied to the window (tables and counts)
        # CPU ms of this process (all threads) per measure: the cost, which the load of a
        # shared machine does not inflate as it does the wall-clock figures
        self.cpu_ms: dict[str, list[float]] = {}
        self.window.resultsApplied.connect(self._on_applied)
        ws = self.window.workspace
        if not self.wait_for(lambda: self.window.is_idle() and not ws.warming_up()):
            raise RuntimeError("the window did not finish its first query in time")

    def _on_applied(self, _result: Any) -> None:
        self.applied += 1

    def wait_for(self, done: Callable[[], bool]) -> bool:
        """Run the event loop until ``done()``, woken by the map's and the window's signals.
        ``done_at`` is when ``done()`` was seen to hold: the loop quits only after the events
        of the same pass (e.g. a table's paint), which the user does not wait for."""
        from PySide6.QtCore import QEventLoop, QTimer

        end = time.monotonic() + WAIT_MS / 1000
        self.done_at: float | None = None
        # Events handled after the quit (a table paint starting a page read) can make
        # ``done()`` false again: run again until it holds.
        while not done():
            self.done_at = None
            left_ms = int((end - time.monotonic()) * 1000)
            if left_ms <= 0:
                return False
            loop = QEventLoop()
            guard = QTimer()
            guard.setSingleShot(True)
            guard.timeout.connect(loop.quit)
            poll = QTimer()  # the map's settle debounce ends without a signal of its own
            poll.setInterval(5)

            def check(*_args: Any, loop: QEventLoop = loop) -> None:
                if done():
                    if self.done_at is None:
                        self.done_at = time.perf_counter()
                    loop.quit()

            signals = (
                self.map.layersRefreshed,
                self.map.framesPainted,
                self.window.resultsApplied,
                self.window.pointsApplied,
                poll.timeout,
            )
            for s in signals:
                s.connect(check)
            guard.start(left_ms)
            poll.start()
            loop.exec()
            poll.stop()
            guard.stop()
            for s in signals:
                s.disconnect(check)
        if self.done_at is None:
            self.done_at = time.perf_counter()
        return True

    def timed(self, key: str, run: Callable[[], Any]) -> float:
        """Wall ms from the start of ``run()`` to the moment its last wait was done; its CPU
        ms (to its return) go to ``cpu_ms[key]``."""
        c0, t0 = time.process_time(), time.perf_counter()
        run()
        ms = ((self.done_at or time.perf_counter()) - t0) * 1e3
        self.cpu_ms.setdefault(key, []).append((time.process_time() - c0) * 1e3)
        return ms

    def filter_to_paint(self, flt: Any, key: str = "filter_to_paint_ms") -> float:
        """Submit ``flt`` → its frames on the map, repainted, and its counts shown (ms)."""
        before = self.applied

        def run() -> None:
            self.window.apply_filter(flt)
            self.wait_for(
                lambda: (
                    self.applied > before and self.window.map_is_current() and self.map.is_painted()
                )
            )

        ms = self.timed(key, run)
        self.settle()
        return ms

    def settle(self) -> None:
        """Wait until the window is idle and the shown table painted its rows (sorted, its
        pages read), so one measure's table work does not run into the next."""
        pane = self.window.results_pane

        def done() -> bool:
            view = pane.tabs.currentWidget()
            rows_ready = view is None or not hasattr(view, "rowAt") or visible_rows_ready(view)
            return self.window.is_idle() and rows_ready

        self.wait_for(done)
        self.app.processEvents()  # the paint of the rows just read
        self.wait_for(done)

    def view_to_paint(self, change: Callable[[], Any]) -> float:
        def run() -> None:
            change()
            self.wait_for(self.map.is_painted)

        return self.timed("pan_zoom_repaint_ms", run)

    def table_open(self) -> float:
        """Companies tab (all rows) shown and scrolled to the end, its rows read and painted."""
        pane = self.window.results_pane
        view = pane.tables["companies"]
        model = pane.models["companies"]
        pane.tabs.setCurrentWidget(pane.tables["candidates"])
        view.scrollToTop()
        model.set_rids(model.rids())  # forget the pages read before: a cold open
        self.app.processEvents()

        def run() -> None:
            pane.tabs.setCurrentWidget(view)
            view.scrollToBottom()
            view.viewport().repaint()
            self.wait_for(lambda: visible_rows_ready(view))
            view.viewport().repaint()
            self.done_at = time.perf_counter()  # the rows painted

        return self.timed("table_open_ms", run)

    def close(self) -> None:
        self.window.shutdown()
        self.window.close()
        self.con.close()


def visible_rows_ready(view: Any) -> bool:
    """The rows the table shows are read (a model that reads pages in the background says so
    with ``rows_ready``; one that reads on the GUI thread has them once painted)."""
    model = view.model()
    ready = getattr(model, "rows_ready", None)
    if ready is None:
        return True
    first = view.rowAt(0)
    last = view.rowAt(view.viewport().height() - 1)
    if first < 0:
        return True
    if last < 0:
        last = model.rowCount() - 1
    return bool(ready(first, last))


def measure_window(cache_path: Path, repeat: int) -> dict[str, Any]:
    """Every window measure as lists of ms, plus the peak RSS (MB) and the row counts."""
    from workbench.core.filters import Filter
    from workbench.core.store.gateway import reference_date

    bench = WindowBench(cache_path)
    try:
        cur = bench.con.cursor()
        today = reference_date(cur)
        filters = bench_filters(cur, today, repeat)
        search = measure_search(cur, [*filters.candidates, *filters.companies])
        cur.close()
        cand = [
            bench.filter_to_paint(f, "candidates_filter_to_paint_ms") for f in filters.candidates
        ]
        comp = [bench.filter_to_paint(f, "companies_filter_to_paint_ms") for f in filters.companies]
        bench.filter_to_paint(Filter(today=bench.window.today), "all")  # everything, for the rest
        muni = _busiest_municipality(bench)
        pan: list[float] = []
        for _ in range(repeat):
            pan.append(bench.view_to_paint(lambda: bench.map.zoom_to_municipality(muni)))
            pan.append(bench.view_to_paint(bench.map.reset_view))
        table = [bench.table_open() for _ in range(repeat)]
        counts = {e: len(bench.map.layers[e]) for e in ("candidates", "companies")}
    finally:
        bench.close()
    return {
        "search_ms": search,
        "candidates_filter_to_paint_ms": cand,
        "companies_filter_to_paint_ms": comp,
        "pan_zoom_repaint_ms": pan,
        "table_open_ms": table,
        "window_peak_rss_mb": peak_rss_mb(),
        "cpu_ms": {k: v for k, v in bench.cpu_ms.items() if k != "all"},
        "points": counts,
        "municipality": muni,
    }


def _busiest_municipality(bench: WindowBench) -> str:
    names = bench.map.municipality_names()
    row = bench.con.execute(
        "SELECT m.navn FROM companies c JOIN municipalities m ON m.kode = c.kommune_kode "
        "GROUP BY m.navn ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    if row and row[0] in names:
        return str(row[0])
    return names[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="window measures of workbench bench")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    print(json.dumps(measure_window(args.cache, args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
