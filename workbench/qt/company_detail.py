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
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workbench.core.campaigns.visit_prep import prepare_visit
from workbench.core.company_detail import company_detail
from workbench.layers.styling import COLLABORATION
from workbench.qt.i18n import language, tr

FACTS: list[tuple[str, str]] = [  # (key, message id)
    ("cvr", "company.l_cvr_number"),
    ("pnr", "company.l_p_number"),
    ("address", "company.l_address"),
    ("kommune", "company.l_municipality"),
    ("industry", "company.l_industry_db07"),
    ("industry_db25", "company.l_industry_db25"),
    ("employees", "company.l_employees"),
    ("status", "company.l_status"),
    ("started", "company.l_start_date"),
    ("company_form", "company.l_company_form"),
    ("advertising_protected", "company.l_advertising_protected"),
    ("placement", "company.l_placed_on_the_map"),
    ("collaboration", "company.l_collaboration"),
]

HISTORY_FIELDS = {
    "navn": "company.l_name",
    "adresse": "company.l_address",
    "branche": "company.l_industry",
    "status": "company.l_status",
    "virksomhedsform": "company.l_company_form",
}


def _text(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return tr("company.l_yes") if value else tr("company.l_no")
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

        self.title_label = QLabel(tr("company.l_no_company_selected"))
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

        box = QGroupBox(tr("company.l_current_facts"))
        form = QFormLayout(box)
        self.facts: dict[str, QLabel] = {}
        for key, label in FACTS:
            value = QLabel("–")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts[key] = value
            form.addRow(f"{tr(label)}:", value)
        layout.addWidget(box)

        self.tabs = QTabWidget()
        self.history_table = self._table(
            [tr("company.l_fact"), tr("company.l_value"), tr("company.l_from"), tr("company.l_to")]
        )
        self.units_table = self._table(
            [
                tr("company.l_p_number"),
                tr("company.l_name"),
                tr("company.l_address"),
                tr("company.l_municipality"),
                tr("company.l_employees"),
                tr("company.l_status"),
                tr("company.l_placement"),
            ]
        )
        self.postings_table = self._table(
            [
                tr("company.l_title"),
                tr("company.l_occupation"),
                tr("company.l_posted"),
                tr("company.l_deadline"),
            ]
        )
        self.collaborations_table = self._table(
            [
                tr("company.l_kind"),
                tr("company.l_jobcentre"),
                tr("company.l_start"),
                tr("company.l_end"),
                tr("company.l_status"),
                tr("company.l_note"),
                tr("company.collab_unit"),
            ]
        )
        self.tabs.addTab(self.history_table, tr("company.l_history"))
        self.tabs.addTab(self.units_table, tr("company.l_production_units"))
        self.tabs.addTab(self.postings_table, tr("company.l_job_postings_2_years"))
        self.tabs.addTab(self.collaborations_table, tr("company.l_collaboration"))
        # "Forbered besøg" (issue #16): ongoing work, campaigns, matching candidates, series
        self.jobcenter: str | None = None  # the user's jobcenter: own/other, its candidates
        self.visit_prep = QTextBrowser()
        self.visit_prep.setObjectName("companyVisitPrep")
        self.tabs.addTab(self.visit_prep, tr("campaign.prep_tab"))
        self.prep: dict[str, Any] = {}
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
        scope: Any = None,
    ) -> dict[str, Any]:
        """Load and show the company; returns the detail dict it shows. Other jobcenters'
        collaborations show without status and note unless shared (``scope``, issue #15)."""
        d = company_detail(con, cvr, pnr, today=today, scope=scope)
        self.detail = d
        cur = d["current"]
        if not d["found"]:
            self.title_label.setText(f"CVR {d['cvr']} {tr('company.l_is_not_in_the_cache')}")
        else:
            self.title_label.setText(d["name"] or f"CVR {d['cvr']}")
        url = html.escape(d["cvr_url"], quote=True)
        self.link_label.setText(
            f'<a href="{url}">{tr("company.l_see_the_company_in_cvr_datacvr_v")}</a>'
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
                else tr("company.l_placed")
                if cur.get("placed")
                else cur.get("placement_note") or tr("company.l_not_placed")
            ),
            "collaboration": collaboration_text(d["collaboration"]) if d["found"] else None,
        }
        for key, label in self.facts.items():
            label.setText(_text(values.get(key)))
        self._fill(
            self.history_table,
            [
                [
                    tr(HISTORY_FIELDS.get(h["field"], h["field"])),
                    h["value"],
                    h["valid_from"],
                    h["valid_to"] or tr("company.l_now"),
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
                    tr("company.l_placed")
                    if u["placed"]
                    else (u.get("placement_note") or tr("company.l_not_placed")),
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
                    tr("privacy.not_shared") if c.get("redacted") else c["status"],
                    "" if c.get("redacted") else c["note"],
                    _unit_text(c.get("pnr"), d["pnr"]),
                ]
                for c in d["collaborations"]
            ],
        )
        self.prep = prepare_visit(
            con, d["cvr"], d["pnr"], today=today or date.today(), jobcenter=self.jobcenter
        )
        self.visit_prep.setHtml(visit_prep_html(self.prep))
        return d


def visit_prep_html(prep: dict[str, Any]) -> str:
    """The "Forbered besøg" tab as HTML (escaped values)."""
    e = html.escape

    def section(title: str, lines: list[str]) -> str:
        body = "<br>".join(lines) if lines else e(tr("campaign.prep_none"))
        return f"<p><b>{e(title)}</b><br>{body}</p>"

    def collab_line(t: dict[str, Any]) -> str:
        whose = tr("campaign.prep_own") if t["own"] else tr("campaign.prep_other")
        span = f"{_text(t['started'])} – {_text(t['ended']) if t['ended'] else tr('company.l_now')}"
        return e(f"{t['kind'] or '–'} · {t['jobcenter'] or '–'} ({whose}) · {span}")

    supply = tr(
        "campaign.prep_supply_line",
        n=prep["supply"],
        km=f"{prep['radius_km']:g}",
        codes=", ".join(prep["typical_occupations"]) or "–",
    )
    if prep["supply_jobcenter"]:
        supply += " " + tr("campaign.prep_supply_jobcenter", jobcenter=prep["supply_jobcenter"])
    sizes = [e(f"{_text(s['valid_from'])}: {s['employees']}") for s in prep["size_history"]] or [
        e(
            _join(
                prep["employees"], f"({prep['employees_band']})" if prep["employees_band"] else None
            )
            or "–"
        )
    ]
    return "".join(
        [
            section(tr("campaign.prep_ongoing"), [collab_line(t) for t in prep["ongoing"]]),
            section(
                tr("campaign.prep_open_postings", n=len(prep["open_postings"])),
                [
                    e(f"{p['title'] or p['occupation_code']} ({_text(p['posted'])})")
                    for p in prep["open_postings"][:10]
                ],
            ),
            section(tr("campaign.prep_supply"), [e(supply)]),
            section(
                tr("campaign.prep_campaigns"),
                [
                    e(
                        f"{c['campaign']}: {tr('campaign.status.' + c['status'])}"
                        + (f" ({c['assigned_to']})" if c["assigned_to"] else "")
                    )
                    for c in prep["campaigns"]
                ],
            ),
            section(
                tr("campaign.prep_postings_by_month"),
                [e(" · ".join(f"{m['month']}: {m['postings']}" for m in prep["postings_by_month"]))]
                if prep["postings_by_month"]
                else [],
            ),
            section(tr("campaign.prep_size"), sizes),
            section(tr("campaign.prep_timeline"), [collab_line(t) for t in prep["timeline"]]),
        ]
    )
