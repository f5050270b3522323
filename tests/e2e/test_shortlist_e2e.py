"""Time to shortlist (issue #14): from a Jobnet posting on the map to an exported shortlist
of five, through the real window, counting what the consultant does: clicks, groups of
keystrokes and dialog accepts. The goal is at most eight."""

from __future__ import annotations

import openpyxl
from pypdf import PdfReader
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

GOAL = 8


def _posting(con):
    """A placed posting of a company in the cache, for an occupation with matches."""
    return con.execute(
        "SELECT p.posting_id, p.x, p.y FROM job_postings p "
        "WHERE p.x IS NOT NULL AND p.cvr IN (SELECT cvr FROM companies) AND p.occupation_code IN ("
        "  SELECT o.code FROM candidate_occupations o JOIN candidates c USING (rid) "
        "  WHERE c.cv_searchable GROUP BY o.code HAVING count(*) >= 8) "
        "ORDER BY p.posting_id LIMIT 1"
    ).fetchone()


def test_posting_to_exported_shortlist_of_five(qtbot, open_window, small_demo_cache, tmp_path):
    window = open_window(small_demo_cache)
    dock = window.job_order_dock
    # The starting state: the postings layer shown, a posting in view.
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
        window.layers_panel.rows["postings"].visible.setChecked(True)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    posting_id, x, y = _posting(window.con)
    m = window.map
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.set_extent((x - 2_000, y - 1_500, x + 2_000, y + 1_500))
    actions = 0

    # 1. click the posting (it sits on its company's point): the company shows in the
    # details pane with the posting selected
    pos = m.mapFromScene(m.vb.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(m.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    actions += 1
    find = window.company_detail.findChild(QPushButton, "findCandidates")
    assert find.isVisible() and find.text() == "Find kandidater til opslaget"

    # 2. "Find kandidater": the order is prefilled from the posting and matched
    with qtbot.waitSignal(dock.matched, timeout=30_000) as matched:
        qtbot.mouseClick(find, Qt.MouseButton.LeftButton)
    actions += 1
    result = matched.args[0]
    order = window.workspace.job_order
    assert order.source_posting_id == posting_id and order.occupation_codes
    assert result.total_eligible >= 5 and dock.isVisible()

    # 3-4. the five best: click the first row, shift-click the fifth
    table = dock.results.table
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(table.model().index(0, 2)).center(),
    )
    actions += 1
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        table.visualRect(table.model().index(4, 2)).center(),
    )
    actions += 1
    # 5. onto the shortlist
    qtbot.mouseClick(dock.results.add_button, Qt.MouseButton.LeftButton)
    actions += 1
    entries = dock.shortlist.shortlist.entries
    assert [e.candidate_id for e in entries] == [i.candidate_id for i in result.items[:5]]

    # 6. a note for the company on the first candidate
    note = dock.shortlist.rows[0].note
    qtbot.keyClicks(note, "Har arbejdet i en lignende virksomhed")
    actions += 1

    # 7-8. export, choose the folder
    qtbot.mouseClick(dock.shortlist.export_button, Qt.MouseButton.LeftButton)
    actions += 1
    dialog = dock.findChild(QFileDialog, "shortlistExportDialog")
    assert dialog is not None and dialog.isVisible()
    out = tmp_path / "til-virksomheden"
    out.mkdir()
    with qtbot.waitSignal(dock.exported, timeout=30_000) as exported:
        dialog.setDirectory(str(out))
        dialog.selectFile(str(out))
        dialog.accept()
    actions += 1

    assert actions == 8 <= GOAL
    pdf, table_file = exported.args[0]
    assert pdf.parent == out and pdf.is_file() and table_file.suffix == ".xlsx"
    pages = [p.extract_text() for p in PdfReader(pdf).pages]
    assert len(pages) == 1 + 5  # the overview, then five profile sheets
    flat = [" ".join(p.split()) for p in pages]
    for n, entry in enumerate(entries, start=1):
        assert f"Kandidatprofil {n}" in flat[n] and entry.candidate_id in flat[n]
    assert "Har arbejdet i en lignende virksomhed" in flat[1]
    company = window.con.execute(
        "SELECT name FROM companies WHERE cvr = ? ORDER BY pnr IS NOT DISTINCT FROM ? DESC, pnr "
        "NULLS FIRST LIMIT 1",
        [order.cvr, order.pnr],
    ).fetchone()[0]
    assert f"Kandidatforslag — {company}" in flat[0] and order.title in flat[0]
    sheet = openpyxl.load_workbook(table_file)["shortlist"]
    ids = [row[1] for row in list(sheet.values)[1:]]
    assert ids == [e.candidate_id for e in entries]
    # the sent list is kept with its (now saved) order: ids, jobcenter and reason only
    saved = window.workspace.job_order
    assert saved.id and saved.source_posting_id == posting_id
    kept = window.con.execute(
        "SELECT candidate_id, reason FROM job_order_candidates WHERE job_order_id = ?", [saved.id]
    ).fetchall()
    assert sorted(kept) == sorted((e.candidate_id, "kandidatforslag") for e in entries)
