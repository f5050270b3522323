"""The company overview filters (issue #16) against independent computations: postings in
the last N days, new in the municipality (started or moved in), posts jobs but has no
collaboration; the CLI options and their bad values."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest

from tests.conftest import DEMO_TODAY
from workbench.cli import main
from workbench.core import cache
from workbench.core.collaboration import months_before


def search(cache_path, capsys, *options) -> set[tuple[str, str]]:
    rc = main(
        ["search", "companies", "--cache", str(cache_path), "--today", DEMO_TODAY.isoformat(),
         "--format", "json", *options]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert rc == 0, err
    return {(i["cvr"], i["pnr"]) for i in json.loads(out)["items"]}


@pytest.fixture
def frames(small_demo_cache):
    con = cache.connect(small_demo_cache)
    try:
        return {
            "companies": con.execute("SELECT * FROM companies").df(),
            "postings": con.execute("SELECT * FROM job_postings").df(),
            "collaborations": con.execute("SELECT * FROM collaborations").df(),
        }
    finally:
        con.close()


def keys(df: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(df["cvr"], df["pnr"], strict=True))


def test_has_postings_within(small_demo_cache, capsys, frames):
    comp, post = frames["companies"], frames["postings"]
    since = pd.Timestamp(DEMO_TODAY - timedelta(days=30))
    posted = pd.to_datetime(post["posted"])
    recent = set(post.loc[(posted >= since) & (posted <= pd.Timestamp(DEMO_TODAY)), "cvr"])
    expected = keys(comp[comp["cvr"].isin(recent) & (comp["kommune_kode"] == "0101")])
    got = search(small_demo_cache, capsys, "--has-postings-within", "30", "--municipality", "0101")
    assert got == expected and got


@pytest.mark.parametrize("scope", ["all", "own"])
def test_posts_jobs_but_no_collaboration(small_demo_cache, capsys, frames, scope):
    comp, post, coll = frames["companies"], frames["postings"], frames["collaborations"]
    since = pd.Timestamp(DEMO_TODAY - timedelta(days=730))
    posted = pd.to_datetime(post["posted"])
    posting = set(post.loc[(posted >= since) & (posted <= pd.Timestamp(DEMO_TODAY)), "cvr"])
    if scope == "own":
        coll = coll[coll["jobcenter"] == "0101"]
    collaborating = set(coll["cvr"])
    expected = keys(comp[comp["cvr"].isin(posting) & ~comp["cvr"].isin(collaborating)])
    extra = ["--collaboration-scope", "own", "--jobcenter", "0101"] if scope == "own" else []
    got = search(small_demo_cache, capsys, "--postings-without-collaboration", *extra)
    assert got == expected and got
    assert not got & keys(comp[comp["cvr"].isin(collaborating)])


def test_new_in_the_municipality(small_demo_cache, capsys, frames):
    comp = frames["companies"]
    con = cache.connect(small_demo_cache)
    try:
        old = comp[pd.to_datetime(comp["started"]) < pd.Timestamp("2020-01-01")].head(3)
        moved, first_address, same_day = (tuple(r) for r in old[["cvr", "pnr"]].values)
        rows = [
            # moved in 2 months ago: an earlier address, the current one from 2026-09-01
            (*moved, "adresse", "Gammelvej 1", "2015-01-01", "2026-08-31"),
            (*moved, "adresse", "Nyvej 2", "2026-09-01", None),
            # its only address, registered recently: not a move
            (*first_address, "adresse", "Vej 3", "2026-10-01", None),
            # moved, but 3 years ago
            (*same_day, "adresse", "A 1", "2010-01-01", "2023-06-30"),
            (*same_day, "adresse", "B 2", "2023-07-01", None),
        ]
        for r in rows:
            con.execute(
                "INSERT INTO company_history (cvr, pnr, field, value, valid_from, valid_to) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                list(r),
            )
    finally:
        con.close()
    cutoff = pd.Timestamp(months_before(DEMO_TODAY, 6))
    started = pd.to_datetime(comp["started"])
    expected = keys(comp[(started >= cutoff) & (started <= pd.Timestamp(DEMO_TODAY))])
    expected.add(moved)
    got = search(small_demo_cache, capsys, "--new-within-months", "6")
    assert got == expected
    assert first_address not in got and same_day not in got


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        (["--has-postings-within", "-1"], "--has-postings-within cannot be negative"),
        (["--new-within-months", "x"], "--new-within-months must be a whole number"),
    ],
)
def test_bad_values_are_one_line(small_demo_cache, capsys, options, needle):
    rc = main(["search", "companies", "--cache", str(small_demo_cache), *options])
    err = capsys.readouterr().err
    assert rc == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_company_options_do_not_apply_to_candidates(small_demo_cache, capsys):
    rc = main(
        ["search", "candidates", "--cache", str(small_demo_cache), "--new-within-months", "3"]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "--new-within-months does not apply to candidates" in err
