from __future__ import annotations

import numpy as np

from workbench.layers.hit import nearest_point


def test_nearest_within_pixel_tolerance():
    x = np.array([0.0, 100.0, 105.0, np.nan])
    y = np.array([0.0, 0.0, 0.0, 0.0])
    # 10 data units per pixel: tolerance 6 px = 60 units
    assert nearest_point(x, y, (103.0, 1.0), units_per_pixel=(10.0, 10.0)) == 2
    assert nearest_point(x, y, (101.0, 0.0), units_per_pixel=(10.0, 10.0)) == 1
    assert nearest_point(x, y, (30.0, 0.0), units_per_pixel=(10.0, 10.0)) == 0
    assert nearest_point(x, y, (50.0, 0.0), units_per_pixel=(1.0, 1.0)) == -1


def test_tolerance_is_in_screen_pixels():
    x = np.array([0.0])
    y = np.array([0.0])
    assert nearest_point(x, y, (50.0, 0.0), units_per_pixel=(10.0, 10.0), tolerance_px=6) == 0
    assert nearest_point(x, y, (50.0, 0.0), units_per_pixel=(5.0, 5.0), tolerance_px=6) == -1


def test_candidates_restrict_and_empty_input():
    x = np.array([0.0, 1.0])
    y = np.array([0.0, 0.0])
    assert nearest_point(x, y, (0.0, 0.0), units_per_pixel=(1, 1), candidates=np.array([1])) == 1
    assert nearest_point(np.empty(0), np.empty(0), (0.0, 0.0), units_per_pixel=(1, 1)) == -1


def test_many_points_vectorised():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1000, 200_000)
    y = rng.uniform(0, 1000, 200_000)
    i = nearest_point(x, y, (500.0, 500.0), units_per_pixel=(1.0, 1.0), tolerance_px=10)
    d = np.hypot(x - 500, y - 500)
    assert i == int(np.argmin(d))
