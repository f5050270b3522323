"""The legend over the map in the real window: compact in a corner, clear of the scale bar,
attribution and coordinates, collapsed to its header on a small map and shown in full on a
large one."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QRect, Qt

MAX_SHARE = 0.12  # of the map's area


def resize(qtbot, window, w, h):
    m = window.map
    before = m.size()
    window.resize(w, h)
    qtbot.waitUntil(lambda: m.size() != before, timeout=5_000)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    qtbot.wait(50)


def others(m):
    """The overlays the legend must leave alone, as (name, rect) in map coordinates."""
    out = [("scale bar", m.scale_bar.geometry()), ("coordinates", m.coords.geometry())]
    for name, widget in (("attribution", m.attribution), ("demo badge", m.demo_label)):
        if widget.isVisible():
            out.append((name, widget.geometry()))
    return out


def check_bounds(m):
    legend = m.legend.geometry()
    area = QRect(0, 0, m.width(), m.height())
    assert area.contains(legend), (legend, area)
    share = legend.width() * legend.height() / (m.width() * m.height())
    assert share <= MAX_SHARE, share
    assert legend.width() <= 0.5 * m.width() and legend.height() <= 0.55 * m.height()
    for name, rect in others(m):
        assert not legend.intersects(rect), (name, legend, rect)
    return share


def save(m, name):
    out = os.environ.get("WORKBENCH_TEST_SHOTS")
    if out:
        m.grab().save(str(Path(out) / f"{name}.png"))


def test_legend_compact_on_a_small_map_full_on_a_large_one(
    qtbot, open_window, small_demo_cache, tile_server
):
    window = open_window(
        small_demo_cache, basemap__url=tile_server.url_template, basemap__token="T"
    )
    m = window.map
    assert m.attribution.isVisible() and m.choropleth is not None
    title = m.choropleth.title

    # small window: the legend folds to its header in the bottom-left corner
    resize(qtbot, window, 1000, 650)
    assert m.width() < 600 and m.height() < 450
    assert m.legend.isVisible() and not m.legend.expanded
    assert not m.legend.body.isVisibleTo(m.legend)
    share = check_bounds(m)
    assert share < 0.05
    assert m.legend.geometry().left() < m.width() / 2 < m.scale_bar.geometry().left()
    assert m.legend.geometry().bottom() > m.height() * 0.8
    save(m, "small_collapsed")

    # the user opens it: it stays within its bounds, the entries scroll
    qtbot.mouseClick(m.legend.toggle, Qt.MouseButton.LeftButton)
    assert m.legend.expanded and m.legend.body.isVisibleTo(m.legend)
    assert title in m.legend.body.text()
    check_bounds(m)
    save(m, "small_expanded")
    qtbot.mouseClick(m.legend.toggle, Qt.MouseButton.LeftButton)
    assert not m.legend.expanded
    check_bounds(m)
    m.legend.user_expanded = None  # back to automatic

    # large window: the whole legend, readable, still in its corner and clear of the rest
    resize(qtbot, window, 1600, 1000)
    assert m.legend.isVisible() and m.legend.expanded
    assert m.legend.body.isVisibleTo(m.legend)
    assert not m.legend.scroll.verticalScrollBar().isVisibleTo(m.legend)
    assert title in m.legend.text()
    body = m.legend.body
    assert body.height() >= body.heightForWidth(body.width())  # nothing cut off
    assert m.legend.body.font().pointSizeF() >= 8
    check_bounds(m)
    save(m, "large")

    # and small again: folded again by itself
    resize(qtbot, window, 1000, 650)
    assert not m.legend.expanded
    check_bounds(m)


def test_legend_clear_of_the_attribution_on_a_narrow_map(qtbot, open_window, small_demo_cache):
    window = open_window(small_demo_cache)
    m = window.map
    # a long attribution across the whole bottom of a narrow map
    m.attribution.setText("Kortdata © " + "Styrelsen for Dataforsyning og Infrastruktur " * 3)
    m.attribution.setVisible(True)
    resize(qtbot, window, 1000, 650)
    m._place_overlays()
    assert m.attribution.geometry().left() <= m.legend.geometry().right()
    for expanded in (False, True):
        m.legend.set_expanded(expanded)
        assert m.legend.isVisible()
        check_bounds(m)
        assert m.legend.geometry().bottom() < m.attribution.geometry().top()
    # no entries (every layer hidden, no selection): no empty box
    m.legend.setText("")
    m._place_overlays()
    assert not m.legend.isVisible()
