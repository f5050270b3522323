"""The map canvas in the real window on the small demo cache: basemap tiles from a local
server (cache, offline), layers panel, styles, choropleth, spatial selection, export."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from workbench.core.query import count
from workbench.layers.selection import Selection
from workbench.layers.tiles import SKAERMKORT_ATTRIBUTION


def wait_applied(qtbot, window, action):
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000) as blocker:
        action()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    return blocker.args[0]


def settle(qtbot, window):
    qtbot.waitUntil(window.is_idle, timeout=30_000)


def test_basemap_tiles_load_cache_and_work_offline(
    qtbot, open_window, small_demo_cache, tile_server
):
    window = open_window(
        small_demo_cache, basemap__url=tile_server.url_template + "?k={token}", basemap__token="T0K"
    )
    m = window.map
    assert m.basemap is not None and m.attribution.isVisible()
    assert m.attribution.text() == SKAERMKORT_ATTRIBUTION
    qtbot.waitUntil(lambda: m.basemap.shown() == len(m.basemap.wanted) > 0, timeout=20_000)
    assert all("k=T0K" in r for r in tile_server.requests)
    assert not m.areas.fill_enabled  # outlines over the basemap
    wanted = list(m.basemap.wanted)
    n_requests = len(tile_server.requests)
    # offline: drop the tiles from memory; the same view comes back from the disk cache
    tile_server.stop()
    m.basemap.tiles.clear()
    m.refresh_layers()
    qtbot.waitUntil(lambda: m.basemap.shown() == len(wanted), timeout=20_000)
    assert len(tile_server.requests) == n_requests
    # a view with tiles never fetched: they fail quietly and the map still works
    x, y = (
        float(np.nanmedian(m.layers["candidates"].x)),
        float(np.nanmedian(m.layers["candidates"].y)),
    )
    m.set_extent((x - 3000, y - 3000, x + 3000, y + 3000))
    # Wait for this view's tiles to be asked for (a layersRefreshed signal may still come from
    # a refresh queued before the view changed), then for the loader to give up on them.
    qtbot.waitUntil(
        lambda: bool(m.basemap.wanted) and set(m.basemap.wanted).isdisjoint(wanted), timeout=20_000
    )
    qtbot.waitUntil(m.tiles_settled, timeout=20_000)
    assert m.basemap.shown() == 0 and m.tile_loader.failed
    assert m.items["candidates"].shown_count >= 0
    image = m.grab().toImage()
    assert not image.isNull()


def test_no_basemap_without_token(window):
    # the default template needs a token; none is configured in tests
    assert window.map.basemap is None and not window.map.attribution.isVisible()
    assert window.layers_panel.rows["basemap"].visible.isEnabled() is False


def test_layers_panel_visibility_opacity_order(qtbot, window):
    m = window.map
    panel = window.layers_panel
    row = panel.rows["companies"]
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        row.visible.setChecked(False)
    assert not m.items["companies"].isVisible() and m.items["companies"].shown_count == 0
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        row.visible.setChecked(True)
    assert m.items["companies"].isVisible() and m.items["companies"].shown_count > 0
    panel.rows["candidates"].opacity.setValue(40)
    assert m.items["candidates"].opacity() == pytest.approx(0.4)
    # companies above candidates by default (a company under a candidate was hidden)
    assert m.layer_order[0] == "companies"
    assert m.items["companies"].zValue() > m.items["candidates"].zValue()
    panel.move("candidates", -1)
    panel.move("candidates", -1)
    assert m.layer_order[0] == "candidates"
    assert m.items["candidates"].zValue() > m.items["companies"].zValue()
    panel.rows["regions"].visible.setChecked(False)
    assert not m.regions.isVisible()
    assert not m.regions.path().isEmpty()  # dissolved from the municipalities


def test_point_style_by_field_with_legend(qtbot, window):
    m = window.map
    combo = window.layers_panel.rows["candidates"].style_combo
    with qtbot.waitSignal(m.layersRefreshed, timeout=20_000):
        combo.setCurrentIndex(combo.findData("duration"))
    settle(qtbot, window)
    # zoom in so the candidates are points (the overview may be dense)
    x, y = (
        float(np.nanmedian(m.layers["candidates"].x)),
        float(np.nanmedian(m.layers["candidates"].y)),
    )
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.set_extent((x - 40_000, y - 40_000, x + 40_000, y + 40_000))
    entries = m.legend_entries("candidates")
    assert [e[2].split(" (")[0] for e in entries[:5]] == [
        "Under 3 mdr.",
        "3-6 mdr.",
        "6-12 mdr.",
        "1-2 år",
        "Over 2 år",
    ]
    assert m.items["candidates"].class_counts.sum() == m.items["candidates"].shown_count
    assert "Ledighedsvarighed" in m.legend.text()
    img = m.items["candidates"].image
    colours = {tuple(c) for c in img[img[..., 3] >= 230][:, :3].tolist()}
    assert len(colours) >= 3  # several classes drawn
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        combo.setCurrentIndex(0)
    assert m.styles["candidates"] is None


def test_choropleth_classes_and_statistic_choice(qtbot, window):
    m = window.map
    ch = m.choropleth
    assert ch is not None and "Langtidsledige" in ch.title
    assert 2 <= len(ch.breaks) <= 5
    assert len(m.choropleth_item.colors()) >= 2
    assert ch.title in m.legend.text()
    row = window.layers_panel.rows["municipalities"]
    row.stat_combo.setCurrentIndex(row.stat_combo.findData("candidates_count"))
    assert "Ledige pr. kommune" in m.choropleth.title
    counts = dict(
        window.con.execute("SELECT kommune_kode, count(*) FROM candidates GROUP BY 1").fetchall()
    )
    for code, value, sup in zip(
        m.choropleth.codes, m.choropleth.values, m.choropleth.suppressed, strict=True
    ):
        n = counts.get(code, 0)
        assert sup == (n < 5)
        assert np.isnan(value) if n < 5 else value == n
    row.method_combo.setCurrentIndex(row.method_combo.findData("equal"))
    assert m.choropleth.method == "equal"
    row.stat_combo.setCurrentIndex(row.stat_combo.findData("none"))
    assert m.choropleth is None and m.areas.fill_enabled


def _centre(window):
    x = window.map.layers["candidates"].x
    y = window.map.layers["candidates"].y
    return float(np.nanmedian(x)), float(np.nanmedian(y))


def test_rectangle_selection_filters_counts_and_tables(qtbot, window):
    cx, cy = _centre(window)
    m = window.map
    m.set_tool("rectangle")
    assert window.map_view.tool_buttons["rectangle"].isChecked()
    start, end = QPointF(cx - 30_000, cy - 30_000), QPointF(cx + 30_000, cy + 30_000)

    def drag():
        m._on_draw("rectangle", start, QPointF(cx, cy), True, False, Qt.KeyboardModifier.NoModifier)
        assert not m.selection_area.draft().isEmpty()
        m._on_draw("rectangle", start, end, False, True, Qt.KeyboardModifier.NoModifier)

    result = wait_applied(qtbot, window, drag)
    sel = Selection.rectangle(cx - 30_000, cy - 30_000, cx + 30_000, cy + 30_000)
    assert result.flt.spatial_selection() == sel
    flt = window.filters.current_filter().with_selection(sel)
    n_cand = count(window.con, "candidates", flt, strict=False)
    n_comp = count(window.con, "companies", flt, strict=False)
    assert 0 < window.models["candidates"].rowCount() == n_cand
    assert window.models["companies"].rowCount() == n_comp
    assert len(m.layers["candidates"]) == n_cand
    fmt = lambda n: f"{n:,}".replace(",", ".")  # noqa: E731
    assert (
        window.map_view.selection_label.text()
        == f"Markering: {fmt(n_cand)} ledige, {fmt(n_comp)} virksomheder"
    )
    assert not m.selection_area.path().isEmpty() and m.selection_area.draft().isEmpty()
    # combined with a panel filter
    result = wait_applied(qtbot, window, lambda: window.filters.days_min.setValue(365))
    assert result.flt.spatial_selection() == sel and result.flt.unemployed_days.min == 365
    assert window.models["candidates"].rowCount() == count(
        window.con, "candidates", result.flt, strict=False
    )
    # invert, then clear
    wait_applied(qtbot, window, window.invert_selection)
    inv = window.filters.current_filter().with_selection(~sel)
    assert window.models["candidates"].rowCount() == count(
        window.con, "candidates", inv, strict=False
    )
    assert m.selection_area.inverted
    wait_applied(qtbot, window, window.clear_selection)
    assert window.selection is None and m.selection_area.path().isEmpty()
    assert window.models["candidates"].rowCount() == count(
        window.con, "candidates", window.filters.current_filter(), strict=False
    )
    assert window.map_view.selection_label.text() == "Ingen markering"


def test_lasso_and_radius_click_and_saved_selection(qtbot, window):
    cx, cy = _centre(window)
    m = window.map
    m.set_tool("lasso")
    ring = [(cx - 40_000, cy - 20_000), (cx + 40_000, cy - 30_000), (cx + 10_000, cy + 40_000)]

    def lasso():
        m._on_draw(
            "lasso",
            QPointF(*ring[0]),
            QPointF(*ring[0]),
            True,
            False,
            Qt.KeyboardModifier.NoModifier,
        )
        m._on_draw(
            "lasso",
            QPointF(*ring[0]),
            QPointF(*ring[1]),
            False,
            False,
            Qt.KeyboardModifier.NoModifier,
        )
        m._on_draw(
            "lasso",
            QPointF(*ring[0]),
            QPointF(*ring[2]),
            False,
            True,
            Qt.KeyboardModifier.NoModifier,
        )

    result = wait_applied(qtbot, window, lasso)
    lasso_sel = result.flt.spatial_selection()
    assert lasso_sel.kind == "polygon"
    n_lasso = window.models["candidates"].rowCount()
    assert n_lasso == count(window.con, "candidates", result.flt, strict=False) > 0
    # radius by a real click with the typed radius, Shift adds it to the lasso
    m.set_tool("radius")
    window.map_view.radius_km.setValue(12.5)
    qx, qy = cx + 80_000, cy
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.set_extent((qx - 60_000, qy - 60_000, qx + 60_000, qy + 60_000))
    pos = m.mapFromScene(m.vb.mapViewToScene(QPointF(qx, qy)))
    result = wait_applied(
        qtbot,
        window,
        lambda: qtbot.mouseClick(
            m.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, pos=pos
        ),
    )
    sel = result.flt.spatial_selection()
    assert len(sel.parts) == 2 and sel.parts[1].radius_m == pytest.approx(12_500)
    assert window.models["candidates"].rowCount() >= n_lasso
    # save, clear, load again
    window.map_view.save_current_selection("Test område")
    assert window.map_view.saved_combo.findData("Test område") > 0
    n_saved = window.models["candidates"].rowCount()
    wait_applied(qtbot, window, window.clear_selection)
    result = wait_applied(qtbot, window, lambda: window.load_saved_selection("Test område"))
    assert result.flt.spatial_selection() == sel
    assert window.models["candidates"].rowCount() == n_saved
    row = window.con.execute("SELECT entity, candidates FROM saved_selections").fetchone()
    assert row == ("all", n_saved)


def test_zoom_to_municipality_scale_bar_and_tooltip(qtbot, window):
    m = window.map
    name = window.con.execute("SELECT navn FROM municipalities WHERE kode = '0101'").fetchone()[0]
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        assert window.map_view.zoom_to(name.lower())
    code_geom = m.muni_geoms["0101"][1]
    xmin, ymin, xmax, ymax = m.view_extent()
    bx = code_geom.bounds
    assert xmin <= bx[0] and xmax >= bx[2] and ymin <= bx[1] and ymax >= bx[3]
    assert (xmax - xmin) < 100_000
    assert m.scale_bar.length_m > 0 and m.scale_bar.text().endswith("km")
    assert not window.map_view.zoom_to("Atlantis")
    # tooltip of a candidate drawn as a point
    settle(qtbot, window)
    item = m.items["candidates"]
    assert item.detail == "points" and item.visible_indices().size
    i = int(item.visible_indices()[0])  # an index into the layer's arrays
    text = m.tooltip_text("candidates", i)
    model = window.models["candidates"]
    row = model.row_of_rid(int(m.layers["candidates"].rid[i]))
    assert model.row_dict(row)["candidate_id"] in text
    # coordinates readout follows the mouse
    m._on_mouse_moved(m.vb.mapViewToScene(QPointF(725_000, 6_175_000)))
    assert "725.000" in m.coords.text() and "6.175.000" in m.coords.text()


def test_stale_view_frames_are_dropped(qtbot, window):
    m = window.map
    applied = []
    m.layersRefreshed.connect(lambda: applied.append(m._applied_generation))
    cx, cy = _centre(window)
    for i in range(10):
        m.set_extent((cx - 5000 * (i + 1), cy - 5000, cx + 5000 * (i + 1), cy + 5000))
        m.request_refresh()
    settle(qtbot, window)
    assert m._applied_generation == m._generation
    assert len(applied) < 10 or applied[-1] == m._generation


def test_export_png_and_pdf(qtbot, window, tmp_path):
    png = window.map_view.export_map(tmp_path / "kort.png")
    img = QImage(str(png))
    assert not img.isNull() and img.width() > 400 and img.height() > 300
    small = img.scaled(200, 150)
    colours = {small.pixel(x, y) for x in range(200) for y in range(150)}
    assert len(colours) > 50  # basemap-less map, choropleth, points, legend: not blank
    pdf = window.map_view.export_map(tmp_path / "kort.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", data)
    assert box and float(box.group(1)) > 800 and float(box.group(2)) > 500  # A4 landscape
    with pytest.raises(Exception, match="PNG or PDF"):
        window.map_view.export_map(tmp_path / "kort.gif")


def test_a_refused_basemap_token_is_said_once_on_the_map_and_in_the_layers_panel(
    qtbot, open_window, small_demo_cache, shared_fixtures
):
    """The WMTS answers a wrong token with an OWS "User not authorized" report and HTTP 200."""
    from tests.plugins.fixture_server import FixtureServer, Reply

    body = (
        shared_fixtures / "sources-2026" / "wmts" / "gettile_no_token_exception.xml"
    ).read_bytes()
    with FixtureServer() as server:
        server.route("GET", "/wmts/*", Reply(200, body, {"Content-Type": "text/xml"}))
        window = open_window(
            small_demo_cache,
            basemap__url=server.url + "/wmts/{TileMatrix}/{TileRow}/{TileCol}?token={token}",
            basemap__token="forkert",
        )
        m = window.map
        qtbot.waitUntil(lambda: m.basemap_problem is not None, timeout=20_000)
        qtbot.waitUntil(m.tiles_settled, timeout=20_000)
        expected = (
            "Baggrundskortet afviste adgangen (User not authorized): "
            "tjek [basemap] token (WORKBENCH__BASEMAP__TOKEN)"
        )
        assert m.basemap_problem == expected
        assert m.attribution.text() == expected and m.attribution.isVisible()
        assert window.layers_panel.rows["basemap"].legend.text() == expected
        assert "forkert" not in expected
        # said once: the first answers stop the loader asking for the rest of the view
        assert len(server.requests) <= 2 < len(m.basemap.wanted)
