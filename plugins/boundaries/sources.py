"""Where the boundaries come from (December 2026) and how each format is read.

Channels: Dataforsyningen's generalised DAGI WFS (``DAGI_250MULTIGEOM_GMLSFP_DAF``; the
1:10 000 service closed on 1 April 2026 and its address is understood as the 1:250 000 one),
or Datafordeler's DAGI WFS when ``api_key`` is configured (``apiKey`` query parameter).
Files: GeoJSON, the DAGI download JSON and GeoPackage (read with geopandas/pyogrio), from a
path or a URL, optionally zipped. The download files hold every scale in one file: the
features whose ``skala`` matches the configured one are used.

Every reader returns the same shape: ``{"features": [{"properties", "geometry"}], "crs"?}``
with GeoJSON geometries (dicts), so one dissolve step serves all formats.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from workbench.core.plugins.api import PluginError, RefreshContext, source_status_error

DATAFORSYNINGEN_WFS = (
    "https://api.dataforsyningen.dk/DAGI_250MULTIGEOM_GMLSFP_DAF?service=WFS&version=2.0.0"
    "&request=GetFeature&typeNames=dagi:{typename}&outputFormat=application/json"
    "&srsName=EPSG:25832"
)
DATAFORDELER_WFS = (
    "https://wfs.datafordeler.dk/DAGI/DAGI_WFS/1.0.0/WFS?service=WFS&version=2.0.0"
    "&request=GetFeature&typeNames=dagi_v001:{typename}_current"
    "&outputFormat=application/json&srsName=EPSG:25832"
)
CLOSED_SERVICE = "DAGI_10MULTIGEOM_GMLSFP_DAF"  # closed 1 April 2026
OPEN_SERVICE = "DAGI_250MULTIGEOM_GMLSFP_DAF"
TOKEN_SETTING = "WORKBENCH__PLUGINS__BOUNDARIES__TOKEN ([plugins.boundaries] token)"
API_KEY_SETTING = "WORKBENCH__PLUGINS__BOUNDARIES__API_KEY ([plugins.boundaries] api_key)"
MAX_PAGES = 1000
_GPKG_MAGIC = b"SQLite format 3\x00"
_ZIP_MAGIC = b"PK\x03\x04"


def resolve_url(ctx: RefreshContext, location: str, kind: str) -> str:
    """The location to read for ``kind`` (``kommune`` or ``region``): the closed 1:10 000
    service becomes the open 1:250 000 one, and with ``api_key`` set a Dataforsyningen DAGI
    address becomes Datafordeler's DAGI WFS. Each change adds a line to the run's log."""
    if not location or urlsplit(location).scheme not in ("http", "https"):
        return location
    setting = "url" if kind == "kommune" else "regions_url"
    if CLOSED_SERVICE in location:
        location = location.replace(CLOSED_SERVICE, OPEN_SERVICE)
        ctx.note(
            f"{CLOSED_SERVICE} er lukket; bruger {OPEN_SERVICE}: ret [plugins.boundaries] {setting}"
        )
    if ctx.setting("api_key", "") and "api.dataforsyningen.dk/DAGI_" in location:
        typename = "kommuneinddeling" if kind == "kommune" else "regionsinddeling"
        location = DATAFORDELER_WFS.format(typename=typename)
        if kind == "kommune":
            ctx.note("api_key er sat: grænserne hentes fra Datafordelers DAGI WFS")
    return location


def with_credentials(ctx: RefreshContext, url: str) -> str:
    """``apiKey=`` for Datafordeler, ``token=`` for other services (when configured and not
    already in the URL)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = {k.lower() for k, _ in query}
    if _uses_api_key(ctx, url):
        if "apikey" not in names:
            query.append(("apiKey", str(ctx.setting("api_key"))))
    elif ctx.setting("token", "") and "token" not in names:
        query.append(("token", str(ctx.setting("token"))))
    return urlunsplit(parts._replace(query=urlencode(query, safe=":/,")))


def _uses_api_key(ctx: RefreshContext, url: str) -> bool:
    """Datafordeler (or a mirror of it) when ``api_key`` is set; Dataforsyningen takes a token."""
    host = urlsplit(url).netloc.lower()
    return bool(ctx.setting("api_key", "")) and "dataforsyningen" not in host


def safe(location: str) -> str:
    """A location without its query string (which may carry a token or key)."""
    return location.split("?", 1)[0]


def _status_error(ctx: RefreshContext, url: str, response: Any, setting: str) -> PluginError | None:
    key = API_KEY_SETTING if _uses_api_key(ctx, url) else TOKEN_SETTING
    return source_status_error(
        response, source="DAGI", setting=f"[plugins.boundaries] {setting}", key_setting=key
    )


def load(ctx: RefreshContext, location: str, kind: str, setting: str) -> dict[str, Any]:
    """Read ``location`` (URL or path) as features; GeoJSON pages are followed."""
    scheme = urlsplit(location).scheme.lower()
    if scheme in ("http", "https"):
        return _load_http(ctx, location, kind, setting)
    path = Path(location[7:] if scheme == "file" else location)
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise PluginError(f"kan ikke læse {path}: {exc.strerror}") from exc
    return read_file(ctx, path, head, kind)


def _load_http(ctx: RefreshContext, location: str, kind: str, setting: str) -> dict[str, Any]:
    data: dict[str, Any] | None = None
    url: str | None = location
    pages = 0
    while url is not None:
        pages += 1
        if pages > MAX_PAGES:
            raise PluginError(f"{safe(location)}: mere end {MAX_PAGES} sider")
        ctx.check_cancelled()
        response = ctx.session.get(with_credentials(ctx, url), timeout=ctx.timeout)
        error = _status_error(ctx, url, response, setting)
        if error is not None:
            raise error
        response.raise_for_status()
        body = response.content
        if body[:16].startswith((_GPKG_MAGIC, _ZIP_MAGIC)):  # a download file
            return _read_downloaded(ctx, body, kind)
        page = parse_collection(body, url)
        if data is None:
            data = page
        else:
            data["features"].extend(page["features"])
        url = _next_link(page)
    assert data is not None
    return data


def _read_downloaded(ctx: RefreshContext, body: bytes, kind: str) -> dict[str, Any]:
    folder = ctx.work_dir if ctx.work_dir is not None else None
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / "dagi.download"
        path.write_bytes(body)
        return read_file(ctx, path, body[:16], kind)


def read_file(ctx: RefreshContext, path: Path, head: bytes, kind: str) -> dict[str, Any]:
    """A file by its content: ZIP (the member inside), GeoPackage, else (Geo)JSON."""
    if head.startswith(_ZIP_MAGIC):
        return _read_zip(ctx, path, kind)
    if head.startswith(_GPKG_MAGIC) or path.suffix.lower() == ".gpkg":
        return read_geopackage(ctx, path, kind)
    return parse_collection(path.read_bytes(), str(path))


def _read_zip(ctx: RefreshContext, path: Path, kind: str) -> dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        members = [n for n in zf.namelist() if n.lower().endswith((".gpkg", ".json", ".geojson"))]
        if not members:
            raise PluginError(f"{path.name}: ZIP-filen har ingen GeoPackage- eller JSON-fil")
        # Several entity files: the one named after the kind (kommuneinddeling, ...).
        member = next((n for n in members if kind in n.lower()), members[0])
        with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
            inner = Path(zf.extract(member, tmp))
            with inner.open("rb") as f:
                head = f.read(16)
            return read_file(ctx, inner, head, kind)


def read_geopackage(ctx: RefreshContext, path: Path, kind: str) -> dict[str, Any]:
    """The layer for ``kind`` (setting ``layer`` / ``regions_layer``, else the layer whose
    name contains ``kommune``/``region``) of a GeoPackage, projected to EPSG:25832."""
    import pyogrio  # imported here: only GeoPackage input needs it (and it is slow to load)

    try:
        layers = [str(name) for name, _geom in pyogrio.list_layers(path)]
    except Exception as exc:  # not a GeoPackage after all / damaged
        raise PluginError(f"{path.name}: kan ikke læses som GeoPackage ({exc})") from exc
    configured = ctx.setting("layer" if kind == "kommune" else "regions_layer", "")
    if configured:
        if configured not in layers:
            raise PluginError(
                f"{path.name} har intet lag {configured!r}; findes: {', '.join(layers)}"
            )
        layer = configured
    else:
        matches = [n for n in layers if kind in n.lower()]
        if not matches:
            if kind == "region":
                return {"features": [], "missing_layer": True}
            raise PluginError(
                f"{path.name}: intet lag med '{kind}' i navnet; sæt [plugins.boundaries] layer "
                f"(findes: {', '.join(layers)})"
            )
        layer = min(matches, key=len)  # "kommuneinddeling" before "kommuneinddeling_historik"
    return _geopackage_layer(path, layer)


def _geopackage_layer(path: Path, layer: str) -> dict[str, Any]:
    import geopandas
    import shapely

    frame = geopandas.read_file(path, layer=layer, engine="pyogrio")
    if frame.crs is not None and frame.crs.to_epsg() != 25832:
        frame = frame.to_crs(25832)
    geometry = frame.geometry
    props = frame.drop(columns=[geometry.name]).to_dict("records")
    features = [
        {
            "properties": {k: _plain(v) for k, v in p.items()},
            "geometry": json.loads(shapely.to_geojson(g)) if g is not None else None,
        }
        for p, g in zip(props, geometry, strict=True)
    ]
    crs = "EPSG:25832" if frame.crs is not None else None
    return {"features": features, "crs": {"properties": {"name": crs}} if crs else None}


def _plain(value: Any) -> Any:
    """pandas/numpy scalars as plain Python values (NaN as None)."""
    if value is None:
        return None
    item = getattr(value, "item", None)
    value = item() if callable(item) else value
    if isinstance(value, float) and value != value:
        return None
    return value


def parse_collection(body: bytes, location: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection, or the DAGI download JSON (a list of records, each with
    its geometry as a GeoJSON object or WKT under ``geometri``/``geometry``/``geom``)."""
    text = body.decode("utf-8-sig")
    if text.lstrip().startswith("<"):
        raise PluginError(f"{safe(location)} svarede med XML, ikke GeoJSON: {_xml_reason(text)}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PluginError(
            f"ugyldig GeoJSON fra {safe(location)}: {exc.msg} (linje {exc.lineno})"
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("features"), list):
        return data
    records = data if isinstance(data, list) else None
    if records is None and isinstance(data, dict):  # {"kommuneinddeling": [...]}
        lists = [v for v in data.values() if isinstance(v, list)]
        records = lists[0] if len(lists) == 1 else None
    if records is None or not all(isinstance(r, dict) for r in records):
        raise PluginError(f"{safe(location)} er ikke en GeoJSON FeatureCollection")
    return {"features": [_record_feature(r) for r in records]}


_GEOMETRY_KEYS = ("geometri", "geometry", "geom", "wkt")


def _record_feature(record: dict[str, Any]) -> dict[str, Any]:
    import shapely

    if "properties" in record and "geometry" in record:  # already a feature
        return record
    key = next((k for k in _GEOMETRY_KEYS if k in record), None)
    props = {k: v for k, v in record.items() if k != key}
    value = record.get(key) if key else None
    geometry: Any = None
    if isinstance(value, dict):
        geometry = value
    elif isinstance(value, str) and value.strip():
        try:
            wkt = re.sub(r"^\s*SRID=\d+;", "", value)
            geometry = json.loads(shapely.to_geojson(shapely.from_wkt(wkt)))
        except Exception:  # the dissolve step rejects the feature with the reason
            geometry = None
    return {"properties": props, "geometry": geometry}


def _xml_reason(text: str) -> str:
    match = re.search(r"<(?:\w+:)?ExceptionText>(.*?)</", text, re.S)
    return " ".join(match.group(1).split()) if match else "ukendt XML-svar"


def _next_link(page: dict[str, Any]) -> str | None:
    for link in page.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def scale_key(value: Any) -> int | None:
    """A DAGI scale in thousands: "1:250.000", "250000", "250", "1:250 000" -> 250."""
    digits = re.sub(r"\D", "", str(value or "").split(":")[-1])
    if not digits:
        return None
    number = int(digits)
    return number // 1000 if number >= 1000 else number


def pick_scale(
    data: dict[str, Any], skala: Any, location: str, note: Callable[[str], None]
) -> dict[str, Any]:
    """Only the features of the configured scale when the features carry ``skala``."""
    features = data["features"]
    scaled = [f for f in features if "skala" in (f.get("properties") or {})]
    if not scaled:
        return data
    wanted = scale_key(skala)
    kept = [f for f in features if scale_key(f["properties"].get("skala")) == wanted]
    if not kept:
        found = sorted({str(f["properties"].get("skala")) for f in scaled})
        raise PluginError(
            f"{safe(location)} har ingen geometrier i skala {skala}; findes: {', '.join(found)} "
            "(ret [plugins.boundaries] skala)"
        )
    if len(kept) < len(features):
        note(f"skala {skala}: {len(kept)} af {len(features)} geometrier")
    return {**data, "features": kept}
