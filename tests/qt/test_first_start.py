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


def test_demo_offline_falls_back_to_centres_and_says_why(qtbot, tmp_path):
    con = cache.connect(tmp_path / "c.duckdb")
    try:
        # Nothing listens on port 9 of the loopback: the fetch fails at once.
        builder, _stages = _build(
            qtbot, con, _settings_with_boundaries("http://127.0.0.1:9/k.geojson")
        )
        assert builder.boundaries_note
        assert cache.get_meta(con, "demo_geography") == "centres"
        assert not cache.is_empty(con)
    finally:
        con.close()
