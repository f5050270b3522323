"""Plugins run with the reduced API (issue #15): the audit log, the shares and the
retention bookkeeping are closed to them like the person tables, by name."""

from __future__ import annotations

import pytest

from workbench.core import audit
from workbench.core.plugins.api import RefreshContext

from .test_plugin_api_rules import _run, host_with_candidates  # noqa: F401 - the fixture

PRIVATE = ["audit_log", "shares", "candidate_confirmations"]


@pytest.mark.parametrize("table", PRIVATE)
def test_a_plugin_cannot_declare_a_privacy_table(host_with_candidates, table: str):  # noqa: F811
    ran: list[int] = []
    result = _run(host_with_candidates, lambda ctx: ran.append(1), tables=[table])
    assert result.status == "failed" and ran == []
    assert f"declares the person table(s) {table}" in result.message


@pytest.mark.parametrize("table", PRIVATE)
def test_a_plugin_cannot_read_a_privacy_table(host_with_candidates, table: str):  # noqa: F811
    audit.append(
        host_with_candidates.con,
        user="kons1",
        jobcenter="0101",
        action="view_details",
        subject_ids=["c1"],
        purpose="test",
    )
    seen: list[object] = []

    def query(ctx: RefreshContext) -> None:
        seen.append(ctx.query(f"SELECT * FROM {table}"))

    result = _run(host_with_candidates, query)
    assert result.status == "failed" and seen == []
    assert f"may not read {table}" in result.message

    def copy(ctx: RefreshContext) -> None:
        staged = ctx.staging.table("municipalities")
        ctx.staging.execute(f"INSERT INTO {staged} (kode, navn) SELECT 'x', purpose FROM {table}")

    result = _run(host_with_candidates, copy)
    assert result.status == "failed" and f"may not read {table}" in result.message
