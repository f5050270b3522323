""" "Synkronisér med team" in the campaigns dock (issue #18): the team store sync as a
background task with progress and cancel; the outcome goes to the status line. Shown only
when a team store is configured. The sync itself is ``workbench.core.teamstore.sync``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from workbench.core.store import Store
from workbench.core.tasks import Feedback, TaskCancelled
from workbench.core.teamstore import TeamStoreConfig, team_store
from workbench.qt.i18n import tr
from workbench.qt.tasks import QtTask

if TYPE_CHECKING:
    from workbench.core.teamstore.sync import SyncResult
    from workbench.qt.main_window import MainWindow


class TeamSyncWidget(QWidget):
    """The button, a progress bar and a cancel button. ``cursor()`` gives a new cursor on
    the cache for the task's thread."""

    synced = Signal(object)  # the SyncResult
    ended = Signal(str)  # the line for the status bar, whatever the outcome

    def __init__(
        self,
        config: TeamStoreConfig,
        jobcenter: str | None,
        cursor: Callable[[], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("teamSync")
        self.config, self.jobcenter, self.cursor = config, jobcenter, cursor
        self.task: QtTask | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton(tr("team.sync"), self)
        self.button.setToolTip(tr("team.sync_tip", server=config.label))
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setMaximumHeight(14)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton(tr("team.cancel"), self)
        self.cancel_button.setVisible(False)
        lay.addWidget(self.button)
        lay.addWidget(self.progress, 1)
        lay.addWidget(self.cancel_button)
        self.button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)

    def start(self) -> QtTask | None:
        if self.task is not None:
            return None
        config, jobcenter, cursor = self.config, self.jobcenter, self.cursor

        def work(feedback: Feedback) -> SyncResult:
            from workbench.core.teamstore.sync import sync

            cur = cursor()
            try:
                return sync(Store.wrap(cur), config, jobcenter, feedback=feedback)
            finally:
                cur.close()

        self.task = task = QtTask(work, name="team-sync", parent=self)
        task.progressed.connect(self._on_progress)
        task.finished.connect(self._on_finished)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(lambda: self.ended.emit(tr("team.cancelled")))
        task.ended.connect(self._on_ended)
        self.button.setEnabled(False)
        self.button.setText(tr("team.syncing"))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        return task.start()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _on_progress(self, fraction: object, _message: str) -> None:
        if isinstance(fraction, float | int):
            self.progress.setValue(int(fraction * 100))

    def _on_finished(self, result: SyncResult) -> None:
        text = tr(
            "team.done", pushed=sum(result.pushed.values()), pulled=sum(result.pulled.values())
        )
        if result.skipped:
            text += "; " + tr("team.skipped", names=", ".join(result.skipped))
        self.synced.emit(result)
        self.ended.emit(text)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, TaskCancelled):
            self.ended.emit(tr("team.cancelled"))
            return
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        self.ended.emit(tr("team.failed", reason=reason))

    def _on_ended(self) -> None:
        if self.task is not None:
            self.task.deleteLater()
        self.task = None
        self.button.setEnabled(True)
        self.button.setText(tr("team.sync"))
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)


def install_team_sync(window: MainWindow) -> TeamSyncWidget | None:
    """Put the control into the campaigns dock when a team store is configured; the
    outcome goes to the status line and the dock shows the synced campaigns."""
    config = team_store(window.settings)
    if config is None:
        return None
    dock = window.campaign_dock
    widget = TeamSyncWidget(
        config, window.workspace.context.jobcenter, lambda: window.con.cursor(), parent=dock
    )
    dock.add_header_widget(widget)
    widget.ended.connect(lambda text: window.statusBar().showMessage(text, 15000))
    widget.synced.connect(lambda _r: dock.refresh_list(select=dock.campaign_name()))
    widget.synced.connect(lambda _r: window.management.reload())  # campaign progress there
    return widget
