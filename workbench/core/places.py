"""Points the user can type: the map's coordinate readout and addresses in the cache.

The readout is what the map shows under the pointer ("EPSG:25832  E 560.917  N 6.315.816",
Danish thousands separators); :func:`format_readout` writes it and :func:`parse_readout`
reads it back, so a point copied from the window works on the command line.
"""

from __future__ import annotations

import re
from typing import Any

# The address register's own normalisation, so "Gl. Kongevej" finds "Gammel Kongevej".
from .address_keys import house_key, street_key
from .errors import FilterError

_READOUT = re.compile(
    r"\s*(?:EPSG:25832\s+)?E\s*(?P<e>\d[\d.]*(?:,\d+)?)\s*[,;]?\s*N\s*(?P<n>\d[\d.]*(?:,\d+)?)\s*",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"\s*(?P<street>[^\d,]+?)\s*(?P<no>\d+\s*[A-Za-zÆØÅæøå]?)(?![\dA-Za-zÆØÅæøå])(?P<rest>.*)"
)
_POSTNR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
SHOWN = 5  # addresses listed when a text matches several


def format_readout(x: float, y: float) -> str:
    """The map's coordinate readout of a point in EPSG:25832."""
    return f"EPSG:25832  E {x:,.0f}  N {y:,.0f}".replace(",", ".")


def parse_readout(text: str) -> tuple[float, float] | None:
    """(x, y) of a readout ("E 560.917 N 6.315.816", with or without "EPSG:25832"), or None
    when ``text`` is not one. Dots are thousands separators, a comma the decimal mark."""
    m = _READOUT.fullmatch(text)
    if not m:
        return None

    def number(s: str) -> float:
        return float(s.replace(".", "").replace(",", "."))

    return number(m["e"]), number(m["n"])


def lookup_address(con: Any, text: str, what: str = "address") -> tuple[float, float]:
    """The EPSG:25832 point of an address ("Vesterbrogade 12A, 1620 København V") in the
    cache's ``addresses`` table (the addresses plugin's register). Raises
    :class:`~.errors.FilterError` with one line when the register is empty, the text is not
    an address, or it matches none or several (then naming a few)."""
    import duckdb

    try:
        have = con.execute("SELECT count(*) FROM addresses WHERE x IS NOT NULL").fetchone()[0]
    except duckdb.CatalogException:
        have = 0
    if not have:
        raise FilterError(
            f"{what} must be X,Y in EPSG:25832 metres, the map's readout (E … N …) or an "
            f"address; {text.strip()!r} is none of these, and the cache has no addresses to "
            "look it up in (refresh the addresses plugin)"
        )
    m = _ADDRESS.fullmatch(text)
    street = street_key(m["street"]) if m else None
    number = house_key(m["no"]) if m else None
    if not m or not street or not number:
        raise FilterError(
            f"{what} must be X,Y in EPSG:25832 metres, the map's readout (E … N …) or an "
            f"address like 'Vesterbrogade 12, 1620', got {text.strip()!r}"
        )
    postnr = _POSTNR.search(m["rest"])
    prefix = f"{street}|{number}|" + (postnr.group(1) if postnr else "")
    rows = con.execute(
        "SELECT any_value(street), any_value(house_no), postnr, avg(x), avg(y) FROM addresses "
        "WHERE starts_with(match_key, ?) AND x IS NOT NULL GROUP BY postnr ORDER BY postnr",
        [prefix],
    ).fetchall()
    if not rows:
        raise FilterError(f"{what}: no address in the cache matches {text.strip()!r}")
    if len(rows) > 1:
        listed = "; ".join(f"{s} {n}, {p}" for s, n, p, _, _ in rows[:SHOWN])
        raise FilterError(
            f"{what}: {text.strip()!r} matches {len(rows)} addresses, add the postcode: {listed}"
        )
    return float(rows[0][3]), float(rows[0][4])
