"""A local WMTS-like tile server for tests: ``GET /wmts/{z}/{row}/{col}.png`` returns a
generated 256x256 PNG (raw bytes, no Qt), coloured per tile with a grid so tiles differ.
Real sockets on 127.0.0.1, port 0; every request is counted. ``stop()`` closes the socket,
so a later request fails like an offline network."""

from __future__ import annotations

import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode an (h, w, 3) uint8 array as PNG."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[i].tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def tile_png(z: int, row: int, col: int) -> bytes:
    img = np.zeros((256, 256, 3), dtype=np.uint8)
    img[:, :] = ((40 * z + 30) % 256, (70 * row + 90) % 256, (50 * col + 150) % 256)
    img[::32, :] = (255, 255, 255)
    img[:, ::32] = (255, 255, 255)
    img[100:156, 100:156] = (20, 20, 20)
    return png_bytes(img)


class TileServer:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, in order
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                server.headers.append(dict(self.headers))
                parts = self.path.split("?")[0].strip("/").split("/")
                try:
                    assert parts[0] == "wmts"
                    z, row = int(parts[1]), int(parts[2])
                    col = int(parts[3].split(".")[0])
                except (AssertionError, IndexError, ValueError):
                    self.send_response(404)
                    self.end_headers()
                    return
                body = tile_png(z, row, col)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url_template = (
            f"http://127.0.0.1:{self.port}/wmts/{{TileMatrix}}/{{TileRow}}/{{TileCol}}.png"
        )
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> TileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
