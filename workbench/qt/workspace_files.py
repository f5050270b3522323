"""File → Gem arbejdsområde / Åbn arbejdsområde / Seneste: ``.jobkort`` files (see
core/session/workspace_file.py) for the window: filter, map view, layers, selection."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from workbench.core.session import workspace_file as wf
from workbench.qt.i18n import tr

if TYPE_CHECKING:
    from workbench.qt.main_window import MainWindow


def save_workspace(window: MainWindow, path: str | Path) -> Path:
    saved = wf.save(wf.WorkspaceFile.of(window.workspace, view=window.map.view_extent()), path)
    wf.remember(saved)
    window.statusBar().showMessage(tr("wsfile.saved", name=saved.name), 5000)
    return saved


def open_workspace(window: MainWindow, path: str | Path) -> bool:
    """Apply the file to the window; a bad file is one message, the window unchanged."""
    try:
        wfile = wf.load(path)
    except wf.WorkspaceFileError as exc:
        window.last_error = str(exc)
        QMessageBox.warning(window, tr("wsfile.open_title"), tr("wsfile.bad", reason=str(exc)))
        return False
    wfile.apply(window.workspace)
    if wfile.job_order_id:  # the order the consultant had open, from this cache's orders
        _open_job_order(window, wfile.job_order_id)
    if wfile.view:
        window.map.set_extent(wfile.view, padding=0)
    wf.remember(path)
    window.statusBar().showMessage(tr("wsfile.opened", name=Path(path).name), 5000)
    return True


def _open_job_order(window: MainWindow, order_id: str) -> None:
    from workbench.core.matching.order import JobOrderError
    from workbench.core.matching.orders import load_job_order
    from workbench.core.store import Store

    try:
        order = load_job_order(Store.wrap(window.con), order_id)
    except JobOrderError:  # another cache, or the order was deleted: the rest still opens
        window.statusBar().showMessage(tr("wsfile.no_job_order", id=order_id), 8000)
        return
    window.workspace.set_job_order(order)


def ask_save(window: MainWindow) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(window, tr("wsfile.save_title"), "", tr("wsfile.filter"))
    return save_workspace(window, path) if path else None


def ask_open(window: MainWindow) -> bool:
    path, _ = QFileDialog.getOpenFileName(window, tr("wsfile.open_title"), "", tr("wsfile.filter"))
    return open_workspace(window, path) if path else False


def add_menu_entries(window: MainWindow, file_menu: QMenu) -> None:
    window.open_workspace_action = QAction(tr("wsfile.open"), window)
    window.open_workspace_action.triggered.connect(lambda: ask_open(window))
    file_menu.addAction(window.open_workspace_action)
    window.save_workspace_action = QAction(tr("wsfile.save"), window)
    window.save_workspace_action.triggered.connect(lambda: ask_save(window))
    file_menu.addAction(window.save_workspace_action)
    window.recent_menu = recent = file_menu.addMenu(tr("wsfile.recent"))

    def fill() -> None:
        recent.clear()
        files = wf.recent_files()
        for path in files:
            act = QAction(path.name, recent)
            act.setToolTip(str(path))
            act.triggered.connect(lambda _c=False, p=path: open_workspace(window, p))
            recent.addAction(act)
        if not files:
            none = QAction(tr("wsfile.none"), recent)
            none.setEnabled(False)
            recent.addAction(none)

    recent.aboutToShow.connect(fill)
    fill()
