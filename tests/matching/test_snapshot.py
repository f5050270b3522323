"""Matching from a CandidateSnapshot gives exactly what a scan of the cache gives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.matching.test_eligibility_reference import ORDERS, make_order
from workbench.core.matching import CandidateSnapshot, explain_candidates, match
from workbench.core.store import Store


@pytest.mark.parametrize("name", list(ORDERS))
def test_snapshot_and_scan_agree(match_store: Store, name: str) -> None:
    snapshot = CandidateSnapshot.load(match_store)
    order = make_order(match_store, ORDERS[name])
    scanned = match(match_store, order, top=50)
    held = match(match_store, order, top=50, snapshot=snapshot)
    assert np.array_equal(scanned.rids, held.rids)
    assert np.array_equal(scanned.scores, held.scores)
    assert json.dumps(scanned.to_json(), default=str) == json.dumps(held.to_json(), default=str)
    rids = [int(r) for r in scanned.rids[:3]]
    a = explain_candidates(match_store, order, rids)
    b = explain_candidates(match_store, order, rids, snapshot=snapshot)
    assert [i.to_json() for i in a] == [i.to_json() for i in b]


def test_a_snapshot_for_another_base_is_not_used(match_store: Store) -> None:
    snapshot = CandidateSnapshot.load(match_store)
    snapshot.base = ("(SELECT * FROM candidates WHERE jobcenter = ?)", ["0101"])
    match_store.con.execute(
        "UPDATE candidates SET cv_searchable = false WHERE candidate_id = 'M-SPEC'"
    )
    order = make_order(match_store, {"occupation_codes": ["5223"]})
    result = match(match_store, order, top=10_000, snapshot=snapshot)
    assert "M-SPEC" not in {i.candidate_id for i in result.items}  # read from the cache
    assert (
        result.funnel[0].remaining
        == match_store.con.execute("SELECT count(*) FROM candidates").fetchone()[0]
    )
