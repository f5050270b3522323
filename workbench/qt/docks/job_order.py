"""The job order dock ("Jobordre"): the order's form, the ranked candidates with the
"Hvorfor ikke" funnel, and the shortlist, over the Workspace's open job order.

Matching runs on the latest-wins runner (``QtQueryRunner``): every pause in editing submits
one job and a newer one supersedes it, so the window never waits for the ranking. The
result colours the eligible candidates on the map by score and marks the workplace.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.export.shortlist import ShortlistError, export_shortlist
from workbench.core.job_order_lookups import company_name, education_choices
from workbench.core.matching import CandidateSnapshot
from workbench.core.matching.engine import explain_candidates, match
from workbench.core.matching.order import JobOrder, JobOrderError
from workbench.core.matching.orders import (
    delete_job_order,
    job_order_for_company,
    job_order_from_posting,
    list_job_orders,
    load_job_order,
    record_candidates,
    save_job_order,
)
from workbench.core.store import Store, person_rows
from workbench.core.vocabulary import load_entries
from workbench.layers.match_score import MATCH_SCORE, score_lookup
from workbench.qt.i18n import fmt_int, tr
from workbench.qt.job_order.form import JobOrderForm
from workbench.qt.job_order.results import MatchResultsWidget, criteria_html
from workbench.qt.job_order.shortlist import ShortlistWidget
from workbench.qt.runner import QtQueryRunner

if TYPE_CHECKING:
    from workbench.qt.main_window import MainWindow


class WorkplaceItem(pg.ScatterPlotItem):
    """The open job order's workplace: one star above every layer."""

    def __init__(self) -> None:
        super().__init__(pxMode=True)
        self.setZValue(110)
        self.position: tuple[float, float] | None = None

    def show_at(self, xy: tuple[float, float] | None) -> None:
        self.position = xy
        if xy is None:
            self.setData(x=[], y=[])
            return
        self.setData(
            x=[xy[0]],
            y=[xy[1]],
            size=22,
            symbol="star",
            brush=pg.mkBrush(255, 200, 0, 255),
            pen=pg.mkPen(90, 40, 0, 255, width=1.5),
        )


class JobOrderDock(QDockWidget):
    """``matched(result)`` after a match is shown; ``exported(paths)`` after an export."""

    matched = Signal(object)
    exported = Signal(list)
    message = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(tr("joborder.title"), window)
        self.setObjectName("jobOrderDock")
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.window_ = window
        self.workspace = window.workspace
        self.store = Store.wrap(window.con)
        self.result: Any = None
        self._rank_of: dict[str, int] = {}
        cur = window.con.cursor()
        try:
            occupations = load_entries(cur, "occupations")
            qualifications = load_entries(cur, "qualifications")
            educations = education_choices(cur)
        finally:
            cur.close()

        # saved orders ------------------------------------------------------------------------
        self.saved = QComboBox(self)
        self.saved.setObjectName("savedJobOrders")
        self.saved.setToolTip(tr("joborder.saved"))
        self.saved.activated.connect(self._open_saved)
        self.new_button = QToolButton(self)
        self.new_button.setText(tr("joborder.new"))
        self.new_button.clicked.connect(lambda: self.open_order(JobOrder(occupation_codes=[]).with_deadlines()))  # fmt: skip
        self.save_button = QToolButton(self)
        self.save_button.setText(tr("joborder.save"))
        self.save_button.clicked.connect(self.save)
        self.delete_button = QToolButton(self)
        self.delete_button.setText(tr("joborder.delete"))
        self.delete_button.clicked.connect(self.delete)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 4, 4, 0)
        bar.addWidget(self.saved, 1)
        for b in (self.new_button, self.save_button, self.delete_button):
            bar.addWidget(b)

        # form, results, shortlist -------------------------------------------------------------
        self.form = JobOrderForm(
            occupations=occupations, qualifications=qualifications, educations=educations
        )
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.results = MatchResultsWidget(self)
        self.shortlist = ShortlistWidget(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("jobOrderTabs")
        self.tabs.addTab(scroll, tr("joborder.section_order"))
        self.tabs.addTab(self.results, tr("joborder.tab_candidates", n=0))
        self.tabs.addTab(self.shortlist, "")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)
        self.setWidget(body)
        self.setMinimumWidth(340)

        # the match on the latest-wins runner; the map's overlay ---------------------------------
        self._con = window.con
        self._released = False
        # CandidateSnapshot per data generation, filled and read by the runner's worker
        self._snapshots: dict[int, Any] = {}
        self._generation = 0
        self.runner = self._make_runner()
        self.workplace_item = WorkplaceItem()
        self.workplace_item.setToolTip(tr("joborder.workplace_marker"))
        window.map.vb.addItem(self.workplace_item, ignoreBounds=True)
        self._picking = False
        self._zoom_pending = False
        self._points = np.empty((0, 2))

        self.form.changed.connect(self.run)
        self.form.pickWorkplace.connect(self._start_pick)
        self.results.itemSelected.connect(self._show_item)
        self.results.addRequested.connect(self._add_to_shortlist)
        self.shortlist.changed.connect(self._update_tabs)
        self.shortlist.exportRequested.connect(self.ask_export)
        window.pointsApplied.connect(lambda _t: self._apply_map())  # the filter re-ran
        window.map.scene().sigMouseClicked.connect(self._on_map_click)
        window.dataReloaded.connect(self._on_reloaded)
        self._refresh_saved()
        self._update_tabs()
        if self.workspace.job_order is not None:  # the window was rebuilt (language switch)
            self.form.set_order(self.workspace.job_order)
            self.run()

    def sizeHint(self) -> QSize:
        """No wider than it must be: tabbed with the filters, the wider of the two sets
        the left side's width, and the map keeps the rest."""
        return QSize(self.minimumWidth(), super().sizeHint().height())

    # -- opening orders -------------------------------------------------------------------
    def open_order(self, order: JobOrder) -> None:
        """Make ``order`` the open job order, show it and match it."""
        self.form.set_order(order)
        self.shortlist.clear()
        self.workspace.set_job_order(order)
        self.show()
        self.raise_()
        self.tabs.setCurrentIndex(1 if order.occupation_codes else 0)
        self._zoom_pending = True  # the first result shows the workplace and the best fits
        self.run()

    def from_posting(self, posting_id: str) -> None:
        self._open_or_say(lambda: job_order_from_posting(self.store, posting_id))

    def for_company(self, cvr: str, pnr: str | None = None) -> None:
        self._open_or_say(lambda: job_order_for_company(self.store, cvr, pnr))

    def _open_or_say(self, make: Any) -> None:
        try:
            order = make()
        except (JobOrderError, ValueError) as exc:
            self.message.emit(tr("joborder.error", message=str(exc).splitlines()[0]))
            return
        self.open_order(order)

    # -- saved orders ---------------------------------------------------------------------
    def _refresh_saved(self) -> None:
        self.saved.blockSignals(True)
        self.saved.clear()
        self.saved.addItem(tr("joborder.saved_ph"), None)
        for row in list_job_orders(self.store):
            self.saved.addItem(row["title"] or tr("joborder.untitled"), row["id"])
        current = self.workspace.job_order
        idx = self.saved.findData(current.id) if current is not None and current.id else 0
        self.saved.setCurrentIndex(max(0, idx))
        self.saved.blockSignals(False)

    def _open_saved(self, index: int) -> None:
        order_id = self.saved.itemData(index)
        if order_id:
            self._open_or_say(lambda: load_job_order(self.store, order_id))

    def save(self) -> str:
        order = self.form.order()
        order_id = save_job_order(self.store, order)
        saved = load_job_order(self.store, order_id)
        self.form.set_order(saved)
        self.workspace.set_job_order(saved)
        self._refresh_saved()
        self.message.emit(tr("joborder.saved_ok"))
        return order_id

    def delete(self) -> None:
        order = self.workspace.job_order
        if order is not None and order.id:
            delete_job_order(self.store, order.id)
        self.close_order()
        self._refresh_saved()

    def close_order(self) -> None:
        """No open order: the map shows the filter's candidates again."""
        self.runner.cancel()
        self.workspace.set_job_order(None)
        self.result = None
        self.results.clear(tr("joborder.no_occupation"))
        self.shortlist.clear()
        self.workplace_item.show_at(None)
        mp = self.window_.map
        mp.set_style("candidates", None, None)
        mp.set_layer_order(list(mp.layer_order))  # the candidates back in the panel's order
        if self.window_.result is not None:
            self.window_.map_view.set_points(self.window_.result)

    def closeEvent(self, event: QCloseEvent) -> None:
        """The dock's close button closes the order (hiding it behind the filters' tab
        does not)."""
        if self.workspace.job_order is not None:
            self.close_order()
        super().closeEvent(event)

    def _make_runner(self) -> QtQueryRunner:
        runner = QtQueryRunner(self._con, self)
        runner.finished.connect(self._on_matched)
        runner.failed.connect(self._on_failed)
        return runner

    def release(self) -> None:
        """Stop using the connection (the window lends the cache to a command)."""
        self.runner.close()
        self._released = True

    def _on_reloaded(self) -> None:
        """New data (refresh, import, the cache reopened): the open order is matched again."""
        self._generation += 1  # the next job loads the candidates anew
        if self.window_.con is not self._con or self._released:
            self.runner.close()
            self._released = False
            self._con = self.window_.con
            self.store = Store.wrap(self._con)
            self.runner = self._make_runner()
        if self.workspace.job_order is not None:
            self.run()

    # -- matching -------------------------------------------------------------------------
    def run(self) -> int:
        """Match the form's order (newest wins); returns the job's ticket (0: nothing to run)."""
        order = self.form.order()
        self.workspace.set_job_order(order)
        if not order.occupation_codes:
            self.runner.cancel()
            self.results.clear(tr("joborder.no_occupation"))
            return 0
        weights = self.form.weights_value()
        store = self.store
        settings = self.window_.settings  # [routing] base_url, when IT configured one

        snapshots, generation = self._snapshots, self._generation

        def job(cur: Any) -> Any:
            # The candidates in memory once per data generation (on this worker only):
            # every later criterion change re-ranks without reading the cache's lists.
            snapshot = snapshots.get(generation)
            if snapshot is None:
                snapshot = CandidateSnapshot.load(store, cursor=cur)
                snapshots.clear()
                snapshots[generation] = snapshot
            result = match(
                store,
                order,
                weights=weights,
                top=100,
                cursor=cur,
                cancelled=cur.is_stale,
                settings=settings,
                snapshot=snapshot,
            )
            rows = person_rows(cur, "candidates", result.rids, ["x", "y"])
            points = np.array([(r["x"], r["y"]) for r in rows], dtype=np.float64).reshape(-1, 2)
            return result, points

        self.results.show_message(tr("joborder.running"))
        return self.runner.submit(job)

    def busy(self) -> bool:
        return self.runner.busy() or self.form.pending()

    def _on_matched(self, _ticket: int, payload: tuple[Any, np.ndarray]) -> None:
        result, points = payload
        self.result = result
        self._points = points
        self._rank_of = {item.candidate_id: i for i, item in enumerate(result.items, start=1)}
        self.results.set_result(result)
        self._update_tabs()
        self._apply_map()
        if self._zoom_pending:
            self._zoom_pending = False
            self._zoom_to_best()
        self.message.emit(tr("joborder.ready", n=fmt_int(result.total_eligible)))
        self.matched.emit(result)

    def _on_failed(self, _ticket: int, message: str) -> None:
        self.result = None
        self.results.clear(tr("joborder.error", message=message))
        self.workplace_item.show_at(None)
        self.message.emit(tr("joborder.error", message=message))

    def _apply_map(self) -> None:
        """Eligible candidates coloured by score, the workplace starred."""
        result = self.result
        if result is None or self.workspace.job_order is None:
            return
        mp = self.window_.map
        rids = np.asarray(result.rids, dtype=np.int64)
        pts = self._points
        if len(pts) != len(rids):  # a candidate left the cache meanwhile: placed ones only
            return
        mp.set_points("candidates", rids, pts[:, 0], pts[:, 1], refresh=False)
        mp.set_style("candidates", MATCH_SCORE, score_lookup(rids, np.asarray(result.scores)))
        # The ranked candidates above the companies while the order is open (close_order
        # restores the panel's order).
        top = max(item.zValue() for item in mp.items.values())
        mp.items["candidates"].setZValue(top + 5)
        self.workplace_item.show_at(result.workplace_xy)
        mp.request_refresh()

    def _zoom_to_best(self, n: int = 10) -> None:
        """The view around the workplace and its ``n`` best candidates (at most 60 km out,
        at least 10 km across), or around the best candidates when there is no workplace."""
        result = self.result
        mp = self.window_.map
        if result.workplace_xy is not None:
            cx, cy = result.workplace_xy
            dists = sorted(i.distance_km for i in result.items[:n] if i.distance_km is not None)
            reach = min(60.0, max(5.0, dists[-1] if dists else 20.0)) * 1000 * 1.15
            mp.set_extent((cx - reach, cy - reach, cx + reach, cy + reach))
            return
        pos = {int(r): i for i, r in enumerate(np.asarray(result.rids))}
        idx = [pos[int(it.rid)] for it in result.items[:n] if int(it.rid) in pos]
        xy = self._points[idx] if idx else np.empty((0, 2))
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy):
            (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
            half = max(x1 - x0, y1 - y0, 10_000.0) / 2 * 1.15
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            mp.set_extent((cx - half, cy - half, cx + half, cy + half))

    # -- results --------------------------------------------------------------------------
    def _show_item(self, item: Any) -> None:
        if item is None:
            return
        self.window_.map.select("candidates", int(item.rid))
        dock = self.window_.detail_dock
        dock.detail.setHtml(criteria_html(item, self._rank_of.get(item.candidate_id, 0)))
        dock.detail_stack.setCurrentWidget(dock.detail)

    def show_candidate(self, rid: int) -> None:
        """Explain candidate ``rid`` (a point clicked on the map): a ranked one is selected
        in the list; any other is explained in the background (criteria met or not)."""
        for row, item in enumerate(self.results.items):
            if int(item.rid) == rid:
                self.results.table.setCurrentCell(row, 0)
                self.results.table.scrollToItem(self.results.table.item(row, 0))
                self._show_item(item)  # also when it already was the current row
                return
        order, weights, store = self.workspace.job_order, self.form.weights_value(), self.store
        if order is None or not order.occupation_codes:
            return

        def explain(cur: Any) -> Any:
            return explain_candidates(store, order, [rid], weights=weights, cursor=cur)

        def shown(items: Any) -> None:
            if isinstance(items, list) and items and self.workspace.job_order == order:
                self._show_item(items[0])

        self.window_.background.run(explain, shown)

    def _add_to_shortlist(self, items: list[Any]) -> None:
        self.shortlist.add_items(items)
        self.tabs.setCurrentWidget(self.shortlist)

    def _update_tabs(self) -> None:
        n = self.result.total_eligible if self.result is not None else 0
        self.tabs.setTabText(1, tr("joborder.tab_candidates", n=fmt_int(n)))
        self.tabs.setTabText(2, tr("joborder.shortlist", n=len(self.shortlist.shortlist.entries)))

    # -- the workplace picked on the map ----------------------------------------------------
    def _start_pick(self) -> None:
        self._picking = True
        self.window_.map.setCursor(Qt.CursorShape.CrossCursor)
        self.message.emit(tr("joborder.f.workplace_pick_tip"))

    def _on_map_click(self, event: Any) -> None:
        if not self._picking:
            return
        self._picking = False
        self.window_.map.unsetCursor()
        pos = self.window_.map.vb.mapSceneToView(event.scenePos())
        self.form.set_workplace_point(float(pos.x()), float(pos.y()))

    # -- export -------------------------------------------------------------------------------
    def ask_export(self) -> QFileDialog:
        """The folder dialog; the files are written when it is accepted."""
        dialog = QFileDialog(self, tr("joborder.shortlist.export_title"))
        dialog.setObjectName("shortlistExportDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.fileSelected.connect(lambda folder: self.export_to(Path(folder)))
        dialog.open()
        return dialog

    def export_to(self, folder: Path) -> list[Path]:
        """Write the shortlist's PDF and table into ``folder``."""
        sl = self.shortlist.shortlist
        order = self.workspace.job_order
        sl.title = order.title if order is not None else ""
        sl.contact = order.contact if order is not None else ""
        sl.job_order_id = order.id if order is not None else None
        stem = "kandidatforslag" + (f"-{order.id}" if order is not None and order.id else "")
        privacy = getattr(self.window_, "privacy", None)
        meta = None
        if privacy is not None:  # persons leave the workbench: role, purpose, audit (#15)
            if not privacy.scope().rows_allowed:
                role = self.workspace.context.role
                self.message.emit(tr("privacy.export_refused", role=role))
                return []
            meta = privacy.export_meta()
            if meta is None:
                self.message.emit(tr("privacy.export_needs_purpose"))
                return []
        cur = self.window_.con.cursor()
        try:
            wp = order.workplace if order is not None else None
            sl.company = company_name(
                cur,
                (order.cvr or (wp.cvr if wp else None)) if order is not None else None,
                (order.pnr or (wp.pnr if wp else None)) if order is not None else None,
            )
            paths = export_shortlist(
                folder,
                cur,
                sl,
                text=tr,
                stem=stem,
                table_format=self.shortlist.table_format.currentData(),
                today=self.workspace.context.today(),  # a demo cache's own date
                meta=meta,
            )
        except (ShortlistError, OSError) as exc:
            self.message.emit(tr("joborder.shortlist.failed", message=str(exc).splitlines()[0]))
            return []
        finally:
            cur.close()
        if privacy is not None and meta is not None and meta.audited:
            privacy.record_export([e.candidate_id for e in sl.entries], meta.purpose or "")
        if order is not None:
            # a sent shortlist keeps its order (saved now if it was not) and the order its
            # list (ids and the reason only): what sharing the order opens to another
            # jobcenter, and what outlives a retention purge
            order_id = order.id or self.save()
            record_candidates(
                self.store,
                order_id,
                [e.rid for e in sl.entries],
                added_by=self.workspace.context.user,
            )
        self.message.emit(tr("joborder.shortlist.exported", files=", ".join(p.name for p in paths)))
        self.exported.emit(paths)
        return paths

    def shutdown(self) -> None:
        self.runner.close()


def install_job_order(window: MainWindow) -> JobOrderDock:
    """Add the dock (tabbed with the filters) and the "Find kandidater" entry points: the
    company detail pane (a selected posting there starts from the posting) and a posting
    clicked on the map."""
    dock = JobOrderDock(window)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    window.tabifyDockWidget(window.filter_dock, dock)
    window.filter_dock.raise_()
    dock.message.connect(window.busy_label.setText)

    company = window.company_detail
    find = QPushButton(tr("joborder.find_candidates"), company)
    find.setObjectName("findCandidates")
    find.setToolTip(tr("joborder.find_tip"))
    company.layout().insertWidget(2, find)

    def start_from_company() -> None:
        d = company.detail
        postings = d.get("postings") or []
        row = company.postings_table.currentRow()
        if 0 <= row < len(postings) and postings[row].get("posting_id"):
            dock.from_posting(postings[row]["posting_id"])
        elif d.get("found"):
            dock.for_company(str(d["cvr"]), d.get("pnr"))

    find.clicked.connect(start_from_company)

    def select_posting(posting_ids: list[str]) -> None:
        """Select the first of ``posting_ids`` in the details pane's postings table."""
        shown = [q.get("posting_id") for q in company.detail.get("postings") or []]
        for pid in posting_ids:
            if pid in shown:
                company.tabs.setCurrentWidget(company.postings_table)
                company.postings_table.selectRow(shown.index(pid))
                return

    def point_clicked(entity: str, rid: int) -> None:
        """A posting clicked: its company in the details pane with the posting selected. A
        posting sits on its company's point, under the company's square: a company clicked
        while the postings layer is shown selects the postings at that point."""
        cur = window._gui_cursor
        layer = window.map.layers["postings"]
        if entity == "candidates" and dock.result is not None:
            dock.show_candidate(rid)  # a ranked candidate: why they fit, in the details pane
        elif entity == "postings":
            found = person_rows(cur, "postings", [rid], ["posting_id", "cvr", "pnr"])
            if not found or not found[0]["cvr"]:
                return
            p = found[0]
            window.detail_dock.show_row("companies", {"cvr": p["cvr"], "pnr": p["pnr"]})
            select_posting([p["posting_id"]])
        elif entity == "companies" and layer.visible and len(layer):
            i = window.map.layers["companies"].index_of(rid)
            if i < 0:
                return
            x, y = window.map.layers["companies"].x[i], window.map.layers["companies"].y[i]
            near = layer.rid[(np.abs(layer.x - x) < 1.0) & (np.abs(layer.y - y) < 1.0)]
            if near.size:
                rows = person_rows(cur, "postings", near.tolist(), ["posting_id"])
                select_posting([r["posting_id"] for r in rows])

    def follow_posting_row(row: int, *_args: Any) -> None:
        on_posting = 0 <= row < len(company.detail.get("postings") or [])
        find.setText(tr("joborder.find_for_posting" if on_posting else "joborder.find_candidates"))

    company.postings_table.currentCellChanged.connect(follow_posting_row)
    window.map.pointClicked.connect(point_clicked)
    return dock
