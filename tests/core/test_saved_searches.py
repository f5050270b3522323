"""Saved searches: a round trip through the cache, per owner, and a re-run that finds the
same rows as the filter it was saved from."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import DEMO_TODAY
from workbench.core.filters import Filter, Range
from workbench.core.query import points
from workbench.core.saved_searches import (
    SavedSearchError,
    current_user,
    delete_search,
    list_searches,
    load_search,
    rerun_search,
    save_search,
)
from workbench.core.store import Store

FLT = Filter(
    occupations=("51",),
    unemployed_days=Range(180, None),
    municipalities=("0101", "0751"),
    driving_licences=("B",),
    searchable_only=True,
)


def test_round_trip_and_rerun_gives_the_same_rows(small_demo_con) -> None:
    store = Store.wrap(small_demo_con)
    saved = save_search(store, "Kokke ½ år", FLT, owner="kons1")
    assert saved.filter == FLT and saved.owner == "kons1" and saved.last_run is None
    again = rerun_search(store, "Kokke ½ år", owner="kons1")
    assert again.last_run is not None
    assert load_search(store, "Kokke ½ år", owner="kons1").last_run == again.last_run
    expected = points(small_demo_con, "candidates", FLT.with_(today=DEMO_TODAY)).rid
    got = points(small_demo_con, "candidates", again.filter.with_(today=DEMO_TODAY)).rid
    assert len(expected) > 0
    np.testing.assert_array_equal(got, expected)


def test_the_reference_date_is_not_saved(small_demo_con) -> None:
    saved = save_search(small_demo_con, "t", FLT.with_(today=DEMO_TODAY), owner="kons1")
    assert saved.filter.today is None


def test_personal_and_replaced(small_demo_con) -> None:
    save_search(small_demo_con, "a", FLT, owner="kons1")
    save_search(small_demo_con, "b", Filter(cvr="12345678"), entity="companies", owner="kons1")
    save_search(small_demo_con, "a", Filter(occupations=("2512",)), owner="kons1")
    save_search(small_demo_con, "a", FLT, owner="kons2")
    mine = list_searches(small_demo_con, owner="kons1")
    assert [(s.name, s.entity) for s in mine] == [("a", "candidates"), ("b", "companies")]
    assert mine[0].filter.occupations == ("2512",)
    assert [s.name for s in list_searches(small_demo_con, owner="kons1", entity="companies")] == [
        "b"
    ]
    assert delete_search(small_demo_con, "a", owner="kons1")
    assert not delete_search(small_demo_con, "a", owner="kons1")
    assert load_search(small_demo_con, "a", owner="kons2").filter == FLT


def test_bad_input(small_demo_con) -> None:
    with pytest.raises(SavedSearchError, match="needs a name"):
        save_search(small_demo_con, "  ", FLT)
    with pytest.raises(SavedSearchError, match="unknown entity"):
        save_search(small_demo_con, "x", FLT, entity="people")
    with pytest.raises(SavedSearchError, match="no saved search"):
        rerun_search(small_demo_con, "nothing")


def test_owner_from_settings() -> None:
    class S:
        def get(self, key: str) -> str:
            return {"user.name": " Kirsten "}.get(key, "")

    assert current_user(S()) == "Kirsten"
    assert current_user(None)  # the OS user (or a placeholder), never empty
