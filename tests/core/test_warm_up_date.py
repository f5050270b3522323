"""Issue #17: the start-up warm-up computes for the date the window's filters carry (a demo
cache's own reference date), so the first filter after a start recomputes nothing."""

from __future__ import annotations

from workbench.core import cache
from workbench.core.filters import Filter, Range
from workbench.core.search.pipeline import run_filter
from workbench.core.session import UserContext, Workspace
from workbench.core.store.gateway import reference_date


def test_the_warm_up_uses_the_demo_reference_date(small_demo_cache):
    con = cache.connect(small_demo_cache)
    try:
        assert cache.is_demo(con)
        demo_day = reference_date(con)
        ws = Workspace(con, context=UserContext.for_cache(con))
        ws.warm_up()
        ws.set_filter(Filter(today=demo_day))  # the first result lets it build the rest
        assert ws.wait_idle(60)
        ws._warming[0].join(60)
        assert not ws.warming_up()
        keys = set(ws.ranks._values)
        assert ("days", demo_day) in keys
        assert any(k[0] == "collab_on" and k[1] == demo_day for k in keys)
        computed: list = []
        original = ws.ranks._once

        def spy(key, compute):
            def run():
                computed.append(key)
                return compute()

            return original(key, run)

        ws.ranks._once = spy
        cur = con.cursor()
        flt = Filter(unemployed_days=Range(30, 400), collaboration=("active",), today=demo_day)
        run_filter(cur, flt, ws.ranks, postings=False)
        assert computed == []  # everything the first filter reads was warm
        ws.close()
    finally:
        con.close()
