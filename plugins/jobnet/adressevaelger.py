"""Workplace addresses the local register lacks, looked up with Adressevælger (optional).

``GET {url}/adresser/soeg?tekst=<address>`` answers ``{"fund": [{"type": "adresse", "id",
"titel": "Århusgade 1, 2100 København Ø"}, ...]}``; the hit whose street, number and postal
code match the posting's (the bare address before ones with floor/door) is read with
``GET {url}/adresser/{id}``, whose ``husnummer.adgangspunkt.koordinater`` (or ``geometri``)
is in EPSG:25832. A failed lookup only leaves the posting to the next fallback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from workbench.core.plugins.api import RefreshContext

from .placement import address_key

_POSTNR = re.compile(r"\b(\d{4})\b")


def _hit_key(title: str) -> str | None:
    head, _, rest = title.partition(",")
    postnr = _POSTNR.findall(rest)
    return address_key(head, postnr[-1]) if postnr else None


def _point(body: Any) -> tuple[float, float] | None:
    """The first ``koordinater {x, y}`` (or a GeoJSON point ``geometri``) in the answer."""
    if isinstance(body, Mapping):
        xy = body.get("koordinater")
        if isinstance(xy, Mapping) and isinstance(xy.get("x"), int | float):
            return float(xy["x"]), float(xy["y"])
        geom = body.get("geometri")
        if isinstance(geom, Mapping) and geom.get("type") == "Point":
            x, y = geom["coordinates"][:2]
            return float(x), float(y)
        for value in body.values():
            if isinstance(value, Mapping) and (found := _point(value)):
                return found
    return None


def make_lookup(
    ctx: RefreshContext, url: str, token: str, limit: int, wait: Callable[[], None]
) -> Callable[[dict[str, Any]], tuple[float, float] | None]:
    """A lookup for :func:`.placement.place_rows`: at most ``limit`` searches per run."""
    base = url.rstrip("/")
    auth = {"token": token} if token else {}
    used = [0]

    def get(path: str, **params: str) -> Any:
        wait()
        ctx.check_cancelled()
        response = ctx.session.get(base + path, params={**params, **auth}, timeout=ctx.timeout)
        if response.status_code != 200:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def lookup(row: dict[str, Any]) -> tuple[float, float] | None:
        if used[0] >= limit or not row.get("_address_text"):
            return None
        used[0] += 1
        body = get("/adresser/soeg", tekst=row["_address_text"])
        hits = body.get("fund") if isinstance(body, Mapping) else None
        if not isinstance(hits, list):
            return None
        matching = [
            h
            for h in hits
            if isinstance(h, Mapping)
            and h.get("type") == "adresse"
            and h.get("id")
            and _hit_key(str(h.get("titel") or "")) == row["_address_key"]
        ]
        if not matching:
            return None
        # the address itself before its flats ("Århusgade 1, st. tv, ...")
        best = min(matching, key=lambda h: str(h.get("titel")).count(","))
        return _point(get("/adresser/" + quote(str(best["id"]))))

    return lookup
