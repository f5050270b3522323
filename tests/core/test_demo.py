"""The demo dataset: deterministic, plausible, marked as demo, atomic."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import shapely

from tests.conftest import DEMO_TODAY
from workbench.cli import main
from workbench.core import cache
from workbench.core.demo import build_demo, qualifications_by_occupation
from workbench.core.errors import Cancelled

REGION_CODES = {"1081", "1082", "1083", "1084", "1085"}
TABLES = ("candidates", "companies", "job_postings", "collaborations", "municipalities")


def _digest(con, table):
    # Order-independent hash of every column of every row.
    return con.execute(f"SELECT count(*), sum(hash(t)) FROM {table} t").fetchone()


def test_same_seed_same_data_other_seed_other_data(tmp_path, kommuner_geojson):
    digests = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        con = cache.connect(tmp_path / f"{name}.duckdb")
        build_demo(con, scale="small", seed=seed, boundaries=kommuner_geojson, today=DEMO_TODAY)
        digests.append({t: _digest(con, t) for t in TABLES})
        con.close()
    assert digests[0] == digests[1]
    assert digests[0]["candidates"] != digests[2]["candidates"]
    assert digests[0]["companies"] != digests[2]["companies"]


def test_small_scale_sizes_and_demo_marks(small_demo_con):
    con = small_demo_con
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    assert counts["candidates"] == 5000 and counts["municipalities"] == 99
    assert cache.is_demo(con)
    for table in ("candidates", "companies", "job_postings", "collaborations"):
        assert (
            con.execute(f"SELECT count(*) FROM {table} WHERE source <> 'demo'").fetchone()[0] == 0
        )
    # Candidate ids are pseudonymous, never CPR-like.
    assert (
        con.execute(
            "SELECT count(*) FROM candidates WHERE NOT regexp_matches(candidate_id, '^DEMO-\\d{7}$')"
        ).fetchone()[0]
        == 0
    )


def test_points_lie_inside_their_municipality(small_demo_con):
    con = small_demo_con
    areas = {
        k: shapely.from_wkb(g)
        for k, g in con.execute("SELECT kode, geom FROM municipalities").fetchall()
    }
    for table in ("candidates", "companies"):
        rows = con.execute(
            f"SELECT kommune_kode, x, y FROM {table} USING SAMPLE 500 ROWS (reservoir, 1)"
        ).fetchall()
        inside = [shapely.contains_xy(areas[k], x, y) for k, x, y in rows]
        assert all(inside), table


def test_people_follow_population(small_demo_con):
    share = dict(
        small_demo_con.execute(
            "SELECT kommune_kode, count(*) / 5000.0 FROM candidates GROUP BY 1"
        ).fetchall()
    )
    # Copenhagen (~11% of the population) has far more than Læsø (~0.03%).
    assert 0.08 < share["0101"] < 0.14
    assert share.get("0825", 0) < 0.005


def test_unemployment_is_skewed_with_a_long_tail(small_demo_con):
    days = np.array(
        [
            r[0]
            for r in small_demo_con.execute(
                "SELECT date_diff('day', unemployed_since, ?::DATE) FROM candidates", [DEMO_TODAY]
            ).fetchall()
        ]
    )
    assert np.median(days) < 180
    assert 0.1 < (days > 365).mean() < 0.4
    assert days.min() >= 0


def test_qualifications_belong_to_the_candidates_occupations(small_demo_con):
    by_occ = qualifications_by_occupation()
    rows = small_demo_con.execute(
        "SELECT occupation_codes, qualification_codes FROM candidates"
    ).fetchall()
    bad = [q for occs, quals in rows for q in quals if not any(q in by_occ[o] for o in occs)]
    assert bad == []
    assert sum(len(quals) for _, quals in rows) > 0
    assert (
        small_demo_con.execute(
            "SELECT count(*) FROM candidates WHERE NOT cv_searchable"
        ).fetchone()[0]
        > 0
    )


def test_each_qualification_once_and_licences_are_not_qualifications(small_demo_con):
    """Issue #10: the picker listed "Kørekort B" twice and "Truckcertifikat" four times."""
    titles = [t for (t,) in small_demo_con.execute("SELECT title FROM qualifications").fetchall()]
    assert len(titles) == len({t.casefold() for t in titles})
    assert "Truckcertifikat" in titles
    assert not [t for t in titles if t.casefold().startswith("kørekort")]
    # Every qualification a candidate holds is in the list; who drives for a living holds B.
    assert (
        small_demo_con.execute(
            "SELECT count(*) FROM candidate_qualifications WHERE code NOT IN "
            "(SELECT code FROM qualifications)"
        ).fetchone()[0]
        == 0
    )
    assert (
        small_demo_con.execute(
            "SELECT count(*) FROM candidates WHERE occupation_codes[1] IN "
            "('8322', '8331', '8332', '9621') AND NOT list_contains(driving_licences, 'B')"
        ).fetchone()[0]
        == 0
    )


def test_occupations_have_danish_titles_and_aliases(small_demo_con):
    title, aliases = small_demo_con.execute(
        "SELECT title, aliases FROM occupations WHERE code = '8332'"
    ).fetchone()
    assert title == "Lastbilchauffør" and "chauffør" in aliases
    n_codes = small_demo_con.execute(
        "SELECT count(DISTINCT code) FROM candidate_occupations WHERE code NOT IN (SELECT code FROM occupations)"
    ).fetchone()[0]
    assert n_codes == 0


def test_without_boundaries_the_shipped_outlines_are_used(tmp_path, capsys):
    # `workbench demo` without --boundaries, offline: the 99 outlines shipped as package data.
    rc = main(["demo", "--cache", str(tmp_path / "c.duckdb"), "--scale", "small", "--seed", "1"])
    err = capsys.readouterr().err
    assert rc == 0 and "no municipality boundaries" not in err
    con = cache.connect(tmp_path / "c.duckdb")
    try:
        assert cache.get_meta(con, "demo_geography") == "packaged"
        rows = con.execute(
            "SELECT kode, region_kode, geom FROM municipalities WHERE geom IS NOT NULL"
        ).fetchall()
        assert len(rows) == 99 and all(r[1] in REGION_CODES for r in rows)
        areas = {k: shapely.from_wkb(g) for k, _r, g in rows}
        pts = con.execute("SELECT kommune_kode, x, y FROM candidates LIMIT 500").fetchall()
        assert all(shapely.contains_xy(areas[k], x, y) for k, x, y in pts)
    finally:
        con.close()


def test_shipped_outlines_are_small_and_attributed():
    from workbench.core.demo import packaged_boundaries

    path = packaged_boundaries()
    assert path is not None and path.stat().st_size < 500_000
    assert "DAGI" in (path.parent / "README.md").read_text("utf-8")


def test_without_any_boundaries_points_go_around_centres_and_it_says_so(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr("workbench.core.demo.packaged_boundaries", lambda: None)
    rc = main(["demo", "--cache", str(tmp_path / "c.duckdb"), "--scale", "small", "--seed", "1"])
    err = capsys.readouterr().err
    assert rc == 0 and "no municipality boundaries" in err
    con = cache.connect(tmp_path / "c.duckdb")
    assert cache.get_meta(con, "demo_geography") == "centres"
    assert con.execute("SELECT count(*) FROM municipalities WHERE geom IS NULL").fetchone()[0] == 99
    # Still in Denmark.
    xmin, xmax = con.execute("SELECT min(x), max(x) FROM candidates").fetchone()
    assert xmin > 400_000 and xmax < 920_000
    con.close()


def test_cancelled_build_leaves_the_cache_unchanged(small_demo_con, kommuner_geojson):
    before = _digest(small_demo_con, "candidates")
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 7  # after the data was generated, during the writes

    with pytest.raises(Cancelled):
        build_demo(
            small_demo_con,
            scale="small",
            seed=99,
            boundaries=kommuner_geojson,
            today=date(2026, 1, 1),
            cancelled=cancelled,
        )
    assert _digest(small_demo_con, "candidates") == before
    assert cache.get_meta(small_demo_con, "demo_seed") == "7"


def test_demo_command_json(tmp_path, kommuner_geojson, capsys):
    import json

    rc = main(
        [
            "demo",
            "--cache",
            str(tmp_path / "d.duckdb"),
            "--seed",
            "2",
            "--boundaries",
            str(kommuner_geojson),
            "--today",
            "2026-11-01",
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert (
        rc == 0 and data["counts"]["candidates"] == 5000 and data["geography"] == "boundaries-file"
    )


def test_demo_command_rejects_missing_boundaries(tmp_path, capsys):
    rc = main(
        [
            "demo",
            "--cache",
            str(tmp_path / "d.duckdb"),
            "--boundaries",
            str(tmp_path / "no.geojson"),
        ]
    )
    assert rc == 2 and "does not exist" in capsys.readouterr().err


def test_demo_areas_are_polygons_only(small_demo_con):
    kinds = {
        shapely.from_wkb(g).geom_type
        for (g,) in small_demo_con.execute("SELECT geom FROM municipalities").fetchall()
    }
    assert kinds <= {"Polygon", "MultiPolygon"}


def test_demo_refuses_to_replace_real_data_without_force(small_demo_cache, capsys):
    con = cache.connect(small_demo_cache)
    con.execute("UPDATE candidates SET source = 'import' WHERE rid <= 3")
    con.close()
    rc = main(["demo", "--cache", str(small_demo_cache), "--seed", "5"])
    err = capsys.readouterr().err
    assert rc == 1 and "real data (3 candidates)" in err and "--force" in err
    con = cache.connect(small_demo_cache)
    assert con.execute("SELECT count(*) FROM candidates WHERE source = 'import'").fetchone()[0] == 3
    con.close()
    assert main(["demo", "--cache", str(small_demo_cache), "--seed", "5", "--force"]) == 0
