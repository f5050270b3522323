"""Each plugin's local server built from the fixtures, and how to run the plugin against it.

A :class:`Scenario` serves the good answers on a :class:`FixtureServer`, names the route the
fault suite breaks, and builds a host for the cache. The CVR scenario serves the fake
Elasticsearch through the same server, so every fault is injected the same way.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.plugins.fake_es import FakeElasticsearch, synthetic_stream
from tests.plugins.fixture_server import FixtureServer, Reply, Request
from tests.plugins.test_addresses import REGISTER_CSV, adressevaelger, seed
from tests.plugins.test_jobindsats import KEY, serve_jobindsats
from tests.plugins.test_statbank import STRAF42_CONFIG, _serve_straf42
from tests.plugins.test_taxonomies import serve_taxonomies
from workbench.core.config import load_settings
from workbench.core.plugins.host import PluginHost, discover
from workbench.core.plugins.http import make_session

HTTP = "[http]\nretries = 1\nbackoff_s = 0\ntimeout_s = 0.25\nretry_after_max_s = 0\n\n"
CVR_USER, CVR_PASSWORD = "wb-fault", "fault-pw-123"


@dataclass
class Scenario:
    plugin: str
    target: tuple[str, str]  # the (method, path) the faults hit
    serve: Callable[[FixtureServer, Path], object]
    config: Callable[[FixtureServer, Path], str]  # TOML of the plugin sections
    mutate: str  # a table whose first row is dropped to make "previous" differ from a reload
    before: tuple[str, ...] = ()  # plugins run once first (e.g. boundaries for jobindsats)
    seed: Callable[[Path], None] | None = None
    env: dict[str, str] = field(default_factory=dict)

    def host(self, tmp: Path, server: FixtureServer, shared: Path, cache: Path) -> PluginHost:
        cfg = tmp / f"{self.plugin}.toml"
        cfg.write_text(HTTP + self.config(server, shared), "utf-8")
        ids = {self.plugin, *self.before}
        return PluginHost(
            cache,
            load_settings(cfg, environ=self.env),
            plugins=[p for p in discover() if p.id in ids],
            session_factory=lambda c: make_session(c, sleep=lambda s: None),
        )


def _boundaries_section(url: str) -> str:
    return (
        f'[plugins.boundaries]\nurl = "{url}"\ncode_property = "kode"\nname_property = "navn"\n'
        'regions_url = ""\nregion_property = ""\n'
    )


@functools.cache
def _some_kommuner(shared: Path, n: int = 12) -> bytes:
    """The first ``n`` real municipalities (all 99 take seconds a run to parse and repair)."""
    data = json.loads((shared / "boundaries" / "kommuner.geojson").read_text("utf-8"))
    return json.dumps({**data, "features": data["features"][:n]}).encode("utf-8")


def _serve_boundaries(server: FixtureServer, shared: Path) -> None:
    body = _some_kommuner(shared)
    server.route("GET", "/k.geojson", Reply(200, body, {"Content-Type": "application/geo+json"}))


def _serve_addresses(server: FixtureServer, shared: Path) -> None:
    server.route("GET", "/dar/adresser.csv", Reply.text(REGISTER_CSV.encode("utf-8"), "text/csv"))
    adressevaelger(server)


def _serve_cvr(server: FixtureServer, shared: Path) -> None:
    """The fake Elasticsearch (60 synthetic companies) behind the fixture server's routes."""
    es = FakeElasticsearch(log_requests=False)
    es.set_index("virksomhed", lambda: synthetic_stream(60))
    es.set_index("produktionsenhed", [])

    def answer(result: tuple[int, bytes]) -> Reply:
        return Reply(result[0], result[1], {"Content-Type": "application/json"})

    def search(index: str) -> Callable[[Request], Reply]:
        return lambda req: answer(es.search(index, req.json()))

    for index in ("virksomhed", "produktionsenhed"):
        server.route("POST", f"/cvr-permanent/{index}/_search", handler=search(index))
    server.route("POST", "/_search/scroll", handler=lambda req: answer(es.scroll(req.json())))
    server.route("DELETE", "/_search/scroll", handler=lambda req: answer(es.clear(req.json())))


SCENARIOS = {
    (s.plugin if s.target[1] != "/esco/search" else "taxonomies-esco"): s
    for s in (
        Scenario(
            plugin="cvr",
            target=("POST", "/_search/scroll"),
            serve=_serve_cvr,
            config=lambda srv, shared: (
                f'[plugins.cvr]\nbase_url = "{srv.url}"\nusername = "{CVR_USER}"\n'
                f'password = "{CVR_PASSWORD}"\nmode = "full"\npage_size = 10\nbatch_rows = 25\n'
            ),
            mutate="companies",
        ),
        Scenario(
            plugin="statbank",
            target=("POST", "/v1/data"),
            serve=lambda srv, shared: _serve_straf42(srv, shared),
            config=lambda srv, shared: (
                f'[plugins.statbank]\nbase_url = "{srv.url}/v1"\n' + STRAF42_CONFIG
            ),
            mutate="unemployment_stats",
        ),
        Scenario(
            plugin="jobindsats",
            target=("POST", "/v2/data/Y30R21/json"),
            serve=lambda srv, shared: serve_jobindsats(srv, shared),
            config=lambda srv, shared: (
                _boundaries_section((shared / "boundaries" / "kommuner.geojson").as_posix())
                + f'\n[plugins.jobindsats]\nbase_url = "{srv.url}/v2"\nperiods = 2\n'
            ),
            mutate="unemployment_stats",
            before=("boundaries",),
            env={"WORKBENCH__PLUGINS__JOBINDSATS__API_KEY": KEY},
        ),
        Scenario(
            plugin="taxonomies",
            target=("GET", "/db07.tsv"),
            serve=lambda srv, shared: serve_taxonomies(srv, shared),
            config=lambda srv, shared: (
                f'[plugins.taxonomies]\ndb07_url = "{srv.url}/db07.tsv"\ndisco_url = ""\n'
            ),
            mutate="industries",
        ),
        Scenario(
            plugin="taxonomies",
            target=("GET", "/esco/search"),
            serve=lambda srv, shared: serve_taxonomies(srv, shared),
            config=lambda srv, shared: (
                f'[plugins.taxonomies]\ndb07_url = "{srv.url}/db07.tsv"\n'
                f'disco_url = "{srv.url}/disco.csv"\ndisco_aliases_url = "{srv.url}/aliases.csv"\n'
                f'esco = true\nesco_skills = true\nesco_page_size = 2\nesco_base_url = "{srv.url}/esco"\n'
            ),
            mutate="occupations",
        ),
        Scenario(
            plugin="addresses",
            target=("GET", "/dar/adresser.csv"),
            serve=_serve_addresses,
            config=lambda srv, shared: (
                f'[plugins.addresses]\nregister_url = "{srv.url}/dar/adresser.csv"\n'
                f'base_url = "{srv.url}"\ntoken = "tok-123"\n'
            ),
            mutate="addresses",
            seed=seed,
        ),
        Scenario(
            plugin="boundaries",
            target=("GET", "/k.geojson"),
            serve=_serve_boundaries,
            config=lambda srv, shared: _boundaries_section(f"{srv.url}/k.geojson"),
            mutate="municipalities",
        ),
    )
}


def _cut(reply: Reply) -> Reply:
    return Reply(reply.status, reply.body, dict(reply.headers), cut=True)


# fault name -> (call number, the good reply for this request) -> the reply sent
FAULTS: dict[str, Callable[[int, Callable[[], Reply]], Reply]] = {
    "500-once": lambda n, good: Reply(status=500) if n == 1 else good(),
    "500-always": lambda n, good: Reply(status=500),
    "502-once": lambda n, good: Reply(status=502) if n == 1 else good(),
    "429-once": lambda n, good: (
        Reply(status=429, headers={"Retry-After": "0"}) if n == 1 else good()
    ),
    "timeout-once": lambda n, good: Reply(hang=True) if n == 1 else good(),
    "timeout-always": lambda n, good: Reply(hang=True),
    "drop-once": lambda n, good: Reply(drop=True) if n == 1 else good(),
    "cut-once": lambda n, good: _cut(good()) if n == 1 else good(),
    "cut-always": lambda n, good: _cut(good()),
    "wrong-shape": lambda n, good: Reply.json({"unexpected": [1, 2, 3]}),
    "list-shape": lambda n, good: Reply.json([{"x": 1}]),
    "not-json": lambda n, good: Reply.text(
        "<html><body>Vedligeholdelse</body></html>", "text/html"
    ),
    "empty-200": lambda n, good: Reply(status=200, body=b""),
}


def inject(server: FixtureServer, target: tuple[str, str], fault: str) -> None:
    """Replace the target route by one that answers through ``FAULTS[fault]``."""
    route = server.routes[target]
    calls = 0

    def handler(req: Request) -> Reply:
        nonlocal calls
        calls += 1
        return FAULTS[fault](calls, lambda: route.next(req))

    server.route(*target, handler=handler)


def describe(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
