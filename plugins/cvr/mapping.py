"""CVR documents (Elasticsearch ``_source``) to cache rows. Pure functions, no I/O.

CVR fields are histories: lists of entries with ``periode.gyldigFra/gyldigTil``. The current
value is the entry whose ``gyldigTil`` is null (the latest ``gyldigFra`` if several). A ceased
company or unit has no open entry: then the latest entry is used, and the status says
"Ophørt".

Two document kinds:
- ``Vrvirksomhed`` (index ``virksomhed``): the company, with its own address, its current
  production units (``penheder``) and company-level facts (status, founding date, form).
- ``VrproduktionsEnhed`` (index ``produktionsenhed``): a production unit (P number), with
  its own address, industry and employment, and its company (``virksomhedsrelation``).

A document that cannot be used raises :class:`MappingError` with a reason (it goes to
``companies_rejects``); fields that are merely missing map to NULL.

Speed (issue #17): this runs once per document of a national load (about 2M), so the hot
helpers walk each history once, format each address once, and cache the parse of values that
repeat across documents (dates, industry codes, size bands). The mapping before that rewrite
is kept as the oracle of the tests (``tests/plugins/cvr_mapping_reference.py``); both must
give identical rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from workbench.core.plugins.api import DB07, DB25, system_for_period

SOURCE = "cvr"

# Columns staged for companies: the contract columns (without rid/refreshed_at, set by the
# host/plugin) plus the extra columns of the companies migration.
COMPANY_COLUMNS: list[str] = [
    "cvr",
    "pnr",
    "name",
    "address",
    "postnr",
    "kommune_kode",
    "industry_code",
    "industry_text",
    "employees",
    "employees_band",
    "status",
    "started",
    "advertising_protected",
    "source",
    # extra columns (migration "companies: cvr details")
    "industry_code_db25",  # the current code when it is a DB25 code (kept for scripts)
    "industry_text_db25",
    "industry_system",  # DB07 | DB25: the system of industry_code (migration industry systems)
    "street",
    "house_no",
    "address_id",
    "company_form",
    "unit_kind",  # 'produktionsenhed' or 'virksomhed' (company without known units)
    "cvr_updated",
]

HISTORY_COLUMNS: list[str] = ["cvr", "pnr", "field", "value", "valid_from", "valid_to", "source"]


class MappingError(ValueError):
    """A document that cannot become a row; ``str(exc)`` is the reject reason."""


# --------------------------------------------------------------------------- histories


def _as_list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    if type(value) is list:  # the usual case first
        return value
    if value is None:
        return []
    if not isinstance(value, list):
        raise MappingError(f"{key}: expected a list, got {type(value).__name__}")
    return value


def _period(entry: Mapping[str, Any]) -> tuple[str | None, str | None]:
    periode = entry.get("periode") or {}
    if not isinstance(periode, dict):
        return None, None
    return periode.get("gyldigFra"), periode.get("gyldigTil")


def current(history: Sequence[Any]) -> Mapping[str, Any] | None:
    """The entry whose ``gyldigTil`` is null (latest ``gyldigFra`` wins), else the latest one.

    gyldigFra null sorts first ("" < any date); ISO dates compare as strings; of equal keys
    the first entry wins. One pass: the open entries' best and the closed entries' best (all
    entries are closed when no entry is open).
    """
    best_open: Any = None
    open_key: tuple[Any, Any] = ("", "")
    closed: list[tuple[tuple[Any, Any], Any]] = []
    for e in history:
        if not isinstance(e, dict):
            continue
        periode = e.get("periode") or {}
        if isinstance(periode, dict):
            fra, til = periode.get("gyldigFra"), periode.get("gyldigTil")
        else:
            fra = til = None
        if til is None:
            key = (fra or "", "9999")
            if best_open is None or key > open_key:
                best_open, open_key = e, key
        elif best_open is None:
            closed.append(((fra or "", til or "9999"), e))
    if best_open is not None or not closed:
        return best_open
    # Compared only when no entry is open, as max() over the closed ones would.
    best_key, best = closed[0]
    for key, e in closed[1:]:
        if key > best_key:
            best_key, best = key, e
    return best


def is_open(history: Sequence[Any]) -> bool:
    return any(isinstance(e, dict) and _period(e)[1] is None for e in history)


# --------------------------------------------------------------------------- field helpers


def kommune_kode(value: Any) -> str | None:
    """CVR's integer municipality code (101) to the cache's four-digit string ("0101")."""
    if value is None or value == "":
        return None
    if type(value) is int:  # the usual case; bool is not int here (str(True) is no number)
        number = value
    else:
        try:
            number = int(str(value).strip())
        except ValueError as exc:
            raise MappingError(f"kommuneKode: not a number: {value!r}") from exc
    if not 0 < number < 1000:
        raise MappingError(f"kommuneKode: out of range: {value!r}")
    return f"{number:04d}"


def industry_code(value: Any) -> str | None:
    """DB07/DB25 code as six digits without dots ("82.91.00" -> "829100")."""
    if value is None:
        return None
    if type(value) is str and len(value) == 6 and value.isdecimal():
        return value  # the usual form: six digits (isdecimal is what \d matches)
    return _industry_digits(str(value))


@lru_cache(maxsize=16384)  # a few thousand codes recur across millions of documents
def _industry_digits(text: str) -> str | None:
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    return digits.ljust(6, "0")[:6] if len(digits) <= 6 else digits


def parse_date(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    return _date_text(value)


@lru_cache(maxsize=65536)  # history dates repeat: one parse per distinct text
def _date_text(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_timestamp(value: Any) -> datetime | None:
    """CVR timestamps ("2021-10-04T15:05:24.000+02:00") as naive UTC."""
    if not value or not isinstance(value, str):
        return None
    if len(value) == 29 and value[23] in "+-":
        # The usual form: the local time less its offset, ~4x cheaper than astimezone (which
        # gives the same for a fixed offset). Anything odd takes the general path below.
        offset = _utc_offset(value[23:])
        if offset is not None:
            try:
                local = datetime.fromisoformat(value[:23])
            except ValueError:
                local = None
            if local is not None and 1 < local.year < 9999:
                return local - offset
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


@lru_cache(maxsize=256)  # a handful of offsets ("+01:00", "+02:00")
def _utc_offset(suffix: str) -> timedelta | None:
    try:
        return datetime.fromisoformat("2000-01-01T00:00:00" + suffix).utcoffset()
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = (value if type(value) is str else str(value)).strip()
    return text or None


def house_number(addr: Mapping[str, Any]) -> str | None:
    """ "1L", "3", "12-14" from husnummerFra/bogstavFra/husnummerTil/bogstavTil."""
    get = addr.get
    return house_no(get("husnummerFra"), get("bogstavFra"), get("husnummerTil"), get("bogstavTil"))


def house_no(fra: Any, bogstav_fra: Any, til: Any, bogstav_til: Any) -> str | None:
    """:func:`house_number` of the four values (shared with the typed mapping)."""
    if fra is None:
        return None
    out = f"{fra}{bogstav_fra or ''}"
    if til is not None:
        out += f"-{til}{bogstav_til or ''}"
    return out


def format_address(addr: Mapping[str, Any] | None) -> str | None:
    """One line as CVR shows it: "Vesterbrogade 1L, 6., 1620 København V"."""
    if not addr:
        return None
    get = addr.get
    return address_line(
        get("vejnavn"),
        get("husnummerFra"),
        get("bogstavFra"),
        get("husnummerTil"),
        get("bogstavTil"),
        get("etage"),
        get("sidedoer"),
        get("fritekst"),
        get("postboks"),
        get("bynavn"),
        get("postnummer"),
        get("postdistrikt"),
        get("landekode"),
    )


def address_line(
    vejnavn: Any,
    husnummer_fra: Any,
    bogstav_fra: Any,
    husnummer_til: Any,
    bogstav_til: Any,
    etage: Any,
    sidedoer: Any,
    fritekst: Any,
    postboks: Any,
    bynavn: Any,
    postnummer: Any,
    postdistrikt: Any,
    landekode: Any,
) -> str | None:
    """:func:`format_address` of an address's values (shared with the typed mapping)."""
    parts: list[str] = []
    street = _text(vejnavn)
    if street:
        number = house_no(husnummer_fra, bogstav_fra, husnummer_til, bogstav_til)
        first = f"{street} {number}" if number else street
        floor = _text(etage)
        door = _text(sidedoer)
        if floor or door:
            first += ", " + (
                f"{floor}. {door}" if floor and door else f"{floor}." if floor else door
            )
        parts.append(first)
    elif text := _text(fritekst):
        parts.append(text)
    if postboks:
        parts.append(f"Postboks {postboks}")
    if text := _text(bynavn):
        parts.append(text)
    district = _text(postdistrikt)
    if postnummer is not None or district:  # (an empty postnummer alone adds an empty part)
        if postnummer is not None and postnummer != "":
            parts.append(f"{postnummer} {district}" if district else str(postnummer))
        else:
            parts.append(district or "")
    if landekode not in (None, "", "DK"):
        parts.append(str(landekode))
    return ", ".join(parts) or None


def postnr_text(value: Any) -> str | None:
    """CVR's postnummer (8000) as the cache's four-digit text ("8000")."""
    if value is None:
        return None
    try:
        return f"{int(value):04d}"
    except (TypeError, ValueError) as exc:
        raise MappingError(f"postnummer: not a number: {value!r}") from exc


_BAND = re.compile(r"^ANTAL_(\d+)_(\d+)$")


def employees_band(code: Any) -> str | None:
    """ "ANTAL_5_9" -> "5-9", "ANTAL_1000_999999" -> "1000+"; unknown codes pass through."""
    if not code:
        return None
    return _band_text(str(code))


@lru_cache(maxsize=1024)  # a dozen size codes recur across all documents
def _band_text(code: str) -> str | None:
    match = _BAND.match(code)
    if not match:
        return code
    low, high = int(match.group(1)), int(match.group(2))
    if high >= 999999:
        return f"{low}+"
    return str(low) if low == high else f"{low}-{high}"


def _employment_candidates(doc: Mapping[str, Any]) -> Iterator[Figure]:
    """(period end as (year, month, granularity), antalAnsatte, intervalKodeAntalAnsatte) of
    all employment figures.

    Granularity breaks ties so that a month beats a quarter beats a year ending the same month.
    """
    for key, kind in (
        ("maanedsbeskaeftigelse", "m"),
        ("erstMaanedsbeskaeftigelse", "m"),
        ("kvartalsbeskaeftigelse", "q"),
        ("aarsbeskaeftigelse", "y"),
    ):
        for entry in _as_list(doc, key):
            if not isinstance(entry, dict):
                continue
            try:
                year = int(entry.get("aar"))
                if kind == "m":
                    month, rank = int(entry.get("maaned")), 3
                elif kind == "q":
                    month, rank = int(entry.get("kvartal")) * 3, 2
                else:
                    month, rank = 12, 1
            except (TypeError, ValueError):
                continue
            yield (
                (year, month, rank),
                entry.get("antalAnsatte"),
                entry.get("intervalKodeAntalAnsatte"),
            )


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


# One employment figure: its period key, antalAnsatte and intervalKodeAntalAnsatte as given.
Figure = tuple[tuple[int, int, int], Any, Any]
Figures = list[Figure]


def employment(
    doc: Mapping[str, Any] | None, figures: Figures | None = None
) -> tuple[int | None, str | None]:
    """Employees and band from the latest of the monthly, quarterly and yearly figures.

    ``employees`` is the exact ``antalAnsatte`` when CVR gives one, else NULL (the band
    still tells the size). ``figures``: the document's figures when the caller has them.
    """
    best: Figure | None = None
    if figures is None:
        figures = list(_employment_candidates(doc or {}))
    for figure in figures:
        if best is None or figure[0] > best[0]:
            best = figure
    if best is None:
        return None, None
    return _int_or_none(best[1]), employees_band(best[2])


def _current_name(doc: Mapping[str, Any], meta: Mapping[str, Any]) -> str | None:
    entry = current(_as_list(doc, "navne"))
    if entry is not None and _text(entry.get("navn")):
        return _text(entry.get("navn"))
    newest = meta.get("nyesteNavn") if isinstance(meta, dict) else None
    if isinstance(newest, dict):
        return _text(newest.get("navn"))
    return None


def _entry_system(entry: Mapping[str, Any]) -> str:
    """DB07 or DB25 for one ``hovedbranche`` entry (see :func:`industry_system`)."""
    return industry_system(
        entry.get("branchekodeversion"), entry.get("klassifikation"), _period(entry)[0]
    )


def industry_system(version: Any, klassifikation: Any, valid_from: Any) -> str:
    """DB07 or DB25 for a ``hovedbranche`` entry's tag and ``gyldigFra``.

    CVR has no separate DB25 field: since 1 January 2025 ``hovedbranche`` holds DB25 codes
    for periods with ``gyldigFra`` on or after 2025-01-01 and DB07 codes before. An explicit
    ``branchekodeversion``/``klassifikation`` tag, where a document has one, wins.
    """
    tag = str(version or klassifikation or "")
    if "25" in tag:
        return DB25
    if "07" in tag:
        return DB07
    return system_for_period(valid_from)


def industry_columns(code: str | None, text: str | None, system: str | None) -> dict[str, Any]:
    """The industry columns of the current main industry (code, text, system, _db25)."""
    db25 = system == DB25
    return {
        "industry_code": code,
        "industry_text": text,
        "industry_system": system,
        "industry_code_db25": code if db25 else None,
        "industry_text_db25": text if db25 else None,
    }


def branche_value(code: str | None, text: str | None) -> str | None:
    """A ``branche`` history value: "620100 Computerprogrammering", the code or the text."""
    return (f"{code} {text}" if text else code) if code else text


def _industry(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The current main industry as the columns industry_code/_text/_system (+ _db25)."""
    entry = current(_as_list(doc, "hovedbranche"))
    if entry is None:
        code = text = system = None
    else:
        code = industry_code(entry.get("branchekode"))
        text = _text(entry.get("branchetekst"))
        system = _entry_system(entry) if code else None
    return industry_columns(code, text, system)


def _started(doc: Mapping[str, Any], meta: Mapping[str, Any]) -> date | None:
    if isinstance(meta, dict) and meta.get("stiftelsesDato"):
        parsed = parse_date(meta.get("stiftelsesDato"))
        if parsed:
            return parsed
    starts = [
        parse_date(_period(e)[0]) for e in _as_list(doc, "livsforloeb") if isinstance(e, dict)
    ]
    starts = [s for s in starts if s]
    return min(starts) if starts else None


def _nice_status(value: str | None) -> str | None:
    """CVR's "NORMAL"/"UNDER KONKURS" as "Normal"/"Under konkurs"; mixed case kept."""
    if value and value.isupper():
        return value.capitalize()
    return value


def _status(doc: Mapping[str, Any], meta: Mapping[str, Any]) -> str | None:
    return _nice_status(_raw_status(doc, meta))


def _raw_status(doc: Mapping[str, Any], meta: Mapping[str, Any]) -> str | None:
    if isinstance(meta, dict) and _text(meta.get("sammensatStatus")):
        return _text(meta.get("sammensatStatus"))
    entry = current(_as_list(doc, "virksomhedsstatus"))
    if entry is not None and _text(entry.get("status")):
        return _text(entry.get("status"))
    life = _as_list(doc, "livsforloeb")
    if life:
        return "Aktiv" if is_open(life) else "Ophørt"
    return None


def _cvr_number(value: Any, field: str = "cvrNummer") -> str:
    if value is None or value == "":
        raise MappingError(f"{field} missing")
    if isinstance(value, bool):
        raise MappingError(f"{field}: not a number: {value!r}")
    if type(value) is int:  # the usual case, without a round trip through text
        number = value
    else:
        try:
            number = int(str(value).strip())
        except ValueError as exc:
            raise MappingError(f"{field}: not a number: {value!r}") from exc
    if not 0 < number < 10**10:
        raise MappingError(f"{field}: out of range: {value!r}")
    return str(number)


def _flag(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise MappingError(f"reklamebeskyttet: not a boolean: {value!r}")


def _address_fields(
    addr: Mapping[str, Any] | None, texts: Mapping[int, str | None] | None = None
) -> dict[str, Any]:
    """The address columns of the current address; ``texts`` holds the entries' formatted
    lines by ``id`` when the caller formatted them already (for the history)."""
    if not addr:
        return {
            "address": None,
            "postnr": None,
            "kommune_kode": None,
            "street": None,
            "house_no": None,
            "address_id": None,
        }
    if not isinstance(addr, dict):
        raise MappingError("beliggenhedsadresse: entry is not an object")
    kommune = addr.get("kommune")
    code = kommune_kode(kommune.get("kommuneKode")) if isinstance(kommune, dict) else None
    postnr = postnr_text(addr.get("postnummer"))
    return {
        "address": texts[id(addr)] if texts is not None else format_address(addr),
        "postnr": postnr,
        "kommune_kode": code,
        "street": _text(addr.get("vejnavn")),
        "house_no": house_number(addr),
        "address_id": _text(addr.get("adresseId")),
    }


# --------------------------------------------------------------------------- documents


def _valid(entry: Mapping[str, Any]) -> tuple[date | None, date | None]:
    """``periode`` as dates (``parse_date`` of gyldigFra and gyldigTil), inlined: one call
    per history entry."""
    periode = entry.get("periode")
    if not isinstance(periode, dict):
        return None, None
    fra, til = periode.get("gyldigFra"), periode.get("gyldigTil")
    return (
        _date_text(fra) if fra and isinstance(fra, str) else None,
        _date_text(til) if til and isinstance(til, str) else None,
    )


def _history_rows(
    cvr: str,
    pnr: str | None,
    doc: Mapping[str, Any],
    address_texts: Mapping[int, str | None] | None = None,
    figures: Figures | None = None,
) -> list[tuple[Any, ...]]:
    """The history rows of one document, field by field (navn, adresse, branche, status,
    virksomhedsform, then ansatte); entries without a value are left out."""
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for e in _as_list(doc, "navne"):
        if isinstance(e, dict) and (value := _text(e.get("navn"))) is not None:
            append((cvr, pnr, "navn", value, *_valid(e), SOURCE))
    for e in _as_list(doc, "beliggenhedsadresse"):
        if not isinstance(e, dict):
            continue
        value = address_texts[id(e)] if address_texts is not None else format_address(e)
        if value is not None:
            append((cvr, pnr, "adresse", value, *_valid(e), SOURCE))
    for e in _as_list(doc, "hovedbranche"):
        if not isinstance(e, dict):
            continue
        value = branche_value(industry_code(e.get("branchekode")), _text(e.get("branchetekst")))
        if value is not None:
            append((cvr, pnr, "branche", value, *_valid(e), SOURCE))
    for e in _as_list(doc, "virksomhedsstatus"):
        if isinstance(e, dict) and (value := _text(e.get("status"))) is not None:
            append((cvr, pnr, "status", value, *_valid(e), SOURCE))
    for e in _as_list(doc, "virksomhedsform"):
        if isinstance(e, dict) and (value := _text(e.get("langBeskrivelse"))) is not None:
            append((cvr, pnr, "virksomhedsform", value, *_valid(e), SOURCE))
    rows.extend(_size_history(cvr, pnr, doc, figures))
    return rows


SIZE_YEARS = 5  # the size history kept per unit: the last figure of each of the last 5 years


def _size_history(
    cvr: str, pnr: str | None, doc: Mapping[str, Any] | None, figures: Figures | None = None
) -> list[tuple[Any, ...]]:
    """``ansatte`` rows: per year the latest figure (the finest series wins a tie), the
    exact count when CVR gives one, else the band; ``valid_from`` is the period's month.
    One row a year keeps the history small at 1M units (a visit needs the trend)."""
    if figures is None:
        figures = list(_employment_candidates(doc or {}))
    if len(figures) == 1:  # common: one figure, one row
        (y, month, _rank), antal, interval = figures[0]
        count = _int_or_none(antal)
        text = str(count) if count is not None else employees_band(interval)
        return (
            [] if text is None else [(cvr, pnr, "ansatte", text, date(y, month, 1), None, SOURCE)]
        )
    latest: dict[int, tuple[tuple[int, int, int], str]] = {}
    for key, antal, interval in figures:
        count = _int_or_none(antal)
        text = str(count) if count is not None else employees_band(interval)
        if text is not None and (key[0] not in latest or key > latest[key[0]][0]):
            latest[key[0]] = (key, text)
    rows = []
    for year in sorted(latest)[-SIZE_YEARS:]:
        (y, month, _rank), text = latest[year]
        rows.append((cvr, pnr, "ansatte", text, date(y, month, 1), None, SOURCE))
    return rows


def _addresses(doc: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, dict[int, str | None]]:
    """The current address entry and every entry's formatted line (by ``id``): each address
    is formatted once for both the row and the history."""
    entries = _as_list(doc, "beliggenhedsadresse")
    texts = {id(e): format_address(e) for e in entries if isinstance(e, dict)}
    return current(entries), texts


def map_company(source: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], list[tuple]]:
    """A ``virksomhed`` hit's ``_source`` to (company row, current P numbers, history rows).

    The company row describes the company at its own address; it is used as the company's
    row when none of its production units is available.
    """
    doc = source.get("Vrvirksomhed") if isinstance(source, dict) else None
    if not isinstance(doc, dict):
        raise MappingError("no Vrvirksomhed object")
    cvr = _cvr_number(doc.get("cvrNummer"))
    meta = doc.get("virksomhedMetadata") or {}
    if not isinstance(meta, dict):
        raise MappingError("virksomhedMetadata: expected an object")
    current_address, address_texts = _addresses(doc)
    addr = _address_fields(current_address, address_texts)
    figures = list(_employment_candidates(doc))
    employees, band = employment(doc, figures)
    form = current(_as_list(doc, "virksomhedsform"))
    pnrs: list[str] = []
    for entry in _as_list(doc, "penheder"):
        if isinstance(entry, dict) and _period(entry)[1] is None and entry.get("pNummer"):
            pnrs.append(_cvr_number(entry.get("pNummer"), "pNummer"))
    row = {
        "cvr": cvr,
        "pnr": None,
        "name": _current_name(doc, meta),
        **addr,
        **_industry(doc),
        "employees": employees,
        "employees_band": band,
        "status": _status(doc, meta),
        "started": _started(doc, meta),
        "advertising_protected": _flag(doc.get("reklamebeskyttet")),
        "source": SOURCE,
        "company_form": _text(form.get("langBeskrivelse")) if form else None,
        "unit_kind": "virksomhed",
        "cvr_updated": parse_timestamp(doc.get("sidstOpdateret")),
    }
    return row, pnrs, _history_rows(cvr, None, doc, address_texts, figures)


def map_unit(source: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple]]:
    """A ``produktionsenhed`` hit's ``_source`` to (unit row, history rows).

    Company-level facts (status of the company, company form) are filled in from the
    company when both are loaded; the unit's own status is "Ophørt" when its life ended.
    """
    doc = source.get("VrproduktionsEnhed") if isinstance(source, dict) else None
    if not isinstance(doc, dict):
        raise MappingError("no VrproduktionsEnhed object")
    pnr = _cvr_number(doc.get("pNummer"), "pNummer")
    relation = current(_as_list(doc, "virksomhedsrelation"))
    meta = doc.get("produktionsEnhedMetadata") or {}
    if not isinstance(meta, dict):
        raise MappingError("produktionsEnhedMetadata: expected an object")
    cvr_value = relation.get("cvrNummer") if relation else None
    if cvr_value is None:
        cvr_value = meta.get("nyesteCvrNummerRelation")
    cvr = _cvr_number(cvr_value, "virksomhedsrelation.cvrNummer")
    current_address, address_texts = _addresses(doc)
    addr = _address_fields(current_address, address_texts)
    figures = list(_employment_candidates(doc))
    employees, band = employment(doc, figures)
    life = _as_list(doc, "livsforloeb")
    status = _nice_status(_text(meta.get("sammensatStatus"))) or (
        ("Aktiv" if is_open(life) else "Ophørt") if life else None
    )
    starts = [parse_date(_period(e)[0]) for e in life if isinstance(e, dict)]
    starts = [s for s in starts if s]
    row = {
        "cvr": cvr,
        "pnr": pnr,
        "name": _current_name(doc, meta),
        **addr,
        **_industry(doc),
        "employees": employees,
        "employees_band": band,
        "status": status,
        "started": min(starts) if starts else None,
        "advertising_protected": _flag(doc.get("reklamebeskyttet")),
        "source": SOURCE,
        "company_form": None,
        "unit_kind": "produktionsenhed",
        "cvr_updated": parse_timestamp(doc.get("sidstOpdateret")),
    }
    return row, _history_rows(cvr, pnr, doc, address_texts, figures)
