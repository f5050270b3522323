"""Every search filter against an independent reference computed with pandas."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from tests.conftest import DEMO_TODAY
from workbench.cli import main
from workbench.core import cache

KEY = {"candidates": "candidate_id", "companies": "pnr", "postings": "posting_id"}


@pytest.fixture(scope="module")
def frames(_small_demo_master):
    con = cache.connect(_small_demo_master, read_only=True)
    try:
        out = {
            "candidates": con.execute("SELECT * FROM candidates").df(),
            "companies": con.execute("SELECT * FROM companies").df(),
            "postings": con.execute("SELECT * FROM job_postings").df(),
            "collaborations": con.execute("SELECT * FROM collaborations").df(),
        }
    finally:
        con.close()
    return out


def run_search(cache_path, capsys, entity, *options):
    rc = main(
        [
            "search",
            entity,
            "--cache",
            str(cache_path),
            "--today",
            DEMO_TODAY.isoformat(),
            "--limit",
            "1000000",
            "--format",
            "json",
            *options,
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0, out
    data = json.loads(out)
    ids = {item[KEY[entity]] for item in data["items"]}
    assert data["total"] == len(ids)
    return ids


def ids(df, entity):
    return set(df[KEY[entity]])


def days_unemployed(df):
    since = pd.to_datetime(df["unemployed_since"])
    return (pd.Timestamp(DEMO_TODAY) - since).dt.days


def has_prefix(codes, prefixes):
    return any(str(c).startswith(p) for c in codes for p in prefixes)


@pytest.mark.parametrize("prefixes", [["8332"], ["83"], ["5", "2512"]])
def test_occupation_prefix(frames, _small_demo_master, capsys, prefixes):
    c = frames["candidates"]
    expected = ids(
        c[c["occupation_codes"].apply(lambda cs: has_prefix(cs, prefixes))], "candidates"
    )
    args = [a for p in prefixes for a in ("--occupation", p)]
    got = run_search(_small_demo_master, capsys, "candidates", *args)
    assert expected and got == expected


def test_occupation_on_postings(frames, _small_demo_master, capsys):
    p = frames["postings"]
    expected = ids(p[p["occupation_code"].str.startswith("91")], "postings")
    assert (
        expected
        and run_search(_small_demo_master, capsys, "postings", "--occupation", "91") == expected
    )


@pytest.mark.parametrize("match", ["all", "any"])
def test_qualifications_all_any(frames, _small_demo_master, capsys, match):
    c = frames["candidates"]
    # Two qualifications that co-occur often enough to make 'all' non-trivial.
    exploded = c.explode("qualification_codes")
    top = exploded["qualification_codes"].value_counts().index[:1][0]
    sibling = exploded[
        exploded["candidate_id"].isin(
            exploded.loc[exploded["qualification_codes"] == top, "candidate_id"]
        )
    ]
    second = sibling["qualification_codes"].value_counts().drop(top).index[0]
    wanted = {top, second}
    test = (lambda qs: wanted <= set(qs)) if match == "all" else (lambda qs: bool(wanted & set(qs)))
    expected = ids(c[c["qualification_codes"].apply(test)], "candidates")
    got = run_search(
        _small_demo_master,
        capsys,
        "candidates",
        "--qualification",
        top,
        "--qualification",
        second,
        "--match",
        match,
    )
    assert expected and got == expected
    if match == "all":
        any_got = run_search(
            _small_demo_master,
            capsys,
            "candidates",
            "--qualification",
            top,
            "--qualification",
            second,
            "--match",
            "any",
        )
        assert got < any_got


@pytest.mark.parametrize(
    ("licences", "match"),
    [(["B"], "all"), (["C", "CE"], "all"), (["C", "CE"], "any"), (["D", "CE"], "any")],
)
def test_driving_licences_all_any(frames, _small_demo_master, capsys, licences, match):
    c = frames["candidates"]
    wanted = set(licences)
    test = (lambda ls: wanted <= set(ls)) if match == "all" else (lambda ls: bool(wanted & set(ls)))
    expected = ids(c[c["driving_licences"].apply(test)], "candidates")
    args = [a for cat in licences for a in ("--driving-licence", cat.lower())]
    got = run_search(
        _small_demo_master,
        capsys,
        "candidates",
        *args,
        "--driving-licence-match",
        match,
    )
    assert expected and got == expected and len(got) < len(c)


def test_licence_is_found_where_the_details_show_it(frames, _small_demo_master, capsys):
    """Issue #10: tømrere in Aalborg whose details say "Kørekort: B" are found by the licence
    filter (the qualification "Kørekort B" used to give 0)."""
    c = frames["candidates"]
    carpenters = c[
        (c["kommune_kode"] == "0851") & c["occupation_codes"].apply(lambda cs: "7115" in list(cs))
    ]
    with_b = ids(
        carpenters[carpenters["driving_licences"].apply(lambda ls: "B" in list(ls))], "candidates"
    )
    got = run_search(
        _small_demo_master,
        capsys,
        "candidates",
        "--occupation",
        "7115",
        "--municipality",
        "0851",
        "--driving-licence",
        "B",
    )
    assert with_b and got == with_b


@pytest.mark.parametrize("bounds", ["100:365", "366:", ":30", "0:0"])
def test_unemployed_days_inclusive(frames, _small_demo_master, capsys, bounds):
    c = frames["candidates"]
    d = days_unemployed(c)
    lo, hi = bounds.split(":")
    mask = pd.Series(True, index=c.index)
    if lo:
        mask &= d >= int(lo)
    if hi:
        mask &= d <= int(hi)
    expected = ids(c[mask], "candidates")
    assert (
        run_search(_small_demo_master, capsys, "candidates", "--unemployed-days", bounds)
        == expected
    )


def test_unemployed_days_bounds_are_inclusive_at_the_edge(frames, _small_demo_master, capsys):
    c = frames["candidates"]
    d = days_unemployed(c)
    edge = int(d.iloc[0])
    got = run_search(
        _small_demo_master, capsys, "candidates", "--unemployed-days", f"{edge}:{edge}"
    )
    assert c["candidate_id"].iloc[0] in got
    assert got == ids(c[d == edge], "candidates")


@pytest.mark.parametrize("entity", ["candidates", "companies", "postings"])
def test_municipality(frames, _small_demo_master, capsys, entity):
    df = frames[entity]
    expected = ids(df[df["kommune_kode"].isin(["0101", "0751"])], entity)
    got = run_search(
        _small_demo_master, capsys, entity, "--municipality", "101", "--municipality", "0751"
    )
    assert expected and got == expected


@pytest.mark.parametrize("entity", ["candidates", "companies", "postings"])
def test_radius(frames, _small_demo_master, capsys, entity):
    df = frames[entity]
    x0, y0, r_km = 575000.0, 6224000.0, 15.0  # around Aarhus
    dist = np.hypot(df["x"] - x0, df["y"] - y0)
    expected = ids(df[dist <= r_km * 1000], entity)
    got = run_search(
        _small_demo_master, capsys, entity, "--near", f"{x0},{y0}", "--radius-km", str(r_km)
    )
    assert expected and got == expected


def test_searchable_only(frames, _small_demo_master, capsys):
    c = frames["candidates"]
    expected = ids(c[c["cv_searchable"]], "candidates")
    got = run_search(_small_demo_master, capsys, "candidates", "--searchable-only")
    assert got == expected and len(got) < len(c)


@pytest.mark.parametrize("entity", ["companies", "postings"])
def test_industry_prefix_and_employees(frames, _small_demo_master, capsys, entity):
    comp = frames["companies"]
    cm = comp["industry_code"].str.startswith("43") & comp["employees"].between(5, 49)
    if entity == "companies":
        expected = ids(comp[cm], entity)
    else:
        p = frames["postings"]
        expected = ids(p[p["cvr"].isin(set(comp.loc[cm, "cvr"]))], entity)
    got = run_search(_small_demo_master, capsys, entity, "--industry", "43", "--employees", "5:49")
    assert expected and got == expected


def test_employees_open_range(frames, _small_demo_master, capsys):
    comp = frames["companies"]
    expected = ids(comp[comp["employees"] >= 100], "companies")
    assert run_search(_small_demo_master, capsys, "companies", "--employees", "100:") == expected


@pytest.mark.parametrize("entity", ["companies", "postings"])
def test_cvr(frames, _small_demo_master, capsys, entity):
    comp = frames["companies"]
    multi = comp["cvr"].value_counts()
    cvr = multi.index[0]  # the chain with most units
    df = frames[entity]
    expected = ids(df[df["cvr"] == cvr], entity)
    assert expected and run_search(_small_demo_master, capsys, entity, "--cvr", cvr) == expected


def _collab_status(comp, collab, kinds=None, scope="all", jobcenter=None, since=None):
    """Per company row: 'active', 'former' or 'none', computed independently of the SQL.

    Per company: a collaboration with any unit of the CVR counts for every unit. Active on
    a day: not ended by then or marked 'aktiv'. The window keeps those active on ``since``.
    """
    cb = collab
    if kinds:
        cb = cb[cb["kind"].isin(kinds)]
    if scope == "own":
        cb = cb[cb["jobcenter"] == jobcenter]
    elif scope == "other":
        cb = cb[cb["jobcenter"] != jobcenter]

    def active_on(frame, day):
        ended = pd.to_datetime(frame["ended"])
        return (
            ended.isna() | (ended >= pd.Timestamp(day)) | (frame["status"].str.lower() == "aktiv")
        )

    if since is not None:
        cb = cb[active_on(cb, since)]
    active = set(cb.loc[active_on(cb, DEMO_TODAY), "cvr"])
    some = set(cb["cvr"])
    return comp["cvr"].map(lambda c: "active" if c in active else "former" if c in some else "none")


def _collab_match(comp, collab, kinds=None, scope="all", jobcenter=None, since=None):
    return _collab_status(comp, collab, kinds, scope, jobcenter, since) != "none"


@pytest.mark.parametrize(
    ("option", "kinds"),
    [
        ("any", None),
        ("none", None),
        ("active", None),
        ("former", None),
        ("løntilskud", ["løntilskud"]),
    ],
)
def test_collaboration_companies(frames, _small_demo_master, capsys, option, kinds):
    comp, collab = frames["companies"], frames["collaborations"]
    status = _collab_status(comp, collab, kinds)
    if option in ("none", "active", "former"):
        expected = ids(comp[status == option], "companies")
    else:
        expected = ids(comp[status != "none"], "companies")
    assert (
        expected
        and run_search(_small_demo_master, capsys, "companies", "--collaboration", option)
        == expected
    )


def test_collaboration_counts_for_every_unit_of_the_company(frames, _small_demo_master, capsys):
    """Issue #10: a unit of a company with a collaboration at another unit is not 'none'."""
    comp, collab = frames["companies"], frames["collaborations"]
    unit_collab = collab[collab["pnr"].notna()]
    pairs = set(zip(unit_collab["cvr"], unit_collab["pnr"], strict=True))
    elsewhere = comp[
        comp["cvr"].isin(set(unit_collab["cvr"]))
        & ~comp.apply(lambda r: (r["cvr"], r["pnr"]) in pairs, axis=1)
        & ~comp["cvr"].isin(set(collab.loc[collab["pnr"].isna(), "cvr"]))
    ]
    assert len(elsewhere) > 0  # the demo has units whose collaborations are at another unit
    none = run_search(_small_demo_master, capsys, "companies", "--collaboration", "none")
    some = run_search(_small_demo_master, capsys, "companies", "--collaboration", "any")
    assert not ids(elsewhere, "companies") & none
    assert ids(elsewhere, "companies") <= some


def test_collaboration_several_kinds_are_or(frames, _small_demo_master, capsys):
    comp, collab = frames["companies"], frames["collaborations"]
    m = _collab_match(comp, collab, ["mentor", "jobrotation"])
    got = run_search(
        _small_demo_master,
        capsys,
        "companies",
        "--collaboration",
        "mentor",
        "--collaboration",
        "jobrotation",
    )
    assert got == ids(comp[m], "companies")


@pytest.mark.parametrize("scope", ["own", "other"])
def test_collaboration_scope(frames, _small_demo_master, capsys, scope):
    comp, collab = frames["companies"], frames["collaborations"]
    m = _collab_match(comp, collab, None, scope, "0751")
    got = run_search(
        _small_demo_master,
        capsys,
        "companies",
        "--collaboration",
        "any",
        "--collaboration-scope",
        scope,
        "--jobcenter",
        "0751",
    )
    assert got == ids(comp[m], "companies") and got


@pytest.mark.parametrize("option", ["none", "any", "active", "former"])
@pytest.mark.parametrize("months", [6, 24])
def test_collaboration_time_window(frames, _small_demo_master, capsys, option, months):
    comp, collab = frames["companies"], frames["collaborations"]
    since = (pd.Timestamp(DEMO_TODAY) - pd.DateOffset(months=months)).date()
    status = _collab_status(comp, collab, since=since)
    want = status != "none" if option == "any" else status == option
    got = run_search(
        _small_demo_master,
        capsys,
        "companies",
        "--collaboration",
        option,
        "--collaboration-since",
        since.isoformat(),
    )
    assert got == ids(comp[want], "companies")
    if option in ("none", "former"):
        # The window matters: companies whose last collaboration ended before it.
        unwindowed = _collab_status(comp, collab)
        assert (unwindowed != status).any() and got


def test_collaboration_window_with_scope_and_kind(frames, _small_demo_master, capsys):
    comp, collab = frames["companies"], frames["collaborations"]
    since = (pd.Timestamp(DEMO_TODAY) - pd.DateOffset(months=12)).date()
    status = _collab_status(comp, collab, ["virksomhedspraktik"], "own", "0751", since)
    got = run_search(
        _small_demo_master,
        capsys,
        "companies",
        "--collaboration",
        "virksomhedspraktik",
        "--collaboration-scope",
        "own",
        "--jobcenter",
        "0751",
        "--collaboration-since",
        since.isoformat(),
    )
    assert got == ids(comp[status != "none"], "companies") and got


def test_filter_colour_cli_and_details_agree_for_every_company(frames, _small_demo_master, capsys):
    """One definition: the filter's class (core query), the colour class (map styling), the
    command line and the company details give every company the same status."""
    from workbench.core.collaboration import STATUS_KEYS
    from workbench.core.company_detail import company_detail
    from workbench.core.filters import Filter
    from workbench.core.layer_data import class_by_rid
    from workbench.core.query import points
    from workbench.layers.styling import COLLABORATION

    comp, collab = frames["companies"], frames["collaborations"]
    reference = dict(zip(comp["rid"], _collab_status(comp, collab), strict=True))
    assert set(reference.values()) == set(STATUS_KEYS)
    assert tuple(c.key for c in COLLABORATION.classes) == STATUS_KEYS
    con = cache.connect(_small_demo_master, read_only=True)
    try:
        colour = class_by_rid(con, "companies", COLLABORATION, DEMO_TODAY)
        by_filter = {}
        for key in STATUS_KEYS:
            flt = Filter(collaboration=(key,), today=DEMO_TODAY)
            for rid in points(con, "companies", flt, ordered=False).rid.tolist():
                assert rid not in by_filter  # the three classes partition the companies
                by_filter[rid] = key
        # The details of a sample of companies, among them units with the collaboration
        # elsewhere, say the same.
        sample = comp.groupby(_collab_status(comp, collab)).head(40)
        details = {
            r.rid: company_detail(con, r.cvr, r.pnr, today=DEMO_TODAY)["collaboration"]["status"]
            for r in sample.itertuples()
        }
    finally:
        con.close()
    by_colour = {rid: STATUS_KEYS[colour[rid]] for rid in reference}
    by_cli = {}
    pnr_to_rid = dict(zip(comp["pnr"], comp["rid"], strict=True))
    for key in STATUS_KEYS:
        for pnr in run_search(_small_demo_master, capsys, "companies", "--collaboration", key):
            by_cli[pnr_to_rid[pnr]] = key
    assert by_filter == reference
    assert by_colour == reference
    assert by_cli == reference
    assert details == {rid: reference[rid] for rid in details}


def test_collaboration_on_postings_by_employer(frames, _small_demo_master, capsys):
    p, collab = frames["postings"], frames["collaborations"]
    expected = ids(p[p["cvr"].isin(set(collab["cvr"]))], "postings")
    assert run_search(_small_demo_master, capsys, "postings", "--collaboration", "any") == expected


def test_posted_within(frames, _small_demo_master, capsys):
    p = frames["postings"]
    cutoff = pd.Timestamp(DEMO_TODAY - timedelta(days=14))
    expected = ids(p[pd.to_datetime(p["posted"]) >= cutoff], "postings")
    assert (
        expected
        and run_search(_small_demo_master, capsys, "postings", "--posted-within", "14") == expected
    )


def test_filters_combine_with_and(frames, _small_demo_master, capsys):
    c = frames["candidates"]
    d = days_unemployed(c)
    mask = (
        c["occupation_codes"].apply(lambda cs: has_prefix(cs, ["5"]))
        & (d >= 60)
        & c["cv_searchable"]
        & c["kommune_kode"].isin(["0101", "0147", "0751", "0461", "0851"])
    )
    got = run_search(
        _small_demo_master,
        capsys,
        "candidates",
        "--occupation",
        "5",
        "--unemployed-days",
        "60:",
        "--searchable-only",
        "--municipality",
        "0101",
        "--municipality",
        "0147",
        "--municipality",
        "0751",
        "--municipality",
        "0461",
        "--municipality",
        "0851",
    )
    assert got == ids(c[mask], "candidates") and got


def test_limit_and_order(_small_demo_master, capsys):
    rc = main(
        [
            "search",
            "candidates",
            "--cache",
            str(_small_demo_master),
            "--limit",
            "7",
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and len(data["items"]) == 7 and data["total"] == 5000
    since = [i["unemployed_since"] for i in data["items"]]
    assert since == sorted(since)  # longest unemployed first
    assert set(data["items"][0]) == {
        "candidate_id",
        "jobcenter",
        "kommune_kode",
        "x",
        "y",
        "occupation_codes",
        "qualification_codes",
        "driving_licences",
        "languages",
        "education",
        "experience_years",
        "unemployed_since",
        "target_group",
        "cv_searchable",
        "cv_updated",
    }


def test_csv_output(_small_demo_master, capsys):
    rc = main(
        [
            "search",
            "companies",
            "--cache",
            str(_small_demo_master),
            "--limit",
            "3",
            "--format",
            "csv",
            "--csv-dialect",
            "rfc4180",
        ]
    )
    lines = capsys.readouterr().out.splitlines()
    assert rc == 0 and lines[0].startswith("cvr,pnr,name,") and len(lines) == 4
