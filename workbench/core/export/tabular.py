"""Every tabular file the workbench writes (CSV, XLSX) goes through this module.

Two things matter for files that people open in a spreadsheet:

- Formula injection: a cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage
  return is run as a formula by Excel and LibreOffice (``=HYPERLINK(...)``,
  ``+cmd|' /C calc'!A0``). OWASP's rule: prefix such text cells with ``'``. Numbers (real
  ones, or text that is just a number such as ``-5``) are left alone: they cannot run.
- Danish Excel (``excel-da``) opens a CSV only if it is ``;``-separated, UTF-8 with a BOM,
  and reads ``1,5`` as a number but ``1.5`` as text or a date. ``rfc4180`` is for programs.

Rows are consumed one at a time, so a million-row export never sits in memory at once.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

CsvDialect = Literal["excel-da", "rfc4180"]
CSV_DIALECTS: tuple[str, ...] = ("excel-da", "rfc4180")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Text that is only a number (``-5``, ``+3,5``, ``-1.2e3``): a spreadsheet reads it as a number,
# never as a formula, so the ``'`` would only spoil it.
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
# Characters XML 1.0 (and so XLSX) cannot hold; openpyxl raises on them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class _CsvFormat:
    delimiter: str
    bom: bool
    decimal: str


_FORMATS: dict[str, _CsvFormat] = {
    "excel-da": _CsvFormat(delimiter=";", bom=True, decimal=","),
    "rfc4180": _CsvFormat(delimiter=",", bom=False, decimal="."),
}


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell (OWASP's CSV injection rule).

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``
    unless it is just a number; every other value is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        if _NUMBER_TEXT.fullmatch(value):
            return value
        return "'" + value
    return value


def cell_text(value: Any, decimal: str = ".") -> str:
    """One value as the text of a CSV cell (neutralised): ``None`` is empty, lists are joined
    with ``|``, dates are ISO, floats use ``decimal`` as the decimal separator."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | Decimal):
        text = repr(value) if isinstance(value, float) else str(value)
        if isinstance(value, float) and text.endswith(".0"):
            text = text[:-2]  # 12.0 -> "12": the cache stores counts as DOUBLE now and then
        return text.replace(".", decimal) if decimal != "." else text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return neutralise("|".join(cell_text(v, decimal) for v in value))
    return neutralise(str(value))


def write_csv(
    path_or_stream: str | os.PathLike[str] | IO[str] | IO[bytes],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    dialect: CsvDialect | str = "excel-da",
) -> int:
    """Write a header and ``rows`` (sequences in ``columns`` order, or mappings keyed by
    column) as CSV; returns the number of data rows written.

    A path is written to a temporary file first and moved in place at the end, so a failed
    export never leaves half a file under the real name. A binary stream gets UTF-8; a text
    stream (e.g. ``sys.stdout``) is written as is, with the BOM as its first character.
    """
    try:
        fmt = _FORMATS[dialect]
    except KeyError:
        raise ValueError(f"unknown CSV dialect {dialect!r} (use excel-da or rfc4180)") from None
    if isinstance(path_or_stream, str | os.PathLike):
        target = Path(path_or_stream)
        tmp = target.with_name(target.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                count = _write_csv_text(fh, columns, rows, fmt)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return count
    if isinstance(path_or_stream, io.TextIOBase) or hasattr(path_or_stream, "encoding"):
        return _write_csv_text(path_or_stream, columns, rows, fmt)  # type: ignore[arg-type]
    wrapper = io.TextIOWrapper(path_or_stream, encoding="utf-8", newline="")  # type: ignore[arg-type]
    try:
        return _write_csv_text(wrapper, columns, rows, fmt)
    finally:
        wrapper.flush()
        wrapper.detach()  # the caller owns the binary stream


def _write_csv_text(
    fh: IO[str],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    fmt: _CsvFormat,
) -> int:
    if fmt.bom:
        fh.write("\ufeff")
    writer = csv.writer(fh, delimiter=fmt.delimiter, lineterminator="\r\n")
    writer.writerow([cell_text(c) for c in columns])
    count = 0
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, Mapping) else row
        writer.writerow([cell_text(v, fmt.decimal) for v in values])
        count += 1
    return count


def write_xlsx(
    path: str | os.PathLike[str],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    metadata: Mapping[str, Any] | None = None,
    sheet: str = "data",
    properties: Mapping[str, Any] | None = None,
) -> int:
    """Write ``rows`` to an XLSX workbook (sheet ``sheet``; ``metadata`` as key/value pairs on
    a second sheet ``metadata``); returns the number of data rows written. ``properties``
    set the workbook's document properties (openpyxl names: creator, title, subject,
    description, keywords, created), which Excel shows under File > Info.

    Written in openpyxl's write-only mode (rows streamed to disk) and moved in place at the end.
    Numbers and dates stay typed cells; text is neutralised and always stored as text, never
    as a formula.
    """
    from openpyxl import Workbook  # imported here: CSV-only callers need not load it

    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    wb = Workbook(write_only=True)
    for key, value in (properties or {}).items():
        setattr(wb.properties, key, value)
    ws = wb.create_sheet(sheet[:31])
    ws.append([_xlsx_cell(c) for c in columns])
    count = 0
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, Mapping) else row
        ws.append([_xlsx_cell(v) for v in values])
        count += 1
    if metadata:
        meta = wb.create_sheet("metadata")
        for key, value in metadata.items():
            meta.append([_xlsx_cell(key), _xlsx_cell(value)])
    try:
        wb.save(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _xlsx_cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime | date | time):
        return value
    text = value if isinstance(value, str) else cell_text(value)
    # Neutralised text never starts with "=", so openpyxl stores it as text, not a formula.
    return neutralise(_XML_ILLEGAL.sub("", text))
