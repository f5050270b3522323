"""The details dock: the selected candidate's facts, or a company's detail widget."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workbench.core.collaboration import unit_collaborations
from workbench.qt.company_detail import CompanyDetailWidget
from workbench.qt.i18n import tr


@dataclass
class Names:
    """Titles per code, for showing codes as words (the filter dock's vocabularies)."""

    municipalities: dict[str, str] = field(default_factory=dict)
    occupations: dict[str, str] = field(default_factory=dict)
    qualifications: dict[str, str] = field(default_factory=dict)
    industries: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_lookups(cls, lookups: dict[str, list[tuple[str, str, list[str]]]]) -> Names:
        """From the vocabularies (``core.vocabulary.load_entries`` per kind)."""
        return cls(
            **{f.name: {code: title for code, title, _ in lookups[f.name]} for f in fields(cls)}
        )


class DetailsDock(QDockWidget):
    """``show(entity, row)`` shows one result row (None: the hint that nothing is chosen)."""

    def __init__(
        self,
        names: Names,
        cursor: Callable[[], Any],
        *,
        today: date,
        demo: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(tr("detail.title"), parent)
        self.setObjectName("detailDock")
        self.names = names
        self.cursor = cursor  # the window's GUI cursor (a reopened cache brings a new one)
        self.scope: Callable[[], Any] = lambda: None  # the user's scope (the window sets it)
        self.today = today
        self.demo = demo
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("detailPane")
        self.detail.setOpenLinks(False)
        self.company_detail = CompanyDetailWidget(self)
        self.company_detail.setObjectName("companyDetail")
        self.detail_stack = QStackedWidget(self)
        self.detail_stack.addWidget(self.detail)
        self.detail_stack.addWidget(self.company_detail)
        # Buttons for the candidate shown (e.g. "Find virksomheder i nærheden"): others add
        # them to ``candidate_actions.layout()``; ``current_candidate`` is its id.
        self.current_candidate: str | None = None
        self.candidate_actions = QWidget(self)
        QHBoxLayout(self.candidate_actions).setContentsMargins(4, 2, 4, 2)
        body = QWidget(self)
        box = QVBoxLayout(body)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.detail_stack, 1)
        box.addWidget(self.candidate_actions)
        self.setWidget(body)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.setMinimumWidth(220)
        self.show_row(None, None)

    def show_message(self, text: str) -> None:
        """A line instead of details (no purpose given, or the role sees counts only)."""
        self.detail.setHtml(f"<p style='color:#556'>{html.escape(text)}</p>")
        self.detail_stack.setCurrentWidget(self.detail)

    def show_row(self, entity: str | None, row: dict[str, Any] | None) -> None:
        candidate = entity == "candidates" and row is not None
        self.current_candidate = row["candidate_id"] if candidate and row else None
        self.candidate_actions.setVisible(candidate)
        if entity is None or row is None:
            self.detail.setHtml(f"<p style='color:#556'>{html.escape(tr('detail.empty'))}</p>")
            self.detail_stack.setCurrentWidget(self.detail)
            return
        e = html.escape
        muni = self.names.municipalities.get(
            row.get("kommune_kode") or "", row.get("kommune_kode") or ""
        )
        items: list[tuple[str, str]] = []
        if entity == "candidates":
            head = f"{tr('detail.candidate')} {row['candidate_id']}"
            since = row.get("unemployed_since")
            days = (self.today - since).days if since else None
            items = [
                (tr("col.kommune"), muni),
                (
                    tr("detail.jobcenter"),
                    self.names.municipalities.get(
                        row.get("jobcenter") or "", row.get("jobcenter") or ""
                    ),
                ),
                (
                    tr("col.occupations"),
                    ", ".join(
                        self.names.occupations.get(c, c) for c in row.get("occupation_codes") or []
                    ),
                ),
                (
                    tr("detail.qualifications"),
                    ", ".join(
                        self.names.qualifications.get(c, c)
                        for c in row.get("qualification_codes") or []
                    ),
                ),
                (tr("col.unemployed_since"), f"{since:%d-%m-%Y} ({days} d)" if since else ""),
                (tr("col.experience_years"), str(row.get("experience_years") or "")),
                (tr("col.education"), row.get("education") or ""),
                (tr("detail.licences"), ", ".join(row.get("driving_licences") or [])),
                (tr("detail.languages"), ", ".join(row.get("languages") or [])),
                (tr("detail.target_group"), row.get("target_group") or ""),
                (tr("col.cv_searchable"), tr("yes") if row.get("cv_searchable") else tr("no")),
                (
                    tr("detail.cv_updated"),
                    f"{row['cv_updated']:%d-%m-%Y}" if row.get("cv_updated") else "",
                ),
            ]
        elif row.get("cvr"):
            # Companies: current and historical facts, units, postings, collaborations.
            self.company_detail.show_company(
                self.cursor(), row["cvr"], row.get("pnr"), today=self.today, scope=self.scope()
            )
            self.detail_stack.setCurrentWidget(self.company_detail)
            return
        else:
            head = row.get("name") or row.get("cvr")
            collabs = unit_collaborations(self.cursor(), row.get("cvr"), row.get("pnr"))
            collab_text = "; ".join(
                f"{k} ({self.names.municipalities.get(j or '', j or '')}{', ' + format(s, '%Y') if s else ''})"
                for k, j, s, _ in collabs
            ) or tr("detail.none")
            items = [
                (tr("col.cvr"), row.get("cvr") or ""),
                (tr("col.pnr"), row.get("pnr") or ""),
                (
                    tr("col.address"),
                    " ".join(p for p in (row.get("address"), row.get("postnr")) if p),
                ),
                (tr("col.kommune"), muni),
                (
                    tr("col.industry"),
                    f"{row.get('industry_text') or self.names.industries.get(row.get('industry_code') or '', '')} "
                    f"({row.get('industry_code') or ''})",
                ),
                (tr("col.employees"), str(row.get("employees") or "")),
                (tr("col.status"), row.get("status") or ""),
                (tr("detail.started"), f"{row['started']:%d-%m-%Y}" if row.get("started") else ""),
                (
                    tr("detail.advertising_protected"),
                    tr("yes") if row.get("advertising_protected") else tr("no"),
                ),
                (tr("detail.collaborations"), collab_text),
            ]
        rows_html = "".join(
            f"<tr><td style='color:#556; padding-right:8px'>{e(k)}</td><td>{e(str(v))}</td></tr>"
            for k, v in items
        )
        badge = (
            f"<p><span style='background:#c62828; color:white; font-weight:bold'>&nbsp;{e(tr('app.demo_badge'))}&nbsp;</span></p>"
            if self.demo
            else ""
        )
        self.detail.setHtml(f"<h3>{e(str(head))}</h3>{badge}<table>{rows_html}</table>")
        self.detail_stack.setCurrentWidget(self.detail)
