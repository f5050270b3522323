"""Help menu: About lists the sources with licence and last refresh; "Kopiér diagnose" puts a
report without personal data on the clipboard."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from workbench import __version__
from workbench.qt.menus import open_about


def test_about_dialog_shows_version_sources_and_licences(window, qtbot) -> None:
    dialog = open_about(window)
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert f"Jobkort workbench {__version__}" in text
    assert "Datakilder" in text and "Licens:" in text and "Senest opdateret: aldrig" in text
    names = [s.name for s in dialog.sources]
    assert names and all(name in text for name in names)
    dialog.close()


def test_copy_diagnose_puts_a_report_without_candidates_on_the_clipboard(window, qtbot) -> None:
    QApplication.clipboard().setText("")
    window.diagnose_action.trigger()  # collected off the GUI thread
    qtbot.waitUntil(lambda: "kopieret" in window.statusBar().currentMessage(), timeout=20_000)
    text = QApplication.clipboard().text()
    assert text.startswith("Jobkort workbench ") and "Sources:" in text
    ids = [
        r[0] for r in window.con.execute("SELECT candidate_id FROM candidates LIMIT 200").fetchall()
    ]
    assert ids and not any(i in text for i in ids)
    assert "kopieret" in window.statusBar().currentMessage()


def test_settings_locked_by_it_are_shown_as_locked(
    open_window, small_demo_cache, tmp_path, monkeypatch, qtbot
) -> None:
    machine = tmp_path / "machine.toml"
    machine.write_text(
        'locked = ["user.jobcenter", "ui.language"]\n[user]\njobcenter = "0851"\n'
        '[ui]\nlanguage = "da"\n',
        "utf-8",
    )
    monkeypatch.setenv("WORKBENCH_MACHINE_CONFIG", str(machine))
    window = open_window(small_demo_cache)
    assert window.settings.locked("user.jobcenter")
    dialog = open_about(window)
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert "user.jobcenter" in text and "0851 (låst af IT)" in text
    assert "user.role" in text and "konsulent (låst af IT)" not in text
    languages = next(a for a in window.menuBar().actions() if a.text() == "&Vis").menu()
    lang_menu = next(a.menu() for a in languages.actions() if a.menu() is not None)
    assert "låst af IT" in lang_menu.title()
    assert [a.isEnabled() for a in lang_menu.actions()] == [True, False]  # Dansk, English
    dialog.close()
