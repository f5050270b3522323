"""Shared fixtures: isolated settings and data dirs, offscreen Qt, the shared fixtures folder,
and a small demo cache built once per session (copied per test that writes to it)."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

# Qt must never need a display in tests; set before anything imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every cache is encrypted (issue #15): tests use one fixed key from the environment (set
# before any cache exists, the session's demo cache included, and inherited by the CLI in a
# subprocess), and never the developer's OS keyring.
TEST_CACHE_KEY = "test-key-not-secret"
os.environ["WORKBENCH_CACHE_KEY"] = TEST_CACHE_KEY
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
# The reference date the demo and the tests agree on, so durations are deterministic.
DEMO_TODAY = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the developer's real settings or cache, or reaches the network."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("WORKBENCH_LOG_DIR", str(home / "logs"))
    monkeypatch.setenv("WORKBENCH_USER_CONFIG", str(home / "user.toml"))
    monkeypatch.setenv("WORKBENCH_MACHINE_CONFIG", str(home / "machine.toml"))
    for name in list(os.environ):
        if name.startswith("WORKBENCH__"):
            monkeypatch.delenv(name)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    if not SHARED_FIXTURES.is_dir():
        pytest.fail(f"shared fixtures not found at {SHARED_FIXTURES}")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def kommuner_geojson(shared_fixtures: Path) -> Path:
    return shared_fixtures / "boundaries" / "kommuner.geojson"


@pytest.fixture(scope="session")
def _small_demo_master(tmp_path_factory: pytest.TempPathFactory, kommuner_geojson: Path) -> Path:
    from workbench.core import cache
    from workbench.core.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "small.duckdb"
    con = cache.connect(path)
    try:
        build_demo(con, scale="small", seed=7, boundaries=kommuner_geojson, today=DEMO_TODAY)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


@pytest.fixture
def small_demo_cache(_small_demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the small demo cache (seed 7, geography from kommuner.geojson)."""
    path = tmp_path / "cache.duckdb"
    shutil.copy(_small_demo_master, path)
    return path


@pytest.fixture
def small_demo_con(small_demo_cache: Path):
    from workbench.core import cache

    con = cache.connect(small_demo_cache)
    yield con
    con.close()
