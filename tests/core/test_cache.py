"""The cache file: creation, migrations, refusing newer schemas, offline extensions."""

from __future__ import annotations

import pytest

from tests.raw_cache import plain_connect, raw_connect
from workbench.core import cache
from workbench.core.errors import CacheError, CachePathError, CacheVersionError
from workbench.core.schema import MIGRATIONS, SCHEMA_VERSION


def test_new_cache_has_the_documented_columns(tmp_path):
    con = cache.connect(tmp_path / "c.duckdb")
    cols = {
        (t, c): dt
        for t, c, dt in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
        ).fetchall()
    }
    expected = {
        ("candidates", "candidate_id"): "VARCHAR",
        ("candidates", "kommune_kode"): "VARCHAR",
        ("candidates", "x"): "DOUBLE",
        ("candidates", "occupation_codes"): "VARCHAR[]",
        ("candidates", "qualification_codes"): "VARCHAR[]",
        ("candidates", "driving_licences"): "VARCHAR[]",
        ("candidates", "languages"): "VARCHAR[]",
        ("candidates", "experience_years"): "INTEGER",
        ("candidates", "unemployed_since"): "DATE",
        ("candidates", "cv_searchable"): "BOOLEAN",
        ("candidates", "cv_updated"): "DATE",
        ("companies", "cvr"): "VARCHAR",
        ("companies", "employees"): "INTEGER",
        ("companies", "started"): "DATE",
        ("collaborations", "ended"): "DATE",
        ("job_postings", "deadline"): "DATE",
        ("municipalities", "geom"): "BLOB",
        ("occupations", "aliases"): "VARCHAR[]",
        ("industries", "level"): "INTEGER",
        ("qualifications", "occupation_code"): "VARCHAR",
    }
    for key, dtype in expected.items():
        assert cols.get(key) == dtype, key
    assert cache.schema_version(con) == SCHEMA_VERSION
    con.close()


def test_old_cache_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    raw = raw_connect(path)
    raw.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP)")
    for stmt in MIGRATIONS[0]:
        raw.execute(stmt)
    raw.execute("INSERT INTO schema_version VALUES (1, now())")
    raw.execute("INSERT INTO occupations VALUES ('8332', 'Lastbilchauffør', '83', ['chauffør'], 4)")
    raw.close()

    con = cache.connect(path)
    assert cache.schema_version(con) == SCHEMA_VERSION
    assert con.execute("SELECT title FROM occupations").fetchall() == [("Lastbilchauffør",)]
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert "refresh_log" in tables  # added by migration 2
    con.close()


def test_newer_cache_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "new.duckdb"
    cache.connect(path).close()
    raw = raw_connect(path)
    raw.execute("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION + 5])
    raw.close()
    with pytest.raises(CacheVersionError, match="newer workbench"):
        cache.connect(path)


def test_not_a_duckdb_file_is_refused(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("this is not a database\n" * 100)
    with pytest.raises(CacheError):
        cache.connect(path)


def test_read_only_cache_must_exist(tmp_path):
    with pytest.raises(CacheError, match="does not exist"):
        cache.connect(tmp_path / "missing.duckdb", read_only=True)


def test_spatial_extension_loads_offline_from_site_packages(tmp_path):
    con = cache.connect(tmp_path / "c.duckdb", spatial=True)
    wkt = con.execute("SELECT ST_AsText(ST_Point(1, 2))").fetchone()[0]
    assert wkt == "POINT (1 2)"
    assert cache.extension_file("httpfs").name == "httpfs.duckdb_extension"
    con.close()


def test_meta_roundtrip(tmp_path):
    con = cache.connect(tmp_path / "c.duckdb")
    assert cache.get_meta(con, "dataset") is None and cache.is_empty(con)
    cache.set_meta(con, "dataset", "demo")
    cache.set_meta(con, "dataset", "demo")
    assert cache.is_demo(con)
    con.close()


def test_a_cache_in_use_by_another_process_says_so(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "busy.duckdb"
    cache.connect(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from workbench.core import cache; "
            f"c = cache.connect({str(path)!r}); print('ok', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(CacheError, match="in use by another program"):
            cache.connect(path)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_a_truncated_cache_is_called_damaged(tmp_path):
    path = tmp_path / "t.duckdb"
    con = cache.connect(path)
    con.execute("CREATE TABLE x AS SELECT range AS i FROM range(100000)")
    con.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(CacheError, match="damaged"):
        cache.connect(path)


def test_reads_leave_no_open_transaction_that_blocks_a_checkpoint(tmp_path):
    # Issue #10: is_empty() on the window's connection kept its result (and transaction)
    # open; a refresh's staging schema dropped on another cursor then made CHECKPOINT fail.
    con = cache.connect(tmp_path / "c.duckdb")
    try:
        assert cache.is_empty(con) and not cache.is_demo(con) and cache.schema_version(con)
        cur = con.cursor()
        cur.execute("CREATE SCHEMA staging_x")
        cur.execute("DROP SCHEMA staging_x CASCADE")
        cur.execute("CHECKPOINT")
        cur.close()
    finally:
        con.close()


@pytest.mark.parametrize("name", ["some.csv", "notes.txt", "cache"])
def test_a_new_cache_must_be_a_duckdb_file(tmp_path, name):
    # Issue #10: `--cache some.csv` opened a database the user never meant; work was lost.
    with pytest.raises(CachePathError, match=r"\.duckdb"):
        cache.connect(tmp_path / name)
    assert not (tmp_path / name).exists()


def test_an_existing_file_that_is_not_a_cache_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "kandidater.csv"
    path.write_text("candidate_id;jobcenter\nA;0101\n", encoding="utf-8")
    with pytest.raises(CachePathError, match="not a workbench cache"):
        cache.connect(path)
    assert path.read_text(encoding="utf-8").startswith("candidate_id")


def test_a_foreign_duckdb_database_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    raw = plain_connect(path)
    raw.execute("CREATE TABLE sales (id INTEGER)")
    raw.close()
    with pytest.raises(CachePathError, match="not a workbench cache"):
        cache.connect(path)
    raw = plain_connect(path)
    tables = [r[0] for r in raw.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    raw.close()
    assert tables == ["sales"]


def test_cli_refuses_a_wrong_cache_path_with_exit_2(tmp_path, capsys):
    from workbench.cli import main

    path = tmp_path / "some.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    for argv in (["search", "candidates"], ["demo"], ["plugins"]):
        assert main([*argv, "--cache", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "not a workbench cache" in err
    assert path.read_text(encoding="utf-8") == "a;b\n1;2\n"
