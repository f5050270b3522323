"""shortage plugin: STAR's Arbejdsmarkedsbalancen in the published layout (XLSX and
;-separated cp1252 CSV) over a local HTTP server; rows spread over the municipalities of
their RAR area, occupations mapped to DISCO-08, malformed rows rejected with reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugins import shortage_files as files
from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.cli import main
from workbench.core.config import load_settings
from workbench.core.plugins.host import PluginHost, discover
from workbench.plugins.shortage.areas import MUNICIPALITIES, RAR_AREAS, REGIONS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FYN = set(RAR_AREAS["Fyn"])
NORDJYLLAND = set(REGIONS["Nordjylland"])


def _host(tmp_path: Path, url: str, extra: str = "") -> PluginHost:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "[http]\nretries = 0\nbackoff_s = 0\ntimeout_s = 5\n\n"
        f'[plugins.shortage]\nurl = "{url}"\n{extra}',
        "utf-8",
    )
    plugins = [p for p in discover() if p.id == "shortage"]
    host = PluginHost(tmp_path / "cache.duckdb", load_settings(cfg), plugins=plugins)
    host.con.executemany(
        "INSERT INTO occupations (code, title, aliases, level) VALUES (?, ?, ?, ?)",
        files.OCCUPATIONS,
    )
    return host


def _expected() -> set[tuple[str, str, str, str]]:
    out = {("2512", k, "mangel", "2026H2") for k in FYN}
    out |= {("2221", k, "paradoks", "2026H2") for k in ("0400", "0411")}
    out |= {("7115", k, "gode", "2026H2") for k in NORDJYLLAND}
    out.add(("9112", "0101", "mindre_gode", "2026H2"))
    return out


def _rows(host: PluginHost) -> set[tuple[str, str, str, str]]:
    return set(
        host.con.execute(
            "SELECT occupation_code, area_code, category, period FROM shortage"
        ).fetchall()
    )


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/balance/amb_2_halvaar_2026.xlsx", files.xlsx_bytes(), XLSX),
        ("/balance/amb.csv", files.csv_bytes("cp1252"), "text/csv; charset=windows-1252"),
        ("/balance/amb-utf8.csv", b"\xef\xbb\xbf" + files.csv_bytes("utf-8"), "text/csv"),
    ],
)
def test_published_layout_parsed_and_spread_over_municipalities(
    tmp_path: Path, fixture_server: FixtureServer, path: str, body: bytes, content_type: str
) -> None:
    fixture_server.route("GET", path, Reply(200, body, {"Content-Type": content_type}))
    with _host(tmp_path, fixture_server.url + path) as host:
        result = host.run("shortage")
        assert result.status == "ok", result.message
        assert _rows(host) == _expected()
        # the published texts stay beside the normalised values
        row = host.con.execute(
            "SELECT area_name, published_area, occupation_title, source_code, category_label, "
            "source FROM shortage WHERE area_code = '0461'"
        ).fetchone()
        assert row == (
            "Odense",
            "RAR Fyn",
            "Softwareudvikler",
            "2512",
            "Mangel på arbejdskraft",
            "star:arbejdsmarkedsbalancen",
        )
        # Sygeplejerske had no code: the title found it in the taxonomy
        assert host.con.execute(
            "SELECT DISTINCT occupation_code FROM shortage WHERE occupation_title = 'Sygeplejerske'"
        ).fetchall() == [("2221",)]


def test_malformed_rows_rejected_with_reasons(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    fixture_server.route("GET", "/amb.xlsx", Reply(200, files.xlsx_bytes(), {}))
    with _host(tmp_path, fixture_server.url + "/amb.xlsx") as host:
        result = host.run("shortage")
        assert result.status == "ok" and result.rows_rejected == len(files.BAD)
        rejects = host.con.execute(
            "SELECT row_number, reason, field, value, raw FROM shortage_rejects ORDER BY row_number"
        ).fetchall()
        first_bad = files.FIRST_DATA_ROW + len(files.GOOD)
        assert [(r[0], r[1]) for r in rejects] == [
            (first_bad + i, reason) for i, (_, reason) in enumerate(files.BAD)
        ]
        # the field names the published column; the raw row is kept for the user
        assert rejects[0][2:4] == ("RAR-område", "Atlantis")
        assert rejects[3][2:4] == ("DISCO-kode", "9999")
        assert json.loads(rejects[0][4])["Stillingsbetegnelse"] == "Softwareudvikler"


def test_without_taxonomy_only_disco_codes_count(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    fixture_server.route("GET", "/amb.xlsx", Reply(200, files.xlsx_bytes(), {}))
    with _host(tmp_path, fixture_server.url + "/amb.xlsx") as host:
        host.con.execute("DELETE FROM occupations")
        assert host.run("shortage").ok
        reasons = {r[0] for r in host.con.execute("SELECT reason FROM shortage_rejects").fetchall()}
        assert "ingen DISCO-kode, og DISCO-08-taksonomien er tom: opdatér 'taxonomies'" in reasons
        # 9999 looks like a DISCO code: without a taxonomy it cannot be checked, so it stays
        assert ("9999",) in host.con.execute(
            "SELECT DISTINCT occupation_code FROM shortage"
        ).fetchall()
        assert ("2221",) not in host.con.execute(
            "SELECT DISTINCT occupation_code FROM shortage"
        ).fetchall()


def test_wrong_file_keeps_the_previous_data(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.route(
        "GET",
        "/amb.xlsx",
        [
            Reply(200, files.xlsx_bytes(), {}),
            Reply.text("<!DOCTYPE html><html><body>Siden er flyttet</body></html>", "text/html"),
            Reply.text("Område;Noget andet\r\nRAR Fyn;x\r\n", "text/csv"),
            Reply(404, b"", {}),
        ],
    )
    with _host(tmp_path, fixture_server.url + "/amb.xlsx") as host:
        assert host.run("shortage").ok
        before = _rows(host)
        messages = [host.run("shortage").message for _ in range(3)]
        assert "webside" in messages[0]
        assert "ingen kolonneoverskrifter" in messages[1]
        assert "HTTP 404" in messages[2] and "[plugins.shortage] url" in messages[2]
        assert _rows(host) == before


def test_every_municipality_in_exactly_one_rar_area(shared_fixtures: Path) -> None:
    """The documented mapping covers Denmark's municipalities (names as DAGI spells them,
    genitive forms aside) and each region is the union of its RAR areas."""
    dagi = json.loads((shared_fixtures / "reference" / "kommuner_attributes.json").read_text())
    assert {m["kode"] for m in dagi} == set(MUNICIPALITIES)
    codes = [k for area in RAR_AREAS.values() for k in area]
    assert sorted(codes) == sorted(MUNICIPALITIES)
    for m in dagi:
        region = m["regionsnavn"].removeprefix("Region ")
        assert m["kode"] in REGIONS[region], m


def test_sources_check_recognises_the_layout(
    tmp_path: Path, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture_server.route("GET", "/amb.xlsx", Reply(200, files.xlsx_bytes(), {"Content-Type": XLSX}))
    fixture_server.route("GET", "/page", Reply.text("<html><body>STAR</body></html>", "text/html"))
    fixture_server.route("GET", "/other.csv", Reply.text("a;b\r\n1;2\r\n", "text/csv"))
    found = {}
    for path in ("/amb.xlsx", "/page", "/other.csv"):
        config = tmp_path / "check.toml"
        config.write_text(f'[plugins.shortage]\nurl = "{fixture_server.url}{path}"\n', "utf-8")
        code = main(["sources", "check", "shortage", "--config", str(config), "--format", "json"])
        assert code == 0
        [found[path]] = json.loads(capsys.readouterr().out)["sources"]
    assert found["/amb.xlsx"]["ok"] and found["/amb.xlsx"]["format_ok"] is True
    for bad in ("/page", "/other.csv"):
        assert found[bad]["format_ok"] is False and found[bad]["setting"] == "plugins.shortage.url"
        assert "Arbejdsmarkedsbalancens format" in found[bad]["message"]
