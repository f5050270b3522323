"""The company detail pane: current and historical facts, production units, job postings of
the last two years, collaboration history and a link to the company's public CVR page.

All data comes from :func:`workbench.core.company_detail.company_detail`; this widget only
lays it out (Danish labels; English when the UI language is English).
"""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any

import duckdb
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core.company_detail import company_detail
from workbench.layers.styling import COLLABORATION
from workbench.qt.i18n import language, tr

FACTS: list[tuple[str, str]] = [
    ("cvr", "CVR-nummer"),
    ("pnr", "P-nummer"),
    ("address", "Adresse"),
    ("kommune", "Kommune"),
    ("industry", "Branche (DB07)"),
    ("industry_db25", "Branche (DB25)"),
    ("employees", "Ansatte"),
    ("status", "Status"),
    ("started", "Startdato"),
    ("company_form", "Virksomhedsform"),
    ("advertising_protected", "Reklamebeskyttet"),
    ("placement", "Placering på kortet"),
    ("collaboration", "Samarbejde"),
]

HISTORY_FIELDS = {
    "navn": "Navn",
    "adresse": "Adresse",
    "branche": "Branche",
    "status": "Status",
    "virksomhedsform": "Virksomhedsform",
}


# English for the Danish texts of this widget (Danish is the source language, as in gettext).
_EN: dict[str, str] = {
    "CVR-nummer": "CVR number",
    "P-nummer": "P number",
    "Adresse": "Address",
    "Kommune": "Municipality",
    "Branche (DB07)": "Industry (DB07)",
    "Branche (DB25)": "Industry (DB25)",
    "Ansatte": "Employees",
    "Status": "Status",
    "Startdato": "Start date",
    "Virksomhedsform": "Company form",
    "Reklamebeskyttet": "Advertising protected",
    "Placering på kortet": "Placed on the map",
    "Navn": "Name",
    "Branche": "Industry",
    "Ja": "Yes",
    "Nej": "No",
    "Ingen virksomhed valgt": "No company selected",
    "Nuværende oplysninger": "Current facts",
    "Oplysning": "Fact",
    "Værdi": "Value",
    "Fra": "From",
    "Til": "To",
    "Placering": "Placement",
    "Titel": "Title",
    "Stilling": "Occupation",
    "Oprettet": "Posted",
    "Ansøgningsfrist": "Deadline",
    "Type": "Kind",
    "Jobcenter": "Jobcentre",
    "Start": "Start",
    "Slut": "End",
    "Note": "Note",
    "Historik": "History",
    "Produktionsenheder": "Production units",
    "Jobopslag (2 år)": "Job postings (2 years)",
    "Samarbejde": "Collaboration",
    "nu": "now",
    "placeret": "placed",
    "ikke placeret": "not placed",
    "findes ikke i cachen": "is not in the cache",
    "Se virksomheden i CVR (datacvr.virk.dk)": "See the company in CVR (datacvr.virk.dk)",
}


def _t(danish: str) -> str:
    return _EN.get(danish, danish) if language() == "en" else danish


def _text(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _t("Ja") if value else _t("Nej")
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _join(*parts: Any, sep: str = " ") -> str | None:
    kept = [str(p) for p in parts if p not in (None, "")]
    return sep.join(kept) if kept else None


def collaboration_text(summary: dict[str, Any]) -> str:
    """The company's collaboration status in the legend's words, and where: a collaboration
    with any unit counts for the company (core.collaboration), so say at which unit."""
    cls = next(c for c in COLLABORATION.classes if c.key == summary["status"])
    text = cls.label_da if language() == "da" else cls.label_en
    where = []
    if summary["at_unit"]:
        where.append(tr("company.collab_this_unit"))
    if summary["other_units"]:
        where.append(tr("company.collab_other_units", pnrs=", ".join(summary["other_units"])))
    if summary["company_level"]:
        where.append(tr("company.collab_company_level"))
    return f"{text} ({'; '.join(where)})" if where else text


def _unit_text(collab_pnr: Any, shown_pnr: Any) -> str:
    if collab_pnr in (None, ""):
        return tr("company.collab_whole_company")
    if shown_pnr is not None and str(collab_pnr) == str(shown_pnr):
        return f"{collab_pnr} ({tr('company.collab_this_unit')})"
    return str(collab_pnr)


class CompanyDetailWidget(QWidget):
    """Shows one company (or production unit); call :meth:`show_company`."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.detail: dict[str, Any] = {}
        layout = QVBoxLayout(self)

        self.title_label = QLabel(_t("Ingen virksomhed valgt"))
        self.title_label.setObjectName("companyTitle")
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title_label)

        self.link_label = QLabel()
        self.link_label.setObjectName("companyCvrLink")
        self.link_label.setOpenExternalLinks(True)
        self.link_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.link_label)

        box = QGroupBox(_t("Nuværende oplysninger"))
        form = QFormLayout(box)
        self.facts: dict[str, QLabel] = {}
        for key, label in FACTS:
            value = QLabel("–")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts[key] = value
            form.addRow(f"{_t(label)}:", value)
        layout.addWidget(box)

        self.tabs = QTabWidget()
        self.history_table = self._table([_t("Oplysning"), _t("Værdi"), _t("Fra"), _t("Til")])
        self.units_table = self._table(
            [
                _t("P-nummer"),
                _t("Navn"),
                _t("Adresse"),
                _t("Kommune"),
                _t("Ansatte"),
                _t("Status"),
                _t("Placering"),
            ]
        )
        self.postings_table = self._table(
            [_t("Titel"), _t("Stilling"), _t("Oprettet"), _t("Ansøgningsfrist")]
        )
        self.collaborations_table = self._table(
            [
                _t("Type"),
                _t("Jobcenter"),
                _t("Start"),
                _t("Slut"),
                _t("Status"),
                _t("Note"),
                tr("company.collab_unit"),
            ]
        )
        self.tabs.addTab(self.history_table, _t("Historik"))
        self.tabs.addTab(self.units_table, _t("Produktionsenheder"))
        self.tabs.addTab(self.postings_table, _t("Jobopslag (2 år)"))
        self.tabs.addTab(self.collaborations_table, _t("Samarbejde"))
        layout.addWidget(self.tabs, 1)

    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    @staticmethod
    def _fill(table: QTableWidget, rows: list[list[Any]]) -> None:
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.setItem(r, c, QTableWidgetItem(_text(value)))
        table.resizeColumnsToContents()

    def show_company(
        self,
        con: duckdb.DuckDBPyConnection,
        cvr: str | int,
        pnr: str | int | None = None,
        *,
        today: date | None = None,
    ) -> dict[str, Any]:
        """Load and show the company; returns the detail dict it shows."""
        d = company_detail(con, cvr, pnr, today=today)
        self.detail = d
        cur = d["current"]
        if not d["found"]:
            self.title_label.setText(f"CVR {d['cvr']} {_t('findes ikke i cachen')}")
        else:
            self.title_label.setText(d["name"] or f"CVR {d['cvr']}")
        url = html.escape(d["cvr_url"], quote=True)
        self.link_label.setText(
            f'<a href="{url}">{_t("Se virksomheden i CVR (datacvr.virk.dk)")}</a>'
        )
        self.link_label.setToolTip(d["cvr_url"])
        employees = _join(
            cur.get("employees"),
            f"({cur['employees_band']})" if cur.get("employees_band") else None,
        )
        values = {
            "cvr": d["cvr"],
            "pnr": cur.get("pnr"),
            "address": cur.get("address"),
            "kommune": _join(
                cur.get("kommune_navn"),
                f"({cur['kommune_kode']})" if cur.get("kommune_kode") else None,
            ),
            # industry_code is DB25 for CVR periods from 2025: then it shows under DB25 only
            "industry": None
            if cur.get("industry_system") == "DB25"
            else _join(cur.get("industry_code"), cur.get("industry_text")),
            "industry_db25": _join(cur.get("industry_code_db25"), cur.get("industry_text_db25")),
            "employees": employees,
            "status": cur.get("status"),
            "started": cur.get("started"),
            "company_form": cur.get("company_form"),
            "advertising_protected": cur.get("advertising_protected"),
            "placement": (
                None
                if not d["found"]
                else _t("placeret")
                if cur.get("placed")
                else cur.get("placement_note") or _t("ikke placeret")
            ),
            "collaboration": collaboration_text(d["collaboration"]) if d["found"] else None,
        }
        for key, label in self.facts.items():
            label.setText(_text(values.get(key)))
        self._fill(
            self.history_table,
            [
                [
                    _t(HISTORY_FIELDS.get(h["field"], h["field"])),
                    h["value"],
                    h["valid_from"],
                    h["valid_to"] or _t("nu"),
                ]
                for h in d["history"]
            ],
        )
        self._fill(
            self.units_table,
            [
                [
                    u["pnr"],
                    u["name"],
                    u["address"],
                    u.get("kommune_navn") or u.get("kommune_kode"),
                    _join(
                        u.get("employees"),
                        f"({u['employees_band']})" if u.get("employees_band") else None,
                    ),
                    u["status"],
                    _t("placeret")
                    if u["placed"]
                    else (u.get("placement_note") or _t("ikke placeret")),
                ]
                for u in d["production_units"]
            ],
        )
        self._fill(
            self.postings_table,
            [
                [
                    p.get("title"),
                    p.get("occupation_title") or p.get("occupation_code"),
                    p.get("posted"),
                    p.get("deadline"),
                ]
                for p in d["postings"]
            ],
        )
        self._fill(
            self.collaborations_table,
            [
                [
                    c["kind"],
                    c["jobcenter"],
                    c["started"],
                    c["ended"],
                    c["status"],
                    c["note"],
                    _unit_text(c.get("pnr"), d["pnr"]),
                ]
                for c in d["collaborations"]
            ],
        )
        return d
