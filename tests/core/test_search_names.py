"""Names, not only codes, on the command line (#10): --occupation/--municipality/--industry
resolve like the window's type-ahead (one function in core), --near takes the map's readout
and an address from the cache's address register."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.raw_cache import raw_connect
from workbench.cli import main
from workbench.core.places import format_readout, parse_readout
from workbench.core.vocabulary import AmbiguousName, UnknownName, Vocabulary
from workbench.plugins.addresses.normalize import match_key

ENTRIES = [
    ("7119", "Andet byggearbejde", ["tømrersvend-lærling"]),
    ("7115", "Tømrer", ["tømrersvend", "bygningssnedker"]),
    ("7112", "Murer", []),
    ("5120", "Kok", ["kokkeelev"]),
]


def test_vocabulary_prefers_exact_code_title_and_alias_over_substrings() -> None:
    v = Vocabulary(ENTRIES, "occupation")
    assert v.matches("TØMRER") == ["7115"]  # title, any case
    assert v.matches("tømrersvend") == ["7115"]  # alias, though a longer alias contains it
    assert v.matches("7112") == ["7112"]
    assert v.matches("Tømrer (7115)") == ["7115"]  # the label the type-ahead lists
    assert v.matches("snedker") == ["7115"]
    assert v.matches("er") == ["7119", "7115", "7112"]
    assert v.matches("  ") == [] and v.code_for("kagebager") is None
    assert v.code_for("er") == "7119"  # the window takes the top suggestion


def test_resolve_names_one_code_or_says_why_not() -> None:
    v = Vocabulary(ENTRIES, "occupation")
    assert v.resolve("kokkeelev", "--occupation") == "5120"
    with pytest.raises(AmbiguousName, match=r"'er' matches 3 occupation names.*Murer \(7112\)"):
        v.resolve("er", "--occupation")
    with pytest.raises(UnknownName, match="no occupation code or name matches 'kagebager'"):
        v.resolve("kagebager", "--occupation")


def _total(cache: Path, capsys, entity: str, *options: str) -> int:
    rc = main(
        ["search", entity, "--cache", str(cache), *options, "--limit", "1", "--format", "json"]
    )
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)["total"]


@pytest.mark.parametrize(
    ("entity", "option", "name", "code"),
    [
        ("candidates", "--occupation", "tømrer", "7115"),
        ("candidates", "--occupation", "Tømrersvend", "7115"),
        ("candidates", "--qualification", "Budgetlægning", "Q0001"),
        ("candidates", "--municipality", "Aalborg", "0851"),
        ("companies", "--municipality", "aalborg", "851"),
        ("companies", "--industry", "Opførelse af bygninger", "41"),
    ],
)
def test_a_name_selects_what_its_code_selects(
    _small_demo_master: Path, capsys, entity, option, name, code
) -> None:
    by_code = _total(_small_demo_master, capsys, entity, option, code)
    assert by_code > 0
    assert _total(_small_demo_master, capsys, entity, option, name) == by_code


@pytest.mark.parametrize(
    ("options", "needles"),
    [
        (["--municipality", "Aa"], ["matches", "Aalborg (0851)", "Aarhus (0751)"]),
        (["--occupation", "kagebager"], ["--occupation: no occupation code or name"]),
    ],
)
def test_ambiguous_or_unknown_names_exit_2_in_one_line(
    _small_demo_master: Path, capsys, options, needles
) -> None:
    rc = main(["search", "candidates", "--cache", str(_small_demo_master), *options])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert all(n in err for n in needles)


def test_near_accepts_the_maps_readout(_small_demo_master: Path, capsys) -> None:
    x, y = 557_238.0, 6_315_406.0
    readout = format_readout(x, y)
    assert readout == "EPSG:25832  E 557.238  N 6.315.406"
    assert parse_readout("E 560.917 N 6.315.816") == (560917.0, 6315816.0)
    assert parse_readout("Vesterbrogade 1") is None
    by_xy = _total(
        _small_demo_master, capsys, "candidates", "--near", f"{x},{y}", "--radius-km", "5"
    )
    assert by_xy > 0
    for text in (readout, "E 557.238 N 6.315.406"):
        assert (
            _total(_small_demo_master, capsys, "candidates", "--near", text, "--radius-km", "5")
            == by_xy
        )


def _add_addresses(cache: Path, rows: list[tuple[str, str, str, float, float]]) -> None:
    con = raw_connect(cache)
    for street, number, postnr, x, y in rows:
        con.execute(
            "INSERT INTO addresses (street, house_no, postnr, match_key, x, y, source) "
            "VALUES (?, ?, ?, ?, ?, ?, 'addresses')",
            [street, number, postnr, match_key(street, number, postnr), x, y],
        )
    con.close()


def test_near_looks_an_address_up_in_the_cache(small_demo_cache: Path, capsys) -> None:
    rc = main(["search", "candidates", "--cache", str(small_demo_cache),
               "--near", "Boulevarden 13, 9000 Aalborg", "--radius-km", "5"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "no addresses" in err and "addresses plugin" in err
    _add_addresses(
        small_demo_cache,
        [
            ("Boulevarden", "13", "9000", 557_238.0, 6_315_406.0),
            ("Boulevarden", "13", "7100", 530_000.0, 6_170_000.0),
            ("Gammel Kongevej", "1", "1610", 723_000.0, 6_175_000.0),
        ],
    )
    by_xy = _total(
        small_demo_cache, capsys, "candidates", "--near", "557238,6315406", "--radius-km", "5"
    )
    near = ["--radius-km", "5", "--near"]
    assert (
        _total(small_demo_cache, capsys, "candidates", *near, "Boulevarden 13, 9000 Aalborg")
        == by_xy
    )
    # the register's normalisation: "Gl." is "Gammel"
    copenhagen = _total(small_demo_cache, capsys, "candidates", *near, "723000,6175000")
    assert copenhagen > 0 and copenhagen != by_xy
    assert _total(small_demo_cache, capsys, "candidates", *near, "Gl. Kongevej 1") == copenhagen
    rc = main(["search", "candidates", "--cache", str(small_demo_cache), *near, "Boulevarden 13"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "matches 2 addresses" in err and "7100" in err and "9000" in err
    rc = main(["search", "candidates", "--cache", str(small_demo_cache), *near, "Boulevarden 99"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "no address in the cache matches 'Boulevarden 99'" in err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--municipality", "9999", "--municipality: no municipality has the code '9999'"),
        ("--occupation", "71159999", "--occupation: no occupation has the code '71159999'"),
        ("--qualification", "Q9999", "--qualification: no qualification has the code 'Q9999'"),
        ("--near", "E 9.999.999.999 N 6.315.816", "lies outside Denmark"),
    ],
)
def test_unknown_codes_and_points_outside_denmark_exit_2(
    _small_demo_master, capsys, option, value, message
) -> None:
    """Found in review: an unknown code found nothing and exited 0, while an unknown name
    exited 2; both are typos the user needs to hear about."""
    from workbench.cli import main

    extra = ["--radius-km", "5"] if option == "--near" else []
    rc = main(["search", "candidates", option, value, *extra, "--cache", str(_small_demo_master)])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1


def test_known_codes_and_prefixes_still_pass(_small_demo_master, capsys) -> None:
    from workbench.cli import main

    for option, value in (("--municipality", "851"), ("--occupation", "71"), ("--industry", "41")):
        entity = "companies" if option == "--industry" else "candidates"
        args = ["search", entity, option, value, "--cache", str(_small_demo_master)]
        assert main([*args, "--format", "json", "--limit", "1"]) == 0, capsys.readouterr().err


def test_municipality_names_as_people_type_them() -> None:
    """Found in review: "Aalborg Kommune", "Århus" and "Kobenhavn" were refused."""
    v = Vocabulary(
        [("0851", "Aalborg", []), ("0751", "Aarhus", []), ("0101", "København", [])],
        "municipality",
    )
    assert v.resolve("Aalborg Kommune", "--municipality") == "0851"
    assert v.resolve("Århus", "--municipality") == "0751"
    assert v.resolve("Kobenhavn", "--municipality") == "0101"
    assert v.resolve("koebenhavns kommune", "--municipality") == "0101"
    assert v.matches("Odense") == []
