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
