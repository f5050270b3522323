"""End to end through the real window: open a demo cache, style, select by a real click with
the radius tool, save the selection, export the view, and reopen the cache to find the
saved selection again."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from workbench.core.filters import Filter
from workbench.core.query import count
from workbench.core.selections import list_selections


def test_select_save_export_reopen(qtbot, open_window, small_demo_cache, tmp_path):
    window = open_window(small_demo_cache)
    m = window.map
    x = float(np.nanmedian(m.layers["companies"].x))
    y = float(np.nanmedian(m.layers["companies"].y))
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.set_extent((x - 50_000, y - 35_000, x + 50_000, y + 35_000))
    qtbot.mouseClick(window.map_view.tool_buttons["radius"], Qt.MouseButton.LeftButton)
    assert m.vb.tool == "radius"
    window.map_view.radius_km.setValue(20.0)
    pos = m.mapFromScene(m.vb.mapViewToScene(QPointF(x, y)))
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000) as blocker:
        qtbot.mouseClick(m.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    sel = blocker.args[0].flt.spatial_selection()
    part = sel.parts[0]
    assert abs(part.cx - x) < 2 * m.metres_per_pixel() and part.radius_m == 20_000
    flt = Filter(today=window.today).with_selection(sel)
    n = count(window.con, "companies", flt, strict=False)
    assert window.models["companies"].rowCount() == n > 0
    window.map_view.save_current_selection("Radius 20 km")
    png = window.map_view.export_map(tmp_path / "view.png")
    assert not QImage(str(png)).isNull()
    con = window.con
    assert [s.name for s in list_selections(con)] == ["Radius 20 km"]
    window.shutdown()
    window.close()
    window2 = open_window(small_demo_cache)
    assert window2.map_view.saved_combo.findData("Radius 20 km") > 0
    with qtbot.waitSignal(window2.resultsApplied, timeout=30_000):
        window2.map_view.saved_combo.activated.emit(
            window2.map_view.saved_combo.findData("Radius 20 km")
        )
    qtbot.waitUntil(window2.is_idle, timeout=30_000)
    assert window2.models["companies"].rowCount() == n
