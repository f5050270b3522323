"""File → "Eksportér til GIS…": the current filter and map selection as a GeoPackage,
GeoJSON or Shapefile layer (core/export/gis.py), written off the GUI thread."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QInputDialog

from workbench.core.export.gis import export_layer
from workbench.qt.i18n import tr

if TYPE_CHECKING:
    from workbench.qt.main_window import MainWindow

ENTITIES = ("companies", "postings", "municipalities", "candidates")


def start_gis_export(window: MainWindow, entity: str, path: str | Path) -> None:
    """Write ``entity`` with the window's filter and selection to ``path``; the status bar
    says when it is done (or why not)."""
    flt = window.workspace.effective_filter()
    path = Path(path)
    window.statusBar().showMessage(tr("gis.running", name=path.name))

    def done(result: Any) -> None:
        if isinstance(result, BaseException):
            window.last_error = str(result)
            window.statusBar().showMessage(tr("gis.failed", reason=str(result)), 10_000)
        else:
            window.statusBar().showMessage(
                tr("gis.done", rows=f"{result.rows:,}".replace(",", "."), name=result.path.name),
                10_000,
            )
        window.gis_export_done = result

    window.gis_export_done = None
    window.background.run(lambda cur: export_layer(cur, entity, flt, path), done)


def ask_gis_export(window: MainWindow) -> None:
    labels = [tr(f"gis.entity.{e}") for e in ENTITIES]
    label, ok = QInputDialog.getItem(window, tr("gis.title"), tr("gis.which"), labels, 0, False)
    if not ok:
        return
    entity = ENTITIES[labels.index(label)]
    path, _ = QFileDialog.getSaveFileName(
        window, tr("gis.title"), f"{entity}.gpkg", tr("gis.filter")
    )
    if path:
        start_gis_export(window, entity, path)


def import_area_file(window: MainWindow, path: str | Path) -> list[str]:
    """Import the polygons of a GIS file as saved selections (overlay and filter: the
    map's saved-selection list offers them); one message when the file cannot be used."""
    from PySide6.QtWidgets import QMessageBox

    from workbench.core.errors import WorkbenchError
    from workbench.core.export.gis import import_areas

    cur = window.con.cursor()
    try:
        areas = import_areas(cur, path)
    except WorkbenchError as exc:
        window.last_error = str(exc)
        QMessageBox.warning(window, tr("gis.import_title"), tr("gis.import_bad", reason=str(exc)))
        return []
    finally:
        cur.close()
    window.map_view.reload_saved_combo()
    names = [a.name for a in areas]
    window.statusBar().showMessage(tr("gis.imported", n=len(names), name=Path(path).name), 10_000)
    return names


def ask_import_areas(window: MainWindow) -> None:
    path, _ = QFileDialog.getOpenFileName(
        window, tr("gis.import_title"), "", tr("gis.import_filter")
    )
    if path:
        import_area_file(window, path)
