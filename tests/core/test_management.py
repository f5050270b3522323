"""The management view's aggregates against independent SQL/pandas on the small demo, and
the one suppression rule every aggregate goes through."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import DEMO_TODAY
from workbench.core import management as mgmt
from workbench.core.management import Area, suppress_small


def test_suppress_small_hides_one_to_four() -> None:
    assert suppress_small([0, 1, 4, 5, 17, None]) == [0, None, None, 5, 17, None]
    assert suppress_small({"a": 3, "b": 5, "c": 0}) == {"a": None, "b": 5, "c": 0}
    arr = suppress_small(np.array([0, 2, 5, 9]))
    assert np.array_equal(np.isnan(arr), [False, True, False, False]) and arr[3] == 9
    assert suppress_small([5, 9, 10], threshold=10) == [None, None, 10]
    assert suppress_small([np.int64(3), 7.0]) == [None, 7]


def _kbh(con) -> Area:
    return next(a for a in mgmt.areas(con, "0101") if a.key == "jobcenter")


def test_areas_jobcenter_first_then_all_then_municipalities(small_demo_con) -> None:
    found = mgmt.areas(small_demo_con, "0101")
    assert (found[0].key, found[0].name, found[0].codes) == ("jobcenter", "København", ("0101",))
    assert (found[1].key, found[1].codes) == ("all", None)
    n = small_demo_con.execute("SELECT count(*) FROM municipalities").fetchone()[0]
    assert len(found) == 2 + n and found[2].codes == (found[2].key,)
    assert [a.key for a in mgmt.areas(small_demo_con)][:1] == ["all"]


@pytest.mark.parametrize("which", ["jobcenter", "small", "all"])
def test_candidates_by_duration_against_pandas(small_demo_con, which) -> None:
    con = small_demo_con
    small = con.execute(
        "SELECT kommune_kode FROM candidates GROUP BY 1 HAVING count(*) BETWEEN 6 AND 30 LIMIT 1"
    ).fetchone()[0]
    area = {
        "jobcenter": _kbh(con),
        "small": Area(small, "x", (small,)),
        "all": Area("all", "", None),
    }[which]
    table = mgmt.candidates_by_duration(con, area, DEMO_TODAY)
    df = con.execute("SELECT kommune_kode, target_group, unemployed_since FROM candidates").df()
    df = df[df.unemployed_since.notna()]
    if area.codes is not None:
        df = df[df.kommune_kode.isin(area.codes)]
    days = (pd.Timestamp(DEMO_TODAY) - pd.to_datetime(df.unemployed_since)).dt.days
    # the duration style's bands: < 91, < 182, < 365, < 730 days, else
    band = np.searchsorted([91, 182, 365, 730], days.to_numpy(), side="right")
    df = df.assign(band=band, g=df.target_group.fillna(mgmt.UNKNOWN_GROUP))
    expected = df.groupby(["g", "band"]).size()
    assert set(table.groups) == set(df.g)
    for gi, group in enumerate(table.groups):
        for b in range(len(table.bands)):
            n = int(expected.get((group, b), 0))
            assert table.counts[gi][b] == (None if 0 < n < 5 else n), (group, b)
    if which == "small":  # a small municipality: some cells must be suppressed
        assert any(v is None for row in table.counts for v in row)


def test_supply_and_demand_against_sql(small_demo_con) -> None:
    con = small_demo_con
    con.execute(
        "INSERT INTO shortage (occupation_code, area_code, area_name, category, period, source) "
        "VALUES ('5223', '0101', 'København', 'paradoks', '2026H2', 't'), "
        "('5223', '0101', 'København', 'mangel', '2026H1', 't'), "
        "('9112', '0751', 'Aarhus', 'gode', '2026H2', 't')"
    )
    area = _kbh(con)
    sd = mgmt.supply_and_demand(con, area, limit=200)
    supply = dict(
        con.execute(
            "SELECT left(code, 4), count(DISTINCT c.rid) FROM candidates c, "
            "unnest(c.occupation_codes) AS u(code) WHERE c.kommune_kode = '0101' GROUP BY 1"
        ).fetchall()
    )
    demand = dict(
        con.execute(
            "SELECT left(occupation_code, 4), count(*) FROM job_postings "
            "WHERE kommune_kode = '0101' AND occupation_code IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    shown = {
        code
        for code in set(supply) | set(demand)
        if (suppress_small([supply.get(code, 0)])[0] or 0)
        + (suppress_small([demand.get(code, 0)])[0] or 0)
    }
    assert set(sd.codes) == shown
    for code, c, p, cat in zip(sd.codes, sd.candidates, sd.postings, sd.shortage, strict=True):
        assert c == suppress_small([supply.get(code, 0)])[0]
        assert p == suppress_small([demand.get(code, 0)])[0]
        assert cat == ("paradoks" if code == "5223" else None)  # latest period, this area
    ranked = [(c or 0) + (p or 0) for c, p in zip(sd.candidates, sd.postings, strict=True)]
    assert ranked == sorted(ranked, reverse=True)
    assert len(mgmt.supply_and_demand(con, area, limit=5).codes) == 5


def test_unemployment_series_sums_counts_and_averages_percentages(small_demo_con) -> None:
    con = small_demo_con
    rows = []
    for period in ("2025K4", "2026K1", "2026K2"):
        for kode, n in (("0101", 40), ("0147", 3), ("0751", 2)):
            rows.append((kode, period, "AULK01: ledige", n, "antal", "statbank:AULK01"))
            rows.append((kode, period, "Y30R21: pct", n / 10, "pct.", "jobindsats:Y30R21"))
    pd_rows = pd.DataFrame(rows, columns=["k", "p", "m", "v", "u", "s"])
    con.register("stats_rows", pd_rows)
    con.execute("INSERT INTO unemployment_stats SELECT * FROM stats_rows")
    all_ = Area("all", "", None)
    assert mgmt.unemployment_measures(con) == ["AULK01: ledige", "Y30R21: pct"]
    s = mgmt.unemployment_series(con, all_)
    assert (s.measure, s.periods, s.values, s.averaged) == (
        "AULK01: ledige",
        ["2025K4", "2026K1", "2026K2"],
        [45.0, 45.0, 45.0],
        False,
    )
    small = Area("0147", "Frederiksberg", ("0147",))
    assert mgmt.unemployment_series(con, small).values == [None, None, None]  # 3 people
    pct = mgmt.unemployment_series(con, all_, "Y30R21: pct")
    assert pct.averaged and pct.values == pytest.approx([1.5, 1.5, 1.5])
    con.execute("DELETE FROM unemployment_stats")
    assert mgmt.unemployment_series(con, all_) is None


def test_campaign_results(small_demo_con) -> None:
    con = small_demo_con
    area, all_ = _kbh(con), Area("all", "", None)
    assert mgmt.campaign_results(con, all_) is None  # no campaign targets: the empty state
    kbh = con.execute(
        "SELECT cvr, pnr FROM companies WHERE kommune_kode = '0101' LIMIT 12"
    ).fetchall()
    aar = con.execute(
        "SELECT cvr, pnr FROM companies WHERE kommune_kode = '0751' LIMIT 6"
    ).fetchall()
    statuses = ["kontaktet"] * 7 + ["planlagt"] * 2 + ["aftale"] * 3
    con.executemany(
        "INSERT INTO campaign_targets (campaign, cvr, pnr, status, score) VALUES ('k', ?, ?, ?, 1)",
        [(c, p, s) for (c, p), s in zip(kbh, statuses, strict=True)]
        + [(c, p, "aftale") for c, p in aar],
    )
    expected_all = dict(
        con.execute("SELECT status, count(*) FROM campaign_targets GROUP BY 1").fetchall()
    )
    got = mgmt.campaign_results(con, all_)
    assert list(got) == ["planlagt", "kontaktet", "aftale"]  # the campaign order
    assert got == suppress_small(expected_all)
    assert mgmt.campaign_results(con, area) == {"planlagt": None, "kontaktet": 7, "aftale": None}
