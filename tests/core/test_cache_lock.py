"""Sharing the cache between a holder (the window) and commands: the request handshake,
with a real second process holding the DuckDB file (issue #10)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from workbench.core import cache, cache_lock
from workbench.core.errors import CacheLockedError

# A stand-in for the window, in its own process: holds the cache; on a request it closes
# the cache, waits for the request to go, reopens and reports what it reads.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from workbench.core import cache, cache_lock
    path, answer = sys.argv[1], sys.argv[2] == "answer"
    con = cache.connect(path)
    print("holding", flush=True)
    if not answer:  # a holder that never answers: hold until the test ends
        sys.stdin.read()
        sys.exit(0)
    while cache_lock.pending_request(path) is None:
        time.sleep(0.05)
    con.close()
    print("released", flush=True)
    while cache_lock.pending_request(path) is not None:
        time.sleep(0.05)
    con = cache.connect(path)
    print("reopened", cache.get_meta(con, "written_by"), flush=True)
    con.close()
    """
)


@pytest.fixture(autouse=True)
def _no_waiting():
    yield
    cache_lock.stop_waiting()


@contextmanager
def _holder(path: Path, answer: bool) -> Iterator[subprocess.Popen]:
    """The holder process; stopped and its pipes closed afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), "answer" if answer else "ignore"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "holding"
        yield proc
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_a_command_asks_the_holder_to_release_and_the_holder_sees_its_writes(tmp_path):
    path = tmp_path / "c.duckdb"
    cache.connect(path).close()
    with _holder(path, answer=True) as holder:
        messages: list[str] = []
        cache_lock.wait_for_release(messages.append, command="refresh", timeout_s=60)
        con = cache.connect(path)
        req = cache_lock.request_path(path)
        assert stat.S_IMODE(req.stat().st_mode) == 0o600  # user-only
        assert json.loads(req.read_text())["command"] == "refresh"
        assert messages == [f"waiting for the window to release the cache {path} …"]
        assert holder.stdout.readline().strip() == "released"
        cache.set_meta(con, "written_by", "command")
        con.close()
        cache_lock.release_requests()
        assert not req.exists()
        assert holder.stdout.readline().strip() == "reopened command"


def test_nothing_answers_gives_up_with_one_clear_line(tmp_path):
    path = tmp_path / "c.duckdb"
    cache.connect(path).close()
    with _holder(path, answer=False):
        cache_lock.wait_for_release(lambda _m: None, command="search", timeout_s=0.3)
        with pytest.raises(CacheLockedError, match="still in use by another program after"):
            cache.connect(path, read_only=True)
        assert not cache_lock.request_path(path).exists()  # no request is left behind


def test_without_waiting_a_locked_cache_fails_at_once(tmp_path):
    path = tmp_path / "c.duckdb"
    cache.connect(path).close()
    with _holder(path, answer=False):
        with pytest.raises(CacheLockedError, match="in use by another program"):
            cache.connect(path)
        assert not cache_lock.request_path(path).exists()


def test_a_request_of_a_dead_process_is_stale_and_removed(tmp_path):
    path = tmp_path / "c.duckdb"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    req = cache_lock.request_path(path)
    req.write_text(json.dumps({"pid": int(dead.stdout), "command": "import"}))
    assert cache_lock.pending_request(path) is None and not req.exists()
    req.write_text(json.dumps({"pid": os.getpid(), "command": "import"}))
    assert cache_lock.pending_request(path)["command"] == "import"
