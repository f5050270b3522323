"""The job order form: every field of a :class:`~workbench.core.matching.order.JobOrder`
and the ranking weights, as widgets. A thin view: :meth:`JobOrderForm.order` reads the
widgets into a JobOrder, :meth:`JobOrderForm.set_order` shows one; ``changed`` fires after
the user pauses (debounced), so the controller re-runs the match once per pause."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.core.matching.engine import Weights
from workbench.core.matching.order import JobOrder, Workplace
from workbench.qt.filters import LicencePicker, TokenPicker
from workbench.qt.i18n import fmt_decimal, tr

Entries = Sequence[tuple[str, str, Sequence[str]]]
NO_DATE = QDate(2000, 1, 1)  # the start date field's "not given"


class _Licences(LicencePicker):
    """The filter panel's licence buttons, six a row: the dock is narrower than the panel."""

    PER_ROW = 6


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


class JobOrderForm(QWidget):
    """``changed`` (debounced) after any edit; ``pickWorkplace`` asks the map for a point."""

    changed = Signal()
    pickWorkplace = Signal()

    DEBOUNCE_MS = 250

    def __init__(
        self,
        *,
        occupations: Entries,
        qualifications: Entries,
        educations: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("jobOrderForm")
        self._order = JobOrder(occupation_codes=[])  # fields the form does not edit ride along
        self._loading = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed)

        # the order -----------------------------------------------------------------------
        self.title = QLineEdit(self)
        self.title.setObjectName("jobOrderTitle")
        self.tasks = QLineEdit(self)
        self.occupation = TokenPicker(tr("joborder.f.occupation_ph"), occupations, self)
        self.occupation.setObjectName("jobOrderOccupations")
        self.include_related = QCheckBox(tr("joborder.f.include_related"), self)
        # requirements ------------------------------------------------------------------------
        self.required = TokenPicker(tr("joborder.f.qualification_ph"), qualifications, self)
        self.nice = TokenPicker(tr("joborder.f.qualification_ph"), qualifications, self)
        self.licence = _Licences(self)
        self.languages = QLineEdit(self)
        self.languages.setPlaceholderText(tr("joborder.f.languages_ph"))
        self.experience = QSpinBox(self)
        self.experience.setRange(0, 50)
        self.experience.setSuffix(tr("joborder.f.years_suffix"))
        self.experience.setSpecialValueText(tr("joborder.f.none"))
        self.education = QComboBox(self)
        # long education names must not widen the dock (the list shows them in full)
        self.education.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.education.setMinimumContentsLength(14)
        self.education.addItem(tr("joborder.f.none"), None)
        for text in educations:
            self.education.addItem(text, text)
        self.long_term = QCheckBox(tr("joborder.f.long_term"), self)
        # workplace ---------------------------------------------------------------------------
        self.company = QLineEdit(self)
        self.company.setObjectName("jobOrderCompany")
        self.company.setPlaceholderText(tr("joborder.f.workplace_company_ph"))
        self.address = QLineEdit(self)
        self.point_label = QLabel(tr("joborder.f.workplace_none"), self)
        self.point_label.setStyleSheet("color: #556")
        self.point_label.setWordWrap(True)
        self.pick_button = QPushButton(tr("joborder.f.workplace_pick"), self)
        self.pick_button.setToolTip(tr("joborder.f.workplace_pick_tip"))
        self.pick_button.clicked.connect(self.pickWorkplace)
        self.max_commute = QDoubleSpinBox(self)
        self.max_commute.setObjectName("jobOrderMaxCommute")
        self.max_commute.setRange(0, 500)
        self.max_commute.setDecimals(0)
        self.max_commute.setSingleStep(5)
        self.max_commute.setSuffix(tr("joborder.f.km_suffix"))
        self.max_commute.setSpecialValueText(tr("joborder.f.none"))
        # employment and deadlines ---------------------------------------------------------
        self.positions = QSpinBox(self)
        self.positions.setRange(1, 999)
        self.employment = QComboBox(self)
        self.employment.addItem(tr("joborder.f.permanent"), "permanent")
        self.employment.addItem(tr("joborder.f.temporary"), "temporary")
        self.hours = QSpinBox(self)
        self.hours.setRange(0, 60)
        self.hours.setSpecialValueText("–")
        self.shifts = QCheckBox(tr("joborder.f.shifts"), self)
        self.start_date = QDateEdit(self)
        self.start_date.setDisplayFormat("dd-MM-yyyy")
        self.start_date.setCalendarPopup(True)
        self.start_date.setMinimumDate(NO_DATE)  # the minimum shows as "–": no start date
        self.start_date.setSpecialValueText("–")
        self.start_date.setDate(NO_DATE)
        self.contact = QLineEdit(self)
        self.received = self._datetime()
        self.clarify_by = self._datetime()
        self.deliver_by = self._datetime()
        # weights -------------------------------------------------------------------------------
        self.weights: dict[str, QDoubleSpinBox] = {}
        defaults = Weights()
        for f in fields(Weights):
            box = QDoubleSpinBox(self)
            box.setObjectName(f"jobOrderWeight_{f.name}")
            box.setRange(0, 100)  # relative: the engine divides by their sum
            box.setSingleStep(5)
            box.setDecimals(0)
            box.setValue(float(getattr(defaults, f.name)))
            self.weights[f.name] = box

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(6)
        order_box, form = self._section("joborder.section_order")
        form.addRow(tr("joborder.f.title"), self.title)
        form.addRow(tr("joborder.f.occupations"), self.occupation)
        form.addRow("", self.include_related)
        form.addRow(tr("joborder.f.tasks"), self.tasks)
        layout.addWidget(order_box)
        req_box, form = self._section("joborder.section_requirements")
        form.addRow(tr("joborder.f.required"), self.required)
        form.addRow(tr("joborder.f.nice"), self.nice)
        form.addRow(QLabel(tr("joborder.f.licence"), self))
        form.addRow(self.licence)  # the full width
        form.addRow(tr("joborder.f.languages"), self.languages)
        form.addRow(tr("joborder.f.experience"), self.experience)
        form.addRow(tr("joborder.f.education"), self.education)
        form.addRow("", self.long_term)
        layout.addWidget(req_box)
        wp_box, form = self._section("joborder.section_workplace")
        form.addRow(tr("joborder.f.workplace_company"), self.company)
        form.addRow(tr("joborder.f.workplace_address"), self.address)
        point_row = QHBoxLayout()
        point_row.addWidget(self.point_label, 1)
        point_row.addWidget(self.pick_button)
        form.addRow(tr("joborder.f.workplace_point"), point_row)
        form.addRow(tr("joborder.f.max_commute"), self.max_commute)
        layout.addWidget(wp_box)
        w_box, form = self._section("joborder.weights")
        w_box.setToolTip(tr("joborder.weights_tip"))
        for name, box in self.weights.items():
            form.addRow(tr(f"joborder.w.{name}"), box)
        layout.addWidget(w_box)
        terms_box, form = self._section("joborder.section_terms")
        form.addRow(tr("joborder.f.positions"), self.positions)
        emp_row = QHBoxLayout()
        emp_row.addWidget(self.employment, 1)
        emp_row.addWidget(self.shifts)
        form.addRow(tr("joborder.f.employment"), emp_row)
        form.addRow(tr("joborder.f.hours"), self.hours)
        form.addRow(tr("joborder.f.start_date"), self.start_date)
        form.addRow(tr("joborder.f.contact"), self.contact)
        form.addRow(tr("joborder.f.received"), self.received)
        form.addRow(tr("joborder.f.clarify_by"), self.clarify_by)
        form.addRow(tr("joborder.f.deliver_by"), self.deliver_by)
        layout.addWidget(terms_box)
        layout.addStretch(1)

        for picker in (self.occupation, self.required, self.nice):
            picker.changed.connect(self._edited)
        self.licence.changed.connect(self._edited)
        for edit in (self.title, self.tasks, self.languages, self.company, self.address):
            edit.textEdited.connect(self._edited)
        self.contact.textEdited.connect(self._edited)
        for check in (self.include_related, self.long_term, self.shifts):
            check.toggled.connect(self._edited)
        # unemployment duration ranks only when the long-term unemployed are prioritised
        self.long_term.toggled.connect(self.weights["duration"].setEnabled)
        self.weights["duration"].setEnabled(False)
        for spin in (self.experience, self.max_commute, self.positions, self.hours):
            spin.valueChanged.connect(self._edited)
        for box in self.weights.values():
            box.valueChanged.connect(self._edited)
        for combo in (self.education, self.employment):
            combo.currentIndexChanged.connect(self._edited)
        for dt in (self.received, self.clarify_by, self.deliver_by):
            dt.dateTimeChanged.connect(self._edited)
        self.start_date.dateChanged.connect(self._edited)

    def _section(self, key: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(tr(key), self)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(6, 4, 6, 4)
        return box, form

    def _datetime(self) -> QDateTimeEdit:
        edit = QDateTimeEdit(self)
        edit.setDisplayFormat("dd-MM-yyyy HH:mm")
        edit.setCalendarPopup(True)
        return edit

    def _edited(self, *_args: Any) -> None:
        if not self._loading:
            self._timer.start()

    def pending(self) -> bool:
        """An edit waits for its debounce (tests, the controller's flush)."""
        return self._timer.isActive()

    def flush(self) -> None:
        """Emit a pending change now."""
        if self._timer.isActive():
            self._timer.stop()
            self.changed.emit()

    # -- the order <-> widgets --------------------------------------------------------------
    def set_workplace_point(self, x: float, y: float) -> None:
        """A point picked on the map becomes the workplace (it wins over company/address)."""
        wp = self._order.workplace or Workplace()
        self._order = replace(self._order, workplace=replace(wp, x=x, y=y))
        self._show_point()
        self._edited()

    def _show_point(self) -> None:
        xy = self._order.workplace_xy
        self.point_label.setText(
            tr("joborder.f.workplace_none")
            if xy is None
            else f"{fmt_decimal(xy[0] / 1000, 1)} / {fmt_decimal(xy[1] / 1000, 1)} km (UTM32)"
        )

    def set_order(self, order: JobOrder) -> None:
        """Show ``order`` without emitting ``changed``."""
        self._loading = True
        try:
            self._order = order
            self.title.setText(order.title)
            self.tasks.setText(order.tasks)
            for picker, codes in (
                (self.occupation, order.occupation_codes),
                (self.required, order.required_qualifications),
                (self.nice, order.nice_qualifications),
            ):
                picker.clear()
                for code in codes:
                    picker.add(code)
            self.include_related.setChecked(order.include_related)
            self.licence.set_categories(order.driving_licence)
            self.languages.setText(", ".join(order.languages))
            self.experience.setValue(order.min_experience_years or 0)
            idx = self.education.findData(order.education) if order.education else 0
            if idx < 0:
                self.education.addItem(order.education, order.education)
                idx = self.education.count() - 1
            self.education.setCurrentIndex(idx)
            self.long_term.setChecked(order.prioritise_long_term)
            wp = order.workplace
            self.company.setText((wp.cvr if wp else None) or order.cvr or "")
            self.address.setText((wp.address if wp else None) or "")
            self._show_point()
            self.max_commute.setValue(order.max_commute_km or 0)
            self.positions.setValue(order.positions)
            emp = order.employment or {}
            self.employment.setCurrentIndex(
                max(0, self.employment.findData(emp.get("kind") or "permanent"))
            )
            self.hours.setValue(int(emp.get("hours") or 0))
            self.shifts.setChecked(bool(emp.get("shifts")))
            start = QDate.fromString(str(emp.get("start_date") or ""), "yyyy-MM-dd")
            self.start_date.setDate(start if start.isValid() else NO_DATE)
            self.contact.setText(order.contact)
            for edit, value in (
                (self.received, order.received_at),
                (self.clarify_by, order.clarify_by),
                (self.deliver_by, order.deliver_by),
            ):
                edit.setDateTime(QDateTime(value) if value else QDateTime.currentDateTime())
        finally:
            self._loading = False

    def order(self) -> JobOrder:
        """The order the widgets show (fields the form has no widget for are kept)."""
        o = self._order
        wp = o.workplace or Workplace()
        cvr = self.company.text().strip() or None
        address = self.address.text().strip() or None
        if cvr != wp.cvr or address != wp.address:
            # A new company or address places the workplace anew (the engine looks it up);
            # a point picked on the map keeps its coordinates.
            picked = wp.xy if (wp.cvr is None and wp.address is None) else None
            wp = Workplace(
                x=picked[0] if picked else None,
                y=picked[1] if picked else None,
                cvr=cvr,
                pnr=wp.pnr if cvr == wp.cvr else None,
                address=address,
            )
        workplace = wp if (wp.xy or wp.cvr or wp.address) else None
        employment = dict(o.employment or {})
        employment.update(
            kind=self.employment.currentData(),
            hours=self.hours.value() or None,
            shifts=self.shifts.isChecked(),
            start_date=None
            if self.start_date.date() == NO_DATE
            else self.start_date.date().toString("yyyy-MM-dd"),
        )
        return replace(
            o,
            title=self.title.text().strip(),
            tasks=self.tasks.text().strip(),
            occupation_codes=list(self.occupation.codes()),
            include_related=self.include_related.isChecked(),
            required_qualifications=list(self.required.codes()),
            nice_qualifications=list(self.nice.codes()),
            driving_licence=list(self.licence.categories()),
            languages=[x.lower() for x in _split(self.languages.text())],
            min_experience_years=self.experience.value() or None,
            education=self.education.currentData(),
            prioritise_long_term=self.long_term.isChecked(),
            workplace=workplace,
            max_commute_km=self.max_commute.value() or None,
            positions=self.positions.value(),
            employment=employment,
            contact=self.contact.text().strip(),
            cvr=cvr or o.cvr,
            received_at=self._py(self.received),
            clarify_by=self._py(self.clarify_by),
            deliver_by=self._py(self.deliver_by),
        )

    @staticmethod
    def _py(edit: QDateTimeEdit) -> datetime:
        return edit.dateTime().toPython().replace(microsecond=0)

    def weights_value(self) -> Weights:
        return Weights(**{name: box.value() for name, box in self.weights.items()})

    def set_weights(self, weights: Weights) -> None:
        self._loading = True
        try:
            for name, box in self.weights.items():
                box.setValue(float(getattr(weights, name)))
        finally:
            self._loading = False
