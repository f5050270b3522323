"""The job order dock in the real window: a criterion changed re-ranks list, funnel and map
off the GUI thread (newest wins), the details pane explains a candidate, bad input is one
Danish line, saved orders come back, a company's "Find kandidater" starts an order."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QPushButton

from workbench.core.matching.engine import match
from workbench.core.matching.orders import job_order_from_posting
from workbench.core.store import Store
from workbench.layers.match_score import MATCH_SCORE, score_classes
from workbench.qt.i18n import fmt_int


def _posting_id(con) -> str:
    return con.execute(
        "SELECT p.posting_id FROM job_postings p "
        "WHERE p.x IS NOT NULL AND p.cvr IN (SELECT cvr FROM companies) AND p.occupation_code IN ("
        "  SELECT o.code FROM candidate_occupations o JOIN candidates c USING (rid) "
        "  WHERE c.cv_searchable GROUP BY o.code HAVING count(*) >= 20) "
        "ORDER BY p.posting_id LIMIT 1"
    ).fetchone()[0]


def _open(qtbot, window):
    dock = window.job_order_dock
    with qtbot.waitSignal(dock.matched, timeout=30_000) as blocker:
        dock.from_posting(_posting_id(window.con))
    return dock, blocker.args[0]


def test_a_changed_criterion_updates_list_funnel_and_map(qtbot, window):
    dock, first = _open(qtbot, window)
    assert window.workspace.job_order.source_posting_id is not None
    assert dock.results.table.rowCount() == min(100, first.total_eligible) > 0
    # the map: exactly the eligible candidates, coloured by their score's class
    layer = window.map.layers["candidates"]
    assert sorted(layer.rid.tolist()) == sorted(np.asarray(first.rids).tolist())
    assert window.map.styles["candidates"] is MATCH_SCORE
    classes = dict(zip(first.rids.tolist(), score_classes(first.scores).tolist(), strict=True))
    shown = window.map._classes["candidates"]  # the class each drawn point is coloured by
    assert [classes[r] for r in layer.rid.tolist()] == shown.tolist()
    assert dock.workplace_item.position == first.workplace_xy is not None

    # a limit on the commute: fewer candidates, the funnel says how many the limit left
    with qtbot.waitSignal(dock.matched, timeout=30_000) as blocker:
        dock.form.max_commute.setValue(15)
    second = blocker.args[0]
    assert window.workspace.job_order.max_commute_km == 15
    assert second.total_eligible < first.total_eligible
    assert sorted(window.map.layers["candidates"].rid.tolist()) == sorted(second.rids.tolist())
    assert dock.results.table.rowCount() == min(100, second.total_eligible)
    funnel = dock.results.funnel.text()
    assert f"Afstand: {fmt_int(second.funnel[-2].remaining)}" in funnel  # the commute's step
    assert f"Søgbart CV: {fmt_int(second.funnel[-1].remaining)}" in funnel
    relax = second.best_relaxation
    assert relax is not None and relax.criterion == "max_commute_km"
    assert f"Bedste lempelse, uden krav om afstand: +{fmt_int(relax.added)} kandidater" in funnel
    assert any(label.startswith("Ledige: Match-score") for _, _, label in window.map.legend_rows())


def test_the_newest_change_wins(qtbot, window):
    dock, _ = _open(qtbot, window)
    for km in (5, 10, 40, 25):  # typed quickly: only the last one counts
        dock.form.max_commute.setValue(km)
        dock.form.flush()
    qtbot.waitUntil(lambda: not dock.busy(), timeout=30_000)
    expected = match(Store.wrap(window.con), window.workspace.job_order)
    assert window.workspace.job_order.max_commute_km == 25
    assert dock.result.total_eligible == expected.total_eligible
    assert [i.candidate_id for i in dock.result.items] == [i.candidate_id for i in expected.items]


def test_selecting_a_candidate_explains_each_criterion(qtbot, window):
    dock, result = _open(qtbot, window)
    dock.results.table.setCurrentCell(1, 0)
    text = window.detail_dock.detail.toPlainText()
    item = result.items[1]
    assert item.candidate_id in text and item.summary in text
    for c in item.criteria:
        assert c.label in text
    assert ("✔" in text) and window.map.selected == ("candidates", item.rid)


def test_bad_workplace_is_one_danish_line(qtbot, window):
    dock, _ = _open(qtbot, window)
    with qtbot.waitSignal(dock.runner.failed, timeout=30_000):
        dock.form.company.setText("99999999")
        dock.form.company.textEdited.emit("99999999")
    status = dock.results.status.text()
    assert status.startswith("Jobordren kan ikke køres: workplace.cvr")
    assert "\n" not in status and "Traceback" not in status
    assert dock.results.table.rowCount() == 0


def test_save_and_reopen_a_job_order(qtbot, window):
    dock, _ = _open(qtbot, window)
    dock.form.title.setText("Gartner til parken")
    order_id = dock.save()
    index = dock.saved.findData(order_id)
    assert index > 0 and dock.saved.itemText(index) == "Gartner til parken"
    dock.new_button.click()
    assert window.workspace.job_order.occupation_codes == []
    with qtbot.waitSignal(dock.matched, timeout=30_000):
        dock.saved.activated.emit(index)
    assert window.workspace.job_order.id == order_id
    assert dock.form.title.text() == "Gartner til parken"


def test_find_candidates_from_a_company_and_close(qtbot, window):
    cvr = window.con.execute(
        "SELECT cvr FROM companies WHERE x IS NOT NULL ORDER BY cvr LIMIT 1"
    ).fetchone()[0]
    window.detail_dock.show_row("companies", {"cvr": cvr, "pnr": None})
    find = window.company_detail.findChild(QPushButton, "findCandidates")
    find.click()
    dock = window.job_order_dock
    order = window.workspace.job_order
    assert order.workplace.cvr == cvr and order.workplace.xy is not None
    assert dock.isVisible() and dock.tabs.currentIndex() == 0  # no occupation yet: the form
    assert dock.results.status.text() == "Vælg mindst én stilling"
    dock.close_order()
    assert window.workspace.job_order is None and window.map.styles["candidates"] is None


def test_posting_order_prefills_the_form(qtbot, window):
    dock, _ = _open(qtbot, window)
    posting = job_order_from_posting(Store.wrap(window.con), _posting_id(window.con))
    shown = dock.form.order()
    assert shown.occupation_codes == posting.occupation_codes
    assert shown.title == posting.title and shown.workplace.cvr == posting.workplace.cvr
    # the 24 h / 72 h deadlines (or the posting's own deadline) from the time received
    assert shown.received_at is not None and posting.received_at is not None
    gap = (shown.deliver_by - shown.received_at) - (posting.deliver_by - posting.received_at)
    assert abs(gap.total_seconds()) < 120


def test_the_filters_tab_keeps_the_order_the_close_button_ends_it(qtbot, window):
    dock, _ = _open(qtbot, window)
    window.filter_dock.raise_()  # the two docks share the left side as tabs
    qtbot.waitUntil(lambda: dock.visibleRegion().isEmpty(), timeout=5_000)
    assert window.workspace.job_order is not None
    assert window.map.styles["candidates"] is MATCH_SCORE
    dock.close()
    assert window.workspace.job_order is None and window.map.styles["candidates"] is None
    assert dock.workplace_item.position is None


def test_the_workplace_picked_on_the_map(qtbot, window):
    from PySide6.QtCore import QPointF, Qt

    dock, _ = _open(qtbot, window)
    m = window.map
    x0, y0, x1, y1 = m.view_extent()
    target = QPointF((x0 + x1) / 2 + 1_000, (y0 + y1) / 2 - 1_000)
    dock.form.pick_button.click()
    pos = m.mapFromScene(m.vb.mapViewToScene(target))
    with qtbot.waitSignal(dock.matched, timeout=30_000) as blocker:
        qtbot.mouseClick(m.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    x, y = window.workspace.job_order.workplace.xy
    tolerance = 2 * m.metres_per_pixel()
    assert abs(x - target.x()) < tolerance and abs(y - target.y()) < tolerance
    assert blocker.args[0].workplace_xy == (x, y)
    assert dock.workplace_item.position == (x, y)


def test_the_form_round_trips_an_order(qtbot, window):
    from datetime import datetime

    from workbench.core.matching.order import JobOrder, Workplace

    dock = window.job_order_dock
    codes = [r[0] for r in window.con.execute("SELECT code FROM qualifications ORDER BY code LIMIT 3").fetchall()]  # fmt: skip
    order = JobOrder(
        occupation_codes=["6113"],
        title="Gartner",
        tasks="Pleje af grønne områder",
        include_related=True,
        required_qualifications=codes[:1],
        nice_qualifications=codes[1:],
        driving_licence=["B", "C"],
        languages=["dansk", "engelsk"],
        min_experience_years=2,
        employment={"kind": "temporary", "hours": 30, "shifts": True, "start_date": "2026-12-01"},
        positions=3,
        workplace=Workplace(x=720_000.0, y=6_180_000.0),
        max_commute_km=25,
        contact="Bo Berg",
        prioritise_long_term=True,
        received_at=datetime(2026, 11, 2, 9, 30),
        clarify_by=datetime(2026, 11, 3, 9, 30),
        deliver_by=datetime(2026, 11, 5, 9, 30),
    )
    dock.form.set_order(order)
    assert not dock.form.pending()  # showing an order is not an edit
    assert dock.form.order() == order


def test_a_ranked_candidate_clicked_on_the_map_is_explained(qtbot, window):
    from PySide6.QtCore import QPointF, Qt

    dock, result = _open(qtbot, window)
    item = result.items[2]
    m = window.map
    layer = m.layers["candidates"]
    i = layer.index_of(item.rid)
    x, y = float(layer.x[i]), float(layer.y[i])
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.set_extent((x - 300, y - 200, x + 300, y + 200))  # close enough for one point
    assert m.hit(QPointF(x, y)) is not None
    pos = m.mapFromScene(m.vb.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(m.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    entity, rid = m.selected
    assert entity == "candidates"
    shown = next(it for it in result.items if it.rid == rid)  # the point hit (the top one)
    assert dock.results.table.currentRow() == result.items.index(shown)
    assert shown.summary in window.detail_dock.detail.toPlainText()


def test_why_not_this_candidate(qtbot, window):
    dock, result = _open(qtbot, window)
    eligible = set(result.rids.tolist())
    rid = window.con.execute(
        "SELECT rid FROM candidates WHERE NOT list_contains(occupation_codes, ?) ORDER BY rid "
        "LIMIT 1",
        [window.workspace.job_order.occupation_codes[0]],
    ).fetchone()[0]
    assert rid not in eligible
    dock.show_candidate(rid)
    text = window.detail_dock.detail
    qtbot.waitUntil(lambda: "Opfylder ikke alle krav" in text.toPlainText(), timeout=10_000)
    assert "✘" in text.toPlainText() and "ikke på listen" in text.toPlainText()


def test_the_open_order_survives_a_reopened_cache(qtbot, window, small_demo_cache):
    """The window lends the cache to a command and reopens it: the order is matched again
    on the new connection."""
    from workbench.core import cache

    dock, first = _open(qtbot, window)
    old = window.con
    window.release_cache()
    old.close()
    con = cache.connect(small_demo_cache)
    try:
        with qtbot.waitSignal(dock.matched, timeout=30_000) as blocker:
            window.reopen_cache(con)
        assert blocker.args[0].total_eligible == first.total_eligible
        assert dock.store.con is con
        qtbot.waitUntil(window.is_idle, timeout=30_000)
    finally:
        window.shutdown()
        con.close()


def test_new_data_is_matched_not_the_candidates_held_in_memory(qtbot, window):
    """The dock keeps the candidates in memory between criterion changes; an import or
    refresh (the window's reload) must drop them."""
    dock, first = _open(qtbot, window)
    top = first.items[0]
    window.con.execute("UPDATE candidates SET cv_searchable = false WHERE rid = ?", [top.rid])
    with qtbot.waitSignal(dock.matched, timeout=30_000) as blocker:
        window.reload_data()
    again = blocker.args[0]
    assert again.total_eligible == first.total_eligible - 1
    assert top.rid not in again.rids.tolist()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
