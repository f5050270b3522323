"""The configured HTTP session against a real local server: retries, Retry-After, timeouts,
User-Agent, proxy."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
import requests

from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.core.plugins.http import (
    CredentialPolicy,
    CredentialsRefused,
    describe_error,
    make_session,
    redact_url_secrets,
)


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with FixtureServer() as srv:
        yield srv


def _session(sleeps: list[float], **cfg):
    base = {"retries": 3, "backoff_s": 0.5, "timeout_s": 2, "user_agent": "Jobkort-test/1"}
    return make_session({**base, **cfg}, sleep=sleeps.append)


def test_500_then_success_with_backoff_and_user_agent(server: FixtureServer):
    server.route("POST", "/data", [Reply(status=500), Reply(status=502), Reply.json({"ok": True})])
    sleeps: list[float] = []
    r = _session(sleeps).post(server.url + "/data", json={"table": "X"}, idempotent=True)
    assert r.json() == {"ok": True}
    calls = server.calls("/data")
    assert len(calls) == 3 and all(c.json() == {"table": "X"} for c in calls)
    assert calls[0].headers["User-Agent"] == "Jobkort-test/1"
    assert sleeps == [1.0]  # urllib3: no sleep before the first retry, then backoff * 2


def test_429_respects_retry_after_with_a_cap(server: FixtureServer):
    server.route("GET", "/x", [Reply(status=429, headers={"Retry-After": "7"}), Reply.json([1])])
    sleeps: list[float] = []
    assert _session(sleeps).get(server.url + "/x").json() == [1]
    assert sleeps == [7.0]
    server.route("GET", "/y", [Reply(status=429, headers={"Retry-After": "3600"}), Reply.json([2])])
    capped: list[float] = []
    assert _session(capped, retry_after_max_s=5).get(server.url + "/y").json() == [2]
    assert capped == [5.0]


def test_persistent_errors_return_the_last_response(server: FixtureServer):
    server.route("GET", "/down", Reply(status=503))
    r = _session([], retries=2, backoff_s=0).get(server.url + "/down")
    assert r.status_code == 503 and len(server.calls("/down")) == 3
    with pytest.raises(requests.HTTPError) as err:
        r.raise_for_status()
    assert describe_error(err.value) == f"HTTP 503 Service Unavailable fra {server.url}/down"


def test_timeout_is_retried_then_reported(server: FixtureServer):
    server.route("GET", "/slow", Reply(hang=True))
    session = _session([], retries=1, backoff_s=0, timeout_s=0.2)
    with pytest.raises(requests.exceptions.ConnectionError) as err:
        session.get(server.url + "/slow?service=WFS&token=hemmelig-token-42")
    assert len(server.calls("/slow")) == 2
    message = describe_error(err.value)
    assert message.startswith("timeout")
    assert message.endswith(f"timeout fra {server.url}/slow")  # the URL, query stripped
    assert "token" not in message and "?" not in message


def test_connection_refused_is_reported():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(requests.exceptions.ConnectionError) as err:
        _session([], retries=1, backoff_s=0).get(f"http://127.0.0.1:{port}/x?apikey=hemmelig-42")
    assert describe_error(err.value) == (
        f"kan ikke forbinde til kilden — forbindelse mislykkedes til http://127.0.0.1:{port}/x"
    )


def test_connect_timeout_names_the_url_without_credentials_or_query():
    # A connect timeout cannot be provoked reliably on a local socket: build the exception
    # requests raises (it carries the prepared request).
    url = "https://bruger:kodeord@wfs.example.invalid:8443/dagi/wfs?token=hemmelig-42#x"
    request = requests.Request("GET", url).prepare()
    exc = requests.exceptions.ConnectTimeout("connect timed out", request=request)
    assert describe_error(exc) == (
        "timeout ved forbindelse til kilden — timeout fra https://wfs.example.invalid:8443/dagi/wfs"
    )
    bare = requests.exceptions.ConnectionError("no request attached")
    assert describe_error(bare) == "kan ikke forbinde til kilden"


def test_other_request_errors_never_show_query_strings():
    exc = requests.exceptions.InvalidSchema(
        "No connection adapters were found for 'ftp://host/data?token=hemmelig-42&x=1'"
    )
    message = describe_error(exc)
    assert "hemmelig-42" not in message and "ftp://host/data" in message


def test_proxy_from_configuration_is_used(server: FixtureServer):
    server.route("GET", "/via-proxy", Reply.json({"proxied": True}))
    session = _session([], proxy=server.url)
    r = session.get("http://source.invalid/via-proxy")
    assert r.json() == {"proxied": True}
    assert server.calls("/via-proxy")[0].headers["Host"] == "source.invalid"


def test_tokens_in_urls_are_redacted_from_retry_logs(
    server: FixtureServer, caplog: pytest.LogCaptureFixture
):
    server.route("GET", "/wfs", [Reply(status=500), Reply.json({"ok": 1})])
    with caplog.at_level("DEBUG"):
        r = _session([], backoff_s=0).get(server.url + "/wfs?service=WFS&token=hemmelig-token-42")
    assert r.json() == {"ok": 1}
    text = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "/wfs?service=WFS&token=***" in text
    assert "hemmelig-token-42" not in text


def test_secret_names_with_a_prefix_are_redacted_too():
    line = "GET /x?service=WFS&access_token=abc123&client_secret=s3cr3t&x-api-key=k9&page=2"
    assert redact_url_secrets(line) == (
        "GET /x?service=WFS&access_token=***&client_secret=***&x-api-key=***&page=2"
    )


# ---------------------------------------------------------------- only what is safe to repeat


def test_a_post_not_marked_idempotent_is_not_repeated(server: FixtureServer):
    """A scroll POST moves the server's cursor: repeating it after a lost answer skips a page."""
    server.route("POST", "/_search/scroll", [Reply(status=502), Reply.json({"page": 2})])
    r = _session([], backoff_s=0).post(server.url + "/_search/scroll", json={"scroll_id": "a"})
    assert r.status_code == 502 and len(server.calls("/_search/scroll")) == 1
    server.route("POST", "/cut", [Reply(drop=True), Reply.json({"page": 2})])
    with pytest.raises(requests.exceptions.ConnectionError):
        _session([], backoff_s=0).post(server.url + "/cut", json={})
    assert len(server.calls("/cut")) == 1


def test_a_refused_post_is_repeated_and_marked_posts_too(server: FixtureServer):
    # 429: the server refused it before doing anything, safe for any method.
    server.route("POST", "/busy", [Reply(status=429), Reply.json({"ok": 1})])
    assert _session([], backoff_s=0).post(server.url + "/busy", json={}).json() == {"ok": 1}
    # A plugin whose manifest says its POSTs only read (idempotent_post = true).
    server.route("POST", "/v1/data", [Reply(status=503), Reply.json({"ok": 2})])
    session = make_session({"retries": 2, "backoff_s": 0, "idempotent_post": True})
    assert session.post(server.url + "/v1/data", json={}).json() == {"ok": 2}
    assert len(server.calls("/v1/data")) == 2


def test_a_body_cut_mid_way_is_retried_for_safe_requests(server: FixtureServer):
    body = {"features": list(range(500))}
    cut = Reply(body=json.dumps(body).encode(), cut=True)
    server.route("GET", "/k.json", [cut, Reply.json(body)])
    sleeps: list[float] = []
    assert _session(sleeps, backoff_s=0.25).get(server.url + "/k.json").json() == body
    assert len(server.calls("/k.json")) == 2 and sleeps == [0.25]
    # Not for a POST that is not marked: one line naming the URL, not a traceback.
    server.route("POST", "/q", cut)
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as err:
        _session([], backoff_s=0).post(server.url + "/q", json={})
    assert len(server.calls("/q")) == 1
    assert describe_error(err.value) == f"svaret blev afbrudt undervejs — fra {server.url}/q"


# ---------------------------------------------------------------- where credentials may go


def _guarded(cfg: dict, secret_keys=("token",), **http) -> requests.Session:
    policy = CredentialPolicy.from_config(cfg, secret_keys, plugin_id="boundaries")
    return make_session({"retries": 0, **http, "credential_policy": policy})


def test_credentials_go_only_to_the_configured_origin(server: FixtureServer):
    server.route("GET", "/k.geojson", Reply.json({"ok": 1}))
    session = _guarded({"url": server.url + "/k.geojson", "token": "hemmelig-token-42"})
    assert session.get(server.url + "/k.geojson?token=hemmelig-token-42").json() == {"ok": 1}
    # Same host name, another port (or scheme): another origin. Nothing is sent.
    with FixtureServer() as other:
        other.route("GET", "/page2", Reply.json({"stolen": True}))
        for url in (
            f"{other.url}/page2?token=hemmelig-token-42",
            f"http://localhost:{server.port}/k.geojson?token=hemmelig-token-42",
        ):
            with pytest.raises(CredentialsRefused) as err:
                session.get(url)
            message = describe_error(err.value)
            assert "kun til de konfigurerede værter" in message
            assert "[plugins.boundaries]" in message and "hemmelig" not in message
        # Without the token the other host may be asked; a header or Basic auth counts too.
        assert session.get(f"{other.url}/page2").json() == {"stolen": True}
        with pytest.raises(CredentialsRefused):
            session.get(f"{other.url}/page2", headers={"Authorization": "hemmelig-token-42"})
        with pytest.raises(CredentialsRefused):
            session.get(f"{other.url}/page2", auth=("user", "pw"))
        assert len(other.calls("/page2")) == 1


def test_a_redirect_to_another_host_does_not_carry_the_token(server: FixtureServer):
    with FixtureServer() as other:
        other.route("GET", "/elsewhere", Reply.json({"stolen": True}))
        target = f"{other.url}/elsewhere?token=hemmelig-token-42"
        server.route("GET", "/moved", Reply(status=302, headers={"Location": target}))
        session = _guarded({"url": server.url, "token": "hemmelig-token-42"})
        with pytest.raises(CredentialsRefused):
            session.get(server.url + "/moved?token=hemmelig-token-42")
        assert other.calls("/elsewhere") == []


def test_no_credentials_over_plain_http_except_localhost_or_when_allowed():
    cfg = {"base_url": "http://distribution.virk.dk", "password": "s3cret-pw"}
    request = requests.Request(
        "POST",
        "http://distribution.virk.dk/cvr-permanent/virksomhed/_search",
        auth=("u", "s3cret-pw"),
    ).prepare()
    with pytest.raises(CredentialsRefused) as err:
        CredentialPolicy.from_config(cfg, ["password"], plugin_id="cvr").check(request)
    assert "allow_insecure_http = true" in str(err.value) and "[plugins.cvr]" in str(err.value)
    allowed = CredentialPolicy.from_config(
        cfg, ["password"], plugin_id="cvr", allow_insecure_http=True
    )
    allowed.check(request)  # explicitly allowed: no exception
    as_text = CredentialPolicy.from_config(cfg, ["password"], allow_insecure_http="false")
    with pytest.raises(CredentialsRefused):  # an environment variable's "false" is false
        as_text.check(request)
    https = {"base_url": "https://distribution.virk.dk", "password": "s3cret-pw"}
    secure = requests.Request("GET", "https://distribution.virk.dk/x", auth=("u", "pw")).prepare()
    CredentialPolicy.from_config(https, ["password"]).check(secure)
    local = {"base_url": "http://127.0.0.1:9200", "password": "s3cret-pw"}
    to_local = requests.Request("GET", "http://127.0.0.1:9200/x", auth=("u", "pw")).prepare()
    CredentialPolicy.from_config(local, ["password"]).check(to_local)
