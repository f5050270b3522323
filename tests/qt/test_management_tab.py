"""The management view tab and the shortage filter entries in the real window on the small
demo cache: charts drawn from the core's (suppressed) numbers, the empty states, PNG export,
and the filter checkboxes giving the same rows as the core filter."""

from __future__ import annotations

from PySide6.QtGui import QImage

from tests.conftest import DEMO_TODAY
from workbench.core import management as mgmt
from workbench.core.filters import Filter
from workbench.core.query import count


def _show_tab(qtbot, window):
    tab = window.management
    with qtbot.waitSignal(tab.updated, timeout=30_000):
        window.central_tabs.setCurrentWidget(tab)
    return tab


def test_tab_shows_the_core_numbers_and_exports_png(qtbot, open_window, small_demo_cache, tmp_path):
    window = open_window(small_demo_cache, ui__jobcenter="0101")
    tab = _show_tab(qtbot, window)
    assert window.central_tabs.tabText(1) == "Ledelsesoverblik"
    assert tab.area_combo.currentText() == "Jobcenter København"
    area = tab.current_area()
    expected = mgmt.supply_and_demand(window.con.cursor(), area)
    assert tab.error is None and tab.figures.supply == expected
    assert tab.figures.duration == mgmt.candidates_by_duration(
        window.con.cursor(), area, DEMO_TODAY
    )
    # candidates and postings are drawn; statistics and campaigns show their empty states
    assert tab.charts["duration"].showing_chart and tab.charts["supply"].showing_chart
    assert "Ingen ledighedsstatistik i cachen" in tab.charts["over_time"].empty.text()
    assert tab.charts["campaigns"].empty.text().endswith("Ingen kampagner endnu")
    assert not tab.charts["campaigns"].showing_chart
    assert not tab.charts["campaigns"].export_button.isEnabled()
    # the supply chart's bars carry the suppressed counts (None drawn as no bar)
    bars = [
        i for i in tab.charts["supply"].plot.plotItem.items if type(i).__name__ == "BarGraphItem"
    ]
    widths = [list(b.opts["width"]) for b in bars]
    assert widths[0] == [0 if v is None else v for v in expected.candidates]
    assert widths[1] == [0 if v is None else v for v in expected.postings]

    saved = tab.export_png("supply", tmp_path / "supply")
    assert saved == tmp_path / "supply.png"
    image = QImage(str(saved))
    assert not image.isNull() and image.width() > 200 and image.height() > 150
    # not a blank picture: the bars' colours are in it
    colours = {
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 7)
        for y in range(0, image.height(), 7)
    }
    assert len(colours) > 5

    # another area: recomputed for it
    with qtbot.waitSignal(tab.updated, timeout=30_000):
        tab.set_area("0751")
    assert tab.figures.supply == mgmt.supply_and_demand(window.con.cursor(), tab.current_area())


def test_campaign_chart_when_targets_exist(qtbot, open_window, small_demo_cache):
    from workbench.core import cache

    con = cache.connect(small_demo_cache)
    con.execute(
        "INSERT INTO campaign_targets (campaign, score, cvr, pnr, status) "
        "SELECT 'k', 1, cvr, pnr, CASE WHEN rid % 3 = 0 THEN 'aftale' "
        "ELSE 'kontaktet' END FROM companies WHERE kommune_kode = '0101' LIMIT 40"
    )
    con.close()
    window = open_window(small_demo_cache)
    tab = _show_tab(qtbot, window)
    assert tab.current_area().key == "all"  # no jobcenter configured
    assert tab.charts["campaigns"].showing_chart
    assert set(tab.figures.campaigns) == {"kontaktet", "aftale"}


def test_shortage_checkboxes_filter_the_window(qtbot, open_window, small_demo_cache):
    from workbench.core import cache

    con = cache.connect(small_demo_cache)
    con.execute(
        "INSERT INTO shortage (occupation_code, area_code, area_name, category, period, source) "
        "SELECT '5223', kode, navn, 'mangel', '2026H2', 't' FROM municipalities"
    )
    con.close()
    window = open_window(small_demo_cache)
    panel = window.filters
    assert [b.text() for b in panel.shortage_boxes.values()] == [
        "Mangel",
        "Paradoks",
        "Gode muligheder",
        "Mindre gode muligheder",
    ]
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000) as blocker:
        panel.shortage_boxes["mangel"].click()  # below the fold of the dock: no mouse
    result = blocker.args[0]
    flt = Filter(shortage=("mangel",), today=DEMO_TODAY)
    assert window.workspace.filter.shortage == ("mangel",)
    for entity in ("candidates", "companies"):
        assert len(getattr(result, entity)) == count(window.con.cursor(), entity, flt) > 0
    panel.reset()
    assert panel.current_filter().shortage == ()
    panel.set_filter(flt)
    assert panel.shortage_boxes["mangel"].isChecked() and not panel.pending()


def test_empty_balance_is_named_as_the_reason_and_in_the_caption(qtbot, window):
    """The demo has no Arbejdsmarkedsbalance: checking "Mangel" empties both tables, and
    the why-empty text and the map export's filter lines name the shortage filter."""
    from workbench.qt import i18n
    from workbench.qt.map.caption import filter_lines

    with qtbot.waitSignal(window.resultsApplied, timeout=30_000):
        window.filters.shortage_boxes["mangel"].click()
    for entity in ("candidates", "companies"):
        assert window.models[entity].rowCount() == 0
        assert "»Arbejdsmarkedsbalancen«" in window.tables[entity].empty_text
    assert "Arbejdsmarkedsbalancen: Mangel" in window.map_view.active_filter_lines()
    i18n.set_language("en")
    lines = filter_lines(Filter(shortage=("mangel", "gode")))
    assert lines == ["Labour market balance: Shortage, Good prospects"]
