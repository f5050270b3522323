"""Start-up work moved off the first paint (issue #17): the region outlines dissolved once per
cache, the display sorts warmed while the window is built, pandas imported on a thread."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from workbench.core.config import load_settings


def test_regions_are_dissolved_once_across_starts(qtbot, small_demo_cache, monkeypatch):
    from workbench.core import region_outlines
    from workbench.qt.app import start_gui

    calls: list[int] = []
    real = region_outlines.dissolve_by_region
    monkeypatch.setattr(
        region_outlines,
        "dissolve_by_region",
        lambda geoms, keys: calls.append(len(geoms)) or real(geoms, keys),
    )
    for _ in range(2):
        session = start_gui(small_demo_cache, settings=load_settings(), lang="da")
        try:
            qtbot.waitUntil(session.window.is_idle, timeout=30_000)
            assert not session.window.map.regions.path().isEmpty()  # drawn both times
        finally:
            session.close()
    assert len(calls) == 1


def test_a_new_session_warms_up_a_language_switch_does_not(qtbot, small_demo_cache, monkeypatch):
    from workbench.core import preload
    from workbench.core.session import Workspace
    from workbench.qt.app import start_gui

    warmed: list[Workspace] = []
    real = Workspace.warm_up
    monkeypatch.setattr(
        Workspace, "warm_up", lambda self, **kw: warmed.append(self) or real(self, **kw)
    )
    preloads: list[bool] = []
    real_preload = preload.start_preload
    monkeypatch.setattr(preload, "start_preload", lambda: preloads.append(True) or real_preload())
    session = start_gui(small_demo_cache, settings=load_settings(), lang="da")
    try:
        first = session.window
        qtbot.waitUntil(first.is_idle, timeout=30_000)
        # no jobcenter scope: nothing is bound before the first paint, pandas comes after
        assert warmed == [first.workspace] and preloads == []
        first.languageRequested.emit("en")
        qtbot.waitUntil(session.window.is_idle, timeout=30_000)
        assert session.window.workspace is first.workspace
        assert len(warmed) == 1  # the session's rows are sorted already
    finally:
        session.close()


def test_the_preload_imports_pandas():
    """pandas is still imported (for DuckDB's first bound parameter and the exports), only
    earlier and on a thread of its own."""
    code = (
        "import sys\n"
        "from workbench.core.preload import start_preload\n"
        "assert 'pandas' not in sys.modules\n"
        "thread = start_preload()\n"
        "thread.join()\n"
        "import pandas\n"
        "assert pandas.DataFrame is not None\n"
        "assert start_preload() is None\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_cache_opens_while_qt_starts_and_is_purged_before_the_window(
    qtbot, small_demo_cache, monkeypatch
):
    """The cache's open (keyring, httpfs, ATTACH) and the retention purge run on a thread
    while Qt starts (issue #17, second round); the purge still comes before the window."""
    import threading

    from workbench.core import retention
    from workbench.qt import app

    events: list[tuple[str, str]] = []
    real_purge, real_window = retention.purge_at_start, app.create_main_window

    def purge(con, settings):
        events.append(("purge", threading.current_thread().name))
        return real_purge(con, settings)

    def window(*args, **kwargs):
        events.append(("window", threading.current_thread().name))
        return real_window(*args, **kwargs)

    monkeypatch.setattr(retention, "purge_at_start", purge)
    monkeypatch.setattr(app, "create_main_window", window)
    session = app.start_gui(small_demo_cache, settings=load_settings(), lang="da")
    try:
        qtbot.waitUntil(session.window.is_idle, timeout=30_000)
        assert events == [("purge", "open-cache"), ("window", "MainThread")]
        assert session.window.result is not None and len(session.window.result.companies) > 0
    finally:
        session.close()


def test_the_companies_sort_starts_when_the_cache_opens(qtbot, small_demo_cache, monkeypatch):
    """The companies' display order (~0.3 s in DuckDB nationally) is sorted from the moment
    the cache is open, beside the imports; the window's Workspace uses it instead of
    sorting again, and the tables show the same order as a plain query's."""
    import threading

    import numpy as np

    from workbench.core.filters import Filter
    from workbench.core.search import pipeline, run_filter
    from workbench.qt.app import start_gui

    sorts: list[tuple[str, str]] = []
    real = pipeline.display_rank
    monkeypatch.setattr(
        pipeline,
        "display_rank",
        lambda cur, entity: (
            sorts.append((entity, threading.current_thread().name)) or real(cur, entity)
        ),
    )
    session = start_gui(small_demo_cache, settings=load_settings(), lang="da")
    try:
        window = session.window
        qtbot.waitUntil(window.is_idle, timeout=30_000)
        assert window.workspace.ranks is session.early_sort.ranks
        assert sorted(sorts) == [
            ("candidates", "workspace-warm-up"),
            ("companies", "early-sort"),
        ]
        plain = run_filter(window.con.cursor(), Filter(today=window.today), None, postings=False)
        np.testing.assert_array_equal(window.result.companies.rid, plain.companies.rid)
        session.early_sort.stop()  # joins the finished sort
        with pytest.raises(duckdb.Error):  # its cursor is closed: nothing holds the file
            session.early_sort._cursor.execute("SELECT 1")
    finally:
        session.close()
