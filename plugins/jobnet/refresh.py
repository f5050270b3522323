"""Job postings from Jobnet's job search (the site's JSON) into ``job_postings``.

Protocol (December 2026): ``GET {base_url}/bff/FindJob/Search?resultsPerPage=N&pageNumber=P``
with the header ``x-csrf: 1``; pages are 1-based and answer ``{"jobAds": [...],
"totalJobAdCount": T}``. Paging stops when ``T`` postings were received, not at a short
page: a page that is empty, or lacks ``jobAds``/``totalJobAdCount``, before ``T`` were
received fails the run (the previous postings stay), and the log states what was received
against what was announced. Details (``/bff/FindJob/JobAdDetails/{jobAdId}``) give the
workplace address and the P-number; a posting seen in an earlier run with its P-number keeps
those without asking again. All requests share one polite rate (``requests_per_second``).

Mapping: ``posting_id`` is ``jobAdId``; ``conceptUriDa`` (STAR's ESCO occupation URI) or
else the occupation label to a DISCO-08 code through ``occupations`` (code, title or alias);
the municipality name to its code through ``municipalities``. Postings carry no coordinates:
see :mod:`.placement`. Postings are upserted, so postings that left Jobnet stay in the cache
(the company detail shows the last two years).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa

from workbench.core.plugins.api import PluginError, RefreshContext, source_status_error

from .adressevaelger import make_lookup
from .placement import address_key, place_rows

SOURCE = "jobnet"
DEFAULT_HOST = "https://jobnet.dk"
SEARCH_PATH = "/bff/FindJob/Search"
DETAILS_PATH = "/bff/FindJob/JobAdDetails/"
HEADERS = {"x-csrf": "1", "Accept": "application/json"}
SETTING = "[plugins.jobnet] base_url"
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
    "placement",
    "placement_note",
]
_TYPES = {"posted": pa.date32(), "deadline": pa.date32(), "x": pa.float64(), "y": pa.float64()}


class MappingError(ValueError):
    """A posting that cannot become a row; the message is the reject reason."""


def search_host(base_url: str, notes: list[str] | None = None) -> str:
    """The host (with an optional path prefix, e.g. a proxy) the ``/bff`` paths go under.

    ``https://jobnet.dk`` is the setting's form; the old FindWork address
    (``https://job.jobnet.dk/CV/FindWork/Search``) and a full search URL are understood
    (with a line in the log asking to update the setting).
    """
    parts = urlsplit(str(base_url).strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PluginError(f"{SETTING} skal være en http(s)-adresse, fx {DEFAULT_HOST}")
    path = parts.path.rstrip("/")
    netloc = parts.netloc
    lowered = path.lower()
    if "/cv/findwork" in lowered or "/bff/" in lowered + "/":
        cut = lowered.find("/cv/findwork") if "/cv/findwork" in lowered else lowered.find("/bff")
        path = path[:cut]
        if netloc.lower() == "job.jobnet.dk":  # the old search's host
            netloc = "jobnet.dk"
        understood = urlunsplit((parts.scheme, netloc, path, "", ""))
        if notes is not None:
            notes.append(f"{SETTING} {base_url} forstået som {understood}: ret indstillingen")
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


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


def _number(value: Any, field: str, digits: int) -> str | None:
    text = _text(value)
    if text in (None, "0"):
        return None
    if not text.isdigit() or len(text) > digits:
        raise MappingError(f"{field}: not a number: {value!r}")
    return text


def _postnr(value: Any) -> str | None:
    text = _text(value)
    return text.zfill(4) if text and text.isdigit() and len(text) <= 4 else None


class Occupations:
    """DISCO-08 codes by ESCO concept URI (or its trailing id), title and alias."""

    def __init__(self, rows: list[tuple[Any, ...]]):
        self.by_name: dict[str, str] = {}
        for code, title, aliases in rows:
            for name in [code, title, *(aliases or [])]:
                if name:
                    self.by_name.setdefault(str(name).strip().lower(), str(code))

    def code(self, concept_uri: Any, *labels: Any) -> str | None:
        uri = _text(concept_uri)
        candidates = [uri, uri.rstrip("/").rsplit("/", 1)[-1]] if uri else []
        candidates += [_text(label) for label in labels]
        for name in candidates:
            if name and (found := self.by_name.get(name.lower())):
                return found
        return None


def map_posting(
    ad: Mapping[str, Any],
    details: Mapping[str, Any] | None,
    occupations: Occupations,
    municipalities: Mapping[str, str],
) -> dict[str, Any]:
    """One ``jobAds[]`` element (and its details, if fetched) to a row (not yet placed)."""
    posting_id = _text(ad.get("jobAdId"))
    if posting_id is None:
        raise MappingError("jobAdId missing")
    details = details or {}
    employer = details.get("employer") if isinstance(details.get("employer"), Mapping) else {}
    job = details.get("job") if isinstance(details.get("job"), Mapping) else {}
    address = job.get("address") if isinstance(job.get("address"), Mapping) else {}
    application = (
        details.get("application") if isinstance(details.get("application"), Mapping) else {}
    )
    postnr = _postnr(address.get("postalCode")) or _postnr(ad.get("postalCode"))
    street = _text(address.get("streetName")) or _text(ad.get("workPlaceAddress"))
    occupation = _text(ad.get("occupation")) or _text(job.get("preferredLabelDa"))
    municipality = _text(address.get("municipality")) or _text(ad.get("municipality"))
    return {
        "posting_id": posting_id,
        "cvr": _number(ad.get("cvr") or employer.get("cvrNumber"), "cvr", 8),
        "pnr": _number(employer.get("pNumber"), "pNumber", 10),
        "occupation_code": occupations.code(
            ad.get("conceptUriDa") or job.get("conceptUriDa"),
            occupation,
            job.get("preferredLabelDa"),
        ),
        "title": _text(ad.get("title")) or _text(details.get("title")),
        "posted": _date(ad.get("publicationDate"), "publicationDate"),
        "deadline": _date(
            ad.get("applicationDeadline") or application.get("deadlineDate"),
            "applicationDeadline",
        ),
        "kommune_kode": municipalities.get(_name_key(municipality)),
        "source": SOURCE,
        "occupation_title": occupation,
        "employer_name": _text(ad.get("hiringOrgName")) or _text(employer.get("name")),
        "postnr": postnr,
        "url": _text(application.get("url")),
        "_address_key": address_key(street, postnr),
        "_address_text": ", ".join(
            p for p in (street, " ".join(filter(None, (postnr, _text(address.get("city")))))) if p
        ),
    }


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


def _get_json(ctx: RefreshContext, limiter: RateLimiter, url: str, **kw: Any) -> Any:
    ctx.check_cancelled()
    limiter.wait()
    response = ctx.session.get(url, headers=HEADERS, timeout=ctx.timeout, **kw)
    error = source_status_error(response, source="Jobnet", setting=SETTING)
    if error is not None:
        raise error
    if response.status_code != 200:
        raise PluginError(f"Jobnet: HTTP {response.status_code} fra {url}")
    try:
        return response.json()
    except ValueError as exc:
        raise PluginError(f"Jobnet: svaret fra {url} er ikke JSON") from exc


class Tally:
    """What the search announced and what was received, for the log and the failure text."""

    def __init__(self) -> None:
        self.announced: int | None = None
        self.received = 0

    def text(self) -> str:
        announced = "?" if self.announced is None else str(self.announced)
        return f"modtaget {self.received} af {announced} annoncerede opslag"


def pages(
    ctx: RefreshContext,
    host: str,
    params: Mapping[str, Any],
    limiter: RateLimiter,
    per_page: int,
    max_pages: int,
    tally: Tally,
) -> Iterator[list[Any]]:
    """Yield the ``jobAds`` of page 1, 2, ... until ``totalJobAdCount`` were received."""
    url = host + SEARCH_PATH
    page = 1
    while True:
        if page > max_pages:
            raise PluginError(
                f"Jobnet: {tally.text()} efter {max_pages} sider; hæv [plugins.jobnet] max_pages"
            )
        body = _get_json(
            ctx,
            limiter,
            url,
            params={**params, "resultsPerPage": per_page, "pageNumber": page},
        )
        ads = body.get("jobAds") if isinstance(body, Mapping) else None
        total = body.get("totalJobAdCount") if isinstance(body, Mapping) else None
        if not isinstance(ads, list) or isinstance(total, bool) or not isinstance(total, int):
            raise PluginError(
                f"Jobnet: side {page} mangler jobAds/totalJobAdCount; {tally.text()}; "
                "de hidtidige opslag er bevaret"
            )
        # The count may move while paging (postings expire or arrive): the latest is the goal.
        tally.announced = total
        if not ads:
            if tally.received >= total:
                return
            raise PluginError(
                f"Jobnet: side {page} var tom; {tally.text()}; de hidtidige opslag er bevaret"
            )
        tally.received += len(ads)
        yield ads
        if tally.received >= total:
            return
        page += 1


def _lookups(ctx: RefreshContext) -> tuple[Occupations, dict[str, str]]:
    occupations = Occupations(ctx.query("SELECT code, title, aliases FROM occupations", []))
    municipalities = {
        _name_key(navn): str(kode)
        for kode, navn in ctx.query("SELECT kode, navn FROM municipalities", [])
    }
    return occupations, municipalities


def _known(ctx: RefreshContext) -> dict[str, dict[str, Any]]:
    """Postings whose details an earlier run read (they have a P-number): not asked again."""
    rows = ctx.query(
        "SELECT posting_id, pnr, x, y, placement, kommune_kode, placement_note "
        "FROM job_postings WHERE source = ? AND pnr IS NOT NULL",
        [SOURCE],
    )
    keys = ("pnr", "x", "y", "placement", "kommune_kode", "placement_note")
    out = {}
    for r in rows:
        known = dict(zip(keys, r[1:], strict=True))
        if known["placement"] not in ("address", "production_unit"):  # may place better now
            known = {"pnr": known["pnr"]}
        out[r[0]] = known
    return out


def _search_params(ctx: RefreshContext) -> dict[str, Any]:
    """Extra search parameters (``[plugins.jobnet] search``), e.g. a postal code and radius."""
    extra = ctx.setting("search") or {}
    if not isinstance(extra, Mapping):
        raise PluginError("[plugins.jobnet] search skal være en tabel, fx { postalCode = 8800 }")
    return {"orderType": "BestMatch", **{str(k): v for k, v in extra.items()}}


def refresh(ctx: RefreshContext) -> None:
    """The plugin's refresh function (manifest ``refresh = ".refresh:refresh"``)."""
    host = search_host(str(ctx.setting("base_url") or DEFAULT_HOST), ctx.notes)
    limiter = RateLimiter(float(ctx.setting("requests_per_second", 1.0)))
    max_pages = int(ctx.setting("max_pages", 5000))
    per_page = int(ctx.setting("results_per_page", 100))
    want_details = bool(ctx.setting("details", True))
    occupations, municipalities = _lookups(ctx)
    known = _known(ctx) if want_details else {}
    tally = Tally()
    rows: dict[str, dict[str, Any]] = {}
    number = 0
    for ads in pages(ctx, host, _search_params(ctx), limiter, per_page, max_pages, tally):
        for ad in ads:
            number += 1
            posting_id = _text(ad.get("jobAdId")) if isinstance(ad, Mapping) else None
            if posting_id in rows:  # the list moves while paging
                continue
            details = None
            if posting_id and want_details and posting_id not in known:
                details = _details(ctx, limiter, host, posting_id)
            try:
                if not isinstance(ad, Mapping):
                    raise MappingError("posting is not an object")
                row = map_posting(ad, details, occupations, municipalities)
            except MappingError as exc:
                ctx.staging.reject("job_postings", str(exc), number, None, posting_id, ad)
                continue
            if posting_id in known:
                row.update({k: v for k, v in known[posting_id].items() if v is not None})
            rows[row["posting_id"]] = row
        announced = tally.announced or 0
        fraction = min(1.0, tally.received / announced) * 0.9 if announced else None
        ctx.progress(fraction, f"Jobnet: {tally.text()}")

    placed = list(rows.values())
    ctx.progress(0.92, f"Jobnet: placerer {len(placed)} opslag")
    place_rows(ctx.query, placed, _adressevaelger(ctx, limiter))
    ctx.staging.table("job_postings", mode="upsert", key=["posting_id"])
    if placed:
        table = pa.table(
            {
                c: pa.array([r.get(c) for r in placed], type=_TYPES.get(c, pa.string()))
                for c in COLUMNS
            }
        )
        ctx.staging.insert_arrow("job_postings", table)
    ctx.note(f"Jobnet: {tally.text()} ({len(rows)} forskellige)")
    unplaced = [r["posting_id"] for r in placed if r.get("placement") is None]
    if unplaced:
        sample = ", ".join(unplaced[:5]) + (" …" if len(unplaced) > 5 else "")
        ctx.note(f"ikke placeret: {len(unplaced)} ({sample})")
    ctx.progress(1.0, f"Jobnet: {len(rows)} opslag")


def _adressevaelger(
    ctx: RefreshContext, limiter: RateLimiter
) -> Callable[[dict[str, Any]], tuple[float, float] | None] | None:
    url = str(ctx.setting("adressevaelger_url", "") or "")
    if not url:
        return None
    token = str(ctx.setting("adressevaelger_token", "") or "")
    limit = int(ctx.setting("adressevaelger_limit", 500))
    return make_lookup(ctx, url, token, limit, limiter.wait)


def _details(
    ctx: RefreshContext, limiter: RateLimiter, host: str, posting_id: str
) -> Mapping[str, Any] | None:
    """The posting's details, or None when Jobnet has withdrawn it meanwhile (404)."""
    url = host + DETAILS_PATH + posting_id
    ctx.check_cancelled()
    limiter.wait()
    response = ctx.session.get(url, headers=HEADERS, timeout=ctx.timeout)
    if response.status_code == 404:  # withdrawn since the search page: keep the search data
        return None
    error = source_status_error(response, source="Jobnet", setting=SETTING)
    if error is not None:
        raise error
    if response.status_code != 200:
        raise PluginError(f"Jobnet: HTTP {response.status_code} fra {host + DETAILS_PATH}…")
    try:
        body = response.json()
    except ValueError as exc:
        raise PluginError(f"Jobnet: detaljerne for {posting_id} er ikke JSON") from exc
    return body if isinstance(body, Mapping) else None
