"""The start-up up to the first painted map binds no DuckDB parameter, so pandas (which DuckDB
imports at the first bound one, ~0.3 s CPU) is imported after it, by the warm-up (issue #17,
third round)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from workbench.core import cache, retention

# Starts the window as ``workbench gui`` does, notes whether pandas is imported when the first
# result is shown (its map painted), then waits for the warm-up.
START = """
import os, sys
os.environ["WORKBENCH_NO_FIRST_START"] = "1"
from workbench.core.config import load_settings
from workbench.qt.app import start_gui
from workbench.qt.screenshot import wait_until

session = start_gui(sys.argv[1], settings=load_settings(), lang="da")
window = session.window
seen = []
window.resultsApplied.connect(
    lambda result: seen.append(("pandas" in sys.modules, window.map.paint_count > 0))
)
try:
    assert wait_until(lambda: bool(seen) and window.is_idle(), 60_000), "no first result"
    assert wait_until(lambda: not window.workspace.warming_up(), 60_000), "warm-up hangs"
    print(seen[0][0], seen[0][1], "pandas" in sys.modules, len(window.result.companies))
finally:
    session.close()
"""


def _start(path: Path) -> list[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", START, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.fixture
def confirmed_cache(small_demo_cache: Path) -> Path:
    """Not a demo (the retention purge runs), every jobcenter confirmed now: a usual start."""
    con = cache.connect(small_demo_cache)
    try:
        con.execute("DELETE FROM cache_meta WHERE key = 'dataset'")
        rows = con.execute("SELECT DISTINCT jobcenter FROM candidates").fetchall()
        retention.confirm(con, [r[0] for r in rows], datetime.now())
    finally:
        con.close()
    return small_demo_cache


def test_the_first_map_is_painted_before_pandas_is_imported(confirmed_cache: Path) -> None:
    _start(confirmed_cache)  # the first start on these boundaries keeps the region outlines
    pandas_at_paint, painted, pandas_after, companies = _start(confirmed_cache)
    assert painted == "True"
    assert pandas_at_paint == "False"
    assert pandas_after == "True"  # the warm-up imported it for the first filter
    assert int(companies) > 0  # the first result shows every row


def test_with_a_jobcenter_scope_pandas_is_preloaded_while_the_cache_opens(
    qtbot, small_demo_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first query binds the jobcenter: the import overlaps the open, as before."""
    from workbench.core import preload
    from workbench.core.config import load_settings
    from workbench.qt.app import start_gui

    Path(os.environ["WORKBENCH_USER_CONFIG"]).write_text(
        '[user]\njobcenter = "0101"\n', encoding="utf-8"
    )
    preloads: list[bool] = []
    real = preload.start_preload
    monkeypatch.setattr(preload, "start_preload", lambda: preloads.append(True) or real())
    session = start_gui(small_demo_cache, settings=load_settings(), lang="da")
    try:
        qtbot.waitUntil(session.window.is_idle, timeout=30_000)
        assert preloads == [True]
        assert session.window.result is not None
    finally:
        session.close()


def test_date_literal_takes_dates_only() -> None:
    assert cache.date_literal(date(2026, 1, 2)) == "DATE '2026-01-02'"
    for value in ("2026-01-02'; DROP TABLE candidates; --", datetime(2026, 1, 2), None):
        with pytest.raises(TypeError):
            cache.date_literal(value)  # type: ignore[arg-type]


def test_the_window_modules_leave_pyarrow_to_its_first_use() -> None:
    """The matching engine and the campaign ranking come with their docks; pyarrow (~0.1 s
    CPU) is imported when they first use it."""
    code = (
        "import sys\n"
        "import workbench.qt.main_window\n"
        "assert 'pyarrow' not in sys.modules, 'imported with the window'\n"
        "from workbench.core.campaigns import ranking\n"
        "from workbench.core.matching import engine\n"
        "table = ranking.pa.table({'rid': ranking.pa.array([2, 1], ranking.pa.int64())})\n"
        "assert engine.pc.sort_indices(table['rid']).to_pylist() == [1, 0]\n"
        "assert isinstance(table['rid'], engine.pa.ChunkedArray)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def start_events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records "applied" (the first result applied to the window) and "shown" (the warm-up
    told the first result is shown), in order."""
    from workbench.core.session import Workspace
    from workbench.qt.main_window import MainWindow

    events: list[str] = []
    real_shown, real_apply = Workspace.result_shown, MainWindow._apply_result
    monkeypatch.setattr(
        MainWindow,
        "_apply_result",
        lambda self, *args: events.append("applied") or real_apply(self, *args),
    )
    monkeypatch.setattr(
        Workspace, "result_shown", lambda self: events.append("shown") or real_shown(self)
    )
    return events


def test_the_warm_up_goes_on_once_the_first_tables_are_painted(
    qtbot, small_demo_cache: Path, monkeypatch: pytest.MonkeyPatch, start_events: list[str]
) -> None:
    """The filter caches (and pandas) wait until the first result's map and tables are
    painted: started before the tables' paint, they held the GIL while it read its rows."""
    from workbench.core.config import load_settings
    from workbench.qt.app import start_gui
    from workbench.qt.results_table import ResultsTableView

    events = start_events
    real_paint = ResultsTableView.paintEvent
    monkeypatch.setattr(
        ResultsTableView,
        "paintEvent",
        lambda self, event: events.append("tables painted") or real_paint(self, event),
    )
    session = start_gui(small_demo_cache, settings=load_settings(), lang="da")
    try:
        qtbot.waitUntil(lambda: "shown" in events, timeout=30_000)
        assert session.window.map.paint_count > 0
        first = events.index("applied")
        assert "tables painted" in events[first : events.index("shown")]
        qtbot.waitUntil(lambda: not session.window.workspace.warming_up(), timeout=30_000)
    finally:
        session.close()


@pytest.mark.parametrize("painted", [True, False], ids=["painted", "never-painted"])
def test_the_warm_up_waits_for_the_tables_paint_or_its_guard(
    qtbot,
    small_demo_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    start_events: list[str],
    painted: bool,
) -> None:
    """A table whose first paint comes late (a window not yet exposed, as under Xvfb) holds
    the warm-up until it paints; a table that never paints holds it only until the guard."""
    from workbench.core.config import load_settings
    from workbench.qt import main_window
    from workbench.qt.app import start_gui
    from workbench.qt.results_table import ResultsTableView

    events = start_events
    gate = {"open": False}
    real_paint = ResultsTableView.paintEvent
    monkeypatch.setattr(main_window, "SHOWN_WAIT_MS", 1500)
    monkeypatch.setattr(  # a closed gate: the paint does not happen (nor its signal)
        ResultsTableView,
        "paintEvent",
        lambda self, event: gate["open"] and real_paint(self, event),
    )
    session = start_gui(small_demo_cache, settings=load_settings(), lang="da")
    try:
        qtbot.waitUntil(lambda: "applied" in events, timeout=30_000)
        applied_at = time.monotonic()
        qtbot.wait(400)
        assert "shown" not in events  # the table has not painted
        if painted:
            gate["open"] = True
            session.window.results_pane.shown_table().viewport().update()
            qtbot.waitUntil(lambda: "shown" in events, timeout=1000)
            assert time.monotonic() - applied_at < 1.4  # its paint, not the guard
        else:
            qtbot.waitUntil(lambda: "shown" in events, timeout=5000)
            assert time.monotonic() - applied_at >= 1.4  # the guard
        gate["open"] = True
        qtbot.waitUntil(lambda: not session.window.workspace.warming_up(), timeout=30_000)
    finally:
        session.close()
