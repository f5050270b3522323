"""Campaigns against independent computations: targets vs SQL, scores vs a brute-force
reference, status history, assignment and progress (small demo cache, real DuckDB)."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest

from tests.conftest import DEMO_TODAY
from workbench.core import campaigns as camp
from workbench.core.campaigns.model import SHORTAGE_POINTS, ScoreWeights
from workbench.core.company_detail import two_years_before
from workbench.core.filters import Filter, Range
from workbench.core.store import Store

FLT = Filter(municipalities=("0101",), employees=Range(3, None))


@pytest.fixture
def store(small_demo_cache):
    s = Store.open(small_demo_cache)
    yield s
    s.close()


def _sql_targets(store: Store, protected: bool = True) -> set[tuple[str, str | None]]:
    extra = "" if protected else " AND NOT coalesce(advertising_protected, FALSE)"
    rows = store.con.execute(
        f"SELECT cvr, pnr FROM companies WHERE kommune_kode = '0101' AND employees >= 3{extra}"
    ).fetchall()
    return {(r[0], r[1]) for r in rows}


def test_targets_equal_an_independent_sql_selection(store):
    created = camp.create_campaign(store, "Kbh", flt=FLT, today=DEMO_TODAY)
    rows = camp.targets(store, "Kbh")
    expected = _sql_targets(store)
    assert {(r["cvr"], r["pnr"]) for r in rows} == expected
    assert created.targets == len(expected) > 50
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    # policy mark: protected units kept, marked with the note
    marked = [r for r in rows if r["advertising_protected"]]
    assert marked and created.marked_protected == len(marked)
    assert all(r["components"]["advertising_note"] == camp.ADVERTISING_NOTE for r in marked)


def test_policy_exclude_leaves_protected_companies_out(store):
    created = camp.create_campaign(
        store, "Kbh2", flt=FLT, today=DEMO_TODAY, advertising_policy="exclude"
    )
    got = {(r["cvr"], r["pnr"]) for r in camp.targets(store, "Kbh2")}
    assert got == _sql_targets(store, protected=False)
    assert created.excluded_protected == len(_sql_targets(store)) - len(got) > 0
    assert camp.load_campaign(store, "Kbh2").advertising_policy == "exclude"


def _reference_components(store: Store, jobcenter: str | None, radius_km: float) -> dict:
    """Supply, postings and last contact per target, by plain SQL (brute-force distances)."""
    since = two_years_before(DEMO_TODAY)
    r2 = radius_km**2  # in 1 km cells: the grid rule of supply.py
    cand_where = "TRUE" if jobcenter is None else "k.jobcenter = $jc"
    coll_where = "TRUE" if jobcenter is None else "cb.jobcenter = $jc"
    sql = f"""
        WITH t AS (SELECT DISTINCT c.cvr, c.pnr, c.x, c.y FROM campaign_targets ct
                   JOIN companies c ON c.cvr = ct.cvr AND c.pnr IS NOT DISTINCT FROM ct.pnr
                   WHERE ct.campaign = 'Ref'),
        codes AS (SELECT DISTINCT cvr, occupation_code AS code FROM job_postings
                  WHERE posted BETWEEN $since AND $today AND occupation_code IS NOT NULL),
        sup AS (
            SELECT t.cvr, t.pnr, count(DISTINCT k.rid) AS supply FROM t
            JOIN codes ON codes.cvr = t.cvr
            JOIN candidate_occupations o ON starts_with(o.code, codes.code)
            JOIN candidates k ON k.rid = o.rid
            WHERE {cand_where} AND k.x IS NOT NULL
              AND (floor(k.x / 1000) - floor(t.x / 1000)) ^ 2
                + (floor(k.y / 1000) - floor(t.y / 1000)) ^ 2 <= $r2
            GROUP BY ALL),
        post AS (SELECT cvr, count(*) AS n FROM job_postings
                 WHERE posted BETWEEN $since AND $today GROUP BY cvr),
        lc AS (SELECT cvr, max(CASE WHEN ended IS NULL OR ended >= $today
                                     OR lower(status) = 'aktiv' THEN $today ELSE ended END) AS last
               FROM collaborations cb WHERE {coll_where} AND started <= $today GROUP BY cvr)
        SELECT t.cvr, t.pnr, coalesce(sup.supply, 0), coalesce(post.n, 0),
               date_diff('day', lc.last, $today)
        FROM t LEFT JOIN sup ON sup.cvr = t.cvr AND sup.pnr IS NOT DISTINCT FROM t.pnr
        LEFT JOIN post ON post.cvr = t.cvr LEFT JOIN lc ON lc.cvr = t.cvr
    """
    params = {"since": since, "today": DEMO_TODAY, "r2": r2}
    if jobcenter is not None:
        params["jc"] = jobcenter
    rows = store.con.execute(sql, params).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


@pytest.mark.parametrize("jobcenter", [None, "0101"])
def test_scores_agree_with_an_independent_computation(store, jobcenter):
    codes = [
        r[0]
        for r in store.con.execute(
            "SELECT DISTINCT occupation_code FROM job_postings ORDER BY 1 LIMIT 6"
        ).fetchall()
    ]
    shortage = {codes[0]: "mangel", codes[1]: "paradoks", codes[2]: "gode"}
    for code, cat in shortage.items():
        store.con.execute(
            "INSERT INTO shortage (occupation_code, area_code, category, period) "
            "VALUES (?, '0101', ?, '2026H2')",
            [code, cat],
        )
    store.con.execute(  # elsewhere
        "INSERT INTO shortage (occupation_code, area_code, category, period) "
        "VALUES (?, '0851', 'mangel', '2026H2')",
        [codes[3]],
    )
    camp.create_campaign(store, "Ref", flt=FLT, jobcenter=jobcenter, today=DEMO_TODAY)
    ref = _reference_components(store, jobcenter, 25.0)
    rows = camp.targets(store, "Ref")
    w = ScoreWeights()
    with_supply = 0
    for r in rows:
        supply, postings, days = ref[(r["cvr"], r["pnr"])]
        comp = r["components"]
        assert (comp["supply"], comp["postings"], comp["days_since_contact"]) == (
            supply,
            postings,
            days,
        ), r["cvr"]
        best = max(
            (shortage[c] for c in comp["occupations"] if c in shortage),
            key=lambda c: SHORTAGE_POINTS[c],
            default=None,
        )
        assert comp["shortage"] == best
        expected = (
            w.supply * min(supply / w.supply_cap, 1)
            + w.shortage * (SHORTAGE_POINTS[best] if best else 0)
            + w.postings * min(postings / w.postings_cap, 1)
            + w.contact * (1 if days is None else min(days / w.contact_cap_days, 1))
        )
        assert r["score"] == pytest.approx(round(expected, 1), abs=0.051)
        with_supply += supply > 0
    assert with_supply > 5  # the supply component is exercised, not all zero
    assert any(r["components"]["shortage"] for r in rows)


def test_without_a_shortage_table_the_component_is_zero_and_says_so(store):
    camp.create_campaign(store, "NoShort", flt=FLT, today=DEMO_TODAY)
    comps = [r["components"] for r in camp.targets(store, "NoShort")]
    assert all(c["shortage"] is None and c["points"]["shortage"] == 0 for c in comps)
    assert all(c["shortage_available"] is False for c in comps)


def test_a_saved_selection_makes_the_targets(store):
    from workbench.core.selections import save_selection
    from workbench.layers.selection import Selection

    x, y = store.con.execute(
        "SELECT x, y FROM companies WHERE kommune_kode = '0101' AND x IS NOT NULL LIMIT 1"
    ).fetchone()
    sel = Selection.radius(x, y, 2000.0)
    save_selection(store.con, "ring", sel, entity="companies")
    camp.create_campaign(store, "Ring", selection="ring", today=DEMO_TODAY)
    got = {(r["cvr"], r["pnr"]) for r in camp.targets(store, "Ring")}
    rows = store.con.execute(
        "SELECT cvr, pnr FROM companies WHERE (x - ?) ^ 2 + (y - ?) ^ 2 <= ?",
        [x, y, 2000.0**2],
    ).fetchall()
    assert got == {(r[0], r[1]) for r in rows} and got


def test_status_history_is_kept(store):
    camp.create_campaign(store, "H", flt=FLT, today=DEMO_TODAY, created_by="lead")
    t = camp.targets(store, "H")[0]
    camp.set_status(
        store, "H", t["cvr"], "kontaktet", pnr=t["pnr"], by="anne",
        note="ringet", at=datetime(2030, 11, 2, 9, 0),
    )  # fmt: skip
    camp.set_status(
        store, "H", t["cvr"], "møde booket", pnr=t["pnr"], by="anne",
        at=datetime(2030, 11, 3, 9, 0),
    )  # fmt: skip
    hist = camp.history(store, "H", t["cvr"], t["pnr"])
    assert [h["status"] for h in hist] == ["planlagt", "kontaktet", "moede_booket"]
    assert [h["by"] for h in hist] == ["lead", "anne", "anne"]
    assert hist[1]["note"] == "ringet"
    now = next(r for r in camp.targets(store, "H") if (r["cvr"], r["pnr"]) == (t["cvr"], t["pnr"]))
    assert now["status"] == "moede_booket" and now["note"] == "ringet"
    assert now["status_at"] == datetime(2030, 11, 3, 9, 0)


def test_bad_input_is_one_clear_error(store):
    camp.create_campaign(store, "B", flt=FLT, today=DEMO_TODAY)
    cvr = camp.targets(store, "B")[0]["cvr"]
    with pytest.raises(camp.CampaignError, match="unknown status 'ringet'"):
        camp.set_status(store, "B", cvr, "ringet")
    with pytest.raises(camp.CampaignError, match="no campaign named 'X'"):
        camp.targets(store, "X")
    with pytest.raises(camp.CampaignError, match="exists already"):
        camp.create_campaign(store, "B", flt=FLT, today=DEMO_TODAY)
    with pytest.raises(camp.CampaignError, match="matches no company"):
        camp.create_campaign(store, "E", flt=Filter(cvr="00000001"), today=DEMO_TODAY)
    with pytest.raises(camp.CampaignError, match="no target CVR 99999999"):
        camp.set_status(store, "B", "99999999", "aftale")
    assert camp.list_campaigns(store) == ["B"]


def test_assignment_and_progress(store):
    camp.create_campaign(store, "P", flt=FLT, today=DEMO_TODAY)
    rows = camp.targets(store, "P")
    assert camp.assign(store, "P", "anne", top=5) == 5
    assert camp.assign(store, "P", "bo", top=3) == 3
    by_anne = camp.targets(store, "P", assigned_to="anne")
    assert [(r["cvr"], r["pnr"]) for r in by_anne] == [(r["cvr"], r["pnr"]) for r in rows[:5]]
    camp.set_status(store, "P", by_anne[0]["cvr"], "aftale", pnr=by_anne[0]["pnr"])
    camp.set_status(store, "P", by_anne[1]["cvr"], "ikke interesseret", pnr=by_anne[1]["pnr"])
    prog = camp.progress(store, "P")
    assert prog["total"]["targets"] == len(rows)
    assert prog["total"]["reached"] == 2
    per = {p["assigned_to"]: p for p in prog["by_consultant"]}
    assert per["anne"]["targets"] == 5 and per["anne"]["reached"] == 2
    assert per["anne"]["statuses"]["aftale"] == 1
    assert per["bo"]["targets"] == 3 and per["bo"]["reached"] == 0
    assert per[None]["targets"] == len(rows) - 8
    json.dumps(prog)  # JSON-ready


def test_grid_supply_matches_brute_force_on_the_grid_rule():
    from workbench.core.campaigns.supply import CandidateCodes, supply_counts

    rng = np.random.default_rng(3)
    n_cand = 3000
    cx, cy = rng.uniform(500_000, 600_000, n_cand), rng.uniform(6_100_000, 6_200_000, n_cand)
    codes = np.array(["2512", "2513", "7115", "5120"])
    pair_cand = np.concatenate([np.arange(n_cand), rng.integers(0, n_cand, 800)])
    pair_code = list(codes[rng.integers(0, 4, pair_cand.size)])
    cand = CandidateCodes(cx, cy, pair_cand, pair_code)
    n = 400
    px, py = rng.uniform(480_000, 620_000, n), rng.uniform(6_080_000, 6_220_000, n)
    px[0] = np.nan
    company_codes = [list(rng.choice(["25", "7115", "9999"], rng.integers(0, 3))) for _ in range(n)]
    got = supply_counts(company_codes, px, py, cand, 12_500.0)
    has = {c: set() for c in ("25", "7115", "9999")}
    for i, code in zip(pair_cand, pair_code, strict=True):
        for prefix in has:
            if code.startswith(prefix):
                has[prefix].add(int(i))
    ci, cj = np.floor(cx / 1000), np.floor(cy / 1000)
    for k in range(n):
        wanted = sorted(set().union(*(has[c] for c in company_codes[k])))
        if not wanted or not np.isfinite(px[k]):
            assert got[k] == 0
            continue
        w = np.asarray(wanted)
        d2 = (ci[w] - np.floor(px[k] / 1000)) ** 2 + (cj[w] - np.floor(py[k] / 1000)) ** 2
        assert got[k] == int(np.count_nonzero(d2 <= 12.5**2)), k
    assert got.sum() > 0


@pytest.mark.parametrize("jobcenter", [None, "0101"])
def test_prepare_visit_supply_is_the_campaign_rule(store, jobcenter):
    from workbench.core.campaigns.visit_prep import prepare_visit

    camp.create_campaign(store, "V", flt=FLT, jobcenter=jobcenter, today=DEMO_TODAY)
    rows = [r for r in camp.targets(store, "V") if r["components"]["occupations"]][:15]
    assert rows
    camp.set_status(store, "V", rows[0]["cvr"], "kontaktet", pnr=rows[0]["pnr"])
    for r in rows:
        prep = prepare_visit(store.con, r["cvr"], r["pnr"], today=DEMO_TODAY, jobcenter=jobcenter)
        assert prep["supply"] == r["components"]["supply"]
        assert prep["typical_occupations"] == r["components"]["occupations"]
        assert sum(m["postings"] for m in prep["postings_by_month"]) == r["components"]["postings"]
        assert [c["campaign"] for c in prep["campaigns"]] == ["V"] * len(prep["campaigns"])
    first = prepare_visit(store.con, rows[0]["cvr"], rows[0]["pnr"], today=DEMO_TODAY)
    mine = [c for c in first["campaigns"] if c["pnr"] == rows[0]["pnr"]]
    assert mine[0]["status_label"] == "kontaktet"
    # ongoing = the timeline's collaborations active on the day
    for prep in (first,):
        assert all(t["active"] for t in prep["ongoing"])
        assert len(prep["ongoing"]) == sum(bool(t["active"]) for t in prep["timeline"])
