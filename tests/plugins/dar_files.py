"""DAR file downloads (Datafordeler "Fildownload", JSON) written for tests and benchmarks.

There is no DAR fixture in ../shared/fixtures, so this module writes files in the shape
Datafordeler delivers: one JSON object whose keys are entity lists (``AdresseList``,
``AdressepunktList``, ``HusnummerList``, ``NavngivenVejList``, ``NavngivenVejKommunedelList``,
``PostnummerList``, ...), each entry a bitemporal version with the common fields
(``id_lokalId``, ``id_namespace``, ``status``, ``registreringFra/Til``, ``virkningFra/Til``,
``forretningshændelse``, ...) and the entity's own fields; references are ``id_lokalId``
strings and positions WKT (``"POINT(723500.12 6175200.5)"``, EPSG:25832). Lists appear in
alphabetical order, as in the real files, so a reader must not rely on an order.

``record`` builds one entry; ``write_dar_json`` streams lists (any iterables) to a file, so a
benchmark can write millions of entries without holding them; ``synthetic_lists`` yields a
consistent synthetic register of N house numbers; ``dar_zip`` wraps a file in a ZIP with a
metadata member, as the download service does.
"""

from __future__ import annotations

import json
import random
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

NAMESPACES = {
    "AdresseList": "http://data.gov.dk/dar/adresse",
    "AdressepunktList": "http://data.gov.dk/dar/adressepunkt",
    "DARKommuneinddelingList": "http://data.gov.dk/dar/darkommuneinddeling",
    "HusnummerList": "http://data.gov.dk/dar/husnummer",
    "NavngivenVejList": "http://data.gov.dk/dar/navngivenvej",
    "NavngivenVejKommunedelList": "http://data.gov.dk/dar/navngivenvejkommunedel",
    "PostnummerList": "http://data.gov.dk/dar/postnummer",
}

# The entity's own fields (beyond the common bitemporal ones), all present in every entry
# (None where not given) so entries are as wide as the real ones.
OWN_FIELDS = {
    "AdresseList": (
        "adressebetegnelse",
        "dørbetegnelse",
        "dørpunkt",
        "etagebetegnelse",
        "bygning",
        "husnummer",
    ),
    "AdressepunktList": (
        "oprindelse_kilde",
        "oprindelse_nøjagtighedsklasse",
        "oprindelse_registrering",
        "oprindelse_tekniskStandard",
        "position",
    ),
    "DARKommuneinddelingList": ("kommunekode", "navn", "kommuneinddelingId"),
    "HusnummerList": (
        "adgangsadressebetegnelse",
        "adgangspunkt",
        "husnummerretning",
        "husnummertekst",
        "vejpunkt",
        "jordstykke",
        "placeretPåForeløbigtJordstykke",
        "geoDanmarkBygning",
        "adgangTilBygning",
        "adgangTilTekniskAnlæg",
        "vejmidte",
        "afstemningsområde",
        "kommuneinddeling",
        "menighedsrådsafstemningsområde",
        "sogneinddeling",
        "supplerendeBynavn",
        "navngivenVej",
        "postnummer",
    ),
    "NavngivenVejList": (
        "administreresAfKommune",
        "beskrivelse",
        "retskrivningskontrol",
        "udtaleverificeret",
        "vejadresseringsnavn",
        "vejnavn",
        "vejnavnebeliggenhed_oprindelse_kilde",
        "vejnavnebeliggenhed_vejnavnelinje",
        "vejnavnebeliggenhed_vejnavneområde",
    ),
    "NavngivenVejKommunedelList": ("kommune", "navngivenVej", "vejkode"),
    "PostnummerList": ("navn", "postnr", "postnummerinddeling"),
}


def record(kind: str, id_: str | None = None, *, status: str | None = None, **fields: Any) -> dict:
    """One entry of list ``kind`` (current unless registreringTil/virkningTil are given).

    Status defaults to 3 "gældende", for access points 8 "i brug" (DAR's life cycle codes).
    """
    if status is None:
        status = "8" if kind == "AdressepunktList" else "3"
    entry: dict[str, Any] = {
        "datafordelerOpdateringstid": "2026-11-01T03:12:45.123456+01:00",
        "forretningshændelse": "Adresse",
        "forretningsområde": "54.15.05.05",
        "forretningsproces": "0",
        "id_namespace": NAMESPACES[kind],
        "id_lokalId": id_ or str(uuid.uuid4()),
        "registreringFra": "2019-06-17T11:35:50.813416+02:00",
        "registreringsaktør": "DAR",
        "registreringTil": None,
        "status": status,
        "virkningFra": "2019-06-17T11:35:50.813416+02:00",
        "virkningsaktør": "Konvertering2017",
        "virkningTil": None,
    }
    for name in OWN_FIELDS[kind]:
        entry[name] = None
    unknown = set(fields) - set(entry)
    if unknown:
        raise ValueError(f"{kind} has no field(s) {sorted(unknown)}")
    entry.update(fields)
    return entry


def write_dar_json(fh: IO[str], lists: Mapping[str, Iterable[Mapping[str, Any]]]) -> int:
    """Stream ``{"<Kind>List": [...], ...}`` (keys sorted) to a text file; returns entries."""
    n = 0
    fh.write("{")
    for i, kind in enumerate(sorted(lists)):
        fh.write(("," if i else "") + json.dumps(kind) + ":[")
        for j, entry in enumerate(lists[kind]):
            fh.write(("," if j else "") + json.dumps(entry, ensure_ascii=False))
            n += 1
        fh.write("]")
    fh.write("}")
    return n


def dar_zip(json_path: Path, zip_path: Path) -> Path:
    """Wrap a DAR JSON file in a ZIP next to a metadata member, as the download service does."""
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("DAR_Metadata.json", json.dumps({"Udtræk": "DAR", "Format": "JSON"}))
        zf.write(json_path, "DAR_Totaludtraek_20261101.json")
    return zip_path


# ------------------------------------------------------------------------------ synthetic

STREET_WORDS = ("Skov", "Strand", "Kirke", "Møller", "Bøge", "Ege", "Åby", "Nørre", "Vester")
STREET_KINDS = ("vej", "gade", "allé", "stræde", "parken", "vænget")


def synthetic_lists(n_house_numbers: int, seed: int = 1) -> dict[str, Iterator[dict]]:
    """A consistent synthetic register of N house numbers with 1.5 unit addresses each.

    Every house number has a current access point, road, postcode and municipality; about
    2% also have an older (closed) version, as in a download with history. Generated lazily
    in a fixed order so a benchmark writes gigabytes without holding them.
    """
    rng = random.Random(seed)
    n_roads = max(1, n_house_numbers // 15)
    postcodes = [(f"{p:04d}", f"By {p}") for p in range(1000, 9991, 9)]
    roads = [
        (
            str(uuid.UUID(int=rng.getrandbits(128))),
            f"{rng.choice(STREET_WORDS)}{rng.choice(STREET_KINDS)} {i}",
            f"{rng.randrange(101, 861):04d}",
        )
        for i in range(n_roads)
    ]
    post_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in postcodes]

    def hn_id(i: int) -> str:
        return str(uuid.UUID(int=(seed << 96) | (1 << 64) | i))

    def ap_id(i: int) -> str:
        return str(uuid.UUID(int=(seed << 96) | (2 << 64) | i))

    def house(i: int) -> tuple[str, str, str, float, float]:
        road = roads[i % n_roads]
        number = f"{i // n_roads + 1}{'' if i % 7 else 'B'}"
        post = post_ids[(i * 31) % len(post_ids)]
        x = 450_000 + (i * 7919) % 420_000 + 0.25
        y = 6_050_000 + (i * 104729) % 330_000 + 0.5
        return road[0], number, post, x, y

    def postnumre() -> Iterator[dict]:
        for pid, (nr, name) in zip(post_ids, postcodes, strict=True):
            yield record("PostnummerList", pid, postnr=nr, navn=name)

    def veje() -> Iterator[dict]:
        for rid, name, _ in roads:
            yield record(
                "NavngivenVejList",
                rid,
                vejnavn=name,
                vejadresseringsnavn=name[:20],
                vejnavnebeliggenhed_vejnavnelinje="LINESTRING(500000 6100000,500100 6100100)",
            )

    def kommunedele() -> Iterator[dict]:
        for rid, _, kommune in roads:
            yield record(
                "NavngivenVejKommunedelList",
                None,
                navngivenVej=rid,
                kommune=kommune,
                vejkode="0123",
            )

    def punkter() -> Iterator[dict]:
        for i in range(n_house_numbers):
            _, _, _, x, y = house(i)
            yield record(
                "AdressepunktList",
                ap_id(i),
                position=f"POINT({x:.2f} {y:.2f})",
                oprindelse_kilde="Ekstern",
                oprindelse_nøjagtighedsklasse="A",
            )

    def husnumre() -> Iterator[dict]:
        for i in range(n_house_numbers):
            road, number, post, _, _ = house(i)
            fields = dict(
                husnummertekst=number,
                navngivenVej=road,
                postnummer=post,
                adgangspunkt=ap_id(i),
                adgangsadressebetegnelse=f"{number}",
                jordstykke="1234567",
                geoDanmarkBygning=str(uuid.UUID(int=i)),
            )
            if i % 50 == 0:  # an older, closed version
                yield record(
                    "HusnummerList",
                    hn_id(i),
                    registreringTil="2020-01-01T00:00:00+01:00",
                    **{**fields, "husnummertekst": number + "Z"},
                )
            yield record("HusnummerList", hn_id(i), **fields)

    def adresser() -> Iterator[dict]:
        for i in range(n_house_numbers):
            for unit in range(1 + (i % 2)):
                yield record(
                    "AdresseList",
                    str(uuid.UUID(int=(seed << 96) | (3 << 64) | (i << 1) | unit)),
                    husnummer=hn_id(i),
                    etagebetegnelse=str(unit) if unit else None,
                    adressebetegnelse="...",
                )

    return {
        "AdresseList": adresser(),
        "AdressepunktList": punkter(),
        "HusnummerList": husnumre(),
        "NavngivenVejKommunedelList": kommunedele(),
        "NavngivenVejList": veje(),
        "PostnummerList": postnumre(),
    }
