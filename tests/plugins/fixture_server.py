"""A programmable HTTP server on 127.0.0.1 for plugin tests (real sockets, no mocks).

Routes map ``(METHOD, path)`` to a response, a sequence of responses (one per request, the
last one repeats: fault injection such as "500 then 200") or a handler function. Every
request is recorded. Faults: ``Reply(hang=True)`` holds the connection until the test ends
(or :meth:`FixtureServer.release`), so a client timeout fires without sleeping in the test;
``Reply(drop=True)`` closes the connection without an answer; ``Reply(cut=True)`` sends the
headers (with the full ``Content-Length``) and half of the body, then closes the connection.

    with FixtureServer() as srv:
        srv.route("GET", "/k.geojson", Reply.file(path, "application/geo+json"))
        srv.route("POST", "/v1/data", [Reply(status=500), Reply.json({...})])
        srv.route("GET", "/v1/tableinfo", handler=lambda req: Reply.json({"id": req.query["id"][0]}))
        requests.get(srv.url + "/k.geojson")
        assert srv.requests[0].headers["User-Agent"]
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

HANG_LIMIT_S = 30.0  # a hanging reply gives up by itself after this, so a test cannot hang


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    drop: bool = False
    cut: bool = False

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(
            status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        )

    @classmethod
    def text(
        cls, text: str | bytes, content_type: str = "text/plain; charset=utf-8", status: int = 200
    ) -> Reply:
        body = text.encode("utf-8") if isinstance(text, str) else text
        return cls(status, body, {"Content-Type": content_type})

    @classmethod
    def file(cls, path: str | Path, content_type: str = "application/octet-stream") -> Reply:
        return cls(200, Path(path).read_bytes(), {"Content-Type": content_type})


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


Handler = Callable[[Request], Reply]


class _Route:
    def __init__(self, replies: Sequence[Reply] | None, handler: Handler | None):
        self.replies = list(replies or [])
        self.handler = handler
        self.calls = 0
        self.lock = threading.Lock()

    def next(self, request: Request) -> Reply:
        with self.lock:
            i = self.calls
            self.calls += 1
        if self.handler is not None:
            return self.handler(request)
        return self.replies[min(i, len(self.replies) - 1)]


class FixtureServer:
    """A ThreadingHTTPServer on 127.0.0.1, port chosen by the OS."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], _Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k: v for k, v in self.headers.items()},
                    body=body,
                )
                with server._lock:
                    server.requests.append(req)
                route = server._match(self.command, parts.path)
                if route is None:
                    reply = Reply.json(
                        {"error": f"no route {self.command} {parts.path}"}, status=404
                    )
                else:
                    try:
                        reply = route.next(req)
                    except Exception as exc:  # a broken handler is a 500, visible in the test
                        reply = Reply.json({"error": repr(exc)}, status=500)
                if reply.hang:
                    server._release.wait(HANG_LIMIT_S)
                    self.close_connection = True
                    return
                if reply.drop:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.cut:
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fixture-server",
            daemon=True,
        )

    # -- lifecycle

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FixtureServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def release(self) -> None:
        """Let hanging replies finish (they close the connection without an answer)."""
        self._release.set()

    # -- routes

    def route(
        self,
        method: str,
        path: str,
        replies: Reply | Sequence[Reply] | None = None,
        *,
        handler: Handler | None = None,
    ) -> None:
        """Serve ``path`` (exact, or a prefix when it ends with ``*``)."""
        if (replies is None) == (handler is None):
            raise ValueError("give replies or a handler")
        if isinstance(replies, Reply):
            replies = [replies]
        self.routes[(method.upper(), path)] = _Route(replies, handler)

    def _match(self, method: str, path: str) -> _Route | None:
        route = self.routes.get((method, path))
        if route is not None:
            return route
        best = None
        for (m, p), r in self.routes.items():
            prefix = m == method and p.endswith("*") and path.startswith(p[:-1])
            if prefix and (best is None or len(p) > len(best[0])):
                best = (p, r)
        return best[1] if best else None

    def calls(self, path: str, method: str | None = None) -> list[Request]:
        """Recorded requests to ``path`` (and ``method``)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path == path and (method is None or r.method == method)
            ]
