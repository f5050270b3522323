"""Deleted means gone (issue #15): after a re-import the replaced candidates' values are no
longer in the cache file's bytes or its WAL (they were, for three more imports)."""

from __future__ import annotations

import os
import random
import re
import stat
import string
import sys
from pathlib import Path

import pytest

from tests.core.imports.conftest import seed_taxonomy
from tests.core.imports.import_filegen import CANDIDATE_HEADER, candidate, write_csv
from workbench.core import cache
from workbench.core.imports import import_file

OLD = re.compile(rb"Gammel-[A-Za-z]{12}")


def _file(path: Path, tag: str, n: int = 2000) -> tuple[Path, set[str]]:
    rnd = random.Random(tag)
    values = [f"{tag}-{''.join(rnd.choices(string.ascii_letters, k=12))}" for _ in range(n)]
    rows = [candidate(f"{tag[0]}{i:06d}", education=v) for i, v in enumerate(values)]
    return write_csv(path, CANDIDATE_HEADER, rows), set(values)


def _in_bytes(path: Path) -> set[str]:
    data = path.read_bytes()
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        data += wal.read_bytes()
    return {m.decode() for m in OLD.findall(data)}


def _import_twice(con, tmp_path: Path) -> set[str]:
    first, old = _file(tmp_path / "a.csv", "Gammel")
    import_file(con, first, "candidates")
    second, _new = _file(tmp_path / "b.csv", "Ny")
    import_file(con, second, "candidates")
    return old


def test_replaced_values_leave_a_plain_cache_file_and_its_wal(tmp_path):
    path = tmp_path / "plain.duckdb"
    con = cache.connect(path, _unencrypted=True)  # test-only: to read the bytes
    # Stored as they are, so that a byte scan finds every value still in the file.
    con.execute("SET force_compression = 'uncompressed'")
    seed_taxonomy(con)
    first, old = _file(tmp_path / "a.csv", "Gammel")
    import_file(con, first, "candidates")
    con.execute("CHECKPOINT")
    assert len(_in_bytes(path) & old) > 1900  # the scan sees them while they are current
    second, _new = _file(tmp_path / "b.csv", "Ny")
    import_file(con, second, "candidates")
    assert con.execute("SELECT count(*) FROM candidates").fetchone() == (2000,)
    assert _in_bytes(path) & old == set()
    con.close()
    assert _in_bytes(path) & old == set()


def test_replaced_values_are_gone_from_an_encrypted_cache(tmp_path):
    path = tmp_path / "c.duckdb"
    con = cache.connect(path)
    seed_taxonomy(con)
    old = _import_twice(con, tmp_path)
    con.close()
    assert _in_bytes(path) & old == set()
    con = cache.connect(path, read_only=True)
    texts = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND data_type = 'VARCHAR'"
    ).fetchall()
    for table, column in texts:
        hits = con.execute(
            f'SELECT count(*) FROM "{table}" WHERE "{column}" LIKE \'Gammel-%\''
        ).fetchone()[0]
        assert hits == 0, (table, column)
    con.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_the_rejects_file_and_its_folder_are_user_only(con, cache_file, tmp_path):
    rows = [candidate("A1"), candidate("A2", since="not a date")]
    source = write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, rows)
    cache_file.parent.chmod(0o755)
    previous = os.umask(0o022)  # a process whose umask lets everyone read: still user-only
    try:
        s = import_file(con, source, "candidates", accept_rejects=True)
    finally:
        os.umask(previous)
    assert s.rejected == 1
    target = Path(s.rejects_file)  # the encrypted rejects beside the cache
    assert target == cache_file.with_name(cache_file.name + ".rejects.duckdb")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
