"""The management tab is built when first shown or used, not at start-up (issue #17,
second round): the tab is there from the start, its charts come on the first click."""

from __future__ import annotations


def test_the_management_tab_is_built_on_its_first_show(qtbot, open_window, small_demo_cache):
    from workbench.qt.management import ManagementTab

    window = open_window(small_demo_cache, ui__jobcenter="0101")
    tabs = window.central_tabs
    assert window.findChildren(ManagementTab) == []  # not built at start
    assert tabs.count() == 2 and tabs.tabText(1) == "Ledelsesoverblik"
    window.reload_data()  # new data before the first show: still not built
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.findChildren(ManagementTab) == []

    changes: list[int] = []
    tabs.currentChanged.connect(changes.append)
    tabs.setCurrentIndex(1)  # the user clicks the tab
    (tab,) = window.findChildren(ManagementTab)
    assert tabs.widget(1) is tab and tabs.currentWidget() is tab and tab.isVisible()
    assert tabs.tabText(1) == "Ledelsesoverblik" and changes == [1]
    qtbot.waitUntil(lambda: tab.figures is not None, timeout=30_000)  # computed when shown
    assert tab.area_combo.currentText() == "Jobcenter København"
    assert window.management is tab  # built once


def test_using_the_management_tab_from_code_builds_it_in_place(
    qtbot, open_window, small_demo_cache
):
    window = open_window(small_demo_cache)
    tab = window.management  # e.g. a team sync's reload, or a test, before any click
    tabs = window.central_tabs
    assert tabs.indexOf(tab) == 1 and tabs.currentIndex() == 0  # the map stays shown
    assert not tab.isVisible()
    with qtbot.waitSignal(tab.updated, timeout=30_000):
        tabs.setCurrentWidget(tab)
