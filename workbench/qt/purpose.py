"""The purpose dialog (issue #15): before a candidate's details or an export of candidates
the window asks once per task why; the answer goes into the audit log with every access
until the task changes. Prefilled from the open job order or campaign."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.qt.i18n import tr


class PurposeDialog(QDialog):
    """One line: the purpose. OK stays disabled while it is empty."""

    def __init__(self, suggestion: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("purposeDialog")
        self.setWindowTitle(tr("privacy.purpose_title"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        info = QLabel(tr("privacy.purpose_text"), self)
        info.setWordWrap(True)
        layout.addWidget(info)
        self.edit = QLineEdit(suggestion, self)
        self.edit.setObjectName("purposeEdit")
        self.edit.setPlaceholderText(tr("privacy.purpose_placeholder"))
        layout.addWidget(self.edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._update)
        self._update()
        self.setMinimumWidth(420)

    def purpose(self) -> str:
        return self.edit.text().strip()

    def _update(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.purpose()))


def ask_purpose(parent: QWidget | None, suggestion: str = "") -> str | None:
    """The purpose the user typed, or None when they cancelled."""
    dialog = PurposeDialog(suggestion, parent)
    try:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.purpose() if accepted and dialog.purpose() else None
    finally:
        dialog.deleteLater()
