"""company_detail: the sections of the company pane, from a real DuckDB cache file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from workbench.core import cache
from workbench.core.company_detail import company_detail, two_years_before

TODAY = date(2026, 11, 1)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
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
        ('40863753', '1999999999', 'Visma Rating, Vesterbro', 'Vesterbrogade 1L, 1620 København V',
         '1620', '0101', NULL, NULL, '829100', 'Inkassovirksomhed', 3, '2-4', 'Normal',
         DATE '2020-01-01', false, 'cvr', 2, 'Anpartsselskab',
         'ikke placeret: adressen findes ikke i adresseregistret'),
        ('29863997', NULL, 'Nr. Nebel Salonskytteforening', 'Bredgade 79, 6830 Nørre Nebel',
         '6830', '0573', NULL, NULL, '949900', 'Foreninger', NULL, NULL, 'Ophørt',
         DATE '2006-09-25', true, 'cvr', 3, 'Frivillig forening', 'ikke placeret: ingen adresse')
        """
    )
    con.execute(
        """
        INSERT INTO company_history VALUES
        ('40863753', NULL, 'adresse', 'Vesterbrogade 1L, 6., 1620 København V',
         DATE '2019-10-10', DATE '2021-05-03', 'cvr'),
        ('40863753', NULL, 'adresse', 'Gærtorvet 3, 1799 København V', DATE '2021-06-10', NULL, 'cvr'),
        ('40863753', NULL, 'navn', 'Visma Rating ApS', DATE '2019-10-10', NULL, 'cvr'),
        ('40863753', '1999999999', 'navn', 'Andet navn', DATE '2020-01-01', NULL, 'cvr'),
        ('29863997', NULL, 'navn', 'Nr. Nebel Salonskytteforening', DATE '2006-09-25', NULL, 'cvr')
        """
    )
    con.execute(
        """
        INSERT INTO job_postings (posting_id, cvr, title, posted, deadline, kommune_kode, source,
            rid, occupation_title)
        VALUES
        ('p-new', '40863753', 'Linux Specialist', DATE '2026-10-01', DATE '2026-11-20', '0101',
         'jobnet', 1, 'Programmør'),
        ('p-edge', '40863753', 'Præcis to år', DATE '2024-11-01', NULL, '0101', 'jobnet', 2, NULL),
        ('p-old', '40863753', 'For gammel', DATE '2024-10-31', NULL, '0101', 'jobnet', 3, NULL),
        ('p-other', '11111111', 'Andet firma', DATE '2026-10-01', NULL, '0101', 'jobnet', 4, NULL)
        """
    )
    con.execute(
        """
        INSERT INTO collaborations (cvr, pnr, jobcenter, kind, started, ended, status, note) VALUES
        ('40863753', NULL, '0101', 'virksomhedspraktik', DATE '2023-02-01', DATE '2023-05-01',
         'afsluttet', 'God praktik'),
        ('40863753', '1025137546', '0101', 'løntilskud', DATE '2025-03-01', NULL, 'aktiv', NULL)
        """
    )
    yield con
    con.close()


def test_company_with_production_units(con: duckdb.DuckDBPyConnection) -> None:
    d = company_detail(con, "40863753", today=TODAY)
    assert d["found"] is True
    # Without a P number the largest production unit is shown.
    assert d["pnr"] == "1025137546" and d["name"] == "Visma Rating ApS"
    cur = d["current"]
    assert cur["kommune_navn"] == "København" and cur["placed"] is True
    assert cur["employees"] == 12 and cur["company_form"] == "Anpartsselskab"
    assert [u["pnr"] for u in d["production_units"]] == ["1025137546", "1999999999"]
    assert d["production_units"][1]["placed"] is False
    assert d["production_units"][1]["placement_note"].startswith("ikke placeret")
    assert [p["posting_id"] for p in d["postings"]] == ["p-new", "p-edge"]
    assert [c["kind"] for c in d["collaborations"]] == ["løntilskud", "virksomhedspraktik"]
    assert d["cvr_url"] == "https://datacvr.virk.dk/enhed/virksomhed/40863753"
    addresses = [h for h in d["history"] if h["field"] == "adresse"]
    assert [h["valid_to"] for h in addresses] == [None, date(2021, 5, 3)]  # newest first
    assert "Andet navn" not in [h["value"] for h in d["history"]]  # other unit's history


def test_selected_production_unit(con: duckdb.DuckDBPyConnection) -> None:
    d = company_detail(con, 40863753, 1999999999, today=TODAY)
    assert d["pnr"] == "1999999999"
    assert d["current"]["placed"] is False
    assert "Andet navn" in [h["value"] for h in d["history"]]


def test_company_without_units_and_unknown(con: duckdb.DuckDBPyConnection) -> None:
    d = company_detail(con, "29863997", today=TODAY)
    assert d["found"] and d["pnr"] is None
    assert d["current"]["status"] == "Ophørt" and d["current"]["advertising_protected"] is True
    assert d["production_units"] == [] and d["postings"] == [] and d["collaborations"] == []
    missing = company_detail(con, "99999999", today=TODAY)
    assert missing["found"] is False and missing["current"] == {}
    assert missing["cvr_url"].endswith("/99999999")


def test_two_years_before_leap_day() -> None:
    assert two_years_before(date(2028, 2, 29)) == date(2026, 2, 28)
    assert two_years_before(TODAY) == date(2024, 11, 1)
