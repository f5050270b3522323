"""The main window: map in the middle, filters on the left, results below, details right.

One :class:`~workbench.core.filters.Filter` drives everything. Each change submits one job to
the latest-wins runner (off the GUI thread). As soon as the queries return, the unordered
point arrays go to the map (``pointsReady``), which starts rendering them; the job then puts
them in the tables' display order and computes the duration histogram, and its result fills
the tables. The map and the tables link points and rows by row key (rid), never by position.
Stale results never reach the window.
"""

from __future__ import annotations

import gc
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QWidget,
)

from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.filters import Filter
from workbench.core.search.pipeline import ENTITIES, QueryResult
from workbench.core.session import UserContext, Workspace
from workbench.core.store import person_rows
from workbench.core.vocabulary import KINDS as VOCABULARY_KINDS
from workbench.core.vocabulary import load_entries
from workbench.layers.selection import Selection
from workbench.qt.docks.campaigns import CampaignDock
from workbench.qt.docks.details import DetailsDock, Names
from workbench.qt.docks.job_order import install_job_order
from workbench.qt.docks.map_view import MapView
from workbench.qt.docks.panels import FilterDock, LayersDock
from workbench.qt.docks.results import ResultsPane
from workbench.qt.filters import FilterPanel
from workbench.qt.i18n import tr
from workbench.qt.map.frames import profiling
from workbench.qt.menus import build_menus, open_import_wizard, open_refresh_dialog
from workbench.qt.pools_view import install_pools
from workbench.qt.privacy import WindowPrivacy
from workbench.qt.status_line import StatusLine
from workbench.qt.tasks import CursorTasks
from workbench.qt.team_sync import install_team_sync
from workbench.qt.workspace import QtWorkspace

if TYPE_CHECKING:
    from workbench.qt.management import ManagementTab
    from workbench.qt.results_table import ResultsTableView

log = logging.getLogger("workbench.profile")
# The longest a filter result waits for its map frames before the tables show it anyway.
RESULT_WAIT_MS = 250
SHOWN_WAIT_MS = 2000  # the longest the warm-up waits for the first tables' paint


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
        warm_up: bool = False,
        ranks: Any = None,
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
            context = UserContext.from_settings(settings, con)
            workspace = Workspace(con, context=context, ranks=ranks)
            if warm_up:  # start-up: the first query's sorts run while the window is built
                workspace.warm_up(until_shown=True)  # its filter caches after the first map
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
        self.background = CursorTasks(con, self)
        self.resize(1400, 900)

        # The same lists the command line resolves names against (core.vocabulary).
        lookups = {kind: load_entries(self._gui_cursor, kind) for kind in VOCABULARY_KINDS}
        self._names = Names.from_lookups(lookups)
        ws = self.qt_workspace
        ws.resultReady.connect(self._on_result)
        ws.queryFailed.connect(self._on_failed)
        ws.pointsReady.connect(self._apply_points)
        self._map_ticket = 0  # ticket whose points the map holds
        # A result that waits for its map frames (``_on_result``), and the guard that
        # applies it anyway should the frames not come.
        self._waiting_result: tuple[int, QueryResult] | None = None
        self._result_guard = QTimer(self)
        self._result_guard.setSingleShot(True)
        self._result_guard.setInterval(RESULT_WAIT_MS)
        self._result_guard.timeout.connect(self._apply_waiting_result)
        # The first result shown (see _apply_result): the table's first paint, or the guard
        # should it never come, then a zero timer after the paints that paint posted.
        self._shown_guard = QTimer(self)
        self._shown_guard.setSingleShot(True)
        self._shown_guard.setInterval(SHOWN_WAIT_MS)
        self._shown_guard.timeout.connect(self._first_tables_painted)
        self._shown_table: ResultsTableView | None = None
        self._shown_timer = QTimer(self)
        self._shown_timer.setSingleShot(True)
        self._shown_timer.setInterval(0)
        self._shown_timer.timeout.connect(workspace.result_shown)

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
        self.models, self.tables, self.tabs = pane.models, pane.tables, pane.tabs
        self.not_placed_model, self.not_placed_view = pane.not_placed_model, pane.not_placed_view
        self.results, self.export_table_button = pane.results, pane.export_table_button
        pane.rowSelected.connect(self._on_row_selected)
        pane.notPlacedSelected.connect(lambda row: self._show_detail("companies", row))
        workspace.add_job_step(self.results.finish_job)  # rows in the tables' sort order
        self.export_table_button.clicked.connect(self.ask_export_table)

        # map (centre): qt/docks/map_view.py ---------------------------------------------
        self.map_view = mv = MapView(
            workspace,
            settings=settings,
            cursor=lambda: self._gui_cursor,
            names=self._names,
            models=self.models,
            today=self.today,
            run_in_background=self.background.run,
            parent=self,
        )
        self.map, self.company_search = mv.map, mv.company_search
        if self._restored:
            mv.layers_to_map()
        self.map.pointClicked.connect(pane.select_rid)  # a point clicked: its row
        self.map.set_demo(self.demo)
        self.map.framesPainted.connect(self._on_frames_painted)
        mv.selectionRequested.connect(self.set_selection)
        mv.savedSelectionChosen.connect(self.load_saved_selection)
        mv.company_search.companyChosen.connect(self.show_company)

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(mv)
        split.addWidget(self.results_pane)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([560, 300])
        # window tabs: the map with its results, and the management view (issue #16)
        self.central_tabs = QTabWidget(self)
        self.central_tabs.setObjectName("centralTabs")
        self.central_tabs.setDocumentMode(True)
        self.central_tabs.addTab(split, tr("shortage.tab_map"))
        # The management tab (charts) is built when first shown or used: a placeholder
        # holds its place until then (start-up, issue #17).
        self._management: ManagementTab | None = None
        self._management_args = (workspace.context.jobcenter, self.today)
        self._management_slot = QWidget(self)
        self.central_tabs.addTab(self._management_slot, tr("shortage.tab"))
        self.central_tabs.currentChanged.connect(self._on_central_tab)
        self.setCentralWidget(self.central_tabs)

        # filters (left) -----------------------------------------------------------------
        self.filters = FilterPanel(
            **lookups,  # occupations, qualifications, industries, municipalities
            jobcenter=str(settings.get("user.jobcenter", "") or "") or None,
            today=self.today if self.demo else None,
        )
        if self._restored:
            self.filters.set_filter(workspace.filter)
        self.filters.filterChanged.connect(self.apply_filter)
        ws.filterChanged.connect(self._show_filter)
        ws.selectionChanged.connect(mv.show_selection)
        self.filter_dock = FilterDock(self.filters, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.filter_dock)

        # details (right) ----------------------------------------------------------------
        self.detail_dock = DetailsDock(
            self._names, lambda: self._gui_cursor, today=self.today, demo=self.demo, parent=self
        )
        self.detail = self.detail_dock.detail
        self.company_detail = self.detail_dock.company_detail
        self.company_detail.jobcenter = workspace.context.jobcenter  # "forbered besøg"
        self.detail_stack = self.detail_dock.detail_stack
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail_dock)
        # scope, purpose and audit of candidates' details and exports (qt/privacy.py)
        self.privacy = WindowPrivacy(self)

        # layers (right, under the details) -----------------------------------------------
        self.layers_panel = mv.make_layers_panel(self)
        self.layers_dock = LayersDock(self.layers_panel, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.layers_dock)
        self.splitDockWidget(self.detail_dock, self.layers_dock, Qt.Orientation.Vertical)

        # campaigns (right, a tab beside the layers): qt/docks/campaigns.py ---------------
        self.campaign_dock = CampaignDock(
            cursor=lambda: self._gui_cursor,
            run_in_background=self.background.run,
            current_filter=lambda: self.workspace.filter,
            current_selection=lambda: self.workspace.selection,
            today=self.today,
            jobcenter=workspace.context.jobcenter,
            user=workspace.context.user,
            parent=self,
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.campaign_dock)
        self.tabifyDockWidget(self.layers_dock, self.campaign_dock)
        self.layers_dock.raise_()
        # Opened from the View menu (Vis > Kampagner): the default layout stays as it was.
        self.campaign_dock.hide()
        # The targets table needs height: a raised campaign dock takes most of the column.
        self.campaign_dock.visibilityChanged.connect(self._give_campaigns_room)

        # status bar -----------------------------------------------------------------------
        self.status_line = st = StatusLine(self.statusBar(), demo=self.demo)
        self.count_label, self.busy_bar, self.busy_label = (
            st.count_label,
            st.busy_bar,
            st.busy_label,
        )
        self.cancel_button, self.demo_badge = st.cancel_button, st.demo_badge
        self.cancel_button.clicked.connect(self.cancel_query)
        ws.busyChanged.connect(st.set_busy)
        self.detail_dock.demo = self.demo
        self.results.message.connect(self.busy_label.setText)
        mv.message.connect(self.busy_label.setText)

        self.job_order_dock = install_job_order(self)  # job orders, shortlists (#14)
        self.reloadRequested.connect(self.reload_data)
        install_pools(self)  # pools, saved searches, reverse search (qt/pools_view.py)
        self.team_sync = install_team_sync(
            self
        )  # "Synkronisér med team" when a team store is configured
        build_menus(self)
        self._update_title()
        self._update_counts()
        mv.restore_layer_styles()
        if not self._restored:
            self.apply_filter(self.filters.current_filter())
        else:
            mv.show_selection(workspace.selection)
            self.workspace.submit()

    # -- new data: reload in place --------------------------------------------------------
    def reload_data(self, con: duckdb.DuckDBPyConnection | None = None) -> int:
        """The cache's rows changed (refresh, import): the same filter, selection and map
        view show the new data. Ranks and sort caches computed from the old rows go."""
        self.demo = cache.is_demo(self.con)
        self.empty_cache = cache.is_empty(self.con)
        self.results.reload()
        self.map_view.reload_data(self.demo)
        if self._management is not None:  # else built on the new data when first shown
            self._management.reload()
        self._update_title()
        self.demo_badge.setVisible(self.demo)
        self._submitted_at = time.perf_counter()
        ticket = self.workspace.reload(con)
        self.privacy.apply_scope()
        self.dataReloaded.emit()
        return ticket

    def release_cache(self) -> None:
        """Stop reading the cache (a command asks for it); :meth:`reopen_cache` resumes."""
        self.filters._timer.stop()  # a pending change goes to the Workspace on reopen
        self.filters.blockSignals(True)
        self.workspace.suspend()
        self.results.runner.close()
        self.job_order_dock.release()
        self.background.join()
        self.results_pane.join_page_reads()
        self.setEnabled(False)

    def reopen_cache(self, con: duckdb.DuckDBPyConnection, cache_path: Path | None = None) -> int:
        """Read ``con`` from now on (the cache reopened, or another cache file) and reload
        in place: filter, selection and map view stay."""
        self.con = con
        if cache_path is not None:
            self.cache_path = Path(cache_path)
        self._gui_cursor = con.cursor()
        self.results_pane.set_cursor(self._gui_cursor)
        self.background.con = con
        self.results.reload(con)
        self.filters.blockSignals(False)
        self.workspace.set_filter(self.filters.current_filter(), submit=False)
        self.setEnabled(True)
        self.statusBar().clearMessage()
        return self.reload_data(con)

    @property
    def management(self) -> ManagementTab:
        """The management tab, built on first use (see ``_management_slot``)."""
        if self._management is None:
            from workbench.qt.management import ManagementTab

            jobcenter, today = self._management_args
            tab = ManagementTab(
                lambda: self._gui_cursor,
                self.background.run,
                jobcenter=jobcenter,
                today=today,
                parent=self,
            )
            tab.message.connect(self.statusBar().showMessage)
            self._management = tab
            tabs, slot = self.central_tabs, self._management_slot
            index, current = tabs.indexOf(slot), tabs.currentIndex()
            tabs.blockSignals(True)  # the swap is not a tab change
            try:
                tabs.removeTab(index)
                tabs.insertTab(index, tab, tr("shortage.tab"))
                tabs.setCurrentIndex(current)
            finally:
                tabs.blockSignals(False)
            slot.deleteLater()
        return self._management

    def _on_central_tab(self, index: int) -> None:
        if self._management is None and self.central_tabs.widget(index) is self._management_slot:
            self.management  # noqa: B018 (builds it in the slot's place, shown)

    def gui_cursor(self) -> duckdb.DuckDBPyConnection:
        """The GUI thread's cursor (a reopened cache brings a new one)."""
        return self._gui_cursor

    def _give_campaigns_room(self, visible: bool) -> None:
        if visible and self.isVisible():
            h = max(self.height(), 400)
            self.resizeDocks(
                [self.detail_dock, self.campaign_dock],
                [int(h * 0.3), int(h * 0.7)],
                Qt.Orientation.Vertical,
            )

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

    def load_saved_selection(self, name: str) -> int:
        """The saved selection and the filter saved with it (the filter dock follows)."""
        self._submitted_at = time.perf_counter()
        self.filters._timer.stop()  # a pending typed change must not overwrite it
        return self.workspace.load_search(name)

    def ask_export_table(self) -> QFileDialog:
        return self.results_pane.ask_export(self)

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
        if not self.map_view.centre_on(hit.x, hit.y):
            self.busy_label.setText(tr("search.not_placed", name=hit.name or hit.cvr))

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
        self.map_view.set_points(partial)
        self._map_ticket = ticket
        if profiling():
            log.info(
                "points to map: submit to apply %.1f ms",
                (time.perf_counter() - self._submitted_at) * 1e3,
            )
        self.pointsApplied.emit(ticket)

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
            and not self.results_pane.reading_pages()
        )

    def _on_result(self, ticket: int, result: QueryResult) -> None:
        """The map first: until the frames of this result's points are rendered and painted,
        the tables wait (issue #17). Resetting a table, painting it and reading its first
        page take the GUI thread and the GIL for ~10-20 ms, which delayed the map's frames
        by as much; the counts and rows follow right after the map is painted. A hidden map
        (never painted) does not hold them."""
        if self._map_ticket == ticket and self.map.isVisible() and not self.map.is_painted():
            self._waiting_result = (ticket, result)
            self._result_guard.start()
            return
        self._waiting_result = None
        self._apply_result(ticket, result)

    def _on_frames_painted(self) -> None:
        if self._waiting_result is not None and self.map.is_painted():
            self._apply_waiting_result()

    def _apply_waiting_result(self) -> None:
        waiting, self._waiting_result = self._waiting_result, None
        self._result_guard.stop()
        if waiting is not None and self.workspace.is_current(waiting[0]):
            self._apply_result(*waiting)

    def _apply_result(self, ticket: int, result: QueryResult) -> None:
        first = self.result is None
        self._done_ticket = ticket
        self.result = result
        self.last_error = None
        t0 = time.perf_counter()
        self.results.apply(result)  # the tables' rows
        if self._map_ticket != ticket:  # the points did not come ahead (or were dropped)
            self.map_view.set_points(result)
            self._map_ticket = ticket
        # Companies without coordinates are never dropped: the "Ikke placeret" tab lists them.
        comp = result.companies
        self.not_placed_model.set_rids(comp.rid[np.isnan(comp.x)])
        self.map_view.update_selection_label()
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
        self.busy_label.setToolTip(f"{result.seconds * 1000:.0f} ms")  # the query's cost
        self.resultsApplied.emit(result)
        if first:
            freeze_start_up_objects()
            # The warm-up's filter caches (and pandas) once the first map and tables are
            # painted (issue #17): started before, the tables' first page reads waited for
            # the GIL. A zero timer alone was not enough: on a window not yet exposed
            # (Xvfb) its timeout came before the tables' paint.
            self._shown_table = self.results_pane.shown_table()
            if self._shown_table is None:
                self._shown_timer.start()
            else:
                self._shown_table.painted.connect(self._first_tables_painted)
                self._shown_guard.start()

    def _first_tables_painted(self) -> None:
        """The table's first paint (or the guard): the warm-up follows its posted paints."""
        table, self._shown_table = self._shown_table, None
        if table is None:
            return
        self._shown_guard.stop()
        table.painted.disconnect(self._first_tables_painted)
        self._shown_timer.start()

    def _on_failed(self, ticket: int, message: str) -> None:
        self._done_ticket = ticket
        self.last_error = message
        self.busy_label.setText(tr("status.error", message=message))
        self.queryFailed.emit(message)

    def _update_counts(self) -> None:
        n_cand, n_comp = self.results_pane.show_counts()
        empty = self.cache_path if self.empty_cache else None
        self.status_line.show_counts(n_cand, n_comp, empty_cache=empty)

    def _update_title(self) -> None:
        title = f"{tr('app.title')} — {self.cache_path.name}"
        if self.demo:
            title = f"{tr('app.title')} — {tr('app.demo_badge')} — {self.cache_path.name}"
        self.setWindowTitle(title)

    # -- selection ---------------------------------------------------------------------------
    def select_row(self, entity: str, row: int) -> None:
        self.results_pane.select_row(entity, row)

    def selected_row(self, entity: str) -> int:
        return self.results_pane.selected_row(entity)

    def _on_row_selected(self, entity: str, row: int) -> None:
        rids = self.models[entity].rids()
        if 0 <= row < len(rids):
            self.map.select(entity, int(rids[row]))
        else:
            self.map.select(None, -1)
        self._show_detail(entity, self.models[entity].row_dict(row) if row >= 0 else None)

    # -- details ---------------------------------------------------------------------------
    def _show_detail(self, entity: str | None, row: dict[str, Any] | None) -> None:
        scope = self.privacy.scope()
        if entity == "candidates" and not scope.rows_allowed:
            self.detail_dock.show_message(tr("privacy.rows_refused", role=scope.role))
            return
        if entity == "candidates" and row is not None and not self.privacy.open_candidate(row):
            self.detail_dock.show_message(tr("privacy.purpose_needed"))
            return
        self.detail_dock.show_row(entity, row)

    # -- menus (qt/menus.py) -----------------------------------------------------------------
    def open_refresh_dialog(self) -> Any:
        return open_refresh_dialog(self)

    def open_import_wizard(self) -> Any:
        return open_import_wizard(self)

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
        self._result_guard.stop()
        self._waiting_result = None

    def shutdown(self) -> None:
        """Stop the workers; the connection belongs to the caller."""
        self.detach_workspace()
        if self.owns_workspace:
            self.workspace.close()
        self.results.close()
        self.job_order_dock.shutdown()
        self.map.shutdown()
        self.background.join()
        self.results_pane.join_page_reads()


_FROZEN = False


def freeze_start_up_objects() -> None:
    """Once per process, after the first result is shown: move the objects of the start-up
    (modules, widgets, vocabularies: nearly all kept for the session) out of the cycle
    collector's reach. A full collection walked them all, 60 ms or more in the middle of a
    filter or a pan (issue #17). No collection first: it would cost as much on the way to
    the first map, and what it could free of the start-up is small; frozen objects are
    still freed by reference counting."""
    global _FROZEN
    if not _FROZEN:
        _FROZEN = True
        gc.freeze()


def centre_widget(widget: QWidget) -> None:  # pragma: no cover - cosmetics
    screen = widget.screen().availableGeometry()
    widget.move(screen.center() - widget.rect().center())
