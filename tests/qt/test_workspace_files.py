"""File → Gem/Åbn arbejdsområde in the real window: the filter panels, map view and layers
come back; a broken file changes nothing."""

from __future__ import annotations

from pathlib import Path

from workbench.core.filters import Filter
from workbench.core.session import workspace_file as wf
from workbench.qt.workspace_files import open_workspace, save_workspace


def test_save_then_open_restores_filter_view_and_layers(window, qtbot, tmp_path: Path) -> None:
    window.workspace.set_filter(Filter(occupations=("5120",), municipalities=("0851",)))
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    window.map.set_extent((540_000, 6_300_000, 570_000, 6_330_000), padding=0)
    window.workspace.layers.set_visible("postings", True)
    wanted_count = window.result.total if hasattr(window.result, "total") else None
    path = save_workspace(window, tmp_path / "min søgning")
    assert path.suffix == ".jobkort" and "gemt" in window.statusBar().currentMessage()

    window.workspace.set_filter(Filter())
    window.workspace.layers.set_visible("postings", False)
    window.map.reset_view()
    qtbot.waitUntil(window.is_idle, timeout=30_000)

    assert open_workspace(window, path)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.workspace.filter == Filter(occupations=("5120",), municipalities=("0851",))
    assert window.filters.current_filter().occupations == ("5120",)
    assert window.workspace.layers["postings"].visible
    saved_view = wf.load(path).view  # the extent shown (the map keeps its aspect ratio)
    assert saved_view is not None and saved_view[0] <= 540_000 and saved_view[2] >= 570_000
    for got, want in zip(window.map.view_extent(), saved_view, strict=True):
        assert abs(got - want) < 500
    if wanted_count is not None:
        assert window.result.total == wanted_count
    window.recent_menu.aboutToShow.emit()  # the menu fills when it opens
    assert window.recent_menu.actions()[0].text() == path.name


def test_a_broken_file_is_one_message_and_changes_nothing(
    window, qtbot, tmp_path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    before = window.workspace.filter
    bad = tmp_path / "bad.jobkort"
    bad.write_text("{not json", "utf-8")
    assert not open_workspace(window, bad)
    assert window.workspace.filter == before
    assert shown and shown[0].startswith("Arbejdsområdet kan ikke åbnes")
