"""taxonomies plugin: DB07 (real TSV fixture), DISCO-08 ;-CSV in cp1252 with aliases, ESCO
search pages, all over local HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.fixture_server import FixtureServer, Reply, Request
from workbench.core.config import load_settings
from workbench.core.plugins.host import PluginHost, discover

DISCO = (
    "KODE;NIVEAU;TITEL\r\n"
    "2;1;Arbejde der forudsætter viden på højeste niveau\r\n"
    "25;2;IT-specialister\r\n"
    "251;3;Software- og applikationsudviklere\r\n"
    "2512;4;Softwareudviklere\r\n"
    "251210;5;Systemudvikling\r\n"
    "5;1;Service- og salgsarbejde\r\n"
    "53;2;Omsorgsarbejde\r\n"
    "532;3;Personlig pleje\r\n"
    "5322;4;Social- og sundhedsassistenter\r\n"
    ";4;Uden kode\r\n"
)
ALIASES = (
    "DISCO-08;Stillingsbetegnelse\r\n2512;Programmør\r\n251210;Systemudvikler\r\n9999;Ukendt\r\n"
)


def _esco_page(offset: int) -> dict:
    items = [
        {"uri": "http://data.europa.eu/esco/occupation/a1", "code": "2512.4",
         "preferredLabel": {"da": "softwareudvikler"}, "alternativeLabel": {"da": ["app-udvikler", "kodeekspert"]}},
        {"uri": "http://data.europa.eu/esco/occupation/a2", "code": "5322.1",
         "preferredLabel": {"da": "hjemmehjælper"}, "alternativeLabel": {"da": []}},
        {"uri": "http://data.europa.eu/esco/occupation/a3", "code": "7777.1",
         "preferredLabel": {"da": "ukendt gruppe"}},
    ]  # fmt: skip
    return {"total": 3, "_embedded": {"results": items[offset : offset + 2]}}


def _esco_skills(req: Request) -> Reply:
    if req.query["type"] == ["occupation"]:
        return Reply.json(_esco_page(int(req.query["offset"][0])))
    # Danish labels repeat across skills, and may repeat one of the starter list.
    skills = [
        {"uri": "http://data.europa.eu/esco/skill/s9", "preferredLabel": {"da": "programmering"}},
        {"uri": "http://data.europa.eu/esco/skill/s10", "preferredLabel": {"da": "Programmering"}},
        {"uri": "http://data.europa.eu/esco/skill/s11", "preferredLabel": {"da": "truckcertifikat"}},
    ]  # fmt: skip
    offset = int(req.query["offset"][0])
    page = skills[offset : offset + int(req.query["limit"][0])]
    return Reply.json({"total": len(skills), "_embedded": {"results": page}})


@pytest.fixture
def served(fixture_server: FixtureServer, shared_fixtures: Path) -> FixtureServer:
    return serve_taxonomies(fixture_server, shared_fixtures)


def serve_taxonomies(fixture_server: FixtureServer, shared_fixtures: Path) -> FixtureServer:
    """DB07 (the real TSV), DISCO-08 with aliases and ESCO search pages."""
    db07 = shared_fixtures / "classifications" / "db07.tsv"
    fixture_server.route(
        "GET", "/db07.tsv", Reply.file(db07, "text/tab-separated-values; charset=utf-8")
    )
    fixture_server.route("GET", "/disco.csv", Reply.text(DISCO.encode("cp1252"), "text/csv"))
    fixture_server.route(
        "GET", "/aliases.csv", Reply.text(b"\xef\xbb\xbf" + ALIASES.encode(), "text/csv")
    )
    fixture_server.route("GET", "/esco/search", handler=_esco_skills)
    return fixture_server


def _host(tmp_path: Path, server: FixtureServer, **cfg: object) -> PluginHost:
    # the default DISCO-08 URL is on dst.dk: stay local
    cfg = {"db07_url": f"{server.url}/db07.tsv", "disco_url": "", **cfg}
    lines = [
        f"{k} = {v!r}".replace("'", '"') if isinstance(v, str) else f"{k} = {str(v).lower()}"
        for k, v in cfg.items()
    ]
    path = tmp_path / "config.toml"
    path.write_text(
        "[http]\nretries = 1\nbackoff_s = 0\ntimeout_s = 1\n\n[plugins.taxonomies]\n"
        + "\n".join(lines)
        + "\n",
        "utf-8",
    )
    plugins = [p for p in discover() if p.id == "taxonomies"]
    return PluginHost(tmp_path / "cache.duckdb", load_settings(path), plugins=plugins)


def test_db07_hierarchy_from_the_real_file(tmp_path: Path, served: FixtureServer):
    with _host(tmp_path, served) as host:
        result = host.run("taxonomies")
        assert result.ok and result.rows_rejected == 0, result.message
        levels = dict(
            host.con.execute("SELECT level, count(*) FROM industries GROUP BY 1").fetchall()
        )
        assert levels == {1: 21, 2: 88, 3: 272, 4: 618, 5: 741}
        rows = {
            r[0]: r[1:]
            for r in host.con.execute(
                "SELECT code, title, level, parent_code FROM industries"
            ).fetchall()
        }
        assert rows["011100"] == (
            "Dyrkning af korn (undtagen ris), bælgfrugter og olieholdige frø",
            5,
            "0111",
        )
        assert rows["0111"][2] == "011" and rows["011"][2] == "01" and rows["01"][2] == "A"
        assert rows["A"] == ("Landbrug, jagt, skovbrug og fiskeri", 1, None)
        assert rows["421100"][2] == "4211"
        assert rows["999999"] == ("Uoplyst", 5, None)  # section X has no row of its own
        # no other source configured: occupations and DB25 are not touched
        assert host.con.execute("SELECT count(*) FROM occupations").fetchone() == (0,)
        assert host.con.execute("SELECT count(*) FROM industries_db25").fetchone() == (0,)


def test_db25_goes_beside_db07_with_its_system(tmp_path: Path, served: FixtureServer):
    db25 = "KODE;NIVEAU;TITEL\r\nA;1;Landbrug\r\n01;2;Planteavl\r\n01.1;3;Etårige afgrøder\r\n01.11;4;Korn\r\n"
    served.route("GET", "/db25.csv", Reply.text(db25.encode("cp1252"), "text/csv"))
    with _host(tmp_path, served, db25_url=f"{served.url}/db25.csv") as host:
        assert host.run("taxonomies").ok
        rows = host.con.execute(
            "SELECT code, title, level, parent_code FROM industries_db25 ORDER BY level"
        ).fetchall()
        assert rows == [("A", "Landbrug", 1, None), ("01", "Planteavl", 2, "A"), ("011", "Etårige afgrøder", 3, "01"),
                        ("0111", "Korn", 4, "011")]  # fmt: skip
        # industries holds both systems; the same code ("A", "01") exists in each
        counts = host.con.execute("SELECT system, count(*) FROM industries GROUP BY 1").fetchall()
        assert sorted(counts) == [("DB07", 1740), ("DB25", 4)]
        assert host.con.execute(
            "SELECT title, parent_code FROM industries WHERE system = 'DB25' AND code = '0111'"
        ).fetchall() == [("Korn", "011")]
        # a later run without DB25 replaces only the DB07 rows
        del host.settings.data["plugins"]["taxonomies"]["db25_url"]
        assert host.run("taxonomies").ok
        counts = host.con.execute("SELECT system, count(*) FROM industries GROUP BY 1").fetchall()
        assert sorted(counts) == [("DB07", 1740), ("DB25", 4)]


def test_disco_with_aliases_and_esco(tmp_path: Path, served: FixtureServer):
    with _host(
        tmp_path,
        served,
        disco_url=f"{served.url}/disco.csv",
        disco_aliases_url=f"{served.url}/aliases.csv",
        esco=True,
        esco_skills=True,
        esco_page_size=2,
        esco_base_url=f"{served.url}/esco",
    ) as host:
        host.con.execute("INSERT INTO qualifications VALUES ('Q0001', 'Truckcertifikat', '4321')")
        result = host.run("taxonomies")
        assert result.ok, result.message
        occ = {
            r[0]: r[1:]
            for r in host.con.execute(
                "SELECT code, title, parent_code, aliases, level FROM occupations"
            ).fetchall()
        }
        assert set(occ) == {"2", "25", "251", "2512", "251210", "5", "53", "532", "5322"}
        assert occ["251210"][:2] == ("Systemudvikling", "2512")
        assert occ["5"][1] is None and occ["53"][1] == "5"
        assert occ["2512"][2] == ["Programmør", "app-udvikler", "kodeekspert", "softwareudvikler"]
        assert occ["251210"][2] == ["Systemudvikler"]
        assert occ["5322"][2] == ["hjemmehjælper"]
        # Each qualification once (issue #10): no second "programmering" or "truckcertifikat".
        assert host.con.execute(
            "SELECT code, title FROM qualifications ORDER BY code"
        ).fetchall() == [("Q0001", "Truckcertifikat"), ("esco:s9", "programmering")]
        offsets = [
            c.query["offset"]
            for c in served.calls("/esco/search")
            if c.query["type"] == ["occupation"]
        ]
        assert offsets == [["0"], ["2"]]
        assert all(c.query["language"] == ["da"] for c in served.calls("/esco/search"))
        reasons = sorted(
            r[0] for r in host.con.execute("SELECT reason FROM occupations_rejects").fetchall()
        )
        assert reasons == [
            "ESCO-stilling til ukendt DISCO-gruppe",
            "mangler kode",
            "synonym til ukendt DISCO-kode",
        ]


def test_unknown_format_and_missing_file_keep_previous(tmp_path: Path, served: FixtureServer):
    with _host(tmp_path, served) as host:
        assert host.run("taxonomies").ok
        served.route("GET", "/db07.tsv", Reply.text("a;b;c\r\n1;2;3\r\n", "text/csv"))
        result = host.run("taxonomies")
        assert result.status == "failed" and result.message.startswith(
            "ukendt filformat for industries"
        )
        host.settings.data["plugins"]["taxonomies"]["db07_url"] = str(tmp_path / "mangler.csv")
        result = host.run("taxonomies")
        assert result.status == "failed" and result.message.startswith("kan ikke læse")
        assert host.con.execute("SELECT count(*) FROM industries").fetchone() == (1740,)


KVALDEL = "sources-2026/taxonomies/disco08_kvaldel_head.csv"


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [
        ("utf-8", "text/csv"),  # as the fixture is
        ("cp1252", "text/csv"),  # the same export in Windows-1252, undeclared
        ("cp1252", "text/csv; charset=windows-1252"),
        ("utf-8-sig", "text/csv; charset=utf-8"),
    ],
)
def test_disco_from_the_kvaldel_export_with_included_titles(
    tmp_path: Path, served: FixtureServer, shared_fixtures: Path, encoding: str, content_type: str
):
    text = (shared_fixtures / KVALDEL).read_text("utf-8")
    served.route("GET", "/kvaldel.csv", Reply.text(text.encode(encoding), content_type))
    with _host(tmp_path, served, disco_url=f"{served.url}/kvaldel.csv") as host:
        result = host.run("taxonomies")
        assert result.ok and result.rows_rejected == 0, result.message
        occ = {
            r[0]: r[1:]
            for r in host.con.execute(
                "SELECT code, title, level, parent_code, aliases FROM occupations"
            ).fetchall()
        }
    assert list(occ) == ["1", "11", "111", "1111", "111100", "1112", "111200"]
    assert occ["1"] == ("Ledelsesarbejde", 1, None, [])
    # trailing blanks of the export's titles are dropped; NIVEAU 5 is the 6-digit code
    assert occ["111"][:3] == (
        "Øverste ledelse i lovgivende myndigheder, offentlige virksomheder og organisationer",
        3,
        "11",
    )
    title, level, parent, aliases = occ["111100"]
    assert (title, level, parent) == ("Øverste ledelse i lovgivende myndigheder", 5, "1111")
    # INKLUDERER's job titles are the aliases (the title itself is not repeated)
    assert aliases == sorted(
        [
            "Borgerrepræsentant",
            "Borgmester",
            "Byrådsmedlem",
            "EU parlamentsmedlem",
            "Folketingsmedlem",
            "Kommunalbestyrelsesmedlem",
            "Medlem af EU parlament",
            "Ministerråd",
            "Overborgmester",
            "Socialudvalgsformand",
        ]
    )
    assert {"Afdelingschef - stat", "Brigadechef (redningsberedskab)", "Kredslæge"} <= set(
        occ["111200"][3]
    )
    assert occ["1112"][3] == []


def test_db07_db25_key_fills_industry_key(tmp_path: Path, served: FixtureServer):
    key = (
        "DB07_TITEL,DB07,DB25,DB25_TITEL\r\n"
        "Computerprogrammering,62.01.00,62.10.00,Computerprogrammering\r\n"
        "Computerprogrammering,62.01.00,62.90.00,Anden it\r\n"
        "Inkasso,82.91.00,82.91.10,Inkasso\r\n"
        "Uden DB25-kode,01.11.00,,\r\n"
    )
    served.route("GET", "/key.csv", Reply.text(key.encode("cp1252"), "text/csv"))
    with _host(tmp_path, served, db07_db25_key=f"{served.url}/key.csv") as host:
        result = host.run("taxonomies")
        assert result.ok, result.message
        pairs = host.con.execute(
            "SELECT db07_code, db25_code FROM industry_key ORDER BY 1, 2"
        ).fetchall()
        assert pairs == [("620100", "621000"), ("620100", "629000"), ("829100", "829110")]
        assert host.con.execute("SELECT reason FROM industry_key_rejects").fetchall() == [
            ("kodepar mangler en kode",)
        ]
        # an empty key fails and keeps the previous pairs
        served.route("GET", "/key.csv", Reply.text(b"DB07;DB25\r\n", "text/csv"))
        result = host.run("taxonomies")
        assert result.status == "failed" and "DB07-DB25-nøglen" in result.message
        assert host.con.execute("SELECT count(*) FROM industry_key").fetchone() == (3,)


def test_disco_08_defaults_to_statistics_denmarks_kvaldel_export(tmp_path: Path) -> None:
    """Out of the box the plugin runs on DISCO-08 from dst.dk (no DB07 file needed)."""
    from workbench.core.plugins.host import plugin_status

    settings = load_settings(None, environ={})
    url = settings.plugin("taxonomies")["disco_url"]
    assert url.startswith("https://www.dst.dk/") and url.endswith("ext=kvaldel")
    [info] = [p for p in discover() if p.id == "taxonomies"]
    assert plugin_status(info, settings) == "ok"


def test_nothing_configured_is_one_clear_line(tmp_path: Path, served: FixtureServer) -> None:
    with _host(tmp_path, served, db07_url="") as host:
        result = host.run("taxonomies")
    assert not result.ok
    assert "plugins.taxonomies.disco_url" in result.message
