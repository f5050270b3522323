"""Where a Jobnet posting goes on the map: Jobnet gives no coordinates.

Order (the first that answers wins, recorded in ``placement``):

1. ``address``: the workplace address found in the address register (cache ``addresses``,
   matched on the register's normalised street|number|postnr key), else with Adressevælger
   when configured (:mod:`.adressevaelger`);
2. ``production_unit``: the P-unit's location in ``companies`` (from the posting's P-number);
3. ``company``: the company's location in ``companies`` (its own unit first, else the
   lowest P-number with coordinates);
4. ``postal_code``: the centre (mean) of the register's addresses with that postal code.

A posting none of these places keeps NULL x/y and placement, with the reason in
``placement_note``. Each lookup is one query over all postings of the run (not one per
posting): the register can hold millions of rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from workbench.core.plugins.api import match_key, postnr_key

Query = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

# "Heibergs Alle 5A", "Vestergade 12, 1. th", "Gl. Kongevej 3 B": the street, then the
# first house number with an optional letter; floor and door after a comma are ignored.
_STREET_NUMBER = re.compile(r"^\s*(?P<street>.*?\D)\s*(?P<number>\d+\s*[A-Za-zÆØÅæøå]?)\b")


def split_street(text: str | None) -> tuple[str, str] | None:
    """("Heibergs Alle", "5A") from "Heibergs Alle 5A"; None without a house number."""
    if not text:
        return None
    head = str(text).split(",", 1)[0]
    match = _STREET_NUMBER.match(head)
    if not match or not match.group("street").strip():
        return None
    return match.group("street").strip(), match.group("number").replace(" ", "")


def address_key(street_and_number: str | None, postnr: Any) -> str | None:
    """The register's match key of a one-line workplace address and a postal code."""
    parts = split_street(street_and_number)
    return match_key(parts[0], parts[1], postnr) if parts else None


def _table_exists(query: Query, name: str) -> bool:
    rows = query(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
        "AND table_schema = 'main'",
        [name],
    )
    return bool(rows and rows[0][0])


def place_rows(
    query: Query,
    rows: list[dict[str, Any]],
    lookup: Callable[[dict[str, Any]], tuple[float, float] | None] | None = None,
) -> None:
    """Fill ``x``, ``y``, ``placement``, ``placement_note`` (and ``kommune_kode`` when the
    register knows it) of rows carrying ``_address_key``, ``pnr``, ``cvr``, ``postnr``.
    ``lookup`` (Adressevælger) places workplace addresses the register lacks."""
    todo = [r for r in rows if r.get("placement") is None]
    has_addresses = _table_exists(query, "addresses")

    keys = sorted({r["_address_key"] for r in todo if r.get("_address_key")})
    by_key: dict[str, tuple[float, float, str | None]] = {}
    if keys and has_addresses:
        for key, x, y, kode in query(
            "SELECT match_key, avg(x), avg(y), min(kommune_kode) FROM addresses "
            "WHERE list_contains(?, match_key) AND x IS NOT NULL GROUP BY match_key",
            [keys],
        ):
            by_key[key] = (x, y, kode)
    for r in todo:
        hit = by_key.get(r.get("_address_key") or "")
        if hit:
            r["x"], r["y"], r["placement"] = hit[0], hit[1], "address"
            r["kommune_kode"] = hit[2] or r.get("kommune_kode")
    todo = [r for r in todo if r.get("placement") is None]
    if lookup is not None:
        for r in todo:
            if r.get("_address_key") and (xy := lookup(r)):
                r["x"], r["y"], r["placement"] = xy[0], xy[1], "address"
        todo = [r for r in todo if r.get("placement") is None]

    pnrs = sorted({r["pnr"] for r in todo if r.get("pnr")})
    by_pnr = {
        pnr: (x, y)
        for pnr, x, y in (
            query(
                "SELECT pnr, any_value(x), any_value(y) FROM companies "
                "WHERE list_contains(?, pnr) AND x IS NOT NULL GROUP BY pnr",
                [pnrs],
            )
            if pnrs
            else []
        )
    }
    for r in todo:
        if r.get("pnr") in by_pnr:
            r["x"], r["y"] = by_pnr[r["pnr"]]
            r["placement"] = "production_unit"
    todo = [r for r in todo if r.get("placement") is None]

    cvrs = sorted({r["cvr"] for r in todo if r.get("cvr")})
    by_cvr = {
        cvr: (x, y)
        for cvr, x, y in (
            query(
                "SELECT cvr, arg_min(x, ord), arg_min(y, ord) FROM ("
                " SELECT cvr, x, y, (CASE WHEN unit_kind = 'virksomhed' OR pnr IS NULL "
                " THEN '0' ELSE '1' || pnr END) AS ord FROM companies"
                " WHERE list_contains(?, cvr) AND x IS NOT NULL) GROUP BY cvr",
                [cvrs],
            )
            if cvrs
            else []
        )
    }
    for r in todo:
        if r.get("cvr") in by_cvr:
            r["x"], r["y"] = by_cvr[r["cvr"]]
            r["placement"] = "company"
    todo = [r for r in todo if r.get("placement") is None]

    postnrs = sorted({p for r in todo if (p := postnr_key(r.get("postnr")))})
    by_postnr: dict[str, tuple[float, float]] = {}
    if postnrs and has_addresses:
        for postnr, x, y in query(
            "SELECT postnr, avg(x), avg(y) FROM addresses "
            "WHERE list_contains(?, postnr) AND x IS NOT NULL GROUP BY postnr",
            [postnrs],
        ):
            by_postnr[postnr] = (x, y)
    for r in todo:
        hit = by_postnr.get(postnr_key(r.get("postnr")) or "")
        if hit:
            r["x"], r["y"], r["placement"] = hit[0], hit[1], "postal_code"

    for r in rows:
        if r.get("placement") is None:
            r["x"] = r["y"] = None
            r["placement_note"] = (
                "ikke placeret: adresse, P-enhed, virksomhed og postnummer ukendte i cachen"
            )
        elif r["placement"] != "address" and r.get("_address_key"):
            r["placement_note"] = "arbejdsstedets adresse findes ikke i adresseregistret"
        else:
            r.setdefault("placement_note", None)
