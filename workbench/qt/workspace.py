"""The Qt adapter of the Workspace: its events as signals, delivered on the GUI thread.

The Workspace calls its listeners on whatever thread emits (results: the query worker).
Each listener here only emits a signal; Qt queues a signal emitted on another thread to
the receivers' (GUI) thread. Results of a job that a newer submit superseded while its
signal was queued are dropped here, a second time after the worker's own check.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from workbench.core.session import Workspace


class QtWorkspace(QObject):
    filterChanged = Signal(object)  # Filter
    selectionChanged = Signal(object)  # Selection | None
    contextChanged = Signal(object)  # UserContext
    pointsReady = Signal(int, object)  # ticket, unordered QueryResult (the map's)
    resultReady = Signal(int, object)  # ticket, QueryResult (tables, histogram)
    queryFailed = Signal(int, str)  # ticket, one-line message
    busyChanged = Signal(bool)
    layersChanged = Signal(str)  # layer name, "order" or "choropleth"
    reloaded = Signal()  # new data: the same filter runs again
    jobOrderChanged = Signal(object)  # JobOrder | None

    _points = Signal(int, object)
    _result = Signal(int, object)
    _failed = Signal(int, str)

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        # Bound methods (not lambdas): Qt then queues the worker's emits to this object's
        # thread, where the staleness check runs.
        self._points.connect(self._on_points)
        self._result.connect(self._on_result)
        self._failed.connect(self._on_failed)
        self._links: list[tuple[Any, Any]] = [
            (workspace.filter_changed, self.filterChanged.emit),
            (workspace.selection_changed, self.selectionChanged.emit),
            (workspace.context_changed, self.contextChanged.emit),
            (workspace.points_ready, self._points.emit),
            (workspace.result_ready, self._result.emit),
            (workspace.query_failed, self._failed.emit),
            (workspace.busy_changed, self.busyChanged.emit),
            (workspace.layers.changed, self.layersChanged.emit),
            (workspace.reloaded, self.reloaded.emit),
            (workspace.job_order_changed, self.jobOrderChanged.emit),
        ]
        for event, emit in self._links:
            event.connect(emit)

    def _on_points(self, ticket: int, partial: object) -> None:
        if self.workspace.is_current(ticket):
            self.pointsReady.emit(ticket, partial)

    def _on_result(self, ticket: int, result: object) -> None:
        if self.workspace.is_current(ticket):
            self.resultReady.emit(ticket, result)

    def _on_failed(self, ticket: int, message: str) -> None:
        if self.workspace.is_current(ticket):
            self.queryFailed.emit(ticket, message)

    def detach(self) -> None:
        """Stop listening (the window closes; the Workspace may outlive it)."""
        for event, emit in self._links:
            event.disconnect(emit)
        self._links = []
