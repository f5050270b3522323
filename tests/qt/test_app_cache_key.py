"""The window refuses a cache it cannot decrypt, and a plain cache, in Danish (issue #15)."""

from __future__ import annotations

from workbench.core import cache, keys
from workbench.core.config import load_settings


def _refusals(monkeypatch) -> list[str]:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **_k: shown.append(a[2]))
    return shown


def test_a_wrong_key_is_refused_in_danish(qtbot, tmp_path, monkeypatch):
    from workbench.qt.app import start_gui

    path = tmp_path / "c.duckdb"
    cache.connect(path).close()
    monkeypatch.setenv(keys.KEY_ENV, "not-the-key")
    shown = _refusals(monkeypatch)
    assert start_gui(path, settings=load_settings(), lang="da") is None
    assert len(shown) == 1
    assert "nøglen mangler eller passer ikke" in shown[0] and keys.KEY_ENV in shown[0]
    assert "not-the-key" not in shown[0]


def test_a_plain_cache_is_refused_with_the_command_that_encrypts_it(qtbot, tmp_path, monkeypatch):
    from workbench.qt.app import start_gui

    path = tmp_path / "plain.duckdb"
    cache.connect(path, _unencrypted=True).close()
    shown = _refusals(monkeypatch)
    assert start_gui(path, settings=load_settings(), lang="da") is None
    assert len(shown) == 1
    assert "ikke krypteret" in shown[0] and f"workbench cache encrypt --cache {path}" in shown[0]
