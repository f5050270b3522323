"""Opening the DuckDB cache: encryption, offline extensions, migrations, metadata.

The spatial and httpfs extensions come from the registry packages
``duckdb-extension-spatial``/``duckdb-extension-httpfs`` and are loaded from their files in
site-packages with autoinstall off: the workbench never downloads at run time.

Every cache is encrypted (AES-GCM, issue #15): DuckDB opens an encrypted file only through
``ATTACH 'file' (ENCRYPTION_KEY ...)``, and writes one only with the OpenSSL module that the
httpfs extension brings (DuckDB's built-in one is read-only). How the attached file becomes
the database every connection and cursor sees, see :func:`_open`.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from . import cache_lock, keys, paths, user_only
from .errors import (
    CacheError,
    CacheKeyError,
    CacheLockedError,
    CachePathError,
    CacheVersionError,
    PlainCacheError,
)
from .schema import COMPANY_COLLABORATIONS_INSERT, MIGRATIONS, SCHEMA_VERSION

CACHE_SUFFIX = ".duckdb"
# A DuckDB database file carries this magic at byte 8 of its header.
_DUCKDB_MAGIC = b"DUCK"

_CONFIG = {
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
}


def extension_file(name: str) -> Path:
    """Path of the bundled ``<name>.duckdb_extension`` matching the installed DuckDB."""
    try:
        module = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError as exc:  # pragma: no cover - a broken install
        raise CacheError(
            f"DuckDB extension package duckdb-extension-{name} is not installed"
        ) from exc
    # a frozen bundle may import the package as a namespace (no __file__): use its path
    folder = Path(module.__file__).parent if module.__file__ else Path(next(iter(module.__path__)))
    root = folder / "extensions"
    wanted = root / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if wanted.exists():
        return wanted
    found = sorted(root.glob(f"*/{name}.duckdb_extension"))
    if not found:  # pragma: no cover - a broken install
        raise CacheError(f"no {name}.duckdb_extension file in {root}")
    raise CacheError(
        f"duckdb-extension-{name} is built for {found[-1].parent.name}, DuckDB is "
        f"v{duckdb.__version__}; install matching versions"
    )


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(f"LOAD '{extension_file(name).as_posix()}'")


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    migrate: bool = True,
    spatial: bool = False,
    _unencrypted: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Open (and create or migrate) the encrypted cache at ``path`` with the user's key
    (:func:`workbench.core.keys.load_key`).

    A cache written by a newer workbench is refused with :class:`CacheVersionError`; a
    missing or wrong key and a plain (unencrypted) cache with :class:`CacheKeyError`.
    ``_unencrypted`` is for tests that scan a plain file's bytes; no user path reaches it.
    """
    path = Path(path)
    check_cache_path(path)
    # DuckDB creates the WAL (again after every checkpoint) and temp files itself: a
    # process that opens personal data creates its files user-only.
    user_only.set_umask()
    if not read_only:
        user_only.make_dir(path.parent)
    elif not path.exists():
        raise CacheError(f"cache file {path} does not exist")
    key = None if _unencrypted else keys.load_key().secret
    try:
        con = cache_lock.open_waiting(
            path,
            lambda: _open(path, read_only, key),
            lambda exc: isinstance(exc, CacheLockedError),
            CacheLockedError,
        )
    except PlainCacheError:
        _check_plain_is_a_cache(path)  # a foreign database is a wrong --cache, not plain
        raise
    try:
        if migrate and read_only and schema_version(con) < SCHEMA_VERSION:
            # An older cache opened for reading: migrate it once through a writable handle.
            con.close()
            connect(path, read_only=False, migrate=True, _unencrypted=_unencrypted).close()
            con = _open(path, True, key)
        if spatial:
            load_extension(con, "spatial")
        if migrate and schema_version(con) == 0 and _has_tables(con):
            raise CachePathError(
                f"{path} is a DuckDB database but not a workbench cache; give a workbench "
                f"cache or a new {CACHE_SUFFIX} file as --cache"
            )
        if migrate:
            _migrate(con, path, read_only=read_only)
    except Exception:
        con.close()
        raise
    return con


def check_cache_path(path: Path) -> None:
    """Refuse a path that is neither a DuckDB file nor a new ``.duckdb`` file.

    Without this, ``--cache some.csv`` opened a database nobody meant to create (or DuckDB's
    reading of the CSV) and the user's work was lost on close (issue #10).
    """
    if path.is_dir():
        raise CachePathError(f"{path} is a folder, not a cache file; give a {CACHE_SUFFIX} file")
    exists = path.is_file() and path.stat().st_size > 0
    if not exists:
        if path.suffix.lower() != CACHE_SUFFIX:
            raise CachePathError(
                f"{path} is not a workbench cache; a new cache must be a {CACHE_SUFFIX} file "
                f"(e.g. --cache {path.with_suffix(CACHE_SUFFIX)})"
            )
        return
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise CacheError(f"cannot read the cache {path}: {exc.strerror}") from exc
    if header[8:12] != _DUCKDB_MAGIC:
        raise CachePathError(
            f"{path} is not a workbench cache (not a DuckDB file); give a workbench cache or "
            f"a new {CACHE_SUFFIX} file as --cache"
        )


def _check_plain_is_a_cache(path: Path) -> None:
    try:
        con = _open(path, True, None)
    except CacheError:
        return
    try:
        if schema_version(con) == 0 and _has_tables(con):
            raise CachePathError(
                f"{path} is a DuckDB database but not a workbench cache; give a workbench "
                f"cache or a new {CACHE_SUFFIX} file as --cache"
            )
    finally:
        con.close()


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE NOT internal"))


# The name DuckDB gives a new connection's default database. The cache file is attached
# under this name (after detaching the empty in-memory database that had it), so that every
# cursor of the connection (``con.cursor()`` is a new DuckDB connection, which does not
# inherit ``USE``) sees the cache's tables unqualified, as with a plain ``duckdb.connect``.
_ALIAS = "memory"


def sql_text(value: str) -> str:
    """``value`` as an SQL string literal (ATTACH takes no parameters)."""
    return "'" + value.replace("'", "''") + "'"


def _open(path: Path, read_only: bool, key: str | None) -> duckdb.DuckDBPyConnection:
    """Open the cache encrypted with ``key`` (None: a plain file, for tests and conversion).

    One DuckDB instance per file and mode in this process, as ``duckdb.connect(path)`` had:
    the instance is named after the file (``:memory:<name>`` instances are shared by name),
    and a second open of the same file gets a new connection to the instance already set
    up (DuckDB refuses to attach one file twice in a process).
    """
    resolved = str(path.resolve())
    name = hashlib.sha256(f"{resolved}|{read_only}".encode()).hexdigest()[:24]
    con = duckdb.connect(f":memory:cache{name}", config=_CONFIG)
    try:
        attached = scalar(
            con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        )
        if attached is None:
            _attach(con, path, read_only, key)
    except duckdb.Error as exc:
        con.close()
        message = _open_error(path, exc, key)
        low = str(exc).lower()  # not the message: the path may hold any word
        if "in use by another program" in message:
            raise CacheLockedError(message) from None
        if "is not encrypted" in low:
            raise PlainCacheError(message) from None
        if "encrypt" in low:  # a wrong key, no key
            raise CacheKeyError(message) from None
        raise CacheError(message) from None
    except BaseException:
        con.close()
        raise
    return con


def attach(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, *, key: str | None = None
) -> None:
    """Attach another cache file to ``con`` as ``alias``, encrypted with ``key`` (default:
    the user's key); a new file is created encrypted."""
    secret = key if key is not None else keys.load_key().secret
    con.execute(f"ATTACH {sql_text(str(path))} AS {alias} (ENCRYPTION_KEY {sql_text(secret)})")


def file_of(con: duckdb.DuckDBPyConnection) -> tuple[Path | None, bool]:
    """The file behind ``con``'s cache (None in memory) and whether it is encrypted."""
    row = con.execute(
        "SELECT path, encrypted FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    if row is None or not row[0] or str(row[0]).startswith(":memory:"):
        return None, False
    return Path(row[0]), bool(row[1])


def open_side_file(
    path: Path, *, encrypted: bool, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open (or create) a DuckDB file kept beside the cache, such as the import rejects,
    the way the cache is opened: the user's key and ``ATTACH ... (ENCRYPTION_KEY ...)``,
    user-only, spills encrypted. ``encrypted=False`` follows a plain cache (tests, a
    legacy cache not yet converted); no migrations: the caller owns the file's tables."""
    path = Path(path)
    user_only.set_umask()
    if read_only and not path.exists():
        raise CacheError(f"{path} does not exist")
    if not read_only:
        user_only.make_dir(path.parent)
    key = keys.load_key().secret if encrypted else None
    try:
        return _open(path, read_only, key)
    except PlainCacheError:
        raise CacheKeyError(f"{path} is not encrypted but the cache is: move it aside") from None


def scratch_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for intermediate work on personal data (an import's checks).

    What it spills to disk goes to a user-only folder and is encrypted (DuckDB's temp file
    encryption, with a key of its own that lives only in this process): a plain in-memory
    connection spilled raw rows of the imported file to ``.tmp`` in the working folder.
    """
    con = duckdb.connect(":memory:", config=_CONFIG)
    try:
        load_extension(con, "httpfs")  # the OpenSSL module writes the encrypted temp files
        folder = user_only.make_dir(paths.user_data_dir() / "scratch")
        con.execute(f"SET temp_directory = {sql_text(str(folder))}")
        con.execute("SET temp_file_encryption = true")
    except BaseException:
        con.close()
        raise
    return con


def _attach(con: duckdb.DuckDBPyConnection, path: Path, read_only: bool, key: str | None) -> None:
    # The OpenSSL module first: without it DuckDB can read but not write an encrypted file.
    load_extension(con, "httpfs")
    # Spilled intermediate results (big sorts, joins) stay beside the cache, user-only,
    # and encrypted like it.
    temp = path.with_name(path.name + ".tmp")
    con.execute(f"SET temp_directory = {sql_text(str(temp))}")
    con.execute("SET temp_file_encryption = true")
    options = ["READ_ONLY"] if read_only else []
    if key is not None:
        options.append(f"ENCRYPTION_KEY {sql_text(key)}")
    con.execute(f"ATTACH ':memory:' AS boot; USE boot; DETACH {_ALIAS}")
    con.execute(
        f"ATTACH {sql_text(str(path))} AS {_ALIAS}"
        + (f" ({', '.join(options)})" if options else "")
    )
    con.execute(f"USE {_ALIAS}; DETACH boot")
    if not read_only:
        for created in (path, path.with_name(path.name + ".wal")):
            if created.exists():
                user_only.restrict(created)


def _open_error(path: Path, exc: duckdb.Error, key: str | None = None) -> str:
    """What went wrong opening the cache, in words an administrator can act on."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if key:
        first = first.replace(key, "***")  # never echo the key
    low = first.lower()
    if "is not encrypted" in low:
        return (
            f"the cache {path} is not encrypted: convert it with "
            f"'workbench cache encrypt --cache {path}'"
        )
    if "wrong encryption key" in low:
        return (
            f"wrong key for the cache {path}: the key found ({keys.describe_source()}) does "
            "not open it; use the key it was encrypted with"
        )
    if "without a key" in low:
        return f"the cache {path} is encrypted and no key was given"
    if "unique file handle conflict" in low:
        return f"the cache {path} is in use by another program (already open in this one)"
    if "lock" in low:
        pid = re.search(r"PID (\d+)", str(exc))
        by = f" (process {pid.group(1)})" if pid else ""
        return (
            f"the cache {path} is in use by another program{by}: close the other workbench "
            "window or command, or use another --cache"
        )
    if "permission" in first.lower():
        return f"no permission to open the cache {path}: {first}"
    return (
        f"the cache {path} is damaged or not a workbench cache ({first}); move it aside and "
        "build it again with 'workbench demo' or 'workbench refresh'"
    )


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> object:
    """The first value of a query's first row, None without rows.

    The result is read to the end on purpose: ``fetchone()`` leaves the result, and with it
    the connection's transaction, open. An old transaction held open on the window's
    connection keeps DuckDB from cleaning up later catalog changes (the staging schema a
    refresh drops), and CHECKPOINT then fails with "there are other write transactions
    active" (first start with the boundaries fetch, issue #10).
    """
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = scalar(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    )
    if not exists:
        return 0
    return int(scalar(con, "SELECT max(version) FROM schema_version") or 0)


def _migrate(con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool) -> None:
    current = schema_version(con)
    if current > SCHEMA_VERSION:
        raise CacheVersionError(
            f"cache {path} has schema version {current}, but this workbench supports up to "
            f"{SCHEMA_VERSION}: install a newer workbench or use another --cache"
        )
    if current == SCHEMA_VERSION:
        return
    if read_only:
        raise CacheError(
            f"cache {path} needs migration to schema {SCHEMA_VERSION}; open it writable"
        )
    with transaction(con):
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, applied_at TIMESTAMP)"
        )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version - 1]:
                con.execute(statement)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?)",
                [version, datetime.now(UTC).replace(tzinfo=None)],
            )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN/COMMIT, ROLLBACK on any exception (including KeyboardInterrupt)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    # The few rows read whole, not ``WHERE key = ?``: DuckDB imports pandas at the first
    # bound parameter (~0.3 s CPU), and the start-up reads meta before its first paint
    # without binding anything (issue #17, third round).
    rows = con.execute("SELECT key, value FROM cache_meta").fetchall()
    return next((value for k, value in rows if k == key), default)


def date_literal(day: date) -> str:
    """``day`` as a DuckDB DATE literal, for the start-up's queries that must not bind a
    parameter (see :func:`get_meta`). Only a ``date`` is accepted: its ISO form is digits
    and dashes, nothing a user typed."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise TypeError(f"a date, not {type(day).__name__}")
    return f"DATE '{day.isoformat()}'"


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO cache_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    """True when neither candidates nor companies have been loaded (first start)."""
    n = scalar(con, "SELECT (SELECT count(*) FROM candidates) + (SELECT count(*) FROM companies)")
    return n == 0


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    return get_meta(con, "dataset") == "demo"


def rebuild_candidate_index(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the side tables derived from the candidates' list columns."""
    con.execute("DELETE FROM candidate_occupations")
    con.execute("DELETE FROM candidate_qualifications")
    con.execute(
        "INSERT INTO candidate_occupations SELECT rid, unnest(occupation_codes) FROM candidates"
    )
    con.execute(
        "INSERT INTO candidate_qualifications SELECT rid, unnest(qualification_codes) FROM candidates"
    )


def rebuild_company_index(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute ``company_collaborations`` after companies or collaborations changed.

    A collaboration with any unit of a company counts for all its units (the one definition
    in ``workbench.core.collaboration``).
    """
    con.execute("DELETE FROM company_collaborations")
    con.execute(COMPANY_COLLABORATIONS_INSERT)


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Write the WAL into the cache file (after a bulk load such as the demo)."""
    con.execute("CHECKPOINT")
