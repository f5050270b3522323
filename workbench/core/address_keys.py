"""Address normalisation for matching addresses (companies, postings, the CLI's --near) against
the address register.

The same rules exist as a Python function (:func:`street_key`) and as a DuckDB SQL
expression (:func:`street_key_sql`), so 2M companies are matched inside DuckDB while tests
check that both agree. Rules: lower case; Danish and accented letters transliterated
(æ→ae, ø→oe, å→aa, é→e, ...; so "Åbenrå" and "Aabenraa" agree); punctuation to spaces;
common abbreviations expanded as whole words (gl.→gammel, skt.→sankt, kgs.→kongens, ...);
then all spaces removed ("H.C. Andersens Blvd." = "HC Andersens Boulevard").
"""

from __future__ import annotations

import re

TRANSLITERATE: tuple[tuple[str, str], ...] = (
    ("æ", "ae"),
    ("ø", "oe"),
    ("å", "aa"),
    ("ä", "ae"),
    ("ö", "oe"),
    ("ü", "u"),
    ("é", "e"),
    ("è", "e"),
    ("ê", "e"),
    ("á", "a"),
    ("à", "a"),
    ("í", "i"),
    ("ó", "o"),
    ("ú", "u"),
    ("ß", "ss"),
)

ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("gl", "gammel"),
    ("gml", "gammel"),
    ("skt", "sankt"),
    ("sct", "sankt"),
    ("st", "store"),
    ("kgs", "kongens"),
    ("ll", "lille"),
    ("nr", "noerre"),
    ("ndr", "nordre"),
    ("sdr", "soendre"),
    ("oe", "oestre"),
    ("vestre", "vestre"),
    ("dr", "doktor"),
    ("pl", "plads"),
    ("bd", "boulevard"),
    ("blvd", "boulevard"),
    ("boul", "boulevard"),
    ("alle", "alle"),
)

_NON_ALNUM = r"[^a-z0-9]+"
_ABBREV_PATTERNS = [(re.compile(rf"\b{a}\b"), full) for a, full in ABBREVIATIONS if a != full]


def street_key(street: str | None) -> str | None:
    """The normalised street name ("Gl. Kongevej" -> "gammelkongevej")."""
    if street is None:
        return None
    s = street.lower()
    for a, b in TRANSLITERATE:
        s = s.replace(a, b)
    s = re.sub(_NON_ALNUM, " ", s)
    for pattern, full in _ABBREV_PATTERNS:
        s = pattern.sub(full, s)
    s = s.replace(" ", "")
    return s or None


def house_key(house_no: str | None) -> str | None:
    """ "3", "3 a", "3A", "12-14" -> "3", "3A", "3A", "12" (first number and letter)."""
    if house_no is None:
        return None
    match = re.match(r"\s*(\d+)\s*([A-Za-zÆØÅæøå]?)", str(house_no))
    if not match:
        return None
    return f"{int(match.group(1))}{match.group(2).upper()}"


def postnr_key(postnr: object) -> str | None:
    if postnr is None:
        return None
    digits = re.sub(r"\D", "", str(postnr))
    return f"{int(digits):04d}" if digits else None


def match_key(street: str | None, house_no: str | None, postnr: object) -> str | None:
    """ "street|number|postnr" or None when a part is missing."""
    parts = (street_key(street), house_key(house_no), postnr_key(postnr))
    if any(p is None for p in parts):
        return None
    return "|".join(parts)  # type: ignore[arg-type]


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def street_key_sql(column: str) -> str:
    """The DuckDB expression computing :func:`street_key` of ``column`` (an identifier)."""
    expr = f"lower({column})"
    for a, b in TRANSLITERATE:
        expr = f"replace({expr}, {_sql_str(a)}, {_sql_str(b)})"
    expr = f"regexp_replace({expr}, {_sql_str(_NON_ALNUM)}, ' ', 'g')"
    for a, full in ABBREVIATIONS:
        if a != full:
            pattern = _sql_str(r"\b" + a + r"\b")
            expr = f"regexp_replace({expr}, {pattern}, {_sql_str(full)}, 'g')"
    return f"nullif(replace({expr}, ' ', ''), '')"


def house_key_sql(column: str) -> str:
    number = f"regexp_extract({column}, '^\\s*(\\d+)', 1)"
    letter = f"upper(regexp_extract({column}, '^\\s*\\d+\\s*([A-Za-zÆØÅæøå]?)', 1))"
    return f"CASE WHEN {number} = '' THEN NULL ELSE CAST(CAST({number} AS BIGINT) AS VARCHAR) || {letter} END"


def match_key_sql(street: str, house_no: str, postnr: str) -> str:
    """SQL for :func:`match_key` over three column expressions (postnr already 4 digits)."""
    return f"({street_key_sql(street)} || '|' || {house_key_sql(house_no)} || '|' || lpad({postnr}, 4, '0'))"
