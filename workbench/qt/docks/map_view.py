"""The map in the middle of the window: the MapWidget, its two toolbars (selection tools,
saved selections, go to, company search, export) and what the map shows of the Workspace
(area outlines, points, layer states, point styles, choropleth, tooltips)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.config import Settings
from workbench.core.layer_data import class_by_rid, municipality_shapes, region_shapes
from workbench.core.layer_data import statistic as layer_statistic
from workbench.core.query import Points
from workbench.core.region_outlines import SIMPLIFY_M, dissolved_regions
from workbench.core.search.pipeline import ENTITIES, QueryResult
from workbench.core.selections import list_selections
from workbench.core.session import Workspace
from workbench.core.session.layers import LAYER_NAMES
from workbench.core.store import person_rows
from workbench.layers.areas import AreaLayerModel, areas_from_wkb
from workbench.layers.choropleth import Choropleth
from workbench.layers.points import DEFAULT_DENSITY_THRESHOLD
from workbench.layers.selection import Selection
from workbench.layers.styling import STYLES
from workbench.layers.tiles import TileService, default_tile_root
from workbench.qt.company_search import CompanySearchWidget
from workbench.qt.docks.details import Names
from workbench.qt.i18n import fmt_int, tr
from workbench.qt.map.canvas import TOOLS, MapWidget
from workbench.qt.map.caption import filter_lines
from workbench.qt.map.export import export_map
from workbench.qt.map.layers_panel import LayersPanel
from workbench.qt.qt_translations import documents_dir

RunInBackground = Callable[[Callable[[Any], Any], Callable[[Any], None]], None]


class MapView(QWidget):
    """Owns the MapWidget and its toolbars. Selection changes go out as
    ``selectionRequested`` (the window adds a pending filter change before the Workspace
    runs them); status texts go out as ``message``."""

    selectionRequested = Signal(object)  # Selection | None
    savedSelectionChosen = Signal(str)  # name of a saved search to load
    message = Signal(str)  # a status line for the user

    def __init__(
        self,
        workspace: Workspace,
        *,
        settings: Settings,
        cursor: Callable[[], duckdb.DuckDBPyCursor],
        names: Names,
        models: Mapping[str, Any],
        today: date,
        run_in_background: RunInBackground,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        # (path) -> False to refuse, or a function that logs the print once it is written
        self.print_guard: Callable[[Path], Any] | None = None
        self.settings = settings
        self._cursor = cursor
        self._names = names
        self.models = models  # the tables' models (counts, tooltips read rows there)
        self.today = today
        self._run = run_in_background
        threshold = int(
            settings.get("map.density_threshold", DEFAULT_DENSITY_THRESHOLD)
            or DEFAULT_DENSITY_THRESHOLD
        )
        self.map = MapWidget(self, density_threshold=threshold)
        self._setup_map()
        self.map.selectionDrawn.connect(self.selectionRequested)
        self.map.tooltip_provider = self._tooltip
        self.map.tooltip_reader = self._tooltip_in_background
        self.map_toolbar, self.map_toolbar2 = self._build_toolbars()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.map_toolbar)
        box.addWidget(self.map_toolbar2)
        box.addWidget(self.map, 1)

    # -- outlines and basemap --------------------------------------------------------------
    def _setup_map(self) -> None:
        """Municipalities (outlines, labels, geometry per code), regions, basemap."""
        self.load_area_outlines()
        section = self.settings.get("basemap", {}) or {}
        service = TileService.from_settings(section if isinstance(section, dict) else {})
        # also when unconfigured: the map then notes that the basemap needs a token
        self.map.set_basemap(
            service,
            default_tile_root(),
            max_bytes=int(float(section.get("cache_mb", 200) or 200) * 1024 * 1024),
            timeout_s=float(self.settings.get("http.timeout_s", 10) or 10),
            user_agent=str(self.settings.get("http.user_agent", "") or "Jobkort-workbench"),
        )

    def load_area_outlines(self) -> None:
        """Municipalities (outlines, labels, geometry per code) and regions from the cache
        (again after a refresh: a boundaries run may have changed them)."""
        import shapely

        try:
            rows = municipality_shapes(self._cursor())
            wkbs = [r[2] for r in rows]
            model = areas_from_wkb(
                wkbs,
                codes=[r[0] for r in rows],
                names=[r[1] for r in rows],
                label_points=[(r[3], r[4]) for r in rows],
                simplify_m=50.0,
            )
            geoms = shapely.simplify(
                shapely.from_wkb(np.asarray(wkbs, dtype=object), on_invalid="ignore"), SIMPLIFY_M
            )
        except (duckdb.Error, ValueError):  # broken geometry must not stop the window
            rows, geoms, model = [], [], AreaLayerModel.empty()
        self.map.set_areas(model)
        self.map.set_municipalities(
            {r[0]: (r[1], g) for r, g in zip(rows, geoms, strict=True) if g is not None}
        )
        try:
            regions = region_shapes(self._cursor())
            region_geoms = [shapely.simplify(shapely.from_wkb(wkb), 50.0) for wkb in regions]
        except (duckdb.Error, ValueError):
            region_geoms = []
        if not region_geoms and rows:
            # no region outlines in the cache: the municipalities dissolved by region (kept
            # in the cache, so not at every start)
            try:
                region_geoms = dissolved_regions(self._cursor(), list(geoms), [r[5] for r in rows])
            except (duckdb.Error, ValueError):
                region_geoms = []
        self.map.set_regions(region_geoms)

    def reload_data(self, demo: bool) -> None:
        """The cache's rows changed: new outlines and saved selections, the same view."""
        view = self.map.view_extent()
        self.load_area_outlines()
        self.map.set_extent(view, padding=0)  # new outlines must not move the user's view
        self.reload_saved_combo()
        self.map.set_demo(demo)

    # -- toolbars --------------------------------------------------------------------------
    def _build_toolbars(self) -> tuple[QToolBar, QToolBar]:
        """Row 1: selection tools and saved selections; row 2: count, go to, export."""
        bar = QToolBar(self)
        bar.setObjectName("mapToolbar")
        bar2 = QToolBar(self)
        bar2.setObjectName("mapToolbar2")
        self.tool_buttons: dict[str, QToolButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        for tool in TOOLS:
            b = QToolButton(self)
            b.setText(tr(f"tool.{tool}"))
            b.setCheckable(True)
            b.setChecked(tool == "pan")
            b.setObjectName(f"tool_{tool}")
            b.clicked.connect(lambda _c=False, t=tool: self.map.set_tool(t))
            group.addButton(b)
            bar.addWidget(b)
            self.tool_buttons[tool] = b
        self.tool_buttons["radius"].setToolTip(tr("tool.radius_tip"))
        self.radius_km = QDoubleSpinBox(self)
        self.radius_km.setObjectName("radiusKm")
        self.radius_km.setRange(0.1, 300.0)
        self.radius_km.setDecimals(1)
        self.radius_km.setValue(self.map.radius_km)
        self.radius_km.setSuffix(" km")
        self.radius_km.setToolTip(tr("tool.radius_tip"))
        self.radius_km.valueChanged.connect(lambda v: setattr(self.map, "radius_km", float(v)))
        bar.addWidget(self.radius_km)
        bar.addSeparator()
        self.invert_action = bar.addAction(tr("tool.invert"), self._invert)
        self.clear_action = bar.addAction(tr("tool.clear"), self._clear)
        self.save_selection_action = bar.addAction(tr("tool.save"), self._ask_save_selection)
        self.saved_combo = QComboBox(self)
        self.saved_combo.setObjectName("savedSelections")
        self.saved_combo.setMinimumWidth(150)
        self.saved_combo.activated.connect(self._on_saved_chosen)
        bar.addWidget(self.saved_combo)
        self.reload_saved_combo()
        self.selection_label = QLabel(tr("selection.none"), self)
        self.selection_label.setObjectName("selectionCount")
        self.selection_label.setContentsMargins(8, 0, 8, 0)
        bar2.addWidget(self.selection_label)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar2.addWidget(spacer)
        self.zoom_edit = QLineEdit(self)
        self.zoom_edit.setObjectName("zoomMunicipality")
        self.zoom_edit.setPlaceholderText(tr("tool.zoom_ph"))
        self.zoom_edit.setMaximumWidth(180)
        completer = QCompleter(self.map.municipality_names(), self.zoom_edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zoom_edit.setCompleter(completer)
        self.zoom_edit.returnPressed.connect(lambda: self.zoom_to(self.zoom_edit.text()))
        completer.activated.connect(self.zoom_to)
        bar2.addWidget(self.zoom_edit)
        self.company_search = CompanySearchWidget(self._run, self)
        self.company_search.notFound.connect(
            lambda text: self.message.emit(tr("search.not_found", text=text))
        )
        bar2.addWidget(self.company_search)
        export = QToolButton(self)
        export.setText(tr("tool.export"))
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.addAction(tr("tool.export_png"), lambda: self.ask_export("png"))
        menu.addAction(tr("tool.export_pdf"), lambda: self.ask_export("pdf"))
        export.setMenu(menu)
        bar2.addWidget(export)
        self.map.toolChanged.connect(
            lambda t: self.tool_buttons[t].setChecked(True) if t in self.tool_buttons else None
        )
        return bar, bar2

    # -- layers: the map draws the Workspace's layer list ----------------------------------
    def layers_to_workspace(self) -> None:
        layers = self.workspace.layers
        for name in LAYER_NAMES:
            layers.set_visible(name, self.map.layer_visible.get(name, True))
            layers.set_opacity(name, self.map.layer_opacity.get(name, 1.0))
        layers.set_order(self.map.layer_order)

    def layers_to_map(self) -> None:
        for state in self.workspace.layers:
            self.map.set_layer_visible(state.name, state.visible)
            self.map.set_layer_opacity(state.name, state.opacity)
        self.map.set_layer_order(self.workspace.layers.order)

    # -- the layers dock's panel ----------------------------------------------------------
    def make_layers_panel(self, parent: QWidget) -> LayersPanel:
        """The layers panel (visibility, opacity, order, styles, choropleth) of this map."""
        panel = self.layers_panel = LayersPanel(self.map, parent)
        panel.styleRequested.connect(self.set_point_style)
        panel.styleRequested.connect(self.workspace.layers.set_style)
        panel.rows["postings"].visible.toggled.connect(self._on_postings_toggled)
        self.map.layersChanged.connect(self.layers_to_workspace)
        panel.choroplethRequested.connect(self.set_choropleth)
        return panel

    def restore_layer_styles(self) -> None:
        """The panel shows (and so the map draws) the Workspace's choropleth and styles."""
        layers = self.workspace.layers
        self.layers_panel.choroplethRequested.connect(layers.set_choropleth)
        self.layers_panel.set_choropleth(layers.choropleth.statistic, layers.choropleth.method)
        for state in layers:
            row = self.layers_panel.rows.get(state.name)
            if state.style and row is not None and row.style_combo is not None:
                row.style_combo.setCurrentIndex(max(0, row.style_combo.findData(state.style)))

    def _on_postings_toggled(self, on: bool) -> None:
        self.workspace.layers.set_visible("postings", on)
        if on:  # postings are queried only while their layer is shown
            self.workspace.submit()

    # -- points ----------------------------------------------------------------------------
    def set_points(self, result: QueryResult) -> None:
        for entity in ENTITIES:
            pts: Points = getattr(result, entity)
            self.map.set_points(entity, pts.rid, pts.x, pts.y, refresh=False)
        p = result.postings
        self.map.set_points("postings", p.rid, p.x, p.y, refresh=False)
        self.map.request_refresh()  # once for all layers, rendered off the GUI thread

    # -- selection -------------------------------------------------------------------------
    def _invert(self) -> None:
        if self.workspace.selection is not None:
            self.selectionRequested.emit(~self.workspace.selection)

    def _clear(self) -> None:
        self.selectionRequested.emit(None)

    def show_selection(self, selection: Selection | None) -> None:
        self.map.set_spatial_selection(selection)
        self.layers_panel.update_legends()
        self.update_selection_label()

    def update_selection_label(self) -> None:
        selection = self.workspace.selection
        if selection is None:
            self.selection_label.setText(tr("selection.none"))
        else:
            self.selection_label.setText(
                tr(
                    "selection.count",
                    candidates=fmt_int(len(self.models["candidates"].rids())),
                    companies=fmt_int(len(self.models["companies"].rids())),
                )
            )
        self.invert_action.setEnabled(selection is not None)
        self.clear_action.setEnabled(selection is not None)
        self.save_selection_action.setEnabled(selection is not None)

    def save_current_selection(self, name: str) -> None:
        if self.workspace.selection is None:
            raise ValueError("nothing is selected")
        counts = {e: len(self.models[e].rids()) for e in ENTITIES}
        self.workspace.save_search(name, counts)
        self.reload_saved_combo()
        self.message.emit(tr("selection.saved", name=name))

    def reload_saved_combo(self) -> None:
        self.saved_combo.blockSignals(True)
        self.saved_combo.clear()
        self.saved_combo.addItem(tr("tool.load_ph"), None)
        try:
            for saved in list_selections(self._cursor()):
                self.saved_combo.addItem(saved.name, saved.name)
        except duckdb.Error:
            pass
        self.saved_combo.blockSignals(False)

    def _on_saved_chosen(self, index: int) -> None:
        name = self.saved_combo.itemData(index)
        if name:
            self.savedSelectionChosen.emit(name)
        self.saved_combo.setCurrentIndex(0)

    def _ask_save_selection(self) -> None:  # pragma: no cover - modal dialog
        if self.workspace.selection is None:
            return
        name, ok = QInputDialog.getText(
            self, tr("selection.save_title"), tr("selection.save_prompt")
        )
        if ok and name.strip():
            self.save_current_selection(name.strip())

    # -- export, go to ---------------------------------------------------------------------
    def ask_export(self, fmt: str) -> None:  # pragma: no cover - modal dialog
        path, _ = QFileDialog.getSaveFileName(
            self,
            tr("tool.export"),
            str(Path(documents_dir()) / f"jobkort-{date.today():%Y%m%d}.{fmt}"),
            f"{fmt.upper()} (*.{fmt})",
        )
        if path:
            self.export_map(Path(path))

    def export_map(self, path: Path, *, width: int | None = None) -> Path | None:
        """Write the map to ``path``; a map with candidates on it is a print of persons:
        ``print_guard`` (the window's, issue #15) may refuse it (None) and logs it."""
        guard = self.print_guard
        shows_candidates = self.workspace.layers["candidates"].visible
        record = guard(path) if guard is not None and shows_candidates else None
        if record is False:
            return None
        out = export_map(
            self.map, path, when=date.today(), width=width, filters=self.active_filter_lines()
        )
        if callable(record):
            record()
        self.message.emit(tr("export.done", path=str(out)))
        return out

    def active_filter_lines(self) -> list[str]:
        """The filters behind the map, one line each in the UI language (export caption)."""
        flt = self.workspace.effective_filter()
        titles = {
            "occupations": self._names.occupations,
            "qualifications": self._names.qualifications,
            "industries": self._names.industries,
            "municipalities": self._names.municipalities,
        }
        return filter_lines(flt, titles)

    def zoom_to(self, name: str) -> bool:
        ok = self.map.zoom_to_municipality(name)
        if not ok:
            self.message.emit(tr("zoom.not_found", name=name))
        return ok

    def centre_on(self, x: float | None, y: float | None) -> bool:
        """Centre the map on (x, y), close enough to see the street; False: not placed."""
        if x is None or y is None or np.isnan(x) or np.isnan(y):
            return False
        xmin, ymin, xmax, ymax = self.map.view_extent()
        half_w = min(xmax - xmin, 8_000.0) / 2
        half_h = half_w * (ymax - ymin) / max(xmax - xmin, 1.0)
        self.map.set_extent((x - half_w, y - half_h, x + half_w, y + half_h))
        return True

    # -- point styles, choropleth, tooltips ------------------------------------------------
    def set_point_style(self, entity: str, key: str | None) -> None:
        """Colour ``entity``'s points by the style ``key`` (None: one colour). The class per
        rid is computed once per style on a background thread."""
        if key is None:
            self.map.set_style(entity, None, None)
            self.map.request_refresh()
            return
        style = STYLES[entity][key]
        today = self.today

        def done(result: object) -> None:
            if isinstance(result, Exception):
                self.message.emit(tr("status.error", message=str(result)))
                return
            self.map.set_style(entity, style, result)  # type: ignore[arg-type]
            self.map.request_refresh()

        scope = self.workspace.scope()
        self._run(lambda cur: class_by_rid(cur, entity, style.key, today, scope), done)

    def set_choropleth(self, statistic: str, method: str = "quantile") -> None:
        if statistic == "none":
            self.map.set_choropleth(None)
            return
        try:
            st = layer_statistic(
                self._cursor(), statistic, today=self.today, scope=self.workspace.scope()
            )
        except duckdb.Error as exc:
            self.message.emit(tr("status.error", message=str(exc).splitlines()[0]))
            return
        if st["key"] == "stats":
            title = tr(
                "choropleth.title_stats",
                measure=st["measure"],
                period=st["period"],
                source=st["source"] or "",
            )
        elif st["key"] == "candidates_count":
            title = tr("choropleth.title_candidates")
        else:
            title = tr("choropleth.title_long_term")
        ch = Choropleth.build(
            title,
            st["codes"],
            st["values"],
            counts=st["counts"],
            method=method,  # type: ignore[arg-type]
            unit=st["unit"],
            source=st["source"],
        )
        self.map.set_choropleth(ch)

    def _tooltip(self, entity: str, rid: int) -> str:
        """The tooltip of a point, read now (tests, callers that need the text at once)."""
        data = self._row_at_hand(entity, rid)
        if data is None:
            data = _tooltip_row(self._cursor(), entity, rid, self.workspace.scope())
        return self._tooltip_html(entity, data)

    def _tooltip_in_background(
        self, entity: str, rid: int, deliver: Callable[[str], None]
    ) -> str | None:
        """The hover's text now when its table row is in memory; else None, and the row is
        read on a worker (a read by key costs tens of ms at 1M rows) and ``deliver``ed."""
        data = self._row_at_hand(entity, rid)
        if data is not None:
            return self._tooltip_html(entity, data)

        def done(result: Any) -> None:
            row = {} if isinstance(result, BaseException) else result
            deliver(self._tooltip_html(entity, row))

        scope = self.workspace.scope()  # read here: the worker never touches the Workspace
        self._run(lambda cur: _tooltip_row(cur, entity, rid, scope), done)
        return None

    def _row_at_hand(self, entity: str, rid: int) -> dict[str, Any] | None:
        """The row from a table page already in memory (no read), else None."""
        model = self.models.get(entity)
        if model is None:
            return None
        row = model.row_of_rid(rid)
        return model.cached_row(row) if row >= 0 else None

    def _tooltip_html(self, entity: str, data: dict[str, Any]) -> str:
        if entity == "postings":
            if not data:
                return tr("layer.postings")
            return (
                f"<b>{html.escape(data.get('title') or '')}</b><br>"
                f"{html.escape(data.get('employer_name') or '')}"
            )
        if entity == "candidates" and not data:
            return tr("detail.candidate")  # outside the scope, or aggregates only
        muni = self._names.municipalities.get(data.get("kommune_kode") or "", "")
        if entity == "candidates":
            occ = ", ".join(
                self._names.occupations.get(c, c) for c in data.get("occupation_codes") or []
            )
            since = data.get("unemployed_since")
            days = f" · {(self.today - since).days} d" if since else ""
            head = f"{tr('detail.candidate')} {data.get('candidate_id', '')}"
            return f"<b>{html.escape(head)}</b><br>{html.escape(occ)}<br>{html.escape(muni)}{days}"
        emp = data.get("employees")
        extra = f" · {tr('col.employees')}: {fmt_int(emp)}" if emp is not None else ""
        protected = (
            f"<br><i>{html.escape(tr('detail.advertising_protected'))}</i>"
            if data.get("advertising_protected")
            else ""
        )
        return (
            f"<b>{html.escape(data.get('name') or data.get('cvr') or '')}</b><br>"
            f"{html.escape(data.get('industry_text') or '')}<br>{html.escape(muni)}{extra}"
            f"{protected}"
        )


def _tooltip_row(cur: Any, entity: str, rid: int, scope: Any = None) -> dict[str, Any]:
    """The row a tooltip shows, read by key with ``cur`` within the user's ``scope`` ({} when
    it is gone or outside the scope)."""
    columns = ["title", "employer_name"] if entity == "postings" else None
    found = person_rows(cur, entity, [rid], columns, scope=scope)
    return found[0] if found else {}
