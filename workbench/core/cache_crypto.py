"""Converting a plain cache to an encrypted one, and rotating a cache's key (issue #15).

Both copy the whole database into a new encrypted file (``COPY FROM DATABASE``), compare the
row count of every table, and only then put the new file in the old one's place: a failure
on the way leaves the cache as it was. The old file is overwritten before it is unlinked, so
a plain cache's bytes do not linger in free blocks of the file (on SSDs and copy-on-write
file systems the drive may still keep old blocks: docs/security.md, "Encryption at rest").
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import cache, cache_lock, keys, user_only
from .errors import CacheError, CacheKeyError, CacheLockedError

_CHUNK = 1 << 20


@dataclass
class CopyResult:
    path: Path
    tables: dict[str, int]  # rows per table, equal in the old and the new file
    key_where: str  # where the key that now opens the cache is kept
    note: str = ""  # what the user must do (a key from the environment: set the new one)


def encrypt_cache(path: Path) -> CopyResult:
    """Convert the plain cache at ``path`` into one encrypted with the user's key."""
    path = _existing(path)
    key = keys.load_key()
    try:
        con = _open_waiting(path, None)
    except CacheKeyError:  # encrypted already: nothing to do (IT may run this for everyone)
        return CopyResult(path, {}, key.where, "the cache is already encrypted; nothing changed")
    try:
        tables = _copy_encrypted(con, path, key.secret)
    finally:
        con.close()
    _replace(path)
    return CopyResult(path, tables, key.where)


def rekey_cache(path: Path) -> CopyResult:
    """Re-encrypt the cache at ``path`` with a new random key, stored where the old key
    came from (a key from the environment goes to the user key file: ``key_where``)."""
    path = _existing(path)
    old = keys.load_key(create=False)
    keys.check_writable(old)
    con = _open_waiting(path, old.secret)
    secret = keys.new_secret()
    try:
        tables = _copy_encrypted(con, path, secret)
    finally:
        con.close()
    backup = path.with_name(path.name + ".rekey-old")
    os.replace(path, backup)
    os.replace(_new_file(path), path)
    try:
        stored = keys.store_key(old, secret)
    except BaseException:
        os.replace(backup, path)  # the new key is not kept anywhere: back to the old file
        raise
    _shred(backup)
    user_only.fsync_dir(path.parent)
    note = ""
    if old.source == "environment":
        note = (
            f"set {keys.KEY_ENV} to the content of {stored.where} (or unset it): its old "
            "value no longer opens the cache"
        )
    return CopyResult(path, tables, stored.where, note)


def _existing(path: Path) -> Path:
    path = Path(path)
    cache.check_cache_path(path)
    if not path.is_file():
        raise CacheError(f"cache file {path} does not exist")
    return path


def _open_waiting(path: Path, key: str | None) -> duckdb.DuckDBPyConnection:
    """The cache opened writable, asking a window that holds it to let go (the
    ``<cache>.writer`` handshake)."""
    return cache_lock.open_waiting(
        path,
        lambda: cache._open(path, False, key),
        lambda exc: isinstance(exc, CacheLockedError),
        CacheLockedError,
    )


def _new_file(path: Path) -> Path:
    return path.with_name(path.name + ".encrypting")


def _copy_encrypted(con: duckdb.DuckDBPyConnection, path: Path, secret: str) -> dict[str, int]:
    target = _new_file(path)
    for leftover in (target, target.with_name(target.name + ".wal")):
        leftover.unlink(missing_ok=True)  # from an interrupted earlier run
    cache.attach(con, target, "target", key=secret)
    try:
        con.execute(f"COPY FROM DATABASE {cache._ALIAS} TO target")
        old = _row_counts(con, cache._ALIAS)
        new = _row_counts(con, "target")
        if old != new:
            lost = sorted(t for t in old if old[t] != new.get(t))
            raise CacheError(
                f"the encrypted copy of {path} differs in {', '.join(lost)}; nothing was changed"
            )
        con.execute("CHECKPOINT target")
    except BaseException:
        con.execute("DETACH target")
        target.unlink(missing_ok=True)
        raise
    con.execute("DETACH target")
    user_only.restrict(target)
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())
    return old


def _row_counts(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, int]:
    names = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY ALL",
        [database],
    ).fetchall()
    return {
        f"{schema}.{table}": int(
            cache.scalar(con, f'SELECT count(*) FROM {database}."{schema}"."{table}"') or 0
        )
        for schema, table in names
    }


def _replace(path: Path) -> None:
    """Put the encrypted copy in ``path``'s place; the old file is moved aside first (a
    crash leaves it as ``<cache>.plain-old``), then overwritten and unlinked."""
    old = path.with_name(path.name + ".plain-old")
    os.replace(path, old)
    os.replace(_new_file(path), path)
    user_only.fsync_dir(path.parent)
    _shred(old)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():  # a plain WAL left by a crash would be replayed into nothing: remove it
        _shred(wal)
    user_only.fsync_dir(path.parent)


def _shred(path: Path) -> None:
    """Overwrite ``path`` with zeros, flush it to the disk, then unlink it."""
    with contextlib.suppress(FileNotFoundError):
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            zeros = bytes(_CHUNK)
            left = size
            while left > 0:
                n = min(left, _CHUNK)
                fh.write(zeros[:n])
                left -= n
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
