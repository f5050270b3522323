from __future__ import annotations

import numpy as np
import pytest

from workbench.layers.points import (
    PointLayerModel,
    bin_density,
    density_levels,
    in_extent,
    level_of_detail,
)


def test_bin_density_counts_every_point_in_its_cell():
    x = np.array([0.5, 1.5, 1.5, 3.9, 4.0, -1.0, np.nan])
    y = np.array([0.5, 0.5, 0.5, 1.9, 2.0, 0.0, 1.0])
    counts = bin_density(x, y, (0.0, 0.0, 4.0, 2.0), (2, 4))
    assert counts.shape == (2, 4)
    expected = np.zeros((2, 4), dtype=np.int64)
    expected[0, 0] = 1
    expected[0, 1] = 2
    expected[1, 3] = 2  # 3.9/1.9 and the max-edge point 4.0/2.0
    np.testing.assert_array_equal(counts, expected)
    assert counts.sum() == 5  # outside and NaN points are not counted


def test_bin_density_matches_histogram2d_on_random_points():
    rng = np.random.default_rng(1)
    x = rng.uniform(400_000, 900_000, 100_000)
    y = rng.uniform(6_000_000, 6_400_000, 100_000)
    extent = (450_000.0, 6_050_000.0, 850_000.0, 6_350_000.0)
    counts = bin_density(x, y, extent, (30, 40))
    ref, _, _ = np.histogram2d(
        y, x, bins=(30, 40), range=((extent[1], extent[3]), (extent[0], extent[2]))
    )
    np.testing.assert_array_equal(counts, ref.astype(np.int64))
    assert counts.sum() == np.count_nonzero(in_extent(x, y, extent))


def test_bin_density_empty_extent_and_bad_shape():
    assert bin_density(np.array([1.0]), np.array([1.0]), (1.0, 1.0, 1.0, 2.0), (2, 2)).sum() == 0
    with pytest.raises(ValueError):
        bin_density(np.array([1.0]), np.array([1.0]), (0, 0, 1, 1), (0, 2))


def test_level_of_detail_switches_at_threshold():
    assert level_of_detail(0, 10) == "points"
    assert level_of_detail(10, 10) == "points"
    assert level_of_detail(11, 10) == "density"


def test_layer_visible_count_and_detail_follow_the_view():
    layer = PointLayerModel("candidates")
    n = 1000
    layer.set_points(np.arange(n), np.arange(n, dtype=float), np.zeros(n))
    assert layer.visible_count(None) == n
    assert layer.detail(None, threshold=500) == "density"
    zoomed = (0.0, -1.0, 99.0, 1.0)
    assert layer.visible_count(zoomed) == 100
    assert layer.detail(zoomed, threshold=500) == "points"
    assert layer.index_of(42) == 42
    assert layer.index_of(5000) == -1
    assert layer.bounds() == (0.0, 0.0, 999.0, 0.0)


def test_layer_rejects_mismatched_arrays():
    with pytest.raises(ValueError):
        PointLayerModel("x").set_points(np.arange(3), np.zeros(2), np.zeros(3))


def test_density_levels_log_scale():
    lv = density_levels(np.array([[0, 1], [9, 99]]))
    assert lv[0, 0] == 0
    assert lv[1, 1] == pytest.approx(1.0)
    assert 0 < lv[0, 1] < lv[1, 0] < 1


def test_render_frame_points_then_density_with_classes():
    from workbench.layers.points import density_cell_m, density_lut, make_sprite, render_frame

    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1000, 5000)
    y = rng.uniform(0, 1000, 5000)
    x[0] = np.nan
    sprites = [make_sprite(7, "o", (255, 0, 0, 255)), make_sprite(7, "s", (0, 0, 255, 255))]
    classes = (np.arange(5000) % 3).astype(np.int8) - 1  # -1 (other), 0, 1
    sprites.append(make_sprite(7, "t", (0, 255, 0, 255)))
    lut = density_lut((0, 0, 255, 255))
    f = render_frame(
        x,
        y,
        (0, 0, 500, 500),
        (200, 100),
        threshold=10_000,
        density_lut=lut,
        sprites=sprites,
        classes=classes,
    )
    assert f.detail == "points" and f.image.shape == (100, 200, 4)
    assert f.visible == f.indices.size == f.class_counts.sum() > 0
    assert (f.image[..., 3] > 0).mean() > 0.05  # not blank
    f2 = render_frame(
        x, y, (0, 0, 1000, 1000), (200, 100), threshold=100, density_lut=lut, sprites=sprites
    )
    assert f2.detail == "density" and f2.indices.size == 0
    # bins of DENSITY_CELL_PX screen pixels (5 m per pixel here), aligned to whole bins
    cells = int(np.ceil(1000 / density_cell_m(1000 / 200)))
    assert f2.image.shape == (cells, cells, 4) and f2.visible == 4999
    sprite = make_sprite(9, "o", (10, 20, 30, 200))
    assert sprite.shape == (9, 9, 4) and sprite[4, 4, 3] == 200 and sprite[0, 0, 3] == 0


def _splat_reference(canvas, px, py, sprite):
    """The straightforward pass per sprite pixel over all points (the previous splat)."""
    h, w = canvas.shape[:2]
    s = sprite.shape[0]
    half = s // 2
    flat = canvas.reshape(-1, 4)
    for dy in range(s):
        for dx in range(s):
            rgba = sprite[dy, dx]
            a = int(rgba[3])
            if a == 0:
                continue
            tx, ty = px + (dx - half), py + (dy - half)
            ok = (tx >= 0) & (tx < w) & (ty >= 0) & (ty < h)
            idx = ty[ok] * w + tx[ok]
            if a == 255:
                flat[idx] = rgba
            else:
                f = a / 255.0
                dst = flat[idx].astype(np.float32)
                out = np.empty_like(dst)
                out[:, :3] = rgba[:3] * f + dst[:, :3] * (1 - f)
                out[:, 3] = a + dst[:, 3] * (1 - f)
                flat[idx] = out.astype(np.uint8)


def test_splat_matches_the_reference_pixel_for_pixel():
    from workbench.layers.points import make_sprite, splat

    rng = np.random.default_rng(5)
    for _ in range(15):
        h, w = int(rng.integers(5, 120)), int(rng.integers(5, 160))
        n = int(rng.integers(0, 1500))
        px = rng.integers(-12, w + 12, n)
        py = rng.integers(-12, h + 12, n)
        if n:  # many points on one pixel
            px[: n // 3], py[: n // 3] = px[0], py[0]
        for size, symbol, color, outline in (
            (9.0, "o", (25, 90, 200, 235), (255, 255, 255, 230)),
            (5.0, "s", (235, 130, 30, 170), (255, 255, 255, 90)),
            (8.0, "t", (130, 60, 170, 235), (255, 255, 255, 220)),
            (3.0, "s", (1, 2, 3, 255), (4, 5, 6, 255)),
        ):
            sprite = make_sprite(size, symbol, color, outline)
            want = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
            got = want.copy()
            _splat_reference(want, px, py, sprite)
            splat(got, px, py, sprite)
            np.testing.assert_array_equal(got, want)
