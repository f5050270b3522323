"""A refresh process killed with SIGKILL in the middle of the swap transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.core.plugins.host import PluginHost

from .conftest import settings

CHILD = textwrap.dedent(
    """
    import sys
    from workbench.core.config import Settings
    from workbench.core.plugins.api import Manifest
    from workbench.core.plugins.host import PluginHost, plugin_from_function

    manifest = Manifest.from_dict({"id": "t", "name": "T", "source": "s", "licence": "l",
                                   "tables": ["municipalities", "companies"], "refresh": "x:y",
                                   "api_version": 1})

    def refresh(ctx):
        ctx.staging.insert("municipalities", [{"kode": "0999", "navn": "Ny"}])
        ctx.staging.insert("companies", ({"cvr": str(i), "name": "n"} for i in range(50_000)))

    def hook(plugin_id, con):
        # Inside the swap transaction, after all DELETE/INSERT statements, before COMMIT.
        print("SWAPPING", flush=True)
        sys.stdin.readline()  # wait here until the parent kills us

    host = PluginHost(sys.argv[1], Settings({"plugins": {"t": {"x": 1}}}, ["test"]),
                      plugins=[plugin_from_function(manifest, refresh)], swap_hook=hook)
    host.run("t")
    print("NOT KILLED", flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killed_during_swap_leaves_previous_data(tmp_path: Path):
    path = tmp_path / "cache.duckdb"
    with PluginHost(path, settings(), plugins=[]) as host:
        host.con.execute("INSERT INTO municipalities (kode, navn) VALUES ('0101', 'København')")
        host.con.execute("INSERT INTO companies (cvr, name, rid) VALUES ('1', 'Gammel', 1)")
        host.con.execute("CHECKPOINT")
    script = tmp_path / "child.py"
    script.write_text(CHILD, "utf-8")
    child = subprocess.Popen(
        [sys.executable, str(script), str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "SWAPPING", child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
        child.stdin.close()

    with PluginHost(path, settings(), plugins=[]) as host:  # reopen: WAL replay + recover()
        assert host.con.execute("SELECT kode, navn FROM municipalities").fetchall() == [
            ("0101", "København")
        ]
        assert host.con.execute("SELECT cvr, name, rid FROM companies").fetchall() == [
            ("1", "Gammel", 1)
        ]
        status, message = host.con.execute(
            "SELECT status, message FROM refresh_log WHERE plugin = 't'"
        ).fetchone()
        assert status == "interrupted" and "processen stoppede" in message
        schemas = host.con.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'staging%'"
        ).fetchone()[0]
        assert schemas == 0
