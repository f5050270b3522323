"""The current DAR file download: the service lists one ZIP per entity, the plugin fetches
the newest of each it needs (real HTTP on a local server, ZIPs written by the test)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from tests.plugins.fixture_server import FixtureServer, Reply
from tests.plugins.test_addresses_dar import (
    check_placed,
    old_register_kept,
    register_lists,
    run_addresses,
)
from workbench.plugins.addresses import dar_download

KEY = "dl-key-456"


def total_download(kind: str, n: int) -> str:
    return f"DAR_V3_{kind[: -len('List')]}_TotalDownload_json_Current_{n}.zip"


def serve_downloads(server: FixtureServer, tmp_path: Path) -> dict[str, bytes]:
    """One ZIP per entity (a bare array of flat records in a member named like the ZIP, as
    Datafordeler delivers it), an older generation of each, and another register's files."""
    files: dict[str, bytes] = {}
    for kind, entries in register_lists().items():
        name = total_download(kind, 212)
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as zf:
            # The member is named like the ZIP; one is not, to show the ZIP's name suffices.
            member = "data.json" if kind == "HusnummerList" else name.replace(".zip", ".json")
            zf.writestr(member, json.dumps(entries))
        files[name] = path.read_bytes()
    listing = [{"fileName": name, "register": "DAR"} for name in files]
    listing += [{"fileName": total_download(k, 205), "register": "DAR"} for k in register_lists()]
    listing.append({"fileName": "BBR_V1_Bygning_TotalDownload_json_Current_9.zip"})

    def authorised(req: Any) -> bool:
        return req.query.get("apikey") == [KEY]

    def available(req: Any) -> Reply:
        if not authorised(req):
            return Reply.json({"message": "Invalid apikey"}, status=401)
        assert req.query["Register"] == ["DAR"]
        return Reply.json(listing)

    def get_file(req: Any) -> Reply:
        if not authorised(req):
            return Reply.json({"message": "Invalid apikey"}, status=401)
        name = req.query["Filename"][0]
        if name not in files:  # an older generation is gone after 7 days
            return Reply(status=404)
        return Reply(200, files[name], {"Content-Type": "application/zip"})

    server.route("GET", "/FileDownloads/GetAvailableFileDownloads", handler=available)
    server.route("GET", "/FileDownloads/GetFile", handler=get_file)
    return files


def test_newest_file_per_entity_from_any_listing_shape() -> None:
    listing = {
        "files": [
            "DAR_V3_Husnummer_TotalDownload_json_Current_3.zip",
            {"name": "DAR_V3_Husnummer_TotalDownload_json_Current_12.zip"},
            "DAR_V3_Adressepunkt_TotalDownload_json_Current_12.zip",
            "DAR_V3_Husnummer_TotalDownload_xml_Current_13.zip",
        ]
    }
    assert dar_download.newest_files(listing) == {
        "husnummer": "DAR_V3_Husnummer_TotalDownload_json_Current_12.zip",
        "adressepunkt": "DAR_V3_Adressepunkt_TotalDownload_json_Current_12.zip",
    }


def test_register_from_the_current_file_download(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    (tmp_path / "served").mkdir()
    files = serve_downloads(fixture_server, tmp_path / "served")
    cfg = {"download_url": fixture_server.url + "/FileDownloads/", "api_key": KEY}
    path, result = run_addresses(tmp_path, cfg)
    assert result.status == "ok", result.message
    check_placed(path)
    fetched = [r.query["Filename"][0] for r in fixture_server.calls("/FileDownloads/GetFile")]
    assert sorted(fetched) == sorted(files)  # the newest generation, each once


def test_wrong_key_for_the_file_download_keeps_the_register(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    (tmp_path / "served").mkdir()
    serve_downloads(fixture_server, tmp_path / "served")
    cfg = {"download_url": fixture_server.url + "/FileDownloads", "api_key": "wrong-key-789"}
    path, result = run_addresses(tmp_path, cfg, previous_register=True)
    assert result.status == "failed"
    assert "HTTP 401" in result.message and "api_key" in result.message
    assert "wrong-key-789" not in result.message
    assert old_register_kept(path)


def test_a_listing_without_house_numbers_names_what_is_missing(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    fixture_server.route(
        "GET",
        "/FileDownloads/GetAvailableFileDownloads",
        Reply.json(["DAR_V3_Adressepunkt_TotalDownload_json_Current_1.zip"]),
    )
    cfg = {"download_url": fixture_server.url + "/FileDownloads", "api_key": KEY}
    path, result = run_addresses(tmp_path, cfg, previous_register=True)
    assert result.status == "failed" and "mangler Husnummer" in result.message
    assert old_register_kept(path)
