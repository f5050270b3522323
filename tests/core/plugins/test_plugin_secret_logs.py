"""Secrets stay out of the log, refresh_log and the error line (issue #15, docs/security.md)
also when a plugin fails with an unexpected exception that carries its key, and when the
command line reports the failure."""

from __future__ import annotations

import logging

import pytest

from workbench.core.plugins.api import RefreshContext

from .conftest import settings

SECRET = "s3cr3t-9f8e7d-value"


def test_an_unexpected_exception_with_the_key_is_masked_everywhere(
    make_host, caplog: pytest.LogCaptureFixture
) -> None:
    def leaky(ctx: RefreshContext) -> None:
        raise RuntimeError(f"GET https://api.example/x?token={ctx.config['token']} failed")

    host = make_host({"t": leaky}, settings(t={"token": SECRET}))
    with caplog.at_level(logging.DEBUG):
        result = host.run("t")
    assert result.status == "failed" and SECRET not in result.message
    logged = "\n".join(
        r.getMessage() + (str(r.exc_info[1]) if r.exc_info else "") for r in caplog.records
    )
    assert SECRET not in logged
    rows = host.con.execute("SELECT coalesce(message, '') FROM refresh_log").fetchall()
    assert rows and all(SECRET not in r[0] for r in rows)
