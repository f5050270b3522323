"""The choropleth's municipality rings are computed once per geometry set, not on every
recolouring (each filter recolours it; start-up sets it twice: issue #17)."""

from __future__ import annotations

from workbench.layers.areas import rings_of
from workbench.qt.map import canvas


def test_recolouring_reuses_the_rings(qtbot, open_window, small_demo_cache, monkeypatch):
    window = open_window(small_demo_cache)
    m = window.map
    calls: list[object] = []
    monkeypatch.setattr(canvas, "rings_of", lambda g: calls.append(g) or rings_of(g))
    row = window.layers_panel.rows["municipalities"]
    row.stat_combo.setCurrentIndex(row.stat_combo.findData("candidates_count"))
    assert m.choropleth is not None and calls == []  # the start-up's rings serve again
    # the same outlines as computed afresh: one subpath per ring, every vertex
    codes = [c for c in m.choropleth.codes if c in m.muni_geoms]
    rings = [r for c in codes for r in rings_of(m.muni_geoms[c][1])]
    paths = [p for _c, p in m.choropleth_item._paths]
    assert sum(p.elementCount() for p in paths) == sum(len(r) for r in rings)

    m.set_municipalities(dict(m.muni_geoms))  # new outlines (a boundaries refresh)
    row.stat_combo.setCurrentIndex(row.stat_combo.findData("long_term_share"))
    assert len(calls) == len(codes)  # computed again, once each
