"""Reading export files: CSV/TSV as Danish Excel writes them, and XLSX.

CSV: the encoding is detected (UTF-8 with or without BOM, UTF-16 with BOM as Excel's
"Unicode text", otherwise cp1252), the separator from the header line (``;``, tab or ``,``),
quoted fields may hold separators, quotes (doubled) and line breaks. XLSX: the first sheet,
read with openpyxl in read-only mode.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is
row 2 (a quoted line break does not start a new row). The file's values are loaded unchanged
(trimmed, empty -> NULL) into a temporary all-VARCHAR table; all checking happens afterwards
in SQL (see :mod:`.validate`).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pyarrow as pa

from .cpr import looks_like_cpr, mask_cpr
from .spec import ImportRefused

CHUNK_ROWS = 50_000
PREVIEW_ROWS = 20
_SNIFF_BYTES = 1 << 16

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


class ImportCancelled(Exception):
    """The user cancelled; nothing has been written to the cache."""


@dataclass
class TableFile:
    """What :func:`inspect_file` found out about a file."""

    path: Path
    format: str  # "csv" or "xlsx"
    headers: list[str]
    encoding: str | None = None  # csv only: the Python codec name
    delimiter: str | None = None  # csv only

    def describe(self) -> str:
        if self.format == "xlsx":
            return "XLSX"
        sep = {";": "';'", "\t": "tab", ",": "','"}.get(self.delimiter or "", repr(self.delimiter))
        return f"CSV, {self.encoding}, separator {sep}"


@dataclass
class StructuralReject:
    """A row that could not even be split into the header's columns."""

    row_number: int
    fields: int  # how many fields the row has
    width: int  # how many the header has
    raw: str  # the row's values joined by ' | ', CPR-like parts masked


@dataclass
class RawLoad:
    table: str
    columns: list[str]  # SQL column names c0..cN, in file order
    rows: int  # data rows loaded into the table
    structural: list[StructuralReject] = field(default_factory=list)


# -- sniffing ----------------------------------------------------------------------------------


def _refuse_not_table(path: Path, why: str, why_da: str) -> ImportRefused:
    return ImportRefused(
        f"{path.name} is not a table (CSV, TSV or XLSX): {why}",
        f"{path.name} er ikke en tabel (CSV, TSV eller XLSX): {why_da}",
    )


def detect_encoding(path: Path) -> str:
    """'utf-8-sig', 'utf-16', 'utf-8' or 'cp1252' (when the bytes are not valid UTF-8)."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _sniff_delimiter(first_line: str, suffix: str) -> str | None:
    counts = {d: first_line.count(d) for d in (";", "\t", ",")}
    if suffix == ".tsv" and counts["\t"]:
        return "\t"
    best = max(counts, key=lambda d: counts[d])  # ties: ';' before tab before ','
    return best if counts[best] else None


def inspect_file(path: str | Path) -> TableFile:
    """Detect the format, encoding and separator and read the header; refuse non-tables."""
    path = Path(path)
    if not path.is_file():
        raise ImportRefused(f"{path} does not exist or is not a file", f"{path} findes ikke")
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip(b" \t\r\n\xef\xbb\xbf\xff\xfe\x00"):
        raise ImportRefused(f"{path.name} is empty", f"{path.name} er tom")
    if head.startswith(b"PK\x03\x04"):
        return _inspect_xlsx(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse_not_table(
            path,
            "the old Excel .xls format is not supported; save it as .xlsx or CSV",
            "det gamle Excel .xls-format understøttes ikke; gem som .xlsx eller CSV",
        )
    encoding = detect_encoding(path)
    if encoding != "utf-16" and b"\x00" in head:
        raise _refuse_not_table(path, "it holds binary data", "den indeholder binære data")
    try:
        with _open_text(path, encoding) as (_raw, text):
            first_line = ""
            for line in text:
                if line.strip():
                    first_line = line
                    break
    except UnicodeDecodeError:
        raise _refuse_not_table(
            path,
            "it is neither UTF-8 nor Windows-1252 text",
            "den er hverken UTF-8- eller Windows-1252-tekst",
        ) from None
    delimiter = _sniff_delimiter(first_line, path.suffix.lower())
    tf = TableFile(path, "csv", [], encoding, delimiter or ";")
    headers = _csv_headers(tf)
    if delimiter is None and len(headers) <= 1:
        from .spec import normalise_header

        known = {"borger_id", "cvr", "borgerid"}
        if normalise_header(headers[0] if headers else "") not in known:
            raise _refuse_not_table(
                path,
                "the first line has no ';', tab or ',' separator",
                "første linje har ingen ';', tabulator eller ',' som skilletegn",
            )
    tf.headers = headers
    _check_header(tf)
    return tf


def _check_header(tf: TableFile) -> None:
    """A header that holds a CPR number means the file has no header row: refuse it
    before any message could echo the header."""
    if any(looks_like_cpr(h) for h in tf.headers):
        raise ImportRefused(
            f"the first row of {tf.path.name} holds a CPR number; the file must start with a "
            "header row of column names (and CPR numbers must not be exported)",
            f"første række i {tf.path.name} indeholder et CPR-nummer; filen skal starte med en "
            "overskriftsrække med kolonnenavne (og CPR-numre må ikke eksporteres)",
        )


class _open_text:
    """Open ``path`` as text with universal newlines off (csv needs ``newline=''``)."""

    def __init__(self, path: Path, encoding: str):
        self.path, self.encoding = path, encoding

    def __enter__(self) -> tuple[BinaryIO, io.TextIOWrapper]:
        self.raw = self.path.open("rb")
        self.text = io.TextIOWrapper(self.raw, encoding=self.encoding, newline="")
        return self.raw, self.text

    def __exit__(self, *exc: object) -> None:
        self.text.close()


def _csv_headers(tf: TableFile) -> list[str]:
    for _, row in _iter_csv(tf, with_header=True):
        return [h.replace("\ufeff", "").strip() for h in row]
    raise ImportRefused(f"{tf.path.name} is empty", f"{tf.path.name} er tom")


def _inspect_xlsx(path: Path) -> TableFile:
    tf = TableFile(path, "xlsx", [])
    for _, row in _iter_xlsx(tf, with_header=True):
        tf.headers = [h.strip() for h in row]
        _check_header(tf)
        return tf
    raise ImportRefused(f"{path.name} is empty", f"{path.name} er tom")


# -- row iteration -----------------------------------------------------------------------------


def _iter_csv(
    tf: TableFile, *, with_header: bool = False, position: list[int] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, values); blank lines are skipped but counted."""
    assert tf.encoding and tf.delimiter
    try:
        with _open_text(tf.path, tf.encoding) as (raw, text):
            reader = csv.reader(
                text, delimiter=tf.delimiter, quotechar='"', doublequote=True, strict=False
            )
            number = 0
            for row in reader:
                number += 1
                if position is not None and not number % 4096:
                    position[0] = raw.tell()
                if number == 1:
                    if with_header:
                        yield 1, row
                        return
                    continue
                if not row:
                    continue
                yield number, row
    except UnicodeDecodeError:
        raise _refuse_not_table(
            tf.path,
            "it is neither UTF-8 nor Windows-1252 text",
            "den er hverken UTF-8- eller Windows-1252-tekst",
        ) from None
    except csv.Error as exc:
        raise ImportRefused(
            f"{tf.path.name} cannot be read as CSV after row {number}: {exc} (an unclosed quote?)",
            f"{tf.path.name} kan ikke læses som CSV efter række {number}: {exc} (et citationstegn der ikke lukkes?)",
        ) from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        text = str(value)
        # A CPR number typed into Excel as a number loses its leading zero.
        if len(text) == 9 and looks_like_cpr(text.zfill(10)):
            return text.zfill(10)
        return text
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _iter_xlsx(tf: TableFile, *, with_header: bool = False) -> Iterator[tuple[int, list[str]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(tf.path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _refuse_not_table(
            tf.path,
            f"not a readable XLSX workbook ({exc})",
            f"ikke en læsbar XLSX-projektmappe ({exc})",
        ) from None
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise _refuse_not_table(
            tf.path,
            f"not a readable XLSX workbook ({type(exc).__name__})",
            "ikke en læsbar XLSX-projektmappe",
        ) from None
    try:
        ws = wb.worksheets[0]
        width: int | None = None
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            row = [_cell(v) for v in values]
            if number == 1:
                while row and not row[-1].strip():
                    row.pop()
                width = len(row)
                if with_header:
                    if row:
                        yield 1, row
                    return
                continue
            assert width is not None
            while len(row) > width and not row[-1].strip():
                row.pop()
            if not any(v.strip() for v in row):
                continue
            if len(row) < width:
                row.extend([""] * (width - len(row)))  # openpyxl stops at the last filled cell
            yield number, row
    finally:
        wb.close()


def iter_rows(
    tf: TableFile, *, position: list[int] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """Data rows of the file as (spreadsheet row number, values)."""
    if tf.format == "xlsx":
        return _iter_xlsx(tf)
    return _iter_csv(tf, position=position)


def preview(path: str | Path, rows: int = PREVIEW_ROWS) -> tuple[TableFile, list[list[str]]]:
    """The header and the first ``rows`` data rows (for the wizard)."""
    tf = inspect_file(path)
    out: list[list[str]] = []
    for _, row in iter_rows(tf):
        out.append(row)
        if len(out) >= rows:
            break
    return tf, out


# -- loading -----------------------------------------------------------------------------------


def load_raw(
    con: duckdb.DuckDBPyConnection,
    tf: TableFile,
    table: str,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    chunk_rows: int = CHUNK_ROWS,
    fast: bool = True,
) -> RawLoad:
    """Load all data rows into the TEMP table ``table(__row BIGINT, c0 .. cN VARCHAR)``.

    Rows whose number of fields differs from the header's are not loaded but returned as
    structural rejects (extra fields that are all empty are tolerated). Rows with only empty
    values are dropped (their numbers stay counted).

    CSV goes through pyarrow's multi-threaded reader first; a file with any irregular row
    (wrong number of fields, blank lines) is read again row by row with Python's csv module,
    which reports each such row with its number.
    """
    width = len(tf.headers)
    cols = [f"c{i}" for i in range(width)]
    if not table.isidentifier():
        raise ValueError(f"bad table name {table!r}")
    result: RawLoad | None = None
    if fast and tf.format == "csv":
        _create_raw(con, table, cols)
        result = _load_arrow(con, tf, table, cols, progress, cancel)
    if result is None:
        _create_raw(con, table, cols)
        result = _load_rows(con, tf, table, cols, progress, cancel, chunk_rows)
    empty = " AND ".join(f"{c} IS NULL" for c in cols)
    dropped = con.execute(f"DELETE FROM {table} WHERE {empty}").fetchone()
    result.rows -= int(dropped[0]) if dropped else 0
    return result


def _create_raw(con: duckdb.DuckDBPyConnection, table: str, cols: list[str]) -> None:
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(
        f"CREATE TEMP TABLE {table} (__row BIGINT, {', '.join(c + ' VARCHAR' for c in cols)})"
    )


def _insert(con: duckdb.DuckDBPyConnection, table: str, cols: list[str], batch: pa.Table) -> None:
    select = ", ".join(f"NULLIF(trim({c}), '')" for c in cols)
    con.register("_imp_chunk", batch)
    try:
        con.execute(f"INSERT INTO {table} SELECT __row, {select} FROM _imp_chunk")
    finally:
        con.unregister("_imp_chunk")


def _load_arrow(
    con: duckdb.DuckDBPyConnection,
    tf: TableFile,
    table: str,
    cols: list[str],
    progress: ProgressFn | None,
    cancel: CancelFn | None,
) -> RawLoad | None:
    """The fast path; None when the file needs the row-by-row reader."""
    import numpy as np
    import pyarrow.csv as pacsv

    irregular: list[int] = []

    def on_invalid(_row: Any) -> str:
        irregular.append(1)
        return "skip"

    encoding = "utf8" if tf.encoding in ("utf-8", "utf-8-sig") else str(tf.encoding)
    try:
        reader = pacsv.open_csv(
            tf.path,
            read_options=pacsv.ReadOptions(
                encoding=encoding, column_names=cols, skip_rows=1, block_size=1 << 22
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=tf.delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in cols},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    loaded = 0
    size = max(tf.path.stat().st_size, 1)
    try:
        for batch in reader:
            if irregular:
                return None
            n = batch.num_rows
            numbers = pa.array(np.arange(loaded + 2, loaded + 2 + n, dtype=np.int64))
            tbl = pa.Table.from_batches([batch]).add_column(0, "__row", numbers)
            _insert(con, table, cols, tbl)
            loaded += n
            if cancel is not None and cancel():
                raise ImportCancelled()
            if progress is not None:
                # Bytes read are not exposed; rows x average row length is close enough.
                done = min(loaded * (tbl.nbytes / max(n, 1)) / size, 1.0) if n else 0.0
                progress(done, f"{loaded} rows read")
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if irregular:
        return None
    return RawLoad(table, cols, loaded, [])


def _load_rows(
    con: duckdb.DuckDBPyConnection,
    tf: TableFile,
    table: str,
    cols: list[str],
    progress: ProgressFn | None,
    cancel: CancelFn | None,
    chunk_rows: int,
) -> RawLoad:
    width = len(cols)
    size = max(tf.path.stat().st_size, 1)
    position = [0]
    structural: list[StructuralReject] = []
    numbers: list[int] = []
    chunk: list[list[str]] = []
    loaded = 0

    def flush() -> None:
        nonlocal loaded
        if not numbers:
            return
        arrays = [pa.array(numbers, pa.int64())]
        arrays.extend(pa.array(col, pa.string()) for col in zip(*chunk, strict=True))
        _insert(con, table, cols, pa.Table.from_arrays(arrays, names=["__row", *cols]))
        loaded += len(numbers)
        numbers.clear()
        chunk.clear()
        if cancel is not None and cancel():
            raise ImportCancelled()
        if progress is not None:
            frac = position[0] / size if tf.format == "csv" else 0.0
            progress(min(frac, 1.0), f"{loaded} rows read")

    for number, row in iter_rows(tf, position=position):
        n = len(row)
        if n != width:
            if n > width and not any(v.strip() for v in row[width:]):
                row = row[:width]
            else:
                joined = " | ".join(row)
                structural.append(StructuralReject(number, n, width, mask_cpr(joined) or ""))
                continue
        numbers.append(number)
        chunk.append(row)
        if len(numbers) >= chunk_rows:
            flush()
    flush()
    return RawLoad(table, cols, loaded, structural)
