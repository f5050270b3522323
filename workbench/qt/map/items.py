"""pyqtgraph items for the layer models: one graphics item per layer, never one per feature.

- :class:`AreaItem` draws all municipality rings as ONE QPainterPath (arrayToQPath with a
  connect array), filled and outlined with cosmetic pens.
- :class:`PointLayerItem` shows a layer either as points (a ScatterPlotItem fed with the
  visible points' arrays) or, above the density threshold, as a density raster (numpy
  bincount into an ImageItem), whichever the model's level of detail says for the view.
- :class:`SelectionItem` rings the selected point.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen

from workbench.layers.areas import AreaLayerModel
from workbench.layers.points import Extent, PointLayerModel, bin_density, density_levels


class AreaItem(pg.GraphicsObject):
    """All areas of a layer in one path."""

    def __init__(self, model: AreaLayerModel | None = None) -> None:
        super().__init__()
        self._path = QPainterPath()
        self._rect = QRectF()
        self._model = AreaLayerModel.empty()
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
        painter.setBrush(QBrush(QColor(*style.fill)))
        painter.drawPath(self._path)


class PointLayerItem(pg.ItemGroup):
    """One layer on the map: points or density, decided per view by the model."""

    DENSITY_CELL_PX = 4  # one density cell covers about this many screen pixels

    def __init__(self, model: PointLayerModel, *, threshold: int) -> None:
        super().__init__()
        self.model = model
        self.threshold = int(threshold)
        self.detail = "points"
        self.shown_count = 0
        self._scatter = pg.ScatterPlotItem(pxMode=True)
        self._scatter.setParentItem(self)
        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setParentItem(self)
        self._image.setVisible(False)
        self._lut = _density_lut(model.style.color)
        self._visible_idx = np.empty(0, dtype=np.int64)
        self.setFlag(self.GraphicsItemFlag.ItemHasNoContents, True)

    def boundingRect(self) -> QRectF:  # the children draw; the group itself is empty
        return QRectF()

    def visible_indices(self) -> np.ndarray:
        """Indices (= table rows) of the points drawn as points in the current view."""
        return self._visible_idx

    def refresh(self, extent: Extent, pixels: tuple[int, int]) -> None:
        """Redraw for the view ``extent`` shown on ``pixels`` = (width, height) screen pixels."""
        model = self.model
        if not model.visible or len(model) == 0:
            self._scatter.setData(x=[], y=[])
            self._image.setVisible(False)
            self._scatter.setVisible(False)
            self._visible_idx = np.empty(0, dtype=np.int64)
            self.shown_count = 0
            self.detail = "points"
            return
        mask = model.visible_mask(extent)
        count = int(np.count_nonzero(mask))
        self.shown_count = count
        self.detail = "density" if count > self.threshold else "points"
        if self.detail == "points":
            idx = np.flatnonzero(mask)
            self._visible_idx = idx
            st = model.style
            self._scatter.setData(
                x=model.x[idx],
                y=model.y[idx],
                size=st.size,
                symbol=st.symbol,
                brush=pg.mkBrush(*st.color),
                pen=pg.mkPen(*st.outline, width=0.8),
            )
            self._scatter.setVisible(True)
            self._image.setVisible(False)
        else:
            self._visible_idx = np.empty(0, dtype=np.int64)
            w, h = max(1, pixels[0]), max(1, pixels[1])
            shape = (max(1, h // self.DENSITY_CELL_PX), max(1, w // self.DENSITY_CELL_PX))
            counts = bin_density(model.x, model.y, extent, shape)
            levels = density_levels(counts)
            rgba = self._lut[(levels * 255).astype(np.uint8)]
            self._image.setImage(rgba, autoLevels=False, axisOrder="row-major")
            xmin, ymin, xmax, ymax = extent
            self._image.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))
            self._scatter.setData(x=[], y=[])
            self._scatter.setVisible(False)
            self._image.setVisible(True)


def _density_lut(color: tuple[int, int, int, int]) -> np.ndarray:
    """256 RGBA entries: transparent for empty cells, then the layer colour from light to full."""
    r, g, b, _ = color
    t = np.linspace(0.0, 1.0, 256)
    lut = np.zeros((256, 4), dtype=np.uint8)
    light = 0.75 * (1 - t)  # blend towards white for sparse cells
    lut[:, 0] = (r + (255 - r) * light).astype(np.uint8)
    lut[:, 1] = (g + (255 - g) * light).astype(np.uint8)
    lut[:, 2] = (b + (255 - b) * light).astype(np.uint8)
    lut[:, 3] = (90 + 165 * t).astype(np.uint8)
    lut[0] = (0, 0, 0, 0)
    return lut


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
        for name, x, y in zip(model.names, model.label_x, model.label_y, strict=False):
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            pt = transform.map(QPointF(float(x), float(y)))
            w = metrics.horizontalAdvance(name)
            box = QRectF(pt.x() - w / 2 - 2, pt.y() - metrics.height() / 2, w + 4, metrics.height())
            painter.setPen(QColor(255, 255, 255, 220))
            for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                painter.drawText(box.translated(dx, dy), Qt.AlignmentFlag.AlignCenter, name)
            painter.setPen(QColor(70, 70, 80))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, name)
        painter.restore()
