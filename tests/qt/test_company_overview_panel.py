"""The company overview controls of the filter panel (issue #16): postings in the last two
years, new in the municipality, posts jobs but no collaboration; and in the real window the
companies table counts what the core query counts."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from workbench.core.filters import POSTINGS_YEARS_DAYS, Filter
from workbench.core.query import count

TODAY = date(2026, 11, 1)


def _panel(qtbot, jobcenter=None):
    from workbench.qt.filters import FilterPanel

    panel = FilterPanel(
        occupations=[],
        qualifications=[],
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


def test_overview_controls_make_the_filter_and_follow_it(qtbot):
    panel = _panel(qtbot, jobcenter="0851")
    assert panel.has_postings.text() == "Jobopslag (2 år)"
    flt = _emitted(qtbot, panel, lambda: panel.has_postings.setChecked(True))
    assert flt.company_posted_within_days == POSTINGS_YEARS_DAYS
    flt = _emitted(qtbot, panel, lambda: panel.new_months.setValue(6))
    assert flt.new_within_months == 6
    assert not panel.collab_scope.isEnabled()
    flt = _emitted(qtbot, panel, lambda: panel.postings_no_collab.setChecked(True))
    assert flt.postings_without_collaboration and panel.collab_scope.isEnabled()
    flt = _emitted(
        qtbot, panel, lambda: panel.collab_scope.setCurrentIndex(panel.collab_scope.findData("own"))
    )
    assert flt.collaboration_scope == "own" and flt.jobcenter == "0851"

    other = _panel(qtbot)
    other.set_filter(flt)
    assert other.has_postings.isChecked() and other.new_months.value() == 6
    assert other.postings_no_collab.isChecked()
    back = _emitted(qtbot, panel, panel.reset)
    assert back.company_posted_within_days is None and back.new_within_months is None
    assert not back.postings_without_collaboration


def test_the_window_filters_companies_by_the_overview_controls(window, qtbot):
    panel = window.filters
    panel.postings_no_collab.setChecked(True)
    panel.emit_now()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    expected = count(
        window.con,
        "companies",
        Filter(postings_without_collaboration=True, today=window.today),
    )
    assert 0 < expected < window.con.execute("SELECT count(*) FROM companies").fetchone()[0]
    assert len(window.result.companies) == expected


def test_advertising_protected_is_marked_in_table_and_map(window, qtbot):
    model = window.models["companies"]
    col = [c.key for c in model.columns].index("advertising")
    assert model.headerData(col, Qt.Orientation.Horizontal) == "Reklame"
    rows = [model.row_dict(i) for i in range(min(model.rowCount(), 200))]
    shown = [model.data(model.index(i, col)) for i in range(len(rows))]
    assert shown == ["Reklamebeskyttet" if r["advertising_protected"] else "" for r in rows]
    assert "Reklamebeskyttet" in shown  # the demo marks ~8%

    protected = {
        r[0]
        for r in window.con.execute(
            "SELECT rid FROM companies WHERE advertising_protected"
        ).fetchall()
    }
    layer_rids = list(window.map.layers["companies"].rid)
    hit = next(i for i, rid in enumerate(layer_rids) if int(rid) in protected)
    miss = next(i for i, rid in enumerate(layer_rids) if int(rid) not in protected)
    assert "<i>Reklamebeskyttet</i>" in window.map.tooltip_text("companies", hit)
    assert "Reklamebeskyttet" not in window.map.tooltip_text("companies", miss)
