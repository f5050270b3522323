"""Reading export files: CSV/TSV as Danish Excel writes them, and XLSX.

CSV: the encoding is detected (a BOM; otherwise from the bytes, see
:func:`encoding_evidence`: UTF-8, cp1252, UTF-16 without BOM), the separator from the header
line (``;``, tab or ``,``), quoted fields may hold separators, quotes (doubled) and line
breaks. Rows the file cannot vouch for are rejected by the reader (wrong number of fields,
bytes of another encoding, Excel error cells); rows spanning several lines are recorded, so
that an unclosed quote refuses the file instead of swallowing rows. XLSX: the first sheet,
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
import re
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
    # csv only: bytes that do not fit ``encoding`` (their rows are rejected, never garbled)
    foreign_bytes: int = 0

    def describe(self) -> str:
        if self.format == "xlsx":
            return "XLSX"
        sep = {";": "';'", "\t": "tab", ",": "','"}.get(self.delimiter or "", repr(self.delimiter))
        return f"CSV, {self.encoding}, separator {sep}"


@dataclass
class StructuralReject:
    """A row rejected by the reader: it could not be split into the header's columns
    (``code`` 'fields'), holds bytes of another encoding ('encoding', 'mojibake') or an
    Excel error cell ('excel_error')."""

    row_number: int
    fields: int  # how many fields the row has
    width: int  # how many the header has
    raw: str  # the row's values joined by ' | ', CPR-like parts masked
    code: str = "fields"
    column: str = "(row)"
    detail: str | None = None

    @property
    def reason_detail(self) -> str | None:
        return f"{self.fields}/{self.width}" if self.code == "fields" else self.detail


@dataclass
class RawLoad:
    table: str
    columns: list[str]  # SQL column names c0..cN, in file order
    rows: int  # data rows loaded into the table
    structural: list[StructuralReject] = field(default_factory=list)
    # Rows that span several lines of the file: row number -> (first line, last line).
    multiline: dict[int, tuple[int, int] | None] = field(default_factory=dict)
    # The last row's number when the file does not end with a line break (cut off?).
    open_last_row: int | None = None


# -- sniffing ----------------------------------------------------------------------------------


def _refuse_not_table(path: Path, why: str, why_da: str) -> ImportRefused:
    return ImportRefused(
        f"{path.name} is not a table (CSV, TSV or XLSX): {why}",
        f"{path.name} er ikke en tabel (CSV, TSV eller XLSX): {why_da}",
    )


def encoding_evidence(path: Path) -> tuple[str, int]:
    """The file's encoding and how many of its bytes do not fit it.

    A BOM decides (UTF-8, UTF-16). Otherwise the bytes are counted: valid UTF-8 multi-byte
    characters against bytes that are not valid UTF-8. Only valid UTF-8 -> 'utf-8'; no
    UTF-8 character at all -> 'cp1252'; mostly UTF-8 -> 'utf-8' with the stray bytes as
    foreign (their rows are rejected); mostly not -> 'cp1252' with the UTF-8 characters as
    foreign (their rows would be garbled: rejected). Text without BOM whose every other byte
    is zero is UTF-16 (LE or BE).
    """
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig", 0
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16", 0
        bom_less = _bom_less_utf16(head)
        if bom_less:
            return bom_less, 0
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        good = bad = 0
        while chunk := fh.read(1 << 20):
            text = decoder.decode(chunk)
            if text.isascii():
                continue
            # U+FFFD stands for each invalid byte sequence; other non-ASCII chars are valid
            # UTF-8 multi-byte characters. (C-speed counting: no per-byte Python loop.)
            replaced = text.count("\ufffd")
            bad += replaced
            good += len(text) - len(text.encode("ascii", "ignore")) - replaced
        bad += decoder.decode(b"", final=True).count("\ufffd")
    if not bad:
        return "utf-8", 0
    if not good:
        return "cp1252", 0
    # A valid multi-byte sequence is rarely an accident in cp1252 text: a tie goes to UTF-8.
    return ("utf-8", bad) if good >= bad else ("cp1252", good)


def _bom_less_utf16(head: bytes) -> str | None:
    even, odd = head[0::2], head[1::2]
    if len(head) < 4:
        return None
    even_zero, odd_zero = even.count(0) / len(even), odd.count(0) / max(len(odd), 1)
    if odd_zero > 0.3 and even_zero < 0.02:
        return "utf-16-le"
    if even_zero > 0.3 and odd_zero < 0.02:
        return "utf-16-be"
    return None


def detect_encoding(path: Path) -> str:
    """'utf-8-sig', 'utf-16', 'utf-16-le/-be', 'utf-8' or 'cp1252' (see
    :func:`encoding_evidence`)."""
    return encoding_evidence(path)[0]


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
    encoding, foreign = encoding_evidence(path)
    if not encoding.startswith("utf-16") and b"\x00" in head:
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
    tf = TableFile(path, "csv", [], encoding, delimiter or ";", foreign)
    headers = _csv_headers(tf)
    if any(_SURROGATE.search(h) for h in headers):
        raise ImportRefused(
            f"the header row of {path.name} holds bytes that are not {encoding}: the file mixes "
            "encodings; save it again as UTF-8",
            f"overskriftsrækken i {path.name} indeholder tegn, der ikke er {encoding}: filen "
            "blander tegnsæt; gem den igen som UTF-8",
        )
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
    before any message could echo the header. Two columns with the same name (after
    :func:`~.spec.normalise_header`) make the mapping ambiguous: refuse, naming them."""
    from .spec import normalise_header

    if any(looks_like_cpr(h) for h in tf.headers):
        raise ImportRefused(
            f"the first row of {tf.path.name} holds a CPR number; the file must start with a "
            "header row of column names (and CPR numbers must not be exported)",
            f"første række i {tf.path.name} indeholder et CPR-nummer; filen skal starte med en "
            "overskriftsrække med kolonnenavne (og CPR-numre må ikke eksporteres)",
        )
    seen: dict[str, int] = {}
    for i, h in enumerate(tf.headers):
        key = normalise_header(h)
        if not key:
            continue
        if key in seen:
            first = seen[key]
            raise ImportRefused(
                f"the header of {tf.path.name} names the column {h!r} twice (columns "
                f"{first + 1} and {i + 1}, {tf.headers[first]!r} and {h!r}); rename or remove one",
                f"overskriften i {tf.path.name} har kolonnen {h!r} to gange (kolonne "
                f"{first + 1} og {i + 1}, {tf.headers[first]!r} og {h!r}); omdøb eller fjern den ene",
            )
        seen[key] = i


class _open_text:
    """Open ``path`` as text with universal newlines off (csv needs ``newline=''``)."""

    def __init__(self, path: Path, encoding: str):
        self.path, self.encoding = path, encoding

    def __enter__(self) -> tuple[BinaryIO, io.TextIOWrapper]:
        self.raw = self.path.open("rb")
        # Stray bytes become lone surrogates: their rows are rejected, never garbled (UTF-16
        # has no such partial reading).
        errors = "strict" if self.encoding.startswith("utf-16") else "surrogateescape"
        self.text = io.TextIOWrapper(self.raw, encoding=self.encoding, errors=errors, newline="")
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
    tf: TableFile,
    *,
    with_header: bool = False,
    position: list[int] | None = None,
    multiline: dict[int, tuple[int, int] | None] | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, values); blank lines are skipped but counted.

    ``multiline`` collects rows that span several lines of the file (a quoted line break,
    or an unclosed quote swallowing the following rows). A quoted value whose later lines
    look like whole rows of the file is an unclosed quote: the file is refused.
    """
    assert tf.encoding and tf.delimiter
    width = len(tf.headers)
    number = 0
    try:
        with _open_text(tf.path, tf.encoding) as (raw, text):
            reader = csv.reader(
                text, delimiter=tf.delimiter, quotechar='"', doublequote=True, strict=False
            )
            last_line = 0
            for row in reader:
                number += 1
                first_line, last_line = last_line + 1, reader.line_num
                if position is not None and not number % 4096:
                    position[0] = raw.tell()
                if number == 1:
                    if with_header:
                        yield 1, row
                        return
                    continue
                if not row:
                    continue
                if last_line > first_line:
                    if multiline is not None:
                        multiline[number] = (first_line, last_line)
                    _check_swallowed(tf, row, number, first_line, last_line, width)
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


def unclosed_quote(
    tf: TableFile, number: int, first_line: int | None, last_line: int | None
) -> ImportRefused:
    """The file is refused whole: a quote opened in row ``number`` swallowed later lines."""
    lines = f" lines {first_line}-{last_line} of the file" if first_line else " the next lines"
    lines_da = f" linje {first_line}-{last_line} i filen" if first_line else " de næste linjer"
    return ImportRefused(
        f'{tf.path.name}: row {number} has a quote (") that is never closed where the row '
        f"ends: it swallows{lines}; the file is refused and nothing was changed (fix the "
        "quote and import again)",
        f'{tf.path.name}: række {number} har et citationstegn ("), der ikke lukkes, hvor '
        f"rækken slutter: det sluger{lines_da}; filen er afvist, og intet er ændret (ret "
        "citationstegnet og indlæs igen)",
    )


def _check_swallowed(
    tf: TableFile,
    row: list[str],
    number: int,
    first_line: int | None,
    last_line: int | None,
    width: int,
) -> None:
    """A legitimate multi-line value (a note) holds text; a swallowed row holds as many
    separators as a row of the file."""
    if width < 3:
        return
    for value in row:
        if "\n" not in value and "\r" not in value:
            continue
        for line in value.splitlines()[1:]:
            if line.count(tf.delimiter or ";") >= width - 1:
                raise unclosed_quote(tf, number, first_line, last_line)


class ExcelErrorValue(str):
    """A cell holding an Excel error (``#REF!``, ``#VALUE!``, ...): its row is rejected."""


def _cell(value: Any, data_type: str | None = None) -> str:
    if data_type == "e":
        return ExcelErrorValue(value or "#ERROR")
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
    number = 0
    try:
        ws = wb.worksheets[0]
        width: int | None = None
        for number, cells in enumerate(ws.iter_rows(), start=1):
            row = [_cell(c.value, getattr(c, "data_type", None)) for c in cells]
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
    except Exception as exc:  # a damaged sheet (bad XML, cut-off archive) mid-way
        raise ImportRefused(
            f"{tf.path.name}: the sheet cannot be read after row {number} "
            f"({type(exc).__name__}); the file is refused and nothing was changed",
            f"{tf.path.name}: arket kan ikke læses efter række {number} "
            f"({type(exc).__name__}); filen er afvist, og intet er ændret",
        ) from None
    finally:
        wb.close()


def iter_rows(
    tf: TableFile,
    *,
    position: list[int] | None = None,
    multiline: dict[int, tuple[int, int] | None] | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """Data rows of the file as (spreadsheet row number, values)."""
    if tf.format == "xlsx":
        return _iter_xlsx(tf)
    return _iter_csv(tf, position=position, multiline=multiline)


def preview(path: str | Path, rows: int = PREVIEW_ROWS) -> tuple[TableFile, list[list[str]]]:
    """The header and the first ``rows`` data rows (for the wizard), CPR-like parts masked
    and stray bytes shown as U+FFFD (what the screen shows follows the same rule)."""
    tf = inspect_file(path)
    out: list[list[str]] = []
    for _, row in iter_rows(tf):
        out.append([_display(_utf8_reading(tf, v) or v) for v in row])
        if len(out) >= rows:
            break
    return tf, out


# -- values the file cannot vouch for ----------------------------------------------------------

_SURROGATE = re.compile("[\udc80-\udcff]")


def _display(value: str) -> str:
    """A value for messages and rejects: stray bytes as U+FFFD, CPR-like parts masked."""
    return mask_cpr(_SURROGATE.sub("\ufffd", value)) or ""


def _bad_value(tf: TableFile, row: list[str]) -> tuple[int, str, str] | None:
    """(column index, reason code, detail) of the first value the row cannot be trusted
    with: an Excel error cell, bytes that are not the file's encoding, or UTF-8 text inside a
    Windows-1252 file (it would be stored garbled: 'PÃ¦dagog')."""
    for i, value in enumerate(row):
        if isinstance(value, ExcelErrorValue):
            return i, "excel_error", str(value)
        if value.isascii():
            continue
        stray = _SURROGATE.findall(value)
        if stray:
            shown = " ".join(f"0x{ord(c) - 0xDC00:02X}" for c in stray[:3])
            return i, "encoding", f"{shown} ({tf.encoding})"
        as_utf8 = _utf8_reading(tf, value)
        if as_utf8 is not None:
            return i, "mojibake", as_utf8
    return None


def _utf8_reading(tf: TableFile, value: str) -> str | None:
    """``value`` as UTF-8 when a cp1252 file holds UTF-8 text there (else None)."""
    if tf.encoding != "cp1252" or not tf.foreign_bytes or value.isascii():
        return None
    try:
        as_utf8 = value.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return None
    return as_utf8 if as_utf8 != value else None


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
    # Stray bytes of another encoding are found row by row (pyarrow would refuse or garble).
    if fast and tf.format == "csv" and not tf.foreign_bytes:
        _create_raw(con, table, cols)
        result = _load_arrow(con, tf, table, cols, progress, cancel)
    if result is None:
        _create_raw(con, table, cols)
        result = _load_rows(con, tf, table, cols, progress, cancel, chunk_rows)
    empty = " AND ".join(f"{c} IS NULL" for c in cols)
    dropped = con.execute(f"DELETE FROM {table} WHERE {empty}").fetchone()
    result.rows -= int(dropped[0]) if dropped else 0
    if tf.format == "csv" and not _ends_with_line_break(tf):
        last = con.execute(f"SELECT max(__row) FROM {table}").fetchone()
        numbers = [s.row_number for s in result.structural]
        if last and last[0] is not None:
            numbers.append(int(last[0]))
        result.open_last_row = max(numbers) if numbers else None
    return result


def _ends_with_line_break(tf: TableFile) -> bool:
    with tf.path.open("rb") as fh:
        fh.seek(0, io.SEEK_END)
        fh.seek(max(fh.tell() - 4, 0))
        tail = fh.read()
    if (tf.encoding or "").startswith("utf-16"):
        tail = tail.replace(b"\x00", b"")
    return tail.endswith((b"\n", b"\r"))


def quotes_unbalanced(tf: TableFile) -> bool:
    """True when a CSV file holds an odd number of quote characters: quotes come in pairs
    (opening and closing, or doubled inside a value), so one was never closed. This finds
    the unclosed quote in the last row, which swallows no further line (only its own line
    break) and so escapes the multi-line check. Byte counting is exact for UTF-8 and
    single-byte encodings (0x22 is never part of another character); UTF-16 is skipped."""
    if tf.format != "csv" or (tf.encoding or "").lower().startswith("utf-16"):
        return False
    count = 0
    with tf.path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b'"')
    return count % 2 == 1


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
    multiline: dict[int, tuple[int, int] | None] = {}
    try:
        for batch in reader:
            if irregular:
                return None
            n = batch.num_rows
            _note_multiline(tf, batch, loaded + 2, multiline)
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
    return RawLoad(table, cols, loaded, [], multiline)


def _note_multiline(
    tf: TableFile, batch: pa.RecordBatch, first_number: int, multiline: dict
) -> None:
    """Rows of ``batch`` holding a line break in a value span several lines of the file
    (their line numbers are unknown here); a swallowed row refuses the file."""
    import pyarrow.compute as pc

    hit = None
    for col in batch.columns:
        m = pc.match_substring_regex(col, "[\r\n]")
        hit = m if hit is None else pc.or_(hit, m)
    if hit is None or not pc.any(hit).as_py():
        return
    width = batch.num_columns
    for i in pc.indices_nonzero(hit).to_pylist():
        number = first_number + i
        multiline[number] = None
        row = [batch.column(j)[i].as_py() or "" for j in range(width)]
        _check_swallowed(tf, row, number, None, None, width)


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

    multiline: dict[int, tuple[int, int] | None] = {}
    for number, row in iter_rows(tf, position=position, multiline=multiline):
        n = len(row)
        if n != width:
            if n > width and not any(v.strip() for v in row[width:]):
                row = row[:width]
            else:
                structural.append(StructuralReject(number, n, width, _display(" | ".join(row))))
                continue
        bad = _bad_value(tf, row)
        if bad is not None:
            i, code, detail = bad
            # UTF-8 text in a cp1252 file is shown as it was meant, never garbled.
            shown = _display(detail if code == "mojibake" else row[i])
            structural.append(
                StructuralReject(number, n, width, shown, code, tf.headers[i], mask_cpr(detail))
            )
            continue
        numbers.append(number)
        chunk.append(row)
        if len(numbers) >= chunk_rows:
            flush()
    flush()
    return RawLoad(table, cols, loaded, structural, multiline)
