"""The results below the map: candidates, companies and the companies not placed, as tabs.

The rows come from the Workspace's result (``ResultsTables.apply``); sorting, copy, export,
the distance column and why a table is empty live in ``qt/results_table.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.search.pipeline import ENTITIES
from workbench.qt.docks.details import Names
from workbench.qt.i18n import fmt_int, tr
from workbench.qt.models import (
    DistanceOrigin,
    VirtualRowsModel,
    candidate_columns,
    company_columns,
    not_placed_columns,
)
from workbench.qt.results_table import ResultsTables, ResultsTableView


class ResultsPane(QWidget):
    rowSelected = Signal(str, int)  # entity, row (-1: none); also when its tab is shown
    notPlacedSelected = Signal(object)  # the row's dict, or None

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        cursor: Callable[[], Any],
        names: Names,
        *,
        today: date,
        run_in_background: Callable[[Callable[[Any], Any], Callable[[Any], None]], None],
        tie_rank: Callable[[Any, str], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("resultsPane")
        cur = cursor()
        self.distance_origin = DistanceOrigin()  # the distance columns' centre
        self.models = {
            "candidates": VirtualRowsModel(
                cur,
                "candidates",
                candidate_columns(
                    names.municipalities,
                    names.occupations,
                    today,
                    qualifications=names.qualifications,
                    origin=self.distance_origin,
                ),
                self,
            ),
            "companies": VirtualRowsModel(
                cur,
                "companies",
                company_columns(
                    names.municipalities, names.industries, origin=self.distance_origin
                ),
                self,
            ),
        }
        self.tables: dict[str, ResultsTableView] = {}
        self.tabs = QTabWidget(self)
        for entity in ENTITIES:
            view = ResultsTableView(self.models[entity], self)
            view.setObjectName(f"{entity}Table")
            view.selectionModel().currentRowChanged.connect(
                lambda current, _prev, e=entity: self.rowSelected.emit(e, current.row())
            )
            self.tables[entity] = view
            self.tabs.addTab(view, "")
        # Companies the addresses plugin could not place: never dropped, listed with the reason.
        self.not_placed_model = VirtualRowsModel(
            cur, "companies", not_placed_columns(names.municipalities), self
        )
        self.not_placed_view = ResultsTableView(self.not_placed_model, self)  # copy, export
        self.not_placed_view.setObjectName("notPlacedTable")
        self.not_placed_view.horizontalHeader().setSortIndicatorShown(False)  # not sortable
        self.not_placed_view.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self.notPlacedSelected.emit(
                self.not_placed_model.row_dict(current.row()) if current.row() >= 0 else None
            )
        )
        self.tabs.addTab(self.not_placed_view, "")
        self.results = ResultsTables(
            con, self.tables, self.distance_origin, run_in_background, self, tie_rank=tie_rank
        )
        self.not_placed_view.copied.connect(self.results.report_copy)
        self.export_table_button = QToolButton(self)  # beside the tabs: it exports the one shown
        self.export_table_button.setObjectName("exportTable")
        self.export_table_button.setText(tr("table.export"))
        self.export_table_button.setToolTip(tr("table.export_tip"))
        self.export_table_button.setAutoRaise(True)
        self.tabs.setCornerWidget(self.export_table_button, Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._size_columns()
        self.tabs.currentChanged.connect(self._on_tab_changed)

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

    def set_cursor(self, cursor: duckdb.DuckDBPyCursor) -> None:
        for model in (*self.models.values(), self.not_placed_model):
            model.set_cursor(cursor)

    def reading_pages(self) -> bool:
        """A table waits for rows it shows (screenshots and tests wait until it has them)."""
        return any(m.reading() for m in (*self.models.values(), self.not_placed_model))

    def join_page_reads(self) -> None:
        """Wait for the table pages being read in the background (the cache closes next)."""
        for model in (*self.models.values(), self.not_placed_model):
            model.join()

    def shown_table(self) -> ResultsTableView | None:
        """The table on screen: the current tab's, when the pane is visible."""
        view = self.tabs.currentWidget()
        return view if isinstance(view, ResultsTableView) and view.isVisible() else None

    def ask_export(self, parent: QWidget) -> QFileDialog:
        """The save dialog for the table shown; the file is written in the background."""
        view = self.tabs.currentWidget()
        name = self.tabs.tabText(self.tabs.currentIndex()).split("(")[0]
        return self.results.export_dialog(view, parent, name)  # type: ignore[arg-type]

    def show_counts(self) -> tuple[int, int]:
        """The row counts in the tab titles (the not placed tab only when it has rows);
        returns the numbers of candidates and companies."""
        n_cand = len(self.models["candidates"].rids())
        n_comp = len(self.models["companies"].rids())
        self.tabs.setTabText(0, tr("results.candidates", n=fmt_int(n_cand)))
        self.tabs.setTabText(1, tr("results.companies", n=fmt_int(n_comp)))
        n_unplaced = len(self.not_placed_model.rids())
        self.tabs.setTabText(2, tr("results.not_placed", n=fmt_int(n_unplaced)))
        self.tabs.setTabVisible(2, n_unplaced > 0)
        return n_cand, n_comp

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

    def select_rid(self, entity: str, rid: int) -> None:
        """Select the row of ``rid`` (a point clicked on the map) if the table shows it."""
        row = self.models[entity].row_of_rid(rid) if entity in self.models else -1
        if row >= 0:
            self.select_row(entity, row)

    def selected_row(self, entity: str) -> int:
        idx = self.tables[entity].selectionModel().currentIndex()
        return idx.row() if idx.isValid() else -1

    def _on_tab_changed(self, index: int) -> None:
        if index < len(ENTITIES):  # the map and the details follow the tab's selected row
            entity = ENTITIES[index]
            self.rowSelected.emit(entity, self.selected_row(entity))
