"""Filer > Indstillinger (issue #18): values with their origin, locked keys read-only, saving
only changed unlocked keys into the user's file, a bad value keeps the dialog open."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QMessageBox, QWidget

from workbench.core.config import load_settings
from workbench.qt.settings_dialog import SettingsDialog

MACHINE = """\
locked = ["user.role", "privacy.retention_days"]
[user]
role = "teamleder"
[http]
proxy = "http://proxy.kommune.dk:8080"
[basemap]
token = "keyring:jobkort/basemap"
"""
USER = "# mine indstillinger\n[http]\ntimeout_s = 12  # langsomt net\n"


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    machine, user = tmp_path / "machine.toml", tmp_path / "user.toml"
    machine.write_text(MACHINE, "utf-8")
    user.write_text(USER, "utf-8")
    monkeypatch.setenv("WORKBENCH_MACHINE_CONFIG", str(machine))
    monkeypatch.setenv("WORKBENCH_USER_CONFIG", str(user))
    return machine, user


def _dialog(qtbot, environ: dict[str, str] | None = None) -> SettingsDialog:
    dialog = SettingsDialog(load_settings(environ=environ or {}), Path("/data/cache.duckdb"))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _origin_text(dialog: SettingsDialog, key: str) -> str:
    box = dialog.findChild(QWidget, f"origin:{key}")
    return " ".join(label.text() for label in box.findChildren(QLabel) if label.text())


def test_rows_show_value_origin_and_lock(files, qtbot):
    machine, _ = files
    dialog = _dialog(
        qtbot, {"WORKBENCH__HTTP__RETRIES": "2", "WORKBENCH__CACHE__REFRESH_MEMORY_MB": "512"}
    )
    role = dialog.rows["user.role"].editor
    assert not role.isEnabled() and role.currentData() == "teamleder"
    assert "Låst af IT" in role.toolTip() and str(machine) in role.toolTip()
    assert dialog.findChild(QWidget, "origin:user.role").findChild(QLabel, "lock") is not None
    assert _origin_text(dialog, "user.role") == "maskinens konfiguration · låst af IT"
    assert not dialog.rows["privacy.retention_days"].editor.isEnabled()
    proxy = dialog.rows["http.proxy"].editor
    assert proxy.isEnabled() and proxy.text() == "http://proxy.kommune.dk:8080"
    assert dialog.findChild(QWidget, "origin:http.proxy").findChild(QLabel, "lock") is None
    assert _origin_text(dialog, "http.proxy") == "maskinens konfiguration"
    assert _origin_text(dialog, "http.timeout_s") == "din konfiguration"
    assert _origin_text(dialog, "user.name") == "standard"
    memory = dialog.rows["cache.refresh_memory_mb"].editor  # the environment wins: read-only
    assert _origin_text(dialog, "cache.refresh_memory_mb") == "miljøvariabel"
    assert not memory.isEnabled() and "WORKBENCH__CACHE__REFRESH_MEMORY_MB" in memory.toolTip()
    token = dialog.rows["basemap.token"].editor
    assert token.text() == "keyring:jobkort/basemap"
    hint = dialog.findChild(QLabel, "reference:basemap.token")
    assert hint.text().startswith("reference: keyring:jobkort/basemap")
    assert dialog.rows["cache.path"].editor.text() == "/data/cache.duckdb"
    assert "plugins.jobnet.base_url" in dialog.rows
    # the team store's connection (issue #18), empty by default: no team store
    assert dialog.rows["store.shared"].editor.text() == ""
    assert _origin_text(dialog, "store.shared") == "standard"
    assert "store.password" in dialog.rows


def test_saving_writes_only_changed_unlocked_keys(files, qtbot):
    _, user = files
    dialog = _dialog(qtbot)
    dialog.rows["http.proxy"].editor.setText("http://andet:3128")
    dialog.rows["privacy.retention_days"].editor.setText("5")  # locked: never read
    dialog.rows["plugins.jobnet.base_url"].editor.setText("http://127.0.0.1:8765")
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    text = user.read_text("utf-8")
    assert "# mine indstillinger" in text and "# langsomt net" in text
    data = tomllib.loads(text)
    assert data == {
        "http": {"timeout_s": 12, "proxy": "http://andet:3128"},
        "plugins": {"jobnet": {"base_url": "http://127.0.0.1:8765"}},
    }
    result = saved.args[0]
    assert set(result.written) == {"http.proxy", "plugins.jobnet.base_url"}
    assert result.restart_needed and "Genstart" in SettingsDialog.message(result)


def test_an_invalid_value_keeps_the_dialog_open_with_one_danish_line(files, qtbot):
    _, user = files
    dialog = _dialog(qtbot)
    dialog.rows["http.proxy"].editor.setText("http://andet:3128")
    dialog.rows["http.timeout_s"].editor.setText("snart")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisible()
    assert dialog.error.text() == "Timeout (sekunder): »snart« er ikke gyldig – brug et tal over 0"
    dialog.rows["http.timeout_s"].editor.setText("12")
    dialog.rows["user.jobcenter"].editor.setText("Aarhus")  # the core's check, in Danish
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.isVisible() and dialog.error.text().startswith(
        "Jobcenter (kommunekode): »Aarhus« er ikke gyldig – brug en kommunekode"
    )
    assert user.read_text("utf-8") == USER


def test_a_typed_reference_is_written_as_the_reference(files, qtbot, tmp_path):
    _, user = files
    secret = tmp_path / "token.txt"
    secret.write_text("rigtigt-token\n", "utf-8")
    dialog = _dialog(qtbot)
    token = dialog.rows["basemap.token"].editor
    qtbot.keyClicks(token, "x")  # typing marks the secret as changed
    token.clear()
    qtbot.keyClicks(token, f"file:{secret}")
    assert token.echoMode() == QLineEdit.EchoMode.Normal  # a reference is no secret
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save()
    text = user.read_text("utf-8")
    assert f'token = "file:{secret}"' in text and "rigtigt-token" not in text
    assert saved.args[0].settings.get("basemap.token") == "rigtigt-token"


def test_a_plain_secret_never_enters_the_widget(files, qtbot):
    dialog = _dialog(qtbot, {"WORKBENCH__BASEMAP__TOKEN": "hemmeligt"})
    token = dialog.rows["basemap.token"].editor
    assert token.text() == "" and "hemmeligt" not in token.placeholderText()
    assert token.echoMode() == QLineEdit.EchoMode.Password


def test_a_key_locked_while_the_dialog_is_open_is_not_written(files, qtbot):
    machine, user = files
    dialog = _dialog(qtbot)
    dialog.rows["http.proxy"].editor.setText("http://andet:3128")
    machine.write_text(MACHINE.replace('"user.role"', '"user.role", "http.proxy"'), "utf-8")
    dialog.save()
    assert dialog.isVisible()
    assert dialog.error.text() == "Proxy er netop blevet låst af IT; intet er gemt"
    assert user.read_text("utf-8") == USER


def test_the_file_menu_opens_it_and_the_window_takes_the_saved_values(window, qtbot, monkeypatch):
    from workbench.qt.menus import open_settings

    file_menu = window.menuBar().actions()[0].menu()
    assert window.settings_action in file_menu.actions()
    assert window.settings_action.text() == "&Indstillinger…"
    dialog = open_settings(window)
    qtbot.addWidget(dialog)
    dialog.rows["http.timeout_s"].editor.setText("7,5")  # a Danish decimal comma
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert window.settings.get("http.timeout_s") == 7.5
    assert window.settings.origin("http.timeout_s") == "user"
    assert "Genstart Jobkort" in window.statusBar().currentMessage()
    box = window.findChild(QMessageBox, "settingsSaved")
    assert box is not None and "Genstart" in box.text()
    box.close()
    again = open_settings(window)  # shows the saved value, not the one from the start
    qtbot.addWidget(again)
    assert again.rows["http.timeout_s"].editor.text() == "7.5"
    again.close()


def test_the_team_store_is_shown_when_configured_its_password_never(files, qtbot):
    _, user = files
    # a URL holding a password is refused by the loader; the password has its own key
    user.write_text(
        '[store]\nshared = "postgresql://teamlager.kommune.dk/jobkort"\n'
        'user = "jk"\npassword = "hemmelig"\n'
    )
    dialog = _dialog(qtbot)
    assert dialog.findChild(QWidget, "group:store") is not None
    assert dialog.rows["store.shared"].editor.text() == "postgresql://teamlager.kommune.dk/jobkort"
    assert _origin_text(dialog, "store.shared") == "din konfiguration"
    password = dialog.rows["store.password"].editor
    assert password.text() == "" and password.echoMode() == QLineEdit.EchoMode.Password
    assert "hemmelig" not in repr([w.text() for w in dialog.findChildren(QLineEdit)])
