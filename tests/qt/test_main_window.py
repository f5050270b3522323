"""The real main window on the small demo cache: filters, counts, map arrays, tables, selection."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from workbench.core.filters import Filter, Range
from workbench.core.query import count


def wait_applied(qtbot, window, action):
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000) as blocker:
        action()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    return blocker.args[0]


def test_window_opens_with_demo_data_marked(window):
    n_cand = len(window.map.layers["candidates"])
    n_comp = len(window.map.layers["companies"])
    assert n_cand == count(window.con, "candidates", Filter()) > 0
    assert n_comp == count(window.con, "companies", Filter()) > 0
    assert window.models["candidates"].rowCount() == n_cand
    assert window.models["companies"].rowCount() == n_comp
    assert "DEMODATA" in window.windowTitle()
    assert window.demo_badge.isVisible() and window.demo_badge.text() == "DEMODATA"
    assert window.map.demo_label.isVisible()
    assert window.map.areas.model.ring_count >= 98  # all municipalities, one item
    assert not window.map.areas.path().isEmpty()
    assert window.tabs.tabText(0).startswith("Ledige (")
    assert "ledige" in window.count_label.text()


def test_english_ui(open_window, small_demo_cache):
    window = open_window(small_demo_cache, lang="en")
    assert window.tabs.tabText(0).startswith("Candidates (")
    assert "DEMO DATA" in window.windowTitle()


def test_occupation_filter_changes_counts_and_map_arrays(qtbot, window):
    before = window.map.layers["candidates"].rid.copy()
    code = window.con.execute(
        "SELECT code FROM candidate_occupations GROUP BY code ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    result = wait_applied(qtbot, window, lambda: window.filters.occupation.add(code))
    assert result.flt.occupations == (code,)
    expected = count(window.con, "candidates", result.flt, strict=False)
    layer = window.map.layers["candidates"]
    assert 0 < len(layer) == expected < len(before)
    # the same matches; the map's arrays need not be in the tables' order
    np.testing.assert_array_equal(np.sort(layer.rid), np.sort(window.models["candidates"].rids()))
    assert window.tabs.tabText(0) == f"Ledige ({expected:,})".replace(",", ".")
    # companies are not filtered by occupation
    assert len(window.map.layers["companies"]) == count(window.con, "companies", Filter())


def test_duration_range_filters_candidates(qtbot, window):
    result = wait_applied(qtbot, window, lambda: window.filters.days_min.setValue(365))
    assert result.flt.unemployed_days == Range(365, None)
    model = window.models["candidates"]
    assert model.rowCount() == count(window.con, "candidates", result.flt, strict=False)
    days_col = [c.key for c in model.columns].index("days")
    for row in (0, model.rowCount() // 2, model.rowCount() - 1):
        assert int(model.data(model.index(row, days_col))) >= 365
    # the histogram shows the other filters' matches, so it still has short durations
    assert window.filters.histogram.counts[0] > 0
    assert window.filters.histogram.counts.sum() == count(
        window.con, "candidates", Filter(today=result.flt.today)
    )


def test_company_filters(qtbot, window):
    combo = window.filters.collaboration
    result = wait_applied(qtbot, window, lambda: combo.setCurrentIndex(combo.findData("none")))
    n_none = len(window.map.layers["companies"])
    assert n_none == count(window.con, "companies", result.flt, strict=False)
    assert result.flt.collaboration == ("none",)
    assert 0 < n_none < count(window.con, "companies", Filter())
    result = wait_applied(qtbot, window, lambda: window.filters.emp_min.setValue(50))
    assert result.flt.employees == Range(50, None)
    assert len(window.map.layers["companies"]) == count(
        window.con, "companies", result.flt, strict=False
    )


def test_municipality_filter_applies_to_both_layers(qtbot, window):
    kode = window.con.execute("SELECT kode FROM municipalities WHERE navn = 'Aarhus'").fetchone()[0]
    result = wait_applied(qtbot, window, lambda: window.filters.municipality.add(kode))
    for entity in ("candidates", "companies"):
        assert len(window.map.layers[entity]) == count(window.con, entity, result.flt, strict=False)
    row = window.models["companies"].row_dict(0)
    assert row["kommune_kode"] == kode


def test_type_ahead_over_titles_and_aliases(qtbot, window):
    code, title, alias = window.con.execute(
        "SELECT code, title, aliases[1] FROM occupations WHERE len(aliases) > 0 ORDER BY code LIMIT 1"
    ).fetchone()
    picker = window.filters.occupation
    picker.completer.setCompletionPrefix(alias[:4])
    assert picker.completer.completionCount() > 0
    assert picker.code_for(alias) == code
    assert picker.code_for(title.upper()) == code
    qtbot.keyClicks(picker.edit, alias)
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
        qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    assert picker.codes() == (code,)


def test_virtual_model_reads_pages_not_all_rows(qtbot, window):
    model = window.models["companies"]
    n = model.rowCount()
    assert n > 3 * model.PAGE
    assert model.fetched_rows <= 2 * model.PAGE  # only what the view showed
    last = model.data(model.index(n - 1, 0))
    assert last
    assert model.fetched_rows <= 3 * model.PAGE
    assert len(model._pages) <= model.MAX_PAGES


def _map_index(layer, rid: int) -> int:
    return int(np.flatnonzero(layer.rid == rid)[0])


def test_row_selection_highlights_point_on_map(qtbot, window):
    window.select_row("candidates", 7)
    layer = window.map.layers["candidates"]
    rid = int(window.models["candidates"].rids()[7])
    assert window.map.selected == ("candidates", rid)
    i = _map_index(layer, rid)  # the map links rows by rid: its arrays may be in any order
    assert window.map.selection.position == (float(layer.x[i]), float(layer.y[i]))
    cand_id = window.models["candidates"].row_dict(7)["candidate_id"]
    assert cand_id in window.detail.toPlainText()
    window.select_row("companies", 3)
    comp = window.map.layers["companies"]
    j = _map_index(comp, int(window.models["companies"].rids()[3]))
    assert window.map.selection.position == (float(comp.x[j]), float(comp.y[j]))
    assert window.tabs.currentIndex() == 1


def test_click_on_point_selects_its_row(qtbot, window):
    layer = window.map.layers["candidates"]
    i = int(np.flatnonzero(np.isfinite(layer.x))[10])
    x, y = float(layer.x[i]), float(layer.y[i])
    with qtbot.waitSignal(window.map.layersRefreshed, timeout=10_000):
        window.map.set_extent((x - 1500, y - 1500, x + 1500, y + 1500))
    assert window.map.items["candidates"].detail == "points"
    scene_pos = window.map.vb.mapViewToScene(QPointF(x, y))
    pos = window.map.mapFromScene(scene_pos)
    with qtbot.waitSignal(window.map.pointClicked, timeout=10_000) as blocker:
        qtbot.mouseClick(window.map.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    entity, rid = blocker.args
    assert entity == "candidates"
    # the nearest point to the click: the one we aimed at, or one at the same place
    clicked = _map_index(layer, rid)
    assert (layer.x[clicked], layer.y[clicked]) == (x, y)
    assert window.tabs.currentIndex() == 0
    row = window.selected_row("candidates")
    assert int(window.models["candidates"].rids()[row]) == rid
    assert window.map.selected == ("candidates", rid)
    assert window.map.selection.position == (x, y)


def test_points_reach_the_map_before_the_tables(qtbot, window):
    """The unordered matches go to the map first; the tables follow in display order."""
    order: list[str] = []
    window.pointsApplied.connect(lambda _t: order.append("map"))
    window.resultsApplied.connect(lambda _r: order.append("tables"))
    f = Filter(unemployed_days=Range(200, None), today=window.filters.current_filter().today)
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
        window.apply_filter(f)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert order == ["map", "tables"]
    assert window.map_is_current()
    layer = window.map.layers["candidates"]
    rids = window.models["candidates"].rids()
    assert sorted(layer.rid.tolist()) == sorted(rids.tolist())


def test_newest_filter_wins(qtbot, window):
    applied = []
    window.resultsApplied.connect(lambda r: applied.append(r.flt))
    f1 = Filter(unemployed_days=Range(10, None), today=window.filters.current_filter().today)
    f2 = Filter(unemployed_days=Range(700, None), today=f1.today)
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
        window.apply_filter(f1)
        window.apply_filter(f2)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert applied == [f2]
    assert len(window.map.layers["candidates"]) == count(window.con, "candidates", f2, strict=False)


def test_density_when_many_points_visible(qtbot, open_window, small_demo_cache):
    window = open_window(small_demo_cache, map__density_threshold=100)
    item = window.map.items["companies"]
    assert item.detail == "density"
    assert item.image is not None and item.visible_indices().size == 0
    layer = window.map.layers["companies"]
    x, y = float(np.nanmedian(layer.x)), float(np.nanmedian(layer.y))
    with qtbot.waitSignal(window.map.layersRefreshed, timeout=10_000):
        window.map.set_extent((x - 500, y - 500, x + 500, y + 500))
    assert item.shown_count <= 100
    assert item.detail == "points"
    assert item.image is not None and item.visible_indices().size == item.shown_count


def test_reset_restores_everything(qtbot, window):
    total = len(window.map.layers["candidates"])
    wait_applied(qtbot, window, lambda: window.filters.days_min.setValue(400))
    assert len(window.map.layers["candidates"]) < total
    wait_applied(qtbot, window, window.filters.reset)
    assert len(window.map.layers["candidates"]) == total


def test_empty_cache_opens(open_window, tmp_path):
    window = open_window(tmp_path / "empty.duckdb")
    assert window.models["candidates"].rowCount() == 0
    assert not window.demo_badge.isVisible()
    assert "DEMODATA" not in window.windowTitle()


def test_typing_is_debounced_into_one_query(qtbot, window):
    before = window.workspace.ticket
    box = window.filters.days_min
    box.lineEdit().selectAll()
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
        qtbot.keyClicks(box.lineEdit(), "400")
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert box.value() == 400
    assert window.workspace.ticket - before == 1  # one query for three key strokes
    assert window.result.flt.unemployed_days == Range(400, None)


def test_municipality_labels_only_when_zoomed_in(qtbot, window):
    labels = window.map.area_labels
    assert not labels.labels_shown()  # all of Denmark: no clutter
    x, y = float(window.map.areas.model.label_x[0]), float(window.map.areas.model.label_y[0])
    with qtbot.waitSignal(window.map.layersRefreshed, timeout=10_000):
        window.map.set_extent((x - 20_000, y - 20_000, x + 20_000, y + 20_000))
    assert labels.labels_shown()


def test_one_graphics_item_per_layer(window):
    """Choropleth, areas, labels, regions, three point layers, the selection area and the
    selected point: never one item per feature."""
    added = window.map.vb.addedItems
    assert len(added) <= 10
    assert len(window.map.layers["companies"]) > 1000
