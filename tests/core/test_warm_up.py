"""Start-up (issue #17): the display order of every row is sorted on a warm-up thread while
the window is built; the first query waits for a sort in progress instead of repeating it,
and gets the same rows in the same order."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tests.conftest import DEMO_TODAY
from workbench.core.filters import Filter, Range
from workbench.core.search import DisplayRanks, pipeline, run_filter
from workbench.core.session import UserContext, Workspace

TIMEOUT = 60


@pytest.fixture
def recorded_sorts(monkeypatch):
    """``display_rank`` calls as (entity, thread name); the candidates' sort waits for
    ``release`` so a query can arrive while it is in progress."""
    calls: list[tuple[str, str]] = []
    started, release = threading.Event(), threading.Event()
    real = pipeline.display_rank

    def recording(cur, entity):
        calls.append((entity, threading.current_thread().name))
        if entity == "candidates":
            started.set()
            assert release.wait(TIMEOUT)
        return real(cur, entity)

    monkeypatch.setattr(pipeline, "display_rank", recording)
    return calls, started, release


def test_the_first_query_waits_for_the_warm_up_sort(small_demo_con, recorded_sorts):
    calls, started, release = recorded_sorts
    ws = Workspace(small_demo_con, context=UserContext(reference_date=DEMO_TODAY))
    try:
        ws.warm_up()
        assert started.wait(TIMEOUT)  # the warm-up is inside the candidates' sort
        ticket = ws.set_filter(Filter(today=DEMO_TODAY))
        release.set()
        assert ws.wait_idle(TIMEOUT)
        assert ws.ticket == ticket and ws.result is not None, ws.last_error
        # each entity sorted once, by the warm-up (the query waited for it)
        assert sorted(calls) == [
            ("candidates", "workspace-warm-up"),
            ("companies", "workspace-warm-up"),
        ]
        plain = run_filter(small_demo_con.cursor(), Filter(today=DEMO_TODAY), None, postings=False)
        for entity in ("candidates", "companies"):
            got, want = getattr(ws.result, entity), getattr(plain, entity)
            np.testing.assert_array_equal(got.rid, want.rid)
            np.testing.assert_array_equal(got.x, want.x)
        np.testing.assert_array_equal(ws.result.duration_counts, plain.duration_counts)
    finally:
        release.set()
        ws.close()


def test_close_stops_the_warm_up(small_demo_con):
    ws = Workspace(small_demo_con, context=UserContext(reference_date=DEMO_TODAY))
    ws.warm_up()
    ws.close()  # joins the thread (interrupting its query): the connection is free again
    assert not any(t.name == "workspace-warm-up" for t in threading.enumerate())
    assert small_demo_con.execute("SELECT count(*) FROM companies").fetchone()[0] > 0


def test_a_reset_during_a_sort_does_not_keep_the_old_rows(small_demo_con, recorded_sorts):
    """New data (reset) while a sort of the old rows runs: the result is not cached."""
    _calls, started, release = recorded_sorts
    ranks = DisplayRanks()
    cur = small_demo_con.cursor()
    done = threading.Thread(target=ranks.get, args=(cur, "candidates"))
    done.start()
    assert started.wait(TIMEOUT)
    ranks.reset()
    release.set()
    done.join()
    calls_before = len(_calls)
    ranks.get(small_demo_con.cursor(), "candidates")
    assert len(_calls) == calls_before + 1  # sorted again: the old one was dropped


def test_a_stopped_warm_up_computes_nothing_more(small_demo_con, recorded_sorts):
    calls, _started, release = recorded_sorts
    release.set()
    stop = threading.Event()
    stop.set()  # close() came before the thread's first step
    DisplayRanks().warm(small_demo_con.cursor(), DEMO_TODAY, stop)
    assert calls == []


def test_after_the_warm_up_a_first_filter_of_each_kind_builds_nothing(small_demo_con, monkeypatch):
    """What the first filters read (side codes, distinct values, collaboration kinds) is
    built by the warm-up, not by the user's first filter (the slow first filter, issue #17)."""
    from workbench.core.search import columns

    ranks = DisplayRanks()
    ranks.warm(small_demo_con.cursor(), DEMO_TODAY)
    built: list[str] = []
    for name, cls in (("side", columns.SideCodes), ("dictionary", columns.DictionaryColumn)):
        real = cls.load.__func__

        def spy(klass, *args, _name=name, _real=real, **kwargs):
            built.append(_name)
            return _real(klass, *args, **kwargs)

        monkeypatch.setattr(cls, "load", classmethod(spy))
    cur = small_demo_con.cursor()
    occ, qual = cur.execute(
        "SELECT (SELECT code FROM candidate_occupations LIMIT 1), "
        "(SELECT code FROM candidate_qualifications LIMIT 1)"
    ).fetchone()
    muni = cur.execute("SELECT kommune_kode FROM companies LIMIT 1").fetchone()[0]
    flt = Filter(
        today=DEMO_TODAY,
        occupations=(occ,),
        qualifications=(qual,),
        municipalities=(muni,),
        employees=Range(1, 49),
        collaboration=("active",),
    )
    result = run_filter(cur, flt, ranks)
    assert built == []  # nothing loaded at the filter's time
    monkeypatch.undo()
    cold = run_filter(small_demo_con.cursor(), flt, DisplayRanks())  # the same rows, cold
    for entity in ("candidates", "companies"):
        assert np.array_equal(getattr(result, entity).rid, getattr(cold, entity).rid)


def test_the_filter_caches_wait_for_the_first_result(small_demo_con, monkeypatch):
    """The warm-up builds what the first query needs (for the demo's own date), then waits
    for the first result before it builds the filter caches: they no longer compete with
    the first result and paint for the two cores (issue #17, second round)."""
    days_for: list[object] = []
    collab_at: list[bool] = []  # whether a result was out when the caches were built
    first_needs_done = threading.Event()
    real_days, real_hist = pipeline.unemployment_days_by_rid, DisplayRanks.histogram_of_all
    real_collab = DisplayRanks.collaborations
    monkeypatch.setattr(
        pipeline,
        "unemployment_days_by_rid",
        lambda cur, today, missing: days_for.append(today) or real_days(cur, today, missing),
    )

    def histogram(self, cur, today):
        counts = real_hist(self, cur, today)
        first_needs_done.set()
        return counts

    def collaborations(self, cur, day=None):
        if threading.current_thread().name == "workspace-warm-up":
            collab_at.append(ws.result is not None)
        return real_collab(self, cur, day)

    monkeypatch.setattr(DisplayRanks, "histogram_of_all", histogram)
    monkeypatch.setattr(DisplayRanks, "collaborations", collaborations)
    ws = Workspace(small_demo_con, context=UserContext(reference_date=DEMO_TODAY))
    try:
        ws.warm_up()
        assert first_needs_done.wait(TIMEOUT)
        assert collab_at == []  # waiting for the first result
        ws.set_filter(Filter(today=DEMO_TODAY))
        assert ws.wait_idle(TIMEOUT) and ws.result is not None, ws.last_error
        warm = [t for t in threading.enumerate() if t.name == "workspace-warm-up"]
        for thread in warm:
            thread.join(TIMEOUT)
        assert collab_at == [True]  # built by the warm-up, after the first result
        assert days_for == [DEMO_TODAY]  # the demo's date, computed once for both
    finally:
        ws.close()


def test_close_wakes_a_warm_up_waiting_for_the_first_result(small_demo_con):
    ws = Workspace(small_demo_con, context=UserContext(reference_date=DEMO_TODAY))
    ws.warm_up()
    ws.close()  # no query ran: the thread waits for a result that never comes
    assert not any(t.name == "workspace-warm-up" for t in threading.enumerate())
