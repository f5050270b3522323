"""The Workspace without Qt: newest filter wins, one selection, a reload keeps the filter,
a saved search restores its filter and selection."""

from __future__ import annotations

import pytest

from tests.conftest import DEMO_TODAY
from workbench.core.filters import Filter, Range
from workbench.core.search import DisplayRanks, run_filter
from workbench.core.session import UserContext, Workspace
from workbench.layers.selection import Selection

TIMEOUT = 60


@pytest.fixture
def workspace(small_demo_con):
    ws = Workspace(small_demo_con, context=UserContext(reference_date=DEMO_TODAY))
    yield ws
    ws.close()


def _run(ws: Workspace, ticket: int) -> None:
    assert ws.wait_idle(TIMEOUT)
    assert ws.ticket == ticket and ws.result is not None, ws.last_error


def _expected(con, flt: Filter):
    return run_filter(con.cursor(), flt, None, postings=False)


def test_the_newest_filter_wins(workspace, small_demo_con):
    delivered: list[int] = []
    workspace.result_ready.connect(lambda ticket, _result: delivered.append(ticket))
    filters = [Filter(today=DEMO_TODAY, unemployed_days=Range(d, None)) for d in range(0, 400, 40)]
    for flt in filters:
        ticket = workspace.set_filter(flt)
    _run(workspace, ticket)
    assert workspace.filter == filters[-1]
    assert workspace.result.flt == filters[-1]
    assert delivered == sorted(delivered) and delivered[-1] == ticket
    want = _expected(small_demo_con, filters[-1])
    assert workspace.result.candidates.rid.tolist() == want.candidates.rid.tolist()
    assert not workspace.busy()


def test_one_selection_filters_every_entity(workspace, small_demo_con):
    seen: list[object] = []
    workspace.selection_changed.connect(seen.append)
    sel = Selection.radius(575_000, 6_220_000, 60_000)
    _run(workspace, workspace.set_selection(sel))
    flt = Filter(today=DEMO_TODAY)
    want = _expected(small_demo_con, flt.with_selection(sel))
    assert workspace.result.candidates.rid.tolist() == want.candidates.rid.tolist()
    assert workspace.result.companies.rid.tolist() == want.companies.rid.tolist()
    # The one selection wins over a selection inside a filter set from code ...
    other = Selection.radius(700_000, 6_180_000, 10_000)
    _run(workspace, workspace.set_filter(flt.with_selection(other)))
    assert workspace.selection == sel
    assert workspace.effective_filter() == flt.with_selection(sel)
    assert workspace.result.candidates.rid.tolist() == want.candidates.rid.tolist()
    # ... which applies while there is none (scripts, the benchmark).
    _run(workspace, workspace.set_selection(None))
    assert seen == [sel, None]
    want = _expected(small_demo_con, flt.with_selection(other))
    assert workspace.result.candidates.rid.tolist() == want.candidates.rid.tolist()
    _run(workspace, workspace.set_filter(flt))
    every = small_demo_con.execute("SELECT count(*) FROM candidates").fetchone()[0]
    assert len(workspace.result.candidates.rid) == every


def test_a_data_reload_keeps_the_filter_and_shows_the_new_rows(workspace, small_demo_con):
    flt = Filter(today=DEMO_TODAY)  # nothing restricts: the cached all-rows arrays serve it
    workspace.set_filter(flt, submit=False)
    _run(workspace, workspace.submit())
    before = len(workspace.result.candidates.rid)
    small_demo_con.execute("DELETE FROM candidates WHERE rid % 2 = 0")  # e.g. an import
    reloads: list[bool] = []
    workspace.reloaded.connect(lambda: reloads.append(True))
    _run(workspace, workspace.reload())
    assert reloads == [True]
    assert workspace.filter == flt
    after = workspace.result.candidates.rid
    assert len(after) < before and (after % 2 == 1).all()
    want = run_filter(small_demo_con.cursor(), flt, DisplayRanks(), postings=False)
    assert after.tolist() == want.candidates.rid.tolist()


def test_a_reload_on_a_new_connection_keeps_filter_and_selection(workspace, small_demo_con):
    sel = Selection.radius(575_000, 6_220_000, 60_000)
    flt = Filter(today=DEMO_TODAY, unemployed_days=Range(100, None))
    workspace.set_filter(flt, submit=False)
    _run(workspace, workspace.set_selection(sel))
    first = workspace.result.candidates.rid.tolist()
    con2 = small_demo_con.cursor()  # another connection object on the same file
    _run(workspace, workspace.reload(con2))
    assert workspace.con is con2
    assert (workspace.filter, workspace.selection) == (flt, sel)
    assert workspace.result.candidates.rid.tolist() == first


def test_a_saved_search_restores_its_filter_and_selection(workspace, small_demo_con):
    sel = Selection.radius(575_000, 6_220_000, 60_000)
    flt = Filter(today=DEMO_TODAY, employees=Range(10, None))
    workspace.set_filter(flt, submit=False)
    _run(workspace, workspace.set_selection(sel))
    saved_rows = workspace.result.companies.rid.tolist()
    workspace.save_search("Aarhus-ish", counts={"companies": len(saved_rows)})
    changes: list[Filter] = []
    workspace.filter_changed.connect(changes.append)
    workspace.set_filter(Filter(today=DEMO_TODAY), submit=False)
    _run(workspace, workspace.set_selection(None))
    assert len(workspace.result.companies.rid) > len(saved_rows)
    _run(workspace, workspace.load_search("Aarhus-ish"))
    assert workspace.filter == flt and workspace.selection == sel
    assert changes[-1] == flt  # the filter dock follows the restored filter
    assert workspace.result.companies.rid.tolist() == saved_rows


def test_a_failing_query_is_reported_once_and_not_busy(workspace):
    failures: list[tuple[int, str]] = []
    workspace.query_failed.connect(lambda t, m: failures.append((t, m)))
    workspace.con.execute("DROP TABLE candidate_occupations")
    ticket = workspace.set_filter(Filter(today=DEMO_TODAY, occupations=("2512",)))
    assert workspace.wait_idle(TIMEOUT)
    assert [t for t, _ in failures] == [ticket] and failures[0][1]
    assert workspace.last_error == failures[0][1] and not workspace.busy()


def test_the_workspace_holds_the_open_job_order(workspace, small_demo_con):
    from workbench.core.matching.order import JobOrder

    seen: list[object] = []
    workspace.job_order_changed.connect(seen.append)
    order = JobOrder(occupation_codes=["6113"], title="Gartner")
    workspace.set_job_order(order)
    workspace.set_job_order(JobOrder(occupation_codes=["6113"], title="Gartner"))  # the same
    assert workspace.job_order == order and seen == [order]
    workspace.set_job_order(None)
    assert workspace.job_order is None and seen == [order, None]
