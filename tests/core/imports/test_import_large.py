"""A 500 000-row export imports correctly (timing and memory: benchmarks/bench_import.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.imports.import_filegen import write_big_candidates
from workbench.core.imports import import_file
from workbench.core.plugins.host import ensure_rejects_table

ROWS = 500_000


@pytest.mark.slow
def test_500k_rows_cp1252_with_rejects_and_cpr(con, tmp_path: Path) -> None:
    f = tmp_path / "big.csv"
    expected = write_big_candidates(f, ROWS, bad_every=100, cpr_every=1000)
    s = import_file(con, f, "candidates")
    assert s.accepted == expected["accepted"] == ROWS - 5000 - 500
    assert s.rejected == expected["bad"] + expected["cpr"]
    assert s.jobcenters == ["0101", "0102", "0103"]
    assert con.execute("SELECT count(*), count(DISTINCT rid) FROM candidates").fetchone() == (
        s.accepted,
        s.accepted,
    )
    ensure_rejects_table(con, "candidates")
    by_field = dict(
        con.execute("SELECT field, count(*) FROM candidates_rejects GROUP BY 1").fetchall()
    )
    assert by_field == {"ledig_siden": 5000, "note": 500}
    assert (
        con.execute("SELECT count(*) FROM candidates_rejects WHERE value LIKE '%1234%'").fetchone()[
            0
        ]
        == 0
    )
    # Values survive the fast path: row i = 123457 (no reject rule applies to it).
    row = con.execute(
        "SELECT jobcenter, kommune_kode, x, y, occupation_codes, driving_licences, target_group, education, "
        "experience_years, unemployed_since, cv_searchable FROM candidates WHERE candidate_id = 'B0123457'"
    ).fetchone()
    assert row[:8] == (
        "0102",
        "0147",
        723457.5,
        6223457.0,
        ["5131"],
        ["B", "C"],
        "Ledig",
        "Erhvervsuddannelse",
    )
    assert row[8] == 123457 % 40 and row[10] is True
    # Titles: code, title, alias resolve; '9999' and 'Kagebager' are reported with their counts.
    accepted_rows = [
        i for i in range(ROWS) if not (i % 1000 == 7 or (i % 100 == 3 and i % 1000 != 7))
    ]
    kage = sum(1 for i in accepted_rows if i % 6 == 5)
    nines = sum(1 for i in accepted_rows if i % 6 == 4)
    assert s.unresolved == {"stillingsbetegnelser": {"Kagebager": kage, "9999": nines}}
    n_occ = con.execute("SELECT count(*) FROM candidate_occupations").fetchone()[0]
    assert n_occ == sum(1 for i in accepted_rows if i % 6 != 5)
