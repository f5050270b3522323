"""The "Virksomheder i nærheden" dock: the reverse search for one candidate
(:mod:`workbench.core.reverse_search`), run off the GUI thread, as a ranked list with the
reasons. The window shows the same companies in its table and on the map."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.reverse_search import Lead, Reason, ReverseSearchResult, reverse_search
from workbench.qt.i18n import fmt_decimal, fmt_int, tr

RunInBackground = Callable[[Callable[[Any], Any], Callable[[Any], None]], None]
LISTED = 300  # leads listed (all of them go to the table and the map)


def reason_line(reason: Reason) -> str:
    values = dict(reason.values)
    if "kinds" in values:
        values["kinds"] = ", ".join(values["kinds"]) or "-"
    if "km" in values:
        values["km"] = fmt_decimal(values["km"])
    return tr(f"pools.why.{reason.key}", **values)


class NearbyDock(QDockWidget):
    """``search(candidate_id)`` runs the reverse search; ``resultReady(result)`` when it
    is back, ``companyChosen(lead)`` when a company in the list is clicked."""

    resultReady = Signal(object)
    companyChosen = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        run_in_background: RunInBackground,
        *,
        today: Any = None,
        radius_km: float = 25.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(tr("pools.nearby_title"), parent)
        self.setObjectName("nearbyDock")
        self.run_in_background = run_in_background
        self.today = today
        self.radius_km = radius_km
        self.result: ReverseSearchResult | None = None
        self._pending = 0
        body = QWidget(self)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(4, 4, 4, 4)
        self.head = QLabel(tr("pools.nearby_hint"), body)
        self.head.setWordWrap(True)
        self.list = QListWidget(body)
        self.list.setObjectName("nearbyList")
        self.list.setWordWrap(True)
        self.list.setMinimumHeight(40)  # the right column must fit a small screen
        self.list.itemClicked.connect(self._on_clicked)
        lay.addWidget(self.head)
        lay.addWidget(self.list, 1)
        self.setWidget(body)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)

    def search(self, candidate_id: str) -> None:
        self._pending += 1
        self.head.setText(tr("pools.nearby_busy"))
        radius, today = self.radius_km, self.today

        def work(cur: Any) -> Any:
            return reverse_search(
                cur, candidate_id, radius_km=radius, today=today, limit=None, cursor=cur
            )

        self.run_in_background(work, self._done)

    def _done(self, result: Any) -> None:
        self._pending -= 1
        if isinstance(result, BaseException):
            self.head.setText(str(result).splitlines()[0])
            self.message.emit(str(result).splitlines()[0])
            return
        self.show_result(result)
        self.resultReady.emit(result)

    def show_result(self, result: ReverseSearchResult) -> None:
        self.result = result
        self.list.clear()
        km = fmt_decimal(result.radius_km, 0)
        if not result.leads:
            self.head.setText(tr("pools.nearby_none", km=km))
            return
        head = tr(
            "pools.nearby_head", n=fmt_int(len(result.leads)), km=km, candidate=result.candidate_id
        )
        if len(result.leads) > LISTED:
            head += " " + tr("pools.nearby_listed", n=LISTED)
        self.head.setText(head)
        for lead in result.leads[:LISTED]:
            item = QListWidgetItem(self._text(lead))
            item.setData(Qt.ItemDataRole.UserRole, lead)
            item.setToolTip(html.escape(f"CVR {lead.cvr} · P {lead.pnr or '-'}"))
            self.list.addItem(item)

    @staticmethod
    def _text(lead: Lead) -> str:
        return "\n".join([lead.name or lead.cvr, *("  · " + reason_line(r) for r in lead.reasons)])

    def _on_clicked(self, item: QListWidgetItem) -> None:
        self.companyChosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def is_idle(self) -> bool:
        return self._pending == 0
