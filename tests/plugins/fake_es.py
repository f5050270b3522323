# %-formatting builds the synthetic documents: the fastest way to make 2M of them.
# ruff: noqa: UP031
"""A small local stand-in for CVR's Elasticsearch scroll API, for tests and benchmarks.

Not used by the refresh itself. It speaks just enough of the protocol the plugin uses:

- ``POST /cvr-permanent/{index}/_search?scroll=5m`` with ``{"query": ..., "size": n}``
- ``POST /_search/scroll`` with ``{"scroll": "5m", "scroll_id": ...}``
- ``DELETE /_search/scroll``

Queries understood: ``match_all``, ``range`` (gte/gt/lte/lt on a dotted field), ``terms``,
``term`` and ``bool`` (``must``/``filter``). Failures can be injected: an expired scroll
(HTTP 404 ``search_context_missing_exception``) after some pages, or an HTTP status for the
next requests of a kind, or ``scroll_hook`` that sees each scroll answer after the cursor
moved and may replace it or drop the connection (an answer lost on the way back).
HTTP Basic credentials are checked when given.

``synthetic_stream`` generates CVR-shaped documents as JSON text, fast enough to serve 2M
documents; run ``python -m tests.plugins.fake_es --synthetic N`` to serve them from
another process (the port is printed on stdout).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import itertools
import json
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# A document is a dict (``_source``) or pre-serialised JSON text of the ``_source``.
Doc = dict[str, Any] | str
DocSource = Callable[[], Iterable[Doc]]


def _lookup(doc: Any, path: str) -> list[Any]:
    """All values at a dotted path, descending through lists."""
    values = [doc]
    for part in path.split("."):
        nxt: list[Any] = []
        for value in values:
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, Mapping) and part in item:
                        nxt.append(item[part])
            elif isinstance(value, Mapping) and part in value:
                nxt.append(value[part])
        values = []
        for value in nxt:
            if isinstance(value, list) and value and not isinstance(value[0], Mapping):
                values.extend(value)
            else:
                values.append(value)
    return values


def matches(doc: Any, query: Mapping[str, Any] | None) -> bool:
    """Evaluate the subset of the ES query DSL described in the module docstring."""
    if not query or "match_all" in query:
        return True
    if isinstance(doc, str):
        doc = json.loads(doc)
    if "bool" in query:
        clauses = list(query["bool"].get("must", [])) + list(query["bool"].get("filter", []))
        if isinstance(query["bool"].get("filter"), Mapping):
            clauses = [query["bool"]["filter"]]
        return all(matches(doc, c) for c in clauses)
    if "range" in query:
        ((path, cond),) = query["range"].items()
        values = [v for v in _lookup(doc, path) if v is not None]

        def ok(v: Any) -> bool:
            v = str(v)
            return (
                ("gte" not in cond or v >= str(cond["gte"]))
                and ("gt" not in cond or v > str(cond["gt"]))
                and ("lte" not in cond or v <= str(cond["lte"]))
                and ("lt" not in cond or v < str(cond["lt"]))
            )

        return any(ok(v) for v in values)
    if "terms" in query:
        ((path, wanted),) = query["terms"].items()
        wanted_s = {str(w) for w in wanted}
        return any(str(v) in wanted_s for v in _lookup(doc, path))
    if "term" in query:
        ((path, wanted),) = query["term"].items()
        if isinstance(wanted, Mapping):
            wanted = wanted.get("value")
        return any(str(v) == str(wanted) for v in _lookup(doc, path))
    raise ValueError(f"fake_es: unsupported query {sorted(query)}")


@dataclass
class _Scroll:
    index: str
    hits: Iterator[Doc]
    size: int
    total: int
    pages: int = 0


@dataclass
class FakeElasticsearch:
    """State of the fake service. ``indices`` maps index name to a callable giving documents."""

    indices: dict[str, DocSource] = field(default_factory=dict)
    username: str | None = None
    password: str | None = None
    expire_after_pages: int | None = None  # scroll requests fail after this many pages
    totals: dict[str, int] = field(default_factory=dict)  # fixed hits.total (synthetic)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    _failures: list[tuple[str, int, int, str]] = field(default_factory=list)
    _scrolls: dict[str, _Scroll] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    log_requests: bool = True
    # scroll_hook(n, status, body) after the n-th scroll request (1-based) moved the cursor:
    # None keeps the answer, (status, body) replaces it, "drop" closes without an answer,
    # "cut" closes half way through the body.
    scroll_hook: Callable[[int, int, bytes], tuple[int, bytes] | str | None] | None = None
    scroll_calls: int = 0

    def set_index(self, name: str, docs: Iterable[Doc] | DocSource) -> None:
        if callable(docs):
            self.indices[name] = docs
        else:
            fixed = list(docs)
            self.indices[name] = lambda: fixed

    def fail_next(self, kind: str, status: int, times: int = 1, body: str = "") -> None:
        """Answer the next ``times`` requests of ``kind`` ("search", "scroll") with ``status``."""
        self._failures.append((kind, status, times, body))

    def _take_failure(self, kind: str) -> tuple[int, str] | None:
        with self._lock:
            for i, (k, status, times, body) in enumerate(self._failures):
                if k == kind:
                    if times <= 1:
                        self._failures.pop(i)
                    else:
                        self._failures[i] = (k, status, times - 1, body)
                    return status, body
        return None

    @property
    def open_scrolls(self) -> int:
        return len(self._scrolls)

    # ------------------------------------------------------------------ protocol

    def search(self, index: str, body: Mapping[str, Any]) -> tuple[int, bytes]:
        source = self.indices.get(index)
        if source is None:
            return 404, _err("index_not_found_exception", f"no such index [{index}]")
        query = body.get("query")
        size = int(body.get("size", 10))
        if index in self.totals and (not query or "match_all" in query):
            total = self.totals[index]
            hits = iter(source())
        else:
            selected = [d for d in source() if matches(d, query)]
            total = len(selected)
            hits = iter(selected)
        scroll_id = base64.b64encode(uuid.uuid4().bytes).decode()
        state = _Scroll(index=index, hits=hits, size=size, total=total)
        with self._lock:
            self._scrolls[scroll_id] = state
        return 200, self._page(scroll_id, state)

    def scroll(self, body: Mapping[str, Any]) -> tuple[int, bytes]:
        scroll_id = str(body.get("scroll_id"))
        with self._lock:
            state = self._scrolls.get(scroll_id)
        if state is None or (
            self.expire_after_pages is not None and state.pages >= self.expire_after_pages
        ):
            with self._lock:
                self._scrolls.pop(scroll_id, None)
            return 404, _err(
                "search_context_missing_exception", f"No search context found for id [{scroll_id}]"
            )
        return 200, self._page(scroll_id, state)

    def clear(self, body: Mapping[str, Any]) -> tuple[int, bytes]:
        ids = body.get("scroll_id") or []
        if isinstance(ids, str):
            ids = [ids]
        freed = 0
        with self._lock:
            for scroll_id in ids:
                if self._scrolls.pop(str(scroll_id), None) is not None:
                    freed += 1
        return 200, json.dumps({"succeeded": True, "num_freed": freed}).encode()

    def _page(self, scroll_id: str, state: _Scroll) -> bytes:
        docs = list(itertools.islice(state.hits, state.size))
        state.pages += 1
        parts = []
        for doc in docs:
            src = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False)
            parts.append(f'{{"_index":"cvr-{state.index}","_type":"_doc","_source":{src}}}')
        text = (
            f'{{"_scroll_id":{json.dumps(scroll_id)},"took":1,"timed_out":false,'
            f'"hits":{{"total":{state.total},"max_score":1.0,"hits":[{",".join(parts)}]}}}}'
        )
        return text.encode("utf-8")


def _err(kind: str, reason: str) -> bytes:
    return json.dumps(
        {
            "error": {
                "root_cause": [{"type": kind, "reason": reason}],
                "type": kind,
                "reason": reason,
            },
            "status": 404,
        }
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def _authorised(self) -> bool:
        es = self.server.es
        if es.username is None:
            return True
        expected = base64.b64encode(f"{es.username}:{es.password or ''}".encode()).decode()
        return self.headers.get("Authorization") == f"Basic {expected}"

    def _handle(self, method: str) -> None:
        es = self.server.es
        url = urlsplit(self.path)
        body = self._body()
        if es.log_requests:
            es.requests.append((method, url.path, {"query": parse_qs(url.query), "body": body}))
        if not self._authorised():
            self._send(401, _err("security_exception", "missing authentication credentials"))
            return
        parts = [p for p in url.path.split("/") if p]
        if (
            method == "POST"
            and len(parts) == 3
            and parts[0] == "cvr-permanent"
            and parts[2] == "_search"
        ):
            failure = es._take_failure("search")
            if failure:
                self._send(failure[0], failure[1].encode() or _err("fake_failure", "injected"))
                return
            self._send(*es.search(parts[1], body))
        elif url.path == "/_search/scroll" and method == "POST":
            failure = es._take_failure("scroll")
            if failure:
                self._send(failure[0], failure[1].encode() or _err("fake_failure", "injected"))
                return
            status, payload = es.scroll(body)
            with es._lock:
                es.scroll_calls += 1
                n = es.scroll_calls
            changed = es.scroll_hook(n, status, payload) if es.scroll_hook else None
            if changed == "drop":
                self.close_connection = True
                return
            if changed == "cut":  # the full length announced, half the body sent
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload[: len(payload) // 2])
                self.close_connection = True
                return
            if isinstance(changed, tuple):
                status, payload = changed
            self._send(status, payload)
        elif url.path == "/_search/scroll" and method == "DELETE":
            self._send(*es.clear(body))
        else:
            self._send(404, _err("not_found", f"{method} {url.path}"))

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_GET(self) -> None:
        self._handle("GET")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    es: FakeElasticsearch


class FakeElasticsearchServer:
    """Serve a :class:`FakeElasticsearch` on 127.0.0.1 (context manager)."""

    def __init__(self, es: FakeElasticsearch | None = None, port: int = 0):
        self.es = es or FakeElasticsearch()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.es = self.es
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeElasticsearchServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> FakeElasticsearchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------------- synthetic documents

_STREETS = (
    "Vesterbrogade",
    "Gærtorvet",
    "Bredgade",
    "Nørregade",
    "Åboulevarden",
    "Skt. Clemens Torv",
)
_KOMMUNER = (101, 147, 151, 157, 461, 573, 751, 851)
_BANDS = ("ANTAL_1_1", "ANTAL_2_4", "ANTAL_5_9", "ANTAL_10_19", "ANTAL_20_49", "ANTAL_50_99")


def synthetic_company(i: int) -> str:
    """The ``_source`` JSON of synthetic company number ``i`` (CVR-shaped, deterministic)."""
    cvr = 10_000_000 + i
    street = _STREETS[i % len(_STREETS)]
    kommune = _KOMMUNER[i % len(_KOMMUNER)]
    band = _BANDS[i % len(_BANDS)]
    ceased = i % 7 == 0
    til = '"2020-01-16"' if ceased else "null"
    return (
        '{"Vrvirksomhed":{"cvrNummer":%d,"reklamebeskyttet":%s,'
        '"navne":[{"navn":"Firma %d ApS","periode":{"gyldigFra":"2010-01-01","gyldigTil":%s}}],'
        '"beliggenhedsadresse":[{"vejnavn":"%s","husnummerFra":%d,"bogstavFra":null,'
        '"husnummerTil":null,"etage":null,"sidedoer":null,"postnummer":%d,'
        '"postdistrikt":"By","landekode":"DK","adresseId":null,'
        '"kommune":{"kommuneKode":%d},"periode":{"gyldigFra":"2010-01-01","gyldigTil":%s}}],'
        '"hovedbranche":[{"branchekode":"%06d","branchetekst":"Branche","periode":'
        '{"gyldigFra":"2010-01-01","gyldigTil":%s}}],'
        '"maanedsbeskaeftigelse":[{"aar":2024,"maaned":%d,"antalAnsatte":%d,'
        '"intervalKodeAntalAnsatte":"%s"}],"kvartalsbeskaeftigelse":[],"aarsbeskaeftigelse":[],'
        '"penheder":[{"pNummer":%d,"periode":{"gyldigFra":"2010-01-01","gyldigTil":%s}}],'
        '"virksomhedsstatus":[],"virksomhedsform":[{"langBeskrivelse":"Anpartsselskab",'
        '"periode":{"gyldigFra":"2010-01-01","gyldigTil":%s}}],'
        '"livsforloeb":[{"periode":{"gyldigFra":"2010-01-01","gyldigTil":%s}}],'
        '"virksomhedMetadata":{"sammensatStatus":"%s","stiftelsesDato":"2010-01-01"},'
        '"sidstOpdateret":"2024-%02d-01T10:00:00.000+01:00"}}'
        % (
            cvr,
            "true" if i % 5 == 0 else "false",
            i,
            til,
            street,
            1 + i % 200,
            1000 + i % 8999,
            kommune,
            til,
            100000 + i % 890000,
            til,
            1 + i % 12,
            1 + i % 50,
            band,
            1_000_000_000 + i,
            til,
            til,
            til,
            "Ophørt" if ceased else "NORMAL",
            1 + i % 12,
        )
    )


def synthetic_stream(n: int, start: int = 0) -> Iterator[str]:
    for i in range(start, start + n):
        yield synthetic_company(i)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="serve synthetic CVR documents on 127.0.0.1")
    parser.add_argument("--synthetic", type=int, required=True, help="number of companies")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    es = FakeElasticsearch(log_requests=False)
    es.set_index("virksomhed", lambda: synthetic_stream(args.synthetic))
    es.set_index("produktionsenhed", lambda: iter(()))
    es.totals["virksomhed"] = args.synthetic
    server = FakeElasticsearchServer(es, port=args.port)
    print(server.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server._server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
