"""``run_gui``: language from settings, first start on an empty cache."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from workbench.core.config import load_settings
from workbench.qt import i18n


def _quit_when_window_idle(qapp, seen: list) -> None:
    from workbench.qt.main_window import MainWindow

    windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    if windows and windows[0].is_idle():
        seen.append(windows[0].windowTitle())
        qapp.quit()
    else:
        QTimer.singleShot(20, lambda: _quit_when_window_idle(qapp, seen))


def test_first_start_refresh_choice_names_the_command(qapp, tmp_path, monkeypatch):
    import workbench.qt.first_start as fs
    from workbench.qt.app import run_gui

    asked, hinted, seen = [], [], []
    monkeypatch.setattr(fs, "ask_first_start", lambda parent, path: asked.append(path) or "refresh")
    monkeypatch.setattr(fs, "show_refresh_hint", lambda parent, path: hinted.append(path))
    path = tmp_path / "empty.duckdb"
    QTimer.singleShot(0, lambda: _quit_when_window_idle(qapp, seen))
    assert run_gui(path, settings=load_settings(), lang=None) == 0
    assert asked == [path] and hinted == [path]
    assert seen and seen[0].startswith("Jobkort")
    assert i18n.language() == "da"


def test_language_from_settings_and_flag():
    assert i18n.resolve_language(None, "en") == "en"
    assert i18n.resolve_language("da", "en") == "da"
    assert i18n.resolve_language(None, "fr") == "da"
    assert i18n.resolve_language(None, None) == "da"


def test_every_message_has_both_languages():
    assert set(i18n.TEXTS["da"]) == set(i18n.TEXTS["en"])


def test_refresh_hint_names_the_command():
    i18n.set_language("da")
    text = i18n.tr("first.refresh_text", command="workbench refresh --cache X")
    assert "workbench refresh --cache X" in text
