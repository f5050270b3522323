"""``workbench refresh`` and ``workbench plugins``: output, progress on stderr, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.cli import main


@pytest.fixture
def config(tmp_path: Path, fixture_server: FixtureServer, kommuner_geojson: Path) -> Path:
    fixture_server.route("GET", "/k.geojson", Reply.file(kommuner_geojson, "application/geo+json"))
    fixture_server.route("GET", "/v1/tableinfo", Reply(status=500))
    path = tmp_path / "config.toml"
    path.write_text(
        "[http]\nretries = 1\nbackoff_s = 0\ntimeout_s = 1\n\n"
        f'[plugins.boundaries]\nurl = "{fixture_server.url}/k.geojson"\ncode_property = "kode"\n'
        'regions_url = ""\nregion_property = ""\n\n'
        f'[plugins.statbank]\nbase_url = "{fixture_server.url}/v1"\n\n'
        "[plugins.cvr]\nenabled = false\n[plugins.addresses]\nenabled = false\n[plugins.jobnet]\nenabled = false\n",
        "utf-8",
    )
    return path


def test_refresh_one_plugin_json(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]):
    cache = tmp_path / "c.duckdb"
    code = main(
        [
            "refresh",
            "boundaries",
            "--cache",
            str(cache),
            "--config",
            str(config),
            "--format",
            "json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)["results"]
    assert [(r["plugin"], r["status"], r["rows_written"]) for r in result] == [
        ("boundaries", "ok", 99)
    ]
    assert "boundaries: 100% ok" in err.splitlines()

    assert (
        main(["plugins", "--cache", str(cache), "--config", str(config), "--format", "json"]) == 0
    )
    listed = {p["id"]: p for p in json.loads(capsys.readouterr().out)["plugins"]}
    assert listed["boundaries"]["status"] == "ok"
    assert listed["boundaries"]["last_refresh"]["status"] == "ok"
    assert listed["boundaries"]["last_refresh"]["rows_written"] == 99
    assert listed["jobindsats"]["status"] == "not_configured"  # no API key
    assert "url" in listed["boundaries"]["config_keys"]


def test_failed_plugin_exit_1_with_one_line_reason(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    cache = tmp_path / "c.duckdb"
    code = main(["refresh", "--cache", str(cache), "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "boundaries: ok (municipalities: 99)" in out  # every configured plugin ran
    failures = [line for line in err.splitlines() if line.startswith("workbench refresh: ")]
    assert (
        "workbench refresh: statbank: failed: Statistikbanken svarede HTTP 500 for AULK01"
        in failures
    )
    assert not any(line.startswith("workbench refresh: boundaries") for line in failures)


def test_unknown_plugin_is_bad_usage(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    code = main(["refresh", "nope", "--cache", str(tmp_path / "c.duckdb"), "--config", str(config)])
    assert code == 2
    assert "unknown plugin nope" in capsys.readouterr().err
    assert not (tmp_path / "c.duckdb").exists()


def test_plugins_listing_does_not_create_a_cache(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["plugins", "--cache", str(tmp_path / "none.duckdb"), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "boundaries" in out and "aldrig opdateret" in out
    assert not (tmp_path / "none.duckdb").exists()
