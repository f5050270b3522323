"""The window and the command line at the same time (issue #10): a real window on a real
cache, the real CLI in a second process. The command asks for the cache, the window lets
go, the command runs, the window takes the cache back with the user's filters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.core import cache, cache_lock
from workbench.core.config import load_settings


@pytest.fixture
def session(qtbot, small_demo_cache, monkeypatch):
    from workbench.qt.app import start_gui

    monkeypatch.setenv("WORKBENCH_NO_FIRST_START", "1")
    s = start_gui(small_demo_cache, settings=load_settings(), lang="da")
    qtbot.waitUntil(s.window.is_idle, timeout=30_000)
    yield s
    s.close()


def _cli(*argv: str) -> subprocess.Popen:
    env = {**os.environ, "WORKBENCH_CACHE_WAIT_S": "60"}
    return subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _filter_to_aalborg(qtbot, window) -> None:
    window.filters.municipality.add("0851")
    window.filters.emit_now()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.filters.current_filter().municipalities == ("0851",)


def _run_while_window_open(qtbot, session, proc: subprocess.Popen):
    watch = session.watch
    try:
        with qtbot.waitSignal(watch.released, timeout=60_000):
            pass  # the window lets go when the command asks
        assert not session.window.isEnabled()
        with qtbot.waitSignal(watch.reopened, timeout=120_000) as reopened:
            pass  # the command ran and removed its request
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # a failed test leaves no waiting command behind
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "waiting for the window to release the cache" in err
    assert not cache_lock.request_path(session.cache_path).exists()
    window = reopened.args[0]
    assert window is session.window and window.isEnabled()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    return out, window


def test_search_from_the_command_line_while_the_window_is_open(qtbot, session):
    _filter_to_aalborg(qtbot, session.window)
    shown = session.window.result.candidates.rid.size
    proc = _cli("search", "candidates", "--cache", str(session.cache_path), "--limit", "5")
    out, window = _run_while_window_open(qtbot, session, proc)
    assert json.loads(out)["total"] == 5000
    # The user's filter survived the reopen and still applies.
    assert window.filters.current_filter().municipalities == ("0851",)
    assert window.result.candidates.rid.size == shown


def test_refresh_from_the_command_line_shows_in_the_window(
    qtbot, session, tmp_path: Path, kommuner_geojson: Path
):
    _filter_to_aalborg(qtbot, session.window)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[plugins.boundaries]\nurl = "{kommuner_geojson.as_posix()}"\ncode_property = "kode"\n'
        'regions_url = ""\nregion_property = ""\n',
        "utf-8",
    )
    args = ["refresh", "boundaries", "--cache", str(session.cache_path), "--config", str(cfg)]
    _out, window = _run_while_window_open(qtbot, session, _cli(*args))
    runs = window.con.execute("SELECT plugin, status FROM refresh_log").fetchall()
    assert runs == [("boundaries", "ok")]  # the window reads the command's data
    assert window.filters.current_filter().municipalities == ("0851",)
    assert not cache.is_empty(window.con)
