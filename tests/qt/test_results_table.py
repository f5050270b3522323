"""The result tables in the real window (issue #10): sort by a header click off the GUI
thread, Ctrl+C for Excel, "Eksportér tabel", the qualification, licence and distance
columns, and the reason an empty result is empty."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QGuiApplication

from tests.qt.test_main_window import wait_applied
from workbench.core.filters import Filter, Range
from workbench.core.query import count, rows_by_rid
from workbench.layers.selection import Selection

TODAY = date(2026, 11, 1)


def column(model, key: str) -> int:
    return [c.key for c in model.columns].index(key)


def click_header(qtbot, view, section: int) -> None:
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def sort_by_header(qtbot, window, entity: str, key: str) -> Qt.SortOrder:
    view = window.tables[entity]
    section = column(window.models[entity], key)
    view.scrollTo(window.models[entity].index(0, section))
    with qtbot.waitSignal(window.results.sorted, timeout=30_000):
        click_header(qtbot, view, section)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert view.horizontalHeader().sortIndicatorSection() == section
    return view.horizontalHeader().sortIndicatorOrder()


def values(con, entity: str, rids: np.ndarray, name: str) -> list:
    rows = rows_by_rid(con, entity, rids, columns=[name])
    assert len(rows) == len(rids)
    return [r[name] for r in rows]


def assert_monotonic(vals: list, descending: bool) -> None:
    present = [v for v in vals if v is not None]
    assert present, "nothing to compare"
    # empty values come last in both directions
    assert all(v is None for v in vals[len(present) :])
    assert present == sorted(present, reverse=descending)


def test_header_click_sorts_without_reading_rows_on_the_gui_thread(qtbot, window):
    model = window.models["companies"]
    before = model.rids().copy()
    order = sort_by_header(qtbot, window, "companies", "employees")
    descending = order == Qt.SortOrder.DescendingOrder
    assert descending  # the largest employers first: what a consultant looks for
    after = model.rids()
    np.testing.assert_array_equal(np.sort(after), np.sort(before))  # the same rows
    assert_monotonic(values(window.con, "companies", after, "employees"), descending)
    # The GUI thread read only the pages the view shows, not the table.
    assert model.fetched_rows <= 2 * model.PAGE

    # The other direction: a second click.
    order2 = sort_by_header(qtbot, window, "companies", "employees")
    assert order2 != order
    assert_monotonic(values(window.con, "companies", model.rids(), "employees"), not descending)


def test_text_columns_sort_danish_and_case_insensitive(qtbot, window):
    order = sort_by_header(qtbot, window, "companies", "name")
    names = values(window.con, "companies", window.models["companies"].rids(), "name")
    danish = str.maketrans("æøå", "{|}")  # æ, ø, å after z
    key = [n.lower().translate(danish) for n in names if n is not None]
    assert key == sorted(key, reverse=order == Qt.SortOrder.DescendingOrder)


def test_sort_holds_for_the_next_filter_and_keeps_the_selection(qtbot, window):
    model = window.models["candidates"]
    window.select_row("candidates", 5)
    chosen = int(model.rids()[5])
    order = sort_by_header(qtbot, window, "candidates", "days")
    # the selected candidate stays selected at its new place
    assert int(model.rids()[window.selected_row("candidates")]) == chosen
    code = window.con.execute(
        "SELECT code FROM candidate_occupations GROUP BY code ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    result = wait_applied(qtbot, window, lambda: window.filters.occupation.add(code))
    assert 0 < model.rowCount() == count(window.con, "candidates", result.flt, strict=False)
    days_col = column(model, "days")
    days = [model.data(model.index(r, days_col)) for r in range(model.rowCount())]
    days = [int(d) if d else None for d in days]
    assert_monotonic(days, order == Qt.SortOrder.DescendingOrder)


def test_ctrl_c_copies_selected_rows_tab_separated(qtbot, window):
    view = window.tables["candidates"]
    model = window.models["candidates"]
    QGuiApplication.clipboard().clear()
    selection = QItemSelection(model.index(2, 0), model.index(4, model.columnCount() - 1))
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().split("\r\n")
    assert lines[-1] == ""  # Excel wants a line break after the last row
    shown = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]
    assert lines[0].split("\t") == [model.headerData(c, Qt.Orientation.Horizontal) for c in shown]
    assert lines[0].startswith("Kandidat\tKommune\tStillinger\tKvalifikationer\tKørekort")
    for i, row in enumerate((2, 3, 4)):
        assert lines[1 + i].split("\t") == [model.data(model.index(row, c)) for c in shown]
    assert len(lines) == 5
    assert "3 rækker" in window.busy_label.text()


def test_export_table_as_xlsx_and_csv_from_documents(qtbot, window, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(tmp_path)  # the program's folder must not be where the dialog opens
    wait_applied(qtbot, window, lambda: window.filters.emp_min.setValue(20))
    window.tabs.setCurrentIndex(1)
    model = window.models["companies"]
    n = model.rowCount()
    assert 0 < n < count(window.con, "companies", Filter())

    dialog = window.ask_export_table()
    try:
        assert Path(dialog.directory().absolutePath()) == home / "Documents"
        target = home / "Documents" / "virksomheder.xlsx"
        with qtbot.waitSignal(window.results.exported, timeout=30_000) as blocker:
            dialog.selectFile(str(target))
            dialog.accept()
    finally:
        dialog.close()
    assert blocker.args == [(target, n), None]
    sheet = load_workbook(target, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    shown = [
        c for c in range(model.columnCount()) if not window.tables["companies"].isColumnHidden(c)
    ]
    assert list(rows[0]) == [model.headerData(c, Qt.Orientation.Horizontal) for c in shown]
    assert len(rows) == n + 1
    name_col, emp_col = column(model, "name"), column(model, "employees")
    assert [r[shown.index(name_col)] for r in rows[1:4]] == [
        model.data(model.index(i, name_col)) for i in range(3)
    ]
    assert all(isinstance(r[shown.index(emp_col)], int) for r in rows[1:])  # typed numbers

    out = tmp_path / "virksomheder.csv"
    with qtbot.waitSignal(window.results.exported, timeout=30_000):
        window.results.export("companies", out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Danish Excel: UTF-8 with BOM
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    assert table[0][0] == "Navn" and len(table) == n + 1


def test_qualifications_and_licences_are_shown(window):
    model = window.models["candidates"]
    row = next(
        r
        for r in range(model.rowCount())
        if model.row_dict(r)["qualification_codes"] and model.row_dict(r)["driving_licences"]
    )
    data = model.row_dict(row)
    titles = dict(window.con.execute("SELECT code, title FROM qualifications").fetchall())
    shown = model.data(model.index(row, column(model, "qualifications")))
    assert shown == ", ".join(titles.get(c, c) for c in data["qualification_codes"])
    assert model.data(model.index(row, column(model, "licences"))) == ", ".join(
        sorted(data["driving_licences"])
    )
    assert model.headerData(column(model, "licences"), Qt.Orientation.Horizontal) == "Kørekort"


def test_distance_to_the_selection_centre(qtbot, window):
    view = window.tables["companies"]
    model = window.models["companies"]
    dist = column(model, "distance")
    assert view.isColumnHidden(dist)  # no selection: nothing to measure from
    cx, cy = 575_000.0, 6_220_000.0
    wait_applied(qtbot, window, lambda: window.set_selection(Selection.radius(cx, cy, 40_000)))
    assert not view.isColumnHidden(dist)
    assert model.headerData(dist, Qt.Orientation.Horizontal) == "Afstand (km)"
    # hidden since the window opened, it still gets room for its title
    assert view.columnWidth(dist) >= view.horizontalHeader().sectionSizeHint(dist)
    for row in (0, model.rowCount() - 1):
        data = model.row_dict(row)
        km = np.hypot(data["x"] - cx, data["y"] - cy) / 1000
        assert model.data(model.index(row, dist)) == f"{km:.1f}".replace(".", ",")
    order = sort_by_header(qtbot, window, "companies", "distance")
    rids = model.rids()
    xy = window.con.execute(
        "SELECT rid, x, y FROM companies WHERE rid IN (SELECT unnest(?::BIGINT[]))",
        [rids.tolist()],
    ).fetchnumpy()
    d = dict(zip(xy["rid"].tolist(), np.hypot(xy["x"] - cx, xy["y"] - cy).tolist(), strict=True))
    got = [d[int(r)] for r in rids]
    assert got == sorted(got, reverse=order == Qt.SortOrder.DescendingOrder)
    assert max(got) <= 40_000
    wait_applied(qtbot, window, window.clear_selection)
    assert view.isColumnHidden(dist)


def test_empty_result_says_which_filter_removed_the_most(qtbot, window):
    code = window.con.execute(
        "SELECT code FROM candidate_occupations GROUP BY code ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    flt = Filter(today=TODAY, occupations=(code,), unemployed_days=Range(20_000, None))
    result = wait_applied(qtbot, window, lambda: window.apply_filter(flt))
    assert window.models["candidates"].rowCount() == 0
    without = count(window.con, "candidates", flt.with_(unemployed_days=None), strict=False)
    assert without > 0
    n = f"{without:,}".replace(",", ".")
    expected = (
        "Ingen ledige matcher filtrene. Filteret »Ledighed (dage)« fjerner flest: "
        f"uden det ville {n} ledige matche."
    )
    assert result.empty_reasons["candidates"].criterion == "unemployed_days"
    assert window.tables["candidates"].empty_text == expected
    # The histogram shows the other filters' matches: not blank here, so it keeps its bars
    # (they show where to put the range) and says why on hover.
    assert window.filters.histogram.counts.sum() == without
    assert window.filters.histogram.message is None
    assert window.filters.histogram.toolTip() == expected
    # companies are not touched by these criteria: not empty, no reason
    assert window.models["companies"].rowCount() > 0
    assert window.tables["companies"].empty_text == ""

    wait_applied(qtbot, window, lambda: window.apply_filter(Filter(today=TODAY)))
    assert window.filters.histogram.message is None
    assert window.tables["candidates"].empty_text == ""


def test_blank_histogram_gives_way_to_the_reason(qtbot, window):
    """Occupation and municipality each match, together nothing: the histogram (of the
    matches but for the duration range) would be blank, so the reason takes its place."""
    code, kode = window.con.execute(
        "WITH occ AS (SELECT code FROM candidate_occupations GROUP BY code "
        "ORDER BY count(*) DESC LIMIT 40), "
        "mun AS (SELECT kommune_kode AS kode FROM candidates GROUP BY 1) "
        "SELECT occ.code, mun.kode FROM occ, mun WHERE NOT EXISTS (SELECT 1 FROM candidates c "
        "JOIN candidate_occupations o ON o.rid = c.rid WHERE starts_with(o.code, occ.code) "
        "AND c.kommune_kode = mun.kode) ORDER BY 1, 2 LIMIT 1"
    ).fetchone()
    flt = Filter(today=TODAY, occupations=(code,), municipalities=(kode,))
    result = wait_applied(qtbot, window, lambda: window.apply_filter(flt))
    assert window.models["candidates"].rowCount() == 0
    assert window.filters.histogram.counts.sum() == 0
    counts = {
        name: count(window.con, "candidates", flt.with_(**{name: ()}), strict=False)
        for name in ("occupations", "municipalities")
    }
    best = max(counts, key=counts.get)
    assert result.empty_reasons["candidates"].criterion == best
    label = {"occupations": "Stilling", "municipalities": "Kommune"}[best]
    n = f"{counts[best]:,}".replace(",", ".")
    expected = (
        f"Ingen ledige matcher filtrene. Filteret »{label}« fjerner flest: "
        f"uden det ville {n} ledige matche."
    )
    assert window.filters.histogram.message == expected
    assert window.tables["candidates"].empty_text == expected


@pytest.mark.parametrize("lang", ["en"])
def test_empty_reason_in_english(qtbot, open_window, small_demo_cache, lang):
    window = open_window(small_demo_cache, lang=lang)
    flt = Filter(today=TODAY, employees=Range(1_000_000, None))
    wait_applied(qtbot, window, lambda: window.apply_filter(flt))
    assert window.tables["companies"].empty_text.startswith(
        "No companies match the filters. The filter “Employees” removes the most"
    )


def test_export_the_not_placed_tab(qtbot, open_window, small_demo_cache, tmp_path):
    from tests.qt.test_window_integration import _unplace

    pnrs = _unplace(small_demo_cache, 4)
    window = open_window(small_demo_cache)
    window.tabs.setCurrentIndex(2)
    dialog = window.ask_export_table()
    try:
        assert dialog.selectedFiles()[0].endswith(
            f"jobkort-ikke-placeret-{date.today():%Y%m%d}.xlsx"
        )
        target = tmp_path / "ikke-placeret.csv"
        with qtbot.waitSignal(window.results.exported, timeout=30_000) as blocker:
            dialog.selectFile(str(target))
            dialog.accept()
    finally:
        dialog.close()
    assert blocker.args == [(target, 4), None]
    with target.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    assert table[0] == ["Navn", "CVR", "P-nr.", "Adresse", "Kommune", "Årsag"]
    assert {row[2] for row in table[1:]} == set(pnrs)


def test_header_click_while_a_filter_runs_ends_sorted(qtbot, window):
    """The sort job works on the old rows; the filter's rows arrive later (not yet sorted by
    the new key) and are sorted again: the table ends up sorted either way."""
    model = window.models["companies"]
    section = column(model, "employees")
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
        window.filters.emp_min.setValue(3)
        window.filters.emit_now()
        window.results.sort_by("companies", section, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.result.flt.employees == Range(3, None)
    assert model.rowCount() == count(window.con, "companies", window.result.flt, strict=False)
    emp = values(window.con, "companies", model.rids(), "employees")
    assert emp == sorted(emp, reverse=True) and min(emp) >= 3


def test_every_filter_criterion_has_a_name_in_both_languages():
    """The empty-result text names a Filter field: each one needs its words (a new filter
    field without them would show its message id to the user)."""
    from dataclasses import fields

    from workbench.core.why_empty import PARAMETER_FIELDS, RELAXED_TOGETHER
    from workbench.qt.i18n import TEXTS

    criteria = {
        RELAXED_TOGETHER.get(f.name, (f.name,))[0]
        for f in fields(Filter)
        if f.name not in PARAMETER_FIELDS
    }
    for lang in ("da", "en"):
        missing = sorted(c for c in criteria if f"criterion.{c}" not in TEXTS[lang])
        assert missing == [], (lang, missing)
