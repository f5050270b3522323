"""The per-point passes of the map's frames in blocks, and a view holding every point
(issue #17): the same cells, masks and frames as the passes over whole arrays."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.layers import points as P


def _data(n: int = 5_000, seed: int = 3):
    rng = np.random.default_rng(seed)
    x = rng.uniform(450_000, 890_000, n)
    y = rng.uniform(6_050_000, 6_400_000, n)
    x[::97] = np.nan  # unplaced rows
    y[::89] = np.nan
    return x, y


def test_in_extent_in_blocks_equals_one_pass(monkeypatch):
    x, y = _data()
    ext = (500_000.0, 6_100_000.0, 700_000.0, 6_300_000.0)
    whole = (x >= ext[0]) & (x <= ext[2]) & (y >= ext[1]) & (y <= ext[3])
    monkeypatch.setattr(P, "CHUNK", 333)  # many blocks and a short last one
    np.testing.assert_array_equal(P.in_extent(x, y, ext), whole)


@pytest.mark.parametrize("masked", [False, True])
def test_cells_in_blocks_equal_one_pass(monkeypatch, masked):
    x, y = _data()
    reach = (440_000.0, 6_040_000.0, 900_000.0, 6_410_000.0)
    c, shape = 1_500.0, (247, 307)
    mask = P.in_extent(x, y, reach) if masked else None
    if not masked:  # every point inside: the placed ones only
        ok = ~(np.isnan(x) | np.isnan(y))
        x, y = x[ok], y[ok]
    one = P._cell_index(x, y, reach, c, shape, mask)
    monkeypatch.setattr(P, "CHUNK", 257)
    np.testing.assert_array_equal(P._cell_index(x, y, reach, c, shape, mask), one)
    # and the arithmetic of the grid: column and row of each point
    h, w = shape
    keep = mask if masked else np.ones(x.size, bool)
    col = np.minimum(((x[keep] - reach[0]) / c).astype(np.int64), w - 1)
    row = np.minimum(((y[keep] - reach[1]) / c).astype(np.int64), h - 1)
    np.testing.assert_array_equal(one[keep], row * w + col)
    if masked:
        assert (one[~keep] == w * h).all()


def test_a_view_of_every_point_renders_the_frame_of_the_general_path(monkeypatch):
    x, y = _data(60_000)
    classes = (np.arange(x.size) % 3).astype(np.int8)
    lut = P.density_lut((200, 80, 40, 255))
    sprites = [P.make_sprite(5, "o", (255, 0, 0, 255)) for _ in range(4)]
    ext = (440_000.0, 6_040_000.0, 900_000.0, 6_410_000.0)  # holds every placed point

    def render():
        return P.render_frame(
            x,
            y,
            ext,
            (889, 541),
            threshold=20_000,
            density_lut=lut,
            sprites=sprites,
            classes=classes,
        )

    fast = render()
    monkeypatch.setattr(P, "_contains", lambda outer, inner: False)  # the general path
    slow = render()
    assert fast.detail == slow.detail == "density"
    assert fast.visible == slow.visible == int(np.count_nonzero(~(np.isnan(x) | np.isnan(y))))
    assert fast.extent == slow.extent
    np.testing.assert_array_equal(fast.image, slow.image)
    np.testing.assert_array_equal(fast.class_counts, slow.class_counts)
