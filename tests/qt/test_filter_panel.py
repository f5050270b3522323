"""The filter panel's driving licence filter and collaboration scope/time window (issue #10),
as widgets on their own and in the real window on the small demo cache."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from tests.conftest import DEMO_TODAY
from workbench.core.collaboration import STATUS_KEYS, months_before
from workbench.core.filters import DRIVING_LICENCES, Filter
from workbench.core.layer_data import class_by_rid
from workbench.core.query import count, points
from workbench.layers.styling import COLLABORATION
from workbench.qt import i18n

TODAY = date(2026, 11, 1)


def _panel(qtbot, jobcenter=None):
    from workbench.qt.filters import FilterPanel

    panel = FilterPanel(
        occupations=[("7115", "Tømrer", [])],
        qualifications=[("Q0001", "Truckcertifikat", [])],
        industries=[],
        municipalities=[("0851", "Aalborg", [])],
        jobcenter=jobcenter,
        today=TODAY,
    )
    qtbot.addWidget(panel)
    return panel


def _emitted(qtbot, panel, action) -> Filter:
    with qtbot.waitSignal(panel.filterChanged, timeout=5_000) as blocker:
        action()
    return blocker.args[0]


def test_licence_buttons_make_the_licence_filter(qtbot):
    panel = _panel(qtbot)
    assert tuple(panel.licence.buttons) == DRIVING_LICENCES
    qtbot.mouseClick(panel.licence.buttons["B"], Qt.MouseButton.LeftButton)
    flt = _emitted(
        qtbot,
        panel,
        lambda: qtbot.mouseClick(panel.licence.buttons["CE"], Qt.MouseButton.LeftButton),
    )
    assert flt.driving_licences == ("B", "CE") and flt.driving_licence_match == "all"
    m = panel.licence_match
    flt = _emitted(qtbot, panel, lambda: m.setCurrentIndex(m.findData("any")))
    assert flt.driving_licence_match == "any"
    flt = _emitted(qtbot, panel, panel.reset)
    assert flt == Filter(today=TODAY)
    assert not any(b.isChecked() for b in panel.licence.buttons.values())


def test_licence_typed_in_the_qualification_search_goes_to_the_licence_filter(qtbot):
    panel = _panel(qtbot)
    picker = panel.qualification
    picker.completer.setCompletionPrefix("kørekort b")
    suggestions = [
        picker.completer.completionModel().index(i, 0).data()
        for i in range(picker.completer.completionCount())
    ]
    assert "Kørekort B → kørekortfilteret" in suggestions
    qtbot.keyClicks(picker.edit, "Kørekort B")
    flt = _emitted(qtbot, panel, lambda: qtbot.keyClick(picker.edit, Qt.Key.Key_Return))
    assert flt.driving_licences == ("B",) and flt.qualifications == ()
    assert panel.licence.buttons["B"].isChecked() and picker.codes() == ()
    # A real qualification is still picked as one.
    qtbot.keyClicks(picker.edit, "Truckcertifikat")
    flt = _emitted(qtbot, panel, lambda: qtbot.keyClick(picker.edit, Qt.Key.Key_Return))
    assert flt.qualifications == ("Q0001",)


def test_collaboration_window_and_scope(qtbot):
    panel = _panel(qtbot, jobcenter="851")
    # Scope and window wait for a collaboration value.
    assert not panel.collab_scope.isEnabled() and not panel.collab_months.isEnabled()
    combo = panel.collaboration
    flt = _emitted(qtbot, panel, lambda: combo.setCurrentIndex(combo.findData("former")))
    assert flt.collaboration == ("former",) and flt.collaboration_since is None
    assert panel.collab_scope.isEnabled() and panel.collab_months.isEnabled()
    flt = _emitted(qtbot, panel, lambda: panel.collab_months.setValue(6))
    assert flt.collaboration_since == months_before(TODAY, 6) == date(2026, 5, 1)
    scope = panel.collab_scope
    flt = _emitted(qtbot, panel, lambda: scope.setCurrentIndex(scope.findData("own")))
    assert (flt.collaboration_scope, flt.normalised().jobcenter) == ("own", "0851")
    # Back to all companies: the window and scope no longer apply.
    flt = _emitted(qtbot, panel, lambda: combo.setCurrentIndex(combo.findData("")))
    assert flt.collaboration == () and flt.collaboration_since is None
    assert flt.collaboration_scope == "all"
    assert not panel.collab_months.isEnabled()
    flt = _emitted(qtbot, panel, panel.reset)
    assert panel.collab_months.value() == 0 and scope.currentData() == "all"


def test_scope_needs_the_users_jobcenter(qtbot):
    panel = _panel(qtbot, jobcenter=None)
    combo = panel.collaboration
    flt = _emitted(qtbot, panel, lambda: combo.setCurrentIndex(combo.findData("any")))
    assert not panel.collab_scope.isEnabled()
    assert "jobcenter" in panel.collab_scope.toolTip()
    assert flt.collaboration_scope == "all"


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("da", ("Kørekort", "Tidligere samarbejde", "Eget jobcenter", "hele perioden")),
        ("en", ("Driving licence", "Former collaboration", "Own jobcentre", "the whole period")),
    ],
)
def test_new_controls_in_danish_and_english(qtbot, lang, texts):
    from PySide6.QtWidgets import QLabel

    before = i18n.language()
    i18n.set_language(lang)
    try:
        panel = _panel(qtbot, jobcenter="0851")
    finally:
        i18n.set_language(before)
    labels = {w.text() for w in panel.findChildren(QLabel)}
    combo = panel.collaboration
    assert texts[0] in labels
    assert texts[1] == combo.itemText(combo.findData("former"))
    assert texts[1] == next(
        c.label_da if lang == "da" else c.label_en
        for c in COLLABORATION.classes
        if c.key == "former"
    )  # the filter says what the legend says
    assert texts[2] == panel.collab_scope.itemText(panel.collab_scope.findData("own"))
    assert texts[3] == panel.collab_months.specialValueText()


def wait_applied(qtbot, window, action):
    with qtbot.waitSignal(window.resultsApplied, timeout=30_000) as blocker:
        action()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    return blocker.args[0]


def test_licence_filter_in_the_window_and_no_licence_qualifications(qtbot, window):
    total = len(window.map.layers["candidates"])
    assert window.filters.qualification.code_for("Kørekort B") is None
    titles = [
        window.filters.qualification.title(c)
        for c in window.filters.qualification.vocabulary.titles
    ]
    assert len(titles) == len(set(titles))
    buttons = window.filters.licence.buttons
    qtbot.mouseClick(buttons["C"], Qt.MouseButton.LeftButton)
    result = wait_applied(
        qtbot, window, lambda: qtbot.mouseClick(buttons["CE"], Qt.MouseButton.LeftButton)
    )
    assert result.flt.driving_licences == ("C", "CE")
    n = len(window.map.layers["candidates"])
    assert 0 < n == count(window.con, "candidates", result.flt, strict=False) < total
    assert window.models["candidates"].rowCount() == n
    # Companies are not restricted by a candidate filter.
    assert len(window.map.layers["companies"]) == count(window.con, "companies", Filter())


def test_no_collaboration_and_its_colour_agree_in_the_window(qtbot, window):
    """Issue #10: 'Intet samarbejde' for Aalborg + industry 41 coloured by collaboration
    status showed 'Tidligere samarbejde (3)' in the legend."""
    f = window.filters
    f.municipality.add("0851")
    f.industry.add("41")
    combo = f.collaboration
    result = wait_applied(qtbot, window, lambda: combo.setCurrentIndex(combo.findData("none")))
    n = len(window.map.layers["companies"])
    assert n == count(window.con, "companies", result.flt, strict=False) > 0
    lookup = class_by_rid(window.con, "companies", COLLABORATION, DEMO_TODAY)
    rid = points(window.con, "companies", result.flt).rid
    assert {STATUS_KEYS[c] for c in lookup[rid]} == {"none"}
    window.map_view.set_point_style("companies", "collaboration")
    qtbot.waitUntil(
        lambda: (
            any("(" in label for _c, _s, label in window.map.legend_entries("companies"))
            and window.map.items["companies"].class_counts is not None
        ),
        timeout=30_000,
    )
    labels = [label for _c, _s, label in window.map.legend_entries("companies")]
    assert f"Intet samarbejde ({n})" in labels
    assert "Tidligere samarbejde (0)" in labels and "Aktivt samarbejde (0)" in labels
