"""The filter and layers docks: a panel in a scroll area, in a movable dock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QScrollArea, QWidget

from workbench.qt.filters import FilterPanel
from workbench.qt.i18n import tr
from workbench.qt.map.layers_panel import LayersPanel


def _scrolled(panel: QWidget, parent: QWidget) -> QScrollArea:
    scroll = QScrollArea(parent)
    scroll.setWidgetResizable(True)
    scroll.setWidget(panel)
    return scroll


class FilterDock(QDockWidget):
    """The filters (left); the panel follows the Workspace's filter both ways."""

    def __init__(self, panel: FilterPanel, parent: QWidget | None = None) -> None:
        super().__init__(tr("filters.title"), parent)
        self.setObjectName("filterDock")
        self.panel = panel
        scroll = _scrolled(panel, self)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(scroll)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        # wide enough for the panel and its scroll bar, so nothing is cut off on the right
        bar = scroll.verticalScrollBar().sizeHint().width()
        self.setMinimumWidth(max(330, panel.minimumSizeHint().width() + bar + 12))


class LayersDock(QDockWidget):
    """The layer list (right, under the details): visibility, opacity, order, styles."""

    def __init__(self, panel: LayersPanel, parent: QWidget | None = None) -> None:
        super().__init__(tr("layers.title"), parent)
        self.setObjectName("layersDock")
        self.panel = panel
        self.setWidget(_scrolled(panel, self))
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
