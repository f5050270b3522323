"""The filter panel's saved searches: "Gem søgning" and the owner's list; a click re-runs
one. A thin view over :mod:`workbench.core.saved_searches`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core import saved_searches as core
from workbench.core.filters import Filter
from workbench.qt.i18n import tr


class SavedSearchesBox(QGroupBox):
    """``searchChosen(Filter)``: a saved search was clicked (re-run it)."""

    searchChosen = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        cursor: Callable[[], Any],
        current_filter: Callable[[], Filter],
        *,
        owner: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(tr("pools.saved"), parent)
        self.setObjectName("savedSearches")
        self.cursor = cursor
        self.current_filter = current_filter
        self.owner = owner
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.save_button = QPushButton(tr("pools.save_search"), self)
        self.save_button.setToolTip(tr("pools.save_search_tip"))
        self.save_button.clicked.connect(self.ask_save)
        self.delete_button = QPushButton(tr("pools.delete_search"), self)
        self.delete_button.clicked.connect(self.delete_current)
        row.addWidget(self.save_button)
        row.addWidget(self.delete_button)
        row.addStretch(1)
        self.list = QListWidget(self)
        self.list.setObjectName("savedSearchList")
        self.list.setToolTip(tr("pools.saved_tip"))
        self.list.setMaximumHeight(100)
        self.list.itemClicked.connect(self._on_clicked)
        lay.addLayout(row)
        lay.addWidget(self.list)
        self.refresh()

    def names(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def refresh(self) -> None:
        self.list.clear()
        for s in core.list_searches(self.cursor(), owner=self.owner):
            item = QListWidgetItem(s.name)
            item.setData(Qt.ItemDataRole.UserRole, s.name)
            self.list.addItem(item)
        self.list.setVisible(self.list.count() > 0)
        self.delete_button.setEnabled(self.list.count() > 0)

    def save(self, name: str) -> None:
        try:
            saved = core.save_search(self.cursor(), name, self.current_filter(), owner=self.owner)
        except core.SavedSearchError as exc:
            self.message.emit(str(exc))
            return
        self.refresh()
        self.message.emit(tr("pools.search_saved", name=saved.name))

    def run(self, name: str) -> Filter:
        """Re-run ``name``: emits ``searchChosen`` with its filter."""
        flt = core.rerun_search(self.cursor(), name, owner=self.owner).filter
        self.searchChosen.emit(flt)
        return flt

    def _on_clicked(self, item: QListWidgetItem) -> None:
        self.run(item.data(Qt.ItemDataRole.UserRole))

    def delete_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            core.delete_search(self.cursor(), item.data(Qt.ItemDataRole.UserRole), owner=self.owner)
            self.refresh()

    def ask_save(self) -> None:  # pragma: no cover - modal dialog
        name, ok = QInputDialog.getText(self, tr("pools.save_search"), tr("pools.save_search_name"))
        if ok and name.strip():
            self.save(name)
