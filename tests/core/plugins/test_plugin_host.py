"""The plugin host on a real DuckDB file: swap modes, rids, rejects, failures, cancel, recovery."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from workbench.core import cache
from workbench.core.plugins.api import PluginError, RefreshContext
from workbench.core.plugins.host import PluginHost, last_runs, plugin_from_function

from .conftest import manifest, settings


def _munis(ctx: RefreshContext, names: dict[str, str]) -> None:
    ctx.staging.insert("municipalities", [{"kode": k, "navn": v} for k, v in names.items()])


def _names(host: PluginHost) -> dict[str, str]:
    return dict(host.con.execute("SELECT kode, navn FROM municipalities").fetchall())


def _log(host: PluginHost, run_id: str) -> tuple:
    return host.con.execute(
        "SELECT status, rows_written, rows_rejected, message, finished IS NOT NULL FROM refresh_log WHERE run_id = ?",
        [run_id],
    ).fetchone()


def _staging_schemas(host: PluginHost) -> list[str]:
    return [
        r[0]
        for r in host.con.execute(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'staging%'"
        ).fetchall()
    ]


def test_replace_swaps_whole_table_and_logs(make_host):
    host = make_host({"t": lambda ctx: _munis(ctx, {"0101": "København", "0147": "Frederiksberg"})})
    first = host.run("t")
    assert first.ok and first.rows_written == 2
    host.plugins["t"].refresh_function = lambda ctx: _munis(ctx, {"0151": "Ballerup"})
    second = host.run("t")
    assert second.ok
    assert _names(host) == {"0151": "Ballerup"}
    assert _log(host, second.run_id) == ("ok", 1, 0, "municipalities: 1", True)
    assert _staging_schemas(host) == []


def test_rid_assigned_and_replace_where_rebuilds_candidate_index(make_host):
    def load(jobcenter: str, ids: list[str]):
        def refresh(ctx: RefreshContext) -> None:
            ctx.staging.table(
                "candidates", mode="replace_where", where="jobcenter = ?", params=[jobcenter]
            )
            ctx.staging.insert(
                "candidates",
                [
                    {"candidate_id": i, "jobcenter": jobcenter, "occupation_codes": ["2512"]}
                    for i in ids
                ],
            )

        return refresh

    host = make_host({"t": load("0101", ["a", "b"])}, core=True)
    assert host.run("t").ok
    host.plugins["t"].refresh_function = load("0147", ["c"])
    assert host.run("t").ok
    host.plugins["t"].refresh_function = load("0101", ["d"])
    assert host.run("t").ok
    rows = host.con.execute(
        "SELECT candidate_id, jobcenter, rid FROM candidates ORDER BY rid"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [("c", "0147"), ("d", "0101")]
    rids = [r[2] for r in rows]
    assert len(set(rids)) == 2 and rids == sorted(rids) and rids[0] == 3  # after a, b
    side = host.con.execute("SELECT rid, code FROM candidate_occupations ORDER BY rid").fetchall()
    assert side == [(rids[0], "2512"), (rids[1], "2512")]


def test_upsert_keeps_rid_of_replaced_rows(make_host):
    def load(rows: list[dict]):
        def refresh(ctx: RefreshContext) -> None:
            ctx.staging.table("companies", mode="upsert", key=["cvr", "pnr"])
            ctx.staging.insert("companies", rows)

        return refresh

    host = make_host(
        {"t": load([{"cvr": "1", "pnr": None, "name": "A"}, {"cvr": "2", "pnr": "9", "name": "B"}])}
    )
    assert host.run("t").ok
    before = dict(host.con.execute("SELECT cvr, rid FROM companies").fetchall())
    host.plugins["t"].refresh_function = load(
        [{"cvr": "1", "pnr": None, "name": "A2"}, {"cvr": "3", "pnr": "5", "name": "C"}]
    )
    assert host.run("t").ok
    after = {
        r[0]: (r[1], r[2])
        for r in host.con.execute("SELECT cvr, name, rid FROM companies").fetchall()
    }
    assert after["1"] == ("A2", before["1"])  # NULL pnr matched, rid kept
    assert after["2"] == ("B", before["2"])  # untouched
    assert after["3"][1] > max(before.values())
    assert len(after) == 3


def test_failure_keeps_previous_data_and_rejects(make_host):
    host = make_host({"t": lambda ctx: _munis(ctx, {"0101": "København"})})
    assert host.run("t").ok

    def failing(ctx: RefreshContext) -> None:
        _munis(ctx, {"0999": "Ny"})
        ctx.staging.reject(
            "municipalities",
            "ugyldig kode",
            row_number=7,
            field="kode",
            value="x",
            raw={"kode": "x"},
        )
        raise PluginError("kilden svarede forkert")

    host.plugins["t"].refresh_function = failing
    result = host.run("t")
    assert (result.status, result.message, result.rows_rejected) == (
        "failed",
        "kilden svarede forkert",
        1,
    )
    assert _names(host) == {"0101": "København"}
    assert _log(host, result.run_id) == ("failed", 0, 1, "kilden svarede forkert", True)
    reject = host.con.execute(
        "SELECT run_id, plugin, row_number, field, value, reason, raw FROM municipalities_rejects"
    ).fetchone()
    assert reject[:6] == (result.run_id, "t", 7, "kode", "x", "ugyldig kode")
    assert json.loads(reject[6]) == {"kode": "x"}
    assert _staging_schemas(host) == []


def test_unexpected_exception_and_undeclared_table_fail_cleanly(make_host):
    host = make_host({"t": lambda ctx: _munis(ctx, {"0101": "København"})})
    assert host.run("t").ok
    host.plugins["t"].refresh_function = lambda ctx: {}["missing"]
    assert host.run("t").message == "KeyError: 'missing'"
    host.plugins["t"].refresh_function = lambda ctx: ctx.staging.table("job_postings")
    result = host.run("t")
    assert result.status == "failed" and "not listed in the manifest" in result.message
    assert _names(host) == {"0101": "København"}


def test_failed_swap_rolls_back_every_table(make_host):
    host = make_host({"t": lambda ctx: _munis(ctx, {"0101": "København"})}, core=True)
    assert host.run("t").ok

    def bad_predicate(ctx: RefreshContext) -> None:
        _munis(ctx, {"0147": "Frederiksberg"})  # applied first in the swap ...
        ctx.staging.table(
            "candidates", mode="replace_where", where="no_such_column = ?", params=[1]
        )

    host.plugins["t"].refresh_function = bad_predicate
    result = host.run("t")
    assert result.status == "failed" and "replace_where" in result.message
    assert _names(host) == {"0101": "København"}  # ... and rolled back


def test_cancel_half_way_keeps_previous_data(make_host):
    host = make_host({"t": lambda ctx: _munis(ctx, {"0101": "København"})})
    assert host.run("t").ok
    cancel = threading.Event()
    seen = []

    def long_refresh(ctx: RefreshContext) -> None:
        for i in range(10):
            ctx.check_cancelled()
            seen.append(i)
            _munis(ctx, {f"{i:04d}": f"k{i}"})
            ctx.progress((i + 1) / 10, f"{i}")

    def on_progress(plugin: str, fraction: float | None, message: str) -> None:
        if fraction is not None and fraction >= 0.5 and message != "ok":
            cancel.set()  # the user presses "Annullér" half way

    host.plugins["t"].refresh_function = long_refresh
    result = host.run("t", on_progress=on_progress, cancel=cancel)
    assert result.status == "cancelled"
    assert seen == [0, 1, 2, 3, 4]
    assert _names(host) == {"0101": "København"}
    assert _log(host, result.run_id)[0] == "cancelled"
    assert _staging_schemas(host) == []


def test_secrets_never_reach_the_log(make_host):
    secret = "s3cr3t-key-value"

    def leaky(ctx: RefreshContext) -> None:
        raise PluginError(f"server rejected key {ctx.config['api_key']}")

    host = make_host({"t": leaky}, settings(t={"api_key": secret}))
    result = host.run("t")
    assert result.status == "failed" and secret not in result.message and "***" in result.message
    assert (
        host.con.execute(
            "SELECT count(*) FROM refresh_log WHERE message LIKE ?", [f"%{secret}%"]
        ).fetchone()[0]
        == 0
    )


def test_recover_marks_running_rows_interrupted_and_drops_staging(cache_file: Path):
    con = cache.connect(cache_file)
    con.execute("INSERT INTO municipalities (kode, navn) VALUES ('0101', 'København')")
    con.execute("CREATE SCHEMA staging_deadbeef")
    con.execute("CREATE TABLE staging_deadbeef.municipalities AS SELECT * FROM municipalities")
    con.execute(
        "INSERT INTO refresh_log (run_id, plugin, started, status) VALUES ('deadbeef', 't', now()::TIMESTAMP, 'running')"
    )
    con.close()
    with PluginHost(cache_file, settings(), plugins=[]) as host:
        assert _log(host, "deadbeef")[0] == "interrupted"
        assert _staging_schemas(host) == []
        assert last_runs(host.con)["t"]["status"] == "interrupted"
        assert _names(host) == {"0101": "København"}


def test_configured_ids_follow_settings(cache_file: Path):
    infos = [
        plugin_from_function(manifest("a"), lambda ctx: None),
        plugin_from_function(manifest("b", required=["api_key"]), lambda ctx: None),
        plugin_from_function(manifest("c"), lambda ctx: None),
        plugin_from_function(manifest("d"), lambda ctx: None),
    ]
    cfg = settings(a={"url": "x"}, b={"api_key": ""}, c={"enabled": False})
    with PluginHost(cache_file, cfg, plugins=infos) as host:
        assert host.configured_ids() == ["a"]
        assert host.refresh() and [r.plugin for r in host.refresh()] == ["a"]
        with pytest.raises(KeyError):
            host.refresh(["nope"])


def test_insert_rejects_values_of_the_wrong_type(make_host):
    host = make_host(
        {"t": lambda ctx: ctx.staging.insert("unemployment_stats", [{"value": "not a number"}])}
    )
    result = host.run("t")
    assert result.status == "failed" and "unemployment_stats.value" in result.message


def test_duplicate_primary_keys_fail_the_swap_not_the_data(make_host):
    host = make_host({"t": lambda ctx: _munis(ctx, {"0101": "København"})})
    assert host.run("t").ok

    def duplicates(ctx: RefreshContext) -> None:
        ctx.staging.insert(
            "municipalities", [{"kode": "0147", "navn": "A"}, {"kode": "0147", "navn": "B"}]
        )

    host.plugins["t"].refresh_function = duplicates
    result = host.run("t")
    assert result.status == "failed" and result.message.startswith("kan ikke gemme municipalities:")
    assert _names(host) == {"0101": "København"}


def test_keyboard_interrupt_marks_the_run_interrupted(make_host):
    host = make_host({"t": lambda ctx: _munis(ctx, {"0101": "København"})})
    assert host.run("t").ok

    def interrupted(ctx: RefreshContext) -> None:
        _munis(ctx, {"0147": "Frederiksberg"})
        raise KeyboardInterrupt

    host.plugins["t"].refresh_function = interrupted
    with pytest.raises(KeyboardInterrupt):
        host.run("t")
    assert host.last_runs()["t"]["status"] == "interrupted"
    assert _names(host) == {"0101": "København"}
    assert _staging_schemas(host) == []


def test_reject_many_writes_every_record_in_one_go(make_host):
    def rejecting(ctx: RefreshContext) -> None:
        _munis(ctx, {"0101": "København"})
        n = ctx.staging.reject_many(
            "municipalities",
            (
                {
                    "reason": "ugyldig kode",
                    "row_number": i,
                    "field": "kode",
                    "value": str(i),
                    "raw": {"i": i},
                }
                for i in range(3000)
            ),
        )
        assert n == 3000

    host = make_host({"t": rejecting})
    result = host.run("t")
    assert result.ok and result.rows_rejected == 3000
    rows = host.con.execute(
        "SELECT count(*), min(row_number), max(row_number), count(DISTINCT raw) "
        "FROM municipalities_rejects WHERE run_id = ?",
        [result.run_id],
    ).fetchone()
    assert rows == (3000, 0, 2999, 3000)


def test_scratch_tables_feed_sql_and_are_dropped_after_the_run(make_host):
    import pyarrow as pa

    def joining(ctx: RefreshContext) -> None:
        empty = pa.table({"kode": pa.array([], pa.string()), "navn": pa.array([], pa.string())})
        names = ctx.staging.scratch("names", empty)  # created from the schema while empty
        ctx.staging.scratch("names", pa.table({"kode": ["0101"], "navn": ["København"]}))
        ctx.staging.scratch("names", pa.table({"navn": ["Ballerup"], "kode": ["0151"]}))  # by name
        staged = ctx.staging.table("municipalities")
        ctx.staging.execute(f"INSERT INTO {staged} (kode, navn) SELECT kode, navn FROM {names}")
        with pytest.raises(PluginError, match="invalid scratch table name"):
            ctx.staging.scratch("x; DROP TABLE y", empty)

    host = make_host({"t": joining})
    result = host.run("t")
    assert result.ok, result.message
    assert _names(host) == {"0101": "København", "0151": "Ballerup"}
    assert _staging_schemas(host) == []  # scratch tables went with the staging schema


def test_refresh_memory_limit_comes_from_the_cache_settings(make_host):
    from workbench.core.config import Settings

    cfg = Settings({"cache": {"refresh_memory_mb": 256}, "plugins": {"t": {"x": 1}}}, ["test"])
    host = make_host({"t": lambda ctx: None}, cfg)
    limit = host.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit == "244.1 MiB"  # DuckDB reports 256 MB in MiB


def test_run_order_follows_after(cache_file):
    ran: list[str] = []
    infos = [
        plugin_from_function(
            manifest("addresses", after=["cvr"]), lambda ctx: ran.append("addresses")
        ),
        plugin_from_function(manifest("boundaries"), lambda ctx: ran.append("boundaries")),
        plugin_from_function(manifest("cvr", after=["boundaries"]), lambda ctx: ran.append("cvr")),
    ]
    with PluginHost(
        cache_file, settings(addresses={"x": 1}, boundaries={"x": 1}, cvr={"x": 1}), plugins=infos
    ) as host:
        assert host.run_order(["addresses", "cvr"]) == ["cvr", "addresses"]
        assert host.run_order(["addresses"]) == ["addresses"]
        host.refresh(["addresses", "boundaries", "cvr"])
    assert ran == ["boundaries", "cvr", "addresses"]


def test_run_order_with_a_cycle_keeps_the_given_order(cache_file):
    infos = [
        plugin_from_function(manifest("a", after=["b"]), lambda ctx: None),
        plugin_from_function(manifest("b", after=["a"]), lambda ctx: None),
    ]
    with PluginHost(cache_file, settings(a={"x": 1}, b={"x": 1}), plugins=infos) as host:
        assert host.run_order(["a", "b"]) == ["a", "b"]


def test_collaboration_filter_follows_swapped_companies_and_collaborations(cache_file):
    from workbench.core.filters import Filter
    from workbench.core.query import count

    def companies_and_collabs(ctx: RefreshContext) -> None:
        ctx.staging.table("companies")
        ctx.staging.insert(
            "companies",
            [
                {"cvr": "11111111", "pnr": "1000000001", "name": "A1"},
                {"cvr": "11111111", "pnr": "1000000002", "name": "A2"},
                {"cvr": "22222222", "pnr": "1000000003", "name": "B1"},
            ],
        )
        ctx.staging.table("collaborations")
        ctx.staging.insert(
            "collaborations",
            [
                {"cvr": "11111111", "pnr": None, "kind": "mentor", "jobcenter": "0101"},
                {"cvr": "22222222", "pnr": "1000000099", "kind": "løntilskud", "jobcenter": "0101"},
            ],
        )

    def only_collabs(ctx: RefreshContext) -> None:
        ctx.staging.table("collaborations")
        ctx.staging.insert(
            "collaborations",
            [{"cvr": "22222222", "pnr": "1000000003", "kind": "løntilskud", "jobcenter": "0751"}],
        )

    tables = ["companies", "collaborations"]
    infos = [
        plugin_from_function(manifest("a", tables=tables), companies_and_collabs, core=True),
        plugin_from_function(manifest("b", tables=tables), only_collabs, core=True),
    ]
    with PluginHost(cache_file, settings(a={"x": 1}, b={"x": 1}), plugins=infos) as host:
        assert host.run("a").ok
        # A collaboration counts for every unit of its company (issue #10), also one
        # registered on a unit the cache does not hold.
        assert count(host.con, "companies", Filter(collaboration=("any",))) == 3
        assert count(host.con, "companies", Filter(collaboration=("løntilskud",))) == 1
        assert count(host.con, "companies", Filter(collaboration=("none",))) == 0
        assert host.run("b").ok
        assert count(host.con, "companies", Filter(collaboration=("løntilskud",))) == 1
        assert count(host.con, "companies", Filter(collaboration=("mentor",))) == 0


def test_a_plugin_missing_required_settings_fails_at_once_with_a_hint(cache_file):
    called: list[int] = []
    info = plugin_from_function(
        manifest("src", required=["base_url", "password"], secrets=["password"]),
        lambda ctx: called.append(1),
    )
    with PluginHost(
        cache_file, settings(src={"base_url": "http://x", "password": ""}), plugins=[info]
    ) as host:
        result = host.run("src")
    assert result.status == "failed" and not called
    assert (
        "WORKBENCH__PLUGINS__SRC__PASSWORD" in result.message and "base_url" not in result.message
    )


def test_staging_threads_hold_while_the_refresh_runs_and_are_restored(cache_file: Path):
    """``staging_threads`` in the manifest: DuckDB's threads while the plugin's function
    runs, the previous number for the swap and after, also when the function fails."""
    seen: list[int] = []

    def threads(con: object) -> int:
        return int(con.execute("SELECT current_setting('threads')").fetchone()[0])  # type: ignore[attr-defined]

    def refresh(ctx: RefreshContext) -> None:
        seen.append(threads(host.con))
        _munis(ctx, {"0101": "København"})

    def failing(ctx: RefreshContext) -> None:
        seen.append(threads(host.con))
        raise PluginError("kilden svarede ikke")

    plugins = [
        plugin_from_function(manifest("single", staging_threads=1), refresh),
        plugin_from_function(manifest("failing", staging_threads=1), failing),
        plugin_from_function(manifest("default"), refresh),
    ]
    with PluginHost(cache_file, settings(), plugins=plugins) as host:
        host.con.execute("SET threads = 3")
        assert host.run("single").ok
        assert threads(host.con) == 3
        assert not host.run("failing").ok
        assert threads(host.con) == 3
        assert host.run("default").ok
    assert seen == [1, 1, 3]


def test_staging_threads_must_be_a_whole_number():
    with pytest.raises(ValueError, match="staging_threads"):
        manifest("t", staging_threads="many")
    with pytest.raises(ValueError, match="staging_threads"):
        manifest("t", staging_threads=-1)
    assert manifest("t", staging_threads=2).to_dict()["staging_threads"] == 2


def test_replace_gives_rids_in_staging_order_and_skips_rows_deleted_in_staging(make_host):
    """New rids follow the staged rows; a row the plugin deleted in staging (as the cvr
    plugin drops a company's own row when its units are loaded) leaves a gap."""

    def refresh(ctx: RefreshContext) -> None:
        staged = ctx.staging.table("companies", mode="replace")
        ctx.staging.insert(
            "companies",
            [{"cvr": c, "name": n, "source": "t"} for c, n in (("3", "C"), ("1", "A"), ("2", "B"))],
        )
        ctx.staging.execute(f"DELETE FROM {staged} WHERE cvr = '1'")

    host = make_host({"t": refresh})
    assert host.run("t").ok
    rows = host.con.execute("SELECT cvr, rid FROM companies ORDER BY rid").fetchall()
    assert rows == [("3", 1), ("2", 3)]
    assert host.run("t").ok  # a new replace starts again from 1
    assert host.con.execute("SELECT cvr, rid FROM companies ORDER BY rid").fetchall() == rows
