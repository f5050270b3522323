"""With ``[user] jobcenter = "0101"`` no entry point returns another jobcenter's candidate
(issue #15): the search command (JSON, CSV), the query pipeline, the map's layer arrays,
table/tooltip/detail rows (the Store's person read), exports, ``show candidate``,
``pool show``/``pool add``; a pool shared with 0101 opens exactly its members (not another
jobcenter's candidate with the same id); a team lead gets counts but no rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import DEMO_TODAY
from tests.core.privacy.conftest import OWN, jobcenters_of, write_user_config
from workbench.cli import main
from workbench.core import audit
from workbench.core import cache as wb_cache
from workbench.core.config import load_settings
from workbench.core.export.persons import ExportMeta, write_file
from workbench.core.filters import Filter
from workbench.core.layer_data import class_by_rid, statistic, unemployment_days_by_rid
from workbench.core.query import clause_counts, count, iter_rows, search
from workbench.core.session import UserContext, Workspace
from workbench.core.store import Store
from workbench.core.store.rows import person_rows


def _other_rid_and_id(cache: Path) -> tuple[int, str]:
    con = wb_cache.connect(cache, read_only=True)
    try:
        return con.execute(
            "SELECT rid, candidate_id FROM candidates WHERE jobcenter <> ? ORDER BY rid LIMIT 1",
            [OWN],
        ).fetchone()
    finally:
        con.close()


def _own_count(cache: Path) -> int:
    con = wb_cache.connect(cache, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM candidates WHERE jobcenter = ?", [OWN]).fetchone()[
            0
        ]
    finally:
        con.close()


def test_search_command_json_and_csv_stay_in_the_jobcenter(
    real_cache: Path, consultant_0101: Path, capsys
) -> None:
    own = _own_count(real_cache)
    assert main(["search", "candidates", "--cache", str(real_cache), "--purpose", "test"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == own == len(out["items"])
    assert {i["jobcenter"] for i in out["items"]} == {OWN}
    assert out["export"]["user"] == "kons1" and out["export"]["purpose"] == "test"
    # the audit entry names each candidate with its jobcenter (ids repeat across jobcenters)
    with Store.open(real_cache, read_only=True) as store:
        (entry,) = [e for e in audit.entries(store.con) if e["action"] == "export"]
    assert sorted(entry["subject_ids"]) == sorted(
        f"{OWN}:{i['candidate_id']}" for i in out["items"]
    )
    rc = main(["search", "candidates", "--cache", str(real_cache), "--format", "csv"])
    assert rc == 0
    text = capsys.readouterr().out.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == own and {r["jobcenter"] for r in rows} == {OWN}


def test_pipeline_store_reads_and_map_arrays_stay_in_the_jobcenter(
    real_cache: Path, consultant_0101: Path
) -> None:
    settings = load_settings()
    other_rid, _ = _other_rid_and_id(real_cache)
    own = _own_count(real_cache)
    store = Store.open(real_cache)
    try:
        con = store.con
        user = UserContext.from_settings(settings, con)
        assert (user.jobcenter, user.user, user.role) == (OWN, "kons1", "konsulent")
        store.set_user(user)
        ws = Workspace(con, context=user)
        ws.set_filter(Filter(today=DEMO_TODAY))
        assert ws.wait_idle(60)
        rids = ws.result.candidates.rid
        assert len(rids) == own
        assert jobcenters_of(con, "rid", rids.tolist()) == {OWN}
        ws.close()
        flt = Filter(today=DEMO_TODAY).with_(scope=store.scope)
        # the query functions the tables, CLI and exports use
        assert count(con, "candidates", flt) == len(rids)
        assert {r["jobcenter"] for r in search(con, "candidates", flt, limit=10_000).items} == {OWN}
        columns, it = iter_rows(con, "candidates", flt)
        assert {row[columns.index("jobcenter")] for row in it} == {OWN}
        funnel = clause_counts(con, "candidates", flt.with_(municipalities=("0101", "0751")))
        assert all(alone <= own for _name, alone, _ in funnel)  # no counts from outside
        # table pages, tooltips and details: the Store's person read by key
        assert store.person_rows("candidates", [other_rid]) == []
        assert person_rows(con, "candidates", [other_rid], scope=store.scope) == []
        assert person_rows(con, "candidates", [other_rid]) != []  # the rule, not the data
        # map layer arrays: a class only for candidates in scope; counts per municipality
        classes = class_by_rid(con, "candidates", "duration", DEMO_TODAY, store.scope)
        classed = np.flatnonzero(classes >= 0)
        assert classed.size and jobcenters_of(con, "rid", classed.tolist()) == {OWN}
        days = unemployment_days_by_rid(con, DEMO_TODAY, -1, store.scope)
        assert jobcenters_of(con, "rid", np.flatnonzero(days >= 0).tolist()) == {OWN}
        counts = statistic(con, "candidates_count", today=DEMO_TODAY, scope=store.scope)
        assert int(np.nansum(counts["values"])) <= len(rids)
        shares = statistic(con, "long_term_share", today=DEMO_TODAY, scope=store.scope)
        everyone = statistic(con, "long_term_share", today=DEMO_TODAY)
        assert np.nansum(shares["counts"]) < np.nansum(everyone["counts"])
    finally:
        store.close()


def test_export_file_holds_only_rows_in_scope(
    real_cache: Path, consultant_0101: Path, tmp_path: Path
) -> None:
    own = _own_count(real_cache)
    store = Store.open(real_cache)
    try:
        store.set_user(UserContext.from_settings(load_settings(), store.con))
        flt = Filter(today=DEMO_TODAY).with_(scope=store.scope)
        columns, rows = iter_rows(store.con, "candidates", flt)
        out = tmp_path / "export.csv"
        n = write_file(out, columns, rows, ExportMeta("kons1", OWN, "test"))
    finally:
        store.close()
    body = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig")), delimiter=";"))
    assert n == len(body) == own
    assert {r["jobcenter"] for r in body} == {OWN}


def test_show_candidate_of_another_jobcenter_reads_as_not_found(
    real_cache: Path, consultant_0101: Path, capsys
) -> None:
    _, other_id = _other_rid_and_id(real_cache)
    rc = main(["show", "candidate", other_id, "--purpose", "x", "--cache", str(real_cache)])
    err = capsys.readouterr().err
    assert rc == 2 and "not found" in err and len(err.strip().splitlines()) == 1


def _twin(con, rid: int, jobcenter: str) -> None:
    """Another person with the same pseudonymous id in another jobcenter (ids are unique
    only within a jobcenter)."""
    con.execute(
        "INSERT INTO candidates SELECT * REPLACE (rid + 1000000 AS rid, ? AS jobcenter) "
        "FROM candidates WHERE rid = ?",
        [jobcenter, rid],
    )


def test_a_shared_pool_opens_exactly_its_members(
    real_cache: Path, consultant_0101: Path, capsys
) -> None:
    from workbench.core import pools

    other_rid, other_id = _other_rid_and_id(real_cache)
    con = wb_cache.connect(real_cache)
    try:
        (other_jc,) = jobcenters_of(con, "rid", [other_rid])
        _twin(con, other_rid, "0999")
        pools.create_pool(con, "Lagerpool", owner="tl", jobcenter=other_jc)
        assert pools.add_members_by_rid(con, "Lagerpool", [other_rid]) == 1
    finally:
        con.close()
    args = ["show", "candidate", other_id, "--purpose", "matching", "--cache", str(real_cache)]
    assert main(args) == 2  # a pool, but not shared with 0101
    capsys.readouterr()
    con = wb_cache.connect(real_cache)
    try:
        con.execute("INSERT INTO shares VALUES ('pool', 'Lagerpool', ?, 'tl', now())", [OWN])
    finally:
        con.close()
    assert main(args) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["candidate_id"], shown["jobcenter"]) == (other_id, other_jc)
    main(["search", "candidates", "--cache", str(real_cache)])
    items = json.loads(capsys.readouterr().out)["items"]
    # the member, not the other jobcenter's person with the same id
    outside = [(i["candidate_id"], i["jobcenter"]) for i in items if i["jobcenter"] != OWN]
    assert outside == [(other_id, other_jc)]
    assert len(items) == _own_count(real_cache) + 1


def test_pool_show_lists_only_members_in_scope(
    real_cache: Path, consultant_0101: Path, capsys
) -> None:
    from workbench.core import pools

    other_rid, other_id = _other_rid_and_id(real_cache)
    con = wb_cache.connect(real_cache)
    try:
        own_rid, own_id = con.execute(
            "SELECT rid, candidate_id FROM candidates WHERE jobcenter = ? ORDER BY rid LIMIT 1",
            [OWN],
        ).fetchone()
        pools.create_pool(con, "Blandet", owner="tl")
        pools.add_members_by_rid(con, "Blandet", [own_rid, other_rid])
        assert {m["candidate_id"] for m in pools.members(con, "Blandet")} == {own_id, other_id}
    finally:
        con.close()
    args = ["pool", "show", "Blandet", "--cache", str(real_cache), "--format", "json"]
    assert main(args) == 0
    assert [m["candidate_id"] for m in json.loads(capsys.readouterr().out)["members"]] == [own_id]
    assert main([*args[:-2], "--format", "text"]) == 0
    assert other_id not in capsys.readouterr().out
    write_user_config(f'[user]\njobcenter = "{OWN}"\nrole = "teamleder"\n')
    assert main(args) == 2  # aggregates only
    assert "aggregates only" in capsys.readouterr().err


def test_adding_by_id_takes_the_candidate_in_scope(
    real_cache: Path, consultant_0101: Path, capsys
) -> None:
    _other_rid, other_id = _other_rid_and_id(real_cache)
    con = wb_cache.connect(real_cache)
    try:
        own_rid = con.execute(
            "SELECT rid FROM candidates WHERE jobcenter = ? ORDER BY rid LIMIT 1", [OWN]
        ).fetchone()[0]
        own_id = con.execute("SELECT candidate_id FROM candidates WHERE rid = ?", [own_rid])
        own_id = own_id.fetchone()[0]
        _twin(con, own_rid, "0999")  # the same id in another jobcenter
    finally:
        con.close()
    base = ["--cache", str(real_cache), "--format", "json"]
    assert main(["pool", "create", "Egen", *base]) == 0
    assert main(["pool", "add", "Egen", "--candidate", other_id, *base]) == 2  # not in scope
    assert main(["pool", "add", "Egen", "--candidate", own_id, *base]) == 0
    capsys.readouterr()
    con = wb_cache.connect(real_cache)
    try:
        rows = con.execute("SELECT candidate_id, jobcenter FROM pool_members").fetchall()
    finally:
        con.close()
    assert rows == [(own_id, OWN)]


def test_a_team_lead_gets_counts_but_no_rows(real_cache: Path, capsys) -> None:
    write_user_config(f'[user]\njobcenter = "{OWN}"\nrole = "teamleder"\n')
    rc = main(["search", "candidates", "--cache", str(real_cache)])
    err = capsys.readouterr().err
    assert rc == 2 and "aggregates only" in err
    _, other_id = _other_rid_and_id(real_cache)
    assert main(["show", "candidate", other_id, "--purpose", "x", "--cache", str(real_cache)]) == 2
    capsys.readouterr()
    own = _own_count(real_cache)
    store = Store.open(real_cache)
    try:
        store.set_user(UserContext.from_settings(load_settings(), store.con))
        flt = Filter(today=DEMO_TODAY).with_(scope=store.scope)
        assert count(store.con, "candidates", flt) == own  # aggregates
        own_rid = store.con.execute(
            "SELECT min(rid) FROM candidates WHERE jobcenter = ?", [OWN]
        ).fetchone()[0]
        assert store.person_rows("candidates", [own_rid]) == []  # but no rows
    finally:
        store.close()


@pytest.mark.parametrize("jobcenter", ["", None])
def test_without_a_jobcenter_the_scope_is_the_whole_cache(
    real_cache: Path, capsys, jobcenter: str | None
) -> None:
    if jobcenter is not None:
        write_user_config(f'[user]\njobcenter = "{jobcenter}"\n')
    main(["search", "candidates", "--cache", str(real_cache), "--limit", "1"])
    assert json.loads(capsys.readouterr().out)["total"] == 5000


def test_sharing_a_pool_is_audited_and_unsharing_closes_it(
    real_cache: Path, consultant_0101: Path
) -> None:
    from workbench.core import audit
    from workbench.core.store.shares import share, unshare

    _, other_id = _other_rid_and_id(real_cache)
    with Store.open(real_cache) as store:
        con = store.con
        con.execute(
            "INSERT INTO pool_members (pool, candidate_id, status, added, jobcenter) "
            "SELECT 'Lager', candidate_id, 'ny', now(), jobcenter FROM candidates "
            "WHERE candidate_id = ?",
            [other_id],
        )
        share(con, "pool", "Lager", "101", user="tl", own_jobcenter="0751",
              purpose="fælles jobordre", subject_ids=[other_id])  # fmt: skip
        share(con, "pool", "Lager", "0101", user="tl", own_jobcenter="0751", purpose=None)
        assert con.execute("SELECT count(*) FROM shares").fetchone()[0] == 1  # once
        entries = list(audit.entries(con))
        assert [e["action"] for e in entries] == ["share_pool", "share_pool"]
        assert entries[0]["subject_ids"] == ["Lager", other_id]
        store.set_user(UserContext.from_settings(load_settings(), con))
        flt = Filter(today=DEMO_TODAY).with_(scope=store.scope)
        with_pool = count(con, "candidates", flt)
        unshare(con, "pool", "Lager", OWN)
        store.set_user(store.user)
        assert count(con, "candidates", flt.with_(scope=store.scope)) == with_pool - 1


def test_the_workspace_hands_out_a_store_that_reads_as_its_user(
    real_cache: Path, consultant_0101: Path
) -> None:
    other_rid, _ = _other_rid_and_id(real_cache)
    with Store.open(real_cache) as owner:
        ws = Workspace(owner.con, context=UserContext.from_settings(load_settings(), owner.con))
        try:
            store = ws.store()
            assert store.scope.jobcenter == OWN
            assert store.person_rows("candidates", [other_rid]) == []
            store.close()  # a wrapper: the Workspace's connection stays open
            assert owner.con.execute("SELECT 1").fetchone() == (1,)
        finally:
            ws.close()


def test_pool_share_command_opens_a_pool_to_another_jobcenter_with_a_purpose(
    real_cache: Path, consultant_0101: Path, capsys
) -> None:
    other_rid, other_id = _other_rid_and_id(real_cache)
    con = wb_cache.connect(real_cache, read_only=True)
    try:
        (other_jc,) = jobcenters_of(con, "rid", [other_rid])
    finally:
        con.close()
    cache = ["--cache", str(real_cache)]
    show = ["show", "candidate", other_id, "--purpose", "matching", *cache]
    # the other jobcenter's consultant makes a pool of their candidate and shares it
    write_user_config(f'[user]\njobcenter = "{other_jc}"\nname = "kl"\n')
    assert main(["pool", "create", "Lager", "--jobcenter", other_jc, *cache]) == 0
    assert main(["pool", "add", "Lager", "--candidate", other_id, *cache]) == 0
    with pytest.raises(SystemExit) as no_purpose:
        main(["pool", "share", "Lager", "--with", OWN, *cache])
    assert no_purpose.value.code == 2
    capsys.readouterr()
    assert main(["pool", "share", "Lager", "--with", OWN, "--purpose", "jobordre", *cache]) == 0
    assert f"delt med jobcenter {OWN}" in capsys.readouterr().out
    con = wb_cache.connect(real_cache, read_only=True)
    try:
        last = list(audit.entries(con))[-1]
    finally:
        con.close()
    assert last["action"] == "share_pool" and last["purpose"] == "jobordre"
    assert last["subject_ids"] == ["Lager", f"{other_jc}:{other_id}"]
    # 0101 now sees that member, and may not pass the pool on
    write_user_config(f'[user]\njobcenter = "{OWN}"\n')
    assert main(show) == 0
    capsys.readouterr()
    args = ["pool", "share", "Lager", "--with", "0999", "--purpose", "videre", *cache]
    assert main(args) == 2
    assert "only it can share it" in capsys.readouterr().err
    # unshared by its owner: closed again
    write_user_config(f'[user]\njobcenter = "{other_jc}"\n')
    assert main(["pool", "unshare", "Lager", "--with", OWN, *cache]) == 0
    write_user_config(f'[user]\njobcenter = "{OWN}"\n')
    assert main(show) == 2


def test_a_job_order_shared_with_a_jobcenter_opens_its_shortlisted_candidates(
    real_cache: Path, consultant_0101: Path, capsys
) -> None:
    from workbench.core.matching.order import JobOrder
    from workbench.core.matching.orders import record_candidates, save_job_order

    other_rid, other_id = _other_rid_and_id(real_cache)
    with Store.open(real_cache) as store:
        (other_jc,) = jobcenters_of(store.con, "rid", [other_rid])
        _twin(store.con, other_rid, "0999")  # the same id in a third jobcenter stays closed
        order_id = save_job_order(store, JobOrder(occupation_codes=["5223"], title="Butik"))
        assert record_candidates(store, order_id, [other_rid], added_by="kl") == 1
    cache = ["--cache", str(real_cache)]
    show = ["show", "candidate", other_id, "--purpose", "matching", *cache]
    assert main(show) == 2  # the order is not shared with 0101
    capsys.readouterr()
    write_user_config(f'[user]\njobcenter = "{other_jc}"\n')
    share = ["job-order", "share", order_id, "--with", OWN, "--purpose", "fælles ordre", *cache]
    assert main(share) == 0
    assert "(1 kandidater)" in capsys.readouterr().out
    write_user_config(f'[user]\njobcenter = "{OWN}"\n')
    assert main(show) == 0
    assert json.loads(capsys.readouterr().out)["jobcenter"] == other_jc
    assert main(["job-order", "candidates", order_id, "--format", "json", *cache]) == 0
    kept = json.loads(capsys.readouterr().out)["candidates"]
    assert [(c["jobcenter"], c["candidate_id"], c["reason"]) for c in kept] == [
        (other_jc, other_id, "kandidatforslag")
    ]
    main(["search", "candidates", *cache])
    outside = {
        (i["candidate_id"], i["jobcenter"])
        for i in json.loads(capsys.readouterr().out)["items"]
        if i["jobcenter"] != OWN
    }
    assert outside == {(other_id, other_jc)}
    assert main(["job-order", "share", "JO-nope", "--with", OWN, "--purpose", "x", *cache]) == 2
