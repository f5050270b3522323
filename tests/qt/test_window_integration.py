"""The window's links to the other parts: unplaced companies, company details, dialogs."""

from __future__ import annotations

import duckdb
from PySide6.QtCore import Qt

from workbench.core import cache


def _unplace(path, n: int) -> list[str]:
    """Make n companies unplaceable, as the addresses plugin leaves them."""
    con = cache.connect(path)
    try:
        pnrs = [
            r[0]
            for r in con.execute("SELECT pnr FROM companies ORDER BY rid LIMIT ?", [n]).fetchall()
        ]
        con.execute(
            "UPDATE companies SET x = NULL, y = NULL, "
            "placement_note = 'ikke placeret: adressen findes ikke i adresseregistret' "
            "WHERE pnr IN (SELECT unnest(?::VARCHAR[]))",
            [pnrs],
        )
    finally:
        con.close()
    return pnrs


def test_unplaced_companies_are_listed_with_the_reason_and_never_dropped(
    open_window, small_demo_cache
):
    pnrs = _unplace(small_demo_cache, 7)
    window = open_window(small_demo_cache)
    model = window.not_placed_model
    assert model.rowCount() == 7
    assert window.tabs.isTabVisible(2)
    assert window.tabs.tabText(2) == "Ikke placeret (7)"
    reasons = {model.data(model.index(r, len(model.columns) - 1)) for r in range(7)}
    assert reasons == {"ikke placeret: adressen findes ikke i adresseregistret"}
    listed = {model.row_dict(r)["pnr"] for r in range(7)}
    assert listed == set(pnrs)
    # Still companies: counted and in the companies table, just not drawn.
    n_all = window.con.execute("SELECT count(*) FROM companies").fetchone()[0]
    assert window.models["companies"].rowCount() == n_all


def test_no_unplaced_tab_when_everything_is_placed(window):
    assert window.not_placed_model.rowCount() == 0
    assert not window.tabs.isTabVisible(2)


def test_selecting_a_company_shows_its_detail_widget(qtbot, window):
    window.tabs.setCurrentIndex(1)
    window.select_row("companies", 0)
    row = window.models["companies"].row_dict(0)
    assert window.detail_stack.currentWidget() is window.company_detail
    assert window.company_detail.detail["cvr"] == row["cvr"]
    assert row["cvr"] in window.company_detail.detail["cvr_url"]
    # Back to a candidate: the candidate view returns.
    window.tabs.setCurrentIndex(0)
    window.select_row("candidates", 0)
    assert window.detail_stack.currentWidget() is window.detail


def test_file_menu_opens_refresh_and_import(qtbot, window):
    titles = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert any("Opdatér data" in t for t in titles) and any("Importér" in t for t in titles)
    dialog = window.open_refresh_dialog()
    try:
        assert dialog.isVisible() and dialog.cache_path == window.cache_path
    finally:
        dialog.reject()
    wizard = window.open_import_wizard()
    try:
        assert wizard.isVisible() and wizard.cache_path == window.cache_path
    finally:
        wizard.reject()


def test_a_completed_import_asks_for_a_reload(qtbot, window, tmp_path):
    wizard = window.open_import_wizard()
    with qtbot.waitSignal(window.reloadRequested, timeout=10_000):
        wizard.importFinished.emit(object(), None)
        wizard.done(0)  # closed after the summary (accept would validate the page)
    cancelled = window.open_import_wizard()
    reloads: list[int] = []
    window.reloadRequested.connect(lambda: reloads.append(1))
    cancelled.importFinished.emit(None, "afbrudt")
    cancelled.done(0)
    assert reloads == []
    assert isinstance(window.con, duckdb.DuckDBPyConnection)


def test_column_headers_are_not_cut_off_in_either_language(open_window, small_demo_cache):
    for lang in ("da", "en"):
        window = open_window(small_demo_cache, lang=lang)
        for view in window.tables.values():
            header = view.horizontalHeader()
            for i in range(header.count() - 1):  # the last section stretches
                text = view.model().headerData(i, Qt.Orientation.Horizontal)
                assert header.sectionSize(i) >= header.fontMetrics().horizontalAdvance(text), (
                    lang,
                    text,
                )
