"""The density raster: smoothed, binned on a grid that follows the zoom and stays put when the
view pans, coloured with a ramp that keeps the layer's hue instead of washing it out."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest

from workbench.layers.points import (
    DENSITY_CELL_PX,
    blur,
    density_cell_m,
    density_grid,
    density_lut,
    render_frame,
)

LUT = density_lut((25, 90, 200, 235))


def density(x, y, extent, pixels=(300, 200)):
    return render_frame(
        np.asarray(x, float),
        np.asarray(y, float),
        extent,
        pixels,
        threshold=0,
        density_lut=LUT,
        sprites=[np.zeros((3, 3, 4), np.uint8)],
    )


def test_an_isolated_point_is_a_soft_spot_not_a_block():
    # one point in the middle of an empty view: the raster fades out from it over a few
    # cells (the old raster coloured one hard-edged cell at full strength)
    f = density([500.0], [500.0], (0.0, 0.0, 1000.0, 1000.0), (300, 300))
    assert f.detail == "density"
    alpha = f.image[..., 3].astype(int)
    lit = np.argwhere(alpha > 0)
    assert 9 <= len(lit) <= 25  # the blur's reach: at most 5 x 5 cells
    cy, cx = np.unravel_index(np.argmax(alpha), alpha.shape)
    row = alpha[cy, cx - 2 : cx + 3]
    assert row[2] == row.max() and row[0] < row[1] < row[2] and row[4] < row[3] < row[2]


def test_blur_keeps_the_total_and_leaves_far_cells_empty():
    grid = np.zeros((20, 30), np.float32)
    grid[10, 15] = 7
    grid[3, 4] = 2
    out = blur(grid, 2)
    assert out.sum() == pytest.approx(9, rel=1e-5)
    assert out[10, 15] < 7 and out[10, 17] > 0 and out[10, 18] == 0 and out[0, 29] == 0


def test_bins_follow_the_zoom_at_constant_screen_pixels():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 100_000, 50_000)
    y = rng.uniform(0, 100_000, 50_000)
    for width_m in (100_000.0, 20_000.0, 4_000.0):
        extent = (0.0, 0.0, width_m, width_m * 2 / 3)
        f = density(x, y, extent, (600, 400))
        cell = density_cell_m(width_m / 600)
        assert cell == pytest.approx(DENSITY_CELL_PX * width_m / 600)
        # every bin is DENSITY_CELL_PX screen pixels wide at every zoom
        gx0, _, gx1, _ = f.extent
        assert (gx1 - gx0) / f.image.shape[1] == pytest.approx(cell)
        assert f.image.shape[1] == pytest.approx(600 / DENSITY_CELL_PX, abs=2)


def test_panning_keeps_the_bins_in_place():
    rng = np.random.default_rng(9)
    x = rng.normal(5_000, 1_500, 20_000)
    y = rng.normal(5_000, 1_500, 20_000)
    cell = density_cell_m(10.0)  # 10 m per pixel
    a = density(x, y, (0.0, 0.0, 3000.0, 2000.0), (300, 200))
    shift = 0.37 * cell  # less than a bin
    b = density(x, y, (shift + 1000, 1000.0, shift + 4000, 3000.0), (300, 200))
    # the grids are aligned to whole bins, so a pan moves the window, not the bins
    for f in (a, b):
        assert f.extent[0] / cell == pytest.approx(round(f.extent[0] / cell), abs=1e-6)
        assert f.extent[1] / cell == pytest.approx(round(f.extent[1] / cell), abs=1e-6)
    ga, ea = density_grid(x, y, a.extent, cell)
    gb, eb = density_grid(x, y, b.extent, cell)
    off_x = round((eb[0] - ea[0]) / cell)
    off_y = round((eb[1] - ea[1]) / cell)
    ny, nx = ga.shape[0] - off_y, ga.shape[1] - off_x
    assert ny > 10 and nx > 10
    np.testing.assert_allclose(ga[off_y:, off_x:], gb[:ny, :nx], rtol=1e-5, atol=1e-5)


def test_points_just_outside_the_view_blur_into_its_edge():
    # a cluster a bin beyond the east edge: the edge shows it fading in, as it will when
    # the view pans there (the grid counts the blur's margin)
    extent = (0.0, 0.0, 3000.0, 2000.0)
    cell = density_cell_m(10.0)
    x = np.full(50, 3000.0 + 0.5 * cell)
    y = np.full(50, 1000.0)
    grid, gext = density_grid(x, y, extent, cell)
    assert gext[2] >= extent[2] and grid[:, -1].max() > 0
    assert grid[:, : grid.shape[1] // 2].max() == 0


def test_ramp_keeps_the_layer_hue_saturated_and_clears_sparse_areas():
    base = (25, 90, 200)
    _, s0, _ = colorsys.rgb_to_hsv(*(c / 255 for c in base))
    h0 = colorsys.rgb_to_hsv(*(c / 255 for c in base))[0]
    assert tuple(LUT[0]) == (0, 0, 0, 0)
    for r, g, b, _ in LUT[1:]:
        h, s, _ = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
        # not murky: the layer's own hue, never washed towards grey
        assert abs(h - h0) < 0.02 and s >= 0.6 * s0
    alpha = LUT[1:, 3].astype(int)
    assert np.all(np.diff(alpha) >= 0)
    assert alpha[0] <= 40 and alpha[-1] >= 230  # sparse: nearly clear; dense: solid
    value = LUT[1:, :3].max(axis=1).astype(int)
    assert value[-1] < value[0]  # dense is deeper, sparse lighter


def test_dense_and_sparse_views_render_the_same_frame():
    # most points near the view: binned with masks over the whole arrays; few: gathered
    # first. Far-away points (and unplaced rows) must not change the frame.
    rng = np.random.default_rng(11)
    x = rng.normal(5_000, 1_000, 30_000)
    y = rng.normal(5_000, 1_000, 30_000)
    x[:50] = np.nan
    cls = (np.arange(30_000) % 3).astype(np.int8)
    far = 200_000
    xf = np.concatenate([x, np.full(far, 9e6)])
    yf = np.concatenate([y, np.full(far, 9e6)])
    clsf = np.concatenate([cls, np.zeros(far, np.int8)])
    sprites = [np.zeros((3, 3, 4), np.uint8)] * 4
    extent = (2_000.0, 2_000.0, 8_000.0, 6_000.0)
    for threshold in (0, 10**9):  # density, then points
        a, b = (
            render_frame(
                xs,
                ys,
                extent,
                (600, 400),
                threshold=threshold,
                density_lut=LUT,
                sprites=sprites,
                classes=c,
            )
            for xs, ys, c in ((x, y, cls), (xf, yf, clsf))
        )
        assert a.detail == b.detail and a.visible == b.visible > 20_000
        assert a.extent == b.extent
        np.testing.assert_array_equal(a.image, b.image)
        np.testing.assert_array_equal(a.class_counts, b.class_counts)
        np.testing.assert_array_equal(a.indices, b.indices)
