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


def test_gis_export_of_the_windows_filter_runs_off_the_gui_thread(window, qtbot, tmp_path) -> None:
    import geopandas as gpd

    from workbench.qt.gis_export import start_gis_export

    window.workspace.set_filter(Filter(municipalities=("0851",)))
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    out = tmp_path / "aalborg.gpkg"
    start_gis_export(window, "companies", out)
    qtbot.waitUntil(lambda: window.gis_export_done is not None, timeout=30_000)
    gdf = gpd.read_file(out, layer="companies")
    placed = window.con.execute(
        "SELECT count(*) FROM companies WHERE kommune_kode = '0851' AND x IS NOT NULL"
    ).fetchone()[0]
    assert len(gdf) == placed > 0 and set(gdf["kommune_kode"]) == {"0851"}
    assert "eksporteret til aalborg.gpkg" in window.statusBar().currentMessage()


def test_imported_districts_appear_as_saved_selections_that_filter(window, qtbot, tmp_path) -> None:
    import geopandas as gpd
    import shapely

    from workbench.qt.gis_export import import_area_file

    wkb = window.con.execute("SELECT geom FROM municipalities WHERE kode = '0851'").fetchone()[0]
    aalborg = shapely.from_wkb(bytes(wkb))
    src = tmp_path / "distrikter.gpkg"
    gpd.GeoDataFrame({"navn": ["Aalborg"]}, geometry=[aalborg], crs="EPSG:25832").to_file(src)
    assert import_area_file(window, src) == ["distrikter: Aalborg"]
    combo = window.map_view.saved_combo
    assert combo.findText("distrikter: Aalborg") >= 0
    window.load_saved_selection("distrikter: Aalborg")
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    outside = window.con.execute(
        "SELECT count(*) FROM companies WHERE kommune_kode <> '0851' AND x IS NOT NULL"
    ).fetchone()[0]
    total = window.con.execute("SELECT count(*) FROM companies WHERE x IS NOT NULL").fetchone()[0]
    shown = window.models["companies"].rowCount()
    assert 0 < shown <= total - outside + 5  # Aalborg's companies (boundary points aside)
