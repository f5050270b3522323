"""Map readability (issue #10): a legend that leaves the map readable at the default size and
in exports, companies visible above candidates, exports at least 1600 px wide listing the
active filters under the map, and one note when the basemap lacks its token."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QLabel

from workbench.core.filters import Filter, Range
from workbench.qt import i18n
from workbench.qt.map.canvas import LAYER_STYLES, SEA, MapWidget
from workbench.qt.map.caption import filter_lines
from workbench.qt.map.export import MIN_WIDTH, render_sheet

MAX_LEGEND_SHARE = 0.12  # of the map's area


def legend_share(m) -> float:
    g = m.legend.geometry()
    return g.width() * g.height() / (m.width() * m.height())


def resize(qtbot, window, w, h):
    before = window.map.size()
    window.resize(w, h)
    qtbot.waitUntil(lambda: window.map.size() != before, timeout=5_000)
    qtbot.waitUntil(window.is_idle, timeout=30_000)


# -- draw order ---------------------------------------------------------------------------


def test_a_company_stays_visible_on_top_of_a_candidate(qtbot):
    m = MapWidget()
    qtbot.addWidget(m)
    m.resize(400, 300)
    m.show()
    qtbot.waitExposed(m)
    m.set_extent((0.0, 0.0, 4000.0, 3000.0))
    x0, y0 = 2000.0, 1500.0
    one = np.array([0])
    m.set_points("candidates", one, np.array([x0]), np.array([y0]), refresh=False)
    m.set_points("companies", one, np.array([x0]), np.array([y0]), refresh=False)
    m.refresh_layers()
    img = m.grab().toImage()
    at = m.mapFromScene(m.vb.mapViewToScene(QPointF(x0, y0)))
    company = np.array(LAYER_STYLES["companies"].color[:3])
    candidate = np.array(LAYER_STYLES["candidates"].color[:3])

    def pixel(x, y):
        c = QColor(img.pixel(x, y))
        return np.array([c.red(), c.green(), c.blue()])

    # the point's pixel may round either way: centre on the company-coloured pixels there
    near = [
        (at.x() + dx, at.y() + dy)
        for dx in range(-4, 5)
        for dy in range(-4, 5)
        if np.abs(pixel(at.x() + dx, at.y() + dy) - company).max() < 30
    ]
    assert near, "no company colour where the company is"
    cx = round(float(np.mean([p[0] for p in near])))
    cy = round(float(np.mean([p[1] for p in near])))

    def rgb(dx, dy):
        return pixel(cx + dx, cy + dy)

    # the company's colour in the middle, not the candidate's
    middle = [rgb(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    assert min(np.abs(c - company).max() for c in middle) < 30, middle
    half = m._sprites["companies"][0].shape[0] // 2
    footprint = [rgb(dx, dy) for dx in range(1 - half, half) for dy in range(1 - half, half)]
    assert all(np.abs(c - candidate).max() > 60 for c in footprint)
    # its dark outline sets it off from the candidate's disc below (a ring that differs
    # clearly from both fills; white rings turned dense town centres into white blobs)
    ring = [rgb(dx, dy) for dx, dy in ((half, 0), (-half, 0), (0, half), (0, -half))]
    assert all(np.abs(c - company).max() > 80 and np.abs(c - candidate).max() > 60 for c in ring), (
        ring
    )
    assert all(c.sum() < company.sum() - 100 for c in ring), ring
    # and a click there picks the company, the topmost layer
    assert m.hit(QPointF(x0, y0))[0] == "companies"
    m.shutdown()


# -- legend -------------------------------------------------------------------------------


def test_legend_leaves_the_map_readable_at_the_default_size(qtbot, window):
    m = window.map
    assert window.size().width() == 1400 and window.size().height() == 900  # the default
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    m._place_overlays()
    assert m.choropleth is not None and m.choropleth.title in m.legend.text()
    # shown in full, but within an eighth of the map
    assert m.legend.isVisible() and m.legend.expanded
    assert legend_share(m) <= MAX_LEGEND_SHARE, legend_share(m)
    # opened by the user on a small map: it scrolls rather than covering the map
    resize(qtbot, window, 1000, 650)
    assert not m.legend.expanded  # folded to its header, which is not cut off
    assert m.legend.width() >= m.legend.header_width()
    m.legend.set_expanded(True)
    assert m.legend.expanded
    assert legend_share(m) <= MAX_LEGEND_SHARE, legend_share(m)
    m.legend.user_expanded = None
    resize(qtbot, window, 1600, 1000)
    assert m.legend.expanded and legend_share(m) <= MAX_LEGEND_SHARE


# -- export -------------------------------------------------------------------------------

MAGENTA = QColor(255, 0, 255).rgb()


def test_export_is_wide_with_legend_and_filters_under_the_map(qtbot, window, tmp_path):
    m = window.map
    # paint the on-screen legend magenta: any magenta in the export is the legend over the map
    m.legend.setStyleSheet(m.legend.styleSheet().replace("rgba(255,255,255,228)", "rgb(255,0,255)"))
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
        window.filters.collaboration.setCurrentIndex(window.filters.collaboration.findData("any"))
        window.filters.emp_min.setValue(5)
        window.filters.emit_now()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert m.legend.isVisible()

    png = window.map_view.export_map(tmp_path / "kort.png")
    img = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)
    assert img.width() >= MIN_WIDTH == 1600
    arr = np.frombuffer(img.constBits(), np.uint32).reshape(img.height(), -1)[:, : img.width()]
    sea = QColor(*SEA).rgb() & 0xFFFFFF
    rows = np.flatnonzero(((arr & 0xFFFFFF) == sea).any(axis=1))
    map_area = img.width() * (rows[-1] - rows[0] + 1)
    legend_px = np.count_nonzero((arr & 0xFFFFFF) == (MAGENTA & 0xFFFFFF))
    assert legend_px / map_area <= MAX_LEGEND_SHARE  # not over the map
    assert legend_px == 0
    assert m.legend.isVisible()  # the window keeps its legend

    # the caption under the map: the legend and the filters behind it
    lines = window.map_view.active_filter_lines()
    assert "Samarbejde: Ethvert samarbejde" in lines and "Ansatte: mindst 5" in lines
    sheet = render_sheet(m, title="t", when=window.today, filters=lines)
    assert sheet.legend_rect.top() >= sheet.map_rect.bottom()
    assert sheet.filters_rect.top() >= sheet.map_rect.bottom()
    assert not sheet.legend_rect.intersects(sheet.filters_rect)
    for rect in (sheet.legend_rect, sheet.filters_rect):
        part = sheet.image.copy(rect).convertToFormat(QImage.Format.Format_RGB32)
        ink = np.frombuffer(part.constBits(), np.uint32) & 0xFFFFFF
        assert np.count_nonzero(ink != 0xFFFFFF) > 200  # text drawn there

    # the size asked for
    wide = QImage(str(window.map_view.export_map(tmp_path / "wide.png", width=2400)))
    assert wide.width() == 2400
    assert wide.height() > img.height()


def test_export_draws_points_at_its_own_resolution(qtbot, window):
    # an export twice the widget's width has symbols twice as large in pixels, drawn
    # afresh (not an enlarged screen grab): the frames are rendered at the export's size
    m = window.map
    frames = []
    m.layersRefreshed.connect(lambda: frames.append(m.items["candidates"].image.shape))
    render_sheet(m, title="t", when=window.today, width=2 * m.width())
    w, h = m.view_pixels()
    assert (2 * h, 2 * w, 4) in frames
    assert m.items["candidates"].image.shape[:2] == (h, w)  # back to the screen's frames


def test_filter_lines_in_both_languages():
    flt = Filter(
        occupations=("5120",),
        unemployed_days=Range(90, None),
        municipalities=("0751",),
        collaboration=("none",),
        employees=Range(5, 49),
    )
    titles = {"occupations": {"5120": "Kok"}, "municipalities": {"0751": "Aarhus"}}
    assert filter_lines(flt, titles) == [
        "Stilling: Kok",
        "Ledighed: mindst 90 dage",
        "Samarbejde: Intet samarbejde",
        "Ansatte: 5–49",
        "Kommune: Aarhus",
    ]
    assert filter_lines(Filter()) == ["Ingen filtre: alle ledige og virksomheder"]
    i18n.set_language("en")
    assert filter_lines(flt, titles)[:3] == [
        "Occupation: Kok",
        "Unemployed: at least 90 days",
        "Collaboration: No collaboration",
    ]


# -- basemap note -------------------------------------------------------------------------


def test_one_note_in_the_map_when_the_basemap_lacks_its_token(qtbot, window):
    m = window.map
    assert m.basemap is None
    # one note, in the map (the layers panel's basemap row says so too, in its own place)
    notes = [w for w in m.findChildren(QLabel) if "[basemap]" in w.text()]
    assert notes == [m.basemap_note] and m.basemap_note.isVisible()
    assert not [w for w in window.findChildren(QLabel) if w.isWindow()]  # not a dialog
    assert "WORKBENCH__BASEMAP__TOKEN" in m.basemap_note.toolTip()
    assert not m.basemap_note.geometry().intersects(m.legend.geometry())
    assert not m.basemap_note.geometry().intersects(m.scale_bar.geometry())
    # on a small map its short form, whole (x included) within the map
    resize(qtbot, window, 1000, 650)
    note = m.basemap_note.geometry()
    assert m.rect().contains(note) and "token" in m.basemap_note.text()
    assert not note.intersects(m.legend.geometry())
    # closed by its x, it stays closed when the map refreshes
    m.basemap_note.linkActivated.emit("close")
    assert not m.basemap_note.isVisible()
    with qtbot.waitSignal(m.layersRefreshed, timeout=10_000):
        m.request_refresh()
    assert not m.basemap_note.isVisible()


@pytest.mark.parametrize("lang", ["da", "en"])
def test_no_note_with_a_token_and_the_note_in_english(
    qtbot, open_window, small_demo_cache, tile_server, lang
):
    if lang == "da":
        window = open_window(
            small_demo_cache, basemap__url=tile_server.url_template, basemap__token="T"
        )
        assert window.map.basemap is not None and not window.map.basemap_note.isVisible()
    else:
        window = open_window(small_demo_cache, lang="en")
        assert window.map.basemap_note.isVisible()
        assert "No basemap" in window.map.basemap_note.text()


def test_export_caption_lists_licence_and_collaboration_window() -> None:
    """The later filter fields (driving licence, collaboration window) are named under an
    exported map too, not silently left out."""
    from datetime import date

    from workbench.core.filters import Filter
    from workbench.qt.map.caption import filter_lines

    lines = filter_lines(
        Filter(
            driving_licences=("B", "CE"),
            driving_licence_match="any",
            collaboration=("none",),
            collaboration_since=date(2026, 6, 1),
        )
    )
    assert any(line.startswith("Kørekort") and "B, CE" in line for line in lines)
    assert "Samarbejde siden: 01-06-2026" in lines
