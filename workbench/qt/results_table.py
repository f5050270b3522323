"""The result tables' behaviour: sort by a header click, copy rows for Excel, export the
table, the distance column, and the reason an empty result is empty.

A table holds up to 1M matches as a ``rid`` array (:class:`VirtualRowsModel`), so nothing
here reads all rows on the GUI thread:

- Sorting: the filter job puts its matches in the current sort order on the worker
  (:meth:`ResultsTables.finish_job`); a header click sorts the rows already shown with a
  sort job on a second latest-wins runner (filter jobs are never cancelled by a sort). Both
  use :class:`~workbench.core.table_sort.TableSorter`.
- Why empty: the filter job names the criterion that removes the most
  (:func:`~workbench.core.why_empty.why_empty`), only when a result is empty.
- Export: rows are read a page at a time on a background thread and streamed to
  :mod:`workbench.core.export.tabular`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from PySide6.QtCore import QItemSelectionModel, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QHeaderView, QTableView, QWidget

from workbench.core import audit
from workbench.core.errors import WorkbenchError
from workbench.core.export.persons import ExportMeta
from workbench.core.export.persons import record as record_export
from workbench.core.export.persons import write_file as write_person_file
from workbench.core.export.tabular import neutralise, write_csv, write_xlsx
from workbench.core.filters import Filter
from workbench.core.query import Points
from workbench.core.store import person_rows
from workbench.core.table_sort import DISTANCE, SortKey, TableSorter, distance_origin
from workbench.core.why_empty import Relaxation, active_criteria, why_empty
from workbench.qt.i18n import fmt_int, tr
from workbench.qt.models import DistanceOrigin, VirtualRowsModel, display_text, fetch_columns
from workbench.qt.qt_translations import documents_dir
from workbench.qt.runner import QtQueryRunner

ENTITIES = ("candidates", "companies")
log = logging.getLogger(__name__)
# Ctrl+A on a million rows must not freeze the window: beyond this, export the table.
COPY_LIMIT = 50_000


class ResultsTableView(QTableView):
    """A virtual result table: extended row selection, Ctrl+C copies the selected rows as
    tab-separated text (with the header row), an empty table shows why it is empty."""

    copied = Signal(int, bool)  # rows copied, whether the copy was cut at COPY_LIMIT
    painted = Signal()  # after each paint (the window's warm-up waits for the first one)

    def __init__(self, model: VirtualRowsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.empty_text = ""
        # (rows) -> whether they may be copied (the window's: persons need a purpose, #15)
        self.copy_guard: Callable[[list[int]], bool] | None = None
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        vh = self.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # never measure 1M rows
        vh.setDefaultSectionSize(22)
        vh.setVisible(False)
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        hh.setDefaultSectionSize(130)
        hh.setSectionsClickable(True)
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the default order: no column
        hh.setSortIndicatorShown(True)

    def rows_model(self) -> VirtualRowsModel:
        return self.model()  # type: ignore[return-value]

    def set_empty_text(self, text: str) -> None:
        self.empty_text = text
        self.viewport().update()

    def selected_rows(self, limit: int | None = None) -> list[int]:
        """Selected rows in table order, from the selection's ranges (Ctrl+A on 1M rows is
        one range: never one index per row)."""
        rows: set[int] = set()
        for rng in self.selectionModel().selection():
            top, bottom = rng.top(), rng.bottom()
            if limit is not None:
                bottom = min(bottom, top + limit - 1)
            rows.update(range(top, bottom + 1))
        out = sorted(rows)
        return out[:limit] if limit is not None else out

    def copy_selection(self) -> int:
        """Copy the selected rows (visible columns) to the clipboard; returns how many."""
        rows = self.selected_rows(COPY_LIMIT + 1)
        cut = len(rows) > COPY_LIMIT
        rows = rows[:COPY_LIMIT]
        if not rows or (self.copy_guard is not None and not self.copy_guard(rows)):
            return 0
        QGuiApplication.clipboard().setText(clipboard_text(self, rows))
        self.copied.emit(len(rows), cut)
        return len(rows)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        with model.painting() if isinstance(model, VirtualRowsModel) else contextlib.nullcontext():
            super().paintEvent(event)
        if self.empty_text and self.model() is not None and self.model().rowCount() == 0:
            p = QPainter(self.viewport())
            p.setPen(self.palette().placeholderText().color())
            p.drawText(
                self.viewport().rect().adjusted(16, 8, -16, -8),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self.empty_text,
            )
            p.end()
        self.painted.emit()


def visible_columns(view: QTableView) -> list[int]:
    return [c for c in range(view.model().columnCount()) if not view.isColumnHidden(c)]


def clipboard_text(view: ResultsTableView, rows: list[int]) -> str:
    """Header and rows as Excel pastes them: tab-separated, CRLF, the cells as shown.

    Tabs and line breaks inside a cell would split it, so they become spaces; a cell that
    a spreadsheet would run as a formula is neutralised like in the exports."""
    model = view.rows_model()
    cols = visible_columns(view)

    def clean(text: str) -> str:
        return str(neutralise(" ".join(text.split()) if text else ""))

    lines = ["\t".join(clean(tr(f"col.{model.columns[c].key}")) for c in cols)]
    for row in rows:
        data = model.row_dict(row)
        if data is None:
            continue
        lines.append("\t".join(clean(display_text(model.columns[c].value(data))) for c in cols))
    return "\r\n".join(lines) + "\r\n"


def export_value(value: Any) -> Any:
    """A cell for CSV/XLSX: numbers and dates stay typed, lists as shown in the table."""
    if value is None or (isinstance(value, int | float | date) and not isinstance(value, bool)):
        return value
    return display_text(value)


class ResultsTables(QObject):
    """Sorting, distance column, empty reasons and export for the window's result tables."""

    sorted = Signal(str)  # entity: its rows now follow the requested sort
    exported = Signal(object, object)  # (path, rows) or None; error message or None
    message = Signal(str)  # a line for the status bar

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        views: dict[str, ResultsTableView],
        origin: DistanceOrigin,
        run_in_background: Callable[[Callable[[Any], Any], Callable[[Any], None]], None],
        parent: QObject | None = None,
        *,
        tie_rank: Callable[[Any, str], Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.views = views
        self.models = {e: v.rows_model() for e, v in views.items()}
        self.origin = origin
        self.sorter = TableSorter(tie_rank)  # ties in the default order: the window's ranks
        self._background = run_in_background
        self.runner = self._make_runner(con)
        self.keys: dict[str, SortKey | None] = dict.fromkeys(views)
        self._shown_keys: dict[str, SortKey | None] = dict.fromkeys(views)
        self._points: dict[str, Points] = {e: Points.empty() for e in views}
        self._generation = 0  # new rows from a filter make older sort jobs void
        self.empty_reasons: dict[str, Relaxation | None] = {}
        # Set by the window (issue #15): the user's candidate scope and who exports why.
        self.scope: Callable[[], Any] = lambda: None
        self.ask_export_meta: Callable[[], ExportMeta | None] | None = None
        for entity, view in views.items():
            view.horizontalHeader().sortIndicatorChanged.connect(
                lambda section, order, e=entity: self.sort_by(e, section, order)
            )
            view.copied.connect(self.report_copy)
        self._update_distance_columns()

    # -- the filter job ----------------------------------------------------------------------
    def finish_job(self) -> Callable[[Any, Any], Any]:
        """A step for the filter job (runs on the worker): the matches in the current sort
        order and, for an empty result, the criterion that removes the most."""
        keys = dict(self.keys)
        sorter = self.sorter

        def finish(cur: Any, result: Any) -> Any:
            flt: Filter = result.flt
            origin = distance_origin(flt)
            changes: dict[str, Any] = {}
            reasons: dict[str, Relaxation | None] = {}
            for entity in ENTITIES:
                pts: Points = getattr(result, entity)
                changes[entity] = sorter.sort(cur, entity, pts, keys.get(entity), origin)
                if len(pts) == 0 and active_criteria(flt):
                    try:
                        reasons[entity] = why_empty(cur, entity, flt)  # type: ignore[arg-type]
                    except (duckdb.Error, WorkbenchError) as exc:
                        # An extra: the (empty) result must still reach the window.
                        log.warning("why-empty for %s failed: %s", entity, exc)
            return replace(result, table_keys=keys, empty_reasons=reasons, **changes)

        return finish

    def apply(self, result: Any) -> None:
        """Show a filter result (already in the sort order of ``result.table_keys``)."""
        self._generation += 1
        self.origin.xy = distance_origin(result.flt)
        self._update_distance_columns()
        keys = result.table_keys or {}
        for entity in ENTITIES:
            pts: Points = getattr(result, entity)
            self._points[entity] = pts
            self._shown_keys[entity] = keys.get(entity)
            self.models[entity].set_rids(pts.rid)
        self.empty_reasons = dict(result.empty_reasons or {})
        for entity in ENTITIES:
            self.views[entity].set_empty_text(self.empty_text(entity))
        self._submit_sort()  # a header was clicked while the filter ran

    def empty_text(self, entity: str) -> str:
        """Why ``entity``'s table is empty, in the UI language ("" when it is not)."""
        if entity not in self.empty_reasons:
            return ""
        reason = self.empty_reasons[entity]
        if reason is None:
            return tr("empty.no_single")
        return tr(
            f"empty.{entity}",
            criterion=tr(f"criterion.{reason.criterion}"),
            n=fmt_int(reason.count),
        )

    # -- sorting -------------------------------------------------------------------------------
    def sort_by(self, entity: str, section: int, order: Qt.SortOrder) -> None:
        """Sort ``entity``'s table by column ``section`` (the header's click)."""
        columns = self.models[entity].columns
        if not 0 <= section < len(columns):
            return
        self.keys[entity] = SortKey(
            columns[section].key, descending=order == Qt.SortOrder.DescendingOrder
        )
        self._submit_sort()

    def is_sorted(self) -> bool:
        """Every table shows its rows in the requested order (tests, screenshot)."""
        return self.keys == self._shown_keys and not self.runner.busy()

    def _submit_sort(self) -> None:
        todo = {
            e: (self._points[e], key)
            for e, key in self.keys.items()
            if key is not None and key != self._shown_keys[e]
        }
        if not todo:
            return
        generation = self._generation
        origin = self.origin.xy
        sorter = self.sorter
        self.message.emit(tr("table.sorting"))
        self.runner.submit(
            lambda cur: (
                generation,
                {e: (key, sorter.sort(cur, e, pts, key, origin)) for e, (pts, key) in todo.items()},
            )
        )

    def _on_sorted(self, _ticket: int, result: tuple[int, dict[str, Any]]) -> None:
        generation, done = result
        if generation != self._generation:
            return  # a newer filter result replaced the rows; it re-sorts if needed
        for entity, (key, pts) in done.items():
            view = self.views[entity]
            model = self.models[entity]
            current = view.selectionModel().currentIndex()
            rids = model.rids()
            keep = int(rids[current.row()]) if current.isValid() else None
            self._points[entity] = pts
            self._shown_keys[entity] = key
            model.set_rids(pts.rid)
            if keep is not None:  # the selected row stays selected at its new place
                row = model.row_of_rid(keep)
                if row >= 0:
                    index = model.index(row, 0)
                    view.selectionModel().setCurrentIndex(
                        index,
                        QItemSelectionModel.SelectionFlag.ClearAndSelect
                        | QItemSelectionModel.SelectionFlag.Rows,
                    )
                    view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
            self.message.emit(tr("status.ready"))
            self.sorted.emit(entity)

    def _update_distance_columns(self) -> None:
        for entity, view in self.views.items():
            for i, col in enumerate(self.models[entity].columns):
                if col.key == DISTANCE:
                    hide = self.origin.xy is None
                    if view.isColumnHidden(i) and not hide:
                        view.setColumnHidden(i, False)
                        # hidden since the start: never narrower than its title
                        hint = view.horizontalHeader().sectionSizeHint(i)
                        view.setColumnWidth(i, max(view.columnWidth(i), hint))
                    view.setColumnHidden(i, hide)

    # -- copy and export ---------------------------------------------------------------------
    def report_copy(self, n: int, cut: bool) -> None:
        """The status line after a copy (connect other result views' ``copied`` here)."""
        self.message.emit(
            tr("table.copy_limited", n=fmt_int(n)) if cut else tr("table.copied", n=fmt_int(n))
        )

    def _view(self, table: str | ResultsTableView) -> ResultsTableView:
        return self.views[table] if isinstance(table, str) else table

    def export_dialog(
        self, table: str | ResultsTableView, parent: QWidget, name: str | None = None
    ) -> QFileDialog | None:
        """A save dialog for a table (an entity's, or another result view such as the
        companies not placed); opened, not run, so the window stays live. Candidates need
        the role's permission and a purpose first (None: refused or cancelled)."""
        view = self._view(table)
        meta = None
        if view.rows_model().entity == "candidates":
            meta = self._person_export_meta()
            if meta is None:
                return None
        dialog = QFileDialog(parent, tr("table.export").rstrip("…"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDirectory(documents_dir())
        filters = [tr("table.export_filter_xlsx"), tr("table.export_filter_csv")]
        dialog.setNameFilters(filters)
        dialog.setDefaultSuffix("xlsx")
        dialog.filterSelected.connect(
            lambda f: dialog.setDefaultSuffix("csv" if f == filters[1] else "xlsx")
        )
        stem = "-".join((name or view.rows_model().entity).lower().split())
        dialog.selectFile(f"jobkort-{stem}-{date.today():%Y%m%d}.xlsx")
        dialog.fileSelected.connect(lambda path: path and self.export(view, Path(path), meta))
        dialog.open()
        return dialog

    def _person_export_meta(self) -> ExportMeta | None:
        """Who exports candidates and why (the window's ``ask_export_meta``), or None when
        the role may not or the user gave no purpose (said in the status line)."""
        scope = self.scope()
        message = None
        meta = None
        if scope is not None and not scope.rows_allowed:
            message = tr("privacy.export_refused", role=scope.role)
        else:
            meta = self.ask_export_meta() if self.ask_export_meta else ExportMeta(None, None, None)
            if meta is None:
                message = tr("privacy.export_needs_purpose")
        if message is not None:
            self.message.emit(message)
            self.exported.emit(None, message)
        return meta

    def export(
        self, table: str | ResultsTableView, path: Path, meta: ExportMeta | None = None
    ) -> None:
        """Write a table (all rows, the order and visible columns shown) to ``path``
        (.xlsx, else CSV for Danish Excel) on a background thread. Candidates go through
        ``core.export.persons``: in scope only, with the metadata, written to the audit log."""
        view = self._view(table)
        model = view.rows_model()
        entity = model.entity
        persons = entity == "candidates"
        if persons and meta is None:
            meta = self._person_export_meta()
            if meta is None:
                return
        scope = self.scope() if persons else None
        columns = [model.columns[c] for c in visible_columns(view)]
        headers = [tr(f"col.{c.key}") for c in columns]
        rids = model.rids().copy()
        page = model.PAGE
        xlsx = path.suffix.lower() == ".xlsx"
        self.message.emit(tr("table.exporting"))

        ids: list[str] = []

        def rows(cur: Any) -> Iterator[list[Any]]:
            for start in range(0, len(rids), page):
                chunk = rids[start : start + page]
                found = person_rows(cur, entity, chunk, columns=fetch_columns(entity), scope=scope)
                for r in found:
                    if persons:
                        ids.append(audit.subject_id(r.get("candidate_id"), r.get("jobcenter")))
                    yield [export_value(c.value(r)) for c in columns]

        def write(cur: Any) -> tuple[Path, int]:
            if persons and meta is not None:
                n = write_person_file(path, headers, rows(cur), meta, sheet=entity)
                record_export(cur, meta, ids)
                return path, n
            if xlsx:
                return path, write_xlsx(path, headers, rows(cur), sheet=entity)
            return path, write_csv(path, headers, rows(cur), dialect="excel-da")

        def done(result: Any) -> None:
            if isinstance(result, Exception):
                message = str(result).splitlines()[0] if str(result) else type(result).__name__
                self.message.emit(tr("table.export_failed", message=message))
                self.exported.emit(None, message)
                return
            out, n = result
            self.message.emit(tr("table.export_done", n=fmt_int(n), path=str(out)))
            self.exported.emit((out, n), None)

        self._background(write, done)

    def _make_runner(self, con: duckdb.DuckDBPyConnection) -> QtQueryRunner:
        # Its own runner: a sort must not cancel a filter job on the window's runner.
        runner = QtQueryRunner(con, self)
        runner.finished.connect(self._on_sorted)
        runner.failed.connect(lambda _t, msg: self.message.emit(tr("status.error", message=msg)))
        return runner

    def reload(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        """The cache's rows changed (or ``con`` reopened it): the sort ranks computed from
        the old rows go; a new connection gets a new sort runner."""
        self.sorter.clear()
        if con is not None:
            self.runner.close()
            self.runner = self._make_runner(con)

    def close(self) -> None:
        self.runner.close()
