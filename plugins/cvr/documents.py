"""The parts of CVR's scroll answers the mapping reads, as typed msgspec structs.

Speed (issue #17): a national load is about 2M documents, and a real document carries much
the mapping never reads (participants, attributes, mergers: 5–100 KB of JSON each). msgspec
decodes an answer straight into these structs, skipping what is not declared, about twice as
fast as decoding all of it into dicts, and the typed mapping (``typed_mapping.py``) reads
attributes without the dict mapping's type checks.

The structs are not tracked by the garbage collector (``gc=False``): they hold no cycles,
and a national load creates tens of millions of them.

The types are strict on purpose: a value of another type anywhere on a page (a list where an
object belongs, a number where a date belongs) fails the typed decode of that page, and the
page is read as before (orjson into dicts, ``mapping.py``), which knows every awkward case
and gives each rejected document its reason. Only documents of the usual shape take the
typed path; the tests check that both paths give the same rows.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, Struct, UnsetType

# CVR numbers, codes and house numbers: integers as a rule, text in some old entries.
Number = int | str | None


class Periode(Struct, gc=False):
    gyldigFra: str | None = None
    gyldigTil: str | None = None


class Navn(Struct, gc=False):
    navn: str | None = None
    periode: Periode | None = None


class Kommune(Struct, gc=False):
    kommuneKode: Number = None


class Adresse(Struct, gc=False):
    vejnavn: str | None = None
    husnummerFra: Number = None
    bogstavFra: str | None = None
    husnummerTil: Number = None
    bogstavTil: str | None = None
    etage: Number = None
    sidedoer: Number = None
    fritekst: str | None = None
    postboks: Number = None
    bynavn: str | None = None
    postnummer: Number = None
    postdistrikt: str | None = None
    landekode: str | None = None
    adresseId: str | None = None
    kommune: Kommune | None = None
    periode: Periode | None = None


class Branche(Struct, gc=False):
    branchekode: Number = None
    branchetekst: str | None = None
    branchekodeversion: Number = None
    klassifikation: Number = None
    periode: Periode | None = None


class Beskaeftigelse(Struct, gc=False):
    aar: Number = None
    maaned: Number = None
    kvartal: Number = None
    antalAnsatte: int | float | str | None = None
    intervalKodeAntalAnsatte: str | None = None


class PEnhed(Struct, gc=False):
    pNummer: Number = None
    periode: Periode | None = None


class Relation(Struct, gc=False):
    cvrNummer: Number = None
    periode: Periode | None = None


class Status(Struct, gc=False):
    status: str | None = None
    periode: Periode | None = None


class Form(Struct, gc=False):
    langBeskrivelse: str | None = None
    periode: Periode | None = None


class Livsforloeb(Struct, gc=False):
    periode: Periode | None = None


class Metadata(Struct, gc=False):
    sammensatStatus: str | None = None
    stiftelsesDato: str | None = None
    nyesteNavn: Navn | None = None
    nyesteCvrNummerRelation: Number = None


class _Unit(Struct, gc=False):
    """What companies and production units share."""

    reklamebeskyttet: bool | str | None = None
    navne: list[Navn] | None = None
    beliggenhedsadresse: list[Adresse] | None = None
    hovedbranche: list[Branche] | None = None
    maanedsbeskaeftigelse: list[Beskaeftigelse] | None = None
    erstMaanedsbeskaeftigelse: list[Beskaeftigelse] | None = None
    kvartalsbeskaeftigelse: list[Beskaeftigelse] | None = None
    aarsbeskaeftigelse: list[Beskaeftigelse] | None = None
    virksomhedsstatus: list[Status] | None = None
    virksomhedsform: list[Form] | None = None
    livsforloeb: list[Livsforloeb] | None = None
    sidstOpdateret: str | None = None


class Virksomhed(_Unit, gc=False):
    cvrNummer: Number = None
    penheder: list[PEnhed] | None = None
    virksomhedMetadata: Metadata | None = None


class ProduktionsEnhed(_Unit, gc=False):
    pNummer: Number = None
    virksomhedsrelation: list[Relation] | None = None
    produktionsEnhedMetadata: Metadata | None = None


class Source(Struct, gc=False):
    Vrvirksomhed: Virksomhed | None = None
    VrproduktionsEnhed: ProduktionsEnhed | None = None


class Hit(Struct, gc=False):
    _id: Any = None
    _source: Source | None = None


class Hits(Struct, gc=False):
    # Missing means an empty page; null or another type is an error the dict path reports.
    hits: list[Hit] | UnsetType = UNSET
    total: Any = None


class Answer(Struct, gc=False):
    _scroll_id: str | None = None
    hits: Hits | UnsetType = UNSET


class OutlineHits(Struct, gc=False):
    hits: list[msgspec.Raw] | UnsetType = UNSET
    total: Any = None


class Outline(Struct, gc=False):
    """An answer's scroll id, total and hits left undecoded (``msgspec.Raw``): what the
    scroll needs, at a fraction of a full decode (the pages are mapped elsewhere)."""

    _scroll_id: str | None = None
    hits: OutlineHits | UnsetType = UNSET


_DECODER = msgspec.json.Decoder(Answer)
_OUTLINE = msgspec.json.Decoder(Outline)


def decode_outline(content: bytes) -> Outline | None:
    """The answer's outline, or None when it is not of the usual shape (or has no hits)."""
    try:
        outline = _OUTLINE.decode(content)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    if outline.hits is UNSET or outline.hits.hits is UNSET:
        return None
    return outline


def decode_answer(content: bytes) -> Answer | None:
    """The typed answer, or None when any value on it has another shape than declared (or the
    answer has no hits): the caller then reads it as dicts."""
    try:
        answer = _DECODER.decode(content)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    if answer.hits is UNSET or answer.hits.hits is UNSET:
        return None  # the dict path tells an error answer from an empty page
    return answer


def to_builtins(value: Any) -> Any:
    """A struct (or an undecoded value) as plain dicts and lists (fingerprints, messages)."""
    if isinstance(value, msgspec.Raw):
        return msgspec.json.decode(value)
    return msgspec.to_builtins(value)
