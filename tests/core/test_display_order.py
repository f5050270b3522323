"""Putting matches in display order (issue #17): a sort of packed keys for a small share of
the rows, a bucket pass for a large one; both give the order of an argsort."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.query import Points, _order_of, in_display_order, rank_of


@pytest.mark.parametrize("share", [0.001, 0.05, 0.3, 0.34, 0.9, 1.0])
def test_order_of_matches_argsort(share):
    rng = np.random.default_rng(7)
    size = 20_000
    keys = rng.choice(size, int(size * share), replace=False).astype(np.int32)
    np.testing.assert_array_equal(_order_of(keys, size), np.argsort(keys, kind="stable"))


def test_in_display_order_keeps_unknown_rids_last():
    order = np.array([5, 3, 9, 1, 7], dtype=np.int64)  # display order of the known rids
    rank = rank_of(order)
    pts = Points(
        np.array([7, 42, 3, 5, 1], dtype=np.int64),  # 42: a row added since the ranks
        np.arange(5, dtype=np.float64),
        np.arange(5, dtype=np.float64) * 2,
    )
    got = in_display_order(rank, pts)
    assert got.rid.tolist() == [5, 3, 1, 7, 42]
    assert got.x.tolist() == [3.0, 2.0, 4.0, 0.0, 1.0]
    assert got.y.tolist() == [6.0, 4.0, 8.0, 0.0, 2.0]
