"""Arbejdsmarkedsbalancen downloads written in the published layout (XLSX and ;-CSV), for
the shortage plugin's tests: a title line above the header, one row per occupation and
RAR area, the category as published text, and malformed rows with known reasons."""

from __future__ import annotations

import io

import openpyxl

HEADER = ["RAR-område", "DISCO-kode", "Stillingsbetegnelse", "Jobmuligheder", "Periode"]
GOOD = [
    ["RAR Fyn", "2512", "Softwareudvikler", "Mangel på arbejdskraft", "2. halvår 2026"],
    ["RAR Bornholm", None, "Sygeplejerske", "Paradoksproblemer", "2. halvår 2026"],
    ["Region Nordjylland", 7115, "Tømrer", "Gode jobmuligheder", "2. halvår 2026"],
    ["København", "9112", "Rengøringsassistent", "Mindre gode jobmuligheder", "2. halvår 2026"],
]
# (row, reason): the file's row number is the index in BAD + the rows before it
BAD = [
    (["Atlantis", "2512", "Softwareudvikler", "Mangel på arbejdskraft", "2. halvår 2026"],
     "ukendt område (ikke et RAR-område, en region eller en kommune)"),
    (["RAR Fyn", "7115", "Tømrer", "Rigtig gode jobmuligheder", "2. halvår 2026"],
     "tvetydig kategori (rigtig gode = mangel eller paradoks)"),
    (["RAR Fyn", "7115", "Tømrer", "Fremragende", "2. halvår 2026"], "ukendt kategori"),
    (["RAR Fyn", "9999", "Drømmejob", "Gode jobmuligheder", "2. halvår 2026"],
     "stillingen findes ikke i DISCO-08-taksonomien (kode eller betegnelse)"),
    ([None, "2512", "Softwareudvikler", "Mangel på arbejdskraft", "2. halvår 2026"],
     "mangler område"),
    (["RAR Fyn", "2512", "Softwareudvikler", "Mangel på arbejdskraft", "næste år"],
     "ukendt periode (fx 2. halvår 2026)"),
]  # fmt: skip
TITLE = "Arbejdsmarkedsbalancen, 2. halvår 2026"
FIRST_DATA_ROW = 4  # title, blank, header

# The DISCO-08 occupations the test taxonomy knows (code, title, aliases, level).
OCCUPATIONS = [
    ("2512", "Softwareudviklere", ["Softwareudvikler"], 4),
    ("2221", "Sygeplejersker", ["Sygeplejerske"], 4),
    ("7115", "Tømrere og bygningssnedkere", ["Tømrer"], 4),
    ("9112", "Rengøringsassistenter", ["Rengøringsassistent"], 4),
]


def rows() -> list[list[object]]:
    return [*GOOD, *(r for r, _ in BAD)]


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Arbejdsmarkedsbalancen"
    ws.append([TITLE])
    ws.append([])
    ws.append(HEADER)
    for row in rows():
        ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(encoding: str = "cp1252") -> bytes:
    lines = [TITLE, "", ";".join(HEADER)]
    lines += [";".join("" if v is None else str(v) for v in row) for row in rows()]
    return "\r\n".join(lines).encode(encoding)
