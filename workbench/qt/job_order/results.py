"""The ranked candidates of the open job order and "Hvorfor ikke": the elimination funnel
and the single relaxation that adds the most candidates. A thin view over a
:class:`~workbench.core.matching.engine.MatchResult`."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.qt.i18n import DEFAULT_LANGUAGE, TEXTS, fmt_decimal, fmt_int, tr

COLUMNS = (
    "joborder.col.rank",
    "joborder.col.score",
    "joborder.col.candidate",
    "joborder.col.summary",
)


class MatchResultsWidget(QWidget):
    """``itemSelected(item or None)`` when the current row changes; ``addRequested(items)``
    for the rows the user wants on the shortlist."""

    itemSelected = Signal(object)
    addRequested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matchResults")
        self.items: list[Any] = []
        self.result: Any = None
        self.status = QLabel(tr("joborder.no_occupation"), self)
        self.status.setObjectName("matchStatus")
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("matchTable")
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.currentCellChanged.connect(self._on_current)
        self.table.itemSelectionChanged.connect(self._update_add)
        self.add_button = QPushButton(tr("joborder.shortlist.add"), self)
        self.add_button.setObjectName("addToShortlist")
        self.add_button.setEnabled(False)
        self.add_button.clicked.connect(lambda: self.addRequested.emit(self.selected_items()))
        self.funnel_box = QGroupBox(tr("joborder.why_not"), self)
        self.funnel = QLabel(self.funnel_box)
        self.funnel.setObjectName("matchFunnel")
        self.funnel.setWordWrap(True)
        self.funnel.setTextFormat(Qt.TextFormat.RichText)
        box_layout = QVBoxLayout(self.funnel_box)
        box_layout.setContentsMargins(6, 4, 6, 4)
        box_layout.addWidget(self.funnel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.funnel_box)

    def show_message(self, text: str) -> None:
        """A one-line state (running, an error, nothing to match yet)."""
        self.status.setText(text)

    def clear(self, message: str) -> None:
        self.result = None
        self.items = []
        self.table.setRowCount(0)
        self.funnel.setText("")
        self.status.setText(message)

    def set_result(self, result: Any) -> None:
        self.result = result
        self.items = list(result.items)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            values = (str(row + 1), fmt_decimal(item.score, 0), item.candidate_id, item.summary)
            for col, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if col < 2:
                    cell.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                cell.setToolTip(item.summary)
                self.table.setItem(row, col, cell)
        self.table.blockSignals(False)
        self.table.clearSelection()
        self.status.setText(tr("joborder.results", n=fmt_int(result.total_eligible)))
        self.funnel.setText(funnel_html(result))
        self._update_add()

    def selected_items(self) -> list[Any]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.items[r] for r in rows if r < len(self.items)]

    def select_rows(self, first: int, last: int) -> None:
        """Select rows ``first`` to ``last`` (as a shift-click does)."""
        last = min(last, self.table.rowCount() - 1)
        model = self.table.model()
        self.table.setCurrentCell(first, 0)
        self.table.selectionModel().select(
            QItemSelection(model.index(first, 0), model.index(last, len(COLUMNS) - 1)),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _update_add(self) -> None:
        self.add_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _on_current(self, row: int, *_args: Any) -> None:
        self.itemSelected.emit(self.items[row] if 0 <= row < len(self.items) else None)


def criterion_label(key: str, fallback: str) -> str:
    """A funnel criterion in the UI's language (the engine's labels are Danish)."""
    msg_id = f"joborder.criterion.{key}"
    return tr(msg_id) if msg_id in TEXTS[DEFAULT_LANGUAGE] else fallback


def funnel_html(result: Any) -> str:
    """The funnel as lines "criterion: remaining" and the best relaxation."""
    e = html.escape
    lines = []
    for step in result.funnel:
        line = tr(
            "joborder.funnel_step",
            label=criterion_label(step.criterion, step.label),
            n=fmt_int(step.remaining),
        )
        if getattr(step, "added", None):
            line += " " + tr("joborder.funnel_related", n=fmt_int(step.added))
        lines.append(e(line))
    relax = result.best_relaxation
    if relax is not None and relax.added > 0:
        if relax.criterion == "include_related":
            what = tr("joborder.f.include_related").lower()
        else:
            what = tr(
                "joborder.relax_without",
                label=criterion_label(relax.criterion, relax.label).lower(),
            )
        lines.append("<b>" + e(tr("joborder.relax", label=what, n=fmt_int(relax.added))) + "</b>")
    else:
        lines.append(f"<i>{e(tr('joborder.no_relax'))}</i>")
    hidden = int((result.excluded or {}).get("not_searchable", 0))
    if hidden:
        lines.append(f"<span style='color:#556'>{e(tr('joborder.not_searchable', n=fmt_int(hidden)))}</span>")  # fmt: skip
    return "<br>".join(lines)


def criteria_html(item: Any, rank: int) -> str:
    """The details pane's view of one ranked candidate: each criterion met or unmet."""
    e = html.escape
    sections: dict[bool, list[str]] = {True: [], False: []}
    for c in item.criteria:
        mark, colour = ("✔", "#1b7a3a") if c.met else ("✘", "#b3261e")
        state = tr("joborder.criterion_met" if c.met else "joborder.criterion_unmet")
        detail = f" <span style='color:#556'>({e(str(c.detail))})</span>" if c.detail else ""
        sections[bool(getattr(c, "required", True))].append(
            f"<tr><td width='18' style='color:{colour}' title='{e(state)}'>{mark}</td>"
            f"<td>{e(c.label)}{detail}</td></tr>"
        )
    rows = []
    for required, key in ((True, "joborder.f.required"), (False, "joborder.f.nice")):
        if sections[required]:
            rows.append(f"<tr><td colspan='2'><b>{e(tr(key))}</b></td></tr>")
            rows.extend(sections[required])
    head = e(tr("joborder.detail_title", id=item.candidate_id))
    if rank:
        score = e(tr("joborder.detail_score", score=fmt_decimal(item.score, 0), rank=rank))
    else:  # picked on the map, not among the ranked list
        score = e(tr("joborder.detail_score_unranked", score=fmt_decimal(item.score, 0)))
    if item.required_met < item.required_total:
        score += f"<br><span style='color:#b3261e'>{e(tr('joborder.detail_not_eligible'))}</span>"
    reasons = "".join(f"<li>{e(r)}</li>" for r in item.reasons)
    return (
        f"<h3>{head}</h3><p>{score}<br><b>{e(item.summary)}</b></p>"
        f"<table>{''.join(rows)}</table>" + (f"<ul>{reasons}</ul>" if reasons else "")
    )
