"""Rejected rows of imports, kept encrypted beside the cache (issue #15).

An import's rejected rows are personal data (the row's values). They are written to a small
DuckDB file beside the cache, ``<cache>.rejects.duckdb``, opened with the cache's key the
way the cache is (:func:`workbench.core.cache.open_side_file`): encrypted when the cache is,
plain only when the cache itself is plain. The file is written on its own connection,
outside the import's transaction, so the rows of a refused or failed import are kept (the
cache's ``<table>_rejects`` rows roll back with the import).

Tables: ``reject_runs`` (one row per import run) and ``rejected_rows`` (the run's rejected
rows: row number in the file, the wrong field, the value, the message, the raw row as
JSON). A plain CSV is written only on explicit request (``workbench rejects show RUN --out
FILE.csv``), neutralised and audited like every person export.

Earlier versions wrote plain ``<data>/rejects/*.csv`` files: :func:`adopt_legacy_files`
moves them into the store and overwrites and deletes the plain files.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from workbench.core import cache, paths
from workbench.core.errors import WorkbenchError
from workbench.core.run_ids import new_run_id

from .cpr import mask_cpr, mask_cpr_in

log = logging.getLogger(__name__)

STORE_SUFFIX = ".rejects.duckdb"
LEGACY_FOLDER = "rejects"  # <data>/rejects/*.csv of earlier versions
# The first four columns of a legacy rejects CSV (Danish or English header).
_LEGACY_HEAD = (("række", "kolonne", "værdi", "årsag"), ("row", "column", "value", "reason"))

_SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS reject_runs (
        run_id VARCHAR PRIMARY KEY,        -- refresh_log.run_id of the import
        table_name VARCHAR NOT NULL,       -- candidates | collaborations
        file VARCHAR,                      -- the imported file's name (CPR-like parts masked)
        headers VARCHAR[] NOT NULL,        -- the file's columns, in order
        created_at TIMESTAMP NOT NULL,
        origin VARCHAR NOT NULL            -- import | legacy_csv
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rejected_rows (
        run_id VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL,
        row_number BIGINT NOT NULL,        -- the row in the file (header = row 1)
        field VARCHAR NOT NULL,            -- the wrong field, '(row)' for the whole row
        value VARCHAR,                     -- the wrong value (CPR-like parts masked)
        message VARCHAR NOT NULL,          -- the reason, in English
        code VARCHAR,                      -- the reason's code (the UI translates it)
        detail VARCHAR,
        raw VARCHAR                        -- JSON object: the row's values by column
    )
    """,
]
ROW_COLUMNS = {"en": ("row", "column", "value", "reason"), "da": _LEGACY_HEAD[0]}


class RejectsError(WorkbenchError):
    """No such import run among the rejects."""


@dataclass(frozen=True)
class RejectsLocation:
    """Where a cache's rejects live and whether they are encrypted (as the cache is)."""

    path: Path
    encrypted: bool


def location(con: duckdb.DuckDBPyConnection) -> RejectsLocation:
    """The rejects file of the cache open on ``con``: ``<cache>.rejects.duckdb`` beside it
    (an in-memory cache's go to the user data folder, encrypted)."""
    path, encrypted = cache.file_of(con)
    if path is None:
        return RejectsLocation(paths.user_data_dir() / f"memory{STORE_SUFFIX}", True)
    return location_for(path, encrypted)


def location_for(cache_path: str | Path, encrypted: bool = True) -> RejectsLocation:
    cache_path = Path(cache_path)
    return RejectsLocation(cache_path.with_name(cache_path.name + STORE_SUFFIX), encrypted)


@contextmanager
def open_store(
    where: RejectsLocation, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = cache.open_side_file(where.path, encrypted=where.encrypted, read_only=read_only)
    try:
        if not read_only:
            for statement in _SCHEMA:
                con.execute(statement)
        yield con
    finally:
        con.close()


class RejectsRecorder:
    """Writes one import run's rejected rows in batches, in one transaction of the rejects
    file: committed when the ``with`` block ends, rolled back when the run is cancelled or
    fails inside it."""

    def __init__(
        self, where: RejectsLocation, run_id: str, table: str, file: str, headers: Sequence[str]
    ) -> None:
        self.where, self.run_id, self.table = where, run_id, table
        self.file, self.headers = mask_cpr_in(file), [mask_cpr_in(h) for h in headers]
        self._con: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> RejectsRecorder:
        self._stack = ExitStack()
        try:
            self._con = self._stack.enter_context(open_store(self.where))
            self._stack.enter_context(cache.transaction(self._con))
            self._con.execute(
                "INSERT INTO reject_runs VALUES (?, ?, ?, ?, ?, 'import')",
                [self.run_id, self.table, self.file, self.headers, datetime.now()],
            )
        except BaseException:
            self._stack.close()
            raise
        return self

    def write(self, rejects: list[dict[str, Any]]) -> None:
        """``rejects``: records of :meth:`~.validate.Validator.iter_rejects` (masked)."""
        from .validate import reason_text

        assert self._con is not None
        self._con.executemany(
            "INSERT INTO rejected_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    self.run_id,
                    self.table,
                    r["row"],
                    "(row)" if r["column"] == "(række)" else r["column"],
                    r["value"],
                    reason_text(r["code"], r["detail"], "en"),
                    r["code"],
                    r["detail"],
                    json.dumps(r.get("values") or {}, ensure_ascii=False),
                ]
                for r in rejects
            ],
        )

    def __exit__(self, *exc: object) -> bool | None:
        # Committed when the block ends normally; a cancel or a failure rolls back.
        return self._stack.__exit__(*exc)


def list_runs(where: RejectsLocation) -> list[dict[str, Any]]:
    """The import runs with rejected rows, newest first."""
    if not where.path.exists():
        return []
    with open_store(where, read_only=True) as con:
        rows = con.execute(
            """
            SELECT r.run_id, r.table_name, r.file, r.created_at, r.origin,
                   (SELECT count(DISTINCT row_number) FROM rejected_rows x
                    WHERE x.run_id = r.run_id) AS rows
            FROM reject_runs r ORDER BY r.created_at DESC, r.run_id
            """
        ).fetchall()
    keys = ("run_id", "table", "file", "created_at", "origin", "rows")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def purge_older_than(where: RejectsLocation, cutoff: datetime) -> int:
    """Delete the import runs (and their rejected rows) recorded before ``cutoff``, and
    their bytes from the file (retention, issue #15: rejected rows are candidate data no
    import confirms). Returns how many runs went; a cache without a rejects file: 0."""
    from ..scrub import forget_deleted

    if not where.path.exists():
        return 0
    with open_store(where) as con:
        with cache.transaction(con):
            old = [
                r[0]
                for r in con.execute(
                    "SELECT run_id FROM reject_runs WHERE created_at < ?", [cutoff]
                ).fetchall()
            ]
            if old:
                for table in ("rejected_rows", "reject_runs"):
                    con.execute(f"DELETE FROM {table} WHERE run_id IN (SELECT unnest(?))", [old])
        if old:
            forget_deleted(con, ("rejected_rows", "reject_runs"))
    return len(old)


def read_run(
    where: RejectsLocation, run_id: str, *, lang: str = "en", limit: int | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The run's description (with ``headers``) and its rejected rows in file order, as
    records ``row, column, value, reason, code, detail, values`` (``reason`` in ``lang``);
    None when the run has no rejected rows here."""
    from .validate import reason_text

    if not where.path.exists():
        return None
    with open_store(where, read_only=True) as con:
        run = con.execute(
            "SELECT run_id, table_name, file, headers, created_at, origin FROM reject_runs "
            "WHERE run_id = ?",
            [run_id],
        ).fetchone()
        if run is None:
            return None
        rows = con.execute(
            "SELECT row_number, field, value, message, code, detail, raw FROM rejected_rows "
            "WHERE run_id = ? ORDER BY row_number, field"
            + (f" LIMIT {int(limit)}" if limit is not None else ""),
            [run_id],
        ).fetchall()
    info = dict(
        zip(("run_id", "table", "file", "headers", "created_at", "origin"), run, strict=True)
    )
    records = []
    for number, fld, value, message, code, detail, raw in rows:
        column = "(række)" if fld == "(row)" and lang == "da" else fld
        reason = reason_text(code, detail, lang) if code else message
        records.append(
            {
                "row": int(number),
                "column": column,
                "value": value,
                "reason": reason,
                "code": code,
                "detail": detail,
                "values": json.loads(raw) if raw else {},
            }
        )
    return info, records


def table_rows(headers: Sequence[str], records: list[dict[str, Any]]) -> Iterator[list[Any]]:
    """``records`` as rows of the columns ``row, column, value, reason, *headers`` (the
    layout of the former rejects CSV)."""
    for r in records:
        values = r["values"]
        yield [r["row"], r["column"], r["value"] or "", r["reason"]] + [
            values.get(h) or "" for h in headers
        ]


def columns(headers: Sequence[str], lang: str = "en") -> list[str]:
    """The columns of :func:`table_rows`: row, column, value, reason, then the file's."""
    return [*ROW_COLUMNS.get(lang, ROW_COLUMNS["en"]), *headers]


def export_file(
    con: duckdb.DuckDBPyConnection, run_id: str, out: Path, meta: Any, *, lang: str = "en"
) -> int:
    """Write run ``run_id``'s rejected rows to ``out`` (CSV for Danish Excel, or .xlsx) on
    the user's explicit request: cells neutralised, the metadata beside the file, an
    ``export`` entry in the audit log of the cache on ``con`` (``meta``: an
    :class:`~workbench.core.export.persons.ExportMeta` with the purpose)."""
    from workbench.core.export import persons

    found = read_run(location(con), run_id, lang=lang)
    if found is None:
        raise RejectsError(f"no rejected rows of an import run {run_id!r}")
    info, records = found
    written = persons.write_file(
        out,
        columns(info["headers"], lang),
        table_rows(info["headers"], records),
        meta,
        sheet="rejects",
    )
    persons.record(con, meta, [f"rejects:{run_id}"])
    return written


# -- rejects CSV files of earlier versions -------------------------------------------------


def legacy_folder() -> Path:
    return paths.user_data_dir() / LEGACY_FOLDER


def adopt_legacy_files(con: duckdb.DuckDBPyConnection, folder: Path | None = None) -> int:
    """Move the plain rejects CSVs of earlier versions (``<data>/rejects/*.csv``) into the
    rejects file of the cache on ``con``, then overwrite and delete each plain file.
    Returns how many files were moved; a file that cannot be read is logged and left."""
    folder = folder if folder is not None else legacy_folder()
    if not folder.is_dir():
        return 0
    files = sorted(folder.glob("*.csv"))
    if not files:
        return 0
    where = location(con)
    moved = 0
    for file in files:
        try:
            headers, records = _read_legacy(file)
            run_id = _store_legacy(where, file, headers, records)
        # A file that cannot be read or stored (no key, a foreign rejects file) stays.
        except (
            OSError,
            UnicodeDecodeError,
            csv.Error,
            ValueError,
            duckdb.Error,
            WorkbenchError,
        ) as exc:
            log.warning("could not move the rejects file %s: %s", mask_cpr_in(file.name), exc)
            continue
        shred(file)
        moved += 1
        log.info(
            "moved the plain rejects file %s into the encrypted %s (run %s) and deleted it",
            mask_cpr_in(file.name),
            where.path.name,
            run_id,
        )
    return moved


def _store_legacy(
    where: RejectsLocation, file: Path, headers: list[str], records: list[dict[str, Any]]
) -> str:
    run_id = new_run_id()
    with open_store(where) as store, cache.transaction(store):
        store.execute(
            "INSERT INTO reject_runs VALUES (?, 'unknown', ?, ?, ?, 'legacy_csv')",
            [run_id, mask_cpr_in(file.name), headers, _mtime(file)],
        )
        store.executemany(
            "INSERT INTO rejected_rows VALUES (?, 'unknown', ?, ?, ?, ?, NULL, NULL, ?)",
            [
                [
                    run_id,
                    r["row"],
                    r["column"],
                    r["value"],
                    r["reason"],
                    json.dumps(r["values"], ensure_ascii=False),
                ]
                for r in records
            ],
        )
    return run_id


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime)


def _read_legacy(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    if not rows or tuple(c.lower() for c in rows[0][:4]) not in _LEGACY_HEAD:
        raise ValueError("not a rejects file of the workbench")
    headers = [mask_cpr_in(_plain(h)) for h in rows[0][4:]]
    records = []
    for cells in rows[1:]:
        if not cells:
            continue
        cells = [_plain(c) for c in cells] + [""] * (4 + len(headers) - len(cells))
        number, column, value, reason = cells[:4]
        records.append(
            {
                "row": int(number),
                "column": "(row)" if column == "(række)" else column,
                "value": mask_cpr(value) or None,
                "reason": reason,
                "values": {h: mask_cpr(v) for h, v in zip(headers, cells[4:], strict=False)},
            }
        )
    return headers, records


def _plain(cell: str) -> str:
    """A cell as written before neutralising (``'=...`` -> ``=...``)."""
    if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell


def shred(path: Path) -> None:
    """Overwrite a plain file with zeros (synced) before deleting it, so its bytes do not
    stay readable on the disk behind a deleted name (best effort on SSDs and journals)."""
    size = path.stat().st_size
    with path.open("r+b") as fh:
        remaining = size
        block = b"\0" * 65536
        while remaining > 0:
            n = min(remaining, len(block))
            fh.write(block[:n])
            remaining -= n
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()
