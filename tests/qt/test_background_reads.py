"""Table pages and map tooltips are read off the GUI thread (issue #17): a read by key costs
tens of ms at 1M rows, so painting a scrolled table or hovering a point must not wait for it."""

from __future__ import annotations

import threading

import pytest

from workbench.qt import models as models_module
from workbench.qt.docks import map_view as map_view_module


@pytest.fixture
def read_threads(monkeypatch):
    """The thread of every row read by the table models and the map's tooltips."""
    threads: list[threading.Thread] = []

    def wrap(module):
        real = module.person_rows

        def recording(*args, **kwargs):
            threads.append(threading.current_thread())
            return real(*args, **kwargs)

        monkeypatch.setattr(module, "person_rows", recording)

    wrap(models_module)
    wrap(map_view_module)
    return threads


def test_scrolled_table_pages_are_read_in_the_background(qtbot, window, read_threads):
    pane = window.results_pane
    view = pane.tables["companies"]
    model = pane.models["companies"]
    pane.tabs.setCurrentWidget(view)
    model.set_rids(model.rids())  # no page in memory
    read_threads.clear()
    view.scrollToBottom()
    view.viewport().repaint()  # the paint asks for the last rows: blank, and being read
    last = model.rowCount() - 1
    assert model.rowCount() > 2 * model.PAGE
    assert not read_threads or threading.main_thread() not in read_threads
    assert not window.is_idle()  # screenshots wait for the rows they show
    with qtbot.waitSignal(model.dataChanged, timeout=10_000):
        pass
    qtbot.waitUntil(window.is_idle, timeout=10_000)
    qtbot.waitUntil(lambda: model.rows_ready(last, last), timeout=10_000)
    assert read_threads and threading.main_thread() not in read_threads
    # the page arrived: the last row's cells hold its values, read without another query
    before = len(read_threads)
    expected = model.row_dict(last)
    assert len(read_threads) == before
    name_col = [c.key for c in model.columns].index("name")
    assert model.data(model.index(last, name_col)) == (expected["name"] or "")


def test_rows_asked_outside_a_paint_are_read_at_once(window):
    """Details, copy and export need the row now: they still get it synchronously."""
    model = window.results_pane.models["candidates"]
    model.set_rids(model.rids())
    assert model.row_dict(model.rowCount() - 1)["candidate_id"]


def test_hover_tooltip_reads_its_row_in_the_background(qtbot, window, read_threads):
    from PySide6.QtCore import QPointF

    m = window.map
    name = window.con.execute("SELECT navn FROM municipalities WHERE kode = '0101'").fetchone()[0]
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        assert window.map_view.zoom_to(name.lower())
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    layer = m.layers["candidates"]
    i = int(m.items["candidates"].visible_indices()[0])
    m._hover_pos = QPointF(float(layer.x[i]), float(layer.y[i]))
    entity, index = m.hit(m._hover_pos)  # the point the hover finds there
    rid = int(m.layers[entity].rid[index])
    for model in window.models.values():
        model.set_rids(model.rids())  # its table row is not in memory
    read_threads.clear()
    with qtbot.waitSignal(m.tooltipShown, timeout=10_000) as shown:
        m._show_tooltip()
        assert threading.main_thread() not in read_threads  # not read while hovering
    assert shown.args[:2] == [entity, rid]
    key = "candidate_id" if entity == "candidates" else "name"
    expected = window.con.execute(f"SELECT {key} FROM {entity} WHERE rid = ?", [rid]).fetchone()
    assert expected[0] in shown.args[2]
    assert read_threads and threading.main_thread() not in read_threads
