"""Retention (issue #15): candidates no import confirmed within ``[privacy]
retention_days`` are purged (with their side tables) at start and after imports, with a
refresh_log row and an audit entry; confirmed ones and demo caches stay."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from tests.core.privacy.conftest import OWN
from workbench.core import audit, retention
from workbench.core.config import load_settings
from workbench.core.store import Store

NOW = datetime(2026, 11, 1, 8, 0)


def _counts(con: duckdb.DuckDBPyConnection, jobcenter: str) -> tuple[int, int]:
    cands = con.execute("SELECT count(*) FROM candidates WHERE jobcenter = ?", [jobcenter])
    n = cands.fetchone()[0]
    side = con.execute(
        "SELECT count(*) FROM candidate_occupations WHERE rid IN "
        "(SELECT rid FROM candidates WHERE jobcenter = ?)",
        [jobcenter],
    ).fetchone()[0]
    return n, side


def test_unconfirmed_jobcenters_are_purged_and_logged(real_cache: Path) -> None:
    with Store.open(real_cache) as store:
        con = store.con
        total = con.execute("SELECT count(*) FROM candidates").fetchone()[0]
        own, own_side = _counts(con, OWN)
        assert own and own_side
        side_total = con.execute("SELECT count(*) FROM candidate_occupations").fetchone()[0]
        # every jobcenter confirmed 10 days ago, 0101 confirmed 31 days ago
        jobcenters = [
            r[0] for r in con.execute("SELECT DISTINCT jobcenter FROM candidates").fetchall()
        ]
        retention.confirm(con, jobcenters, NOW - timedelta(days=10))
        retention.confirm(con, [OWN], NOW - timedelta(days=31))
        result = retention.purge_expired(con, 30, now=NOW, user="it")
        assert result.to_dict() == {"jobcenters": [OWN], "candidates": own}
        assert _counts(con, OWN) == (0, 0)
        assert con.execute("SELECT count(*) FROM candidates").fetchone()[0] == total - own
        rest = con.execute("SELECT count(*) FROM candidate_occupations").fetchone()[0]
        assert rest == side_total - own_side
        log = con.execute(
            "SELECT status, rows_written, message FROM refresh_log WHERE plugin = ?",
            [retention.PLUGIN_ID],
        ).fetchall()
        message = (
            f"{own} candidates of jobcenter {OWN} purged: not confirmed by an import within 30 days"
        )
        assert log == [("ok", own, message)]
        (entry,) = list(audit.entries(con))
        assert entry["action"] == "purge" and entry["subject_ids"] == [OWN]
        assert audit.verify(con) == []
        # nothing more to purge: a second run changes nothing
        assert retention.purge_expired(con, 30, now=NOW).candidates == 0


def test_hooks_get_the_purged_ids_in_the_transaction(real_cache: Path, monkeypatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(retention, "PURGE_HOOKS", [lambda cur, ids: seen.append(ids)])
    with Store.open(real_cache) as store:
        retention.confirm(store.con, [OWN], NOW - timedelta(days=100))
        ids = {
            r[0]
            for r in store.con.execute(
                "SELECT candidate_id FROM candidates WHERE jobcenter = ?", [OWN]
            ).fetchall()
        }
        retention.purge_expired(store.con, 30, now=NOW)
    assert len(seen) == 1 and set(seen[0]) == ids


def test_the_configured_period_applies_at_start(real_cache: Path, tmp_path: Path) -> None:
    with Store.open(real_cache) as store:
        retention.confirm(store.con, [OWN], datetime.now() - timedelta(days=8))
        retention.purge_at_start(store.con, load_settings())  # default 30 days: kept
        assert _counts(store.con, OWN)[0] > 0
        config = tmp_path / "short.toml"
        config.write_text("[privacy]\nretention_days = 7\n", encoding="utf-8")
        retention.purge_at_start(store.con, load_settings(config))
        assert _counts(store.con, OWN)[0] == 0


def test_a_demo_cache_and_fresh_confirmations_are_kept(small_demo_cache: Path) -> None:
    with Store.open(small_demo_cache) as store:
        retention.confirm(store.con, [OWN], NOW - timedelta(days=365))
        assert retention.purge_expired(store.con, 30, now=NOW).candidates == 0
        assert _counts(store.con, OWN)[0] > 0


def test_purged_pool_members_keep_only_their_id_and_the_reason(real_cache: Path) -> None:
    with Store.open(real_cache) as store:
        con = store.con
        own_ids = [
            r[0]
            for r in con.execute(
                "SELECT candidate_id FROM candidates WHERE jobcenter = ? ORDER BY 1 LIMIT 3", [OWN]
            ).fetchall()
        ]
        con.execute(
            "INSERT INTO pools (name, owner, jobcenter, created) VALUES ('Lager', 'k', ?, ?)",
            [OWN, NOW],
        )
        for cid in own_ids:
            con.execute(
                "INSERT INTO pool_members (pool, candidate_id, note, status, added) "
                "VALUES ('Lager', ?, 'ringet', 'kontaktet', ?)",
                [cid, NOW],
            )
        jobcenters = [
            r[0] for r in con.execute("SELECT DISTINCT jobcenter FROM candidates").fetchall()
        ]
        retention.confirm(con, jobcenters, NOW - timedelta(days=10))
        retention.confirm(con, [OWN], NOW - timedelta(days=31))
        retention.purge_expired(con, 30, now=NOW)
        rows = con.execute(
            "SELECT candidate_id, left_reason FROM pool_members WHERE pool = 'Lager' ORDER BY 1"
        ).fetchall()
    assert rows == [(cid, "slettet efter opbevaringsfristen") for cid in own_ids]
