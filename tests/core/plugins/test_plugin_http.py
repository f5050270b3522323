"""The configured HTTP session against a real local server: retries, Retry-After, timeouts,
User-Agent, proxy."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.core.plugins.http import describe_error, make_session, redact_url_secrets


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
    r = _session(sleeps).post(server.url + "/data", json={"table": "X"})
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
