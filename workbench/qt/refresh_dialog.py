"""The refresh dialog: run source plugins on a worker thread with a progress bar per plugin,
a cancel button and the last result of each.

The plugin host runs in a plain Python thread with its own cache connection; it reports
through Qt signals, which are queued into the GUI thread, so the window never blocks.
The dialog's own texts follow the UI language (:mod:`workbench.qt.i18n`); progress and
result messages written by the plugins are shown as the plugins wrote them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.core.config import Settings
from workbench.core.plugins.check import check_sources
from workbench.core.plugins.host import PluginHost, PluginInfo, discover, last_runs, plugin_status
from workbench.core.store import Store
from workbench.core.tasks import Task
from workbench.qt.i18n import tr
from workbench.qt.tasks import QtTask

# Message ids (workbench.qt.i18n) of a run's status and of a plugin's status.
RUN_STATUS_IDS = {
    "ok": "refresh.run_ok",
    "failed": "refresh.run_failed",
    "cancelled": "refresh.run_cancelled",
    "interrupted": "refresh.run_interrupted",
    "running": "refresh.run_running",
}
PLUGIN_STATUS_IDS = {
    "broken": "refresh.plugin_broken",
    "disabled": "refresh.plugin_disabled",
    "not_configured": "refresh.plugin_not_configured",
}


def run_status_text(status: str) -> str:
    """A refresh_log status in the UI language; an unknown status is shown as it is."""
    msg_id = RUN_STATUS_IDS.get(status)
    return tr(msg_id) if msg_id else status


def plugin_status_text(status: str) -> str:
    """The progress bar's text for a plugin that will not run by default ("" when it will)."""
    msg_id = PLUGIN_STATUS_IDS.get(status)
    return tr(msg_id) if msg_id else ""


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).strftime(tr("refresh.date_format"))
    except ValueError:
        return iso


def wrote_nothing(run: dict[str, Any]) -> bool:
    """A successful run that left the cache as it was (no rows written)."""
    return run["status"] == "ok" and not run.get("rows_written")


def describe_run(run: dict[str, Any] | None) -> str:
    """One line in the UI language for a refresh_log row (as returned by ``last_runs``);
    the plugin's own message is appended as it is. A successful run that wrote nothing says
    so, and why (every row rejected, or the source delivered none)."""
    if not run:
        return tr("refresh.never")
    status = run_status_text(run["status"])
    when = _when(run.get("finished") or run.get("started"))
    text = f"{status} {when}".strip()
    if wrote_nothing(run):
        rejected = int(run.get("rows_rejected") or 0)
        why = (
            tr("refresh.nothing_rejected", rejected=rejected)
            if rejected
            else tr("refresh.nothing_empty")
        )
        text += f" – {tr('refresh.nothing_written', why=why)}"
        if run.get("message"):
            text += f" ({run['message']})"
        return text
    if run.get("message"):
        text += f" – {run['message']}"
    return text


def _breakable(text: str) -> str:
    """``text`` with zero-width break chances inside long words (URLs, paths), so a wrapping
    label shows all of it instead of widening the dialog past the screen."""
    words = []
    for word in text.split(" "):
        if len(word) > 30:
            word = re.sub(r"([/?&=_.,:-])", "\\1\u200b", word)
        words.append(word)
    return " ".join(words)


class RefreshDialog(QDialog):
    """``RefreshDialog(cache_path, settings, parent=None)``; ``plugins`` defaults to the
    installed plugins (tests pass their own)."""

    progressChanged = Signal(str, float, str)  # plugin id, fraction (-1 unknown), message
    pluginFinished = Signal(str, object)  # plugin id, RunResult.to_dict()
    runFinished = Signal(list)  # list of RunResult.to_dict(), after the last plugin
    checkFinished = Signal(list)  # list of SourceCheck.to_dict() ("Kontrollér kilder")

    _progress = Signal(str, float, str)
    _finished_one = Signal(str, object)
    _finished_all = Signal(list)
    _crashed = Signal(str)

    def __init__(
        self,
        cache_path: str | Path,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        plugins: Sequence[PluginInfo] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("refresh.title"))
        self.setMinimumWidth(720)
        self.cache_path = Path(cache_path)
        self.settings = settings
        self.infos = list(discover() if plugins is None else plugins)
        self._cancel = threading.Event()
        self._thread: Task[None] | None = None  # core.tasks: the refresh's worker
        self.rows: dict[str, dict[str, Any]] = {}
        self._crash_message: str | None = None

        layout = QVBoxLayout(self)
        intro = QLabel(tr("refresh.intro"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        for col, msg_id in enumerate(
            ("refresh.col_source", "refresh.col_progress", "refresh.col_result")
        ):
            header = QLabel(f"<b>{tr(msg_id)}</b>")
            grid.addWidget(header, 0, col)
        runs = self._last_runs()
        for i, info in enumerate(self.infos, start=1):
            status = plugin_status(info, settings)
            box = QCheckBox(info.manifest.name if info.manifest else info.id)
            box.setObjectName(f"check_{info.id}")
            box.setChecked(status == "ok")
            box.setEnabled(status != "broken")
            if info.manifest:
                box.setToolTip(f"{info.manifest.source}\n{info.manifest.attribution}")
            bar = QProgressBar()
            bar.setObjectName(f"progress_{info.id}")
            bar.setRange(0, 100)
            bar.setValue(0)
            bar.setTextVisible(True)
            bar.setFormat(plugin_status_text(status))
            bar.setMinimumWidth(_bar_width(bar))
            result = QLabel()
            result.setObjectName(f"result_{info.id}")
            result.setWordWrap(True)
            result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            # Long texts wrap; they never widen the dialog (the details field has them whole).
            result.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            result.setMinimumWidth(240)
            grid.addWidget(box, i, 0)
            grid.addWidget(bar, i, 1)
            grid.addWidget(result, i, 2)
            self.rows[info.id] = {"check": box, "bar": bar, "result": result}
            if info.broken:
                self._set_result(info.id, tr("refresh.broken", error=info.error), problem=True)
            else:
                self._show_run(info.id, runs.get(info.id))
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)

        # The whole text of every problem (failed run, nothing written, broken plugin),
        # selectable and copyable for a support request.
        self.details = QPlainTextEdit()
        self.details.setObjectName("details")
        self.details.setReadOnly(True)
        self.details.setPlaceholderText(tr("refresh.details"))
        self.details.setMaximumHeight(120)
        layout.addWidget(self.details)
        self._refresh_details()

        self.status_label = QLabel("")
        layout.addWidget(self.status_label)
        self.check_label = QLabel("")  # the source check's findings, one line per channel
        self.check_label.setWordWrap(True)
        self.check_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.check_label)
        self._check_task: QtTask | None = None
        buttons = QDialogButtonBox()
        self.start_button = QPushButton(tr("refresh.start"))
        self.cancel_button = QPushButton(tr("refresh.cancel"))
        self.close_button = QPushButton(tr("refresh.close"))
        self.check_button = QPushButton(tr("refresh.check"))
        self.cancel_button.setEnabled(False)
        buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.check_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)

        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self.check_button.clicked.connect(self.check_sources)
        self._progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._finished_one.connect(self._on_finished_one, Qt.ConnectionType.QueuedConnection)
        self._finished_all.connect(self._on_finished_all, Qt.ConnectionType.QueuedConnection)
        self._crashed.connect(self._on_crashed, Qt.ConnectionType.QueuedConnection)

    # -- state

    def _last_runs(self) -> dict[str, dict[str, Any]]:
        if not self.cache_path.exists():
            return {}
        try:
            con = Store.open(self.cache_path).con
        except Exception:  # the dialog still opens; the run reports the real problem
            return {}
        try:
            return last_runs(con)
        finally:
            con.close()

    def selected(self) -> list[str]:
        broken = {i.id for i in self.infos if i.broken}
        return [
            pid for pid, row in self.rows.items() if row["check"].isChecked() and pid not in broken
        ]

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_running()

    # -- actions

    def start(self, plugin_ids: Sequence[str] | None = None) -> None:
        """Start refreshing ``plugin_ids`` (default: the checked plugins) on a worker thread."""
        if self.is_running():
            return
        ids = list(plugin_ids) if plugin_ids else self.selected()
        if not ids:
            self.status_label.setText(tr("refresh.select_one"))
            return
        task: Task[None] = Task(
            lambda feedback: self._work(ids, feedback.cancel_event), name="refresh"
        )
        self._cancel = task.feedback.cancel_event
        self._crash_message = None
        for pid in ids:
            bar = self.rows[pid]["bar"]
            bar.setValue(0)
            bar.setFormat(tr("refresh.waiting"))
        self._set_running(True)
        self.status_label.setText(tr("refresh.running"))
        self._thread = task.start()

    def cancel(self) -> None:
        if self.is_running():
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.status_label.setText(tr("refresh.cancelling"))

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        broken = {i.id for i in self.infos if i.broken}
        for pid, row in self.rows.items():
            row["check"].setEnabled(not running and pid not in broken)

    # -- worker thread (no widgets touched here)

    def _work(self, ids: list[str], cancel: threading.Event) -> None:
        results: list[dict[str, Any]] = []
        try:
            with PluginHost(self.cache_path, self.settings, plugins=self.infos) as host:
                for pid in ids:
                    if cancel.is_set():
                        break
                    result = host.run(
                        pid,
                        on_progress=lambda p, f, m: self._progress.emit(
                            p, -1.0 if f is None else float(f), m
                        ),
                        cancel=cancel,
                    )
                    results.append(result.to_dict())
                    self._finished_one.emit(pid, result.to_dict())
        except Exception as exc:  # the cache cannot be opened: say so, keep the window alive
            self._crashed.emit(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        self._finished_all.emit(results)

    # -- GUI thread slots

    def _on_progress(self, plugin_id: str, fraction: float, message: str) -> None:
        bar = self.rows[plugin_id]["bar"]
        if fraction >= 0:
            bar.setValue(round(fraction * 100))
        bar.setFormat(f"%p% {message}" if message else "%p%")
        self.progressChanged.emit(plugin_id, fraction, message)

    def _on_finished_one(self, plugin_id: str, result: dict[str, Any]) -> None:
        row = self.rows[plugin_id]
        row["bar"].setValue(100 if result["status"] == "ok" else row["bar"].value())
        row["bar"].setFormat(run_status_text(result["status"]))
        self._show_run(plugin_id, result)
        self._refresh_details()
        self.pluginFinished.emit(plugin_id, result)

    def _show_run(self, plugin_id: str, run: dict[str, Any] | None) -> None:
        problem = bool(run) and (run["status"] != "ok" or wrote_nothing(run))
        self._set_result(plugin_id, describe_run(run), problem=problem)

    def _set_result(self, plugin_id: str, text: str, *, problem: bool) -> None:
        row = self.rows[plugin_id]
        row["result"].setText(_breakable(text))
        row["result"].setToolTip(text)
        row["full_text"] = text
        row["problem"] = problem

    def _refresh_details(self) -> None:
        if not hasattr(self, "details"):
            return
        lines = [
            f"{row['check'].text()}: {row['full_text']}"
            for row in self.rows.values()
            if row.get("problem")
        ]
        self.details.setPlainText("\n\n".join(lines))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to show every wrapped result line (a grid does not grow its window for
        height-for-width labels by itself)."""
        layout = self.layout()
        layout.activate()
        need = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else 0
        if need > self.height():
            self.resize(self.width(), need)

    def _on_finished_all(self, results: list[dict[str, Any]]) -> None:
        self._thread = None
        self._set_running(False)
        failed = [r for r in results if r["status"] != "ok"]
        if self._crash_message is None:  # a crash message stays on screen
            if self._cancel.is_set():
                self.status_label.setText(tr("refresh.cancelled"))
            elif failed:
                self.status_label.setText(
                    tr("refresh.some_failed", failed=len(failed), total=len(results))
                )
            else:
                self.status_label.setText(tr("refresh.all_ok"))
        self.runFinished.emit(results)

    def _on_crashed(self, message: str) -> None:
        self._crash_message = message
        self.status_label.setText(tr("refresh.crashed", message=message))

    # -- source check (workbench sources check), off the GUI thread

    def check_sources(self) -> None:
        """Check every configured source on a worker thread; findings in ``check_label``."""
        if self._check_task is not None and self._check_task.is_running():
            return
        self.check_button.setEnabled(False)
        self.check_label.setText(tr("refresh.checking"))
        settings, infos = self.settings, self.infos
        self._check_task = QtTask(
            lambda _feedback: [r.to_dict() for r in check_sources(settings, infos)],
            name="check",
            parent=self,
        )
        self._check_task.finished.connect(self._on_checked)
        self._check_task.failed.connect(self._on_check_failed)
        self._check_task.start()

    def _on_check_failed(self, exc: BaseException) -> None:
        self._check_task = None
        self.check_button.setEnabled(True)
        self.check_label.setText(tr("refresh.crashed", message=str(exc).splitlines()[0]))

    def _on_checked(self, rows: list[dict[str, Any]]) -> None:
        self._check_task = None
        self.check_button.setEnabled(True)
        names = {i.id: i.manifest.name if i.manifest else i.id for i in self.infos}
        failed = [r for r in rows if not r["ok"]]
        if not rows:
            summary = tr("refresh.check_none")
        elif failed:
            summary = tr("refresh.check_done", failed=len(failed), total=len(rows))
        else:
            summary = tr("refresh.check_all_ok")
        lines = [summary]
        for r in rows:
            fix = f" ({tr('refresh.check_fix', setting=r['setting'])})" if r["setting"] else ""
            mark = "✓" if r["ok"] else "✗"
            lines.append(f"{mark} {names.get(r['plugin'], r['plugin'])}: {r['message']}{fix}")
        self.check_label.setText("\n".join(lines))
        self.checkFinished.emit(rows)

    # -- closing

    def wait(self, timeout: float = 30.0) -> bool:
        """Join the worker thread (after :meth:`cancel`); True when it has ended."""
        task = self._thread
        return task is None or task.wait(timeout)

    def reject(self) -> None:
        if self.is_running():
            self.cancel()
            self.wait()
        super().reject()

    def closeEvent(self, event: Any) -> None:
        if self.is_running():
            self.cancel()
            self.wait()
        super().closeEvent(event)


# Texts a progress bar shows on its own (before and after a run); the bar is at least as wide
# as the longest of them in the current language, so "Ikke konfigureret" is not cut off.
_BAR_TEXTS = (
    "refresh.plugin_not_configured",
    "refresh.plugin_broken",
    "refresh.plugin_disabled",
    "refresh.waiting",
    "refresh.run_failed",
    "refresh.run_cancelled",
    "refresh.run_interrupted",
)


def _bar_width(bar: QProgressBar) -> int:
    metrics = bar.fontMetrics()
    return max(metrics.horizontalAdvance(tr(key)) for key in _BAR_TEXTS) + 32
