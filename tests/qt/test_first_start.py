"""First start: the demo is built off the GUI thread and can be cancelled."""

from __future__ import annotations

from workbench.core import cache


def test_demo_builder_fills_empty_cache(qtbot, tmp_path):
    from workbench.qt.first_start import DemoBuilder

    con = cache.connect(tmp_path / "c.duckdb")
    try:
        assert cache.is_empty(con)
        builder = DemoBuilder(con, scale="small", seed=3)
        stages = []
        builder.progressed.connect(lambda stage, _f: stages.append(stage))
        with qtbot.waitSignal(builder.done, timeout=120_000) as blocker:
            builder.start()
        builder.wait()
        assert blocker.args == [None]
        assert "candidates" in stages
        assert not cache.is_empty(con)
        assert cache.is_demo(con)
    finally:
        con.close()


def test_cancelled_demo_build_leaves_cache_empty(qtbot, tmp_path):
    from workbench.qt.first_start import DemoBuilder

    con = cache.connect(tmp_path / "c.duckdb")
    try:
        builder = DemoBuilder(con, scale="small", seed=3)
        builder.cancel()  # cancelled before the first stage: nothing may be written
        with qtbot.waitSignal(builder.done, timeout=120_000) as blocker:
            builder.start()
        builder.wait()
        assert blocker.args == ["cancelled"]
        assert cache.is_empty(con)
    finally:
        con.close()


def _settings_with_boundaries(url: str):
    from workbench.core.config import Settings, deep_merge, defaults

    data = deep_merge(
        defaults(),
        {"plugins": {"boundaries": {"url": url, "regions_url": "", "code_property": "kode"}}},
    )
    return Settings(data, ["test"])


def _build(qtbot, con, settings):
    from workbench.qt.first_start import DemoBuilder

    builder = DemoBuilder(con, scale="small", seed=3, settings=settings)
    stages = []
    builder.progressed.connect(lambda stage, _f: stages.append(stage))
    with qtbot.waitSignal(builder.done, timeout=120_000) as blocker:
        builder.start()
    builder.wait()
    assert blocker.args == [None]
    return builder, stages


def test_demo_fetches_real_boundaries_first(qtbot, tmp_path, kommuner_geojson):
    con = cache.connect(tmp_path / "c.duckdb")
    try:
        builder, stages = _build(qtbot, con, _settings_with_boundaries(str(kommuner_geojson)))
        assert stages[0] == "boundaries" and builder.boundaries_note is None
        assert (
            con.execute("SELECT count(*) FROM municipalities WHERE geom IS NOT NULL").fetchone()[0]
            == 99
        )
        assert cache.get_meta(con, "demo_geography") == "cache"
    finally:
        con.close()


def test_demo_offline_uses_the_shipped_outlines_and_says_why(qtbot, tmp_path):
    con = cache.connect(tmp_path / "c.duckdb")
    try:
        # Nothing listens on port 9 of the loopback: the fetch fails at once.
        builder, _stages = _build(
            qtbot, con, _settings_with_boundaries("http://127.0.0.1:9/k.geojson")
        )
        assert builder.boundaries_note
        assert cache.get_meta(con, "demo_geography") == "packaged"
        assert _areas(con) == 99
        assert not cache.is_empty(con)
    finally:
        con.close()


# -- the whole first start as the user does it: start_gui, "Byg demodata", the window


def _areas(con) -> int:
    return con.execute("SELECT count(*) FROM municipalities WHERE geom IS NOT NULL").fetchone()[0]


def _default_settings_with(url: str, **boundaries):
    """The built-in defaults (regions URL and all), the boundaries URL pointed at ``url``."""
    from workbench.core.config import Settings, deep_merge, defaults

    over = {"url": url, "regions_url": url.replace("k.geojson", "r.geojson"), **boundaries}
    return Settings(deep_merge(defaults(), {"plugins": {"boundaries": over}}), ["test"])


def _first_start(qtbot, monkeypatch, path, settings):
    """Click "Byg demodata" on an empty cache; returns (session, messages shown)."""
    from PySide6.QtWidgets import QMessageBox

    from workbench.qt import app, first_start

    shown: list[tuple[str, str]] = []
    monkeypatch.delenv("WORKBENCH_NO_FIRST_START", raising=False)
    monkeypatch.setattr(first_start, "ask_first_start", lambda _parent, _path: "demo")
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **_k: shown.append(("info", a[2])))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **_k: shown.append(("warning", a[2])))
    session = app.start_gui(path, settings=settings, lang="da")
    qtbot.addWidget(session.window)
    qtbot.waitUntil(session.window.is_idle, timeout=60_000)
    return session, shown


def _assert_window_shows_areas(session) -> None:
    areas = session.window.map.areas
    assert areas.model.ring_count >= 98 and not areas.path().isEmpty()


def test_first_start_offline_builds_the_demo_with_real_outlines(qtbot, monkeypatch, tmp_path):
    # The regression of issue #10: the failed boundaries fetch left the window's connection
    # with an open transaction and CHECKPOINT failed ("other write transactions active").
    settings = _default_settings_with("http://127.0.0.1:9/k.geojson")
    session, shown = _first_start(qtbot, monkeypatch, tmp_path / "c.duckdb", settings)
    try:
        assert [kind for kind, _ in shown] == ["info"], shown
        assert "følger med programmet" in shown[0][1]
        assert cache.is_demo(session.con) and _areas(session.con) == 99
        assert cache.get_meta(session.con, "demo_geography") == "packaged"
        _assert_window_shows_areas(session)
    finally:
        session.close()


def test_first_start_online_builds_the_demo_with_fetched_outlines(
    qtbot, monkeypatch, tmp_path, kommuner_geojson
):
    from tests.plugins.fixture_server import FixtureServer, Reply

    with FixtureServer() as server:
        server.route("GET", "/k.geojson", Reply.file(kommuner_geojson, "application/geo+json"))
        settings = _default_settings_with(
            server.url + "/k.geojson", regions_url="", code_property="kode", region_property=""
        )
        session, shown = _first_start(qtbot, monkeypatch, tmp_path / "c.duckdb", settings)
    try:
        assert shown == []
        assert cache.is_demo(session.con) and _areas(session.con) == 99
        assert cache.get_meta(session.con, "demo_geography") == "cache"
        _assert_window_shows_areas(session)
    finally:
        session.close()
