"""The toolbar's company search: type a name, CVR or P-number, pick a unit, jump to it.

Suggestions come from :func:`workbench.core.company_lookup.find_companies` on a background
thread (a name search over 1M units is tens of ms: not on the GUI thread while typing);
an answer to an older text is dropped. Enter takes the best match of the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from workbench.core.company_lookup import CompanyHit, find_companies
from workbench.qt.i18n import tr

RunInBackground = Callable[[Callable[[Any], Any], Callable[[Any], None]], None]


class CompanySearchWidget(QLineEdit):
    """``companyChosen(CompanyHit)`` when the user picks a unit; ``notFound(text)`` when
    Enter finds nothing."""

    companyChosen = Signal(object)
    notFound = Signal(str)
    suggestionsReady = Signal(list)  # labels, after each lookup (tests)

    SUGGESTIONS = 12
    DEBOUNCE_MS = 150

    def __init__(self, run_in_background: RunInBackground, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("companySearch")
        self.setPlaceholderText(tr("search.company_ph"))
        self.setToolTip(tr("search.company_tip"))
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(200)
        self._run = run_in_background
        self._hits: dict[str, CompanyHit] = {}
        self._seq = 0  # the newest lookup; older answers are dropped
        self._model = QStringListModel(self)
        self.completer_ = QCompleter(self._model, self)
        # The core already filtered; the completer shows its list as it is.
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(self.completer_)
        # Units of one CVR share the name: the P-number and address must fit on the line.
        self.completer_.popup().setMinimumWidth(480)
        self.completer_.activated.connect(self._on_activated)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DEBOUNCE_MS)
        self._timer.timeout.connect(self._lookup)
        self.textEdited.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self.go)
        if parent is not None:  # Ctrl+F anywhere in the window
            find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), parent)
            find.activated.connect(lambda: (self.setFocus(), self.selectAll()))

    def _lookup(self, then: Callable[[list[CompanyHit]], None] | None = None) -> None:
        text = self.text()
        self._seq += 1
        seq = self._seq

        def done(result: Any) -> None:
            if seq != self._seq:
                return
            hits = [] if isinstance(result, Exception) else list(result)
            self._hits = {h.label(): h for h in hits}
            labels = list(self._hits)
            if then is not None:
                then(hits)
                return
            self._model.setStringList(labels)
            if labels and self.hasFocus():
                self.completer_.complete()
            self.suggestionsReady.emit(labels)

        self._run(lambda cur: find_companies(cur, text, self.SUGGESTIONS), done)

    def go(self) -> None:
        """Enter: jump to the suggestion typed or picked, else to the best match."""
        self._timer.stop()
        hit = self._hits.get(self.text())
        if hit is not None:
            self.companyChosen.emit(hit)
            return
        text = self.text().strip()
        if not text:
            return

        def first(hits: list[CompanyHit]) -> None:
            if hits:
                self.companyChosen.emit(hits[0])
            else:
                self.notFound.emit(text)

        self._lookup(first)

    def _on_activated(self, label: str) -> None:
        hit = self._hits.get(label)
        if hit is not None:
            self.companyChosen.emit(hit)
