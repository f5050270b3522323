"""The addresses plugin on Datafordeler's DAR: the file download (JSON / ZIP) and GraphQL.

There is no DAR fixture in ../shared/fixtures; ``tests.plugins.dar_files`` writes entries
with the real files' field set (bitemporal fields, ``id_lokalId`` references, WKT points),
and a local HTTP server serves them as a download or answers the GraphQL queries with
cursor paging.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.dar_files import dar_zip, record, write_dar_json
from tests.plugins.fixture_server import FixtureServer, Reply
from tests.plugins.test_addresses import make_host, seed
from workbench.core import cache
from workbench.plugins.addresses import dar

GAERTORVET_UNIT = "9a8d47a2-e252-4574-818f-8908e0a69011"  # company 1's CVR adresseId
OLD = {"registreringTil": "2021-03-01T10:00:00.000000+01:00"}


def register_lists() -> dict[str, list[dict[str, Any]]]:
    """A small register: three placeable house numbers and the cases a real file has."""
    hn = "HusnummerList"
    return {
        "PostnummerList": [
            record("PostnummerList", "p-1799", postnr="1799", navn="København V"),
            record("PostnummerList", "p-1850", postnr="1850", navn="Frederiksberg C"),
            record("PostnummerList", "p-6830", postnr="6830", navn="Nørre Nebel"),
        ],
        "NavngivenVejList": [
            record("NavngivenVejList", "v-gaer", vejnavn="Gærtorvet"),
            record("NavngivenVejList", "v-gkv", vejnavn="Gammel Kongevej"),
            record("NavngivenVejList", "v-bred", vejnavn="Bredgade"),
            record("NavngivenVejList", "v-gone", vejnavn="Nedlagt Vej", status="4"),
        ],
        "NavngivenVejKommunedelList": [
            record("NavngivenVejKommunedelList", navngivenVej="v-gaer", kommune="101"),
            record("NavngivenVejKommunedelList", navngivenVej="v-gkv", kommune="147"),
            record("NavngivenVejKommunedelList", navngivenVej="v-bred", kommune="573"),
        ],
        "AdressepunktList": [
            record("AdressepunktList", "ap-1", position="POINT(723500.00 6175200.00)"),
            record("AdressepunktList", "ap-2", position="POINT(1.0 2.0)", **OLD),  # moved
            record("AdressepunktList", "ap-2", position="POINT(722000.50 6174000.25)"),
            record("AdressepunktList", "ap-3", position="POINT (460000 6180000)"),
            record("AdressepunktList", "ap-bad", position="POLYGON((0 0,1 1,1 0,0 0))"),
        ],
        hn: [
            record(
                hn,
                "h-1",
                husnummertekst="3",
                navngivenVej="v-gaer",
                postnummer="p-1799",
                adgangspunkt="ap-1",
            ),
            # renumbered from 1 to 1A: the older registration must not be used
            record(
                hn,
                "h-2",
                husnummertekst="1",
                navngivenVej="v-gkv",
                postnummer="p-1850",
                adgangspunkt="ap-2",
                **OLD,
            ),
            record(
                hn,
                "h-2",
                husnummertekst="1A",
                navngivenVej="v-gkv",
                postnummer="p-1850",
                adgangspunkt="ap-2",
            ),
            record(
                hn,
                "h-3",
                husnummertekst="79",
                navngivenVej="v-bred",
                postnummer="p-6830",
                adgangspunkt="ap-3",
            ),  # no unit addresses
            record(
                hn,
                "h-closed",
                status="4",
                husnummertekst="5",
                navngivenVej="v-gaer",
                postnummer="p-1799",
                adgangspunkt="ap-1",
            ),  # nedlagt: skipped, not rejected
            record(
                hn,
                "h-ended",
                husnummertekst="6",
                navngivenVej="v-gaer",
                postnummer="p-1799",
                adgangspunkt="ap-1",
                virkningTil="2022-01-01T00:00:00+01:00",
            ),
            record(
                hn,
                "h-nopoint",
                husnummertekst="7",
                navngivenVej="v-gaer",
                postnummer="p-1799",
                adgangspunkt="ap-missing",
            ),
            record(
                hn,
                "h-badpoint",
                husnummertekst="8",
                navngivenVej="v-gaer",
                postnummer="p-1799",
                adgangspunkt="ap-bad",
            ),
            record(
                hn,
                "h-noroad",
                husnummertekst="9",
                navngivenVej="v-gone",
                postnummer="p-1799",
                adgangspunkt="ap-1",
            ),
            record(
                hn,
                "h-nopost",
                husnummertekst="10",
                navngivenVej="v-gaer",
                postnummer="p-0000",
                adgangspunkt="ap-1",
            ),
        ],
        "AdresseList": [
            record("AdresseList", GAERTORVET_UNIT, husnummer="h-1", etagebetegnelse="st"),
            record("AdresseList", "a-1-1", husnummer="h-1", etagebetegnelse="1"),
            record("AdresseList", "a-2", husnummer="h-2"),
            record("AdresseList", "a-old", husnummer="h-2", status="5"),  # henlagt
        ],
    }


EXPECTED_REJECTS = {
    ("h-nopoint", "adgangspunktet findes ikke i udtrækket"),
    ("h-badpoint", "adgangspunktet har ingen gyldig position"),
    ("h-noroad", "vejen (navngivenVej) findes ikke i udtrækket"),
    ("h-nopost", "postnummeret findes ikke i udtrækket"),
}


def write_json(path: Path, lists: dict[str, list[dict[str, Any]]] | None = None) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        write_dar_json(fh, lists or register_lists())
    return path


def check_placed(path: Path) -> None:
    con = cache.connect(path)
    try:
        got = {
            r[0]: r[1:]
            for r in con.execute("SELECT cvr, x, y, placement_note FROM companies").fetchall()
        }
        assert got["1"] == (723500.0, 6175200.0, None)  # by CVR's DAR unit address id
        assert got["2"] == (722000.5, 6174000.25, None)  # "Gl. Kongevej 1 A" = current "1A"
        assert got["6"][2] == "ikke placeret: postnummeret findes ikke i adresseregistret"
        rows = con.execute(
            "SELECT address_id, access_id, street, house_no, postnr, kommune_kode, match_key, "
            "x, y, source FROM addresses ORDER BY access_id, address_id"
        ).fetchall()
        assert rows == [
            ("9a8d47a2-e252-4574-818f-8908e0a69011", "h-1", "Gærtorvet", "3", "1799", "0101",
             "gaertorvet|3|1799", 723500.0, 6175200.0, "dar"),
            ("a-1-1", "h-1", "Gærtorvet", "3", "1799", "0101", "gaertorvet|3|1799",
             723500.0, 6175200.0, "dar"),
            ("a-2", "h-2", "Gammel Kongevej", "1A", "1850", "0147", "gammelkongevej|1A|1850",
             722000.5, 6174000.25, "dar"),
            (None, "h-3", "Bredgade", "79", "6830", "0573", "bredgade|79|6830",
             460000.0, 6180000.0, "dar"),
        ]  # fmt: skip
        rejects = con.execute("SELECT value, reason, raw FROM addresses_rejects").fetchall()
        assert {(v, r) for v, r, _ in rejects} == EXPECTED_REJECTS
        raw = json.loads(next(raw for v, _, raw in rejects if v == "h-nopoint"))
        assert raw["adgangspunkt"] == "ap-missing" and raw["husnummertekst"] == "7"
    finally:
        con.close()


def run_addresses(
    tmp_path: Path, cfg: dict[str, Any], *, previous_register: bool = False, **run: Any
) -> tuple[Path, Any]:
    """Seed a cache with the test companies (and an old register), run the plugin once."""
    path = tmp_path / "cache.duckdb"
    seed(path)
    if previous_register:
        put_old_register(path)
    with make_host(path, cfg) as host:
        return path, host.run("addresses", **run)


def test_dar_zip_download_over_http(tmp_path: Path, fixture_server: FixtureServer) -> None:
    archive = dar_zip(write_json(tmp_path / "dar.json"), tmp_path / "DAR.zip")
    fixture_server.route("GET", "/download/DAR.zip", Reply.file(archive, "application/zip"))
    cfg = {"register_url": fixture_server.url + "/download/DAR.zip", "batch_rows": 2}
    path, result = run_addresses(tmp_path, cfg)
    assert result.status == "ok", result.message
    check_placed(path)


def test_dar_json_file_with_one_list_per_file(tmp_path: Path) -> None:
    """A ZIP of one file per entity: objects with their list, or bare lists named by type."""
    lists = register_lists()
    archive = tmp_path / "dar_per_entity.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for kind, entries in lists.items():
            if kind in ("HusnummerList", "AdresseList"):  # bare lists, type in the file name
                zf.writestr(f"DAR_{kind[:-4]}_20261101.json", json.dumps(entries))
            else:
                buffer = io.StringIO()
                write_dar_json(buffer, {kind: entries})
                zf.writestr(f"DAR_{kind[:-4]}.json", buffer.getvalue())
    path, result = run_addresses(tmp_path, {"register_url": str(archive)})
    assert result.status == "ok", result.message
    check_placed(path)


def put_old_register(path: Path) -> None:
    con = cache.connect(path)
    con.execute("INSERT INTO addresses (address_id, street, x, y) VALUES ('old', 'Gammel', 1, 2)")
    con.close()


def old_register_kept(path: Path) -> bool:
    con = cache.connect(path)
    try:
        return con.execute("SELECT address_id FROM addresses").fetchall() == [("old",)]
    finally:
        con.close()


def test_truncated_dar_file_fails_and_keeps_previous_register(tmp_path: Path) -> None:
    source = write_json(tmp_path / "dar.json")
    data = source.read_bytes()
    source.write_bytes(data[: len(data) * 2 // 3])  # an interrupted download
    path, result = run_addresses(tmp_path, {"register_url": str(source)}, previous_register=True)
    assert result.status == "failed"
    assert "ikke gyldig JSON" in result.message and "afbrudt download" in result.message
    assert old_register_kept(path)


def test_dar_file_without_access_points_names_the_missing_list(tmp_path: Path) -> None:
    lists = register_lists()
    del lists["AdressepunktList"], lists["PostnummerList"]
    source = write_json(tmp_path / "dar.json", lists)
    path, result = run_addresses(tmp_path, {"register_url": str(source)}, previous_register=True)
    assert result.status == "failed"
    assert "mangler AdressepunktList, PostnummerList" in result.message
    assert old_register_kept(path)


def test_cancel_while_reading_keeps_previous_register(tmp_path: Path) -> None:
    source = write_json(tmp_path / "dar.json")
    cancel = threading.Event()

    def on_progress(plugin: str, fraction: float | None, message: str) -> None:
        if "læst" in message:
            cancel.set()

    path, result = run_addresses(
        tmp_path,
        {"register_url": str(source)},
        previous_register=True,
        on_progress=on_progress,
        cancel=cancel,
    )
    assert result.status == "cancelled"
    assert old_register_kept(path)


def test_sniffing_and_values(tmp_path: Path) -> None:
    assert dar.sniff(write_json(tmp_path / "dar.json")) == "dar"
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps({"Metadata": {}, **register_lists()}, indent=2), "utf-8")
    assert dar.sniff(pretty) == "dar"  # an object over many lines is not JSON lines
    lines = tmp_path / "flat.ndjson"
    lines.write_text('{"id": "a", "vejnavn": "X", "husnr": "1", "postnr": "1000"}\n', "utf-8")
    assert dar.sniff(lines) == "flat"
    (tmp_path / "dar.xml").write_text("<?xml version='1.0'?><DAR/>", "utf-8")
    assert dar.sniff(tmp_path / "dar.xml") == "xml"
    assert dar.text(3.0) == "3" and dar.text(2.5) == "2.5" and dar.text(None) is None
    assert dar.text({"wkt": "POINT(1 2)"}) == "POINT(1 2)"


# ------------------------------------------------------------------------------ GraphQL


def graphql_service(server: FixtureServer, lists: dict[str, list[dict[str, Any]]]) -> None:
    """DAR's GraphQL endpoint: current versions only, cursor paging, position as {wkt}."""
    nodes: dict[str, list[dict[str, Any]]] = {}
    for kind, entries in lists.items():
        current = [e for e in entries if e["registreringTil"] is None and e["virkningTil"] is None]
        current = [e for e in current if e["status"] not in ("4", "5")]
        if kind == "AdressepunktList":
            current = [{**e, "position": {"wkt": e["position"]}} for e in current]
        nodes["DAR_" + kind[: -len("List")]] = current

    def answer(req: Any) -> Reply:
        if req.query.get("apiKey") != ["key-123"]:
            return Reply.json({"error": "unauthorized"}, status=401)
        body = req.json()
        entity = re.search(r"\b(DAR_\w+)\(", body["query"]).group(1)
        selected = re.search(r"nodes \{ (.*) \}", body["query"]).group(1).replace("{ wkt }", "")
        variables = body["variables"]
        assert variables["tid"] and "registreringstid: $tid" in body["query"]
        start = int(base64.b64decode(variables["after"])) if variables["after"] else 0
        page = nodes.get(entity, [])[start : start + variables["first"]]
        end = start + len(page)
        return Reply.json(
            {
                "data": {
                    entity: {
                        "pageInfo": {
                            "hasNextPage": end < len(nodes.get(entity, [])),
                            "endCursor": base64.b64encode(str(end).encode()).decode(),
                        },
                        "nodes": [{k: n.get(k) for k in selected.split()} for n in page],
                    }
                }
            }
        )

    server.route("POST", "/DAR/v2", handler=answer)


def test_graphql_register_with_paging(tmp_path: Path, fixture_server: FixtureServer) -> None:
    graphql_service(fixture_server, register_lists())
    cfg = {"graphql_url": fixture_server.url + "/DAR/v2", "api_key": "key-123", "page_size": 2}
    path, result = run_addresses(tmp_path, cfg)
    assert result.status == "ok", result.message
    check_placed(path)
    calls = [r.json() for r in fixture_server.calls("/DAR/v2")]
    husnummer_pages = [c for c in calls if "DAR_Husnummer(" in c["query"]]
    assert len(husnummer_pages) == 4  # 7 current house numbers, 2 a page
    assert [p["variables"]["after"] is None for p in husnummer_pages] == [True] + [False] * 3


def test_graphql_pages_hold_at_most_1000_and_always_name_virkningstid(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    graphql_service(fixture_server, register_lists())
    cfg = {"graphql_url": fixture_server.url + "/DAR/v2", "api_key": "key-123", "page_size": 5000}
    _path, result = run_addresses(tmp_path, cfg)
    assert result.status == "ok", result.message
    calls = fixture_server.calls("/DAR/v2")
    assert {r.json()["variables"]["first"] for r in calls} == {1000}
    assert all("virkningstid: $tid" in r.json()["query"] for r in calls)
    assert all(r.query["apiKey"] == ["key-123"] for r in calls)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(status=401), "api_key"),
        (
            Reply.json({"errors": [{"message": 'The field "husnummertekst" does not exist'}]}),
            "husnummertekst",
        ),
        (Reply.json({"data": {}}), "data.DAR_Husnummer"),
    ],
)
def test_graphql_errors_keep_previous_register(
    tmp_path: Path, fixture_server: FixtureServer, reply: Reply, expected: str
) -> None:
    fixture_server.route("POST", "/DAR/v2", reply)
    cfg = {"graphql_url": fixture_server.url + "/DAR/v2", "api_key": "secret-key-xyz"}
    path, result = run_addresses(tmp_path, cfg, previous_register=True)
    assert result.status == "failed" and expected in result.message
    assert "secret-key-xyz" not in result.message
    assert old_register_kept(path)


@pytest.mark.parametrize("other", ["graphql_url", "download_url"])
def test_register_sources_exclude_each_other(tmp_path: Path, other: str) -> None:
    cfg = {"register_url": str(tmp_path / "x.json"), other: "http://127.0.0.1:9/DAR"}
    _path, result = run_addresses(tmp_path, cfg)
    assert result.status == "failed" and "kun én af register_url" in result.message


# ------------------------------------------------------------------------------ odd files


def test_bom_pretty_print_position_objects_and_unused_lists(tmp_path: Path) -> None:
    """A BOM, indentation, positions as {"wkt": ...}, lists and keys the plugin does not use,
    and an empty virkningTil (open) must not change the result."""
    lists: dict[str, Any] = register_lists()
    lists["AdressepunktList"] = [
        {**e, "position": {"wkt": e["position"], "srid": 25832}} for e in lists["AdressepunktList"]
    ]
    lists["HusnummerList"] = [
        {**e, "virkningTil": ""} if e["id_lokalId"] == "h-3" else e for e in lists["HusnummerList"]
    ]
    lists["DARKommuneinddelingList"] = [record("DARKommuneinddelingList", kommunekode="0101")]
    source = tmp_path / "dar.json"
    source.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps({"Metadata": {"x": [1]}, **lists}, indent=2, ensure_ascii=False).encode(
            "utf-8"
        )
    )
    path, result = run_addresses(tmp_path, {"register_url": str(source)})
    assert result.status == "ok", result.message
    check_placed(path)


def test_unused_bare_list_in_a_zip_is_skipped(tmp_path: Path) -> None:
    lists = register_lists()
    archive = tmp_path / "dar.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for kind, entries in lists.items():
            zf.writestr(f"DAR_{kind[:-4]}.json", json.dumps(entries))
        # not NavngivenVej, though the name starts like it
        zf.writestr("DAR_NavngivenVejPostnummer.json", json.dumps([{"id_lokalId": "x"}]))
    path, result = run_addresses(tmp_path, {"register_url": str(archive)})
    assert result.status == "ok", result.message
    check_placed(path)


@pytest.mark.parametrize("kind", ["truncated zip", "xml"])
def test_broken_downloads_say_what_is_wrong(tmp_path: Path, kind: str) -> None:
    if kind == "xml":
        source = tmp_path / "DAR.xml"
        source.write_text("<?xml version='1.0'?>\n<DAR><HusnummerList/></DAR>", "utf-8")
        expected = "er XML; bestil DAR-fildownloaden som JSON"
    else:
        archive = dar_zip(write_json(tmp_path / "dar.json"), tmp_path / "full.zip")
        source = tmp_path / "DAR.zip"
        source.write_bytes(archive.read_bytes()[:-200])  # central directory cut off
        expected = "ufuldstændig eller beskadiget (afbrudt download?)"
    path, result = run_addresses(tmp_path, {"register_url": str(source)}, previous_register=True)
    assert result.status == "failed" and expected in result.message, result.message
    assert old_register_kept(path)


def test_unreadable_dates_are_rejected_not_dropped(tmp_path: Path) -> None:
    lists = register_lists()
    lists["HusnummerList"].append(
        record("HusnummerList", "h-date", husnummertekst="11", navngivenVej="v-gaer",
               postnummer="p-1799", adgangspunkt="ap-1", virkningFra="17/06/2019")
    )  # fmt: skip
    source = write_json(tmp_path / "dar.json", lists)
    path, result = run_addresses(tmp_path, {"register_url": str(source)})
    assert result.status == "ok"
    con = cache.connect(path)
    reasons = dict(con.execute("SELECT value, reason FROM addresses_rejects").fetchall())
    con.close()
    assert reasons["h-date"] == "ugyldig registrerings- eller virkningstid"


def test_a_mostly_unusable_file_fails_and_keeps_previous_register(tmp_path: Path) -> None:
    from tests.plugins.dar_files import synthetic_lists

    lists: dict[str, Any] = synthetic_lists(1200)
    points = lists["AdressepunktList"]
    lists["AdressepunktList"] = ({**e, "position": "POINT EMPTY"} for e in points)
    source = tmp_path / "dar.json"
    with source.open("w", encoding="utf-8") as fh:
        write_dar_json(fh, lists)
    path, result = run_addresses(tmp_path, {"register_url": str(source)}, previous_register=True)
    assert result.status == "failed"
    assert "1.200 af 1.200 husnumre kan ikke bruges" in result.message
    assert "adgangspunktet har ingen gyldig position" in result.message
    assert old_register_kept(path)
    con = cache.connect(path)
    assert con.execute("SELECT count(*) FROM addresses_rejects").fetchone()[0] == 1000  # a sample
    con.close()


def graphql_page(entity: str, nodes: list[dict[str, Any]], info: dict[str, Any] | None) -> Reply:
    page: dict[str, Any] = {"nodes": nodes}
    if info is not None:
        page["pageInfo"] = info
    return Reply.json({"data": {entity: page}})


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (graphql_page("DAR_Husnummer", [{"id_lokalId": "h"}], None), "uden nodes eller pageInfo"),
        (
            graphql_page("DAR_Husnummer", [], {"hasNextPage": True, "endCursor": "MA=="}),
            "ingen nye objekter eller ingen ny endCursor",
        ),
    ],
)
def test_graphql_paging_that_cannot_finish_fails(
    tmp_path: Path, fixture_server: FixtureServer, reply: Reply, expected: str
) -> None:
    fixture_server.route("POST", "/DAR/v2", reply)
    path, result = run_addresses(
        tmp_path, {"graphql_url": fixture_server.url + "/DAR/v2"}, previous_register=True
    )
    assert result.status == "failed" and expected in result.message, result.message
    assert old_register_kept(path)


def test_graphql_cursor_that_comes_back_fails(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    cursors = iter(["QQ==", "Qg==", "QQ=="])  # A, B, A again

    def answer(req: Any) -> Reply:
        info = {"hasNextPage": True, "endCursor": next(cursors, "QQ==")}
        return graphql_page("DAR_Husnummer", [{"id_lokalId": "h"}], info)

    fixture_server.route("POST", "/DAR/v2", handler=answer)
    _path, result = run_addresses(tmp_path, {"graphql_url": fixture_server.url + "/DAR/v2"})
    assert result.status == "failed" and "ingen ny endCursor" in result.message
    assert len(fixture_server.calls("/DAR/v2")) == 3
