"""The shortlist export: PDF read back with pypdf (the profile fields are there, the
consultant's personal data only when ticked), CSV/XLSX of the list."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from workbench.core.export.shortlist import (
    MAX_CANDIDATES,
    Shortlist,
    ShortlistEntry,
    ShortlistError,
    export_shortlist,
    load_profiles,
    write_pdf,
    write_table,
)
from workbench.qt.i18n import tr  # plain Python: the texts the window passes

NAME, ADDRESS, PHONE = "Jens Testesen", "Prøvevej 17, 9000 Aalborg", "+45 11 22 33 44"


def _five(con) -> Shortlist:
    rows = con.execute(
        "SELECT candidate_id, rid FROM candidates WHERE len(qualification_codes) > 0 "
        "AND experience_years IS NOT NULL AND education IS NOT NULL "
        "ORDER BY candidate_id LIMIT 5"
    ).fetchall()
    assert len(rows) == 5
    entries = [
        ShortlistEntry(
            cid,
            rid,
            score=90.0 - i,
            summary=f"5/5 krav · {i}/3 ønsker · 12 km (≈18 min bil)",
            note=f"Note om kandidat {i + 1}: stabil og mødestabil",
            name=f"{NAME} {i}",
            address=ADDRESS,
            contact=PHONE,
        )
        for i, (cid, rid) in enumerate(rows)
    ]
    return Shortlist(entries, title="Lagerarbejder", company="Testfirma ApS", contact="Bo Berg")


def _pdf_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_pdf_has_overview_and_one_profile_per_candidate_without_personal_data(
    small_demo_con, tmp_path: Path
) -> None:
    shortlist = _five(small_demo_con)
    profiles = load_profiles(small_demo_con, shortlist.entries)
    pdf = tmp_path / "liste.pdf"
    pages = write_pdf(pdf, shortlist, profiles, text=tr)

    texts = _pdf_text(pdf)
    assert pages == len(texts) == 6  # the overview page, then one sheet per candidate
    assert "Kandidatforslag" in texts[0] and "Testfirma ApS" in texts[0]
    assert "Lagerarbejder" in texts[0]
    for n, (entry, profile, page) in enumerate(
        zip(shortlist.entries, profiles, texts[1:], strict=True), start=1
    ):
        flat = " ".join(page.split())  # table cells wrap
        assert f"Kandidatprofil {n}" in flat and entry.candidate_id in flat
        assert entry.candidate_id in "".join(texts[0].split())
        for label in ("Erhverv", "Kvalifikationer", "Erfaring", "Uddannelse", "Sprog", "Kørekort"):
            assert label in flat
        assert profile.occupations[0] in flat
        assert profile.qualifications[0] in flat
        assert profile.education in flat
        assert all(lang in flat for lang in profile.languages)
        assert entry.note in flat and "≈18 min bil" in flat
    everything = " ".join(texts)
    assert NAME not in everything and "Prøvevej" not in everything and "22 33" not in everything
    assert "Navn" not in everything and "Adresse" not in everything


def test_pdf_carries_personal_data_only_when_ticked(small_demo_con, tmp_path: Path) -> None:
    shortlist = _five(small_demo_con)
    shortlist.include_personal = True
    profiles = load_profiles(small_demo_con, shortlist.entries)
    pdf = tmp_path / "liste.pdf"
    write_pdf(pdf, shortlist, profiles, text=tr)
    texts = [" ".join(t.split()) for t in _pdf_text(pdf)]
    for entry, page in zip(shortlist.entries, texts[1:], strict=True):
        assert entry.name in page and "Prøvevej 17" in page and PHONE in page


def test_table_csv_and_xlsx_list_the_candidates(small_demo_con, tmp_path: Path) -> None:
    shortlist = _five(small_demo_con)
    profiles = load_profiles(small_demo_con, shortlist.entries)
    csv_path, xlsx_path = tmp_path / "liste.csv", tmp_path / "liste.xlsx"
    assert write_table(csv_path, shortlist, profiles, text=tr) == 5
    assert write_table(xlsx_path, shortlist, profiles, text=tr) == 5

    rows = list(csv.reader(io.StringIO(csv_path.read_text("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["rank", "candidate_id", "score", "summary"]
    assert "name" not in rows[0] and "address" not in rows[0]
    assert [r[1] for r in rows[1:]] == [e.candidate_id for e in shortlist.entries]
    assert rows[1][4] == shortlist.entries[0].note
    assert NAME not in csv_path.read_text("utf-8-sig")

    sheet = openpyxl.load_workbook(xlsx_path)["shortlist"]
    values = list(sheet.values)
    assert len(values) == 6 and values[1][1] == shortlist.entries[0].candidate_id
    assert values[1][2] == 90.0


def test_export_writes_both_files(small_demo_con, tmp_path: Path) -> None:
    shortlist = _five(small_demo_con)
    paths = export_shortlist(tmp_path, small_demo_con, shortlist, text=tr, table_format="csv")
    assert [p.name for p in paths] == ["kandidatforslag.pdf", "kandidatforslag.csv"]
    assert all(p.is_file() for p in paths)
    assert not list(tmp_path.glob("*.part"))


def test_the_list_holds_at_most_five_and_an_empty_one_is_refused(
    small_demo_con, tmp_path: Path
) -> None:
    shortlist = _five(small_demo_con)
    extra = small_demo_con.execute(
        "SELECT candidate_id, rid FROM candidates ORDER BY candidate_id DESC LIMIT 1"
    ).fetchone()
    assert not shortlist.add(ShortlistEntry(*extra))
    assert not shortlist.add(shortlist.entries[0])  # no candidate twice
    assert len(shortlist.entries) == MAX_CANDIDATES
    with pytest.raises(ShortlistError, match="tom"):
        write_pdf(tmp_path / "x.pdf", Shortlist(), [], text=tr)
    assert not (tmp_path / "x.pdf").exists()
