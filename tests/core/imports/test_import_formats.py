"""File formats: encodings, separators, quoting, XLSX, and files refused whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.core.imports.import_filegen import (
    CANDIDATE_HEADER,
    candidate,
    candidates,
    write_csv,
    write_xlsx,
)
from workbench.core.imports import ImportRefused, import_file, inspect_file, preview


def rejects_count(con, table: str = "candidates") -> int:
    from workbench.core.plugins.host import ensure_rejects_table

    ensure_rejects_table(con, table)
    return con.execute(f"SELECT count(*) FROM {table}_rejects").fetchone()[0]


def _rows(con, sql: str = "SELECT candidate_id FROM candidates ORDER BY 1") -> list:
    return [r[0] if len(r) == 1 else r for r in con.execute(sql).fetchall()]


def test_utf8_bom_semicolon_file_loads_and_converts_values(con, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, [candidate("A1", qualifications="Q1|Q2")])
    s = import_file(con, f, "candidates")
    assert (s.accepted, s.rejected, s.rejects_file) == (1, 0, None)
    row = con.execute(
        "SELECT candidate_id, jobcenter, kommune_kode, x, y, occupation_codes, qualification_codes, "
        "driving_licences, languages, education, experience_years, unemployed_since, target_group, "
        "cv_searchable, cv_updated, source FROM candidates"
    ).fetchone()
    assert row == (
        "A1", "0101", "0101", 720000.5, 6170000.25, ["5120"], ["Q1", "Q2"], ["B"], ["dansk", "engelsk"],
        "Erhvervsuddannelse", 3, date(2025, 2, 1), "2.1", True, date(2026, 1, 5), "import",
    )  # fmt: skip
    assert inspect_file(f).encoding == "utf-8-sig"


def test_cp1252_file_with_danish_headers_and_values(con, tmp_path: Path) -> None:
    header = [
        "Borger ID",
        "Jobcenter",
        "Kommunekode",
        "Stillingsbetegnelser",
        "Kørekort",
        "Målgruppe",
        "CV søgbar",
    ]
    rows = [["A1", "101", "147", "Køkkenchef|Servitrice", "B", "Sygedagpenge – ledig", "Nej"]]
    f = write_csv(tmp_path / "c.csv", header, rows, encoding="cp1252")
    assert inspect_file(f).encoding == "cp1252"
    s = import_file(con, f, "candidates")
    assert s.accepted == 1 and s.unresolved == {}
    assert con.execute(
        "SELECT occupation_codes, target_group, cv_searchable, kommune_kode FROM candidates"
    ).fetchone() == (["5120", "5131"], "Sygedagpenge – ledig", False, "0147")


def test_utf8_without_bom_and_utf16_tab_separated(con, tmp_path: Path) -> None:
    a = write_csv(
        tmp_path / "a.csv",
        CANDIDATE_HEADER,
        [candidate("Ø1", target="Målgruppe æøå")],
        encoding="utf-8",
    )
    s = import_file(con, a, "candidates")
    assert s.accepted == 1 and inspect_file(a).encoding == "utf-8"
    # Excel's "Unicode text": UTF-16 with BOM, tab-separated; another jobcenter.
    b = write_csv(
        tmp_path / "b.txt",
        CANDIDATE_HEADER,
        [candidate("Å2", "2")],
        encoding="utf-16",
        delimiter="\t",
    )
    tf = inspect_file(b)
    assert (tf.encoding, tf.delimiter) == ("utf-16", "\t")
    assert import_file(con, b, "candidates").accepted == 1
    assert _rows(con, "SELECT candidate_id, target_group FROM candidates ORDER BY 1") == [
        ("Å2", "2.1"),
        ("Ø1", "Målgruppe æøå"),
    ]


@pytest.mark.parametrize(("delimiter", "suffix"), [("\t", ".tsv"), (",", ".csv"), (";", ".txt")])
def test_separators(con, tmp_path: Path, delimiter: str, suffix: str) -> None:
    # With ',' as separator the decimal commas must be quoted, as Excel does.
    f = write_csv(tmp_path / f"c{suffix}", CANDIDATE_HEADER, candidates(3), delimiter=delimiter)
    assert inspect_file(f).delimiter == delimiter
    s = import_file(con, f, "candidates")
    assert (s.accepted, s.rejected) == (3, 0)
    assert (
        con.execute("SELECT x FROM candidates ORDER BY candidate_id LIMIT 1").fetchone()[0]
        == 700000.5
    )


def test_quoted_fields_with_separators_quotes_and_line_breaks(con, tmp_path: Path) -> None:
    rows = [
        candidate("A1", education='Kok; "Hotel og restaurant"\r\nog tjener'),
        candidate("A2", education="linje1\nlinje2\nlinje3"),
        candidate("A3", since="not a date"),  # spreadsheet row 4 despite the line breaks above
    ]
    f = write_csv(tmp_path / "q.csv", CANDIDATE_HEADER, rows)
    s = import_file(con, f, "candidates")
    assert (s.accepted, s.rejected) == (2, 1)
    assert _rows(con, "SELECT education FROM candidates ORDER BY candidate_id") == [
        'Kok; "Hotel og restaurant"\r\nog tjener',
        "linje1\nlinje2\nlinje3",
    ]
    assert [(r["row"], r["column"]) for r in s.rejects] == [(4, "ledig_siden")]


def test_row_with_wrong_number_of_fields_is_rejected_not_shifted(con, tmp_path: Path) -> None:
    f = tmp_path / "broken.csv"
    good = ";".join(candidate("A1"))
    f.write_text(
        ";".join(CANDIDATE_HEADER)
        + "\r\n"
        + good
        + "\r\nA2;101;101;extra\r\n"
        + good.replace("A1", "A3")
        + ";;\r\n",
        encoding="utf-8",
    )
    s = import_file(con, f, "candidates")
    assert s.accepted == 2  # trailing empty fields are tolerated
    assert [(r["row"], r["column"], r["code"]) for r in s.rejects] == [
        (
            3,
            "(row)",
            "fields",
        )
    ]
    assert "4/15" in s.rejects[0]["reason"]


def test_xlsx_with_typed_cells(con, tmp_path: Path) -> None:
    from datetime import datetime

    header = [
        "borger_id",
        "jobcenter",
        "kommunekode",
        "x",
        "y",
        "ledig_siden",
        "erfaring_aar",
        "cv_soegbar",
        "note",
    ]
    rows = [
        ["A1", 101, 101, 720000.5, 6170000, datetime(2025, 2, 1), 4, "ja", None],
        [12345, "101", 147, None, None, "03-04-2025", 2.0, True, "ok"],
        # A CPR number typed as a number loses its leading zero: still caught.
        ["A3", 101, 101, None, None, None, None, None, 101901234],
    ]
    f = write_xlsx(tmp_path / "c.xlsx", header, rows)
    assert inspect_file(f).format == "xlsx"
    s = import_file(con, f, "candidates")
    assert (s.accepted, s.rejected) == (2, 1)
    assert s.rejects[0]["code"] == "cpr" and s.rejects[0]["row"] == 4
    assert _rows(
        con,
        "SELECT candidate_id, kommune_kode, x, unemployed_since, experience_years, cv_searchable FROM candidates ORDER BY 1",
    ) == [
        ("12345", "0147", None, date(2025, 4, 3), 2, True),
        ("A1", "0101", 720000.5, date(2025, 2, 1), 4, True),
    ]


def test_xlsx_numbers_in_date_columns_are_excel_date_serials(con, tmp_path: Path) -> None:
    # Cells not formatted as dates hold the serial itself; openpyxl gives int or float.
    header = ["borger_id", "jobcenter", "ledig_siden", "cv_opdateret"]
    rows = [
        ["A1", 101, 45123, 45658.0],
        ["A2", 101, 99999, None],  # 2173: not a plausible date
    ]
    s = import_file(con, write_xlsx(tmp_path / "d.xlsx", header, rows), "candidates")
    assert (s.accepted, s.rejected) == (1, 1)
    assert _rows(con, "SELECT candidate_id, unemployed_since, cv_updated FROM candidates") == [
        ("A1", date(2023, 7, 16), date(2025, 1, 1))
    ]
    assert [(r["row"], r["column"], r["value"], r["code"]) for r in s.rejects] == [
        (3, "ledig_siden", "99999", "date")
    ]


def test_preview_returns_header_and_first_rows(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, candidates(30))
    tf, rows = preview(f, rows=5)
    assert tf.headers == CANDIDATE_HEADER and len(rows) == 5 and rows[0][0] == "B000000"


def _refused(con, path: Path, kind: str = "candidates", **kw) -> str:
    before = con.execute("SELECT count(*), coalesce(sum(rid), 0) FROM candidates").fetchone()
    with pytest.raises(ImportRefused) as err:
        import_file(con, path, kind, **kw)
    assert (
        con.execute("SELECT count(*), coalesce(sum(rid), 0) FROM candidates").fetchone() == before
    )
    assert rejects_count(con) == 0
    staging = con.execute(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'staging_%'"
    )
    assert staging.fetchone()[0] == 0
    return str(err.value)


@pytest.fixture
def loaded(con, tmp_path: Path):
    import_file(
        con, write_csv(tmp_path / "first.csv", CANDIDATE_HEADER, candidates(5)), "candidates"
    )
    return con


def test_files_refused_whole_leave_the_cache_unchanged(loaded, tmp_path: Path) -> None:
    con = loaded
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "is empty" in _refused(con, empty)
    bom_only = tmp_path / "bom.csv"
    bom_only.write_bytes(b"\xef\xbb\xbf\r\n\r\n")
    assert "is empty" in _refused(con, bom_only)
    header_only = write_csv(tmp_path / "header.csv", CANDIDATE_HEADER, [])
    assert "no data rows" in _refused(con, header_only)
    png = tmp_path / "picture.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "not a table" in _refused(con, png)
    prose = tmp_path / "letter.txt"
    prose.write_text("Kære jobcenter\nHer er listen over borgere\n", encoding="utf-8")
    assert "not a table" in _refused(con, prose)
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert ".xls" in _refused(con, xls)
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_bytes(b"PK\x03\x04not really a zip")
    assert "not a table" in _refused(con, fake_xlsx)
    missing = write_csv(tmp_path / "m.csv", ["borger_id", "kommunekode"], [["A", "101"]])
    msg = _refused(con, missing)
    assert "lacks required column(s) jobcenter" in msg and "borger_id, kommunekode" in msg
    only_x = write_csv(tmp_path / "x.csv", ["borger_id", "jobcenter", "x"], [["A", "J", "1"]])
    assert "lacks required column(s) y" in _refused(con, only_x)
    assert "does not exist" in _refused(con, tmp_path / "nope.csv")
    # The log records the refusals as failed runs.
    failed = con.execute("SELECT count(*) FROM refresh_log WHERE status = 'failed'").fetchone()[0]
    assert failed == 10


def test_unclosed_quote_is_refused_with_a_message(loaded, tmp_path: Path) -> None:
    f = tmp_path / "q.csv"
    f.write_text(
        ";".join(CANDIDATE_HEADER) + '\r\nA;1;"never closed\r\n' + "x" * 200_000, encoding="utf-8"
    )
    assert "cannot be read as CSV" in _refused(loaded, f)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ";"), ("cp1252", ";"), ("utf-16", "\t"), ("utf-8", ",")],
)
def test_fast_reader_and_row_reader_load_the_same_rows(
    tmp_path: Path, encoding: str, delimiter: str
) -> None:
    import duckdb

    from workbench.core.imports import reader

    rows = [
        *candidates(5),
        candidate("Q1", education='a; "b"\r\nc', target="æøå ÆØÅ – €"),
        candidate(" padded ", education="   "),
        [""] * len(CANDIDATE_HEADER),  # an empty row: dropped
        candidate("L1", education="x\ny"),
    ]
    f = write_csv(
        tmp_path / "f.csv", CANDIDATE_HEADER, rows, encoding=encoding, delimiter=delimiter
    )
    tf = inspect_file(f)
    loaded = {}
    for fast in (True, False):
        mem = duckdb.connect()
        calls: list[str] = []
        real = reader._load_rows

        def spy(*a, _real=real, _calls=calls, **kw):
            _calls.append("rows")
            return _real(*a, **kw)

        reader._load_rows = spy
        try:
            raw = reader.load_raw(mem, tf, "raw", fast=fast)
        finally:
            reader._load_rows = real
        assert calls == ([] if fast else ["rows"])  # the fast path did not fall back
        assert raw.rows == 8 and raw.structural == []
        loaded[fast] = mem.execute("SELECT * FROM raw ORDER BY __row").fetchall()
        mem.close()
    assert loaded[True] == loaded[False]
    by_id = {r[1]: r for r in loaded[True]}
    assert (
        by_id["Q1"][0] == 7
        and by_id["Q1"][10] == 'a; "b"\r\nc'
        and by_id["Q1"][13] == "æøå ÆØÅ – €"
    )
    assert by_id["padded"][10] is None and by_id["L1"][0] == 10


def test_irregular_rows_fall_back_to_the_row_reader(tmp_path: Path) -> None:
    import duckdb

    from workbench.core.imports.reader import load_raw

    f = tmp_path / "f.csv"
    f.write_text("borger_id;jobcenter\r\nA;J\r\n\r\nB;J;x\r\nC;J\r\n", encoding="utf-8")
    mem = duckdb.connect()
    raw = load_raw(mem, inspect_file(f), "raw")
    assert [(s.row_number, s.fields, s.width) for s in raw.structural] == [(4, 3, 2)]
    assert mem.execute("SELECT __row, c0 FROM raw ORDER BY 1").fetchall() == [(2, "A"), (5, "C")]
