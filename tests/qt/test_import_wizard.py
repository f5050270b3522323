"""The import wizard, offscreen: file -> preview -> mapping (profile) -> run -> summary."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.core.imports.import_filegen import CANDIDATE_HEADER, candidate, write_csv
from workbench.core import cache

pytest.importorskip("PySide6")


@pytest.fixture
def wizard(qtbot, cache_path: Path):
    from workbench.qt.import_wizard import ImportWizard

    w = ImportWizard(cache_path)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.done(0)


def _candidates(con_path: Path) -> list[tuple]:
    con = cache.connect(con_path)
    try:
        return con.execute(
            "SELECT candidate_id, occupation_codes FROM candidates ORDER BY 1"
        ).fetchall()
    finally:
        con.close()


def _run_to_summary(qtbot, wizard) -> None:
    wizard.next()  # mapping -> confirmation
    assert wizard.currentPage() is wizard.confirm_page
    with qtbot.waitSignal(wizard.importFinished, timeout=30_000):
        wizard.next()  # confirmation -> run page starts the import
    qtbot.waitUntil(wizard.run_page.isComplete, timeout=5_000)
    wizard.next()


def test_full_import_with_preview_mapping_and_rejects(
    qtbot, wizard, cache_path: Path, tmp_path: Path
) -> None:
    rows = [
        candidate("A1", occupations="Kok"),
        candidate("A2", target="Jobparat ø"),
        candidate("A3", since="bad"),
        candidate("A4", occupations="Bager"),
    ]
    f = write_csv(tmp_path / "ledige.csv", CANDIDATE_HEADER, rows, encoding="cp1252")
    wizard.file_page.path_edit.setText(str(f))
    wizard.next()
    assert wizard.currentPage() is wizard.preview_page
    table = wizard.preview_page.table
    assert table.rowCount() == 4 and table.columnCount() == len(CANDIDATE_HEADER)
    assert table.item(2, 0).text() == "A3" and table.verticalHeaderItem(2).text() == "4"
    assert (
        "cp1252" in wizard.preview_page.info.text()
        and "semikolon" in wizard.preview_page.info.text()
    )
    wizard.next()
    assert wizard.currentPage() is wizard.mapping_page
    assert wizard.mapping_page.combos["borger_id"].currentText() == "borger_id"
    assert wizard.mapping_page.combos["adresse"].currentData() == ""
    wizard.next()  # mapping -> confirmation
    with qtbot.waitSignal(wizard.importFinished, timeout=30_000):
        wizard.next()  # confirmation -> run page starts the import
    qtbot.waitUntil(wizard.run_page.isComplete, timeout=5_000)
    # The table shows what was kept in the encrypted rejects file, not the run's memory.
    wizard.summary.rejects = []
    wizard.next()
    page = wizard.summary_page
    assert wizard.currentPage() is page
    assert "3 ledige indlæst for 0101; 1 rækker afvist" in page.counts.text()
    assert (
        f"Afviste rækker er gemt krypteret i {cache_path}.rejects.duckdb "
        f"(kørsel {wizard.summary.run_id})" in page.counts.text()
    )
    assert page.rejects.rowCount() == 1
    assert [page.rejects.item(0, c).text() for c in range(4)] == [
        "4",
        "ledig_siden",
        "bad",
        "ikke en dato (dd-mm-åååå eller åååå-mm-dd)",
    ]
    assert "Bager (1)" in page.unresolved.text()
    assert _candidates(cache_path) == [("A1", ["5120"]), ("A2", ["5120"]), ("A4", [])]


def test_refused_file_keeps_the_user_on_the_first_page_with_a_danish_message(
    wizard, tmp_path: Path
) -> None:
    f = tmp_path / "tom.csv"
    f.write_bytes(b"")
    wizard.file_page.path_edit.setText(str(f))
    wizard.next()
    assert wizard.currentPage() is wizard.file_page
    assert wizard.file_page.error.text() == "tom.csv er tom"


def test_mapping_saved_as_profile_and_reused(
    qtbot, wizard, cache_path: Path, tmp_path: Path
) -> None:
    from workbench.qt.import_wizard import ImportWizard

    f = write_csv(tmp_path / "crm.csv", ["Ref", "Center", "Job"], [["K1", "0005", "kokkeelev"]])
    wizard.file_page.path_edit.setText(str(f))
    wizard.next()
    wizard.next()
    page = wizard.mapping_page
    # Nothing maps automatically: the required fields are missing, in Danish.
    wizard.next()
    assert wizard.currentPage() is page
    assert "mangler de påkrævede kolonner borger_id, jobcenter" in page.error.text()
    for field, header in (
        ("borger_id", "Ref"),
        ("jobcenter", "Center"),
        ("stillingsbetegnelser", "Job"),
    ):
        combo = page.combos[field]
        combo.setCurrentIndex(combo.findData(header))
    page.profile_name.setText("CRM ledige")
    _run_to_summary(qtbot, wizard)
    assert _candidates(cache_path) == [("K1", ["5120"])]
    # A second wizard offers the profile and pre-fills the mapping from it.
    second = ImportWizard(cache_path)
    qtbot.addWidget(second)
    second.show()
    combo = second.file_page.profile_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["(ingen profil)", "CRM ledige"]
    combo.setCurrentIndex(1)
    second.file_page.path_edit.setText(str(f))
    second.next()
    second.next()
    assert second.mapping_page.combos["borger_id"].currentText() == "Ref"
    assert second.mapping_page.profile_name.text() == "CRM ledige"
    second.done(0)


def test_cancel_button_stops_the_worker_and_leaves_the_cache(
    qtbot, wizard, cache_path: Path, tmp_path: Path, monkeypatch
) -> None:
    import workbench.qt.import_wizard as mod

    started = threading.Event()
    real = mod.import_file

    def slow_import(*args, cancel: threading.Event, **kwargs):
        started.set()
        assert cancel.wait(10), "the cancel button did not reach the worker"
        return real(*args, cancel=cancel, **kwargs)  # the core sees the flag and stops

    monkeypatch.setattr(mod, "import_file", slow_import)
    f = write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, [candidate("A1")])
    wizard.file_page.path_edit.setText(str(f))
    wizard.next()
    wizard.next()
    wizard.next()  # the confirmation
    with qtbot.waitSignal(wizard.importFinished, timeout=30_000) as blocker:
        wizard.next()
        assert started.wait(10)
        assert wizard.is_running()
        wizard.run_page.cancel_button.click()
    assert blocker.args == [None, "Indlæsningen blev annulleret."]
    assert not wizard.run_page.isComplete()
    assert "Cachen er uændret" in wizard.run_page.status.text()
    assert _candidates(cache_path) == []


def _to_confirmation(wizard, f: Path) -> None:
    wizard.file_page.path_edit.setText(str(f))
    wizard.next()
    wizard.next()
    wizard.next()
    assert wizard.currentPage() is wizard.confirm_page


def test_confirmation_names_the_existing_rows_that_will_be_replaced(
    qtbot, wizard, cache_path: Path, tmp_path: Path
) -> None:
    from workbench.core.imports import import_file

    first = write_csv(tmp_path / "a.csv", CANDIDATE_HEADER, [candidate(f"A{i}") for i in range(3)])
    import_file(cache_path, first, "candidates")
    f = write_csv(tmp_path / "b.csv", CANDIDATE_HEADER, [candidate("B1"), candidate("B2")])
    _to_confirmation(wizard, f)
    text = wizard.confirm_page.replace_label.text()
    assert "erstatter 3 eksisterende ledige (jobcenter 0101: 3)" in text
    assert wizard.confirm_page.isComplete() and not wizard.confirm_page.demo
    assert [r[0] for r in _candidates(cache_path)] == ["A0", "A1", "A2"]  # not yet replaced


def test_import_from_a_demo_window_starts_a_real_cache_and_switches_to_it(
    qtbot, monkeypatch, small_demo_cache: Path, tmp_path: Path
) -> None:
    # Issue #10: importing into a demo cache replaced the demo rows and kept the DEMODATA marks.
    from workbench.core.config import load_settings
    from workbench.qt.app import start_gui

    monkeypatch.setenv("WORKBENCH_NO_FIRST_START", "1")
    con = cache.connect(small_demo_cache)
    demo_before = con.execute("SELECT count(*) FROM candidates WHERE jobcenter = '0851'").fetchone()
    con.close()
    session = start_gui(small_demo_cache, settings=load_settings(), lang="da")
    try:
        qtbot.waitUntil(session.window.is_idle, timeout=30_000)
        wizard = session.window.open_import_wizard()
        rows = [candidate("R1", "851", kommune="851"), candidate("R2", "851", kommune="851")]
        _to_confirmation(wizard, write_csv(tmp_path / "aalborg.csv", CANDIDATE_HEADER, rows))
        page = wizard.confirm_page
        assert page.demo and not page.isComplete()  # the user has to agree first
        assert (
            "demodata" in page.demo_label.text() and "cache-data.duckdb" in page.demo_label.text()
        )
        page.new_cache_box.setChecked(True)
        with qtbot.waitSignal(wizard.importFinished, timeout=30_000) as finished:
            wizard.next()
        assert finished.args[1] is None, finished.args
        qtbot.waitUntil(wizard.run_page.isComplete, timeout=5_000)
        new_path = small_demo_cache.with_name("cache-data.duckdb")
        with qtbot.waitSignal(session.window.cacheSwitchRequested, timeout=10_000):
            wizard.done(0)
        assert session.cache_path == new_path and session.window.cache_path == new_path
        qtbot.waitUntil(session.window.is_idle, timeout=30_000)
        real = session.con
        assert not cache.is_demo(real)
        assert real.execute("SELECT candidate_id FROM candidates ORDER BY 1").fetchall() == [
            ("R1",),
            ("R2",),
        ]
        assert real.execute("SELECT count(*) FROM municipalities").fetchone() == (99,)
    finally:
        session.close()
    demo = cache.connect(small_demo_cache)
    try:  # the demo cache is as it was
        assert cache.is_demo(demo)
        assert (
            demo.execute("SELECT count(*) FROM candidates WHERE jobcenter = '0851'").fetchone()
            == demo_before
        )
    finally:
        demo.close()


def test_many_rejected_rows_ask_before_importing_anyway(
    qtbot, wizard, cache_path: Path, tmp_path: Path
) -> None:
    rows = [candidate(f"A{i}", since="32-01-2025" if i < 3 else "01-02-2025") for i in range(6)]
    f = write_csv(tmp_path / "ledige.csv", CANDIDATE_HEADER, rows)
    _to_confirmation(wizard, f)
    with qtbot.waitSignal(wizard.importFinished, timeout=30_000) as first:
        wizard.next()
    run = wizard.run_page
    assert first.args[0] is None and "3 af 6 rækker" in first.args[1]
    assert "første afviste række 2" in run.error.text()
    assert run.accept_button.isVisible() and run.ask.isVisible() and not run.isComplete()
    assert _candidates(cache_path) == []
    from PySide6.QtCore import Qt

    with qtbot.waitSignal(wizard.importFinished, timeout=30_000) as second:
        qtbot.mouseClick(run.accept_button, Qt.MouseButton.LeftButton)
    assert second.args[1] is None and not run.accept_button.isVisible()
    qtbot.waitUntil(run.isComplete, timeout=5_000)
    wizard.next()
    assert "3 ledige indlæst for 0101; 3 rækker afvist" in wizard.summary_page.counts.text()
    assert [c[0] for c in _candidates(cache_path)] == ["A3", "A4", "A5"]
