"""The host refuses to swap in a run that cannot prove it received everything, and reports a
run killed mid-way as interrupted at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from tests.faults.hashes import table_hashes
from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.core import cache
from workbench.core.plugins.api import RefreshContext
from workbench.core.plugins.host import PluginHost, last_runs


def _writes(received: int, announced) -> Callable[[RefreshContext], None]:
    def refresh(ctx: RefreshContext) -> None:
        ctx.staging.insert(
            "municipalities", [{"kode": f"{i:04d}", "navn": f"K{i}"} for i in range(received)]
        )
        ctx.received("kommuner", received, announced)

    return refresh


@pytest.mark.parametrize(
    ("received", "announced", "ok"),
    [
        (3, 3, True),
        (2, 3, False),
        (4, 3, False),  # more than promised: duplicates or another result set
        (3, (2, 4), True),  # the count changed while the run went on
        (1, (2, 4), False),
        (5, (2, None), True),  # "at least 2"
        (3, None, True),  # nothing announced, nothing to prove
    ],
)
def test_received_against_announced(
    make_host: Callable[..., PluginHost], cache_file: Path, received, announced, ok
) -> None:
    with make_host({"seed": _writes(2, 2)}) as host:
        assert host.run("seed").ok
    before = table_hashes(cache_file)
    with make_host({"t": _writes(received, announced)}) as host:
        result = host.run("t")
    assert result.ok is ok, result.message
    if not ok:
        assert result.message.startswith(f"ufuldstændig: kommuner: modtog {received} af ")
        assert result.message.endswith("tidligere data er bevaret")
        assert table_hashes(cache_file) == before
    else:
        assert table_hashes(cache_file)["municipalities"][0] == received


def test_a_stale_running_row_shows_as_interrupted_before_any_new_host(cache_file: Path) -> None:
    """A killed refresh leaves 'running'; the next start shows "afbrudt" at once (before,
    only a new PluginHost's recover() rewrote it, i.e. after the next refresh began)."""
    con = cache.connect(cache_file)
    try:
        con.execute(
            "INSERT INTO refresh_log (run_id, plugin, started, status, rows_written, "
            "rows_rejected) VALUES ('dead', 'cvr', ?, 'running', 0, 0)",
            [datetime(2026, 12, 1, 9, 0)],
        )
        run = last_runs(con)["cvr"]
    finally:
        con.close()
    assert run["status"] == "interrupted"
    assert run["message"].startswith("afbrudt")


def test_a_wrong_shape_answer_is_one_line_without_a_traceback(
    make_host: Callable[..., PluginHost], caplog: pytest.LogCaptureFixture
) -> None:
    """A list where an object was due: the run fails in one line; nothing logs a traceback
    where the CLI would print it (WARNING and above reach stderr without logging set up)."""
    with FixtureServer() as server:
        server.route("GET", "/data", Reply.json([{"kode": "0101"}]))

        def refresh(ctx: RefreshContext) -> None:
            rows = ctx.session.get(server.url + "/data").json()["features"]
            ctx.staging.insert("municipalities", rows)

        with caplog.at_level("DEBUG"), make_host({"t": refresh}) as host:
            result = host.run("t")
    assert result.status == "failed"
    assert result.message.startswith("TypeError: list indices") and "\n" not in result.message
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR") and r.exc_info]


def test_a_replace_with_no_rows_keeps_the_live_table(
    make_host: Callable[..., PluginHost], cache_file: Path
) -> None:
    """A 'replace' that staged nothing used to empty the live table and report ok; an empty
    answer is no proof that the source is empty, so nothing is replaced and the run fails."""

    def seed(ctx: RefreshContext) -> None:
        ctx.staging.table("municipalities", mode="replace")
        ctx.staging.insert("municipalities", [{"kode": "0101", "navn": "København"}])

    def empty(ctx: RefreshContext) -> None:
        ctx.staging.table("municipalities", mode="replace")

    with make_host({"seed": seed}) as host:
        assert host.run("seed").ok
    before = table_hashes(cache_file)
    with make_host({"t": empty}) as host:
        result = host.run("t")
    assert not result.ok
    assert result.message == (
        "municipalities: kilden leverede ingen rækker; de 1 rækker i cachen er bevaret"
    )
    assert table_hashes(cache_file) == before
