"""New data and a language change keep what the user looks at: the filter, the one
selection and the map view stay (issue #11); a saved selection brings its filter back."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.config import load_settings
from workbench.layers.selection import Selection

SEL = Selection.radius(555_000, 6_320_000, 60_000)  # around Aalborg
VIEW = (520_000.0, 6_280_000.0, 600_000.0, 6_360_000.0)


def _set_up_view(qtbot, window) -> tuple[float, ...]:
    window.filters.municipality.add("0851")
    window.filters.emit_now()
    window.set_selection(SEL)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    window.map.set_extent(VIEW)
    return window.map.view_extent()


def _assert_kept(window, view: tuple[float, ...]) -> None:
    assert window.filters.current_filter().municipalities == ("0851",)
    assert window.workspace.filter.municipalities == ("0851",)
    assert window.selection == SEL and window.map.spatial_selection == SEL
    # Same centre; the map's fixed aspect may show a little more if its widget's shape
    # changed (English labels make the docks wider), never less.
    xmin, ymin, xmax, ymax = window.map.view_extent()
    np.testing.assert_allclose(
        ((xmin + xmax) / 2, (ymin + ymax) / 2),
        ((view[0] + view[2]) / 2, (view[1] + view[3]) / 2),
        atol=1.0,
    )
    assert xmin <= view[0] + 1 and ymin <= view[1] + 1 and xmax >= view[2] - 1
    assert ymax >= view[3] - 1 and (xmax - xmin) * (ymax - ymin) < 1.5 * (
        (view[2] - view[0]) * (view[3] - view[1])
    )


def test_a_refresh_or_import_reloads_in_place(qtbot, window):
    view = _set_up_view(qtbot, window)
    shown = window.result.candidates.rid.size
    assert shown > 0
    window.con.execute("DELETE FROM candidates WHERE rid % 2 = 0")  # what an import may do
    with qtbot.waitSignal(window.dataReloaded, timeout=10_000):
        window.reloadRequested.emit()  # as the refresh dialog and import wizard do
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    _assert_kept(window, view)
    rids = window.result.candidates.rid
    assert 0 < rids.size < shown and (rids % 2 == 1).all()  # the new rows, not the old ones
    assert window.models["candidates"].rowCount() == rids.size


@pytest.fixture
def session(qtbot, small_demo_cache, monkeypatch):
    from workbench.qt.app import start_gui

    monkeypatch.setenv("WORKBENCH_NO_FIRST_START", "1")
    s = start_gui(small_demo_cache, settings=load_settings(), lang="da")
    qtbot.waitUntil(s.window.is_idle, timeout=30_000)
    yield s
    s.close()


def test_a_language_change_keeps_filter_selection_and_view(qtbot, session):
    first = session.window
    view = _set_up_view(qtbot, first)
    shown = first.result.candidates.rid.tolist()
    first.languageRequested.emit("en")
    window = session.window
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.tabs.tabText(0).startswith("Candidates")
    _assert_kept(window, view)
    assert window.result.candidates.rid.tolist() == shown


def test_a_cache_switch_reloads_the_same_window(qtbot, session, tmp_path):
    import shutil

    window = session.window
    view = _set_up_view(qtbot, window)
    other = tmp_path / "other.duckdb"
    shutil.copy(session.cache_path, other)
    session.switch_cache(other)
    assert session.window is window and window.cache_path == other
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    _assert_kept(window, view)
    assert other.name in window.windowTitle()


def test_a_saved_selection_restores_the_filter_saved_with_it(qtbot, window):
    _set_up_view(qtbot, window)
    saved = window.result.candidates.rid.tolist()
    window.map_view.save_current_selection("Nord")
    window.filters.reset()
    window.filters.emit_now()
    window.clear_selection()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.filters.current_filter().municipalities == ()
    window.load_saved_selection("Nord")
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.filters.current_filter().municipalities == ("0851",)  # the dock follows
    assert window.selection == SEL
    assert window.result.candidates.rid.tolist() == saved
