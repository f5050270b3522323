"""A full disk during a refresh and at the final checkpoint (a file size limit in a child
process stands in for the full disk: the same write errors, no root needed)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.core.plugins.host import PluginHost, last_runs

from .conftest import settings

CHILD = textwrap.dedent(
    """
    import json, os, resource, signal, sys
    from workbench.core.config import Settings
    from workbench.core.plugins.api import Manifest
    from workbench.core.plugins.host import PluginHost, plugin_from_function

    path, when = sys.argv[1], sys.argv[2]
    manifest = Manifest.from_dict({"id": "t", "name": "T", "source": "s", "licence": "l",
                                   "tables": ["companies"], "refresh": "x:y", "api_version": 1})

    def refresh(ctx):
        rows = ({"cvr": str(i), "name": "n" * 50} for i in range(20_000))
        ctx.staging.insert("companies", rows)

    def limit(extra):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails instead of killing us
        size = os.path.getsize(path) + extra
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))

    host = PluginHost(path, Settings({"plugins": {"t": {"x": 1}}}, ["test"]),
                      plugins=[plugin_from_function(manifest, refresh)])
    if when == "during":
        limit(200_000)
    result = host.run("t")
    if when == "checkpoint":
        limit(0)
    print(json.dumps({"result": result.to_dict(), "checkpoint": host.checkpoint()}), flush=True)
    """
)


def _run_child(tmp_path: Path, when: str) -> tuple[Path, dict, str]:
    path = tmp_path / "cache.duckdb"
    with PluginHost(path, settings(), plugins=[]) as host:
        host.con.execute("INSERT INTO companies (cvr, name, rid) VALUES ('1', 'Gammel', 1)")
        host.con.execute("CHECKPOINT")
    script = tmp_path / "child.py"
    script.write_text(CHILD, "utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(path), when], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return path, json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_disk_full_during_the_refresh_fails_in_one_line_and_keeps_the_data(tmp_path: Path):
    path, out, stderr = _run_child(tmp_path, "during")
    result = out["result"]
    assert result["status"] == "failed"
    assert "disken er fuld" in result["message"] and "\n" not in result["message"]
    assert "Traceback" not in stderr
    with PluginHost(path, settings(), plugins=[]) as host:
        assert host.con.execute("SELECT cvr, name FROM companies").fetchall() == [("1", "Gammel")]
        run = last_runs(host.con)["t"]
    assert run["status"] in ("failed", "interrupted") and run["status"] != "ok"


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_disk_full_at_the_final_checkpoint_says_so_and_the_log_stays_true(tmp_path: Path):
    path, out, stderr = _run_child(tmp_path, "checkpoint")
    assert out["result"]["status"] == "ok"
    assert "disken er fuld" in out["checkpoint"] and "\n" not in out["checkpoint"]
    assert "Traceback" not in stderr
    # The run was committed (to the WAL): reopened, the cache holds it and the log says ok.
    with PluginHost(path, settings(), plugins=[]) as host:
        assert host.con.execute("SELECT count(*) FROM companies").fetchall() == [(20_000,)]
        assert last_runs(host.con)["t"]["status"] == "ok"
