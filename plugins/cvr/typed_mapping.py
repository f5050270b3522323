"""CVR documents decoded as structs (``documents.py``) to cache rows: the fast path.

The rules are those of ``mapping.py`` (its docstring explains them), and the value-level
helpers are shared with it. Rows come out as tuples in ``mapping.COMPANY_COLUMNS`` order.

Any irregularity raises: the caller then maps the document with ``mapping.py`` from its
dicts, which gives the row or the reject with its reason. So this module only has to be
right for documents it maps; the tests compare it with the reference mapping on every
document of their corpus that decodes typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from .documents import Metadata, Periode, ProduktionsEnhed, Virksomhed
from .mapping import (
    SOURCE,
    Figures,
    _cvr_number,
    _date_text,
    _flag,
    _nice_status,
    _size_history,
    _text,
    address_line,
    branche_value,
    employment,
    house_no,
    industry_code,
    industry_columns,
    industry_system,
    kommune_kode,
    parse_date,
    parse_timestamp,
    postnr_text,
)

Row = tuple[Any, ...]


class NotTyped(ValueError):
    """The document is not of the usual shape: map it from its dicts."""


def _current(entries: Sequence[Any] | None) -> Any:
    """``mapping.current`` over struct entries: the open entry with the latest gyldigFra
    (the first of equals), else the latest closed one."""
    if not entries:
        return None
    best: Any = None
    best_key: tuple[str, str] = ("", "")
    closed: Any = None
    closed_key: tuple[str, str] = ("", "")
    for e in entries:
        p = e.periode
        if p is None:
            fra = til = None
        else:
            fra, til = p.gyldigFra, p.gyldigTil
        if til is None:
            key = (fra or "", "9999")
            if best is None or key > best_key:
                best, best_key = e, key
        elif best is None:
            key = (fra or "", til or "9999")
            if closed is None or key > closed_key:
                closed, closed_key = e, key
    return best if best is not None else closed


def _valid(p: Periode | None) -> tuple[date | None, date | None]:
    if p is None:
        return None, None
    fra, til = p.gyldigFra, p.gyldigTil
    return (_date_text(fra) if fra else None, _date_text(til) if til else None)


def _figures(doc: Virksomhed | ProduktionsEnhed) -> Figures:
    out: Figures = []
    for entries, kind in (
        (doc.maanedsbeskaeftigelse, 3),
        (doc.erstMaanedsbeskaeftigelse, 3),
        (doc.kvartalsbeskaeftigelse, 2),
        (doc.aarsbeskaeftigelse, 1),
    ):
        if not entries:
            continue
        for e in entries:
            try:
                year = int(e.aar)  # type: ignore[arg-type]  # None: TypeError, skipped
                if kind == 3:
                    month = int(e.maaned)  # type: ignore[arg-type]
                elif kind == 2:
                    month = int(e.kvartal) * 3  # type: ignore[arg-type]
                else:
                    month = 12
            except (TypeError, ValueError):
                continue
            out.append(((year, month, kind), e.antalAnsatte, e.intervalKodeAntalAnsatte))
    return out


def _common(
    doc: Virksomhed | ProduktionsEnhed, cvr: str, pnr: str | None, meta: Metadata | None
) -> tuple[list[Any], list[Row]]:
    """The columns name … started-less part both kinds share, and the history rows.

    Returns ``[name, address, postnr, kommune_kode, industry code, text, employees, band,
    db25 code, db25 text, system, street, house_no, address_id, advertising_protected,
    cvr_updated]`` and the history.
    """
    history: list[Row] = []
    append = history.append

    # names
    navne = doc.navne or ()
    for e in navne:
        if (value := _text(e.navn)) is not None:
            append((cvr, pnr, "navn", value, *_valid(e.periode), SOURCE))
    entry = _current(navne)
    name = _text(entry.navn) if entry is not None else None
    if not name:
        newest = meta.nyesteNavn if meta is not None else None
        name = _text(newest.navn) if newest is not None else None

    # addresses: each formatted once, for the row and the history
    addresses = doc.beliggenhedsadresse or ()
    lines: dict[int, str | None] = {}
    for a in addresses:
        line = address_line(
            a.vejnavn,
            a.husnummerFra,
            a.bogstavFra,
            a.husnummerTil,
            a.bogstavTil,
            a.etage,
            a.sidedoer,
            a.fritekst,
            a.postboks,
            a.bynavn,
            a.postnummer,
            a.postdistrikt,
            a.landekode,
        )
        lines[id(a)] = line
        if line is not None:
            append((cvr, pnr, "adresse", line, *_valid(a.periode), SOURCE))
    a = _current(addresses)
    if a is None:
        address = postnr = kommune = street = number = address_id = None
    else:
        address = lines[id(a)]
        postnr = postnr_text(a.postnummer)
        kommune = kommune_kode(a.kommune.kommuneKode) if a.kommune is not None else None
        street = _text(a.vejnavn)
        number = house_no(a.husnummerFra, a.bogstavFra, a.husnummerTil, a.bogstavTil)
        address_id = _text(a.adresseId)

    # industry
    branches = doc.hovedbranche or ()
    for e in branches:
        value = branche_value(industry_code(e.branchekode), _text(e.branchetekst))
        if value is not None:
            append((cvr, pnr, "branche", value, *_valid(e.periode), SOURCE))
    e = _current(branches)
    if e is None:
        code = text = system = None
    else:
        code = industry_code(e.branchekode)
        text = _text(e.branchetekst)
        system = (
            industry_system(
                e.branchekodeversion,
                e.klassifikation,
                e.periode.gyldigFra if e.periode is not None else None,
            )
            if code
            else None
        )
    industry = industry_columns(code, text, system)

    for e in doc.virksomhedsstatus or ():
        if (value := _text(e.status)) is not None:
            append((cvr, pnr, "status", value, *_valid(e.periode), SOURCE))
    for e in doc.virksomhedsform or ():
        if (value := _text(e.langBeskrivelse)) is not None:
            append((cvr, pnr, "virksomhedsform", value, *_valid(e.periode), SOURCE))

    figures = _figures(doc)
    employees, band = employment(None, figures)
    history.extend(_size_history(cvr, pnr, None, figures))

    flag = doc.reklamebeskyttet
    if flag is not None and type(flag) is not bool:
        flag = _flag(flag)
    return [
        name,
        address,
        postnr,
        kommune,
        industry["industry_code"],
        industry["industry_text"],
        employees,
        band,
        industry["industry_code_db25"],
        industry["industry_text_db25"],
        industry["industry_system"],
        street,
        number,
        address_id,
        flag,
        parse_timestamp(doc.sidstOpdateret),
    ], history


def _life(doc: Virksomhed | ProduktionsEnhed) -> tuple[bool | None, date | None]:
    """(is the life open — None without livsforloeb —, its earliest start)."""
    life = doc.livsforloeb
    if not life:
        return None, None
    is_open = False
    first: date | None = None
    for e in life:
        p = e.periode
        if p is None or p.gyldigTil is None:
            is_open = True
        start = parse_date(p.gyldigFra) if p is not None else None
        if start and (first is None or start < first):
            first = start
    return is_open, first


def _row(
    cvr: str,
    pnr: str | None,
    common: list[Any],
    status: str | None,
    started: date | None,
    form: str | None,
    kind: str,
) -> Row:
    """The row in COMPANY_COLUMNS order from ``_common``'s values and the kind's own."""
    (
        name,
        address,
        postnr,
        kommune,
        code,
        text,
        employees,
        band,
        code25,
        text25,
        system,
        street,
        number,
        address_id,
        flag,
        updated,
    ) = common
    return (
        cvr,
        pnr,
        name,
        address,
        postnr,
        kommune,
        code,
        text,
        employees,
        band,
        status,
        started,
        flag,
        SOURCE,
        code25,
        text25,
        system,
        street,
        number,
        address_id,
        form,
        kind,
        updated,
    )


def company(doc: Virksomhed | None) -> tuple[Row, list[Row]]:
    """A ``Vrvirksomhed`` as (row in COMPANY_COLUMNS order, history rows); see
    ``mapping.map_company``."""
    if doc is None:
        raise NotTyped("no Vrvirksomhed")
    cvr = _cvr_number(doc.cvrNummer)
    meta = doc.virksomhedMetadata
    for p in doc.penheder or ():  # current P numbers must be numbers (else: rejected)
        if (p.periode is None or p.periode.gyldigTil is None) and p.pNummer:
            _cvr_number(p.pNummer, "pNummer")
    common, history = _common(doc, cvr, None, meta)
    is_open, first = _life(doc)
    status = _text(meta.sammensatStatus) if meta is not None else None
    if not status:
        e = _current(doc.virksomhedsstatus)
        status = _text(e.status) if e is not None else None
        if not status and is_open is not None:
            status = "Aktiv" if is_open else "Ophørt"
    started = None
    if meta is not None and meta.stiftelsesDato:
        started = parse_date(meta.stiftelsesDato)
    if not started:
        started = first
    e = _current(doc.virksomhedsform)
    form = _text(e.langBeskrivelse) if e is not None else None
    return _row(cvr, None, common, _nice_status(status), started, form, "virksomhed"), history


def unit(doc: ProduktionsEnhed | None) -> tuple[Row, list[Row]]:
    """A ``VrproduktionsEnhed`` as (row in COMPANY_COLUMNS order, history rows); see
    ``mapping.map_unit``."""
    if doc is None:
        raise NotTyped("no VrproduktionsEnhed")
    pnr = _cvr_number(doc.pNummer, "pNummer")
    relation = _current(doc.virksomhedsrelation)
    meta = doc.produktionsEnhedMetadata
    cvr_value = relation.cvrNummer if relation is not None else None
    if cvr_value is None and meta is not None:
        cvr_value = meta.nyesteCvrNummerRelation
    cvr = _cvr_number(cvr_value, "virksomhedsrelation.cvrNummer")
    common, history = _common(doc, cvr, pnr, meta)
    is_open, first = _life(doc)
    status = _nice_status(_text(meta.sammensatStatus) if meta is not None else None)
    if not status:
        status = None if is_open is None else "Aktiv" if is_open else "Ophørt"
    return _row(cvr, pnr, common, status, first, None, "produktionsenhed"), history


__all__ = ["NotTyped", "company", "unit"]
