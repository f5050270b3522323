"""The shortlist: 3-5 chosen candidates, a note each, optional personal data the consultant
types in (printed only when ticked), and the export to PDF + XLSX/CSV. The list itself is
the Qt-free :class:`~workbench.core.export.shortlist.Shortlist`."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.export.shortlist import (
    MAX_CANDIDATES,
    MIN_CANDIDATES,
    Shortlist,
    ShortlistEntry,
)
from workbench.qt.i18n import fmt_decimal, tr


class _EntryRow(QFrame):
    """One candidate: reference and summary, the note, the personal fields, remove."""

    removed = Signal(str)

    def __init__(self, n: int, entry: ShortlistEntry, personal: bool, parent: QWidget) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setObjectName("shortlistEntry")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        score = "" if entry.score is None else f" · {fmt_decimal(entry.score, 0)}"
        e = html.escape
        head = QLabel(f"<b>{n}. {e(entry.candidate_id)}</b>{score}<br>{e(entry.summary)}", self)
        head.setWordWrap(True)
        remove = QToolButton(self)
        remove.setText("✕")
        remove.setToolTip(tr("joborder.shortlist.remove"))
        remove.clicked.connect(lambda: self.removed.emit(entry.candidate_id))
        self.note = QLineEdit(entry.note, self)
        self.note.setObjectName("shortlistNote")
        self.note.setPlaceholderText(tr("joborder.shortlist.note_ph"))
        self.note.textChanged.connect(lambda text: setattr(entry, "note", text))
        top = QHBoxLayout()
        top.addWidget(head, 1)
        top.addWidget(remove)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.note)
        self.personal: list[QLineEdit] = []
        if personal:
            for attr, ph in (
                ("name", "joborder.shortlist.name_ph"),
                ("address", "joborder.shortlist.address_ph"),
                ("contact", "joborder.shortlist.contact_ph"),
            ):
                edit = QLineEdit(getattr(entry, attr), self)
                edit.setPlaceholderText(tr(ph))
                edit.textChanged.connect(lambda text, a=attr: setattr(entry, a, text))
                layout.addWidget(edit)
                self.personal.append(edit)


class ShortlistWidget(QWidget):
    """``exportRequested`` when the user asks to export; ``changed`` when entries change."""

    exportRequested = Signal()
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortlistWidget")
        self.shortlist = Shortlist()
        self.rows: list[_EntryRow] = []
        self.hint = QLabel(tr("joborder.shortlist.hint"), self)
        self.hint.setObjectName("shortlistHint")
        self.hint.setWordWrap(True)
        self._inner = QWidget(self)
        self._list = QVBoxLayout(self._inner)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._inner)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.include_personal = QCheckBox(tr("joborder.shortlist.include_personal"), self)
        self.include_personal.setObjectName("shortlistPersonal")
        self.include_personal.setToolTip(tr("joborder.shortlist.include_personal_tip"))
        self.include_personal.toggled.connect(self._on_personal)
        self.table_format = QComboBox(self)
        self.table_format.addItem("PDF + XLSX", "xlsx")
        self.table_format.addItem("PDF + CSV", "csv")
        self.export_button = QPushButton(tr("joborder.shortlist.export"), self)
        self.export_button.setObjectName("exportShortlist")
        self.export_button.clicked.connect(self.exportRequested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.table_format)
        bottom.addStretch(1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.hint)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.include_personal)
        layout.addLayout(bottom)
        self._rebuild()

    def add_items(self, items: list[Any]) -> int:
        """Add ranked match items (MatchItem); returns how many were added (the list holds
        at most five, and no candidate twice)."""
        added = 0
        for item in items:
            entry = ShortlistEntry(
                item.candidate_id, int(item.rid), score=float(item.score), summary=item.summary
            )
            if self.shortlist.add(entry):
                added += 1
        full = len(items) > added and len(self.shortlist.entries) >= MAX_CANDIDATES
        self._rebuild(tr("joborder.shortlist.full") if full else None)
        if added:
            self.changed.emit()
        return added

    def remove(self, candidate_id: str) -> None:
        self.shortlist.remove(candidate_id)
        self._rebuild()
        self.changed.emit()

    def clear(self) -> None:
        self.shortlist = Shortlist()
        self.include_personal.setChecked(False)
        self._rebuild()
        self.changed.emit()

    def _on_personal(self, on: bool) -> None:
        self.shortlist.include_personal = on
        self._rebuild()

    def _rebuild(self, message: str | None = None) -> None:
        for row in self.rows:
            self._list.removeWidget(row)
            row.deleteLater()
        self.rows = []
        personal = self.include_personal.isChecked()
        for n, entry in enumerate(self.shortlist.entries, start=1):
            row = _EntryRow(n, entry, personal, self._inner)
            row.removed.connect(self.remove)
            self._list.insertWidget(self._list.count() - 1, row)
            self.rows.append(row)
        n = len(self.shortlist.entries)
        self.hint.setText(message or tr("joborder.shortlist.hint"))
        self.hint.setStyleSheet("color: #b3261e" if message or 0 < n < MIN_CANDIDATES else "")
        self.export_button.setEnabled(n > 0)
