"""The industry picker offers DB07 and DB25 as two trees without a key, one with a key."""

from __future__ import annotations

from pathlib import Path

from workbench.core import cache
from workbench.core.filters import Filter
from workbench.core.query import count


def _with_db25(path: Path, *, key: bool) -> Path:
    con = cache.connect(path)
    con.execute(
        "INSERT INTO industries (system, code, title, level) VALUES "
        "('DB25', '621000', 'Computerprogrammering (DB25)', 5)"
    )
    # some demo companies moved to DB25 (their CVR period started in 2025)
    con.execute(
        "UPDATE companies SET industry_system = 'DB25', industry_code = '621000' WHERE rid % 7 = 0"
    )
    if key:
        db07 = con.execute("SELECT min(code) FROM industries WHERE level = 5").fetchone()[0]
        con.execute("INSERT INTO industry_key VALUES (?, '621000')", [db07])
    con.close()
    return path


def test_both_trees_without_a_key_and_a_db25_pick_filters(qtbot, open_window, small_demo_cache):
    window = open_window(_with_db25(small_demo_cache, key=False))
    picker = window.filters.industry
    assert window.filters.industry_systems_note.isVisible()
    assert "DB25" in window.filters.industry_systems_note.text()
    assert picker.code_for("DB25 · Computerprogrammering (DB25)") == "DB25:621000"
    db07_code = window.con.execute(
        "SELECT code FROM industries WHERE system = 'DB07' AND level = 5 ORDER BY code LIMIT 1"
    ).fetchone()[0]
    assert picker.code_for(db07_code) == db07_code  # the DB07 tree keeps plain codes

    with qtbot.waitSignal(window.resultsApplied, timeout=30_000) as blocker:
        picker.add("DB25:621000")
        window.filters.emit_now()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    flt = blocker.args[0].flt
    assert flt.industries == ("DB25:621000",)
    n = len(window.map.layers["companies"])
    want = window.con.execute(
        "SELECT count(*) FROM companies WHERE industry_system = 'DB25'"
    ).fetchone()[0]
    assert n == want == count(window.con, "companies", flt, strict=False) > 0


def test_one_tree_with_a_key(open_window, small_demo_cache):
    window = open_window(_with_db25(small_demo_cache, key=True))
    assert not window.filters.industry_systems_note.isVisible()
    assert window.filters.industry.code_for("DB25 · Computerprogrammering (DB25)") is None
    n_key = count(window.con, "companies", Filter(industries=("DB25:621000",)))
    assert (
        n_key
        > window.con.execute(
            "SELECT count(*) FROM companies WHERE industry_system = 'DB25'"
        ).fetchone()[0]
    )
