"""The "Kampagner" dock in the real window: create from the current filter (off the GUI
thread), ranked targets with components, assign, status with a note, progress, day's
visits, exports, and an empty filter said in the dock (no campaign made)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel

from workbench.core import campaigns as camp
from workbench.core.filters import Filter, Range
from workbench.core.store import Store


def _select_rows(dock, rows):
    model = dock.table.selectionModel()
    model.clearSelection()
    for r in rows:
        index = dock.table.model().index(r, 0)
        model.select(
            index, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        )


def test_campaign_dock_create_assign_status_and_export(window, qtbot, tmp_path: Path):
    dock = window.campaign_dock
    assert dock.windowTitle() == "Kampagner"
    assert not dock.isVisible()  # opened from the View menu
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Vis")
    toggle = next(a for a in view_menu.actions() if a.text() == "Kampagner")
    toggle.trigger()
    qtbot.waitUntil(dock.isVisible)
    assert dock.campaigns.count() == 0 and "Ingen kampagner" in dock.message.text()

    flt = Filter(municipalities=("0101",), employees=Range(5, None))
    window.apply_filter(flt)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    dock.name_edit.setText("Kbh store")
    with qtbot.waitSignal(dock.campaignLoaded, timeout=30_000) as blocker:
        dock.from_filter.click()
    assert blocker.args == ["Kbh store"]
    assert dock.campaign_name() == "Kbh store"
    store = Store.wrap(window.con)
    expected = camp.targets(store, "Kbh store", limit=500)
    assert dock.table.rowCount() == len(expected) > 10
    n_all = store.con.execute(
        "SELECT count(*) FROM companies WHERE kommune_kode = '0101' AND employees >= 5"
    ).fetchone()[0]
    assert len(camp.targets(store, "Kbh store")) == n_all
    headers = [dock.table.horizontalHeaderItem(i).text() for i in range(dock.table.columnCount())]
    assert "Score" in headers and "Ledige i nærheden" in headers
    first = dock.table.item(0, headers.index("Score"))
    assert first.text() == f"{expected[0]['score']:.1f}"
    assert "Ledige inden for 25" in first.toolTip()
    assert "ingen data om mangelområder" in first.toolTip()
    protected = [i for i, r in enumerate(expected) if r["advertising_protected"]]
    assert protected  # the demo marks ~8%
    cell = dock.table.item(protected[0], headers.index("Reklame"))
    assert cell.text() == "Reklamebeskyttet" and "ingen uopfordret reklame" in cell.toolTip()

    _select_rows(dock, [0, 1, 2])
    dock.consultant.setText("anne")
    dock.assign_button.click()
    assert [r["assigned_to"] for r in dock.rows[:3]] == ["anne"] * 3
    assert "anne: 0/3" in dock.progress_label.text()

    _select_rows(dock, [0])
    dock.status_box.setCurrentIndex(dock.status_box.findData("moede_booket"))
    dock.note_edit.setText("tirsdag kl. 10")
    dock.status_button.click()
    assert dock.table.item(0, headers.index("Status")).text() == "Møde booket"
    hist = camp.history(store, "Kbh store", dock.rows[0]["cvr"], dock.rows[0]["pnr"])
    assert [h["status"] for h in hist] == ["planlagt", "moede_booket"]
    assert hist[-1]["note"] == "tirsdag kl. 10"
    assert "1 af" in dock.progress_label.text() and "anne: 1/3" in dock.progress_label.text()

    dock.day_button.click()
    assert dock.visits.count() == 3  # the meeting is still open: a visit
    assert dock.export("ics", tmp_path / "dag.ics") == 3
    assert dock.export("xlsx", tmp_path / "ringeliste.xlsx") == 3  # anne's call list
    assert "gemt i ringeliste.xlsx" in dock.message.text()


def test_a_filter_without_companies_is_said_in_the_dock(window, qtbot):
    dock = window.campaign_dock
    window.apply_filter(Filter(cvr="00000001"))
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    dock.name_edit.setText("Tom")
    with qtbot.waitSignal(dock.failed, timeout=30_000) as blocker:
        dock.from_filter.click()
    assert blocker.args == ["Filteret finder ingen virksomheder: kampagnen blev ikke oprettet"]
    assert dock.message.text() == blocker.args[0]
    assert dock.campaigns.count() == 0
