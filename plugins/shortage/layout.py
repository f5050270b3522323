"""The layout of the published Arbejdsmarkedsbalancen download: which file, which columns.

The download is a spreadsheet (XLSX) or a ``;``-separated CSV (UTF-8 with BOM or cp1252,
as Danish Excel writes it) with one row per occupation and area. Title or note lines may
come before the header row: the header is the first row (of the first 30) that names an
area, an occupation and a category column. Column names are matched loosely (case, spaces,
punctuation), with the names STAR has used over the years:

- area: ``RAR-område`` / ``Område`` / ``Region`` / ``Arbejdsmarkedsområde``
- occupation code: ``DISCO-kode`` / ``DISCO-AMS`` / ``Stillingskode`` / ``ESCO-STAR-kode``
- occupation title: ``Stillingsbetegnelse`` / ``Stilling`` / ``Titel``
- category: ``Jobmuligheder`` / ``Kategori`` / ``Balance`` / ``Vurdering``
- period (optional): ``Periode`` / ``Halvår``

A code or a title is enough for the occupation; both are kept.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .areas import fold

HEADER_SCAN_ROWS = 30

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "area": ("rar-område", "rar område", "rar", "område", "region", "arbejdsmarkedsområde",
             "amk-område", "landsdel", "geografi"),
    "code": ("disco-kode", "disco kode", "disco-ams", "disco ams", "disco-ams-kode", "disco",
             "disco08", "disco-08", "stillingskode", "star-stillingskode", "esco-star-kode",
             "esco-star", "stillingsbetegnelse kode", "kode"),
    "title": ("stillingsbetegnelse", "stilling", "stillingsbetegnelse navn", "titel",
              "betegnelse", "stillingsbetegnelse tekst"),
    "category": ("jobmuligheder", "kategori", "balance", "balancekategori", "vurdering",
                 "beskæftigelsesmuligheder", "arbejdsmarkedsbalance"),
    "period": ("periode", "halvår", "gældende periode"),
}  # fmt: skip


class LayoutError(ValueError):
    """The file is not in a layout the plugin knows (one line, Danish)."""


def _key(text: Any) -> str:
    return re.sub(r"[\s_.:]+", " ", fold(str(text or ""))).strip()


_LOOKUP = {_key(name): field for field, names in COLUMN_NAMES.items() for name in names}


@dataclass(frozen=True)
class Table:
    """The data rows of the file: ``columns`` maps a field (area, code, title, category,
    period) to its column index; ``rows`` are ``(row number in the file, values)``."""

    header: tuple[str, ...]
    columns: dict[str, int]
    rows: list[tuple[int, list[Any]]]
    sheet: str | None = None


def match_header(cells: Sequence[Any]) -> dict[str, int]:
    """Field -> column index for the cells of one row (first match of each field wins)."""
    out: dict[str, int] = {}
    for i, cell in enumerate(cells):
        field = _LOOKUP.get(_key(cell))
        if field is not None and field not in out:
            out[field] = i
    return out


def _usable(columns: dict[str, int]) -> bool:
    return "area" in columns and "category" in columns and bool({"code", "title"} & set(columns))


def is_xlsx(content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04"


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1252: the two encodings Danish Excel writes."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _csv_rows(text: str, delimiter: str) -> Iterator[list[Any]]:
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_sheets(content: bytes) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    import openpyxl  # only when an XLSX file arrives

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LayoutError(f"XLSX-filen kan ikke læses: {exc}") from exc
    try:
        for ws in book.worksheets:
            yield ws.title, (list(r) for r in ws.iter_rows(values_only=True))
    finally:
        book.close()


def _table(rows: Iterator[list[Any]], sheet: str | None) -> Table | None:
    header: list[Any] | None = None
    columns: dict[str, int] = {}
    data: list[tuple[int, list[Any]]] = []
    for n, row in enumerate(rows, start=1):
        if header is None:
            if n > HEADER_SCAN_ROWS:
                return None
            columns = match_header(row)
            if _usable(columns):
                header = row
            continue
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        data.append((n, list(row)))
    if header is None:
        return None
    return Table(tuple(str(h or "").strip() for h in header), columns, data, sheet)


def read_table(content: bytes, *, sheet: str | None = None) -> Table:
    """The data rows of an XLSX or CSV download; LayoutError when no known header is found."""
    if not content.strip():
        raise LayoutError("filen er tom")
    if is_xlsx(content):
        seen = []
        for name, rows in _xlsx_sheets(content):
            if sheet and fold(name) != fold(sheet):
                continue
            seen.append(name)
            table = _table(rows, name)
            if table is not None:
                return table
        if sheet and not seen:
            raise LayoutError(f"XLSX-filen har intet ark {sheet!r}")
        raise LayoutError(
            "ingen ark med kolonnerne område, stilling og jobmuligheder/kategori"
            f" (ark: {', '.join(seen) or 'ingen'})"
        )
    head = content[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml")):
        raise LayoutError("svaret er en webside eller XML, ikke Arbejdsmarkedsbalancens fil")
    # Danish Excel writes ";"; a title line above the header may hold commas, so the
    # delimiter is the one under which a known header appears.
    text = decode_text(content)
    table = None
    for delimiter in (";", ",", "\t"):
        table = _table(_csv_rows(text, delimiter), None)
        if table is not None:
            break
    if table is None:
        raise LayoutError(
            "ingen kolonneoverskrifter for område, stilling og jobmuligheder/kategori fundet"
        )
    return table


CATEGORY_LABELS: dict[str, str] = {
    "mangel": "mangel",
    "mangel på arbejdskraft": "mangel",
    "omfattende mangel": "mangel",
    "omfattende mangel på arbejdskraft": "mangel",
    "paradoks": "paradoks",
    "paradoksproblemer": "paradoks",
    "paradoksproblem": "paradoks",
    "gode": "gode",
    "gode jobmuligheder": "gode",
    "gode beskæftigelsesmuligheder": "gode",
    "mindre gode": "mindre_gode",
    "mindre_gode": "mindre_gode",
    "mindre gode jobmuligheder": "mindre_gode",
    "mindre gode beskæftigelsesmuligheder": "mindre_gode",
    "overskud af arbejdskraft": "mindre_gode",
}


def category_of(label: Any) -> str | None:
    """gode | mindre_gode | paradoks | mangel for a published category text, else None.
    "Rigtig gode jobmuligheder" is mangel or paradoks: ambiguous, so None."""
    return CATEGORY_LABELS.get(_key(label))


_PERIOD_PATTERNS = (
    (re.compile(r"(20\d\d)\s*-?\s*h\s*([12])"), (1, 2)),  # 2026H2, 2026-H2
    (re.compile(r"([12])\s*\.?\s*(?:halvår|halvaar|halvar|hå)\D{0,3}(20\d\d)"), (2, 1)),
    (re.compile(r"(20\d\d)\s*[-/]\s*([12])\b"), (1, 2)),  # 2026-2
)


def period_of(text: Any) -> str | None:
    """``2026H2`` from "2. halvår 2026", "2026H2", "2_halvaar_2026", "2026-2"; else None."""
    value = fold(str(text or "")).replace("_", " ")
    for pattern, (year_group, half_group) in _PERIOD_PATTERNS:
        m = pattern.search(value)
        if m:
            return f"{m.group(year_group)}H{m.group(half_group)}"
    return None
