"""First start with an empty cache: offer to build the demo or to refresh from the sources.

The demo is built on a worker thread (its own cursor) behind a cancellable progress dialog;
a cancelled build leaves the cache untouched (``build_demo`` runs in one transaction).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.demo import DemoSummary
from workbench.core.errors import Cancelled
from workbench.core.tasks import Feedback
from workbench.qt.i18n import tr
from workbench.qt.tasks import QtTask

# The demo build's stages, shown as tr("demo.stage_<stage>") (qt/i18n.py).


class DemoBuilder(QObject):
    """Runs ``build_demo`` as a task (``core.tasks`` through ``QtTask``);
    ``progressed(stage, fraction)`` and ``done(error)`` arrive on the GUI thread."""

    progressed = Signal(str, float)
    done = Signal(object)  # None on success, else the message (str); Cancelled -> "cancelled"

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        scale: str = "small",
        seed: int = 1,
        settings: Settings | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._con = con
        self._scale = scale
        self._seed = seed
        self._settings = settings
        self._task = QtTask(self._work, name="demo", parent=self)
        self._cancel = self._task.feedback.cancel_event
        self._task.progressed.connect(lambda f, stage: self.progressed.emit(stage, float(f or 0)))
        self._task.finished.connect(lambda _r: self.done.emit(None))
        self._task.failed.connect(self._on_failed)
        # Why the boundaries fetch failed (None when it worked or did not run).
        self.boundaries_note: str | None = None
        self.summary: DemoSummary | None = None

    def cancel(self) -> None:
        self._cancel.set()

    def start(self) -> None:
        self._task.start()

    def wait(self, timeout: float | None = None) -> bool:
        return self._task.wait(timeout)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.done.emit("cancelled")
        else:  # reported to the user, never a crash
            self.done.emit(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    def _work(self, feedback: Feedback) -> None:
        from workbench.core.demo import build_demo

        cur = self._con.cursor()
        try:
            if self._settings is not None:
                self._fetch_boundaries(cur, feedback)
            self.summary = build_demo(
                cur,
                scale=self._scale,
                seed=self._seed,
                progress=lambda stage, f: feedback.set_progress(float(f), stage),
                cancelled=feedback.is_cancelled,
            )
            cache.checkpoint(cur)
        finally:
            cur.close()

    def _fetch_boundaries(self, cur: duckdb.DuckDBPyConnection, feedback: Feedback) -> None:
        """Real municipality areas make the demo map readable: fetch them with the
        boundaries plugin when the cache has none. Offline, the demo uses the outlines
        shipped with the workbench instead, and says so."""
        from workbench.core import config
        from workbench.core.layer_data import has_municipality_areas
        from workbench.core.plugins.host import PluginHost

        if has_municipality_areas(cur):
            return
        feedback.set_progress(0.0, "boundaries")
        # One quick attempt: the user is waiting, and offline it must fail fast.
        quick = config.deep_merge(self._settings.data, {"http": {"retries": 0, "timeout_s": 15}})
        host = PluginHost(cur, Settings(quick, self._settings.sources))
        try:
            if "boundaries" not in host.plugins:
                self.boundaries_note = "no boundaries plugin"
                return
            result = host.run("boundaries", cancel=self._cancel)
        finally:
            host.close()
        if self._cancel.is_set():
            raise Cancelled("demo build cancelled")
        if not result.ok:
            self.boundaries_note = result.message or result.status


def ask_first_start(parent: QWidget | None, cache_path: Path) -> str:
    """'demo', 'refresh' or 'later'."""
    box = QMessageBox(parent)
    box.setWindowTitle(tr("first.title"))
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(tr("first.text", path=str(cache_path)))
    demo = box.addButton(tr("first.demo"), QMessageBox.ButtonRole.AcceptRole)
    refresh = box.addButton(tr("first.refresh"), QMessageBox.ButtonRole.ActionRole)
    box.addButton(tr("first.later"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(demo)
    box.exec()
    clicked = box.clickedButton()
    if clicked is demo:
        return "demo"
    if clicked is refresh:
        return "refresh"
    return "later"


def build_demo_with_progress(
    parent: QWidget | None,
    con: duckdb.DuckDBPyConnection,
    *,
    scale: str = "small",
    settings: Settings | None = None,
) -> bool:
    """Build the demo behind a modal, cancellable progress dialog. True when it was built."""
    from workbench.qt.i18n import TEXTS, language

    dialog = QProgressDialog(tr("demo.progress"), tr("demo.cancel"), 0, 100, parent)
    dialog.setWindowTitle(tr("app.title"))
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    builder = DemoBuilder(con, scale=scale, settings=settings)
    outcome: dict[str, object] = {}

    def on_progress(stage: str, fraction: float) -> None:
        msg_id = f"demo.stage_{stage}"
        label = tr(msg_id) if msg_id in TEXTS[language()] else stage
        dialog.setLabelText(f"{tr('demo.progress')}\n{label}")
        dialog.setValue(int(fraction * 100))

    def on_done(error: object) -> None:
        outcome["error"] = error
        dialog.done(0)

    builder.progressed.connect(on_progress)
    builder.done.connect(on_done)
    dialog.canceled.connect(builder.cancel)
    builder.start()
    dialog.exec()
    if "error" not in outcome:  # the dialog was cancelled before the builder reported
        builder.cancel()
    builder.wait()
    error = outcome.get("error")
    if error is None and "error" in outcome:
        if builder.boundaries_note:
            shipped = builder.summary is not None and builder.summary.geography == "packaged"
            key = "demo.packaged_boundaries" if shipped else "demo.no_boundaries"
            QMessageBox.information(
                parent, tr("app.title"), tr(key, message=builder.boundaries_note)
            )
        return True
    if error == "cancelled" or "error" not in outcome:
        QMessageBox.information(parent, tr("app.title"), tr("demo.cancelled"))
    else:
        QMessageBox.warning(parent, tr("app.title"), tr("demo.failed", message=str(error)))
    return False
