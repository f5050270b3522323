"""Choropleth classes, suppression of counts below 5, legends, and the cache statistic."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.layer_data import statistic as statistic_from_cache
from workbench.layers.choropleth import Choropleth, class_breaks, classify


def test_quantile_equal_and_natural_breaks():
    v = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dtype=float)
    np.testing.assert_allclose(class_breaks(v, 5, "equal"), [2.8, 4.6, 6.4, 8.2, 10])
    q = class_breaks(v, 5, "quantile")
    assert len(q) == 5 and q[-1] == 10
    assert np.bincount(classify(v, q)).tolist() == [2, 2, 2, 2, 2]
    clusters = np.array([1, 1.1, 1.2, 10, 10.5, 11, 50, 51], dtype=float)
    nat = class_breaks(clusters, 3, "natural")
    np.testing.assert_allclose(nat, [1.2, 11, 51])
    assert class_breaks(np.array([3.0, 3.0, 3.0]), 5).tolist() == [3.0]  # constant: one class
    assert class_breaks(np.array([np.nan]), 5).size == 0
    with pytest.raises(ValueError):
        class_breaks(v, 3, "bogus")


def test_suppression_below_five_hides_value_and_is_in_legend():
    codes = ["0101", "0147", "0151", "0153", "0155", "0157"]
    values = np.array([120, 4, 60, 0, 5, np.nan])
    ch = Choropleth.build("Ledige", codes, values, k=2)
    assert ch.suppressed.tolist() == [False, True, False, True, False, False]
    assert ch.value_of("0147") is None and ch.value_of("0101") == 120
    colors = ch.colors()
    assert colors[1] == colors[3] != colors[0]
    legend = ch.legend()
    labels = [e.label for e in legend]
    assert "< 5 (skjult)" in labels and "Ingen data" in labels
    assert sum(e.count for e in legend) == len(codes)
    # suppressed values do not shape the classes
    assert ch.breaks.min() >= 5


def test_rate_suppressed_by_its_count():
    ch = Choropleth.build("Andel", ["a", "b"], np.array([50.0, 12.0]), counts=np.array([3, 40]))
    assert ch.suppressed.tolist() == [True, False]


def test_demo_statistic_without_unemployment_stats(small_demo_con):
    from tests.conftest import DEMO_TODAY

    assert small_demo_con.execute("SELECT count(*) FROM unemployment_stats").fetchone()[0] == 0
    st = statistic_from_cache(small_demo_con, today=DEMO_TODAY)
    assert st["key"] == "long_term_share" and st["unit"] == "%"
    n_munis = small_demo_con.execute("SELECT count(*) FROM municipalities").fetchone()[0]
    assert len(st["codes"]) == n_munis
    finite = st["values"][np.isfinite(st["values"])]
    assert finite.size and (finite >= 0).all() and (finite <= 100).all()
    ch = Choropleth.build("x", st["codes"], st["values"], counts=st["counts"])
    assert len(ch.breaks) >= 2
    small_demo_con.execute(
        "INSERT INTO unemployment_stats VALUES ('0101', '2026M09', 'fuldtidsledige', 900, "
        "'personer', 'statbank'), ('0147', '2026M09', 'fuldtidsledige', 3, 'personer', 'statbank'), "
        "('0101', '2026M08', 'fuldtidsledige', 800, 'personer', 'statbank')"
    )
    st = statistic_from_cache(small_demo_con)
    assert st["key"] == "stats" and st["period"] == "2026M09" and st["codes"] == ["0101", "0147"]
    ch = Choropleth.build("x", st["codes"], st["values"], counts=st["counts"])
    assert ch.suppressed.tolist() == [False, True]
