"""The pools dock, saved searches and the reverse search in the real window (pytest-qt,
offscreen, on the small demo cache)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt

from workbench.core import pool_changes
from workbench.core import pools as core
from workbench.core.filters import Filter
from workbench.core.saved_searches import list_searches
from workbench.layers.selection import Selection
from workbench.qt.docks.nearby import LISTED
from workbench.qt.pools_view import selected_candidate_rids, selection_candidate_rids


def _first_candidates(window, n: int) -> list[str]:
    rows = window.gui_cursor().execute(
        "SELECT candidate_id FROM candidates WHERE cv_searchable ORDER BY candidate_id LIMIT ?",
        [n],
    )
    return [r[0] for r in rows.fetchall()]


def test_dock_members_status_note_and_changes(qtbot, window) -> None:
    dock = window.pools_dock
    assert dock.pool_names() == [] and dock.empty_label.isVisibleTo(dock)
    con = window.gui_cursor()
    a, b, c = _first_candidates(window, 3)
    core.create_pool(con, "Kantine", owner="kons1")
    core.add_members(con, "Kantine", [a, b, c])
    dock.refresh()
    assert dock.pool_names() == ["Kantine"]
    assert set(dock.member_ids()) == {a, b, c}
    assert dock.members_label.text() == "Medlemmer (3)"

    # status and note are edited in the table and reach the cache
    row = dock.member_ids().index(a)
    combo = dock.table.cellWidget(row, 1)
    combo.setCurrentIndex(combo.findData("kontaktet"))
    assert combo.currentText() == "kontaktet"
    dock.table.item(row, 2).setText("Ringer tilbage fredag")
    got = {m["candidate_id"]: m for m in core.members(con, "Kantine")}
    assert got[a]["status"] == "kontaktet" and got[a]["note"] == "Ringer tilbage fredag"

    # a run that removes one candidate and makes another's CV unsearchable
    snap = pool_changes.snapshot(con)
    con.execute("DELETE FROM candidates WHERE candidate_id = ?", [b])
    con.execute("UPDATE candidates SET cv_searchable = FALSE WHERE candidate_id = ?", [c])
    snap.record(con, "run-1", "import_candidates")
    window.reload_data()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert dock.member_ids() == [a]
    text = dock.changes_label.text()
    assert f"{b} (ikke længere ledig)" in text and f"{c} (CV ikke længere søgbart)" in text
    assert "Gik ud (2)" in text
    assert dock.pool_list.item(0).text() == "Kantine (1)  +0 −2"


def test_add_table_rows_and_map_selection_to_a_pool(qtbot, window) -> None:
    dock = window.pools_dock
    core.create_pool(window.gui_cursor(), "Lager", owner="kons1")
    dock.refresh()
    table = window.tables["candidates"]
    model = window.models["candidates"]
    chosen = QItemSelection()
    for row in (0, 2):
        chosen.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
    flags = QItemSelectionModel.SelectionFlag
    table.selectionModel().select(chosen, flags.ClearAndSelect | flags.Rows)
    rids = selected_candidate_rids(window)
    assert len(rids) == 2
    assert window.add_rows_to_pool_action.text() == "Føj til emnebank"
    dock.add_rids("Lager", rids)
    qtbot.waitUntil(dock.is_idle, timeout=10_000)
    expected = {window.models["candidates"].row_dict(r)["candidate_id"] for r in (0, 2)}
    assert set(dock.member_ids()) == expected
    assert window.busy_label.text() == "2 ledige føjet til »Lager«"

    # the map's selection: every candidate it holds (with the filters)
    action = window.add_selection_to_pool_action
    assert not action.isEnabled()
    window.set_selection(Selection.radius(720_000, 6_180_000, 15_000))
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert action.isEnabled()
    in_selection = selection_candidate_rids(window)
    assert len(in_selection) > 2
    dock.add_rids("Lager", in_selection)
    qtbot.waitUntil(dock.is_idle, timeout=10_000)
    ids = {
        r[0]
        for r in window.gui_cursor()
        .execute(
            "SELECT candidate_id FROM candidates WHERE rid IN (SELECT unnest(?))",
            [list(map(int, in_selection))],
        )
        .fetchall()
    }
    assert set(dock.member_ids()) == expected | ids


def test_pool_from_the_filter_and_a_member_click_selects_the_row(qtbot, window) -> None:
    flt = Filter(occupations=("5120",), searchable_only=True)
    window.apply_filter(flt)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    shown = set(window.models["candidates"].rids().tolist())
    dock = window.pools_dock
    dock.create_pool("Kokke", window.workspace.filter)
    qtbot.waitUntil(dock.is_idle, timeout=10_000)
    assert dock.current_pool() == "Kokke" and len(dock.member_ids()) == len(shown) > 0
    dock.table.setCurrentCell(0, 0)
    row = window.selected_row("candidates")
    assert row >= 0
    assert window.models["candidates"].row_dict(row)["candidate_id"] == dock.member_ids()[0]


def test_save_and_rerun_a_search(qtbot, window) -> None:
    box = window.saved_searches
    assert box.isVisibleTo(window.filters) and box.save_button.text() == "Gem søgning…"
    window.filters.set_filter(Filter(occupations=("5120",), municipalities=("0101",)))
    window.apply_filter(window.filters.current_filter())
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    before = window.models["candidates"].rids().copy()
    box.save("Kokke i København")
    assert box.names() == ["Kokke i København"]
    assert window.busy_label.text() == "Søgningen »Kokke i København« er gemt"
    (saved,) = list_searches(window.gui_cursor(), owner=box.owner)
    assert saved.filter.occupations == ("5120",)

    window.filters.reset()
    window.filters.emit_now()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert len(window.models["candidates"].rids()) > len(before)

    item = box.list.item(0)
    qtbot.mouseClick(
        box.list.viewport(), Qt.MouseButton.LeftButton, pos=box.list.visualItemRect(item).center()
    )
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    np.testing.assert_array_equal(window.models["candidates"].rids(), before)
    assert window.filters.current_filter().occupations == ("5120",)


def test_find_companies_nearby(qtbot, window) -> None:
    window.select_row("candidates", 0)
    assert window.nearby_button.isVisibleTo(window.detail_dock)
    cid = window.detail_dock.current_candidate
    assert cid == window.models["candidates"].row_dict(0)["candidate_id"]
    qtbot.mouseClick(window.nearby_button, Qt.MouseButton.LeftButton)
    nearby = window.nearby_dock
    qtbot.waitUntil(lambda: nearby.is_idle() and nearby.result is not None, timeout=30_000)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    result = nearby.result
    assert result.candidate_id == cid and result.leads
    assert nearby.list.count() == min(len(result.leads), LISTED)
    if len(result.leads) > LISTED:
        assert f"(de {LISTED} bedste er listet)" in nearby.head.text()
    assert nearby.list.item(0).text().startswith(result.leads[0].name or result.leads[0].cvr)
    # the same companies in the company table and on the map (the radius is the selection)
    assert set(result.rids.tolist()) <= set(window.models["companies"].rids().tolist())
    assert window.selection is not None and window.selection.kind == "radius"
    assert window.tabs.currentIndex() == 1

    # a company in the list: its details
    first = nearby.list.item(0)
    qtbot.mouseClick(
        nearby.list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=nearby.list.visualItemRect(first).center(),
    )
    assert window.detail_stack.currentWidget() is window.company_detail


def test_english_texts(open_window, small_demo_cache) -> None:
    window = open_window(small_demo_cache, lang="en")
    assert window.pools_dock.windowTitle() == "Candidate pools"
    assert window.nearby_button.text() == "Find companies nearby"
    assert window.saved_searches.save_button.text() == "Save search…"


def test_share_a_pool_with_another_jobcenter_asks_code_and_purpose(
    qtbot, window, monkeypatch
) -> None:
    from PySide6.QtWidgets import QInputDialog

    from workbench.core import audit

    dock = window.pools_dock
    con = window.gui_cursor()
    a, b = _first_candidates(window, 2)
    core.create_pool(con, "Lager", owner="kons1")
    core.add_members(con, "Lager", [a, b])
    dock.refresh()
    dock.pool_list.setCurrentRow(0)
    messages: list[str] = []
    dock.message.connect(messages.append)
    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("0101", True))
    monkeypatch.setattr(
        "workbench.qt.purpose.ask_purpose", lambda _p, s="": asked.append(s) or "fælles ordre"
    )
    dock.share_button.click()
    assert asked == ["Emnebank »Lager« delt med andet jobcenter"]  # prefilled suggestion
    assert messages == ["»Lager« er delt med jobcenter 0101 (2 kandidater)"]
    assert con.execute("SELECT kind, ref, jobcenter FROM shares").fetchall() == [
        ("pool", "Lager", "0101")
    ]
    entry = list(audit.entries(con))[-1]
    assert entry["action"] == "share_pool" and entry["purpose"] == "fælles ordre"
    assert sorted(entry["subject_ids"][1:]) == sorted(
        audit.subject_id(m["candidate_id"], m["jobcenter"]) for m in core.members(con, "Lager")
    )
    # cancelling the purpose shares nothing more
    monkeypatch.setattr("workbench.qt.purpose.ask_purpose", lambda *_a, **_k: None)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("0999", True))
    dock.share_button.click()
    assert con.execute("SELECT count(*) FROM shares").fetchone() == (1,)
