"""Issue #17: a filter's map is painted before its tables and counts take the GUI thread."""

from __future__ import annotations

from workbench.core.filters import Filter, Range


def _filter(window, low: int) -> Filter:
    return Filter(unemployed_days=Range(low, None), today=window.filters.current_filter().today)


def test_the_tables_wait_until_the_map_painted_the_new_frames(qtbot, window):
    painted_when_applied: list[bool] = []
    window.resultsApplied.connect(
        lambda _r: painted_when_applied.append(window.map_is_current() and window.map.is_painted())
    )
    for low in (200, 20, 400):
        with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
            window.apply_filter(_filter(window, low))
        qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert painted_when_applied == [True, True, True]
    layer = window.map.layers["candidates"]
    assert sorted(layer.rid.tolist()) == sorted(window.models["candidates"].rids().tolist())


def test_a_hidden_map_does_not_hold_the_tables(qtbot, window):
    window.map.hide()
    waited: list[bool] = []
    window.resultsApplied.connect(lambda _r: waited.append(window._result_guard.isActive()))
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
        window.apply_filter(_filter(window, 300))
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert waited == [False]  # applied as it came, not after the guard's wait
    assert window.result is not None and window.result.flt.unemployed_days == Range(300, None)


def test_a_superseded_result_that_waited_is_dropped(qtbot, window):
    applied: list[Filter] = []
    window.resultsApplied.connect(lambda r: applied.append(r.flt))
    first, second = _filter(window, 50), _filter(window, 700)
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
        window.apply_filter(first)
        window.apply_filter(second)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert applied == [second]


def test_start_up_objects_leave_the_cycle_collector_after_the_first_result(window):
    import gc

    from workbench.qt import main_window

    assert window.result is not None
    assert main_window._FROZEN and gc.get_freeze_count() > 0


def test_a_jump_of_the_view_is_painted_once_with_its_frames(qtbot, window):
    """A municipality or all of Denmark is painted when its frames are there, not first as
    the old frames stretched to the new view."""
    m = window.map
    qtbot.waitUntil(m.is_painted, timeout=30_000)
    paints_when_applied: list[int] = []
    m.layersRefreshed.connect(lambda: paints_when_applied.append(m.paint_count))
    for jump in (lambda: m.zoom_to_municipality(m.municipality_names()[0]), m.reset_view):
        before = m.paint_count
        paints_when_applied.clear()
        jump()
        assert not m.viewport().updatesEnabled()  # held until the frames come
        qtbot.waitUntil(m.is_painted, timeout=30_000)
        assert m.viewport().updatesEnabled()
        assert paints_when_applied and paints_when_applied[0] == before  # no paint between
        assert m.paint_count > before


def test_a_held_paint_comes_back_without_frames(qtbot, window):
    m = window.map
    qtbot.waitUntil(m.is_painted, timeout=30_000)
    m._hold_paint()
    assert not m.viewport().updatesEnabled()
    qtbot.waitUntil(m.viewport().updatesEnabled, timeout=5_000)  # the guard
