"""The collaboration bitmask (scope "all") gives the same companies as the SQL semi-join."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from workbench.core.filters import Filter, Range
from workbench.core.query import CollaborationBits, company_points, points

CASES = [
    ("none",),
    ("any",),
    ("fleksjob",),
    ("fleksjob", "mentor"),
    ("any", "mentor"),  # kinds decide when given, as in SQL
    ("jobrotation", "løntilskud", "virksomhedspraktik"),
]


@pytest.mark.parametrize("collaboration", CASES)
def test_bits_match_sql(small_demo_con, collaboration):
    bits = CollaborationBits.load(small_demo_con)
    assert bits is not None
    for flt in (
        Filter(collaboration=collaboration),
        Filter(collaboration=collaboration, employees=Range(5, None)),
    ):
        assert CollaborationBits.applies(flt)
        want = points(small_demo_con, "companies", flt, ordered=False)
        got = company_points(small_demo_con, flt, bits)
        np.testing.assert_array_equal(np.sort(got.rid), np.sort(want.rid))
        assert len(want) > 0


def test_scoped_filters_use_sql(small_demo_con):
    jc = small_demo_con.execute(
        "SELECT jobcenter FROM company_collaborations WHERE jobcenter IS NOT NULL LIMIT 1"
    ).fetchone()[0]
    flt = Filter(collaboration=("any",), collaboration_scope="own", jobcenter=jc)
    assert not CollaborationBits.applies(flt)
    bits = CollaborationBits.load(small_demo_con)
    got = company_points(small_demo_con, flt, bits)
    want = points(small_demo_con, "companies", flt, ordered=False)
    np.testing.assert_array_equal(np.sort(got.rid), np.sort(want.rid))


def test_units_unknown_to_the_bits_have_none(small_demo_con):
    bits = CollaborationBits.load(small_demo_con)
    assert bits is not None
    rid = np.array([bits.bits.shape[0] + 5, -1], dtype=np.int64)
    assert bits.mask(Filter(collaboration=("none",)), rid).tolist() == [True, True]
    assert bits.mask(Filter(collaboration=("any",)), rid).tolist() == [False, False]


DATED = [("active",), ("former",), ("active", "fleksjob"), ("former", "mentor", "løntilskud")]


@pytest.mark.parametrize("collaboration", DATED)
def test_active_and_former_bits_match_sql(small_demo_con, collaboration):
    """Issue #17: active/former as masks with the kinds active on the reference date."""
    today = date(2026, 11, 1)
    bits = CollaborationBits.load(small_demo_con)
    assert bits is not None
    for flt in (
        Filter(today=today, collaboration=collaboration),
        Filter(today=today, collaboration=collaboration, employees=Range(5, None)),
    ):
        assert not bits.covers(flt)  # without the day: the SQL path
        dated = bits.on_day(small_demo_con, today)
        assert dated.covers(flt)
        assert not dated.covers(flt.with_(today=date(2026, 10, 1)))  # another day: SQL
        want = points(small_demo_con, "companies", flt, ordered=False)
        got = company_points(small_demo_con, flt, dated)
        np.testing.assert_array_equal(np.sort(got.rid), np.sort(want.rid))
        assert len(want) > 0
