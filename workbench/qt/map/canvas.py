"""The map widget: basemap tiles, municipality choropleth and outlines, regions, candidate,
job posting and company layers, the spatial selection, and the overlays (legend, scale bar,
coordinates, attribution).

Coordinates are EPSG:25832 metres with the aspect ratio locked to 1. One graphics item per
layer, never one per feature. The point layers are rendered off the GUI thread
(:mod:`workbench.qt.map.frames`) after the view settles (debounced); the basemap loads tiles
in the background (:mod:`workbench.qt.map.basemap`). Tools: pan (default), rectangle, lasso
and radius selection (drag; a click with the radius tool uses the typed radius).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QLabel, QToolTip, QWidget

from workbench.core.paths import user_config_file
from workbench.core.places import format_readout
from workbench.layers.areas import AreaLayerModel, path_arrays, rings_of
from workbench.layers.choropleth import Choropleth
from workbench.layers.hit import nearest_point
from workbench.layers.points import (
    DEFAULT_DENSITY_THRESHOLD,
    DENSITY_CELL_PX,
    PointLayerModel,
    PointStyle,
    density_lut,
    make_sprite,
)
from workbench.layers.selection import Selection
from workbench.layers.styling import OTHER_COLOR, FieldStyle, classes_of
from workbench.layers.tiles import TileCache, TileFetcher, TileService
from workbench.qt.i18n import fmt_int, language, tr

from .basemap import BasemapItem, TileLoader
from .frames import FrameRequest, FrameWorker, LayerJob, profiling, render_request
from .items import (
    AreaItem,
    AreaLabelItem,
    ChoroplethItem,
    OutlineItem,
    PointLayerItem,
    SelectionAreaItem,
    SelectionItem,
)
from .legend import GAP as LEGEND_GAP
from .legend import MARGIN as LEGEND_MARGIN
from .legend import MAX_AREA_SHARE, MAX_HEIGHT_SHARE, MAX_WIDTH_SHARE, MapLegend

log = logging.getLogger("workbench.profile")

# Denmark in EPSG:25832, for the first view before any area is loaded.
DENMARK_EXTENT = (440_000.0, 6_040_000.0, 900_000.0, 6_410_000.0)
HOLD_PAINT_MS = 300  # the longest a jump of the view waits for its frames before painting
SEA = (206, 224, 238)

POINT_LAYERS = ("candidates", "postings", "companies")
LAYER_STYLES = {
    # Companies are drawn above the candidates (a filtered company under a candidate disc was
    # hidden); an opaque fill and a dark outline of its own hue keep a company visible on top
    # of one. Dark, not white: white outlines turned dense town centres into white blobs.
    "companies": PointStyle(
        color=(240, 135, 25, 255), size=5.0, symbol="s", outline=(120, 55, 0, 150)
    ),
    "postings": PointStyle(
        color=(130, 60, 170, 235), size=8.0, symbol="t", outline=(60, 20, 85, 220)
    ),
    "candidates": PointStyle(
        color=(0, 140, 95, 235), size=9.0, symbol="o", outline=(0, 55, 35, 150)
    ),
}
# panel order, top first; the basemap is always at the bottom, the selection on top. The
# small company squares above the large candidate discs: the other way round a filtered
# company under a candidate was hidden.
DEFAULT_ORDER = ("companies", "postings", "candidates", "regions", "municipalities")
LAYER_TITLES = {
    "selection": "layer.selection",
    "candidates": "map.legend_candidates",
    "postings": "layer.postings",
    "companies": "map.legend_companies",
    "regions": "layer.regions",
    "municipalities": "layer.municipalities",
    "basemap": "layer.basemap",
}
TOOLS = ("pan", "rectangle", "lasso", "radius")
REFRESH_DEBOUNCE_MS = 30  # view changes in a row (drag, wheel) render once they pause


def nice_length(max_m: float) -> float:
    """The largest 1/2/5·10^n metres not above ``max_m`` (scale bar)."""
    if max_m <= 0:
        return 0.0
    e = 10 ** math.floor(math.log10(max_m))
    for f in (5, 2, 1):
        if f * e <= max_m:
            return f * e
    return e


def fmt_distance(m: float) -> str:
    return f"{m / 1000:g} km" if m >= 1000 else f"{m:g} m"


class MapViewBox(pg.ViewBox):
    """A ViewBox whose left-drag draws a selection when a selection tool is active."""

    def __init__(self) -> None:
        super().__init__()
        self.tool = "pan"
        self.on_draw: Callable[[str, QPointF, QPointF, bool, bool, object], None] | None = None

    def mouseDragEvent(self, ev, axis=None) -> None:
        if self.tool == "pan" or ev.button() != Qt.MouseButton.LeftButton or self.on_draw is None:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos())
        pos = self.mapSceneToView(ev.scenePos())
        self.on_draw(self.tool, start, pos, ev.isStart(), ev.isFinish(), ev.modifiers())


class ScaleBar(QWidget):
    """A scale bar for the current view (nice round length, up to ~120 px)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("mapScaleBar")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.metres_per_px = 0.0
        self.length_m = 0.0
        self.resize(150, 30)

    def set_scale(self, metres_per_px: float) -> None:
        self.metres_per_px = metres_per_px
        self.length_m = nice_length(120 * metres_per_px) if metres_per_px > 0 else 0.0
        self.update()

    def text(self) -> str:
        return fmt_distance(self.length_m) if self.length_m else ""

    def paintEvent(self, event) -> None:
        if not self.length_m:
            return
        px = self.length_m / self.metres_per_px
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.fillRect(QRectF(0, 0, px + 16, 28), QColor(255, 255, 255, 200))
        pen = QPen(QColor(30, 30, 40))
        pen.setWidthF(2)
        p.setPen(pen)
        y = 22
        p.drawLine(QPointF(8, y), QPointF(8 + px, y))
        p.drawLine(QPointF(8, y - 5), QPointF(8, y))
        p.drawLine(QPointF(8 + px, y - 5), QPointF(8 + px, y))
        f = QFont(self.font())
        f.setPointSizeF(8.5)
        p.setFont(f)
        p.drawText(QRectF(8, 2, px, 16), Qt.AlignmentFlag.AlignCenter, self.text())
        p.end()


class MapWidget(pg.PlotWidget):
    """The map. ``pointClicked(entity, rid)`` reports a click on a point (by its row key: the
    map's arrays may be in any order, the tables map rids to rows);
    ``selectionDrawn(selection)`` a finished rectangle, lasso or radius."""

    pointClicked = Signal(str, int)
    layersRefreshed = Signal()
    framesPainted = Signal()  # the newest frames were painted on screen (after layersRefreshed)
    selectionDrawn = Signal(object)
    layersChanged = Signal()  # visibility, opacity, order, style or choropleth changed
    toolChanged = Signal(str)
    tooltipShown = Signal(str, int, str)  # entity, rid, text (the hover's, once it is read)

    def __init__(
        self, parent: QWidget | None = None, *, density_threshold: int = DEFAULT_DENSITY_THRESHOLD
    ):
        self.vb = MapViewBox()
        super().__init__(parent, background=pg.mkColor(*SEA), viewBox=self.vb)
        self.setObjectName("mapWidget")
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.hideButtons()
        plot.setMenuEnabled(False)
        self.vb.setDefaultPadding(0.02)
        self.vb.setAspectLocked(True, ratio=1.0)
        self.vb.disableAutoRange()
        self.vb.setMenuEnabled(False)
        self.vb.on_draw = self._on_draw
        self.threshold = int(density_threshold)
        # Layers drawn as density at every zoom (a team lead sees no single candidates, #15).
        self.density_only: set[str] = set()

        # items, bottom to top ----------------------------------------------------------------
        self.basemap: BasemapItem | None = None
        self.tile_loader: TileLoader | None = None
        self.tile_service: TileService | None = None
        self.basemap_problem: str | None = None  # one translated line when tiles are refused
        self.choropleth_item = ChoroplethItem()
        self.vb.addItem(self.choropleth_item, ignoreBounds=True)
        self.areas = AreaItem()
        self.vb.addItem(self.areas, ignoreBounds=True)
        self.area_labels = AreaLabelItem()
        self.vb.addItem(self.area_labels, ignoreBounds=True)
        self.regions = OutlineItem()
        self.vb.addItem(self.regions, ignoreBounds=True)
        self.layers: dict[str, PointLayerModel] = {}
        self.items: dict[str, PointLayerItem] = {}
        self.styles: dict[str, FieldStyle | None] = {}
        self._class_lookup: dict[str, np.ndarray | None] = {}
        self._classes: dict[str, np.ndarray | None] = {}
        self._sprites: dict[str, tuple[np.ndarray, ...]] = {}
        self._luts: dict[str, np.ndarray] = {}
        for name in POINT_LAYERS:
            model = PointLayerModel(name, style=LAYER_STYLES[name])
            item = PointLayerItem(model, threshold=self.threshold)
            self.vb.addItem(item, ignoreBounds=True)
            self.layers[name] = model
            self.items[name] = item
            self.styles[name] = None
            self._class_lookup[name] = None
            self._classes[name] = None
            self._luts[name] = density_lut(model.style.color)
            self._set_sprites(name)
        self.selection_area = SelectionAreaItem()
        self.vb.addItem(self.selection_area, ignoreBounds=True)
        self.selection = SelectionItem()  # the selected point's ring
        self.vb.addItem(self.selection, ignoreBounds=True)
        self.selected: tuple[str, int] | None = None  # (entity, rid)
        self.spatial_selection: Selection | None = None
        self.choropleth: Choropleth | None = None
        self.muni_geoms: dict[str, tuple[str, object]] = {}  # code -> (name, geometry)
        self._muni_rings: dict[str, list[np.ndarray]] = {}  # code -> rings, per geometry set
        self.layer_order: list[str] = list(DEFAULT_ORDER)
        self.layer_visible: dict[str, bool] = {n: True for n in (*DEFAULT_ORDER, "basemap")}
        self.layer_visible["postings"] = False  # on demand: the map stays readable
        self.layers["postings"].visible = False
        self.layer_opacity: dict[str, float] = {n: 1.0 for n in (*DEFAULT_ORDER, "basemap")}
        self.layer_opacity["municipalities"] = 0.8
        self.radius_km = 10.0
        self.tooltip_provider: Callable[[str, int], str] | None = None  # (entity, rid)
        # Hover: (entity, rid, deliver) -> the text now when the row is at hand, else None
        # and deliver(text) later: the row is read off the GUI thread (issue #17).
        self.tooltip_reader: Callable[[str, int, Callable[[str], None]], str | None] | None = None
        self._tooltip_at: tuple[str, int, object] | None = None  # hovered point, global pos
        self._lasso: list[tuple[float, float]] = []
        self._apply_order()
        for name, op in self.layer_opacity.items():
            for item in self._items_of(name):
                item.setOpacity(op)

        # overlays ------------------------------------------------------------------------------
        self.legend = MapLegend(self)
        self.demo_label = QLabel(tr("app.demo_badge"), self)
        self.demo_label.setObjectName("mapDemoBadge")
        self.demo_label.setToolTip(tr("app.demo_tooltip"))
        self.demo_label.setStyleSheet(
            "QLabel#mapDemoBadge { background: rgba(198,40,40,230); color: white; font-weight: bold;"
            " padding: 4px 12px; border-radius: 4px; }"
        )
        self.demo_label.setVisible(False)
        self.attribution = QLabel(self)
        self.attribution.setObjectName("mapAttribution")
        self.attribution.setStyleSheet(
            "QLabel#mapAttribution { background: rgba(255,255,255,200); color: #333;"
            " padding: 1px 5px; font-size: 8pt; }"
            # a basemap problem (refused token) reads as a warning, not as fine print
            ' QLabel#mapAttribution[problem="true"] { color: #b71c1c; font-weight: bold; }'
        )
        self.attribution.setVisible(False)
        # Without a token there is no basemap: one small note where the attribution would be
        # (not a dialog, shown once per map); its x closes it.
        self.basemap_note = QLabel(self)
        self.basemap_note.setObjectName("mapBasemapNote")
        self.basemap_note.setStyleSheet(
            "QLabel#mapBasemapNote { background: rgba(255,255,255,200); color: #555;"
            " padding: 1px 5px; font-size: 8pt; }"
        )
        self.basemap_note.setTextFormat(Qt.TextFormat.RichText)
        self.basemap_note.linkActivated.connect(lambda _link: self.set_basemap_note(False))
        self.basemap_note.setVisible(False)
        self.scale_bar = ScaleBar(self)
        self.coords = QLabel(self)
        self.coords.setObjectName("mapCoordinates")
        self.coords.setStyleSheet(
            "QLabel#mapCoordinates { background: rgba(255,255,255,200); color: #333;"
            " padding: 1px 5px; font-size: 8pt; }"
        )
        self.coords.setText("EPSG:25832")

        # rendering and events ---------------------------------------------------------------
        self._generation = 0
        self._applied_generation = 0
        self._painted_generation = 0  # the applied frames the last paint showed
        self.paint_count = 0  # paints of the view (tests, profiling)
        self._submitted_at = 0.0
        self.last_frame_seconds = 0.0
        self.frames = FrameWorker(self)
        self.frames.ready.connect(self._apply_frames)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DEBOUNCE_MS)
        self._last_view_change = 0.0
        self._refresh_timer.timeout.connect(self.request_refresh)
        self._hold_guard = QTimer(self)  # see set_extent
        self._hold_guard.setSingleShot(True)
        self._hold_guard.setInterval(HOLD_PAINT_MS)
        self._hold_guard.timeout.connect(self._release_paint)
        self.vb.sigRangeChanged.connect(self._on_range_changed)
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(150)
        self._hover_timer.timeout.connect(self._show_tooltip)
        self._hover_pos: QPointF | None = None
        self.scene().sigMouseClicked.connect(self._on_click)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
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

    def set_municipalities(self, geoms: dict[str, tuple[str, object]]) -> None:
        """Per-code (name, shapely geometry) for the choropleth and zoom to a municipality."""
        self.muni_geoms = dict(geoms)
        self._muni_rings = {}

    def set_regions(self, geoms: list[object]) -> None:
        rings: list[np.ndarray] = []
        for g in geoms:
            rings.extend(rings_of(g))
        x, y, connect = path_arrays(rings)
        self.regions.set_path(pg.arrayToQPath(x, y, connect=connect) if x.size else QPainterPath())

    def set_points(
        self,
        entity: str,
        rid: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        *,
        refresh: bool = True,
    ) -> None:
        self.layers[entity].set_points(rid, x, y)
        self._update_classes(entity)
        if self.selected and self.selected[0] == entity:
            self.select(None, -1)  # the new arrays may not hold it, and are in another order
        if refresh:
            self.request_refresh()

    def set_extent(
        self, extent: tuple[float, float, float, float], *, padding: float = 0.02
    ) -> None:
        """Show ``extent`` (with a margin; ``padding=0`` restores a saved view exactly).

        A jump (a municipality, all of Denmark, a saved view) is painted once, when its
        frames are rendered: not first as the old frames stretched to the new view. That
        stretched preview of a density raster is a blur, and painting it (the outlines and
        the choropleth are redrawn for the new scale) held the GUI thread and the GIL for
        20-35 ms while the frames were rendered, which made them ~15% later (issue #17).
        Drags and the wheel keep their immediate preview."""
        xmin, ymin, xmax, ymax = extent
        self._hold_paint()
        self.vb.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=padding)
        if self.is_settled():  # the same view again: no frames come
            self._release_paint()

    def _hold_paint(self) -> None:
        """No paint of the view until the next frames are applied (or ``HOLD_PAINT_MS``)."""
        if self.isVisible() and self.frames.idle():
            self.viewport().setUpdatesEnabled(False)
            self._hold_guard.start()

    def _release_paint(self) -> None:
        self._hold_guard.stop()
        if not self.viewport().updatesEnabled():
            self.viewport().setUpdatesEnabled(True)
            self.viewport().update()

    def reset_view(self) -> None:
        bounds = self.areas.model.bounds() or DENMARK_EXTENT
        self.set_extent(bounds)

    def view_extent(self) -> tuple[float, float, float, float]:
        (xmin, xmax), (ymin, ymax) = self.vb.viewRange()
        return float(xmin), float(ymin), float(xmax), float(ymax)

    def view_pixels(self) -> tuple[int, int]:
        return max(1, int(self.vb.width())), max(1, int(self.vb.height()))

    def metres_per_pixel(self) -> float:
        xmin, _, xmax, _ = self.view_extent()
        return (xmax - xmin) / self.view_pixels()[0]

    def municipality_names(self) -> list[str]:
        return sorted(name for name, _ in self.muni_geoms.values())

    def zoom_to_municipality(self, name: str) -> bool:
        """Zoom to the municipality called ``name`` (case-insensitive; a unique prefix will
        do). False when no municipality matches."""
        key = name.strip().casefold()
        if not key:
            return False
        matches = [g for n, g in self.muni_geoms.values() if n.casefold() == key]
        if not matches:
            matches = [g for n, g in self.muni_geoms.values() if n.casefold().startswith(key)]
        if len(matches) != 1:
            return False
        xmin, ymin, xmax, ymax = matches[0].bounds
        pad = 0.05 * max(xmax - xmin, ymax - ymin)
        self.set_extent((xmin - pad, ymin - pad, xmax + pad, ymax + pad))
        return True

    # -- styles and choropleth -------------------------------------------------------------
    def set_style(self, entity: str, style: FieldStyle | None, lookup: np.ndarray | None) -> None:
        """Colour ``entity``'s points by ``style`` (``lookup``: class per rid), or plainly."""
        self.styles[entity] = style
        self._class_lookup[entity] = lookup if style is not None else None
        self._set_sprites(entity)
        self._update_classes(entity)
        self._changed()

    def _set_sprites(self, entity: str) -> None:
        self._sprites[entity] = self._make_sprites(entity)

    def _make_sprites(self, entity: str, scale: float = 1.0) -> tuple[np.ndarray, ...]:
        st = self.layers[entity].style
        style = self.styles.get(entity)
        colors = [st.color] if style is None else [*(c.color for c in style.classes), OTHER_COLOR]
        return tuple(
            make_sprite(st.size * scale, st.symbol, c, st.outline, outline_px=scale) for c in colors
        )

    def _update_classes(self, entity: str) -> None:
        lookup = self._class_lookup.get(entity)
        self._classes[entity] = (
            None if lookup is None else classes_of(lookup, self.layers[entity].rid)
        )

    def set_choropleth(self, choropleth: Choropleth | None) -> None:
        self.choropleth = choropleth
        paths: list[tuple[tuple[int, int, int], QPainterPath]] = []
        if choropleth is not None and self.muni_geoms:
            by_color: dict[tuple[int, int, int], list[np.ndarray]] = {}
            for code, color in zip(choropleth.codes, choropleth.colors(), strict=True):
                entry = self.muni_geoms.get(code)
                if entry is not None:
                    # the rings once per geometry: every filter recolours the choropleth
                    rings = self._muni_rings.get(code)
                    if rings is None:
                        rings = self._muni_rings[code] = rings_of(entry[1])
                    by_color.setdefault(color, []).extend(rings)
            for color, rings in by_color.items():
                x, y, connect = path_arrays(rings)
                path = pg.arrayToQPath(x, y, connect=connect)
                path.setFillRule(Qt.FillRule.WindingFill)
                paths.append((color, path))
        self.choropleth_item.set_paths(paths)
        self._update_area_fill()
        self._changed()

    def _update_area_fill(self) -> None:
        has_basemap = (
            self.basemap is not None
            and self.layer_visible.get("basemap", True)
            and bool(self.basemap.tiles)
        )
        self.areas.fill_enabled = self.choropleth is None and not has_basemap
        self.areas.update()

    # -- basemap ---------------------------------------------------------------------------
    def set_basemap(
        self, service: TileService | None, cache_root: Path | None = None, **options
    ) -> None:
        """Use ``service`` as the basemap (None or unconfigured: none). ``options``: max_bytes,
        timeout_s, user_agent."""
        if self.tile_loader is not None:
            self.tile_loader.close()
            self.tile_loader = None
        if self.basemap is not None:
            self.vb.removeItem(self.basemap)
            self.basemap = None
        self.basemap_problem = None
        self.attribution.setProperty("problem", False)
        self.tile_service = service if service is not None and service.configured else None
        # a basemap is set up but lacks its token: say so (an empty URL is a deliberate "none")
        self.set_basemap_note(
            service is not None and bool(service.url.strip()) and not service.configured
        )
        if self.tile_service is None or cache_root is None:
            self.attribution.setVisible(False)
            self._update_area_fill()
            self._place_overlays()
            return
        cache = TileCache(
            cache_root, self.tile_service.key(), int(options.get("max_bytes", 200 * 1024**2))
        )
        fetcher = TileFetcher(
            self.tile_service,
            cache,
            timeout_s=float(options.get("timeout_s", 10)),
            user_agent=str(options.get("user_agent", "Jobkort-workbench/0.1")),
        )
        self.basemap = BasemapItem(self.tile_service.matrix_set)
        self.vb.addItem(self.basemap, ignoreBounds=True)
        self.tile_loader = TileLoader(fetcher, self)
        self.tile_loader.tileLoaded.connect(self._on_tile)
        self.tile_loader.problemFound.connect(self._on_basemap_problem)
        self.attribution.setText(self.tile_service.attribution)
        self.attribution.setVisible(True)
        self.attribution.adjustSize()
        self._apply_order()
        self._place_overlays()
        self._request_tiles()

    def set_basemap_note(self, show: bool) -> None:
        """Show or hide the note that the basemap needs a token and where to set it."""
        if show:  # the text is fitted to the map's width by _place_overlays
            self.basemap_note.setToolTip(tr("map.no_basemap_tip", path=str(user_config_file())))
            self.basemap_note.setProperty("fitted_width", None)
        self.basemap_note.setVisible(bool(show))
        self._place_overlays()

    def _request_tiles(self) -> None:
        if self.basemap is None or self.tile_loader is None:
            return
        if not self.layer_visible.get("basemap", True):
            return
        level, tiles = self.basemap.ms.tiles_for(self.view_extent(), self.metres_per_pixel())
        keys = [(level, r, c) for r, c in tiles]
        missing = self.basemap.set_view(level, keys)
        self.tile_loader.request(missing)

    def _on_tile(self, key, image) -> None:
        if self.basemap is not None:
            first = not self.basemap.tiles
            self.basemap.add_tile(key, image)
            if first:
                self._update_area_fill()

    def _on_basemap_problem(self, problem) -> None:
        """Say it once: the attribution line and the layers panel show why there are no tiles."""
        msg = "basemap.refused" if problem.kind == "refused" else "basemap.moved"
        self.basemap_problem = tr(msg, detail=problem.detail, setting=problem.setting)
        self.attribution.setText(self.basemap_problem)
        self.attribution.setProperty("problem", True)
        self.attribution.style().unpolish(self.attribution)
        self.attribution.style().polish(self.attribution)
        self.attribution.setVisible(True)
        self._place_overlays()
        self.layersChanged.emit()

    def tiles_settled(self) -> bool:
        return self.tile_loader is None or self.tile_loader.pending() == 0

    # -- layers panel API --------------------------------------------------------------------
    def set_layer_visible(self, name: str, visible: bool) -> None:
        self.layer_visible[name] = bool(visible)
        if name in self.layers:
            self.layers[name].visible = bool(visible)
            self.request_refresh()
        for item in self._items_of(name):
            item.setVisible(bool(visible))
        if name == "basemap":
            self._update_area_fill()
            self._request_tiles()
        self._changed()

    def set_layer_opacity(self, name: str, opacity: float) -> None:
        self.layer_opacity[name] = max(0.0, min(1.0, float(opacity)))
        for item in self._items_of(name):
            item.setOpacity(self.layer_opacity[name])
        self._changed()

    def set_layer_order(self, order: list[str]) -> None:
        """Top first; names not given keep their relative order below the given ones."""
        rest = [n for n in self.layer_order if n not in order]
        self.layer_order = [n for n in order if n in DEFAULT_ORDER] + rest
        self._apply_order()
        self._changed()

    def _items_of(self, name: str) -> list:
        if name in self.items:
            return [self.items[name]]
        if name == "municipalities":
            return [self.areas, self.choropleth_item, self.area_labels]
        if name == "regions":
            return [self.regions]
        if name == "basemap":
            return [self.basemap] if self.basemap is not None else []
        if name == "selection":
            return [self.selection_area]
        return []

    def _apply_order(self) -> None:
        n = len(self.layer_order)
        for i, name in enumerate(self.layer_order):
            z = (n - i) * 10
            for j, item in enumerate(self._items_of(name)):
                item.setZValue(z + ([0, -1, 1][j] if name == "municipalities" else 0))
        if self.basemap is not None:
            self.basemap.setZValue(-100)
        self.selection_area.setZValue(1000)
        self.selection.setZValue(1001)

    def _changed(self) -> None:
        self._update_legend()
        self.layersChanged.emit()

    # -- point selection -----------------------------------------------------------------------
    def select(self, entity: str | None, rid: int, *, index: int | None = None) -> None:
        """Highlight the point with row key ``rid`` of ``entity`` (-1 or None clears).
        ``index``: its position in the layer's arrays, when the caller knows it."""
        if entity is None or rid < 0:
            self.selected = None
            self.selection.show_at(None, None)
            return
        model = self.layers[entity]
        if index is None or not (0 <= index < len(model)) or int(model.rid[index]) != rid:
            hits = np.flatnonzero(model.rid == rid)
            index = int(hits[0]) if hits.size else -1
        if index < 0:
            self.selected = None
            self.selection.show_at(None, None)
            return
        self.selected = (entity, int(rid))
        x, y = float(model.x[index]), float(model.y[index])
        self.selection.show_at(x, y)
        if np.isfinite(x) and np.isfinite(y):
            xmin, ymin, xmax, ymax = self.view_extent()
            if not (xmin <= x <= xmax and ymin <= y <= ymax):
                w, h = xmax - xmin, ymax - ymin
                self.set_extent((x - w / 2, y - h / 2, x + w / 2, y + h / 2))

    def hit(self, view_pos: QPointF) -> tuple[str, int] | None:
        """The point under ``view_pos`` (data coordinates), topmost visible layer first, as
        (entity, index into the layer's arrays)."""
        px = self.vb.viewPixelSize()
        for entity in [n for n in self.layer_order if n in self.layers]:
            model = self.layers[entity]
            if not model.visible or len(model) == 0:
                continue
            item = self.items[entity]
            cand = item.visible_indices() if item.detail == "points" else None
            if cand is not None and cand.size and int(cand.max()) >= len(model):
                cand = cand[cand < len(model)]  # a frame of older arrays, until the next one
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
        if self.vb.tool == "radius":
            self._finish_selection(
                Selection.radius(pos.x(), pos.y(), self.radius_km * 1000.0), event.modifiers()
            )
            return
        if self.vb.tool != "pan":
            return
        found = self.hit(pos)
        if found is not None:
            entity, i = found
            rid = int(self.layers[entity].rid[i])
            self.select(entity, rid, index=i)
            self.pointClicked.emit(entity, rid)

    def _on_mouse_moved(self, scene_pos) -> None:
        pos = self.vb.mapSceneToView(scene_pos)
        self.coords.setText(format_readout(pos.x(), pos.y()))  # --near accepts it as is
        self.coords.adjustSize()
        self._hover_pos = pos
        self._hover_timer.start()

    def _show_tooltip(self) -> None:
        if self._hover_pos is None or self.vb.tool != "pan":
            return
        found = self.hit(self._hover_pos)
        if found is None:
            QToolTip.hideText()
            return
        entity, index = found
        rid = int(self.layers[entity].rid[index])
        scene = self.vb.mapViewToScene(self._hover_pos)
        at = self.mapToGlobal(self.mapFromScene(scene))
        self._tooltip_at = (entity, rid, at)
        text = None
        if self.tooltip_reader is not None:
            try:
                text = self.tooltip_reader(
                    entity, rid, lambda t: self._show_read_tooltip(entity, rid, t)
                )
            except Exception:  # a tooltip must never break the map
                text = None
            if text is None:  # being read: the layer's name until then
                QToolTip.showText(at, tr(LAYER_TITLES[entity]), self)
                return
        else:
            text = self.tooltip_text(entity, index)
        QToolTip.showText(at, text, self)
        self.tooltipShown.emit(entity, rid, text)

    def _show_read_tooltip(self, entity: str, rid: int, text: str) -> None:
        """A hover's text read in the background: shown if the point is still the hovered one."""
        if self._tooltip_at is None or self._tooltip_at[:2] != (entity, rid):
            return
        QToolTip.showText(self._tooltip_at[2], text, self)
        self.tooltipShown.emit(entity, rid, text)

    def tooltip_text(self, entity: str, index: int) -> str:
        """Tooltip of the point at ``index`` of the layer's arrays (the provider gets its rid)."""
        if self.tooltip_provider is not None:
            try:
                return self.tooltip_provider(entity, int(self.layers[entity].rid[index]))
            except Exception:  # a tooltip must never break the map
                pass
        return tr(LAYER_TITLES[entity])

    # -- spatial selection -------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        self.vb.tool = tool
        self.selection_area.set_draft(QPainterPath())
        self.setCursor(Qt.CursorShape.ArrowCursor if tool == "pan" else Qt.CursorShape.CrossCursor)
        self.toolChanged.emit(tool)

    def _on_draw(self, tool, start: QPointF, pos: QPointF, is_start, is_finish, modifiers) -> None:
        if is_start:
            self._lasso = [(start.x(), start.y())]
        draft = QPainterPath()
        if tool == "rectangle":
            draft.addRect(QRectF(start, pos).normalized())
        elif tool == "lasso":
            self._lasso.append((pos.x(), pos.y()))
            draft.moveTo(*self._lasso[0])
            for p in self._lasso[1:]:
                draft.lineTo(*p)
            draft.closeSubpath()
        elif tool == "radius":
            r = math.hypot(pos.x() - start.x(), pos.y() - start.y())
            draft.addEllipse(start, r, r)
        self.selection_area.set_draft(draft)
        if not is_finish:
            return
        self.selection_area.set_draft(QPainterPath())
        try:
            if tool == "rectangle":
                sel = Selection.rectangle(start.x(), start.y(), pos.x(), pos.y())
                if sel.parts[0].xmax - sel.parts[0].xmin <= 0:
                    return
            elif tool == "lasso":
                sel = Selection.polygon(self._lasso)
            else:
                r = math.hypot(pos.x() - start.x(), pos.y() - start.y())
                sel = Selection.radius(start.x(), start.y(), r)
        except ValueError:
            return  # too small to be a selection
        self._finish_selection(sel, modifiers)

    def _finish_selection(self, sel: Selection, modifiers) -> None:
        add = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        if add and self.spatial_selection is not None and not self.spatial_selection.inverted:
            sel = self.spatial_selection | sel
        self.set_spatial_selection(sel)
        self.selectionDrawn.emit(sel)

    def set_spatial_selection(self, sel: Selection | None) -> None:
        """Show ``sel`` (None clears). Filtering is the window's business."""
        self.spatial_selection = sel
        if sel is None:
            self.selection_area.set_path(QPainterPath())
        else:
            path = QPainterPath()
            for part in sel.parts:
                path.addPath(_geometry_path(part.geometry()))
            self.selection_area.set_path(path, inverted=sel.inverted)
        self._update_legend()

    # -- drawing --------------------------------------------------------------------------
    def _on_range_changed(self, *_args) -> None:
        self.scale_bar.set_scale(self.metres_per_pixel())
        now = time.perf_counter()
        quiet = now - self._last_view_change > REFRESH_DEBOUNCE_MS / 1000
        self._last_view_change = now
        if quiet and self.frames.idle() and not self._refresh_timer.isActive():
            # Leading edge: the first change after a quiet spell (a jump to a municipality,
            # the first step of a drag or of a wheel; one range signal each) renders now,
            # before the view repaints the old frames (a debounce or a zero timer fired
            # only after that paint); the changes of a burst wait until it pauses.
            self.request_refresh()
        else:
            self._refresh_timer.start(REFRESH_DEBOUNCE_MS)

    def _request(self, scale: float = 1.0) -> FrameRequest:
        """The frames for the current view; ``scale`` > 1 renders them with that many device
        pixels per screen pixel (exports), symbols and density cells scaled alike."""
        self._generation += 1
        jobs = []
        for name in POINT_LAYERS:
            model = self.layers[name]
            jobs.append(
                LayerJob(
                    name,
                    model.x,
                    model.y,
                    model.visible,
                    0 if name in self.density_only else self.threshold,
                    self._luts[name],
                    self._sprites[name] if scale == 1.0 else self._make_sprites(name, scale),
                    self._classes[name],
                    DENSITY_CELL_PX * scale,
                )
            )
        w, h = self.view_pixels()
        return FrameRequest(
            self._generation,
            self.view_extent(),
            (max(1, round(w * scale)), max(1, round(h * scale))),
            tuple(jobs),
            time.perf_counter(),
        )

    def request_refresh(self) -> None:
        """Render the point layers for the current view off the GUI thread; load tiles."""
        self._refresh_timer.stop()
        self.scale_bar.set_scale(self.metres_per_pixel())
        self._request_tiles()
        req = self._request()
        self._submitted_at = req.submitted
        self.frames.submit(req)

    def refresh_layers(self, scale: float = 1.0) -> None:
        """Render synchronously (screenshot, export: the final size is known now); ``scale``:
        device pixels per screen pixel of the frames (an export larger than the widget)."""
        self._refresh_timer.stop()
        self.scale_bar.set_scale(self.metres_per_pixel())
        self._request_tiles()
        req = self._request(scale)
        self._submitted_at = req.submitted
        self.frames.submit(req)  # makes any frame in flight stale
        self._apply_frames(req.generation, render_request(req))

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        self.paint_count += 1
        if self._painted_generation != self._applied_generation:
            self._painted_generation = self._applied_generation
            self.framesPainted.emit()

    def is_painted(self) -> bool:
        """Settled, and the newest frames have been painted (what the user sees)."""
        return self.is_settled() and self._painted_generation == self._applied_generation

    def is_settled(self) -> bool:
        """No view change pending and the newest frames are on screen."""
        return not self._refresh_timer.isActive() and self._applied_generation == self._generation

    def _apply_frames(self, generation: int, frames: dict) -> None:
        if generation != self._generation:
            return
        t0 = time.perf_counter()
        for name, item in self.items.items():
            item.apply_frame(frames.get(name))
        self._applied_generation = generation
        self._release_paint()
        self.viewport().update()  # a paint follows even when no item changed (framesPainted)
        self._update_legend(if_changed=True)
        self.last_frame_seconds = time.perf_counter() - self._submitted_at
        if profiling():
            log.info(
                "apply frames gen=%d: %.1f ms (view change to applied %.1f ms)",
                generation,
                (time.perf_counter() - t0) * 1e3,
                self.last_frame_seconds * 1e3,
            )
        self.layersRefreshed.emit()

    # -- legend -----------------------------------------------------------------------------
    def legend_entries(self, name: str) -> list[tuple[tuple[int, ...], str, str]]:
        """(colour, symbol, label) rows for layer ``name`` ('o', 's', 't' or 'area')."""
        rows: list[tuple[tuple[int, ...], str, str]] = []
        if name in self.layers:
            model = self.layers[name]
            item = self.items[name]
            style = self.styles.get(name)
            if style is not None and item.detail == "points":
                counts = item.class_counts
                for color, label, n in style.legend(language(), counts):
                    rows.append((color, model.style.symbol, f"{label} ({fmt_int(n)})"))
            else:
                extra = f" ({tr('map.density')})" if item.detail == "density" else ""
                rows.append(
                    (
                        model.style.color,
                        model.style.symbol,
                        f"{tr(LAYER_TITLES[name])}: {fmt_int(len(model))}{extra}",
                    )
                )
        elif name == "municipalities" and self.choropleth is not None:
            ch = self.choropleth
            unit = f" {ch.unit}" if ch.unit else ""
            for e in ch.legend(
                fmt=lambda v: f"{v:,.1f}".replace(",", "X").replace(".", ",").replace("X", "."),
                suppressed_label=tr("choropleth.suppressed"),
                no_data_label=tr("choropleth.no_data"),
            ):
                label = e.label if e.color in ((205, 205, 205), (246, 243, 236)) else e.label + unit
                rows.append((e.color, "area", label))
        return rows

    def legend_rows(self) -> list[tuple[tuple[int, ...] | None, str, str]]:
        """The whole legend, top layer first, as (colour, symbol, text) rows; a heading row
        has no colour. Symbols: 'o', 's', 't', 'area' and 'outline' (the selection)."""
        rows: list[tuple[tuple[int, ...] | None, str, str]] = []
        for name in self.layer_order:
            if not self.layer_visible.get(name, True):
                continue
            entries = self.legend_entries(name)
            if not entries:
                continue
            if name == "municipalities" and self.choropleth is not None:
                rows.append((None, "", self.choropleth.title))
            elif name in self.layers and self.styles.get(name) is not None:
                style = self.styles[name]
                assert style is not None
                rows.append((None, "", f"{tr(LAYER_TITLES[name])}: {style.label(language())}"))
            rows.extend(entries)
        if self.spatial_selection is not None:
            key = "map.selection_inverted" if self.spatial_selection.inverted else "map.selection"
            rows.append(((200, 30, 90), "outline", tr(key)))
        return rows

    def _legend_html(self) -> str:
        parts = []
        for color, symbol, label in self.legend_rows():
            if color is None:
                parts.append(f"<b>{_esc(label)}</b>")
                continue
            r, g, b = color[:3]
            shape = {"o": "&#9679;", "s": "&#9632;", "t": "&#9650;", "outline": "&#9633;"}
            size = "" if symbol == "outline" else "; font-size: 10pt"
            parts.append(
                f"<span style='color: rgb({r},{g},{b}){size}'>{shape.get(symbol, '&#9632;')}"
                f"</span> {_esc(label)}"
            )
        return "<br>".join(parts)

    def _update_legend(self, *, if_changed: bool = False) -> None:
        """Set the legend's text and fit it (``if_changed``: only when the text changed;
        the fit measures rich text, ~2 ms, for every frame of a pan)."""
        html = self._legend_html()
        if if_changed and html == self.legend.text():
            return
        self.legend.setText(html)
        self._place_overlays()

    def set_demo(self, demo: bool) -> None:
        self.demo_label.setVisible(demo)
        self.demo_label.adjustSize()
        self._place_overlays()

    def _place_overlays(self) -> None:
        h, w = self.height(), self.width()
        self.demo_label.move(max(0, w - self.demo_label.width() - 10), 10)
        self.attribution.setWordWrap(False)
        self.attribution.adjustSize()
        if self.attribution.width() > w > 0:  # a long problem line wraps instead of being cut
            self.attribution.setWordWrap(True)
            self.attribution.resize(w, self.attribution.heightForWidth(w))
        self.attribution.move(max(0, w - self.attribution.width()), h - self.attribution.height())
        self._fit_note(w)
        self.basemap_note.move(
            max(0, w - self.basemap_note.width()), h - self.basemap_note.height()
        )
        bottom = h - 4
        for label in (self.attribution, self.basemap_note):
            if not label.isHidden():
                bottom = min(bottom, h - label.height() - 4)
        self.scale_bar.move(max(0, w - 170), max(0, bottom - self.scale_bar.height()))
        self.coords.adjustSize()
        self.coords.move(8, 8)
        self.legend.place(self.legend_bounds(), w * h)

    def _fit_note(self, map_width: int) -> None:
        """The full note when it fits the map's width, else its short form (the tooltip
        keeps the details)."""
        note = self.basemap_note
        if note.isHidden() or note.property("fitted_width") == map_width:
            return  # placed on every frame: fit only when shown and the width changed
        note.setProperty("fitted_width", map_width)
        for key in ("map.no_basemap", "map.no_basemap_short"):
            note.setText(
                f"{_esc(tr(key))} "
                "<a href='close' style='color:#555; text-decoration:none'>&#215;</a>"
            )
            note.adjustSize()
            if note.width() <= map_width - 2 * LEGEND_MARGIN:
                break

    def legend_bounds(self) -> QRect:
        """The largest box the legend may take (anchored bottom-left): a share of the map,
        clear of the scale bar and attribution below and of the coordinates and badge above."""
        h, w = self.height(), self.width()
        width = max(int(MAX_WIDTH_SHARE * w), self.legend.header_width())
        left, right = LEGEND_MARGIN, LEGEND_MARGIN + width
        bottom, top = h - LEGEND_MARGIN, LEGEND_MARGIN
        for other in (self.scale_bar, self.attribution, self.basemap_note):
            r = other.geometry()
            if other.isHidden() or r.left() >= right or r.right() < left:
                continue
            if r.left() - LEGEND_GAP - left >= 120:  # narrower, beside it
                right = r.left() - LEGEND_GAP
            else:  # above it
                bottom = min(bottom, r.top() - LEGEND_GAP)
        for other in (self.coords, self.demo_label):
            r = other.geometry()
            if not other.isHidden() and r.left() < right and r.right() >= left:
                top = max(top, r.bottom() + LEGEND_GAP)
        # never more than MAX_AREA_SHARE of the map, even opened by the user (it scrolls)
        area_h = int(MAX_AREA_SHARE * w * h / max(1, right - left))
        height = min(bottom - top, int(MAX_HEIGHT_SHARE * h), area_h)
        return QRect(left, bottom - height, right - left, max(0, height))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self and event.type() == QEvent.Type.Resize:
            self._place_overlays()
            self._refresh_timer.start(REFRESH_DEBOUNCE_MS)
        return super().eventFilter(obj, event)

    def shutdown(self) -> None:
        self.frames.close()
        if self.tile_loader is not None:
            self.tile_loader.close()
            self.tile_loader = None


def _geometry_path(geom) -> QPainterPath:
    rings = rings_of(geom)
    if not rings:
        return QPainterPath()
    x, y, connect = path_arrays(rings)
    path = pg.arrayToQPath(x, y, connect=connect)
    path.setFillRule(Qt.FillRule.OddEvenFill)
    return path


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def union_by(geoms: list[object], keys: list[str]) -> list[object]:
    """Dissolve ``geoms`` by ``keys`` (regions from municipalities)."""
    out = []
    for key in sorted(set(keys)):
        parts = [g for g, k in zip(geoms, keys, strict=True) if k == key and g is not None]
        if parts:
            out.append(shapely.union_all(parts, grid_size=10.0))
    return out
