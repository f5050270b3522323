"""Encryption at rest (issue #15): every cache is encrypted, its bytes and its WAL hold no
plain text, a missing or wrong key is refused, a plain cache is refused and converted by
``workbench cache encrypt``, ``workbench cache rekey`` rotates the key."""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

import duckdb
import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import null

from tests.conftest import TEST_CACHE_KEY
from workbench.cli import main
from workbench.core import cache, keys
from workbench.core.errors import CacheKeyError, PlainCacheError

MARKER = "Hemmelig-Borger-Notat"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def _fill(con: duckdb.DuckDBPyConnection, n: int = 300) -> None:
    con.execute(
        "INSERT INTO candidates (rid, candidate_id, jobcenter, education) "
        "SELECT i, 'C' || i, '0101', ? || i FROM range(?) r(i)",
        [MARKER, n],
    )


def _bytes(path: Path) -> bytes:
    """The cache file and its WAL, as a thief would read them."""
    data = path.read_bytes()
    wal = path.with_name(path.name + ".wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_file_and_wal_hold_no_plain_text(tmp_path):
    path = tmp_path / "c.duckdb"
    con = cache.connect(path)
    _fill(con)
    # Written but not yet checkpointed: the rows are in the WAL.
    assert path.with_name("c.duckdb.wal").exists()
    assert MARKER.encode() not in _bytes(path)
    con.close()
    assert MARKER.encode() not in _bytes(path)
    # The same rows in a plain file's WAL are found by the same scan: the scan can see them.
    plain = tmp_path / "plain.duckdb"
    con = cache.connect(plain, _unencrypted=True)
    _fill(con)
    assert MARKER.encode() in _bytes(plain)
    con.close()


def test_every_cursor_sees_the_encrypted_cache(tmp_path):
    con = cache.connect(tmp_path / "c.duckdb")
    _fill(con, 5)
    cur = con.cursor()
    assert cur.execute("SELECT count(*) FROM candidates").fetchone() == (5,)
    assert cur.cursor().execute("SELECT count(*) FROM candidates").fetchone() == (5,)
    # A second open of the same file in this process shares it, as duckdb.connect did.
    other = cache.connect(tmp_path / "c.duckdb")
    assert other.execute("SELECT count(*) FROM candidates").fetchone() == (5,)
    other.close()
    con.close()


def test_the_file_does_not_open_without_the_key(tmp_path, monkeypatch):
    path = tmp_path / "c.duckdb"
    cache.connect(path).close()
    with pytest.raises(duckdb.Error, match="encrypted"):
        duckdb.connect(str(path))
    monkeypatch.setenv(keys.KEY_ENV, "another-key")
    with pytest.raises(CacheKeyError, match="wrong key") as info:
        cache.connect(path)
    assert "another-key" not in str(info.value) and TEST_CACHE_KEY not in str(info.value)
    # Other tools open it with the key as is.
    con = duckdb.connect()
    cache.load_extension(con, "httpfs")
    con.execute(f"ATTACH '{path}' AS c (ENCRYPTION_KEY '{TEST_CACHE_KEY}', READ_ONLY)")
    assert con.execute("SELECT count(*) FROM c.schema_version").fetchone()[0] > 0
    con.close()


def test_cli_refuses_a_wrong_key_in_one_line_with_exit_2(tmp_path, monkeypatch, capsys):
    path = tmp_path / "c.duckdb"
    cache.connect(path).close()
    monkeypatch.setenv(keys.KEY_ENV, "another-key")
    rc = main(["search", "candidates", "--cache", str(path)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and "wrong key" in err and "Traceback" not in err


def test_a_plain_cache_is_refused_and_converted_with_nothing_lost(tmp_path, capsys):
    path = tmp_path / "old.duckdb"
    con = cache.connect(path, _unencrypted=True)
    _fill(con, 1000)
    cache.set_meta(con, "dataset", "real")
    con.close()
    with pytest.raises(PlainCacheError, match="workbench cache encrypt"):
        cache.connect(path)
    assert main(["search", "candidates", "--cache", str(path)]) == 2
    assert "workbench cache encrypt --cache" in capsys.readouterr().err

    assert main(["cache", "encrypt", "--cache", str(path), "--format", "json"]) == 0
    import json

    result = json.loads(capsys.readouterr().out)
    assert result["tables"]["main.candidates"] == 1000
    assert MARKER.encode() not in _bytes(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.duckdb"]  # no copies left
    con = cache.connect(path)
    assert con.execute("SELECT count(*) FROM candidates").fetchone() == (1000,)
    assert cache.get_meta(con, "dataset") == "real"
    con.close()


def test_rekey_rotates_the_key_and_stores_the_new_one(tmp_path, monkeypatch, capsys):
    path = tmp_path / "c.duckdb"
    con = cache.connect(path)
    _fill(con, 10)
    con.close()
    assert main(["cache", "rekey", "--cache", str(path)]) == 0
    err = capsys.readouterr().err
    # The key came from the environment: the new one is in the user key file, and the
    # user is told to set it.
    new_file = keys.user_key_file()
    assert f"set {keys.KEY_ENV}" in err and str(new_file) in err
    with pytest.raises(CacheKeyError, match="wrong key"):
        cache.connect(path)
    monkeypatch.setenv(keys.KEY_ENV, new_file.read_text())
    con = cache.connect(path)
    assert con.execute("SELECT count(*) FROM candidates").fetchone() == (10,)
    con.close()


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def os_keyring():
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(null.Keyring())


def test_the_keyring_comes_first_and_rekey_stores_there(tmp_path, os_keyring):
    os_keyring.set_password(keys.KEYRING_SERVICE, keys.KEYRING_USER, "from-the-keyring")
    assert keys.load_key().source == "keyring"
    path = tmp_path / "c.duckdb"
    cache.connect(path).close()
    assert main(["cache", "rekey", "--cache", str(path)]) == 0
    new = os_keyring.get_password(keys.KEYRING_SERVICE, keys.KEYRING_USER)
    assert new not in (None, "from-the-keyring")
    cache.connect(path).close()  # opens with the keyring's new key


def test_an_unusable_keyring_is_skipped(monkeypatch):
    class Broken(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("locked")

    keyring.set_keyring(Broken())
    try:
        assert keys.load_key().source == "environment"
    finally:
        keyring.set_keyring(null.Keyring())


def test_it_key_file_from_the_machine_configuration(tmp_path, monkeypatch):
    key_file = tmp_path / "it" / "jobkort.key"
    key_file.parent.mkdir()
    key_file.write_text("deployed-by-it\n")
    machine = Path(os.environ["WORKBENCH_MACHINE_CONFIG"])
    machine.write_text(f'[cache]\nkey_file = "{key_file.as_posix()}"\n')
    key = keys.load_key()
    assert (key.source, key.secret, key.where) == ("key_file", "deployed-by-it", str(key_file))
    key_file.unlink()
    with pytest.raises(CacheKeyError, match="does not exist"):
        keys.load_key()


@posix_only
def test_without_any_key_a_user_only_key_file_is_created_and_logged(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv(keys.KEY_ENV)
    with caplog.at_level(logging.WARNING, logger="workbench.core.keys"):
        key = keys.load_key()
    path = keys.user_key_file()
    assert key.source == "user_file" and path.read_text() == key.secret
    assert len(key.secret) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "created a new cache key" in caplog.text and key.secret not in caplog.text
    assert keys.load_key() == key  # found again, not created twice


@posix_only
def test_cache_wal_and_folder_are_user_only(tmp_path):
    path = tmp_path / "new" / "sub" / "c.duckdb"
    con = cache.connect(path)
    _fill(con, 3)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.with_name("c.duckdb.wal").stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    con.close()


def test_scratch_spills_are_encrypted_in_a_user_only_folder():
    con = cache.scratch_connection()
    con.execute("SET memory_limit = '30MB'")
    # More than the memory limit: DuckDB keeps the table in its temp files.
    con.execute(
        f"CREATE TABLE big AS SELECT '{MARKER}' || i || repeat('x', 40) s FROM range(1500000) r(i)"
    )
    folder = Path(os.environ["WORKBENCH_DATA_DIR"]) / "scratch"
    spilled = list(folder.iterdir())
    assert spilled, "nothing spilled: the test proves nothing"
    assert not any(MARKER.encode() in p.read_bytes() for p in spilled)
    if sys.platform != "win32":
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    con.close()


def test_the_import_checks_run_on_the_scratch_connection(tmp_path, monkeypatch):
    from tests.core.imports.import_filegen import CANDIDATE_HEADER, candidates, write_csv
    from workbench.core.imports import import_file, runner

    opened = []

    def recording() -> duckdb.DuckDBPyConnection:
        opened.append(True)
        return cache.scratch_connection()

    monkeypatch.setattr(runner, "scratch_connection", recording)
    con = cache.connect(tmp_path / "c.duckdb")
    con.execute(
        "INSERT INTO occupations (code, title, aliases, level) VALUES ('5120', 'Kok', [], 4)"
    )
    con.execute("INSERT INTO municipalities (kode, navn) VALUES ('0101', 'København')")
    import_file(con, write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, candidates(3)), "candidates")
    con.close()
    assert opened == [True]


def test_encrypting_an_encrypted_cache_changes_nothing(tmp_path, capsys):
    path = tmp_path / "c.duckdb"
    cache.connect(path).close()
    before = path.read_bytes()
    assert main(["cache", "encrypt", "--cache", str(path)]) == 0
    assert "already encrypted" in capsys.readouterr().out
    assert path.read_bytes() == before
