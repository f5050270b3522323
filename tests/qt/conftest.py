"""A real main window on a real DuckDB cache, closed after each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core import cache
from workbench.core.config import load_settings


@pytest.fixture
def open_window(qtbot):
    """Factory: open the main window on a cache path and wait for its first results."""
    opened = []

    def _open(path: Path, *, lang: str | None = "da", **overrides):
        from workbench.qt.app import create_main_window, ensure_app

        ensure_app()
        con = cache.connect(path)
        settings = load_settings()
        for dotted, value in overrides.items():
            section, key = dotted.split("__")
            settings.data.setdefault(section, {})[key] = value
            if (section, key) == ("ui", "jobcenter"):  # the older name, mirrored as on load
                settings.data.setdefault("user", {})["jobcenter"] = value
        window = create_main_window(con, cache_path=path, settings=settings, lang=lang)
        qtbot.addWidget(window)
        opened.append((window, con))
        window.resize(1400, 900)
        window.show()
        qtbot.waitUntil(window.is_idle, timeout=30_000)
        return window

    yield _open
    for window, con in opened:
        window.shutdown()
        window.close()
        con.close()


@pytest.fixture
def window(open_window, small_demo_cache):
    return open_window(small_demo_cache)


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    """A fresh cache with one occupation (Kok, alias Kokkeelev) for the import wizard."""
    path = tmp_path / "cache.duckdb"
    con = cache.connect(path)
    con.execute(
        "INSERT INTO occupations (code, title, aliases) VALUES ('5120', 'Kok', ['Kokkeelev'])"
    )
    con.close()
    return path


@pytest.fixture
def tile_server():
    """A local WMTS tile server (tests/layers/tile_server.py), stopped after the test."""
    from tests.layers.tile_server import TileServer

    srv = TileServer()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _danish_ui():
    """Every test starts in Danish (the default); a test that switches language cannot leak."""
    from workbench.qt import i18n

    i18n.set_language("da")
    yield
    i18n.set_language("da")
