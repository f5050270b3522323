"""``workbench sources check``: local servers answering like the real services (good, wrong
key, moved, wrong format); the addresses plugin's own check and the generic one."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.adressevaelger_service import TOKEN, serve_adressevaelger
from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.cli import main
from workbench.core.config import Settings
from workbench.core.plugins.api import Manifest
from workbench.core.plugins.check import check_sources
from workbench.core.plugins.host import plugin_from_function

KEYS = {"plugin", "ok", "reachable", "auth_ok", "format_ok", "message", "setting"}
OTHERS_OFF = "".join(
    f"[plugins.{p}]\nenabled = false\n" for p in ("boundaries", "jobnet", "statbank")
)


def run_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, *ids: str
) -> list[dict[str, Any]]:
    config = tmp_path / "check.toml"
    config.write_text(toml, "utf-8")
    code = main(["sources", "check", *ids, "--config", str(config), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0  # the check ran, whatever it found
    sources = json.loads(out)["sources"]
    assert all(set(s) == KEYS for s in sources)
    return sources


def addresses_toml(server: FixtureServer, token: str = TOKEN, **extra: str) -> str:
    lines = [f'base_url = "{server.url}"', f'token = "{token}"']
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    return "[plugins.addresses]\n" + "\n".join(lines) + "\n"


def test_adressevaelger_good(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fixture_server: FixtureServer,
    shared_fixtures: Path,
) -> None:
    serve_adressevaelger(fixture_server, shared_fixtures)
    [row] = run_check(tmp_path, capsys, addresses_toml(fixture_server), "addresses")
    assert row == {
        "plugin": "addresses",
        "ok": True,
        "reachable": True,
        "auth_ok": True,
        "format_ok": True,
        "message": "Adressevælger: OK (application/json)",
        "setting": None,
    }
    data_dir = Path(os.environ["WORKBENCH_DATA_DIR"])  # no cache was opened or created
    assert not data_dir.exists() or not list(data_dir.rglob("*.duckdb"))


def test_adressevaelger_wrong_key(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fixture_server: FixtureServer,
    shared_fixtures: Path,
) -> None:
    serve_adressevaelger(fixture_server, shared_fixtures)
    toml = addresses_toml(fixture_server, token="wrong-token-1")
    [row] = run_check(tmp_path, capsys, toml, "addresses")
    assert (row["ok"], row["reachable"], row["auth_ok"]) == (False, True, False)
    assert row["setting"] == "plugins.addresses.token"
    assert "HTTP 401" in row["message"] and "wrong-token-1" not in row["message"]


@pytest.mark.parametrize(
    "reply",
    [
        Reply(301, b"", {"Location": "https://nyt-sted.example/adresser/soeg?token=x"}),
        Reply.json({"error": "not found"}, status=404),
    ],
)
def test_adressevaelger_moved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture_server: FixtureServer, reply: Reply
) -> None:
    fixture_server.route("GET", "/adresser/soeg", reply)
    [row] = run_check(tmp_path, capsys, addresses_toml(fixture_server), "addresses")
    assert (row["ok"], row["reachable"]) == (False, True)
    assert row["setting"] == "plugins.addresses.base_url"
    assert "token=" not in row["message"]
    expected = "til https://nyt-sted.example/adresser/soeg" if reply.status == 301 else "HTTP 404"
    assert expected in row["message"]


def test_adressevaelger_wrong_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture_server: FixtureServer
) -> None:
    page = "<html><body>Velkommen</body></html>"
    fixture_server.route("GET", "/adresser/soeg", Reply.text(page, "text/html"))
    [row] = run_check(tmp_path, capsys, addresses_toml(fixture_server), "addresses")
    assert (row["ok"], row["reachable"], row["format_ok"]) == (False, True, False)
    assert row["setting"] == "plugins.addresses.base_url"


def graphql_reply(req: Any) -> Reply:
    if req.query.get("apiKey") != ["dar-key"]:
        return Reply.json({"message": "Invalid apiKey"}, status=401)
    body = req.json()
    assert "virkningstid: $tid" in body["query"] and body["variables"]["tid"]
    return Reply.json({"data": {"DAR_Postnummer": {"nodes": [{"postnr": "2100"}]}}})


def test_dar_graphql_and_download_channels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture_server: FixtureServer
) -> None:
    fixture_server.route("POST", "/DAR/v2", handler=graphql_reply)
    fixture_server.route(
        "GET",
        "/FileDownloads/GetAvailableFileDownloads",
        Reply.json([{"fileName": "DAR_V3_Husnummer_TotalDownload_json_Current_3.zip"}]),
    )
    toml = (
        "[plugins.addresses]\n"
        f'graphql_url = "{fixture_server.url}/DAR/v2"\n'
        f'download_url = "{fixture_server.url}/FileDownloads"\n'
        'api_key = "dar-key"\nbase_url = ""\n'
    )
    rows = run_check(tmp_path, capsys, toml, "addresses")
    assert [(r["message"].split(":")[0], r["ok"]) for r in rows] == [
        ("DAR GraphQL", True),
        ("DAR-fildownload", True),
    ]
    bad = run_check(tmp_path, capsys, toml.replace("dar-key", "other-key"), "addresses")
    assert bad[0]["auth_ok"] is False and bad[0]["setting"] == "plugins.addresses.api_key"


def test_dar_graphql_errors_are_a_format_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture_server: FixtureServer
) -> None:
    fixture_server.route(
        "POST",
        "/DAR/v2",
        Reply.json({"errors": [{"message": 'The argument "virkningstid" is required'}]}),
    )
    toml = f'[plugins.addresses]\ngraphql_url = "{fixture_server.url}/DAR/v2"\nbase_url = ""\n'
    [row] = run_check(tmp_path, capsys, toml, "addresses")
    assert (row["ok"], row["format_ok"]) == (False, False)
    assert "virkningstid" in row["message"] and row["setting"] == "plugins.addresses.graphql_url"


def test_default_selection_reports_unconfigured_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture_server: FixtureServer
) -> None:
    fixture_server.route("GET", "/adresser/soeg", Reply.json({"status": "ok", "fund": []}))
    rows = run_check(tmp_path, capsys, addresses_toml(fixture_server) + OTHERS_OFF)
    by_plugin = {r["plugin"]: r for r in rows}
    assert set(by_plugin) == {"addresses", "cvr", "jobindsats", "taxonomies"}
    assert by_plugin["addresses"]["ok"] is True
    assert by_plugin["jobindsats"]["setting"] == "plugins.jobindsats.api_key"
    assert by_plugin["jobindsats"]["auth_ok"] is False
    # Text output: one line per channel, the setting to fix named.
    config = tmp_path / "check.toml"
    assert main(["sources", "check", "jobindsats", "--config", str(config)]) == 0
    assert "ret plugins.jobindsats.api_key" in capsys.readouterr().out


def test_unknown_plugin_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", "check", "nope"]) == 2
    assert "unknown plugin nope" in capsys.readouterr().err


# ------------------------------------------------------------------------------ generic check


def plain_plugin() -> Any:
    manifest = Manifest.from_dict(
        {
            "id": "plain",
            "name": "Plain",
            "source": "s",
            "licence": "l",
            "tables": [],
            "refresh": "x:y",
            "api_version": 1,
            "config": {"base_url": "the source", "token": "secret"},
            "secrets": ["token"],
        }
    )
    return plugin_from_function(manifest, lambda ctx: None)


def check_plain(url: str) -> dict[str, Any]:
    settings = Settings({"plugins": {"plain": {"base_url": url, "token": "t-1"}}}, ["test"])
    [row] = check_sources(settings, [plain_plugin()], timeout=5)
    return row.to_dict()


def test_generic_check_without_a_plugin_check(fixture_server: FixtureServer) -> None:
    fixture_server.route("GET", "/good", Reply.json({"rows": []}))
    fixture_server.route("GET", "/page", Reply.text("<html></html>", "text/html"))
    fixture_server.route("GET", "/denied", Reply(status=403))
    fixture_server.route("GET", "/wants-params", Reply(status=400))
    good = check_plain(fixture_server.url + "/good")
    assert (good["ok"], good["format_ok"], good["auth_ok"]) == (True, True, True)
    page = check_plain(fixture_server.url + "/page")
    assert (page["ok"], page["format_ok"], page["setting"]) == (
        False,
        False,
        "plugins.plain.base_url",
    )
    denied = check_plain(fixture_server.url + "/denied")
    assert (denied["auth_ok"], denied["setting"]) == (False, "plugins.plain.token")
    assert check_plain(fixture_server.url + "/wants-params")["ok"] is True


def test_generic_check_of_a_closed_port() -> None:
    with FixtureServer() as server:
        url = server.url + "/gone"
    row = check_plain(url)
    assert (row["ok"], row["reachable"], row["setting"]) == (False, False, "plugins.plain.base_url")
