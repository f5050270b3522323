"""A Qt-free client of Adressevælger (``adressevaelger.dk``), the successor of DAWA's lookups.

Three calls, all ``GET`` with the token as the ``token`` query parameter:

- ``/adresser/soeg?tekst=...``: ``{"status": "ok", "fund": [...]}``; a hit has ``type``
  (``vejnavn``, ``navngivenvejpostnummer``, ``husnummer`` or ``adresse``), ``id`` and
  ``titel`` ("Århusgade 1, st. tv, 2100 København Ø"), the kind depending on how complete
  the text is (see the captured ``adressevaelger/dar-responses.json``);
- ``/adresser/{id}``: ``{"status": "ok", "adresse": {... "husnummer": {"adgangspunkt":
  {"geometri": GeoJSON point, "koordinater": {"x", "y"}}}}}`` in EPSG:25832;
- ``/vask/?adresse=...``: cleans a free-text address to register addresses (shape not
  recorded yet, so read loosely: the same ``fund`` list, DAWA's ``resultater[].adresse``, or
  a single ``adresse``).

:func:`place` combines them to place one company address: search, pick the one hit whose
street, number and postcode match (unit addresses of one house number share its access
point), fetch its detail, read the point; when the search finds nothing that matches, it
asks ``/vask/``. Responses are read without assuming more than the recorded shape; an older
list-of-objects answer (``[{"id", "adressebetegnelse"}]``) is understood too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .normalize import match_key

DEFAULT_URL = "https://adressevaelger.dk"
NOT_FOUND = "adressen findes ikke i adresseregistret"
MAX_DETAILS = 3  # detail calls per address at most

# "Århusgade 1, st. tv, 2100 København Ø" -> street, number; postcode from the last part.
_TITLE_HEAD = re.compile(r"^\s*(?P<street>.*?\D)\s+(?P<number>\d+\s*[A-Za-zÆØÅæøå]?)\s*$")
_TITLE_POST = re.compile(r"^\s*(?P<postnr>\d{4})\b")


class AdressevaelgerError(Exception):
    """A call failed (HTTP status or an answer that is not the expected JSON); one line."""


@dataclass(frozen=True)
class Hit:
    """One search or cleaning result."""

    id: str | None
    kind: str  # vejnavn | navngivenvejpostnummer | husnummer | adresse | "" (older answers)
    title: str
    house_id: str | None  # an adresse's husnummerId (units of one house share it)

    @property
    def key(self) -> str | None:
        """The street|number|postcode key of the title (see :func:`.normalize.match_key`)."""
        return title_key(self.title)


def title_key(title: str) -> str | None:
    """The match key of an Adressevælger title such as "Århusgade 1, st. tv, 2100 København Ø"."""
    parts = [p for p in title.split(",") if p.strip()]
    if len(parts) < 2:
        return None
    head, post = _TITLE_HEAD.match(parts[0]), _TITLE_POST.match(parts[-1])
    if head is None or post is None:
        return None
    return match_key(head["street"], head["number"], post["postnr"])


def hits(body: Any) -> list[Hit]:
    """The hits of a search or cleaning answer (``fund``, DAWA-style lists, or one address)."""
    if isinstance(body, Mapping):
        for key in ("fund", "resultater", "results", "adresser"):
            if isinstance(body.get(key), list):
                return hits(body[key])
        inner = body.get("adresse")
        if isinstance(inner, Mapping):  # a cleaning result or a detail: one address
            return hits([inner])
        return []
    if not isinstance(body, list):
        return []
    out = []
    for item in body:
        if not isinstance(item, Mapping):
            continue
        if isinstance(item.get("adresse"), Mapping) and not item.get("titel"):
            item = item["adresse"]  # DAWA-style {"adresse": {...}, "vaskeresultat": ...}
        ident = next(
            (str(item[k]) for k in ("id", "id_lokalid", "id_lokalId", "adresseid") if item.get(k)),
            None,
        )
        title = next(
            (
                str(item[k])
                for k in ("titel", "adressebetegnelse", "betegnelse", "tekst")
                if item.get(k)
            ),
            "",
        )
        house = item.get("husnummerId") or item.get("adgangsadresseid")
        out.append(Hit(ident, str(item.get("type") or ""), title, str(house) if house else None))
    return out


def point(body: Any) -> tuple[float, float] | None:
    """The access point of an ``/adresser/{id}`` answer as EPSG:25832 (x, y), or None."""
    adresse = body.get("adresse") if isinstance(body, Mapping) else None
    house = adresse.get("husnummer") if isinstance(adresse, Mapping) else None
    access = house.get("adgangspunkt") if isinstance(house, Mapping) else None
    if not isinstance(access, Mapping):
        return None
    xy = access.get("koordinater")
    if isinstance(xy, Mapping) and _num(xy.get("x")) is not None and _num(xy.get("y")) is not None:
        return float(xy["x"]), float(xy["y"])
    geometry = access.get("geometri")
    if isinstance(geometry, Mapping):
        crs = str(((geometry.get("crs") or {}).get("properties") or {}).get("name", "EPSG:25832"))
        coords = geometry.get("coordinates")
        if (
            crs.endswith("25832")
            and isinstance(coords, list)
            and len(coords) >= 2
            and all(_num(c) is not None for c in coords[:2])
        ):
            return float(coords[0]), float(coords[1])
    return None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class Adressevaelger:
    """Calls Adressevælger with a ``requests``-like session (the host's, with its timeouts)."""

    def __init__(self, session: Any, base_url: str = DEFAULT_URL, token: str = ""):
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token = token

    def _get(self, path: str, **params: str) -> Any:
        if self.token:
            params["token"] = self.token
        query = "&".join(f"{k}={quote(v)}" for k, v in params.items())
        response = self.session.get(f"{self.base_url}{path}" + (f"?{query}" if query else ""))
        if response.status_code != 200:
            raise AdressevaelgerError(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise AdressevaelgerError("svaret er ikke JSON") from exc
        status = body.get("status") if isinstance(body, Mapping) else None
        if status not in (None, "ok"):
            detail = body.get("beskrivelse") or status
            raise AdressevaelgerError(f"Adressevælger svarede {detail}")
        return body

    def search(self, text: str) -> list[Hit]:
        """``/adresser/soeg?tekst=``: the hits for a (partial) address text."""
        return hits(self._get("/adresser/soeg", tekst=text))

    def address(self, address_id: str) -> dict[str, Any]:
        """``/adresser/{id}``: the whole answer (``adresse`` with its house number and point)."""
        body = self._get(f"/adresser/{quote(address_id, safe='')}")
        return body if isinstance(body, dict) else {"adresse": body}

    def clean(self, text: str) -> list[Hit]:
        """``/vask/?adresse=``: the register addresses a free-text address may mean."""
        return hits(self._get("/vask/", adresse=text))

    def place(self, text: str, key: str | None) -> tuple[tuple[float, float] | None, str]:
        """Place one address: (x, y) in EPSG:25832, or None and the reason in Danish."""
        chosen, reason = choose(self.search(text), key)
        if not chosen and reason == NOT_FOUND:
            try:
                chosen, reason = choose(self.clean(text), key)
            except AdressevaelgerError:  # cleaning is a second try: "not found" stands
                chosen, reason = [], NOT_FOUND
        if chosen and chosen[0].kind == "husnummer":  # its units have the ids of /adresser/{id}
            chosen, reason = choose(
                [h for h in self.search(chosen[0].title) if h.kind == "adresse"], key
            )
        if not chosen:
            return None, reason
        # Units of one house number share its access point: the first detail that answers
        # with a point places them all (a unit retired since the search answers 404).
        for hit in chosen[:MAX_DETAILS]:
            if hit.id is None:
                continue
            try:
                body = self.address(hit.id)
            except AdressevaelgerError as exc:
                reason = f"adresseopslag fejlede ({exc})"
                continue
            xy = point(body)
            if xy is None:
                from .refresh import coordinates  # older detail shapes: any coordinate pair

                xy = coordinates(body)
            if xy:
                return xy, ""
            reason = "adressen har ingen koordinater"
        return None, reason or "adresseopslag gav ingen id"


def choose(found: list[Hit], key: str | None) -> tuple[list[Hit], str]:
    """The hits of the one address ``key`` names, best first: addresses or house numbers
    whose title matches the key (units of one house number count as one, the house number's
    own address first), else a lone hit without a readable key. Otherwise ([], the reason)."""
    usable = [h for h in found if h.kind in ("adresse", "husnummer", "")]
    if not usable:
        return [], NOT_FOUND
    exact = [h for h in usable if key and h.key == key]
    if exact:
        houses = {h.house_id or h.id for h in exact}
        if len(houses) == 1:
            return sorted(exact, key=lambda h: h.title.count(",")), ""  # stable: keeps order
        return [], f"flere mulige adresser ({len(houses)})"
    if len(usable) == 1 and (key is None or usable[0].key is None):
        return usable, ""
    if len(usable) == 1:
        return [], NOT_FOUND  # one hit, but another address
    return [], f"flere mulige adresser ({len(usable)})"
