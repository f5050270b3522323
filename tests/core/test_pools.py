"""Candidate pools: members, notes and statuses, and who joins and leaves (and why) when a
real import replaces the candidates."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.imports.conftest import seed_taxonomy
from tests.core.imports.import_filegen import CANDIDATE_HEADER, candidate, write_csv
from workbench.core import cache
from workbench.core.filters import Filter
from workbench.core.imports import ImportRefused, import_file
from workbench.core.pools import (
    REASONS,
    REMOVED,
    PoolError,
    add_members,
    create_pool,
    latest_changes,
    list_pools,
    members,
    pool_report,
    remove_members,
    set_member,
)
from workbench.core.store import Store

# Jobcenter 101's candidates in the first export. The pool: cooks (5120) in 0101 with a
# searchable CV.
FIRST = [
    candidate("A"),  # stays
    candidate("B"),  # gone from the second export
    candidate("C"),  # CV no longer searchable
    candidate("D"),  # moves to 0147
    candidate("E"),  # becomes a waiter: no longer matches
    candidate("F", occupations="5131"),  # becomes a cook: joins
    candidate("G", occupations="5131"),  # added by hand, never matches: stays
    candidate("H"),  # removed by hand, still matches: does not come back
]
SECOND = [
    candidate("A"),
    candidate("C", searchable="nej"),
    candidate("D", kommune="147"),
    candidate("E", occupations="5131"),
    candidate("F"),
    candidate("G", occupations="5131"),
    candidate("H"),
    candidate("I"),  # new in the export: joins
]
CRITERIA = Filter(occupations=("5120",), municipalities=("0101",), searchable_only=True)


@pytest.fixture
def con(tmp_path: Path):
    """A fresh cache file with the import tests' small taxonomy."""
    c = cache.connect(tmp_path / "cache.duckdb")
    seed_taxonomy(c)
    yield c
    c.close()


def _import(con, tmp_path: Path, name: str, rows: list[list[str]]):
    return import_file(con, write_csv(tmp_path / name, CANDIDATE_HEADER, rows), "candidates")


def _active(con, pool: str) -> set[str]:
    return {m["candidate_id"] for m in members(con, pool)}


def test_pool_changes_after_reimport(con, tmp_path: Path) -> None:
    _import(con, tmp_path, "first.csv", FIRST)
    pool = create_pool(con, "Kokke", owner="kons1", criteria=CRITERIA)
    assert pool.criteria == CRITERIA
    assert _active(con, "Kokke") == {"A", "B", "C", "D", "E", "H"}
    assert add_members(con, "Kokke", ["G"], added_by="kons1") == 1
    assert remove_members(con, "Kokke", ["H"]) == 1
    set_member(con, "Kokke", "A", note="ringet op", status="kontaktet")

    run = _import(con, tmp_path, "second.csv", SECOND)

    changes = latest_changes(con, "Kokke")
    assert changes["run_id"] == run.run_id
    assert changes["joined"] == ["F", "I"]
    assert changes["left"] == [
        {"candidate_id": "B", "reason": REASONS["not_unemployed"]},
        {"candidate_id": "C", "reason": REASONS["not_searchable"]},
        {"candidate_id": "D", "reason": REASONS["moved"]},
        {"candidate_id": "E", "reason": REASONS["no_match"]},
    ]
    assert [r["reason"] for r in changes["left"]] == [
        "ikke længere ledig",
        "CV ikke længere søgbart",
        "flyttet",
        "matcher ikke længere",
    ]
    assert _active(con, "Kokke") == {"A", "F", "G", "I"}
    everyone = {m["candidate_id"]: m for m in members(con, "Kokke", include_left=True)}
    assert everyone["A"]["status"] == "kontaktet" and everyone["A"]["note"] == "ringet op"
    assert everyone["F"]["added_by"] == "import_candidates" and everyone["F"]["status"] == "ny"
    assert everyone["H"]["left_reason"] == REMOVED
    assert everyone["B"]["left_reason"] == "ikke længere ledig" and everyone["B"]["rid"] is None
    # Once per run: the second run wrote exactly these six rows.
    n = con.execute("SELECT count(*) FROM pool_changes WHERE run_id = ?", [run.run_id])
    assert n.fetchone()[0] == 6

    # The same export again changes nothing and records nothing.
    _import(con, tmp_path, "third.csv", SECOND)
    assert con.execute("SELECT count(*) FROM pool_changes").fetchone()[0] == 6
    assert latest_changes(con, "Kokke")["run_id"] == run.run_id


def test_refused_import_records_no_changes(con, tmp_path: Path) -> None:
    _import(con, tmp_path, "first.csv", FIRST)
    create_pool(con, "Kokke", criteria=CRITERIA)
    before = _active(con, "Kokke")
    bad = write_csv(tmp_path / "bad.csv", ["borger_id", "kommunekode"], [["A", "101"]])
    with pytest.raises(ImportRefused):
        import_file(con, bad, "candidates")
    assert _active(con, "Kokke") == before
    assert con.execute("SELECT count(*) FROM pool_changes").fetchone()[0] == 0


def test_former_member_rejoins_when_matching_again(con, tmp_path: Path) -> None:
    _import(con, tmp_path, "first.csv", [candidate("A")])
    create_pool(con, "Kokke", criteria=CRITERIA)
    _import(con, tmp_path, "second.csv", [candidate("A", searchable="nej")])
    assert latest_changes(con, "Kokke")["left"][0]["reason"] == "CV ikke længere søgbart"
    run = _import(con, tmp_path, "third.csv", [candidate("A")])
    assert latest_changes(con, "Kokke") | {"at": None} == {
        "run_id": run.run_id,
        "at": None,
        "joined": ["A"],
        "left": [],
    }
    assert _active(con, "Kokke") == {"A"}


def test_pool_without_criteria_loses_only_gone_and_unsearchable(con, tmp_path: Path) -> None:
    _import(con, tmp_path, "first.csv", FIRST)
    create_pool(con, "Håndplukket")
    add_members(con, "Håndplukket", ["A", "B", "C", "D", "E"])
    _import(con, tmp_path, "second.csv", SECOND)
    changes = latest_changes(con, "Håndplukket")
    assert changes["joined"] == []
    assert {r["candidate_id"]: r["reason"] for r in changes["left"]} == {
        "B": "ikke længere ledig",
        "C": "CV ikke længere søgbart",
    }


def test_bad_input(con, tmp_path: Path) -> None:
    _import(con, tmp_path, "first.csv", FIRST)
    create_pool(con, "Kokke")
    with pytest.raises(PoolError, match="exists already"):
        create_pool(con, "Kokke")
    with pytest.raises(PoolError, match="no pool named"):
        add_members(con, "Ukendt", ["A"])
    with pytest.raises(PoolError, match="unknown candidate 'ZZ'"):
        add_members(con, "Kokke", ["A", "ZZ"])
    assert _active(con, "Kokke") == set()  # refused whole
    add_members(con, "Kokke", ["A"])
    with pytest.raises(PoolError, match="unknown status"):
        set_member(con, "Kokke", "A", status="glad")
    with pytest.raises(PoolError, match="not in pool"):
        set_member(con, "Kokke", "B", note="x")


def test_list_and_report(con, tmp_path: Path) -> None:
    _import(con, tmp_path, "first.csv", FIRST)
    create_pool(con, "Kokke", owner="kons1", jobcenter="0101", criteria=CRITERIA, note="Kantine")
    _import(con, tmp_path, "second.csv", SECOND)
    (row,) = list_pools(Store.wrap(con))
    assert row["name"] == "Kokke" and row["members"] == 4  # A, F, H, I (G never added)
    assert (row["joined"], row["left"]) == (2, 4)
    report = pool_report(con, "Kokke")
    assert report["note"] == "Kantine" and report["criteria"]["occupations"] == ["5120"]
    assert {m["candidate_id"] for m in report["members"]} == {"A", "F", "H", "I"}
    assert set(report["members"][0]) == {
        "candidate_id", "note", "status", "added", "added_by", "left_at", "left_reason",
    }  # fmt: skip


def test_a_broken_pool_never_fails_the_import(con, tmp_path: Path) -> None:
    _import(con, tmp_path, "first.csv", FIRST)
    create_pool(con, "Kokke", criteria=CRITERIA)
    con.execute("""UPDATE pools SET criteria_json = '{"no_such_field": 1}'""")
    run = _import(con, tmp_path, "second.csv", SECOND)
    assert run.accepted == len(SECOND)
    assert con.execute("SELECT count(*) FROM candidates").fetchone()[0] == len(SECOND)
    assert con.execute("SELECT count(*) FROM pool_changes").fetchone()[0] == 0


def test_moving_out_of_a_map_selection_is_flyttet(con, tmp_path: Path) -> None:
    from workbench.layers.selection import Selection

    area = Selection.radius(720_000, 6_170_000, 5_000)
    _import(con, tmp_path, "first.csv", [candidate("A"), candidate("D")])
    create_pool(con, "Nær", criteria=Filter(occupations=("5120",)).with_selection(area))
    assert _active(con, "Nær") == {"A", "D"}
    _import(con, tmp_path, "second.csv", [candidate("A"), candidate("D", x="760000,5")])
    assert latest_changes(con, "Nær")["left"] == [{"candidate_id": "D", "reason": "flyttet"}]


def test_older_pools_get_their_members_jobcenter(tmp_path: Path) -> None:
    """candidate_id is unique only within a jobcenter: the migration names each existing
    member's jobcenter (the pool's candidate, else the only one with that id)."""
    from tests.raw_cache import raw_connect
    from workbench.core import cache
    from workbench.core.schema import MIGRATION_MEMBER_JOBCENTER, MIGRATIONS, SCHEMA_VERSION

    path = tmp_path / "old.duckdb"
    raw = raw_connect(path)
    raw.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP)")
    before = MIGRATIONS[: MIGRATIONS.index(MIGRATION_MEMBER_JOBCENTER)]
    for version, statements in enumerate(before, start=1):
        for statement in statements:
            raw.execute(statement)
        raw.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    raw.execute(
        "INSERT INTO candidates (rid, candidate_id, jobcenter) VALUES "
        "(1, 'A', '0101'), (2, 'A', '0751'), (3, 'B', '0751')"
    )
    raw.execute(
        "INSERT INTO pools (name, owner, jobcenter, created) VALUES "
        "('egen', 'k', '0751', now()), ('fri', 'k', NULL, now())"
    )
    raw.execute(
        "INSERT INTO pool_members (pool, candidate_id, status, added) VALUES "
        "('egen', 'A', 'ny', now()), ('fri', 'B', 'ny', now()), ('fri', 'A', 'ny', now()), "
        "('egen', 'GONE', 'ny', now())"
    )
    raw.close()
    con = cache.connect(path)
    try:
        assert cache.schema_version(con) == SCHEMA_VERSION
        rows = con.execute(
            "SELECT pool, candidate_id, jobcenter FROM pool_members ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("egen", "A", "0751"),  # the pool's jobcenter has an A
        ("egen", "GONE", "0751"),  # no candidate left: the pool's jobcenter
        ("fri", "A", None),  # two jobcenters use A, the pool names none: opens nothing
        ("fri", "B", "0751"),  # the only B
    ]
