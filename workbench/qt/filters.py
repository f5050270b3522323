"""The filter panel: the candidate filters (occupation, qualifications, driving licences,
unemployment duration) plus the company filters (collaboration with scope and time window,
industry, size).

Every change restarts a short debounce timer; then ``filterChanged`` carries one immutable
:class:`~workbench.core.filters.Filter` that the window applies to all layers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
from PySide6.QtCore import QRectF, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.collaboration import months_before
from workbench.core.filters import (
    COLLABORATION_KINDS,
    DRIVING_LICENCES,
    POSTINGS_YEARS_DAYS,
    Filter,
    Range,
)
from workbench.core.search.pipeline import DURATION_EDGES
from workbench.core.shortage import CATEGORIES as SHORTAGE_CATEGORIES
from workbench.core.vocabulary import Vocabulary
from workbench.qt.i18n import fmt_int, tr

DURATION_LABELS = ("0", "30", "60", "90", "180", "270", "365", "540", "730", "1095+")


class TokenPicker(QWidget):
    """Type-ahead search over titles and aliases; picked entries are listed below.

    ``entries`` are (code, title, aliases). A search text matches anywhere in a title or an
    alias; Enter or a click on a suggestion adds the code. Double-click or Delete removes.
    """

    changed = Signal()

    def __init__(
        self, placeholder: str, entries: Sequence[tuple[str, str, Sequence[str]]], parent=None
    ):
        super().__init__(parent)
        # The matching rule lives in core: the command line's --occupation NAME uses it too.
        self.vocabulary = Vocabulary(entries)
        strings = self.vocabulary.labels
        self._redirects: dict[str, Callable[[], None]] = {}
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.completer = QCompleter(QStringListModel(strings, self), self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setMaxVisibleItems(12)
        self.edit.setCompleter(self.completer)
        self.completer.activated.connect(self._add_text)
        self.edit.returnPressed.connect(lambda: self._add_text(self.edit.text()))
        self.list = QListWidget(self)
        self.list.setMaximumHeight(64)
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.list.setToolTip(tr("filters.remove") + ": Delete / dobbeltklik")
        self.list.itemDoubleClicked.connect(self._remove_item)
        self.list.installEventFilter(self)
        self.list.setVisible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.edit)
        lay.addWidget(self.list)

    def codes(self) -> tuple[str, ...]:
        return tuple(
            self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
        )

    def title(self, code: str) -> str:
        return self.vocabulary.title(code)

    def code_for(self, text: str) -> str | None:
        """The code a typed or chosen text stands for (exact label, code, title or alias,
        else the first label containing it, as the list shows)."""
        return self.vocabulary.code_for(text)

    def add_redirects(self, redirects: dict[str, tuple[Sequence[str], Callable[[], None]]]) -> None:
        """Suggestions that lead elsewhere instead of picking a code: ``{label: (typed
        texts, action)}``; choosing the label, or typing one of the texts and Enter, runs
        the action (e.g. "Kørekort B" checks B in the licence filter)."""
        model = self.completer.model()
        model.setStringList(model.stringList() + list(redirects))
        for label, (typed, action) in redirects.items():
            for key in (label, *typed):
                self._redirects[key.strip().casefold()] = action

    def add(self, code: str) -> None:
        if code in self.codes():
            return
        item = QListWidgetItem(f"{self.title(code)} ({code})")
        item.setData(Qt.ItemDataRole.UserRole, code)
        self.list.addItem(item)
        self._fit_list()
        self.changed.emit()

    def clear(self) -> None:
        had = self.list.count() > 0
        self.list.clear()
        self.list.setVisible(False)
        self.edit.clear()
        if had:
            self.changed.emit()

    def _fit_list(self) -> None:
        """As tall as its entries (up to three), so one pick does not take a box of space."""
        n = self.list.count()
        self.list.setVisible(n > 0)
        if n:
            row = self.list.sizeHintForRow(0)
            self.list.setFixedHeight(min(n, 3) * row + 2 * self.list.frameWidth() + 2)

    def _add_text(self, text: str) -> None:
        action = self._redirects.get(text.strip().casefold())
        if action is not None:
            action()
            QTimer.singleShot(0, self.edit.clear)
            return
        code = self.code_for(text)
        if code is not None:
            self.add(code)
            QTimer.singleShot(0, self.edit.clear)

    def _remove_item(self, item: QListWidgetItem) -> None:
        self.list.takeItem(self.list.row(item))
        self._fit_list()
        self.changed.emit()

    def eventFilter(self, obj, event) -> bool:
        if (
            obj is self.list
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.list.currentItem()
        ):
            self._remove_item(self.list.currentItem())
            return True
        return super().eventFilter(obj, event)


class LicencePicker(QWidget):
    """One checkable button per driving licence category (B, C, CE, D ...), in rows."""

    changed = Signal()
    PER_ROW = 8

    def __init__(self, parent=None):
        super().__init__(parent)
        self.buttons: dict[str, QToolButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        for i, cat in enumerate(DRIVING_LICENCES):
            b = QToolButton(self)
            b.setText(cat)
            b.setCheckable(True)
            b.setAutoRaise(False)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.toggled.connect(self.changed)
            self.buttons[cat] = b
            grid.addWidget(b, i // self.PER_ROW, i % self.PER_ROW)
        self.setToolTip(tr("filters.licence_tip"))
        # The native checked state is hard to tell from unchecked: the histogram's blue.
        self.setStyleSheet(
            "QToolButton:checked { background: rgb(31, 100, 190); color: white;"
            " border: 1px solid rgb(20, 70, 140); border-radius: 3px; }"
        )

    def categories(self) -> tuple[str, ...]:
        return tuple(cat for cat, b in self.buttons.items() if b.isChecked())

    def set_categories(self, cats: Sequence[str]) -> None:
        for cat, b in self.buttons.items():
            b.setChecked(cat in cats)


class HistogramWidget(QWidget):
    """Bars of the unemployment duration of the current matches; bins in the range are dark.

    Clicking a bar sets the range to that bin (``binClicked(lo, hi)``; hi None = open)."""

    binClicked = Signal(int, object)

    def __init__(self, edges: Sequence[int], labels: Sequence[str], parent=None):
        super().__init__(parent)
        self.edges = tuple(edges)
        self.labels = tuple(labels)
        self.counts = np.zeros(len(self.edges), dtype=np.int64)
        self.range: tuple[int | None, int | None] = (None, None)
        self.message: str | None = None  # shown instead of the bars (why nothing matches)
        self.setMinimumHeight(84)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(tr("filters.histogram_tip"))

    def set_counts(self, counts: np.ndarray) -> None:
        self.counts = np.asarray(counts, dtype=np.int64)
        self.update()

    def set_range(self, lo: int | None, hi: int | None) -> None:
        self.range = (lo, hi)
        self.update()

    def set_message(self, text: str | None, tooltip: str | None = None) -> None:
        """Show ``text`` in place of the bars (None shows the bars again); ``tooltip``
        replaces the usual one (None restores it)."""
        self.message = text
        self.setToolTip(tooltip or text or tr("filters.histogram_tip"))
        self.update()

    def _in_range(self, i: int) -> bool:
        lo, hi = self.range
        b_lo = self.edges[i]
        b_hi = self.edges[i + 1] - 1 if i + 1 < len(self.edges) else None
        if lo is not None and b_hi is not None and b_hi < lo:
            return False
        return not (hi is not None and b_lo > hi)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        if self.message:
            p.setPen(QColor(120, 40, 30))
            p.drawText(
                QRectF(self.rect().adjusted(4, 4, -4, -4)),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self.message,
            )
            p.end()
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        n = len(self.edges)
        w = self.width()
        label_h = 14
        top = 12
        h = self.height() - label_h - top
        bw = w / n
        peak = max(1, int(self.counts.max()) if self.counts.size else 1)
        font = p.font()
        font.setPointSizeF(7.5)
        p.setFont(font)
        for i in range(n):
            c = int(self.counts[i]) if i < len(self.counts) else 0
            bh = h * c / peak
            color = QColor(31, 100, 190) if self._in_range(i) else QColor(180, 195, 215)
            p.fillRect(QRectF(i * bw + 1, top + h - bh, bw - 2, bh), color)
            p.setPen(QColor(60, 60, 60))
            p.drawText(
                QRectF(i * bw, top + h, bw, label_h), Qt.AlignmentFlag.AlignCenter, self.labels[i]
            )
            if c:
                p.drawText(
                    QRectF(i * bw - 4, top + h - bh - 12, bw + 8, 12),
                    Qt.AlignmentFlag.AlignCenter,
                    _short(c),
                )
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = int(event.position().x() // (self.width() / len(self.edges)))
        if 0 <= i < len(self.edges):
            hi = self.edges[i + 1] - 1 if i + 1 < len(self.edges) else None
            self.binClicked.emit(self.edges[i], hi)


def _short(n: int) -> str:
    if n >= 10_000:
        return f"{n // 1000}k"
    return fmt_int(n)


class FilterPanel(QWidget):
    """All filters; emits ``filterChanged(Filter)`` after the user pauses (debounced)."""

    filterChanged = Signal(object)

    DEBOUNCE_MS = 200

    def __init__(
        self,
        *,
        occupations: Sequence[tuple[str, str, Sequence[str]]],
        qualifications: Sequence[tuple[str, str, Sequence[str]]],
        industries: Sequence[tuple[str, str, Sequence[str]]],
        municipalities: Sequence[tuple[str, str, Sequence[str]]],
        jobcenter: str | None = None,
        today: date | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("filterPanel")
        self._jobcenter = jobcenter or None
        self._today = today  # reference date for durations (the demo's own date); None = today
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DEBOUNCE_MS)
        self._timer.timeout.connect(self._emit)

        # candidates -----------------------------------------------------------------------
        self.occupation = TokenPicker(tr("filters.occupation_ph"), occupations, self)
        self.qualification = TokenPicker(tr("filters.qualification_ph"), qualifications, self)
        self.qual_match = QComboBox(self)
        self.qual_match.addItem(tr("filters.match_all"), "all")
        self.qual_match.addItem(tr("filters.match_any"), "any")
        self.days_min = QSpinBox(self)
        self.days_max = QSpinBox(self)
        for box in (self.days_min, self.days_max):
            box.setRange(0, 9999)
            box.setSingleStep(30)
            box.setSuffix(tr("filters.days_suffix"))
        self.days_max.setSpecialValueText(tr("filters.no_limit"))
        self.histogram = HistogramWidget(DURATION_EDGES, DURATION_LABELS, self)
        self.histogram.binClicked.connect(self._set_days_from_bin)

        cand = QGroupBox(tr("filters.candidates"), self)
        cf = QFormLayout(cand)
        cf.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        cf.addRow(tr("filters.occupation"), self.occupation)
        qbox = QWidget(self)
        ql = QVBoxLayout(qbox)
        ql.setContentsMargins(0, 0, 0, 0)
        ql.setSpacing(2)
        ql.addWidget(self.qualification)
        ql.addWidget(self.qual_match)
        cf.addRow(tr("filters.qualification"), qbox)
        self.licence = LicencePicker(self)
        self.licence_match = QComboBox(self)
        self.licence_match.addItem(tr("filters.match_all"), "all")
        self.licence_match.addItem(tr("filters.match_any"), "any")
        lbox = QWidget(self)
        ll = QVBoxLayout(lbox)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.setSpacing(2)
        ll.addWidget(self.licence)
        ll.addWidget(self.licence_match)
        # Label above the buttons (as for the duration): beside them the panel gets wider
        # than the map can spare in a small window.
        cf.addRow(QLabel(tr("filters.licence")))
        cf.addRow(lbox)
        # Licences are not qualifications; typing one in the qualification search checks it
        # in the licence filter instead.
        self.qualification.add_redirects(
            {
                tr("filters.licence_redirect", cat=cat): (
                    (f"Kørekort {cat}", f"Driving licence {cat}"),
                    lambda c=cat: self.licence.buttons[c].setChecked(True),
                )
                for cat in DRIVING_LICENCES
            }
        )
        days = QWidget(self)
        dl = QHBoxLayout(days)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(QLabel(tr("filters.from")))
        dl.addWidget(self.days_min, 1)
        dl.addWidget(QLabel(tr("filters.to")))
        dl.addWidget(self.days_max, 1)
        cf.addRow(QLabel(tr("filters.duration")))
        cf.addRow(days)
        cf.addRow(self.histogram)

        # companies ------------------------------------------------------------------------
        self.collaboration = QComboBox(self)
        # item data is a plain string ("" = no restriction): Qt keeps strings as they are
        self.collaboration.addItem(tr("filters.collab_all"), "")
        self.collaboration.addItem(tr("filters.collab_none"), "none")
        self.collaboration.addItem(tr("filters.collab_any"), "any")
        self.collaboration.addItem(tr("filters.collab_active"), "active")
        self.collaboration.addItem(tr("filters.collab_former"), "former")
        for kind, label in COLLABORATION_KINDS.items():
            self.collaboration.addItem(label, kind)
        self.collaboration.setToolTip(tr("filters.collab_tip"))
        # Whose collaborations count: own/other needs the user's jobcenter ([ui] jobcenter).
        self.collab_scope = QComboBox(self)
        self.collab_scope.addItem(tr("filters.collab_scope_all"), "all")
        self.collab_scope.addItem(tr("filters.collab_scope_own"), "own")
        self.collab_scope.addItem(tr("filters.collab_scope_other"), "other")
        if not self._jobcenter:
            self.collab_scope.setToolTip(tr("filters.collab_scope_tip"))
        # The time window: only collaborations running in the last N months count (0 = all).
        self.collab_months = QSpinBox(self)
        self.collab_months.setRange(0, 240)
        self.collab_months.setSingleStep(3)
        self.collab_months.setSuffix(tr("filters.collab_window_suffix"))
        self.collab_months.setSpecialValueText(tr("filters.collab_window_all"))
        self.collab_months.setToolTip(tr("filters.collab_window_tip"))
        self.industry = TokenPicker(tr("filters.industry_ph"), industries, self)
        self.emp_min = QSpinBox(self)
        self.emp_max = QSpinBox(self)
        for box in (self.emp_min, self.emp_max):
            box.setRange(0, 100000)
        self.emp_max.setSpecialValueText(tr("filters.no_limit"))
        comp = QGroupBox(tr("filters.companies"), self)
        kf = QFormLayout(comp)
        kf.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        kf.addRow(tr("filters.collaboration"), self.collaboration)
        kf.addRow(tr("filters.collab_scope"), self.collab_scope)
        kf.addRow(tr("filters.collab_window"), self.collab_months)
        kf.addRow(tr("filters.industry"), self.industry)
        # Without a DB07<->DB25 key both classifications are offered side by side: say so.
        two_trees = {c.startswith("DB25:") for c, _, _ in industries} == {True, False}
        self.industry_systems_note = QLabel(tr("filters.industry_two_trees"), self)
        self.industry_systems_note.setWordWrap(True)
        self.industry_systems_note.setVisible(two_trees)
        kf.addRow(self.industry_systems_note)
        emp = QWidget(self)
        el = QHBoxLayout(emp)
        el.setContentsMargins(0, 0, 0, 0)
        el.addWidget(QLabel(tr("filters.from")))
        el.addWidget(self.emp_min, 1)
        el.addWidget(QLabel(tr("filters.to")))
        el.addWidget(self.emp_max, 1)
        kf.addRow(tr("filters.employees"), emp)
        # company overview (issue #16): postings, new in the municipality, no collaboration
        self.has_postings = QCheckBox(tr("campaign.flt_has_postings"), self)
        self.has_postings.setToolTip(tr("campaign.flt_has_postings_tip"))
        self.new_months = QSpinBox(self)
        self.new_months.setRange(0, 120)
        self.new_months.setSingleStep(3)
        self.new_months.setSuffix(tr("campaign.flt_months_suffix"))
        self.new_months.setSpecialValueText(tr("campaign.flt_new_off"))
        self.new_months.setToolTip(tr("campaign.flt_new_tip"))
        self.postings_no_collab = QCheckBox(tr("campaign.flt_postings_no_collab"), self)
        self.postings_no_collab.setToolTip(tr("campaign.flt_postings_no_collab_tip"))
        kf.addRow(self.has_postings)
        # label above the box: a long label would widen the form's label column (and the dock)
        kf.addRow(QLabel(tr("campaign.flt_new"), self))
        kf.addRow(self.new_months)
        kf.addRow(self.postings_no_collab)

        # both -----------------------------------------------------------------------------
        self.municipality = TokenPicker(tr("filters.municipality_ph"), municipalities, self)
        both = QGroupBox(tr("filters.municipality"), self)
        bl = QVBoxLayout(both)
        bl.addWidget(self.municipality)
        # Arbejdsmarkedsbalancen: candidates by their occupations, companies by their
        # postings' occupations, in their municipality (core/shortage.py); OR-ed.
        self.shortage_boxes: dict[str, QCheckBox] = {}
        shortage = QGroupBox(tr("shortage.filter"), self)
        shortage.setToolTip(tr("shortage.filter_tip"))
        sg = QGridLayout(shortage)
        for i, cat in enumerate(SHORTAGE_CATEGORIES):
            box = QCheckBox(tr(f"shortage.{cat}"), shortage)
            box.setObjectName(f"shortage_{cat}")
            box.setToolTip(tr("shortage.filter_tip"))
            box.toggled.connect(self.schedule)
            self.shortage_boxes[cat] = box
            sg.addWidget(box, i // 2, i % 2)

        self.reset_button = QPushButton(tr("filters.reset"), self)
        self.reset_button.clicked.connect(self.reset)

        lay = QVBoxLayout(self)
        lay.addWidget(cand)
        lay.addWidget(comp)
        lay.addWidget(both)
        lay.addWidget(shortage)
        lay.addWidget(self.reset_button)
        lay.addStretch(1)

        for picker in (self.occupation, self.qualification, self.industry, self.municipality):
            picker.changed.connect(self.schedule)
        for box in (self.days_min, self.days_max, self.emp_min, self.emp_max):
            box.valueChanged.connect(self.schedule)
        self.qual_match.currentIndexChanged.connect(self.schedule)
        self.collaboration.currentIndexChanged.connect(self.schedule)
        self.licence.changed.connect(self.schedule)
        self.licence_match.currentIndexChanged.connect(self.schedule)
        self.collab_scope.currentIndexChanged.connect(self.schedule)
        self.collab_months.valueChanged.connect(self.schedule)
        self.has_postings.toggled.connect(self.schedule)
        self.new_months.valueChanged.connect(self.schedule)
        self.postings_no_collab.toggled.connect(self.schedule)
        self._update_collab_controls()

    # -- state ---------------------------------------------------------------------------
    def current_filter(self) -> Filter:
        dmin = self.days_min.value() or None
        dmax = self.days_max.value() or None
        if dmin is not None and dmax is not None and dmax < dmin:
            dmax = dmin
        emin = self.emp_min.value() or None
        emax = self.emp_max.value() or None
        if emin is not None and emax is not None and emax < emin:
            emax = emin
        collab = self.collaboration.currentData()
        # Scope and window only mean something with a collaboration value.
        scoped = bool(collab) or self.postings_no_collab.isChecked()
        scope = self.collab_scope.currentData() if scoped and self._jobcenter else "all"
        months = self.collab_months.value() if collab else 0
        since = months_before(self._today or date.today(), months) if months else None
        return Filter(
            occupations=self.occupation.codes(),
            qualifications=self.qualification.codes(),
            qualification_match=self.qual_match.currentData(),
            driving_licences=self.licence.categories(),
            driving_licence_match=self.licence_match.currentData(),
            unemployed_days=Range(dmin, dmax) if (dmin or dmax) else None,
            municipalities=self.municipality.codes(),
            collaboration=(collab,) if collab else (),
            collaboration_scope=scope,
            collaboration_since=since,
            jobcenter=self._jobcenter,
            industries=self.industry.codes(),
            employees=Range(emin, emax) if (emin or emax) else None,
            company_posted_within_days=POSTINGS_YEARS_DAYS
            if self.has_postings.isChecked()
            else None,
            new_within_months=self.new_months.value() or None,
            postings_without_collaboration=self.postings_no_collab.isChecked(),
            shortage=self.shortage_categories(),
            today=self._today,
        )

    def shortage_categories(self) -> tuple[str, ...]:
        return tuple(c for c, box in self.shortage_boxes.items() if box.isChecked())

    def _set_shortage(self, categories: Sequence[str]) -> None:
        for cat, box in self.shortage_boxes.items():
            box.blockSignals(True)
            box.setChecked(cat in categories)
            box.blockSignals(False)

    def schedule(self) -> None:
        """(Re)start the debounce timer: typing never fires a query per key stroke."""
        self.histogram.set_range(self.days_min.value() or None, self.days_max.value() or None)
        self._update_collab_controls()
        self._timer.start()

    def _update_collab_controls(self) -> None:
        has = bool(self.collaboration.currentData())
        scoped = has or self.postings_no_collab.isChecked()
        self.collab_scope.setEnabled(scoped and bool(self._jobcenter))
        self.collab_months.setEnabled(has)

    def pending(self) -> bool:
        """A change is waiting for its debounce timer."""
        return self._timer.isActive()

    def emit_now(self) -> None:
        self._timer.stop()
        self._emit()

    def _emit(self) -> None:
        self.filterChanged.emit(self.current_filter())

    def reset(self) -> None:
        widgets = (
            self.days_min,
            self.days_max,
            self.emp_min,
            self.emp_max,
            self.qual_match,
            self.collaboration,
            self.licence,
            self.licence_match,
            self.collab_scope,
            self.collab_months,
            self.has_postings,
            self.new_months,
            self.postings_no_collab,
        )
        for w in widgets:
            w.blockSignals(True)
        self.has_postings.setChecked(False)
        self.new_months.setValue(0)
        self.postings_no_collab.setChecked(False)
        for b in self.licence.buttons.values():
            b.blockSignals(True)
            b.setChecked(False)
            b.blockSignals(False)
        self._set_shortage(())
        for picker in (self.occupation, self.qualification, self.industry, self.municipality):
            picker.blockSignals(True)
            picker.clear()
            picker.blockSignals(False)
        for box in (self.days_min, self.days_max, self.emp_min, self.emp_max):
            box.setValue(0)
        self.qual_match.setCurrentIndex(0)
        self.collaboration.setCurrentIndex(0)
        self.licence_match.setCurrentIndex(0)
        self.collab_scope.setCurrentIndex(0)
        self.collab_months.setValue(0)
        for w in widgets:
            w.blockSignals(False)
        self.schedule()

    def set_filter(self, flt: Filter) -> None:
        """Show ``flt`` (set from code: a saved search, a reopened cache) without emitting:
        the Workspace that set it runs it already."""
        self._timer.stop()
        combos = (self.qual_match, self.collaboration, self.licence_match, self.collab_scope)
        boxes = (self.days_min, self.days_max, self.emp_min, self.emp_max, self.collab_months)
        pickers = (
            (self.occupation, flt.occupations),
            (self.qualification, flt.qualifications),
            (self.industry, flt.industries),
            (self.municipality, flt.municipalities),
        )
        checks = (self.has_postings, self.new_months, self.postings_no_collab)
        widgets = (*combos, *boxes, *checks, self.licence, *(p for p, _ in pickers))
        for w in widgets:
            w.blockSignals(True)
        try:
            for picker, codes in pickers:
                picker.clear()
                for code in codes:
                    picker.add(code)
            self.licence.set_categories(flt.driving_licences)
            self._set_shortage(flt.shortage)
            for combo, value in (
                (self.qual_match, flt.qualification_match),
                (self.licence_match, flt.driving_licence_match),
                (self.collaboration, flt.collaboration[0] if flt.collaboration else ""),
                (self.collab_scope, flt.collaboration_scope),
            ):
                combo.setCurrentIndex(max(0, combo.findData(value)))
            for (low, high), rng in (
                ((self.days_min, self.days_max), flt.unemployed_days),
                ((self.emp_min, self.emp_max), flt.employees),
            ):
                low.setValue((rng.min or 0) if rng else 0)
                high.setValue((rng.max or 0) if rng else 0)
            self.collab_months.setValue(self._months_of(flt.collaboration_since))
            self.has_postings.setChecked(flt.company_posted_within_days is not None)
            self.new_months.setValue(flt.new_within_months or 0)
            self.postings_no_collab.setChecked(flt.postings_without_collaboration)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self.histogram.set_range(self.days_min.value() or None, self.days_max.value() or None)
        self._update_collab_controls()

    def _months_of(self, since: date | None) -> int:
        """The time window (months) that starts on ``since`` (0: no window)."""
        if since is None:
            return 0
        today = self._today or date.today()
        for months in range(1, self.collab_months.maximum() + 1):
            if months_before(today, months) <= since:
                return months
        return self.collab_months.maximum()

    def _set_days_from_bin(self, lo: int, hi: object) -> None:
        self.days_min.blockSignals(True)
        self.days_min.setValue(lo)
        self.days_min.blockSignals(False)
        self.days_max.setValue(int(hi) if hi is not None else 0)
        self.schedule()
