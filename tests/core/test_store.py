"""The Store gateway (#11): opening, transactions, read-only, the one person-row read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest

from workbench.core.errors import CacheError, FilterError
from workbench.core.filters import Filter
from workbench.core.query import iter_rows, points
from workbench.core.schema import ENTITY_COLUMNS
from workbench.core.store import Store

from ..conftest import DEMO_TODAY


def _old_rows_by_rid(con, entity, rids, columns):
    """The reader every consumer had before the Store (core/query.rows_by_rid, #10)."""
    table = {"postings": "job_postings"}.get(entity, entity)
    cols = ", ".join(f"t.{c}" for c in columns)
    rel = con.execute(
        f"SELECT t.rid, {cols} FROM {table} AS t WHERE t.rid IN (SELECT unnest(?::BIGINT[]))",
        [[int(r) for r in rids]],
    )
    by_rid = {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rel.fetchall()}
    return [by_rid[int(k)] for k in rids if int(k) in by_rid]


def test_open_creates_migrates_and_closes(tmp_path: Path):
    path = tmp_path / "new.duckdb"
    with Store.open(path) as store:
        assert store.is_empty()
        assert store.cursor().execute("SELECT count(*) FROM candidates").fetchall() == [(0,)]
    assert store.closed
    with pytest.raises(CacheError, match="closed"):
        store.con  # noqa: B018


def test_open_without_create_refuses_a_missing_cache(tmp_path: Path):
    path = tmp_path / "missing.duckdb"
    with pytest.raises(CacheError, match="does not exist"):
        Store.open(path, create=False)
    assert not path.exists()


def test_transaction_rolls_back_on_error(small_demo_cache: Path):
    with Store.open(small_demo_cache) as store:
        before = store.con.execute("SELECT count(*) FROM candidates").fetchall()[0][0]
        with pytest.raises(RuntimeError, match="boom"), store.transaction() as con:
            con.execute("DELETE FROM candidates")
            assert con.execute("SELECT count(*) FROM candidates").fetchall() == [(0,)]
            raise RuntimeError("boom")
        after = store.con.execute("SELECT count(*) FROM candidates").fetchall()[0][0]
        assert before > 0 and after == before
        with store.transaction() as con:  # and commits without one
            con.execute("DELETE FROM candidates WHERE rid = (SELECT min(rid) FROM candidates)")
        assert store.con.execute("SELECT count(*) FROM candidates").fetchall()[0][0] == before - 1


def test_read_only_store_refuses_writes(small_demo_cache: Path):
    with Store.open(small_demo_cache, read_only=True) as store:
        with pytest.raises(CacheError, match="read-only"), store.transaction():
            pass
        with pytest.raises(duckdb.Error, match="read-only"):
            store.con.execute("DELETE FROM candidates")
        assert store.con.execute("SELECT count(*) FROM candidates").fetchall()[0][0] > 0


@pytest.mark.parametrize("entity", ["candidates", "companies", "postings"])
def test_person_rows_match_the_old_reader(small_demo_cache: Path, entity: str):
    with Store.open(small_demo_cache, read_only=True) as store:
        rids = points(store.con, entity, Filter(), ordered=True).rid
        rids = np.concatenate([rids[:50][::-1], [10**9]])  # any order, one unknown key
        columns = ENTITY_COLUMNS[entity]
        got = store.person_rows(entity, rids)
        assert got == _old_rows_by_rid(store.con, entity, rids, columns)
        assert [list(r) for r in got] == [columns] * 50
        narrow = store.person_rows(entity, rids[:3], ["x", "y"], cursor=store.cursor())
        assert narrow == _old_rows_by_rid(store.con, entity, rids[:3], ["x", "y"])


def test_person_rows_refuses_what_is_not_a_person_table_or_column(small_demo_cache: Path):
    with Store.open(small_demo_cache, read_only=True) as store:
        with pytest.raises(FilterError, match="unknown entity"):
            store.person_rows("audit_log", [1])
        with pytest.raises(FilterError, match="not a column"):
            store.person_rows("candidates", [1], ["x; DROP TABLE candidates"])
        assert store.person_rows("candidates", []) == []


def test_cli_export_rows_come_from_person_rows(small_demo_cache: Path):
    """iter_rows (CLI output, exports) gives the rows person_rows reads, in display order."""
    with Store.open(small_demo_cache, read_only=True) as store:
        columns, rows = iter_rows(store.con, "companies", Filter(), limit=20)
        rows = list(rows)
        rids = points(store.con, "companies", Filter(), ordered=True).rid[:20]
        assert rows == [tuple(r.values()) for r in store.person_rows("companies", rids)]
        assert columns == ENTITY_COLUMNS["companies"]


def test_reference_date_is_the_demo_date_else_today(small_demo_cache: Path, tmp_path: Path):
    with Store.open(small_demo_cache, read_only=True) as store:
        assert store.is_demo() and store.reference_date() == DEMO_TODAY
    with Store.open(tmp_path / "real.duckdb") as store:
        assert store.reference_date() == date.today()


def test_wrap_leaves_the_owner_connection_open(small_demo_con):
    store = Store.wrap(small_demo_con)
    assert Store.wrap(store) is store
    store.close()
    assert small_demo_con.execute("SELECT 1").fetchall() == [(1,)]


def test_rows_are_read_through_the_rid_index_which_survives_a_rewrite(small_demo_cache: Path):
    from workbench.core.scrub import forget_deleted
    from workbench.core.store import rows as rows_module

    def indexed(con: duckdb.DuckDBPyConnection) -> set[str]:
        found = con.execute(
            "SELECT table_name FROM duckdb_indexes() WHERE index_name IN "
            "('candidates_rid', 'companies_rid')"
        ).fetchall()
        return {r[0] for r in found}

    with Store.open(small_demo_cache) as store:
        con = store.con
        assert indexed(con) == {"candidates", "companies"}
        rids = [r[0] for r in con.execute("SELECT rid FROM companies ORDER BY rid DESC").fetchall()]
        few = [*rids[:7][::-1], 10**12]  # an order of its own, and a rid that is not there
        literal = store.person_rows("companies", few)  # a literal list: the index lookup
        page = f"SELECT rid FROM companies WHERE rid IN ({', '.join(map(str, few))})"
        plan = "".join(r[1] for r in con.execute(f"EXPLAIN ANALYZE {page}").fetchall())
        assert "Index Scan" in plan
        many = rids[: rows_module.LITERAL_KEYS + 5]  # a bound array beyond the literal limit
        assert len(store.person_rows("companies", many)) == len(many)
        forget_deleted(con, ("companies", "candidates"))  # drops and recreates the tables
        assert indexed(con) == {"candidates", "companies"}
        assert store.person_rows("companies", few) == literal
        assert [r["cvr"] for r in literal] == [
            con.execute("SELECT cvr FROM companies WHERE rid = ?", [r]).fetchone()[0]
            for r in few[:-1]
        ]
