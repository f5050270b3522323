"""What a third-party plugin may do (#11): declared reference tables only, writes through
staging only, ctx.query on reference tables only, a supported api_version."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.plugins.api import API_VERSION, Manifest, RefreshContext
from workbench.core.plugins.host import PluginHost, discover, plugin_from_function

from .conftest import manifest, settings
from .test_plugin_discovery import _install_fake_dist


def _candidates(host: PluginHost) -> int:
    return host.con.execute("SELECT count(*) FROM candidates").fetchall()[0][0]


@pytest.fixture
def host_with_candidates(make_host):
    """A host whose cache holds one candidate (written by the core's own import writer)."""

    def load(ctx: RefreshContext) -> None:
        ctx.staging.insert("candidates", [{"candidate_id": "c1", "jobcenter": "0101"}])

    host = make_host({"imp": load}, core=True)
    assert host.run("imp").ok and _candidates(host) == 1
    return host


def _run(host: PluginHost, refresh, tables=("municipalities", "companies"), **extra):
    info = plugin_from_function(manifest("p", list(tables), **extra), refresh)
    host.plugins["p"] = info
    host.settings = settings(p={"x": 1}, imp={"x": 1})
    return host.run("p")


def test_writing_an_undeclared_table_is_refused(host_with_candidates):
    result = _run(host_with_candidates, lambda ctx: ctx.staging.table("job_postings"))
    assert result.status == "failed"
    assert result.message == "table job_postings is not listed in the manifest of p"


def test_declaring_candidates_is_refused_before_the_plugin_runs(host_with_candidates):
    ran: list[int] = []
    result = _run(host_with_candidates, lambda ctx: ran.append(1), tables=["candidates"])
    assert result.status == "failed" and ran == []
    assert "declares the person table(s) candidates" in result.message
    assert _candidates(host_with_candidates) == 1


def test_declaring_a_user_work_table_is_refused(host_with_candidates):
    result = _run(host_with_candidates, lambda ctx: None, tables=["saved_selections"])
    assert result.status == "failed"
    assert "declares saved_selections: plugins may write reference tables only" in result.message


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM candidates",
        "SELECT * FROM audit_log",
        "SELECT * FROM main.collaborations",
        'SELECT * FROM "candidates"',
        "SELECT kode FROM municipalities WHERE kode IN (SELECT jobcenter FROM candidates)",
        "WITH m AS (SELECT * FROM candidates) SELECT * FROM m",
        "SELECT * FROM query_table('candidates')",
        "SELECT * FROM saved_selections",
        "SELECT * FROM refresh_log",
    ],
)
def test_ctx_query_refuses_closed_tables(host_with_candidates, sql: str):
    host_with_candidates.con.execute(
        "CREATE TABLE IF NOT EXISTS audit_log (happened TIMESTAMP, what VARCHAR)"
    )
    seen: list[object] = []
    result = _run(host_with_candidates, lambda ctx: seen.append(ctx.query(sql)))
    assert result.status == "failed" and seen == []
    assert "may not" in result.message and "reference tables" in result.message


def test_ctx_query_cannot_name_a_table_through_a_parameter(host_with_candidates):
    seen: list[object] = []

    def refresh(ctx: RefreshContext) -> None:
        seen.append(ctx.query("SELECT * FROM query_table(?)", ["candidates"]))

    result = _run(host_with_candidates, refresh)
    assert result.status == "failed" and seen == []
    assert result.message.startswith("ctx.query may not use query_table()")


def test_ctx_query_reads_reference_tables_and_only_selects(host_with_candidates):
    seen: list[object] = []

    def refresh(ctx: RefreshContext) -> None:
        seen.append(ctx.query("SELECT count(*) FROM municipalities m JOIN regions r USING (kode)"))
        ctx.query("DELETE FROM municipalities")

    result = _run(host_with_candidates, refresh)
    assert seen == [[(0,)]]
    assert result.status == "failed" and "one SELECT" in result.message


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM main.candidates",
        "DELETE FROM candidates",
        "UPDATE main.companies SET name = 'x'",
        "INSERT INTO municipalities (kode, navn) VALUES ('0999', 'x')",
        "CREATE TABLE main.evil AS SELECT 1",
        "DROP TABLE main.municipalities",
        "ATTACH '/tmp/other.duckdb' AS other",
        "COPY candidates TO '/tmp/leak.csv'",
        "INSERT INTO {staged} (kode, navn) SELECT candidate_id, jobcenter FROM candidates",
        "UPDATE {staged} AS s SET navn = c.jobcenter FROM candidates AS c",
        "COMMIT",
    ],
)
def test_staging_sql_cannot_touch_live_or_closed_tables(host_with_candidates, sql: str):
    def refresh(ctx: RefreshContext) -> None:
        staged = ctx.staging.table("municipalities")
        ctx.staging.execute(sql.format(staged=staged))

    result = _run(host_with_candidates, refresh)
    assert result.status == "failed", result.message
    assert "ctx.staging.execute" in result.message
    host = host_with_candidates
    assert _candidates(host) == 1
    assert host.con.execute("SELECT count(*) FROM municipalities").fetchall() == [(0,)]


def test_staging_sql_on_staged_and_reference_tables_works(host_with_candidates):
    def refresh(ctx: RefreshContext) -> None:
        staged = ctx.staging.table("municipalities")
        ctx.staging.execute(f"INSERT INTO {staged} (kode, navn) VALUES ('0101', 'København')")
        ctx.staging.execute(
            f"UPDATE {staged} AS s SET navn = upper(s.navn) "
            "WHERE s.kode NOT IN (SELECT kode FROM main.regions)"
        )

    result = _run(host_with_candidates, refresh)
    assert result.ok, result.message
    rows = host_with_candidates.con.execute("SELECT kode, navn FROM municipalities").fetchall()
    assert rows == [("0101", "KØBENHAVN")]


def test_replace_where_predicate_cannot_read_closed_tables(host_with_candidates):
    def refresh(ctx: RefreshContext) -> None:
        ctx.staging.table(
            "companies",
            mode="replace_where",
            where="cvr IN (SELECT candidate_id FROM candidates)",
        )

    result = _run(host_with_candidates, refresh)
    assert result.status == "failed" and "may not read candidates" in result.message


def test_the_staging_object_offers_no_connection(host_with_candidates):
    seen: list[bool] = []
    _run(host_with_candidates, lambda ctx: seen.append(hasattr(ctx.staging, "con")))
    assert seen == [False]


def test_wrong_api_version_is_refused_with_a_clear_message(host_with_candidates):
    ran: list[int] = []
    result = _run(host_with_candidates, lambda ctx: ran.append(1), api_version=API_VERSION + 1)
    assert result.status == "failed" and ran == []
    assert result.message == (
        f"plugin p is written for plugin API version {API_VERSION + 1}; this workbench "
        f"supports api_version {API_VERSION}"
    )


def test_manifest_without_api_version_is_refused():
    with pytest.raises(ValueError, match="manifest lacks api_version"):
        Manifest.from_dict(
            {"id": "p", "name": "P", "source": "s", "licence": "l", "tables": [], "refresh": "a:b"}
        )


def test_discovery_lists_a_plugin_of_another_api_version_as_broken(tmp_path: Path, monkeypatch):
    text = (
        'id = "{id}"\nname = "N"\nsource = "s"\nlicence = "l"\napi_version = {v}\n'
        'tables = [{t}]\nrefresh = ".work:refresh"\n'
    )
    _install_fake_dist(
        tmp_path,
        {
            "future": {"__init__.py": "", "manifest.toml": text.format(id="future", v=99, t="")},
            "people": {
                "__init__.py": "",
                "manifest.toml": text.format(id="people", v=API_VERSION, t='"candidates"'),
            },
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = {p.id: p for p in discover()}
    assert found["future"].broken and "plugin API version 99" in found["future"].error
    assert found["people"].broken and "person table(s) candidates" in found["people"].error


def test_rejects_go_only_to_declared_tables(host_with_candidates):
    result = _run(host_with_candidates, lambda ctx: ctx.staging.reject("candidates", "x"))
    assert result.status == "failed"
    assert result.message == "rejects for candidates: not listed in the manifest of p"
    tables = host_with_candidates.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name = 'candidates_rejects'"
    ).fetchall()
    assert tables == []
