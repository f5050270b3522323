"""Pools, saved searches and the reverse search in the main window (issue #14): the
"Emnebanker" and "Virksomheder i nærheden" docks, "Gem søgning" in the filter panel,
"Føj til emnebank" on the candidate table and the map selection, and "Find virksomheder i
nærheden" under the candidate's details. :func:`install_pools` wires them to a window."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from workbench.core.filters import Filter
from workbench.core.reverse_search import Lead, ReverseSearchResult
from workbench.core.saved_searches import current_user
from workbench.core.store import person_rows
from workbench.layers.selection import Selection
from workbench.qt.docks.nearby import NearbyDock
from workbench.qt.docks.pools import PoolsDock
from workbench.qt.i18n import tr
from workbench.qt.saved_searches import SavedSearchesBox

if TYPE_CHECKING:
    from workbench.qt.main_window import MainWindow


def install_pools(window: MainWindow) -> None:
    owner = current_user(window.settings)
    ws = window.workspace
    say = window.busy_label.setText

    # the pools dock (right, a tab beside the layers) ----------------------------------------
    dock = PoolsDock(
        window.gui_cursor,
        window.background.run,
        owner=owner,
        current_filter=ws.effective_filter,  # with the map selection: the pool's area
        jobcenter=ws.context.jobcenter,
        parent=window,
    )
    window.pools_dock = dock
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.tabifyDockWidget(window.layers_dock, dock)
    window.layers_dock.raise_()
    dock.message.connect(say)
    dock.candidateChosen.connect(lambda rid: _show_candidate(window, rid))
    window.dataReloaded.connect(dock.refresh)

    # "Gem søgning" and the saved searches, at the end of the filter panel -------------------
    box = SavedSearchesBox(
        window.gui_cursor, lambda: window.filters.current_filter(), owner=owner, parent=window
    )
    window.saved_searches = box
    lay = window.filters.layout()
    lay.insertWidget(lay.indexOf(window.filters.reset_button) + 1, box)
    box.message.connect(say)
    box.searchChosen.connect(lambda flt: rerun_saved_search(window, flt))

    # "Føj til emnebank": the candidate table's selected rows, the map's selection ----------
    table = window.tables["candidates"]
    add_rows = QAction(tr("pools.add"), table)
    add_rows.setToolTip(tr("pools.add_tip"))
    add_rows.triggered.connect(lambda: dock.ask_add(selected_candidate_rids(window)))
    table.addAction(add_rows)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    window.add_rows_to_pool_action = add_rows
    add_sel = window.map_view.map_toolbar.addAction(tr("pools.add_selection"))
    add_sel.setObjectName("addSelectionToPool")
    add_sel.setToolTip(tr("pools.add_selection_tip"))
    add_sel.triggered.connect(lambda: dock.ask_add(selection_candidate_rids(window)))
    add_sel.setEnabled(ws.selection is not None)
    window.qt_workspace.selectionChanged.connect(lambda sel: add_sel.setEnabled(sel is not None))
    window.add_selection_to_pool_action = add_sel

    # reverse search: a button under the candidate's details, a dock with the ranked list ---
    nearby = NearbyDock(window.background.run, today=window.today, parent=window)
    window.nearby_dock = nearby
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, nearby)
    window.tabifyDockWidget(window.layers_dock, nearby)
    window.layers_dock.raise_()
    button = QPushButton(tr("pools.nearby"), window.detail_dock.candidate_actions)
    button.setObjectName("nearbyButton")
    button.setToolTip(tr("pools.nearby_tip"))
    window.detail_dock.candidate_actions.layout().addWidget(button)
    window.nearby_button = button

    def find_nearby() -> None:
        cid = window.detail_dock.current_candidate
        if cid:
            nearby.show()
            nearby.raise_()
            nearby.search(cid)

    button.clicked.connect(find_nearby)
    nearby.message.connect(say)
    nearby.resultReady.connect(lambda result: show_nearby_companies(window, result))
    nearby.companyChosen.connect(lambda lead: _show_lead(window, lead))


def rerun_saved_search(window: MainWindow, flt: Filter) -> int:
    """Run a saved search in the window (the panel's reference date; the selection stays)."""
    today = window.filters.current_filter().today
    return window.workspace.set_filter(replace(flt, today=today))


def selected_candidate_rids(window: MainWindow) -> np.ndarray:
    rows = window.tables["candidates"].selected_rows()
    rids = window.models["candidates"].rids()
    return np.asarray([rids[r] for r in rows if 0 <= r < len(rids)], dtype=np.int64)


def selection_candidate_rids(window: MainWindow) -> np.ndarray:
    """The candidates in the map's selection (and the filters): the current result's."""
    if window.selection is None or window.result is None:
        return np.empty(0, np.int64)
    return np.asarray(window.result.candidates.rid, dtype=np.int64)


def show_nearby_companies(window: MainWindow, result: ReverseSearchResult) -> int:
    """The companies of a reverse search in the company table and on the map: the radius
    around home as the selection, the industries as the filter (the panel shows both)."""
    if not result.leads:  # nothing to show: the user's filter stays
        return window.workspace.ticket
    hx, hy = result.home
    today = window.filters.current_filter().today
    flt = Filter(industries=result.filter_industries(), today=today)
    ws = window.workspace
    ws.set_filter(flt, submit=False)
    ticket = ws.set_selection(Selection.radius(hx, hy, result.radius_km * 1000.0))
    window.tabs.setCurrentIndex(1)  # the companies' tab
    return ticket


def _show_candidate(window: MainWindow, rid: int) -> None:
    if rid < 0:
        return
    row = window.models["candidates"].row_of_rid(rid)
    if row >= 0:
        window.select_row("candidates", row)
        return
    found = person_rows(window.gui_cursor(), "candidates", [rid])
    window.detail_dock.show_row("candidates", found[0] if found else None)


def _show_lead(window: MainWindow, lead: Lead) -> Any:
    return window.show_company(lead)
