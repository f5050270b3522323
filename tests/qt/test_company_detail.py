"""CompanyDetailWidget offscreen on a real cache file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workbench.core import cache

TODAY = date(2026, 11, 1)


@pytest.fixture
def con(tmp_path: Path):
    con = cache.connect(tmp_path / "cache.duckdb")
    con.execute("INSERT INTO municipalities (kode, navn) VALUES ('0101', 'København')")
    con.execute(
        """
        INSERT INTO companies (cvr, pnr, name, address, postnr, kommune_kode, x, y, industry_code,
            industry_text, employees, employees_band, status, started, advertising_protected,
            source, rid, company_form, placement_note)
        VALUES
        ('40863753', '1025137546', 'Visma Rating ApS', 'Gærtorvet 3, 1799 København V', '1799',
         '0101', 723500, 6175200, '829100', 'Inkassovirksomhed', 12, '10-19', 'Normal',
         DATE '2019-10-10', false, 'cvr', 1, 'Anpartsselskab', NULL),
        ('40863753', '1999999999', 'Vesterbro-afdelingen', 'Vesterbrogade 1L, 1620 København V',
         '1620', '0101', NULL, NULL, '829100', 'Inkassovirksomhed', 3, '2-4', 'Normal',
         DATE '2020-01-01', true, 'cvr', 2, 'Anpartsselskab',
         'ikke placeret: adressen findes ikke i adresseregistret')
        """
    )
    con.execute(
        "INSERT INTO company_history VALUES ('40863753', NULL, 'adresse', "
        "'Vesterbrogade 1L, 6., 1620 København V', DATE '2019-10-10', DATE '2021-05-03', 'cvr')"
    )
    con.execute(
        "INSERT INTO job_postings (posting_id, cvr, title, posted, source, rid, occupation_title) "
        "VALUES ('p1', '40863753', 'Linux Specialist', DATE '2026-10-01', 'jobnet', 1, 'Programmør')"
    )
    con.execute(
        "INSERT INTO collaborations (cvr, jobcenter, kind, started, status) "
        "VALUES ('40863753', '0101', 'løntilskud', DATE '2025-03-01', 'aktiv')"
    )
    yield con
    con.close()


def test_shows_company_sections_in_danish(qtbot, con) -> None:
    from workbench.qt.company_detail import CompanyDetailWidget

    w = CompanyDetailWidget()
    qtbot.addWidget(w)
    w.show_company(con, "40863753", today=TODAY)
    assert w.title_label.text() == "Visma Rating ApS"
    assert 'href="https://datacvr.virk.dk/enhed/virksomhed/40863753"' in w.link_label.text()
    assert w.link_label.openExternalLinks()
    assert w.facts["kommune"].text() == "København (0101)"
    assert w.facts["employees"].text() == "12 (10-19)"
    assert w.facts["industry"].text() == "829100 Inkassovirksomhed"
    assert w.facts["advertising_protected"].text() == "Nej"
    assert w.facts["started"].text() == "10.10.2019"
    assert w.facts["placement"].text() == "placeret"
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == [
        "Historik",
        "Produktionsenheder",
        "Jobopslag (2 år)",
        "Samarbejde",
        "Forbered besøg",
    ]
    assert w.units_table.rowCount() == 2
    assert w.units_table.item(1, 6).text().startswith("ikke placeret")
    assert w.postings_table.item(0, 0).text() == "Linux Specialist"
    assert w.collaborations_table.item(0, 0).text() == "løntilskud"
    assert w.history_table.item(0, 0).text() == "Adresse"
    assert w.history_table.item(0, 3).text() == "03.05.2021"


def test_selected_unit_and_unknown_company(qtbot, con) -> None:
    from workbench.qt.company_detail import CompanyDetailWidget

    w = CompanyDetailWidget()
    qtbot.addWidget(w)
    w.show_company(con, "40863753", "1999999999", today=TODAY)
    assert w.title_label.text() == "Vesterbro-afdelingen"
    assert w.facts["advertising_protected"].text() == "Ja"
    assert w.facts["placement"].text().startswith("ikke placeret: adressen")
    w.show_company(con, "12345678", today=TODAY)
    assert "findes ikke" in w.title_label.text()
    assert w.units_table.rowCount() == 0 and w.postings_table.rowCount() == 0
    assert w.facts["address"].text() == "–"


def test_company_detail_follows_the_ui_language(qtbot, small_demo_con):
    from workbench.qt import i18n
    from workbench.qt.company_detail import CompanyDetailWidget

    cvr = small_demo_con.execute("SELECT cvr FROM companies LIMIT 1").fetchone()[0]
    try:
        i18n.set_language("en")
        widget = CompanyDetailWidget()
        qtbot.addWidget(widget)
        widget.show_company(small_demo_con, cvr)
        tabs = [widget.tabs.tabText(i) for i in range(widget.tabs.count())]
        assert tabs[:2] == ["History", "Production units"]
        assert "See the company in CVR" in widget.link_label.text()
    finally:
        i18n.set_language("da")
    widget = CompanyDetailWidget()
    qtbot.addWidget(widget)
    assert widget.tabs.tabText(0) == "Historik"


@pytest.mark.parametrize(
    ("lang", "this_unit", "other_unit"),
    [
        (
            "da",
            "Aktivt samarbejde (ved denne P-enhed)",
            "Aktivt samarbejde (ved P-enhed 1999999999)",
        ),
        (
            "en",
            "Active collaboration (at this P unit)",
            "Active collaboration (at P unit 1999999999)",
        ),
    ],
)
def test_collaboration_status_is_the_companys_and_names_the_unit(
    qtbot, con, lang, this_unit, other_unit
) -> None:
    """Issue #10: a collaboration at one unit counts for the company; the unit view says
    where it is."""
    from workbench.qt import i18n
    from workbench.qt.company_detail import CompanyDetailWidget

    con.execute("UPDATE collaborations SET pnr = '1999999999'")
    try:
        i18n.set_language(lang)
        w = CompanyDetailWidget()
        qtbot.addWidget(w)
        w.show_company(con, "40863753", "1025137546", today=TODAY)
        assert w.facts["collaboration"].text() == other_unit
        assert w.collaborations_table.item(0, 6).text() == "1999999999"
        w.show_company(con, "40863753", "1999999999", today=TODAY)
        assert w.facts["collaboration"].text() == this_unit
        assert w.collaborations_table.item(0, 6).text().startswith("1999999999 (")
    finally:
        i18n.set_language("da")


def test_a_db25_industry_shows_under_db25_only(qtbot, con) -> None:
    from workbench.qt.company_detail import CompanyDetailWidget

    con.execute(
        "UPDATE companies SET industry_system = 'DB25', industry_code = '829110', "
        "industry_code_db25 = '829110', industry_text_db25 = industry_text WHERE rid = 1"
    )
    w = CompanyDetailWidget()
    qtbot.addWidget(w)
    w.show_company(con, "40863753", pnr="1025137546", today=TODAY)
    assert w.facts["industry_db25"].text() == "829110 Inkassovirksomhed"
    assert "829110" not in w.facts["industry"].text()
