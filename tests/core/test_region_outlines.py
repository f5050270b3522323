"""Region outlines dissolved from the municipalities once and kept in the cache (issue #17:
the window dissolved them at every start)."""

from __future__ import annotations

import numpy as np
import shapely

from workbench.core import region_outlines
from workbench.core.layer_data import municipality_shapes
from workbench.core.region_outlines import SIMPLIFY_M, dissolve_by_region, dissolved_regions


def _inputs(con) -> tuple[list[object], list[str | None]]:
    rows = municipality_shapes(con)
    wkbs = np.asarray([r[2] for r in rows], dtype=object)
    geoms = shapely.simplify(shapely.from_wkb(wkbs, on_invalid="ignore"), SIMPLIFY_M)
    return list(geoms), [r[5] for r in rows]


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = region_outlines.dissolve_by_region

    def counting(geoms, keys):
        calls.append(len(geoms))
        return real(geoms, keys)

    monkeypatch.setattr(region_outlines, "dissolve_by_region", counting)
    return calls


def test_dissolved_once_then_read_from_the_cache(small_demo_con, monkeypatch):
    con = small_demo_con
    assert con.execute("SELECT count(geom) FROM regions").fetchone()[0] == 0  # demo: none
    calls = _counting(monkeypatch)
    geoms, keys = _inputs(con)
    first = dissolved_regions(con, geoms, keys)
    again = dissolved_regions(con, geoms, keys)
    assert len(calls) == 1
    expected = dissolve_by_region(geoms, keys)
    assert len(first) == len(expected) == len({k for k in keys if k}) > 1
    for got, kept, want in zip(first, again, expected.values(), strict=True):
        assert shapely.equals_exact(got, want, 0.0)
        assert shapely.equals_exact(kept, want, 0.0)
    stored = con.execute("SELECT count(*), count(DISTINCT fingerprint) FROM region_outlines")
    assert stored.fetchone() == (len(expected), 1)


def test_changed_municipalities_are_dissolved_again(small_demo_con, monkeypatch):
    con = small_demo_con
    calls = _counting(monkeypatch)
    geoms, keys = _inputs(con)
    before = dissolved_regions(con, geoms, keys)
    # a boundaries refresh moves one municipality to another region
    code, region = con.execute(
        "SELECT kode, region_kode FROM municipalities WHERE geom IS NOT NULL ORDER BY kode LIMIT 1"
    ).fetchone()
    other = con.execute(
        "SELECT min(region_kode) FROM municipalities WHERE region_kode <> ?", [region]
    ).fetchone()[0]
    con.execute("UPDATE municipalities SET region_kode = ? WHERE kode = ?", [other, code])
    geoms, keys = _inputs(con)
    after = dissolved_regions(con, geoms, keys)
    assert len(calls) == 2
    expected = dissolve_by_region(geoms, keys)
    for got, want in zip(after, expected.values(), strict=True):
        assert shapely.equals_exact(got, want, 0.0)
    assert any(not shapely.equals_exact(a, b, 0.0) for a, b in zip(before, after, strict=True))
    n = con.execute("SELECT count(DISTINCT fingerprint) FROM region_outlines").fetchone()[0]
    assert n == 1  # the stale outlines are gone
