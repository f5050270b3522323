"""Basemap tiles are fetched on worker threads and decoded in the GUI thread: decoding with
Qt on a worker could deadlock against the GUI thread (Qt's plugin-loader lock and the GIL;
seen once as a hung test run)."""

from __future__ import annotations

import threading

from tests.layers.tile_server import tile_png
from workbench.qt.map import basemap


class _Fetcher:
    on_problem = None

    def __init__(self) -> None:
        self.threads: list[str] = []

    def close(self) -> None:
        pass

    def fetch(self, z: int, row: int, col: int) -> bytes:
        self.threads.append(threading.current_thread().name)
        return tile_png(z, row, col)


def test_tiles_are_fetched_on_workers_and_decoded_in_the_gui_thread(qtbot, monkeypatch):
    decoded_in: list[str] = []
    real = basemap.QImage.fromData

    def spy(data, *args):
        decoded_in.append(threading.current_thread().name)
        return real(data, *args)

    monkeypatch.setattr(basemap.QImage, "fromData", staticmethod(spy))
    fetcher = _Fetcher()
    loader = basemap.TileLoader(fetcher)
    loaded: list[tuple] = []
    loader.tileLoaded.connect(lambda key, image: loaded.append((key, image.isNull())))
    keys = [(3, 1, c) for c in range(4)]
    loader.request(keys)
    qtbot.waitUntil(lambda: len(loaded) == 4 and loader.pending() == 0, timeout=10_000)
    loader.close()
    assert sorted(k for k, _ in loaded) == keys and not any(null for _, null in loaded)
    assert fetcher.threads and all(name.startswith("tiles") for name in fetcher.threads)
    assert decoded_in == [threading.main_thread().name] * 4
