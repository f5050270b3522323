"""What a view change costs the map (issue #17), checked by what is drawn and when, never by
the clock: the regions' wide outline as separate segments (one wide antialiased path took
~150 ms per zoom at national scale), only the municipality labels on screen, and the first
change after a quiet spell rendered at once (a debounce made every jump wait)."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import pytest
import shapely
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath

from workbench.layers.areas import areas_from_wkb, path_arrays, rings_of
from workbench.qt.map.canvas import MapWidget
from workbench.qt.map.items import OutlineItem, path_segments


class RecordingPainter:
    """A real QPainter whose draw calls are counted (the items' paint code is Python)."""

    def __init__(self, painter: QPainter) -> None:
        self._painter = painter
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str):
        attr = getattr(self._painter, name)
        if name.startswith("draw"):

            def counted(*args, **kwargs):
                self.calls[name] = self.calls.get(name, 0) + 1
                return attr(*args, **kwargs)

            return counted
        return attr


def islands(n: int) -> list[object]:
    """``n`` small irregular islands in a row (many rings, as a dissolved coastline has)."""
    rng = np.random.default_rng(3)
    out = []
    for i in range(n):
        angles = np.sort(rng.uniform(0, 2 * np.pi, 24))
        radius = rng.uniform(1_400, 2_000, 24)
        cx, cy = 500_000 + (i % 10) * 5_000, 6_200_000 + (i // 10) * 5_000
        out.append(
            shapely.Polygon(np.c_[cx + radius * np.cos(angles), cy + radius * np.sin(angles)])
        )
    return out


def outline_path(geoms: list[object]) -> QPainterPath:
    rings = [r for g in geoms for r in rings_of(g)]
    x, y, connect = path_arrays(rings)
    return pg.arrayToQPath(x, y, connect=connect)


def paint_outline(item: OutlineItem, *, as_path: bool) -> tuple[QImage, dict[str, int]]:
    image = QImage(400, 400, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(255, 255, 255))
    p = QPainter(image)
    r = item.boundingRect()
    scale = 380 / max(r.width(), r.height())
    p.translate(10, 390)
    p.scale(scale, -scale)
    p.translate(-r.left(), -r.top())
    rec = RecordingPainter(p)
    if as_path:  # the old way: one stroke of the whole path
        rec.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rec.setPen(item._pen)
        rec.drawPath(item.path())
    else:
        item.paint(rec)
    p.end()
    return image, rec.calls


def dark(image: QImage) -> np.ndarray:
    img = image.convertToFormat(QImage.Format.Format_RGBA8888)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.width(), 4)
    return a[..., 0] < 200


def test_regions_are_stroked_as_segments_and_look_the_same(qapp):
    geoms = islands(40)
    item = OutlineItem()
    item.set_path(outline_path(geoms))
    n_edges = sum(len(r) - 1 for g in geoms for r in rings_of(g))
    assert len(path_segments(item.path())) == n_edges  # every ring closed, nothing more

    lines, calls = paint_outline(item, as_path=False)
    assert calls == {"drawLines": 1}  # never the whole path in one wide stroke
    reference, _ = paint_outline(item, as_path=True)
    new, old = dark(lines), dark(reference)
    assert old.sum() > 2_000
    # the same outline: square caps cover the joints (differences are antialiasing fringes)
    assert (new & old).sum() >= 0.95 * old.sum()
    assert (new & ~old).sum() <= 0.10 * old.sum()


@pytest.fixture
def map_widget(qtbot):
    m = MapWidget()
    qtbot.addWidget(m)
    m.resize(600, 400)
    m.show()
    rng = np.random.default_rng(1)
    n = 5_000
    x, y = rng.uniform(450_000, 850_000, n), rng.uniform(6_050_000, 6_400_000, n)
    m.set_points("candidates", np.arange(n), x, y)
    qtbot.waitUntil(lambda: m.is_settled() and m.frames.idle(), timeout=10_000)
    yield m
    m.shutdown()


def test_a_view_change_after_a_quiet_spell_renders_at_once(qtbot, map_widget):
    m = map_widget
    # quiet: the last view change is longer ago than the debounce
    last = lambda: getattr(m, "_last_view_change", 0.0)  # noqa: E731
    qtbot.waitUntil(lambda: time.perf_counter() - last() > 0.1, timeout=5_000)
    generation = m._generation
    m.set_extent((600_000, 6_150_000, 640_000, 6_180_000))
    # submitted before the event loop ran (before the old frames are repainted), no timer
    assert m._generation == generation + 1 and not m._refresh_timer.isActive()
    # the next change of a burst waits for the debounce; the newest view is what renders
    m.set_extent((610_000, 6_150_000, 650_000, 6_180_000))
    assert m._generation == generation + 1 and m._refresh_timer.isActive()
    qtbot.waitUntil(m.is_settled, timeout=10_000)
    xmin, ymin, xmax, ymax = m.items["candidates"].frame_extent
    vx0, vy0, vx1, vy1 = m.view_extent()
    assert xmin <= vx0 and xmax >= vx1 and ymin <= vy0 and ymax >= vy1
    assert vx0 > 605_000


def test_only_the_labels_on_screen_are_drawn(qtbot, map_widget):
    m = map_widget
    squares = [
        shapely.box(x, y, x + 8_000, y + 8_000)
        for x in range(460_000, 860_000, 40_000)
        for y in range(6_060_000, 6_400_000, 40_000)
    ]
    model = areas_from_wkb(
        [shapely.to_wkb(g) for g in squares],
        codes=[str(i) for i in range(len(squares))],
        names=[f"Kommune {i}" for i in range(len(squares))],
    )
    m.set_areas(model)
    m.set_extent((540_000, 6_140_000, 590_000, 6_180_000), padding=0)
    qtbot.waitUntil(m.is_settled, timeout=10_000)
    labels = m.area_labels
    assert labels.labels_shown()
    on_screen = sum(1 for g in squares if g.intersects(shapely.box(*m.view_extent()).buffer(-1)))
    assert 0 < on_screen < len(squares) // 4

    size = m.viewport().size()
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(255, 255, 255))
    p = QPainter(image)
    p.setTransform(labels.deviceTransform(m.viewportTransform()))
    rec = RecordingPainter(p)
    labels.paint(rec)
    p.end()
    # four halo draws and the text per label, and only for labels that reach the screen
    drawn = rec.calls.get("drawText", 0)
    assert drawn % 5 == 0 and 0 < drawn // 5 <= on_screen + 2
    assert dark(image).any()


def test_frames_that_leave_the_legend_as_it_was_do_not_refit_it(qtbot, map_widget):
    m = map_widget
    fits = []
    place = m.legend.place
    m.legend.place = lambda *args: (fits.append(args), place(*args))
    text = m.legend.text()
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.refresh_layers()  # the same points and counts: the same legend
    assert m.legend.text() == text and fits == []
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.set_points("candidates", np.arange(3), np.full(3, 600_000.0), np.full(3, 6_200_000.0))
    assert "3" in m.legend.text() and len(fits) == 1  # new counts: fitted again


def test_a_filter_renders_only_the_layers_whose_points_changed(qtbot, map_widget):
    m = map_widget
    rng = np.random.default_rng(2)
    n = 30_000
    cx, cy = rng.uniform(450_000, 850_000, n), rng.uniform(6_050_000, 6_400_000, n)
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.set_points("companies", np.arange(n), cx, cy)
    companies = m.items["companies"].frame
    candidates = m.items["candidates"].frame
    assert m.items["companies"].detail == "density"
    # a candidates filter: new candidate arrays, the companies' arrays passed on as they were
    keep = np.arange(0, 5_000, 2)
    cand = m.layers["candidates"]
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.set_points("candidates", cand.rid[keep], cand.x[keep], cand.y[keep])
    # the companies' frame is the one rendered before (its raster not binned again) ...
    assert companies is not None and m.items["companies"].frame is companies
    assert m.items["candidates"].frame is not candidates
    assert m.items["candidates"].shown_count == keep.size
    # ... until the view or the companies change
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.set_extent((600_000, 6_150_000, 700_000, 6_250_000), padding=0)
    moved = m.items["companies"].frame
    assert moved is not companies and moved.extent != companies.extent
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.set_points("companies", np.arange(n), cx.copy(), cy.copy())
    assert m.items["companies"].frame is not moved
