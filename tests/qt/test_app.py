"""Starting the GUI: language from settings, first start on an empty cache."""

from __future__ import annotations

from workbench.core.config import load_settings
from workbench.qt import i18n


def test_first_start_refresh_choice_opens_the_refresh_dialog(qtbot, tmp_path, monkeypatch):
    import workbench.qt.first_start as fs
    from workbench.qt.app import start_gui
    from workbench.qt.main_window import MainWindow

    asked, opened = [], []
    monkeypatch.setattr(fs, "ask_first_start", lambda parent, path: asked.append(path) or "refresh")
    monkeypatch.setattr(MainWindow, "open_refresh_dialog", lambda self: opened.append(self))
    path = tmp_path / "empty.duckdb"
    session = start_gui(path, settings=load_settings(), lang=None)
    try:
        assert asked == [path] and opened == [session.window]
        qtbot.waitUntil(session.window.is_idle, timeout=30_000)
        assert session.window.windowTitle().startswith("Jobkort")
        assert i18n.language() == "da"
    finally:
        session.close()


def test_language_switch_replaces_the_window(qtbot, small_demo_cache, monkeypatch):
    from workbench.qt.app import start_gui

    session = start_gui(small_demo_cache, settings=load_settings(), lang="da")
    try:
        first = session.window
        qtbot.waitUntil(first.is_idle, timeout=30_000)
        first.languageRequested.emit("en")
        assert session.window is not first
        qtbot.waitUntil(session.window.is_idle, timeout=30_000)
        assert session.window.tabs.tabText(0).startswith("Candidates")
    finally:
        session.close()


def test_language_from_settings_and_flag():
    assert i18n.resolve_language(None, "en") == "en"
    assert i18n.resolve_language("da", "en") == "da"
    assert i18n.resolve_language(None, "fr") == "da"
    assert i18n.resolve_language(None, None) == "da"


def test_every_message_has_both_languages():
    assert set(i18n.TEXTS["da"]) == set(i18n.TEXTS["en"])


def test_a_wrong_cache_path_is_refused_in_the_window(qtbot, tmp_path, monkeypatch):
    # Issue #10: the window opened `--cache some.csv`, offered a demo and lost the work.
    from PySide6.QtWidgets import QMessageBox

    from workbench.qt.app import start_gui

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **_k: shown.append(a[2]))
    path = tmp_path / "some.csv"
    assert start_gui(path, settings=load_settings(), lang="da") is None
    assert len(shown) == 1 and "er ikke en Jobkort-cache" in shown[0] and str(path) in shown[0]
    assert not path.exists()
