"""Job postings from Jobnet's job search (JSON) into ``job_postings``.

Pages through ``GET {base_url}?Offset=N&SortValue=CreationDate`` until ``TotalResultCount``
is reached or a page is empty, at most ``requests_per_second`` requests per second (a
polite default of 1). Postings are upserted by ``posting_id``, so postings that left Jobnet
stay in the cache (the company detail shows the last two years).

Mapping: WGS84 ``Latitude``/``Longitude`` to EPSG:25832 with one cached Transformer
(coordinates outside Denmark or missing leave x/y NULL with the reason in
``placement_note``); ``Occupation`` (a title) to a DISCO code through ``occupations``
(title or alias, case-insensitive), else only the title is kept; ``Municipality`` (a name)
to the four-digit code through ``municipalities``; ``HiringOrgCVR`` links to ``companies``.
A posting without ID or with an unreadable date goes to ``job_postings_rejects``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
from pyproj import Transformer

from workbench.core.plugins.api import PluginError, RefreshContext

SOURCE = "jobnet"
# Denmark (with Bornholm and Christiansø) in WGS84, generous.
DK_LON = (7.5, 15.6)
DK_LAT = (54.4, 57.95)
COLUMNS = [
    "posting_id",
    "cvr",
    "pnr",
    "occupation_code",
    "title",
    "posted",
    "deadline",
    "kommune_kode",
    "x",
    "y",
    "source",
    "occupation_title",
    "employer_name",
    "postnr",
    "url",
    "placement_note",
]
_TYPES = {"posted": pa.date32(), "deadline": pa.date32(), "x": pa.float64(), "y": pa.float64()}


class MappingError(ValueError):
    """A posting that cannot become a row; the message is the reject reason."""


@functools.cache
def _to_utm() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)


def _name_key(value: Any) -> str:
    text = str(value or "").strip().lower()
    return text.removesuffix(" kommune").removesuffix("s").strip() if text else ""


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        parsed = date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise MappingError(f"{field}: not a date: {value!r}") from exc
    return None if parsed.year <= 1 else parsed  # "0001-01-01T00:00:00" = not given


def _coord(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def map_posting(
    p: Mapping[str, Any],
    occupations: Mapping[str, str],
    municipalities: Mapping[str, str],
) -> dict[str, Any]:
    """One Jobnet posting to a row (x/y filled later, per page, in one transform)."""
    posting_id = p.get("ID") or p.get("Id")
    if posting_id in (None, ""):
        raise MappingError("ID missing")
    cvr = p.get("HiringOrgCVR")
    try:
        cvr_text = str(int(cvr)) if cvr not in (None, "", 0, "0") else None
    except (TypeError, ValueError) as exc:
        raise MappingError(f"HiringOrgCVR: not a number: {cvr!r}") from exc
    occupation = (p.get("Occupation") or "").strip() or None
    location = p.get("Location") if isinstance(p.get("Location"), Mapping) else {}
    lat = _coord(p.get("Latitude", location.get("Latitude")))
    lon = _coord(p.get("Longitude", location.get("Longitude")))
    postnr = p.get("PostalCode") or p.get("WorkPlacePostalCode")
    return {
        "posting_id": str(posting_id),
        "cvr": cvr_text,
        "pnr": None,
        "occupation_code": occupations.get(occupation.lower()) if occupation else None,
        "title": (p.get("Title") or p.get("JobHeadline") or "").strip() or None,
        "posted": _date(p.get("PostingCreated"), "PostingCreated"),
        "deadline": _date(p.get("LastDateApplication"), "LastDateApplication"),
        "kommune_kode": municipalities.get(_name_key(p.get("Municipality"))),
        "lon": lon,
        "lat": lat,
        "source": SOURCE,
        "occupation_title": occupation,
        "employer_name": (p.get("HiringOrgName") or "").strip() or None,
        "postnr": str(postnr).strip() if postnr else None,
        "url": p.get("Url") or None,
    }


def place(rows: list[dict[str, Any]]) -> None:
    """Fill x/y (EPSG:25832) and placement_note of mapped rows in one transform."""
    lon = np.array([r["lon"] if r["lon"] is not None else np.nan for r in rows], dtype=float)
    lat = np.array([r["lat"] if r["lat"] is not None else np.nan for r in rows], dtype=float)
    missing = np.isnan(lon) | np.isnan(lat) | ((lon == 0) & (lat == 0))
    inside = (lon >= DK_LON[0]) & (lon <= DK_LON[1]) & (lat >= DK_LAT[0]) & (lat <= DK_LAT[1])
    x, y = _to_utm().transform(lon, lat)
    for i, r in enumerate(rows):
        if missing[i]:
            r["x"] = r["y"] = None
            r["placement_note"] = "ikke placeret: ingen koordinater"
        elif not inside[i]:
            r["x"] = r["y"] = None
            r["placement_note"] = "ikke placeret: koordinater uden for Danmark"
        else:
            r["x"], r["y"] = float(x[i]), float(y[i])
            r["placement_note"] = None


class RateLimiter:
    """At most ``per_second`` calls per second (0 = unlimited); clock and sleep injectable."""

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


def pages(
    ctx: RefreshContext, base_url: str, limiter: RateLimiter, max_pages: int
) -> Iterator[tuple[list[Mapping[str, Any]], int]]:
    """Yield (postings, TotalResultCount) page by page."""
    offset = 0
    for _ in range(max_pages):
        ctx.check_cancelled()
        limiter.wait()
        response = ctx.session.get(base_url, params={"Offset": offset, "SortValue": "CreationDate"})
        if response.status_code != 200:
            raise PluginError(f"Jobnet: HTTP {response.status_code} ved side med offset {offset}")
        try:
            body = response.json()
        except ValueError as exc:
            raise PluginError(f"Jobnet: svaret ved offset {offset} er ikke JSON") from exc
        if not isinstance(body, Mapping):
            raise PluginError("Jobnet: uventet svar (ikke et JSON-objekt)")
        postings = body.get("JobPositionPostings") or []
        total = int(body.get("TotalResultCount") or 0)
        if not isinstance(postings, list):
            raise PluginError("Jobnet: JobPositionPostings er ikke en liste")
        if not postings:
            return
        yield postings, total
        offset += len(postings)
        if offset >= total:
            return


def _lookups(ctx: RefreshContext) -> tuple[dict[str, str], dict[str, str]]:
    occupations: dict[str, str] = {}
    for code, title, aliases in ctx.query("SELECT code, title, aliases FROM occupations", []):
        for name in [title, *(aliases or [])]:
            if name:
                occupations.setdefault(str(name).strip().lower(), str(code))
    municipalities = {
        _name_key(navn): str(kode)
        for kode, navn in ctx.query("SELECT kode, navn FROM municipalities", [])
    }
    return occupations, municipalities


def refresh(ctx: RefreshContext) -> None:
    """The plugin's refresh function (manifest ``refresh = ".refresh:refresh"``)."""
    base_url = str(ctx.setting("base_url", required=True))
    limiter = RateLimiter(float(ctx.setting("requests_per_second", 1.0)))
    max_pages = int(ctx.setting("max_pages", 5000))
    occupations, municipalities = _lookups(ctx)
    ctx.staging.table("job_postings", mode="upsert", key=["posting_id"])
    seen: set[str] = set()
    number = written = 0
    for postings, total in pages(ctx, base_url, limiter, max_pages):
        rows: list[dict[str, Any]] = []
        for p in postings:
            number += 1
            try:
                if not isinstance(p, Mapping):
                    raise MappingError("posting is not an object")
                row = map_posting(p, occupations, municipalities)
            except MappingError as exc:
                ctx.staging.reject(
                    "job_postings",
                    str(exc),
                    row_number=number,
                    value=p.get("ID") if isinstance(p, Mapping) else None,
                    raw=p,
                )
                continue
            if row["posting_id"] in seen:  # the list moves while paging
                continue
            seen.add(row["posting_id"])
            rows.append(row)
        if rows:
            place(rows)
            table = pa.table(
                {
                    c: pa.array([r.get(c) for r in rows], type=_TYPES.get(c, pa.string()))
                    for c in COLUMNS
                }
            )
            written += ctx.staging.insert_arrow("job_postings", table)
        fraction = min(1.0, number / total) if total else None
        ctx.progress(fraction, f"Jobnet: {number} af {total} opslag")
    ctx.progress(1.0, f"Jobnet: {written} opslag")
