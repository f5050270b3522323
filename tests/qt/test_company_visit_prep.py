"""The company detail's "Forbered besøg" tab (issue #16) on the small demo cache: ongoing
collaboration (own/other), campaigns with their status, matching candidates, series."""

from __future__ import annotations

from tests.conftest import DEMO_TODAY
from workbench.core import campaigns as camp
from workbench.core.filters import Filter, Range
from workbench.core.store import Store


def test_visit_prep_tab_shows_what_is_ongoing_and_the_supply(qtbot, small_demo_con):
    from workbench.qt.company_detail import CompanyDetailWidget

    store = Store.wrap(small_demo_con)
    flt = Filter(municipalities=("0101",), employees=Range(3, None))
    camp.create_campaign(store, "Efterår", flt=flt, jobcenter="0101", today=DEMO_TODAY)
    # a target with postings and an active collaboration
    row = small_demo_con.execute(
        """
        SELECT t.cvr, t.pnr FROM campaign_targets t
        WHERE t.cvr IN (SELECT cvr FROM collaborations WHERE ended IS NULL)
          AND t.cvr IN (SELECT cvr FROM job_postings)
        ORDER BY t.score DESC LIMIT 1
        """
    ).fetchone()
    assert row is not None
    cvr, pnr = row
    camp.set_status(store, "Efterår", cvr, "moede_booket", pnr=pnr)
    target = next(t for t in camp.targets(store, "Efterår") if (t["cvr"], t["pnr"]) == row)

    w = CompanyDetailWidget()
    qtbot.addWidget(w)
    w.jobcenter = "0101"
    w.show_company(small_demo_con, cvr, pnr, today=DEMO_TODAY)
    tabs = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert "Forbered besøg" in tabs
    text = w.visit_prep.toPlainText()
    assert "Igangværende samarbejde" in text
    assert w.prep["ongoing"] and "intet" not in text.split("Åbne jobopslag")[0]
    assert "Efterår: Møde booket" in text
    supply = target["components"]["supply"]
    assert w.prep["supply"] == supply
    assert f"{supply} ledige inden for 25 km" in text and "(jobcenter 0101)" in text
    own = [t for t in w.prep["timeline"] if t["own"]]
    other = [t for t in w.prep["timeline"] if not t["own"]]
    assert ("eget jobcenter" in text) == bool(own)
    assert ("andet jobcenter" in text) == bool(other)
    assert "Jobopslag pr. måned" in text and w.prep["postings_by_month"]
