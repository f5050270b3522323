"""The "Kampagner" dock: create a campaign from the current company filter or the map
selection, see its targets ranked with the score's components, assign them, set statuses
(with a note; the history is kept in the cache), follow the progress, plan a consultant's
day and export. All campaign logic is in ``workbench.core.campaigns``; work that reads or
writes many rows runs as a background task with its own cursor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core import campaigns as camp
from workbench.core.campaigns.exports import write_call_list, write_geopackage, write_ical
from workbench.core.campaigns.visits import DayVisits
from workbench.core.filters import Filter
from workbench.core.store import Store
from workbench.qt.i18n import fmt_int, tr

SHOWN_TARGETS = 500  # rows in the table (the best-scored); exports hold all of them

COLUMNS = (
    "rank",
    "score",
    "name",
    "status",
    "assigned_to",
    "supply",
    "shortage",
    "postings",
    "contact",
    "advertising",
    "cvr",
)


def status_label(key: str) -> str:
    return tr(f"campaign.status.{key}")


class CampaignDock(QDockWidget):
    """``store_for(cursor)`` gives a Store on a cursor; ``run_in_background(fn, callback)``
    runs ``fn(cursor)`` off the GUI thread and calls ``callback`` with its result (or the
    exception) on it; ``current_filter()`` is the window's filter with its selection."""

    campaignLoaded = Signal(str)  # the targets of this campaign are in the table
    failed = Signal(str)  # a one-line message shown in the dock

    def __init__(
        self,
        *,
        cursor: Callable[[], Any],
        run_in_background: Callable[[Callable[[Any], Any], Callable[[Any], None]], None],
        current_filter: Callable[[], Filter],
        current_selection: Callable[[], Any],
        today: date,
        jobcenter: str | None = None,
        user: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(tr("campaign.title"), parent)
        self.setObjectName("campaignDock")
        self.cursor = cursor
        self.run_in_background = run_in_background
        self.current_filter = current_filter
        self.current_selection = current_selection
        self.today = today
        self.jobcenter = jobcenter
        self.user = user
        self.rows: list[dict[str, Any]] = []

        body = QWidget(self)
        self._layout = lay = QVBoxLayout(body)
        lay.setContentsMargins(4, 4, 4, 4)

        pick = QHBoxLayout()
        pick.addWidget(QLabel(tr("campaign.campaign"), body))
        self.campaigns = QComboBox(body)
        pick.addWidget(self.campaigns, 1)
        lay.addLayout(pick)
        self.message = QLabel("", body)
        self.message.setWordWrap(True)
        self.message.setObjectName("campaignMessage")
        lay.addWidget(self.message)
        self.progress_label = QLabel("", body)
        self.progress_label.setWordWrap(True)
        lay.addWidget(self.progress_label)

        # The targets get the room; creating and the day's visits are tabs beside them.
        self.pages = QTabWidget(body)
        lay.addWidget(self.pages, 1)

        targets_page = QWidget(body)
        tl = QVBoxLayout(targets_page)
        tl.setContentsMargins(2, 2, 2, 2)
        self.table = QTableWidget(0, len(COLUMNS), targets_page)
        self.table.setHorizontalHeaderLabels([tr(f"campaign.col.{c}") for c in COLUMNS])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        tl.addWidget(self.table, 1)
        act = QGridLayout()
        self.consultant = QLineEdit(targets_page)
        self.consultant.setPlaceholderText(tr("campaign.consultant_ph"))
        self.assign_button = QPushButton(tr("campaign.assign"), targets_page)
        self.status_box = QComboBox(targets_page)
        for key in camp.STATUSES:
            self.status_box.addItem(status_label(key), key)
        self.note_edit = QLineEdit(targets_page)
        self.note_edit.setPlaceholderText(tr("campaign.note_ph"))
        self.status_button = QPushButton(tr("campaign.set_status"), targets_page)
        act.addWidget(self.consultant, 0, 0)
        act.addWidget(self.assign_button, 0, 1)
        act.addWidget(self.status_box, 1, 0)
        act.addWidget(self.status_button, 1, 1)
        act.addWidget(self.note_edit, 2, 0, 1, 2)
        tl.addLayout(act)
        self.pages.addTab(targets_page, tr("campaign.page_targets"))

        day_page = QWidget(body)
        dl = QVBoxLayout(day_page)
        dl.setContentsMargins(2, 2, 2, 2)
        self.day_button = QPushButton(tr("campaign.day_visits"), day_page)
        dl.addWidget(self.day_button)
        self.visits = QListWidget(day_page)
        dl.addWidget(self.visits, 1)
        exp = QGridLayout()
        self.ical_button = QPushButton(tr("campaign.export_ical"), day_page)
        self.csv_button = QPushButton(tr("campaign.export_calls"), day_page)
        self.gpkg_button = QPushButton(tr("campaign.export_gpkg"), day_page)
        exp.addWidget(self.ical_button, 0, 0)
        exp.addWidget(self.csv_button, 0, 1)
        exp.addWidget(self.gpkg_button, 1, 0, 1, 2)
        dl.addLayout(exp)
        self.pages.addTab(day_page, tr("campaign.page_day"))

        new_page = QWidget(body)
        nl = QVBoxLayout(new_page)
        nl.setContentsMargins(2, 2, 2, 2)
        self.name_edit = QLineEdit(new_page)
        self.name_edit.setPlaceholderText(tr("campaign.name_ph"))
        self.policy = QComboBox(new_page)
        for key in camp.ADVERTISING_POLICIES:
            self.policy.addItem(tr(f"campaign.policy.{key}"), key)
        self.policy.setToolTip(camp.ADVERTISING_NOTE)
        self.from_filter = QPushButton(tr("campaign.from_filter"), new_page)
        self.from_selection = QPushButton(tr("campaign.from_selection"), new_page)
        nl.addWidget(self.name_edit)
        nl.addWidget(self.policy)
        buttons = QHBoxLayout()
        buttons.addWidget(self.from_filter)
        buttons.addWidget(self.from_selection)
        nl.addLayout(buttons)
        hint = QLabel(tr("campaign.new_hint"), new_page)
        hint.setWordWrap(True)
        nl.addWidget(hint)
        nl.addStretch(1)
        self.pages.addTab(new_page, tr("campaign.page_new"))
        # In a scroll area: the dock shares the right column with the layers and must not
        # widen it (or make the window taller) with its buttons and table.
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.setWidget(scroll)

        self.from_filter.clicked.connect(lambda: self.create(use_filter=True))
        self.from_selection.clicked.connect(lambda: self.create(use_filter=False))
        self.campaigns.currentIndexChanged.connect(lambda _i: self.load(self.campaign_name()))
        self.assign_button.clicked.connect(self.assign_selected)
        self.status_button.clicked.connect(self.set_status_selected)
        self.day_button.clicked.connect(self.plan_day)
        self.ical_button.clicked.connect(lambda: self.ask_export("ics"))
        self.csv_button.clicked.connect(lambda: self.ask_export("xlsx"))
        self.gpkg_button.clicked.connect(lambda: self.ask_export("gpkg"))
        self.failed.connect(self._show_error)
        self._day: DayVisits | None = None
        self.refresh_list()

    # -- helpers -----------------------------------------------------------------------
    def add_header_widget(self, widget: QWidget) -> None:
        """A row above the campaign picker (the team sync: qt/team_sync.py)."""
        self._layout.insertWidget(0, widget)

    def store(self) -> Store:
        return Store.wrap(self.cursor())

    def campaign_name(self) -> str | None:
        return self.campaigns.currentData()

    def _show_error(self, message: str) -> None:
        self.message.setText(message)

    def refresh_list(self, select: str | None = None) -> None:
        names = camp.list_campaigns(self.store())
        self.campaigns.blockSignals(True)
        self.campaigns.clear()
        for n in names:
            self.campaigns.addItem(n, n)
        self.campaigns.blockSignals(False)
        if select in names:
            self.campaigns.setCurrentIndex(names.index(select))
        if names:
            self.load(self.campaign_name())
        else:
            self.message.setText(tr("campaign.none_yet"))
            self.pages.setCurrentIndex(self.pages.count() - 1)

    # -- create ------------------------------------------------------------------------
    def create(self, *, use_filter: bool) -> None:
        name = self.name_edit.text().strip()
        if not name:
            self.failed.emit(tr("campaign.err_name"))
            return
        selection = self.current_selection()
        if not use_filter and selection is None:
            self.failed.emit(tr("campaign.err_no_selection"))
            return
        flt = self.current_filter().with_selection(None) if use_filter else Filter()
        if selection is not None:
            flt = flt.with_selection(selection)
        policy = self.policy.currentData()
        today, jobcenter, user = self.today, self.jobcenter, self.user
        self.message.setText(tr("campaign.creating", name=name))

        def work(cur: Any) -> Any:
            return camp.create_campaign(
                Store.wrap(cur),
                name,
                flt=flt,
                jobcenter=jobcenter,
                created_by=user,
                advertising_policy=policy,
                today=today,
            )

        self.run_in_background(work, self._created)

    def _created(self, result: Any) -> None:
        if isinstance(result, camp.CampaignError) and "matches no company" in str(result):
            self.failed.emit(tr("campaign.err_empty"))
            return
        if isinstance(result, BaseException):
            self.failed.emit(str(result))
            return
        self.name_edit.clear()
        self.refresh_list(select=result.campaign.name)
        self.pages.setCurrentIndex(0)

    # -- show --------------------------------------------------------------------------
    def load(self, name: str | None) -> None:
        if not name:
            return
        store = self.store()
        self.rows = camp.targets(store, name, limit=SHOWN_TARGETS)
        self._fill_table()
        self._show_progress(camp.progress(store, name))
        campaign = camp.load_campaign(store, name)
        self.message.setText(tr(f"campaign.policy_says.{campaign.advertising_policy}"))
        self.campaignLoaded.emit(name)

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            comp = r["components"]
            days = comp.get("days_since_contact")
            values = {
                "rank": fmt_int(r["rank"]),
                "name": r["name"] or "",
                "cvr": r["cvr"] + (f" / {r['pnr']}" if r["pnr"] else ""),
                "score": f"{r['score']:.1f}",
                "supply": fmt_int(comp.get("supply", 0)),
                "shortage": tr(f"campaign.shortage.{comp['shortage']}")
                if comp.get("shortage")
                else "",
                "postings": fmt_int(comp.get("postings", 0)),
                "contact": tr("campaign.never") if days is None else fmt_int(days),
                "status": status_label(r["status"]),
                "assigned_to": r["assigned_to"] or "",
                "advertising": tr("campaign.protected") if r["advertising_protected"] else "",
            }
            for j, col in enumerate(COLUMNS):
                item = QTableWidgetItem(values[col])
                if col in ("rank", "score", "supply", "postings", "contact"):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if col == "score":
                    item.setToolTip(self._score_tip(comp))
                if col == "advertising" and r["advertising_protected"]:
                    item.setToolTip(camp.ADVERTISING_NOTE)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()

    @staticmethod
    def _score_tip(comp: dict[str, Any]) -> str:
        pts = comp.get("points", {})
        lines = [
            tr("campaign.tip_supply", n=comp.get("supply", 0), km=comp.get("radius_km", 25),
               p=pts.get("supply", 0)),
            tr("campaign.tip_shortage", p=pts.get("shortage", 0)) + (
                "" if comp.get("shortage_available") else " " + tr("campaign.tip_no_shortage")
            ),
            tr("campaign.tip_postings", n=comp.get("postings", 0), p=pts.get("postings", 0)),
            tr("campaign.tip_contact", p=pts.get("contact", 0)),
        ]  # fmt: skip
        return "\n".join(lines)

    def _show_progress(self, data: dict[str, Any]) -> None:
        t = data["total"]
        parts = [tr("campaign.progress_total", reached=t["reached"], targets=t["targets"])]
        for row in data["by_consultant"]:
            who = row["assigned_to"] or tr("campaign.unassigned")
            parts.append(f"{who}: {row['reached']}/{row['targets']}")
        self.progress_label.setText(" · ".join(parts))

    def selected_targets(self) -> list[dict[str, Any]]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.rows[i] for i in rows if i < len(self.rows)]

    # -- actions -----------------------------------------------------------------------
    def assign_selected(self) -> None:
        name, chosen = self.campaign_name(), self.selected_targets()
        if not name or not chosen:
            self.failed.emit(tr("campaign.err_pick"))
            return
        who = self.consultant.text().strip() or None
        camp.assign(self.store(), name, who, cvrs=[(r["cvr"], r["pnr"]) for r in chosen])
        self.load(name)

    def set_status_selected(self) -> None:
        name, chosen = self.campaign_name(), self.selected_targets()
        if not name or not chosen:
            self.failed.emit(tr("campaign.err_pick"))
            return
        status = self.status_box.currentData()
        note = self.note_edit.text().strip() or None
        for r in chosen:
            camp.set_status(
                self.store(), name, r["cvr"], status, pnr=r["pnr"], by=self.user, note=note
            )
        self.note_edit.clear()
        self.load(name)

    def plan_day(self) -> None:
        name = self.campaign_name()
        who = self.consultant.text().strip()
        if not name or not who:
            self.failed.emit(tr("campaign.err_consultant"))
            return
        self._day = camp.day_visits(self.store(), name, who)
        self.visits.clear()
        for i, v in enumerate(self._day.visits, 1):
            self.visits.addItem(f"{i}. {v['name'] or v['cvr']} – {v['address'] or ''}")
        if not self._day.visits:
            self.visits.addItem(tr("campaign.no_visits", who=who))

    # -- exports -----------------------------------------------------------------------
    def ask_export(self, kind: str) -> QFileDialog | None:
        name = self.campaign_name()
        if not name:
            return None
        filters = {
            "xlsx": tr("campaign.filter_calls"),
            "ics": tr("campaign.filter_ical"),
            "gpkg": tr("campaign.filter_gpkg"),
        }
        dialog = QFileDialog(self, tr("campaign.export_title"), f"{name}.{kind}", filters[kind])
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(lambda path: self.export(kind, Path(path)))
        dialog.open()
        return dialog

    def export(self, kind: str, path: Path) -> int:
        """Write the export ``kind`` (csv/xlsx, ics, gpkg) of the shown campaign to ``path``."""
        name = self.campaign_name()
        if not name:
            return 0
        store = self.store()
        who = self.consultant.text().strip() or None
        if kind == "ics":
            if self._day is None or not self._day.visits:
                self.plan_day()
            visits = self._day.visits if self._day else []
            n = write_ical(path, name, visits, day=self.today)
        elif kind == "gpkg":
            n = write_geopackage(store, name, path, assigned_to=who)
        else:
            n = write_call_list(store, name, path, assigned_to=who)
        self.message.setText(tr("campaign.exported", n=n, path=path.name))
        return n
