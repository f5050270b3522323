"""``workbench pool list|show|create|add``: the JSON scripts read, and exit codes."""

from __future__ import annotations

import json

from workbench.cli import main
from workbench.core import cache
from workbench.core.filters import Filter
from workbench.core.pools import create_pool


def _json(capsys) -> dict:
    out = capsys.readouterr().out
    return json.loads(out)


def test_list_show_add_json(small_demo_cache, capsys) -> None:
    c = ["--cache", str(small_demo_cache)]
    assert main(["pool", "list", *c, "--format", "json"]) == 0
    assert _json(capsys) == {"pools": []}

    con = cache.connect(small_demo_cache)
    try:
        create_pool(con, "Kokke", owner="kons1", criteria=Filter(occupations=("5120",)))
        expected = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT c.candidate_id FROM candidates c, unnest(c.occupation_codes) u(code) "
                "WHERE starts_with(u.code, '5120')"
            ).fetchall()
        }
        outsider = con.execute(
            "SELECT min(candidate_id) FROM candidates WHERE candidate_id NOT IN (SELECT unnest(?))",
            [sorted(expected)],
        ).fetchone()[0]
    finally:
        con.close()
    assert expected

    assert main(["pool", "add", "Kokke", "--candidate", outsider, *c, "--format", "json"]) == 0
    assert _json(capsys) == {"pool": "Kokke", "added": 1}

    assert main(["pool", "list", *c, "--format", "json"]) == 0
    (row,) = _json(capsys)["pools"]
    assert row["name"] == "Kokke" and row["owner"] == "kons1" and row["has_criteria"]
    assert row["members"] == len(expected) + 1
    assert (row["latest_run"], row["joined"], row["left"]) == (None, 0, 0)

    assert main(["pool", "show", "Kokke", *c, "--format", "json"]) == 0
    shown = _json(capsys)
    assert shown["criteria"] == {"occupations": ["5120"], "qualification_match": "all"}
    assert {m["candidate_id"] for m in shown["members"]} == expected | {outsider}
    assert all(m["status"] == "ny" and m["left_at"] is None for m in shown["members"])
    assert shown["changes"] == {"run_id": None, "at": None, "joined": [], "left": []}

    assert main(["pool", "show", "Kokke", *c]) == 0
    assert capsys.readouterr().out.startswith("Kokke (kons1)")


def test_unknown_pool_or_candidate_exits_2_with_one_line(small_demo_cache, capsys) -> None:
    c = ["--cache", str(small_demo_cache)]
    assert main(["pool", "show", "Ingen", *c, "--format", "json"]) == 2
    err = capsys.readouterr()
    assert err.out == ""
    assert err.err.strip() == "workbench pool: error: no pool named 'Ingen'"
    assert main(["pool", "create", "Kokke", *c]) == 0
    capsys.readouterr()
    assert main(["pool", "add", "Kokke", "--candidate", "DEMO-XX", *c]) == 2
    assert capsys.readouterr().err.strip() == "workbench pool: error: unknown candidate 'DEMO-XX'"
    assert main(["pool", "create", "Kokke", *c]) == 2
    assert "exists already" in capsys.readouterr().err


def test_missing_cache_is_refused(tmp_path, capsys) -> None:
    assert main(["pool", "list", "--cache", str(tmp_path / "none.duckdb")]) != 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "does not exist" in err
