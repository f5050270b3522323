"""Company search in the window (issue #10): name, CVR or P-number; the company is selected
in the table, centred on the map and shown in the details."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import Qt

from tests.qt.test_main_window import wait_applied


def _company(con, where: str = "x IS NOT NULL AND employees >= 3") -> SimpleNamespace:
    row = con.execute(
        f"SELECT rid, cvr, pnr, name, x, y FROM companies WHERE {where} ORDER BY rid LIMIT 1 OFFSET 17"
    ).fetchone()
    return SimpleNamespace(**dict(zip(("rid", "cvr", "pnr", "name", "x", "y"), row, strict=True)))


def _search(qtbot, window, text: str):
    edit = window.company_search
    edit.setFocus()
    edit.clear()
    qtbot.keyClicks(edit, text)
    with qtbot.waitSignal(edit.companyChosen, timeout=30_000) as blocker:
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    return blocker.args[0]


def _assert_shown(window, rid: int, x: float, y: float) -> None:
    model = window.models["companies"]
    assert window.tabs.currentIndex() == 1
    row = window.selected_row("companies")
    assert row >= 0 and int(model.rids()[row]) == rid
    assert window.map.selected == ("companies", rid)
    xmin, ymin, xmax, ymax = window.map.view_extent()
    assert abs((xmin + xmax) / 2 - x) < 0.05 * (xmax - xmin)
    assert abs((ymin + ymax) / 2 - y) < 0.05 * (ymax - ymin)
    assert xmax - xmin <= 10_000  # zoomed in to the street, not the whole country
    # the table scrolled to it
    view = window.tables["companies"]
    assert view.viewport().rect().intersects(view.visualRect(model.index(row, 0)))


def test_search_by_cvr_jumps_to_the_company(qtbot, window):
    c = _company(window.con)
    hit = _search(qtbot, window, c.cvr)
    assert hit.cvr == c.cvr
    # a CVR number has several units; the first is chosen and shown
    _assert_shown(window, hit.rid, hit.x, hit.y)


def test_search_by_p_number_and_by_name(qtbot, window):
    c = _company(window.con)
    hit = _search(qtbot, window, c.pnr)
    assert hit.rid == c.rid
    _assert_shown(window, c.rid, c.x, c.y)
    hit = _search(qtbot, window, c.name.lower())
    assert c.name.lower() in hit.name.lower()
    _assert_shown(window, hit.rid, hit.x, hit.y)


def test_suggestions_while_typing(qtbot, window):
    c = _company(window.con)
    edit = window.company_search
    edit.setFocus()
    with qtbot.waitSignal(edit.suggestionsReady, timeout=30_000) as blocker:
        qtbot.keyClicks(edit, c.name[:6])
    labels = blocker.args[0]
    assert labels and all(c.name[:6].lower() in label.lower() for label in labels)
    with qtbot.waitSignal(edit.companyChosen, timeout=5_000) as chosen:
        edit.completer_.activated.emit(labels[0])
    assert chosen.args[0].label() == labels[0]


def test_company_hidden_by_the_filters_is_still_found(qtbot, window):
    c = _company(window.con, "x IS NOT NULL AND employees < 5")
    wait_applied(qtbot, window, lambda: window.filters.emp_min.setValue(50))
    assert window.models["companies"].row_of_rid(c.rid) == -1
    _search(qtbot, window, c.pnr)
    assert window.detail_stack.currentWidget() is window.company_detail
    assert "filtrene skjuler den" in window.busy_label.text()
    xmin, ymin, xmax, ymax = window.map.view_extent()
    assert xmin < c.x < xmax and ymin < c.y < ymax


def test_unknown_company_says_so(qtbot, window):
    edit = window.company_search
    edit.setText("findes-ikke-xyz")
    with qtbot.waitSignal(edit.notFound, timeout=30_000):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.busy_label.text() == "Ingen virksomhed matcher »findes-ikke-xyz«"


def test_unplaced_company_is_selected_and_the_map_says_why_not(
    qtbot, open_window, small_demo_cache
):
    from tests.qt.test_window_integration import _unplace

    (pnr,) = _unplace(small_demo_cache, 1)
    window = open_window(small_demo_cache)
    before = window.map.view_extent()
    hit = _search(qtbot, window, pnr)
    assert hit.pnr == pnr and hit.x is None
    row = window.selected_row("companies")
    assert int(window.models["companies"].rids()[row]) == hit.rid
    assert window.busy_label.text().endswith("har ingen placering på kortet")
    assert window.map.view_extent() == before  # nowhere to go


def test_ctrl_f_goes_to_the_search_field(qtbot, window):
    window.activateWindow()
    window.tables["candidates"].setFocus()
    qtbot.keyClick(window.tables["candidates"], Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.company_search.hasFocus, timeout=5_000)
