"""pyqtgraph items for the layer models: one graphics item per layer, never one per feature.

- :class:`AreaItem` draws all municipality rings as ONE QPainterPath (arrayToQPath with a
  connect array), filled and outlined with cosmetic pens.
- :class:`PointLayerItem` shows a layer either as points (a ScatterPlotItem fed with the
  visible points' arrays) or, above the density threshold, as a smoothed density raster
  (numpy bincount and blur into an ImageItem, scaled smoothly), whichever the model's level of detail says for the view.
- :class:`SelectionItem` rings the selected point.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen

from workbench.layers.areas import AreaLayerModel
from workbench.layers.points import Extent, Frame, PointLayerModel


class AreaItem(pg.GraphicsObject):
    """All areas of a layer in one path."""

    def __init__(self, model: AreaLayerModel | None = None) -> None:
        super().__init__()
        self._path = QPainterPath()
        self._rect = QRectF()
        self._model = AreaLayerModel.empty()
        self.fill_enabled = True  # off over a basemap or a choropleth: outlines only
        self.setCacheMode(self.CacheMode.DeviceCoordinateCache)  # see ChoroplethItem
        self.setZValue(-10)
        if model is not None:
            self.set_model(model)

    @property
    def model(self) -> AreaLayerModel:
        return self._model

    def set_model(self, model: AreaLayerModel) -> None:
        self.prepareGeometryChange()
        self._model = model
        if model.x.size:
            self._path = pg.arrayToQPath(model.x, model.y, connect=model.connect)
            self._path.setFillRule(Qt.FillRule.WindingFill)  # rings are oriented by the model
        else:
            self._path = QPainterPath()
        self._rect = self._path.boundingRect()
        self.update()

    def path(self) -> QPainterPath:
        return self._path

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, *args: object) -> None:
        style = self._model.style
        pen = QPen(QColor(*style.outline))
        pen.setCosmetic(True)
        pen.setWidthF(style.outline_width)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(pen)
        if self.fill_enabled:
            painter.setBrush(QBrush(QColor(*style.fill)))
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)


class PointLayerItem(pg.ImageItem):
    """One point layer on the map as ONE raster over the view: single points (sprites per
    style class) or, above the density threshold, density cells. The raster is computed off
    the GUI thread (:func:`workbench.layers.points.render_frame`); this item only shows it.
    Between a pan and the next frame the old raster moves with the map (data coordinates)."""

    def __init__(self, model: PointLayerModel, *, threshold: int) -> None:
        super().__init__(axisOrder="row-major")
        self.model = model
        self.threshold = int(threshold)
        self.detail: str = "points"
        self.shown_count = 0
        self.class_counts: np.ndarray | None = None
        self.frame_extent: Extent | None = None
        self.frame: Frame | None = None  # the frame shown
        self._visible_idx = np.empty(0, dtype=np.int64)

    def visible_indices(self) -> np.ndarray:
        """Indices into the layer's arrays of the points drawn as points in the current view."""
        return self._visible_idx

    def paint(self, painter: QPainter, *args: object) -> None:
        # a density raster has a few screen pixels per cell: scale it smoothly, not in blocks
        smooth = self.detail == "density"
        before = painter.testRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        super().paint(painter, *args)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, before)

    def apply_frame(self, frame: Frame | None) -> None:
        self.frame = frame if self.model.visible else None
        if frame is None or not self.model.visible:
            self.clear()
            self.detail = "points"
            self.shown_count = 0
            self.class_counts = None
            self._visible_idx = np.empty(0, dtype=np.int64)
            self.frame_extent = None
            return
        self.detail = frame.detail
        self.shown_count = frame.visible
        self.class_counts = frame.class_counts
        self._visible_idx = frame.indices
        self.frame_extent = frame.extent
        self.setImage(frame.image, autoLevels=False, levels=None)
        xmin, ymin, xmax, ymax = frame.extent
        self.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))


class ChoroplethItem(pg.GraphicsObject):
    """Municipalities filled by class: one path per colour (at most ~7)."""

    def __init__(self) -> None:
        super().__init__()
        self._paths: list[tuple[QColor, QPainterPath]] = []
        self._rect = QRectF()
        # Filling ~100 detailed polygons costs ~70 ms per paint: cache the raster on the
        # device; panning and repaints for new points reuse it, only a zoom re-renders.
        self.setCacheMode(self.CacheMode.DeviceCoordinateCache)

    def set_paths(self, paths: list[tuple[tuple[int, int, int], QPainterPath]]) -> None:
        self.prepareGeometryChange()
        self._paths = [(QColor(*c), p) for c, p in paths]
        rect = QRectF()
        for _, p in self._paths:
            rect = rect.united(p.boundingRect())
        self._rect = rect
        self.update()

    def colors(self) -> list[tuple[int, int, int]]:
        return [(c.red(), c.green(), c.blue()) for c, _ in self._paths]

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        for color, path in self._paths:
            painter.setBrush(QBrush(color))
            painter.drawPath(path)


class OutlineItem(pg.GraphicsObject):
    """Outlines only (regions): one path, cosmetic pen.

    Painted as separate line segments, not as the path: Qt strokes a wide (2.2 px)
    antialiased pen over a path of ~1,000 rings as ONE complex outline to fill, which took
    ~150 ms per paint at national zoom and was repainted on every zoom (the device cache is
    per scale). The same segments with square caps cover the corners and take ~10 ms."""

    def __init__(self, color=(80, 80, 100, 255), width: float = 2.2) -> None:
        super().__init__()
        self._path = QPainterPath()
        self._lines: list[QLineF] = []
        self._rect = QRectF()
        self._pen = QPen(QColor(*color))
        self._pen.setCosmetic(True)
        self._pen.setWidthF(width)
        self._pen.setCapStyle(Qt.PenCapStyle.SquareCap)
        self.setCacheMode(self.CacheMode.DeviceCoordinateCache)

    def set_path(self, path: QPainterPath) -> None:
        self.prepareGeometryChange()
        self._path = path
        self._lines = path_segments(path)
        self._rect = path.boundingRect()
        self.update()

    def path(self) -> QPainterPath:
        return self._path

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self._pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawLines(self._lines)


def path_segments(path: QPainterPath) -> list[QLineF]:
    """The straight segments of ``path``'s subpaths (rings), in order."""
    lines: list[QLineF] = []
    for poly in path.toSubpathPolygons():
        lines.extend(QLineF(a, b) for a, b in pairwise(poly))
    return lines


WORLD = QRectF(0, 5_500_000, 1_500_000, 1_200_000)  # far beyond Denmark, for inverted fills


class SelectionAreaItem(pg.GraphicsObject):
    """The spatial selection (translucent fill, dashed outline) and the shape being drawn."""

    def __init__(self) -> None:
        super().__init__()
        self._path = QPainterPath()
        self._draft = QPainterPath()
        self._rect = QRectF()
        self.inverted = False

    def set_path(self, path: QPainterPath, *, inverted: bool = False) -> None:
        self.prepareGeometryChange()
        self._path = path
        self.inverted = inverted
        self._update_rect()

    def set_draft(self, path: QPainterPath) -> None:
        self.prepareGeometryChange()
        self._draft = path
        self._update_rect()

    def path(self) -> QPainterPath:
        return self._path

    def draft(self) -> QPainterPath:
        return self._draft

    def _update_rect(self) -> None:
        r = self._path.boundingRect().united(self._draft.boundingRect())
        if self.inverted and not self._path.isEmpty():
            r = r.united(WORLD)
        self._rect = r
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(QColor(200, 30, 90, 255))
        pen.setCosmetic(True)
        pen.setWidthF(2.0)
        pen.setStyle(Qt.PenStyle.DashLine)
        brush = QBrush(QColor(200, 30, 90, 30))
        if not self._path.isEmpty():
            painter.setPen(pen)
            painter.setBrush(brush)
            if self.inverted:
                outer = QPainterPath()
                outer.addRect(WORLD)
                outer.addPath(self._path)
                outer.setFillRule(Qt.FillRule.OddEvenFill)
                painter.drawPath(outer)
            else:
                painter.drawPath(self._path)
        if not self._draft.isEmpty():
            pen.setStyle(Qt.PenStyle.SolidLine)
            painter.setPen(pen)
            painter.setBrush(QBrush(QColor(200, 30, 90, 45)))
            painter.drawPath(self._draft)


class SelectionItem(pg.ScatterPlotItem):
    """A ring around the selected point (empty when nothing is selected)."""

    def __init__(self) -> None:
        super().__init__(pxMode=True)
        self.setZValue(100)
        self.position: tuple[float, float] | None = None

    def show_at(self, x: float | None, y: float | None) -> None:
        if x is None or y is None or not (np.isfinite(x) and np.isfinite(y)):
            self.position = None
            self.setData(x=[], y=[])
            return
        self.position = (float(x), float(y))
        self.setData(
            x=[x],
            y=[y],
            size=18,
            symbol="o",
            brush=pg.mkBrush(0, 0, 0, 0),
            pen=pg.mkPen(220, 20, 60, 255, width=3),
        )


class AreaLabelItem(pg.GraphicsObject):
    """Municipality names at their label points, drawn only when zoomed in far enough
    that they do not clutter the overview. One item for all labels."""

    MAX_VIEW_WIDTH_M = 180_000

    def __init__(self) -> None:
        super().__init__()
        self._model = AreaLayerModel.empty()
        self._rect = QRectF()
        self.setZValue(-5)  # above the areas, below the points

    def set_model(self, model: AreaLayerModel) -> None:
        self.prepareGeometryChange()
        self._model = model
        b = model.bounds()
        self._rect = QRectF() if b is None else QRectF(b[0], b[1], b[2] - b[0], b[3] - b[1])
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def labels_shown(self) -> bool:
        vb = self.getViewBox()
        if vb is None or not self._model.names:
            return False
        (xmin, xmax), _ = vb.viewRange()
        return (xmax - xmin) <= self.MAX_VIEW_WIDTH_M

    def paint(self, painter: QPainter, *args: object) -> None:
        if not self.labels_shown():
            return
        model = self._model
        transform = painter.transform()
        painter.save()
        painter.resetTransform()
        font = painter.font()
        font.setPointSizeF(8.5)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        # only the labels on screen: five text draws per label made a zoomed-in paint
        # cost ~10 ms for the ~100 municipalities, most of them far outside the view
        device = painter.device()
        area = QRectF(0, 0, device.width(), device.height()) if device is not None else None
        for name, x, y in zip(model.names, model.label_x, model.label_y, strict=False):
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            pt = transform.map(QPointF(float(x), float(y)))
            w = metrics.horizontalAdvance(name)
            box = QRectF(pt.x() - w / 2 - 2, pt.y() - metrics.height() / 2, w + 4, metrics.height())
            if area is not None and not area.intersects(box.adjusted(-1, -1, 1, 1)):
                continue
            painter.setPen(QColor(255, 255, 255, 220))
            for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                painter.drawText(box.translated(dx, dy), Qt.AlignmentFlag.AlignCenter, name)
            painter.setPen(QColor(70, 70, 80))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, name)
        painter.restore()
