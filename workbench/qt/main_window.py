"""The main window: map in the middle, filters on the left, results below, details right.

One :class:`~workbench.core.filters.Filter` drives everything. Each change submits one job to
the latest-wins runner (off the GUI thread). As soon as the queries return, the unordered
point arrays go to the map (``pointsReady``), which starts rendering them; the job then puts
them in the tables' display order and computes the duration histogram, and its result fills
the tables. The map and the tables link points and rows by row key (rid), never by position.
Stale results never reach the window.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.filters import Filter
from workbench.core.layer_data import class_by_rid, municipality_shapes, region_shapes
from workbench.core.layer_data import statistic as layer_statistic
from workbench.core.query import (
    Points,
)
from workbench.core.search.pipeline import (
    ENTITIES,
    QueryResult,
)
from workbench.core.selections import list_selections
from workbench.core.session import UserContext, Workspace
from workbench.core.session.layers import LAYER_NAMES
from workbench.core.store import person_rows
from workbench.core.tasks import Feedback, Task
from workbench.core.vocabulary import KINDS as VOCABULARY_KINDS
from workbench.core.vocabulary import load_entries
from workbench.layers.areas import AreaLayerModel, areas_from_wkb
from workbench.layers.choropleth import Choropleth
from workbench.layers.points import DEFAULT_DENSITY_THRESHOLD
from workbench.layers.selection import Selection
from workbench.layers.styling import STYLES
from workbench.layers.tiles import TileService, default_tile_root
from workbench.qt.company_search import CompanySearchWidget
from workbench.qt.docks.details import DetailsDock, Names
from workbench.qt.docks.panels import FilterDock, LayersDock
from workbench.qt.docks.results import ResultsPane
from workbench.qt.filters import FilterPanel
from workbench.qt.i18n import LANGUAGES, fmt_int, language, tr
from workbench.qt.map.canvas import TOOLS, MapWidget, union_by
from workbench.qt.map.caption import filter_lines
from workbench.qt.map.export import export_map
from workbench.qt.map.frames import profiling
from workbench.qt.map.layers_panel import LayersPanel
from workbench.qt.qt_translations import documents_dir
from workbench.qt.tasks import QtTask
from workbench.qt.workspace import QtWorkspace

log = logging.getLogger("workbench.profile")


class _Background(QObject):
    """Run a function with its own cursor as a task (``core.tasks``); the result (or the
    exception) arrives in the GUI thread (style lookups, company search, table export:
    they must not cancel the filter query)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, parent: QObject) -> None:
        super().__init__(parent)
        self.con = con
        self._tasks: list[Task[Any]] = []  # the core tasks (a QtTask is deleted when done)

    def run(self, fn: Callable[[Any], Any], callback: Callable[[Any], None]) -> None:
        con = self.con

        def work(_feedback: Feedback) -> Any:
            cur = con.cursor()
            try:
                return fn(cur)
            finally:
                cur.close()

        task = QtTask(work, name="map-style", parent=self)
        task.finished.connect(callback)
        task.failed.connect(callback)
        task.ended.connect(task.deleteLater)
        self._tasks = [t for t in self._tasks if t.is_running()] + [task.task]
        task.start()

    def busy(self) -> bool:
        return any(t.is_running() for t in self._tasks)

    def join(self) -> None:
        for t in self._tasks:
            t.wait(timeout=10)


class MainWindow(QMainWindow):
    resultsApplied = Signal(object)  # QueryResult, after the map and tables show it
    languageRequested = Signal(str)
    reloadRequested = Signal()  # the cache's data changed (refresh, import): reload in place
    cacheSwitchRequested = Signal(object)  # Path: an import out of a demo cache started a real one
    queryFailed = Signal(str)
    pointsApplied = Signal(int)  # ticket whose matches the map now renders (before the tables)
    dataReloaded = Signal()  # the window shows the cache's new data (filter, view kept)

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        cache_path: Path,
        settings: Settings,
        workspace: Workspace | None = None,
        parent=None,
    ):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.con = con
        self.cache_path = Path(cache_path)
        self.settings = settings
        self.demo = cache.is_demo(con)
        self.empty_cache = cache.is_empty(con)
        # The session lives in the Workspace (Qt-free); a window built on a given one (a
        # language change) shows the same filter, selection and layers.
        self._restored = workspace is not None
        # The window closes the Workspace when it closes, unless it hands it on (GuiSession).
        self.owns_workspace = True
        if workspace is None:
            jobcenter = str(settings.get("ui.jobcenter", "") or "") or None
            workspace = Workspace(con, context=UserContext.for_cache(con, jobcenter=jobcenter))
            stat = str(settings.get("map.choropleth", "auto") or "auto")
            workspace.layers.set_choropleth(stat, str(settings.get("map.classes", "quantile")))
        self.workspace = workspace
        self.qt_workspace = QtWorkspace(workspace, self)
        self.today = workspace.context.today()
        self.result: QueryResult | None = None  # the result the map and tables show
        self.last_error: str | None = None
        self._done_ticket = 0  # newest ticket shown (or failed, or cancelled)
        self._submitted_at = 0.0
        self._gui_cursor = con.cursor()  # pages of the tables, details
        self.background = _Background(con, self)
        self.resize(1400, 900)

        lookups = self._load_lookups()
        ws = self.qt_workspace
        ws.resultReady.connect(self._apply_result)
        ws.queryFailed.connect(self._on_failed)
        ws.busyChanged.connect(self._on_busy)
        ws.pointsReady.connect(self._apply_points)
        self._map_ticket = 0  # ticket whose points the map holds

        # map ----------------------------------------------------------------------------
        threshold = int(
            settings.get("map.density_threshold", DEFAULT_DENSITY_THRESHOLD)
            or DEFAULT_DENSITY_THRESHOLD
        )
        self.map = MapWidget(self, density_threshold=threshold)
        self._setup_map()
        if self._restored:
            self._layers_to_map()
        self.map.pointClicked.connect(self._on_point_clicked)
        self.map.selectionDrawn.connect(self.set_selection)
        self.map.tooltip_provider = self._tooltip
        self.map.set_demo(self.demo)
        self.map_toolbar, self.map_toolbar2 = self._build_map_toolbar()
        map_box = QWidget(self)
        box = QVBoxLayout(map_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.map_toolbar)
        box.addWidget(self.map_toolbar2)
        box.addWidget(self.map, 1)

        # tables (below the map): qt/docks/results.py ---------------------------------------
        self.results_pane = ResultsPane(
            con,
            lambda: self._gui_cursor,
            self._names,
            today=self.today,
            run_in_background=self.background.run,
            tie_rank=workspace.ranks.get,
            parent=self,
        )
        pane = self.results_pane
        self.distance_origin = pane.distance_origin
        self.models, self.tables, self.tabs = pane.models, pane.tables, pane.tabs
        self.not_placed_model, self.not_placed_view = pane.not_placed_model, pane.not_placed_view
        self.results, self.export_table_button = pane.results, pane.export_table_button
        pane.rowSelected.connect(self._on_row_selected)
        pane.notPlacedSelected.connect(lambda row: self._show_detail("companies", row))
        self.tabs.currentChanged.connect(self._on_tab_changed)
        workspace.add_job_step(self.results.finish_job)  # rows in the tables' sort order
        self.export_table_button.clicked.connect(self.ask_export_table)
        self._size_columns()

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(map_box)
        split.addWidget(self.results_pane)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([560, 300])
        self.setCentralWidget(split)

        # filters (left) -----------------------------------------------------------------
        self.filters = FilterPanel(
            occupations=lookups["occupations"],
            qualifications=lookups["qualifications"],
            industries=lookups["industries"],
            municipalities=lookups["municipalities"],
            jobcenter=str(settings.get("ui.jobcenter", "") or "") or None,
            today=self.today if self.demo else None,
        )
        if self._restored:
            self.filters.set_filter(workspace.filter)
        self.filters.filterChanged.connect(self.apply_filter)
        ws.filterChanged.connect(self._show_filter)
        ws.selectionChanged.connect(self._show_selection)
        self.filter_dock = FilterDock(self.filters, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.filter_dock)

        # details (right) ----------------------------------------------------------------
        self.detail_dock = DetailsDock(
            self._names, lambda: self._gui_cursor, today=self.today, demo=self.demo, parent=self
        )
        self.detail = self.detail_dock.detail
        self.company_detail = self.detail_dock.company_detail
        self.detail_stack = self.detail_dock.detail_stack
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail_dock)

        # layers (right, under the details) -----------------------------------------------
        self.layers_panel = LayersPanel(self.map, self)
        self.layers_panel.styleRequested.connect(self.set_point_style)
        self.layers_panel.styleRequested.connect(workspace.layers.set_style)
        self.layers_panel.rows["postings"].visible.toggled.connect(self._on_postings_toggled)
        self.map.layersChanged.connect(self._layers_to_workspace)
        self.layers_panel.choroplethRequested.connect(self.set_choropleth)
        self.layers_dock = LayersDock(self.layers_panel, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.layers_dock)
        self.splitDockWidget(self.detail_dock, self.layers_dock, Qt.Orientation.Vertical)

        # status bar -----------------------------------------------------------------------
        self.count_label = QLabel(self)
        self.count_label.setObjectName("countLabel")
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setVisible(False)
        self.busy_label = QLabel(tr("status.ready"), self)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setText(tr("demo.cancel"))
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_query)
        sb = self.statusBar()
        sb.addWidget(self.count_label, 1)
        sb.addPermanentWidget(self.busy_label)
        sb.addPermanentWidget(self.busy_bar)
        sb.addPermanentWidget(self.cancel_button)
        self.demo_badge = QLabel(tr("app.demo_badge"), self)
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.setToolTip(tr("app.demo_tooltip"))
        self.demo_badge.setStyleSheet(
            "QLabel#demoBadge { background: #c62828; color: white; font-weight: bold;"
            " padding: 2px 10px; border-radius: 3px; }"
        )
        self.demo_badge.setVisible(self.demo)
        self.detail_dock.demo = self.demo
        sb.addPermanentWidget(self.demo_badge)
        self.results.message.connect(self.busy_label.setText)

        self.reloadRequested.connect(self.reload_data)
        self._build_menus()
        self._update_title()
        self._update_counts()
        choropleth = workspace.layers.choropleth
        self.layers_panel.choroplethRequested.connect(workspace.layers.set_choropleth)
        self.layers_panel.set_choropleth(choropleth.statistic, choropleth.method)
        self._restore_styles()
        if not self._restored:
            self.apply_filter(self.filters.current_filter())
        else:
            self._show_selection(workspace.selection)
            self.workspace.submit()

    # -- lookups ---------------------------------------------------------------------------
    def _load_lookups(self) -> dict[str, list[tuple[str, str, list[str]]]]:
        # The same lists the command line resolves names against (core.vocabulary).
        lookups = {kind: load_entries(self._gui_cursor, kind) for kind in VOCABULARY_KINDS}
        self._names = Names(
            municipalities={c: n for c, n, _ in lookups["municipalities"]},
            occupations={c: t for c, t, _ in lookups["occupations"]},
            qualifications={c: t for c, t, _ in lookups["qualifications"]},
            industries={c: t for c, t, _ in lookups["industries"]},
        )
        self._occ_titles = self._names.occupations
        self._qual_titles = self._names.qualifications
        self._ind_titles = self._names.industries
        self._muni_names = self._names.municipalities
        return lookups

    def _setup_map(self) -> None:
        """Municipalities (outlines, labels, geometry per code), regions, basemap."""
        self._load_area_outlines()
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

    def _load_area_outlines(self) -> None:
        """Municipalities (outlines, labels, geometry per code) and regions from the cache
        (again after a refresh: a boundaries run may have changed them)."""
        import shapely

        try:
            rows = municipality_shapes(self._gui_cursor)
            wkbs = [r[2] for r in rows]
            model = areas_from_wkb(
                wkbs,
                codes=[r[0] for r in rows],
                names=[r[1] for r in rows],
                label_points=[(r[3], r[4]) for r in rows],
                simplify_m=50.0,
            )
            geoms = shapely.simplify(
                shapely.from_wkb(np.asarray(wkbs, dtype=object), on_invalid="ignore"), 50.0
            )
        except (duckdb.Error, ValueError):  # broken geometry must not stop the window
            rows, geoms, model = [], [], AreaLayerModel.empty()
        self.map.set_areas(model)
        self.map.set_municipalities(
            {r[0]: (r[1], g) for r, g in zip(rows, geoms, strict=True) if g is not None}
        )
        try:
            regions = region_shapes(self._gui_cursor)
            region_geoms = [shapely.simplify(shapely.from_wkb(wkb), 50.0) for wkb in regions]
        except (duckdb.Error, ValueError):
            region_geoms = []
        if not region_geoms and rows:
            # no region outlines in the cache: dissolve the municipalities by region
            keyed = [(g, r[5]) for r, g in zip(rows, geoms, strict=True) if r[5] and g is not None]
            region_geoms = union_by([g for g, _ in keyed], [k for _, k in keyed])
        self.map.set_regions(region_geoms)

    def _build_map_toolbar(self) -> tuple[QToolBar, QToolBar]:
        """Row 1: selection tools and saved selections; row 2: count, go to, export."""
        bar = QToolBar(self)
        bar.setObjectName("mapToolbar")
        bar2 = QToolBar(self)
        bar2.setObjectName("mapToolbar2")
        self.tool_buttons: dict[str, QToolButton] = {}
        self.map_toolbar_row1 = bar
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
        self.invert_action = bar.addAction(tr("tool.invert"), self.invert_selection)
        self.clear_action = bar.addAction(tr("tool.clear"), self.clear_selection)
        self.save_selection_action = bar.addAction(tr("tool.save"), self._ask_save_selection)
        self.saved_combo = QComboBox(self)
        self.saved_combo.setObjectName("savedSelections")
        self.saved_combo.setMinimumWidth(150)
        self.saved_combo.activated.connect(self._on_saved_chosen)
        bar.addWidget(self.saved_combo)
        self._reload_saved_combo()
        self.selection_label = QLabel(tr("selection.none"), self)
        self.selection_label.setObjectName("selectionCount")
        self.selection_label.setContentsMargins(8, 0, 8, 0)
        bar2.addWidget(self.selection_label)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar2.addWidget(spacer)
        bar = bar2
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
        bar.addWidget(self.zoom_edit)
        self.company_search = CompanySearchWidget(self.background.run, self)
        self.company_search.companyChosen.connect(self.show_company)
        self.company_search.notFound.connect(
            lambda text: self.busy_label.setText(tr("search.not_found", text=text))
        )
        bar.addWidget(self.company_search)
        export = QToolButton(self)
        export.setText(tr("tool.export"))
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.addAction(tr("tool.export_png"), lambda: self._ask_export("png"))
        menu.addAction(tr("tool.export_pdf"), lambda: self._ask_export("pdf"))
        export.setMenu(menu)
        bar.addWidget(export)
        self.map.toolChanged.connect(
            lambda t: self.tool_buttons[t].setChecked(True) if t in self.tool_buttons else None
        )
        return self.map_toolbar_row1, bar2

    # -- layers: the map draws the Workspace's layer list ------------------------------------
    def _layers_to_workspace(self) -> None:
        layers = self.workspace.layers
        for name in LAYER_NAMES:
            layers.set_visible(name, self.map.layer_visible.get(name, True))
            layers.set_opacity(name, self.map.layer_opacity.get(name, 1.0))
        layers.set_order(self.map.layer_order)

    def _layers_to_map(self) -> None:
        for state in self.workspace.layers:
            self.map.set_layer_visible(state.name, state.visible)
            self.map.set_layer_opacity(state.name, state.opacity)
        self.map.set_layer_order(self.workspace.layers.order)

    def _restore_styles(self) -> None:
        for state in self.workspace.layers:
            row = self.layers_panel.rows.get(state.name)
            if state.style and row is not None and row.style_combo is not None:
                row.style_combo.setCurrentIndex(max(0, row.style_combo.findData(state.style)))

    def _on_postings_toggled(self, on: bool) -> None:
        self.workspace.layers.set_visible("postings", on)
        if on:  # postings are queried only while their layer is shown
            self.workspace.submit()

    # -- new data: reload in place --------------------------------------------------------
    def reload_data(self, con: duckdb.DuckDBPyConnection | None = None) -> int:
        """The cache's rows changed (refresh, import): the same filter, selection and map
        view show the new data. Ranks and sort caches computed from the old rows go."""
        self.demo = cache.is_demo(self.con)
        self.empty_cache = cache.is_empty(self.con)
        self.results.reload()
        view = self.map.view_extent()
        self._load_area_outlines()
        self.map.set_extent(view, padding=0)  # new outlines must not move the user's view
        self._reload_saved_combo()
        self._update_title()
        self.demo_badge.setVisible(self.demo)
        self.map.set_demo(self.demo)
        self._submitted_at = time.perf_counter()
        ticket = self.workspace.reload(con)
        self.dataReloaded.emit()
        return ticket

    def release_cache(self) -> None:
        """Stop reading the cache (a command asks for it); :meth:`reopen_cache` resumes."""
        self.filters._timer.stop()  # a pending change goes to the Workspace on reopen
        self.filters.blockSignals(True)
        self.workspace.suspend()
        self.results.runner.close()
        self.background.join()
        self.setEnabled(False)

    def reopen_cache(self, con: duckdb.DuckDBPyConnection, cache_path: Path | None = None) -> int:
        """Read ``con`` from now on (the cache reopened, or another cache file) and reload
        in place: filter, selection and map view stay."""
        self.con = con
        if cache_path is not None:
            self.cache_path = Path(cache_path)
        self._gui_cursor = con.cursor()
        for model in (*self.models.values(), self.not_placed_model):
            model.set_cursor(self._gui_cursor)
        self.background.con = con
        self.results.reload(con)
        self.filters.blockSignals(False)
        self.workspace.set_filter(self.filters.current_filter(), submit=False)
        self.setEnabled(True)
        self.statusBar().clearMessage()
        return self.reload_data(con)

    # -- map: selection, styles, choropleth, export ------------------------------------------
    @property
    def selection(self) -> Selection | None:
        """The one selection (the Workspace's)."""
        return self.workspace.selection

    def set_selection(self, selection: Selection | None) -> int:
        """Filter everything by ``selection`` (None clears) together with the panel filters."""
        self._submitted_at = time.perf_counter()
        if self.filters.pending():  # a typed change waiting for its debounce goes along
            self.filters._timer.stop()
            self.workspace.set_filter(self.filters.current_filter(), submit=False)
        return self.workspace.set_selection(selection)

    def _show_selection(self, selection: Selection | None) -> None:
        self.map.set_spatial_selection(selection)
        self.layers_panel.update_legends()
        self._update_selection_label()

    def _show_filter(self, flt: Filter) -> None:
        """The filter dock follows a filter set from code (a saved search)."""
        if self.filters.current_filter() != flt.with_selection(None):
            self.filters.set_filter(flt)

    def clear_selection(self) -> int:
        return self.set_selection(None)

    def invert_selection(self) -> int | None:
        if self.selection is None:
            return None
        return self.set_selection(~self.selection)

    def save_current_selection(self, name: str) -> None:
        if self.selection is None:
            raise ValueError("nothing is selected")
        counts = {e: len(self.models[e].rids()) for e in ENTITIES}
        self.workspace.save_search(name, counts)
        self._reload_saved_combo()
        self.busy_label.setText(tr("selection.saved", name=name))

    def load_saved_selection(self, name: str) -> int:
        """The saved selection and the filter saved with it (the filter dock follows)."""
        self._submitted_at = time.perf_counter()
        self.filters._timer.stop()  # a pending typed change must not overwrite it
        return self.workspace.load_search(name)

    def _reload_saved_combo(self) -> None:
        self.saved_combo.blockSignals(True)
        self.saved_combo.clear()
        self.saved_combo.addItem(tr("tool.load_ph"), None)
        try:
            for saved in list_selections(self._gui_cursor):
                self.saved_combo.addItem(saved.name, saved.name)
        except duckdb.Error:
            pass
        self.saved_combo.blockSignals(False)

    def _on_saved_chosen(self, index: int) -> None:
        name = self.saved_combo.itemData(index)
        if name:
            self.load_saved_selection(name)
        self.saved_combo.setCurrentIndex(0)

    def _ask_save_selection(self) -> None:  # pragma: no cover - modal dialog
        if self.selection is None:
            return
        name, ok = QInputDialog.getText(
            self, tr("selection.save_title"), tr("selection.save_prompt")
        )
        if ok and name.strip():
            self.save_current_selection(name.strip())

    def _ask_export(self, fmt: str) -> None:  # pragma: no cover - modal dialog
        path, _ = QFileDialog.getSaveFileName(
            self,
            tr("tool.export"),
            str(Path(documents_dir()) / f"jobkort-{date.today():%Y%m%d}.{fmt}"),
            f"{fmt.upper()} (*.{fmt})",
        )
        if path:
            self.export_map(Path(path))

    def export_map(self, path: Path, *, width: int | None = None) -> Path:
        out = export_map(
            self.map, path, when=date.today(), width=width, filters=self.active_filter_lines()
        )
        self.busy_label.setText(tr("export.done", path=str(out)))
        return out

    def ask_export_table(self) -> QFileDialog:
        """The save dialog for the table shown; the file is written in the background."""
        view = self.tabs.currentWidget()
        name = self.tabs.tabText(self.tabs.currentIndex()).split("(")[0]
        return self.results.export_dialog(view, self, name)  # type: ignore[arg-type]

    def show_company(self, hit: Any) -> None:
        """Jump to a company found by the search: select it in the table (which scrolls to
        it and shows its details), centre the map on it."""
        row = self.models["companies"].row_of_rid(hit.rid)
        if row >= 0:
            self.select_row("companies", row)
        else:  # hidden by the filters: still show it, and say why it is not in the table
            self.tabs.setCurrentIndex(ENTITIES.index("companies"))
            found = person_rows(self._gui_cursor, "companies", [hit.rid])
            self._show_detail("companies", found[0] if found else None)
            self.busy_label.setText(tr("search.not_in_table", name=hit.name or hit.cvr))
        if hit.x is None or hit.y is None or np.isnan(hit.x) or np.isnan(hit.y):
            self.busy_label.setText(tr("search.not_placed", name=hit.name or hit.cvr))
            return
        xmin, ymin, xmax, ymax = self.map.view_extent()
        half_w = min(xmax - xmin, 8_000.0) / 2  # close enough to see the street
        half_h = half_w * (ymax - ymin) / max(xmax - xmin, 1.0)
        self.map.set_extent((hit.x - half_w, hit.y - half_h, hit.x + half_w, hit.y + half_h))

    def active_filter_lines(self) -> list[str]:
        """The filters behind the map, one line each in the UI language (export caption)."""
        flt = self.workspace.effective_filter()
        titles = {
            "occupations": self._occ_titles,
            "qualifications": self._qual_titles,
            "industries": self._ind_titles,
            "municipalities": self._muni_names,
        }
        return filter_lines(flt, titles)

    def zoom_to(self, name: str) -> bool:
        ok = self.map.zoom_to_municipality(name)
        if not ok:
            self.busy_label.setText(tr("zoom.not_found", name=name))
        return ok

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
                self.busy_label.setText(tr("status.error", message=str(result)))
                return
            self.map.set_style(entity, style, result)  # type: ignore[arg-type]
            self.map.request_refresh()

        self.background.run(lambda cur: class_by_rid(cur, entity, style.key, today), done)

    def set_choropleth(self, statistic: str, method: str = "quantile") -> None:
        if statistic == "none":
            self.map.set_choropleth(None)
            return
        try:
            st = layer_statistic(self._gui_cursor, statistic, today=self.today)
        except duckdb.Error as exc:
            self.busy_label.setText(tr("status.error", message=str(exc).splitlines()[0]))
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
        if entity == "postings":
            found = person_rows(self._gui_cursor, "postings", [rid], ["title", "employer_name"])
            if not found:
                return tr("layer.postings")
            p = found[0]
            return (
                f"<b>{html.escape(p['title'] or '')}</b><br>{html.escape(p['employer_name'] or '')}"
            )
        model = self.models[entity]
        row = model.row_of_rid(rid)
        data = model.row_dict(row) if row >= 0 else None
        if data is None:  # not in the table (yet): read it by key
            found = person_rows(self._gui_cursor, entity, [rid])
            data = found[0] if found else {}
        muni = self._muni_names.get(data.get("kommune_kode") or "", "")
        if entity == "candidates":
            occ = ", ".join(self._occ_titles.get(c, c) for c in data.get("occupation_codes") or [])
            since = data.get("unemployed_since")
            days = f" · {(self.today - since).days} d" if since else ""
            head = f"{tr('detail.candidate')} {data.get('candidate_id', '')}"
            return f"<b>{html.escape(head)}</b><br>{html.escape(occ)}<br>{html.escape(muni)}{days}"
        emp = data.get("employees")
        extra = f" · {emp} ansatte" if emp is not None else ""
        return (
            f"<b>{html.escape(data.get('name') or data.get('cvr') or '')}</b><br>"
            f"{html.escape(data.get('industry_text') or '')}<br>{html.escape(muni)}{extra}"
        )

    # -- filters and results ---------------------------------------------------------------
    def apply_filter(self, flt: Filter) -> int:
        """Make ``flt`` the Workspace's filter (with the map's selection) and run it; the
        newest submit wins. Returns its ticket."""
        self._submitted_at = time.perf_counter()
        return self.workspace.set_filter(flt)

    def cancel_query(self) -> None:
        self.workspace.cancel()
        self._done_ticket = self.workspace.ticket

    def map_is_current(self) -> bool:
        """The map holds the newest submitted filter's points and shows their frames."""
        return self._map_ticket == self.workspace.ticket and self.map.is_settled()

    def _apply_points(self, ticket: int, partial: QueryResult) -> None:
        """The unordered matches: straight to the map, which renders them off the GUI
        thread while the worker orders the rows for the tables."""
        self._set_map_points(partial)
        self._map_ticket = ticket
        if profiling():
            log.info(
                "points to map: submit to apply %.1f ms",
                (time.perf_counter() - self._submitted_at) * 1e3,
            )
        self.pointsApplied.emit(ticket)

    def _set_map_points(self, result: QueryResult) -> None:
        for entity in ENTITIES:
            pts: Points = getattr(result, entity)
            self.map.set_points(entity, pts.rid, pts.x, pts.y, refresh=False)
        p = result.postings
        self.map.set_points("postings", p.rid, p.x, p.y, refresh=False)
        self.map.request_refresh()  # once for all layers, rendered off the GUI thread

    def is_idle(self) -> bool:
        """No query running or waiting, no filter change pending (tests, screenshot)."""
        return (
            not self.workspace.busy()
            and self._done_ticket == self.workspace.ticket
            and not self.filters._timer.isActive()
            and self.result is not None
            and self.map.is_settled()
            and not self.background.busy()
            and self.results.is_sorted()
        )

    def _apply_result(self, ticket: int, result: QueryResult) -> None:
        self._done_ticket = ticket
        self.result = result
        self.last_error = None
        t0 = time.perf_counter()
        self.results.apply(result)  # the tables' rows
        if self._map_ticket != ticket:  # the points did not come ahead (or were dropped)
            self._set_map_points(result)
            self._map_ticket = ticket
        # Companies without coordinates are never dropped: the "Ikke placeret" tab lists them.
        comp = result.companies
        self.not_placed_model.set_rids(comp.rid[np.isnan(comp.x)])
        self._update_selection_label()
        if profiling():
            stages = ", ".join(f"{k} {v * 1e3:.1f}" for k, v in (result.timings or {}).items())
            log.info(
                "filter result: worker %.1f ms (%s); apply %.1f ms; submit to apply %.1f ms",
                result.seconds * 1e3,
                stages,
                (time.perf_counter() - t0) * 1e3,
                (time.perf_counter() - self._submitted_at) * 1e3,
            )
        self.filters.histogram.set_counts(result.duration_counts)
        # Nothing matches: say why. A blank histogram gives way to the reason; one with bars
        # (only the duration range removed everything) keeps them and tells it on hover.
        why = self.results.empty_text("candidates") or None
        blank = int(np.asarray(result.duration_counts).sum()) == 0
        self.filters.histogram.set_message(why if blank else None, tooltip=why)
        self._show_detail(None, None)
        self._update_counts()
        if self.results.is_sorted():  # else "Sorterer…" stays until the rows are sorted
            self.busy_label.setText(tr("status.ready"))
        self.busy_label.setToolTip(
            f"{result.seconds * 1000:.0f} ms"
        )  # the query's cost, for profiling
        self.resultsApplied.emit(result)

    def _on_failed(self, ticket: int, message: str) -> None:
        self._done_ticket = ticket
        self.last_error = message
        self.busy_label.setText(tr("status.error", message=message))
        self.queryFailed.emit(message)

    def _on_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.busy_label.setText(tr("status.searching"))
        elif self.busy_label.text() == tr("status.searching"):
            self.busy_label.setText(tr("status.ready"))

    def _update_selection_label(self) -> None:
        if self.selection is None:
            self.selection_label.setText(tr("selection.none"))
        else:
            self.selection_label.setText(
                tr(
                    "selection.count",
                    candidates=fmt_int(len(self.models["candidates"].rids())),
                    companies=fmt_int(len(self.models["companies"].rids())),
                )
            )
        self.invert_action.setEnabled(self.selection is not None)
        self.clear_action.setEnabled(self.selection is not None)
        self.save_selection_action.setEnabled(self.selection is not None)

    def _update_counts(self) -> None:
        n_cand = len(self.models["candidates"].rids())
        n_comp = len(self.models["companies"].rids())
        self.tabs.setTabText(0, tr("results.candidates", n=fmt_int(n_cand)))
        self.tabs.setTabText(1, tr("results.companies", n=fmt_int(n_comp)))
        n_unplaced = len(self.not_placed_model.rids())
        self.tabs.setTabText(2, tr("results.not_placed", n=fmt_int(n_unplaced)))
        self.tabs.setTabVisible(2, n_unplaced > 0)
        text = tr("status.counts", candidates=fmt_int(n_cand), companies=fmt_int(n_comp))
        if self.empty_cache:
            text = (
                f"{tr('status.empty_cache')}: {tr('status.empty_hint', path=str(self.cache_path))}"
            )
        self.count_label.setText(text)

    def _size_columns(self) -> None:
        widths = {
            "candidates": [125, 120, 230, 200, 80, 95, 60, 95, 85, 90],
            "companies": [230, 120, 220, 70, 80, 95, 200, 90],
        }
        for entity, ws in widths.items():
            header = self.tables[entity].horizontalHeader()
            for i, w in enumerate(ws):
                # Never narrower than the header text (English titles are longer).
                self.tables[entity].setColumnWidth(i, max(w, header.sectionSizeHint(i)))

    def _update_title(self) -> None:
        title = f"{tr('app.title')} — {self.cache_path.name}"
        if self.demo:
            title = f"{tr('app.title')} — {tr('app.demo_badge')} — {self.cache_path.name}"
        self.setWindowTitle(title)

    # -- selection ---------------------------------------------------------------------------
    def select_row(self, entity: str, row: int) -> None:
        """Select ``row`` in the table of ``entity`` (and so on the map and in the details)."""
        view = self.tables[entity]
        self.tabs.setCurrentIndex(ENTITIES.index(entity))
        index = self.models[entity].index(row, 0)
        view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def selected_row(self, entity: str) -> int:
        idx: QModelIndex = self.tables[entity].selectionModel().currentIndex()
        return idx.row() if idx.isValid() else -1

    def _on_row_selected(self, entity: str, row: int) -> None:
        rids = self.models[entity].rids()
        if 0 <= row < len(rids):
            self.map.select(entity, int(rids[row]))
        else:
            self.map.select(None, -1)
        self._show_detail(entity, self.models[entity].row_dict(row) if row >= 0 else None)

    def _on_point_clicked(self, entity: str, rid: int) -> None:
        row = self.models[entity].row_of_rid(rid) if entity in self.models else -1
        if row >= 0:
            self.select_row(entity, row)

    def _on_tab_changed(self, index: int) -> None:
        if index >= len(ENTITIES):
            return
        entity = ENTITIES[index]
        row = self.selected_row(entity)
        self._on_row_selected(entity, row)

    # -- details ---------------------------------------------------------------------------
    def _show_detail(self, entity: str | None, row: dict[str, Any] | None) -> None:
        self.detail_dock.show_row(entity, row)

    # -- menus -------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(tr("menu.file"))
        self.refresh_action = QAction(tr("menu.refresh"), self)
        self.refresh_action.triggered.connect(self.open_refresh_dialog)
        file_menu.addAction(self.refresh_action)
        self.import_action = QAction(tr("menu.import"), self)
        self.import_action.triggered.connect(self.open_import_wizard)
        file_menu.addAction(self.import_action)
        self.export_table_action = QAction(tr("table.export"), self)
        self.export_table_action.triggered.connect(self.ask_export_table)
        file_menu.addAction(self.export_table_action)
        file_menu.addSeparator()
        quit_action = QAction(tr("menu.quit"), self)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu(tr("menu.view"))
        reset = QAction(tr("menu.reset_view"), self)
        reset.triggered.connect(self.map.reset_view)
        view_menu.addAction(reset)
        lang_menu = view_menu.addMenu(tr("menu.language"))
        group = QActionGroup(self)
        for lang, label in zip(LANGUAGES, ("Dansk", "English"), strict=True):
            act = QAction(label, self, checkable=True)
            act.setChecked(lang == language())
            act.triggered.connect(
                lambda _checked=False, code=lang: self.languageRequested.emit(code)
            )
            group.addAction(act)
            lang_menu.addAction(act)

    def open_refresh_dialog(self) -> Any:
        """The refresh dialog; when a plugin wrote data, the window reloads after it closes."""
        from workbench.qt.refresh_dialog import RefreshDialog

        dialog = RefreshDialog(self.cache_path, self.settings, self)
        changed: list[bool] = []
        dialog.pluginFinished.connect(
            lambda _pid, result: changed.append(
                (result or {}).get("status") == "ok" if isinstance(result, dict) else False
            )
        )
        dialog.finished.connect(lambda _code: any(changed) and self.reloadRequested.emit())
        dialog.open()
        return dialog

    def open_import_wizard(self) -> Any:
        """The import wizard; after a completed import the window reloads."""
        from workbench.qt.import_wizard import ImportWizard

        wizard = ImportWizard(self.cache_path, self.settings, self)
        done: list[bool] = []
        wizard.importFinished.connect(lambda summary, _error: done.append(summary is not None))
        wizard.finished.connect(lambda _code: any(done) and self._after_import(wizard.new_cache))
        wizard.open()
        return wizard

    def _after_import(self, new_cache: Path | None) -> None:
        if new_cache is not None:
            self.cacheSwitchRequested.emit(new_cache)
        else:
            self.reloadRequested.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_docks()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_docks()

    def _fit_docks(self) -> None:
        """Details get about a fifth of the width, the map keeps the rest."""
        detail = max(220, min(360, self.width() // 5))
        self.resizeDocks([self.detail_dock], [detail], Qt.Orientation.Horizontal)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def detach_workspace(self) -> None:
        """Stop showing the Workspace (another window takes it over, or this one closes)."""
        self.qt_workspace.detach()
        self.workspace.remove_job_step(self.results.finish_job)

    def shutdown(self) -> None:
        """Stop the workers; the connection belongs to the caller."""
        self.detach_workspace()
        if self.owns_workspace:
            self.workspace.close()
        self.results.close()
        self.map.shutdown()
        self.background.join()


def centre_widget(widget: QWidget) -> None:  # pragma: no cover - cosmetics
    screen = widget.screen().availableGeometry()
    widget.move(screen.center() - widget.rect().center())
