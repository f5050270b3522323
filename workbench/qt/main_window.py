"""The main window: map in the middle, filters on the left, results below, details right.

One :class:`~workbench.core.filters.Filter` drives everything. Each change submits one job to
the latest-wins runner (off the GUI thread); its result carries the candidates' and
companies' point arrays (which are also the row order of the virtual tables) and the
duration histogram. Stale results never reach the window.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QLabel,
    QMainWindow,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QWidget,
)

from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.filters import Filter
from workbench.core.query import Points, histogram, points, unemployment_days
from workbench.layers.areas import AreaLayerModel, areas_from_cache
from workbench.layers.points import DEFAULT_DENSITY_THRESHOLD
from workbench.qt.company_detail import CompanyDetailWidget
from workbench.qt.filters import DURATION_EDGES, FilterPanel
from workbench.qt.i18n import LANGUAGES, fmt_int, language, tr
from workbench.qt.map.canvas import MapWidget
from workbench.qt.models import (
    VirtualRowsModel,
    candidate_columns,
    company_columns,
    not_placed_columns,
)
from workbench.qt.runner import QtQueryRunner

ENTITIES = ("candidates", "companies")


@dataclass(frozen=True)
class QueryResult:
    """What one filter change produces (computed on the worker thread)."""

    flt: Filter
    candidates: Points
    companies: Points
    duration_counts: np.ndarray
    seconds: float


def reference_date(con: duckdb.DuckDBPyConnection) -> date:
    """The demo's own reference date (durations stay as built), else today."""
    try:
        value = cache.get_meta(con, "demo_today")
        return date.fromisoformat(value) if value else date.today()
    except (duckdb.Error, ValueError):
        return date.today()


def run_filter(cur: Any, flt: Filter) -> QueryResult:
    t0 = time.perf_counter()
    cand = points(cur, "candidates", flt)
    comp = points(cur, "companies", flt)
    # The histogram shows the other filters' matches, so the user sees where to put the range.
    days = unemployment_days(cur, flt.with_(unemployed_days=None))
    counts = histogram(days, DURATION_EDGES)
    return QueryResult(flt, cand, comp, counts, time.perf_counter() - t0)


class MainWindow(QMainWindow):
    resultsApplied = Signal(object)  # QueryResult, after the map and tables show it
    languageRequested = Signal(str)
    reloadRequested = Signal()  # the cache's data changed (refresh, import): rebuild the window
    queryFailed = Signal(str)

    def __init__(
        self, con: duckdb.DuckDBPyConnection, *, cache_path: Path, settings: Settings, parent=None
    ):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.con = con
        self.cache_path = Path(cache_path)
        self.settings = settings
        self.demo = cache.is_demo(con)
        self.empty_cache = cache.is_empty(con)
        self.today = reference_date(con) if self.demo else date.today()
        self.result: QueryResult | None = None
        self.last_error: str | None = None
        self._ticket = 0
        self._gui_cursor = con.cursor()  # pages of the tables, details
        self.resize(1400, 900)

        lookups = self._load_lookups()
        self.runner = QtQueryRunner(con, self)
        self.runner.finished.connect(self._apply_result)
        self.runner.failed.connect(self._on_failed)
        self.runner.busyChanged.connect(self._on_busy)

        # map ----------------------------------------------------------------------------
        threshold = int(
            settings.get("map.density_threshold", DEFAULT_DENSITY_THRESHOLD)
            or DEFAULT_DENSITY_THRESHOLD
        )
        self.map = MapWidget(self, density_threshold=threshold)
        self.map.set_areas(self._load_areas())
        self.map.pointClicked.connect(self._on_point_clicked)
        self.map.set_demo(self.demo)

        # tables ---------------------------------------------------------------------------
        today = self.today
        self.models = {
            "candidates": VirtualRowsModel(
                self._gui_cursor,
                "candidates",
                candidate_columns(self._muni_names, self._occ_titles, today),
                self,
            ),
            "companies": VirtualRowsModel(
                self._gui_cursor,
                "companies",
                company_columns(self._muni_names, self._ind_titles),
                self,
            ),
        }
        self.tables: dict[str, QTableView] = {}
        self.tabs = QTabWidget(self)
        for entity in ENTITIES:
            view = QTableView(self)
            view.setObjectName(f"{entity}Table")
            view.setModel(self.models[entity])
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            view.setAlternatingRowColors(True)
            view.setWordWrap(False)
            vh = view.verticalHeader()
            vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # never measure 1M rows
            vh.setDefaultSectionSize(22)
            vh.setVisible(False)
            hh = view.horizontalHeader()
            hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            hh.setStretchLastSection(True)
            hh.setDefaultSectionSize(130)
            view.selectionModel().currentRowChanged.connect(
                lambda cur, _prev, e=entity: self._on_row_selected(e, cur.row())
            )
            self.tables[entity] = view
            self.tabs.addTab(view, "")
        # Companies the addresses plugin could not place: never dropped, listed with the reason.
        self.not_placed_model = VirtualRowsModel(
            self._gui_cursor, "companies", not_placed_columns(self._muni_names), self
        )
        self.not_placed_view = QTableView(self)
        self.not_placed_view.setObjectName("notPlacedTable")
        self.not_placed_view.setModel(self.not_placed_model)
        self.not_placed_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.not_placed_view.verticalHeader().setVisible(False)
        self.not_placed_view.horizontalHeader().setStretchLastSection(True)
        self.not_placed_view.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._show_detail(
                "companies", self.not_placed_model.row_dict(cur.row()) if cur.row() >= 0 else None
            )
        )
        self.tabs.addTab(self.not_placed_view, "")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._size_columns()

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.map)
        split.addWidget(self.tabs)
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
        self.filters.filterChanged.connect(self.apply_filter)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.filters)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.filter_dock = QDockWidget(tr("filters.title"), self)
        self.filter_dock.setObjectName("filterDock")
        self.filter_dock.setWidget(scroll)
        self.filter_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        # wide enough for the panel and its scroll bar, so nothing is cut off on the right
        self.filter_dock.setMinimumWidth(
            max(
                330,
                self.filters.minimumSizeHint().width()
                + scroll.verticalScrollBar().sizeHint().width()
                + 12,
            )
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.filter_dock)

        # details (right) ----------------------------------------------------------------
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("detailPane")
        self.detail.setOpenLinks(False)
        self.detail_dock = QDockWidget(tr("detail.title"), self)
        self.detail_dock.setObjectName("detailDock")
        self.company_detail = CompanyDetailWidget(self)
        self.company_detail.setObjectName("companyDetail")
        self.detail_stack = QStackedWidget(self)
        self.detail_stack.addWidget(self.detail)
        self.detail_stack.addWidget(self.company_detail)
        self.detail_dock.setWidget(self.detail_stack)
        self.detail_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.detail_dock.setMinimumWidth(220)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail_dock)
        self._show_detail(None, None)

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
        self.cancel_button.clicked.connect(self.runner.cancel)
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
        sb.addPermanentWidget(self.demo_badge)

        self._build_menus()
        self._update_title()
        self._update_counts()
        self.apply_filter(self.filters.current_filter())

    # -- lookups ---------------------------------------------------------------------------
    def _load_lookups(self) -> dict[str, list[tuple[str, str, list[str]]]]:
        cur = self._gui_cursor
        occ = cur.execute(
            "SELECT code, title, coalesce(aliases, []) FROM occupations ORDER BY code"
        ).fetchall()
        qual = cur.execute("SELECT code, title FROM qualifications ORDER BY title").fetchall()
        ind = cur.execute("SELECT code, title FROM industries ORDER BY code").fetchall()
        mun = cur.execute("SELECT kode, navn FROM municipalities ORDER BY navn").fetchall()
        self._occ_titles = {c: t for c, t, _ in occ}
        self._qual_titles = {c: t for c, t in qual}
        self._ind_titles = {c: t for c, t in ind}
        self._muni_names = {c: n for c, n in mun}
        return {
            "occupations": [(c, t, list(a)) for c, t, a in occ],
            "qualifications": [(c, t, []) for c, t in qual],
            "industries": [(c, t, []) for c, t in ind],
            "municipalities": [(c, n, []) for c, n in mun],
        }

    def _load_areas(self) -> AreaLayerModel:
        try:
            return areas_from_cache(self._gui_cursor)
        except (duckdb.Error, ValueError):  # broken geometry must not stop the window
            return AreaLayerModel.empty()

    # -- filters and results ---------------------------------------------------------------
    def apply_filter(self, flt: Filter) -> int:
        """Submit ``flt``; the newest submit wins. Returns its ticket."""
        self._ticket = self.runner.submit(lambda cur, f=flt: run_filter(cur, f))
        return self._ticket

    def is_idle(self) -> bool:
        """No query running or waiting, no filter change pending (tests, screenshot)."""
        return (
            not self.runner.busy()
            and not self.filters._timer.isActive()
            and self.result is not None
        )

    def _apply_result(self, ticket: int, result: QueryResult) -> None:
        if ticket != self._ticket:
            return
        self.result = result
        self.last_error = None
        for entity in ENTITIES:
            pts: Points = getattr(result, entity)
            self.models[entity].set_rids(pts.rid)
            self.map.set_points(entity, pts.rid, pts.x, pts.y, refresh=False)
        self.map.refresh_layers()  # once for both layers
        self.filters.histogram.set_counts(result.duration_counts)
        self._show_detail(None, None)
        self._update_counts()
        self.busy_label.setText(tr("status.ready"))
        self.busy_label.setToolTip(
            f"{result.seconds * 1000:.0f} ms"
        )  # the query's cost, for profiling
        self.resultsApplied.emit(result)

    def _on_failed(self, ticket: int, message: str) -> None:
        if ticket != self._ticket:
            return
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
            "candidates": [125, 120, 230, 95, 60, 95, 85],
            "companies": [230, 120, 220, 70, 80, 95, 200],
        }
        for entity, ws in widths.items():
            for i, w in enumerate(ws):
                self.tables[entity].setColumnWidth(i, w)

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
        self.map.select(entity if row >= 0 else None, row)
        self._show_detail(entity, self.models[entity].row_dict(row) if row >= 0 else None)

    def _on_point_clicked(self, entity: str, row: int) -> None:
        self.select_row(entity, row)

    def _on_tab_changed(self, index: int) -> None:
        if index >= len(ENTITIES):
            return
        entity = ENTITIES[index]
        row = self.selected_row(entity)
        self._on_row_selected(entity, row)

    # -- details ---------------------------------------------------------------------------
    def _show_detail(self, entity: str | None, row: dict[str, Any] | None) -> None:
        if entity is None or row is None:
            self.detail.setHtml(f"<p style='color:#556'>{html.escape(tr('detail.empty'))}</p>")
            self.detail_stack.setCurrentWidget(self.detail)
            return
        e = html.escape
        muni = self._muni_names.get(row.get("kommune_kode") or "", row.get("kommune_kode") or "")
        items: list[tuple[str, str]] = []
        if entity == "candidates":
            head = f"{tr('detail.candidate')} {row['candidate_id']}"
            since = row.get("unemployed_since")
            days = (self.today - since).days if since else None
            items = [
                (tr("col.kommune"), muni),
                (
                    tr("detail.jobcenter"),
                    self._muni_names.get(row.get("jobcenter") or "", row.get("jobcenter") or ""),
                ),
                (
                    tr("col.occupations"),
                    ", ".join(
                        self._occ_titles.get(c, c) for c in row.get("occupation_codes") or []
                    ),
                ),
                (
                    tr("detail.qualifications"),
                    ", ".join(
                        self._qual_titles.get(c, c) for c in row.get("qualification_codes") or []
                    ),
                ),
                (tr("col.unemployed_since"), f"{since:%d-%m-%Y} ({days} d)" if since else ""),
                (tr("col.experience_years"), str(row.get("experience_years") or "")),
                (tr("col.education"), row.get("education") or ""),
                (tr("detail.licences"), ", ".join(row.get("driving_licences") or [])),
                (tr("detail.languages"), ", ".join(row.get("languages") or [])),
                (tr("detail.target_group"), row.get("target_group") or ""),
                (tr("col.cv_searchable"), tr("yes") if row.get("cv_searchable") else tr("no")),
                (
                    tr("detail.cv_updated"),
                    f"{row['cv_updated']:%d-%m-%Y}" if row.get("cv_updated") else "",
                ),
            ]
        elif row.get("cvr"):
            # Companies: current and historical facts, units, postings, collaborations.
            self.company_detail.show_company(
                self._gui_cursor, row["cvr"], row.get("pnr"), today=self.today
            )
            self.detail_stack.setCurrentWidget(self.company_detail)
            return
        else:
            head = row.get("name") or row.get("cvr")
            collabs = self._gui_cursor.execute(
                "SELECT kind, jobcenter, started, ended FROM collaborations WHERE cvr = ? "
                "AND (pnr IS NULL OR ? IS NULL OR pnr = ?) ORDER BY started DESC LIMIT 20",
                [row.get("cvr"), row.get("pnr"), row.get("pnr")],
            ).fetchall()
            collab_text = "; ".join(
                f"{k} ({self._muni_names.get(j or '', j or '')}{', ' + format(s, '%Y') if s else ''})"
                for k, j, s, _ in collabs
            ) or tr("detail.none")
            items = [
                (tr("col.cvr"), row.get("cvr") or ""),
                (tr("col.pnr"), row.get("pnr") or ""),
                (
                    tr("col.address"),
                    " ".join(p for p in (row.get("address"), row.get("postnr")) if p),
                ),
                (tr("col.kommune"), muni),
                (
                    tr("col.industry"),
                    f"{row.get('industry_text') or self._ind_titles.get(row.get('industry_code') or '', '')} "
                    f"({row.get('industry_code') or ''})",
                ),
                (tr("col.employees"), str(row.get("employees") or "")),
                (tr("col.status"), row.get("status") or ""),
                (tr("detail.started"), f"{row['started']:%d-%m-%Y}" if row.get("started") else ""),
                (
                    tr("detail.advertising_protected"),
                    tr("yes") if row.get("advertising_protected") else tr("no"),
                ),
                (tr("detail.collaborations"), collab_text),
            ]
        rows_html = "".join(
            f"<tr><td style='color:#556; padding-right:8px'>{e(k)}</td><td>{e(str(v))}</td></tr>"
            for k, v in items
        )
        badge = (
            f"<p><span style='background:#c62828; color:white; font-weight:bold'>&nbsp;{e(tr('app.demo_badge'))}&nbsp;</span></p>"
            if self.demo
            else ""
        )
        self.detail.setHtml(f"<h3>{e(str(head))}</h3>{badge}<table>{rows_html}</table>")
        self.detail_stack.setCurrentWidget(self.detail)

    # -- menus -------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(tr("menu.file"))
        self.refresh_action = QAction(tr("menu.refresh"), self)
        self.refresh_action.triggered.connect(self.open_refresh_dialog)
        file_menu.addAction(self.refresh_action)
        self.import_action = QAction(tr("menu.import"), self)
        self.import_action.triggered.connect(self.open_import_wizard)
        file_menu.addAction(self.import_action)
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
        wizard.finished.connect(lambda _code: any(done) and self.reloadRequested.emit())
        wizard.open()
        return wizard

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

    def shutdown(self) -> None:
        """Stop the worker; the connection belongs to the caller."""
        self.runner.close()


def centre_widget(widget: QWidget) -> None:  # pragma: no cover - cosmetics
    screen = widget.screen().availableGeometry()
    widget.move(screen.center() - widget.rect().center())
