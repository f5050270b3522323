"""The map widget: municipality areas, candidate and company layers, selection overlay.

Coordinates are EPSG:25832 metres with the aspect ratio locked to 1. Layers are redrawn
(points vs density, culled to the view) after the view range settles, debounced.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from workbench.layers.areas import AreaLayerModel
from workbench.layers.hit import nearest_point
from workbench.layers.points import DEFAULT_DENSITY_THRESHOLD, PointLayerModel, PointStyle
from workbench.qt.i18n import fmt_int, tr

from .items import AreaItem, AreaLabelItem, PointLayerItem, SelectionItem

# Denmark in EPSG:25832, for the first view before any area is loaded.
DENMARK_EXTENT = (440_000.0, 6_040_000.0, 900_000.0, 6_410_000.0)
SEA = (206, 224, 238)

LAYER_STYLES = {
    "companies": PointStyle(
        color=(235, 130, 30, 150), size=5.0, symbol="s", outline=(255, 255, 255, 60)
    ),
    "candidates": PointStyle(
        color=(25, 90, 200, 235), size=9.0, symbol="o", outline=(255, 255, 255, 230)
    ),
}
LEGEND_KEYS = {"candidates": "map.legend_candidates", "companies": "map.legend_companies"}


class MapWidget(pg.PlotWidget):
    """The map. ``pointClicked(entity, row)`` reports a click on a point (row = table row)."""

    pointClicked = Signal(str, int)
    layersRefreshed = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, density_threshold: int = DEFAULT_DENSITY_THRESHOLD
    ):
        super().__init__(parent, background=pg.mkColor(*SEA))
        self.setObjectName("mapWidget")
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.getViewBox().setDefaultPadding(0.02)
        self.vb = plot.getViewBox()
        self.vb.setAspectLocked(True, ratio=1.0)
        self.vb.disableAutoRange()
        self.vb.setMenuEnabled(False)

        self.areas = AreaItem()
        self.vb.addItem(self.areas, ignoreBounds=True)
        self.area_labels = AreaLabelItem()
        self.vb.addItem(self.area_labels, ignoreBounds=True)
        self.layers: dict[str, PointLayerModel] = {}
        self.items: dict[str, PointLayerItem] = {}
        # companies below candidates: candidates are what consultants look for first
        for z, name in enumerate(("companies", "candidates")):
            model = PointLayerModel(name, style=LAYER_STYLES[name])
            item = PointLayerItem(model, threshold=density_threshold)
            item.setZValue(z)
            self.vb.addItem(item, ignoreBounds=True)
            self.layers[name] = model
            self.items[name] = item
        self.selection = SelectionItem()
        self.vb.addItem(self.selection, ignoreBounds=True)
        self.selected: tuple[str, int] | None = None

        self.legend = QLabel(self)
        self.legend.setObjectName("mapLegend")
        self.legend.setStyleSheet(
            "QLabel#mapLegend { background: rgba(255,255,255,225); border: 1px solid #b8c2cc;"
            " border-radius: 4px; padding: 6px 8px; color: #1d2733; }"
        )
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        self.demo_label = QLabel(tr("app.demo_badge"), self)
        self.demo_label.setObjectName("mapDemoBadge")
        self.demo_label.setToolTip(tr("app.demo_tooltip"))
        self.demo_label.setStyleSheet(
            "QLabel#mapDemoBadge { background: rgba(198,40,40,230); color: white; font-weight: bold;"
            " padding: 4px 12px; border-radius: 4px; }"
        )
        self.demo_label.setVisible(False)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(30)
        self._refresh_timer.timeout.connect(self.refresh_layers)
        self.vb.sigRangeChanged.connect(lambda *_: self._refresh_timer.start())
        self.scene().sigMouseClicked.connect(self._on_click)
        self.installEventFilter(self)
        self.set_extent(DENMARK_EXTENT)
        self._update_legend()

    # -- data ----------------------------------------------------------------------------
    def set_areas(self, model: AreaLayerModel) -> None:
        self.areas.set_model(model)
        self.area_labels.set_model(model)
        bounds = model.bounds()
        if bounds is not None:
            self.set_extent(bounds)

    def set_points(
        self, entity: str, rid: np.ndarray, x: np.ndarray, y: np.ndarray, *, refresh: bool = True
    ) -> None:
        self.layers[entity].set_points(rid, x, y)
        if self.selected and self.selected[0] == entity:
            self.select(None, -1)
        if refresh:
            self.refresh_layers()

    def set_extent(self, extent: tuple[float, float, float, float]) -> None:
        xmin, ymin, xmax, ymax = extent
        self.vb.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.02)

    def reset_view(self) -> None:
        bounds = self.areas.model.bounds() or DENMARK_EXTENT
        self.set_extent(bounds)

    def view_extent(self) -> tuple[float, float, float, float]:
        (xmin, xmax), (ymin, ymax) = self.vb.viewRange()
        return float(xmin), float(ymin), float(xmax), float(ymax)

    # -- selection -------------------------------------------------------------------------
    def select(self, entity: str | None, row: int) -> None:
        """Highlight the point at ``row`` of ``entity`` (row -1 clears)."""
        if entity is None or row < 0 or row >= len(self.layers[entity]):
            self.selected = None
            self.selection.show_at(None, None)
            return
        model = self.layers[entity]
        self.selected = (entity, row)
        x, y = float(model.x[row]), float(model.y[row])
        self.selection.show_at(x, y)
        if np.isfinite(x) and np.isfinite(y):
            xmin, ymin, xmax, ymax = self.view_extent()
            if not (xmin <= x <= xmax and ymin <= y <= ymax):
                w, h = xmax - xmin, ymax - ymin
                self.set_extent((x - w / 2, y - h / 2, x + w / 2, y + h / 2))

    def hit(self, view_pos: QPointF) -> tuple[str, int] | None:
        """The point under ``view_pos`` (data coordinates): candidates first, then companies."""
        px = self.vb.viewPixelSize()
        for entity in ("candidates", "companies"):
            model = self.layers[entity]
            if not model.visible or len(model) == 0:
                continue
            item = self.items[entity]
            cand = item.visible_indices() if item.detail == "points" else None
            i = nearest_point(
                model.x,
                model.y,
                (view_pos.x(), view_pos.y()),
                units_per_pixel=(px[0], px[1]),
                tolerance_px=7,
                candidates=cand,
            )
            if i >= 0:
                return entity, i
        return None

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = self.vb.mapSceneToView(event.scenePos())
        found = self.hit(pos)
        if found is not None:
            self.select(*found)
            self.pointClicked.emit(*found)

    # -- drawing --------------------------------------------------------------------------
    def refresh_layers(self) -> None:
        self._refresh_timer.stop()
        extent = self.view_extent()
        pixels = (int(self.vb.width()), int(self.vb.height()))
        for item in self.items.values():
            item.refresh(extent, pixels)
        self._update_legend()
        self.layersRefreshed.emit()

    def _update_legend(self) -> None:
        rows = []
        for entity in ("candidates", "companies"):
            model = self.layers[entity]
            r, g, b, _ = model.style.color
            shape = "&#9679;" if model.style.symbol == "o" else "&#9632;"
            extra = (
                f" <i>({tr('map.density')})</i>" if self.items[entity].detail == "density" else ""
            )
            rows.append(
                f"<span style='color: rgb({r},{g},{b}); font-size: 14pt'>{shape}</span> "
                f"{tr(LEGEND_KEYS[entity])}: <b>{fmt_int(len(model))}</b>{extra}"
            )
        self.legend.setText("<br>".join(rows))
        self.legend.adjustSize()
        self._place_legend()

    def set_demo(self, demo: bool) -> None:
        self.demo_label.setVisible(demo)
        self.demo_label.adjustSize()
        self._place_legend()

    def _place_legend(self) -> None:
        self.legend.move(10, max(0, self.height() - self.legend.height() - 10))
        self.demo_label.move(max(0, self.width() - self.demo_label.width() - 10), 10)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self and event.type() == QEvent.Type.Resize:
            self._place_legend()
            self._refresh_timer.start()
        return super().eventFilter(obj, event)
