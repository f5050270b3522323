"""Boundaries refresh: GeoJSON (DAGI WFS or any file/URL) -> municipalities, regions.

Geometry handling: 3-D coordinates are flattened, WGS84 is projected once per feature with
one cached pyproj Transformer (always_xy), invalid rings are repaired, and all parts with
the same code are dissolved into one MultiPolygon stored as WKB in EPSG:25832. ``cx, cy``
is a point guaranteed inside the largest part (label placement, fallback positions).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, shape

from workbench.core.plugins.api import PluginError, RefreshContext, normalise_kommune_kode

REGION_NAMES = {
    "1081": "Region Nordjylland",
    "1082": "Region Midtjylland",
    "1083": "Region Syddanmark",
    "1084": "Region Hovedstaden",
    "1085": "Region Sjælland",
}
SOURCE = "boundaries"


@functools.cache
def _to_utm() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)


def refresh(ctx: RefreshContext) -> None:
    url = ctx.setting("url", required=True)
    code_prop = ctx.setting("code_property", "kommunekode")
    name_prop = ctx.setting("name_property", "navn")
    region_prop = ctx.setting("region_property", "") or None
    crs = str(ctx.setting("crs", "auto"))

    ctx.progress(0.02, "henter kommunegrænser")
    data = load_geojson(ctx, url)
    ctx.check_cancelled()
    munis = dissolve(ctx, "municipalities", data, code_prop, name_prop, region_prop, crs, 0.05, 0.6)
    if not munis:
        raise PluginError("ingen brugbare kommuner i kilden; de hidtidige grænser er bevaret")

    regions: dict[str, dict[str, Any]] = {}
    kept_regions: int | None = None  # regions left as they are in the cache (no source)
    regions_url = ctx.setting("regions_url", "")
    if regions_url:
        ctx.progress(0.62, "henter regionsgrænser")
        rdata = load_geojson(ctx, regions_url)
        ctx.check_cancelled()
        regions = dissolve(
            ctx,
            "regions",
            rdata,
            ctx.setting("region_code_property", "regionskode"),
            ctx.setting("region_name_property", "navn"),
            None,
            crs,
            0.65,
            0.85,
        )
        _assign_regions_by_location(munis, regions)
    elif any(m["region_kode"] for m in munis.values()):
        regions = _regions_from_municipalities(munis)
    else:  # no regions source: keep the regions and the codes a previous refresh stored
        kept_regions = _keep_cached_region_codes(ctx, munis)

    ctx.progress(0.9, "gemmer")
    ctx.staging.table("municipalities")
    ctx.staging.insert(
        "municipalities",
        (
            {
                "kode": code,
                "navn": m["navn"],
                "region_kode": m["region_kode"],
                "geom": shapely.to_wkb(m["geom"]),
                "cx": m["cx"],
                "cy": m["cy"],
                "source": SOURCE,
            }
            for code, m in sorted(munis.items())
        ),
    )
    if regions:
        ctx.staging.table("regions")
        ctx.staging.insert(
            "regions",
            (
                {
                    "kode": code,
                    "navn": r["navn"] or REGION_NAMES.get(code, code),
                    "geom": shapely.to_wkb(r["geom"]),
                    "source": SOURCE,
                }
                for code, r in sorted(regions.items())
            ),
        )
    if kept_regions is None:
        ctx.progress(1.0, f"{len(munis)} kommuner, {len(regions)} regioner")
    else:
        ctx.progress(
            1.0,
            f"{len(munis)} kommuner; ingen regionskilde: regioner bevaret "
            f"({kept_regions} kommuner beholdt deres regionskode)",
        )


MAX_PAGES = 1000


def load_geojson(ctx: RefreshContext, location: str) -> dict[str, Any]:
    """Read a GeoJSON FeatureCollection from an http(s) URL or a file path / file:// URL.

    Paged answers (OGC API Features: a ``links`` entry with ``rel = "next"``) are followed
    and their features concatenated.
    """
    scheme = urlsplit(location).scheme.lower()
    if scheme not in ("http", "https"):
        path = Path(location[7:] if scheme == "file" else location)
        try:
            text = path.read_text("utf-8-sig")
        except OSError as exc:
            raise PluginError(f"kan ikke læse {path}: {exc.strerror}") from exc
        return _parse_collection(text, location)
    data: dict[str, Any] | None = None
    url: str | None = location
    pages = 0
    while url is not None:
        pages += 1
        if pages > MAX_PAGES:
            raise PluginError(f"{_safe(location)}: mere end {MAX_PAGES} sider")
        ctx.check_cancelled()
        response = ctx.session.get(_with_token(ctx, url), timeout=ctx.timeout)
        response.raise_for_status()
        page = _parse_collection(response.content.decode("utf-8-sig"), url)
        if data is None:
            data = page
        else:
            data["features"].extend(page["features"])
        url = _next_link(page)
    assert data is not None
    return data


def _with_token(ctx: RefreshContext, url: str) -> str:
    token = ctx.setting("token", "")
    if token and "token=" not in url:
        url += ("&" if "?" in url else "?") + urlencode({"token": token})
    return url


def _next_link(page: dict[str, Any]) -> str | None:
    for link in page.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def _parse_collection(text: str, location: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PluginError(
            f"ugyldig GeoJSON fra {_safe(location)}: {exc.msg} (linje {exc.lineno})"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise PluginError(f"{_safe(location)} er ikke en GeoJSON FeatureCollection")
    return data


def _safe(location: str) -> str:
    return location.split("?", 1)[0]


def _declared_crs(data: dict[str, Any]) -> str | None:
    name = str(((data.get("crs") or {}).get("properties") or {}).get("name") or "")
    if "25832" in name:
        return "EPSG:25832"
    if "4326" in name or "CRS84" in name.upper():
        return "EPSG:4326"
    return None


def _first_xy(geom: dict[str, Any]) -> tuple[float, float] | None:
    node: Any = geom.get("coordinates")
    while isinstance(node, list) and node and isinstance(node[0], list):
        node = node[0]
    if isinstance(node, list) and len(node) >= 2:
        return float(node[0]), float(node[1])
    return None


def _guess_crs(feature_geom: dict[str, Any]) -> str:
    xy = _first_xy(feature_geom)
    if xy is None:
        return "EPSG:4326"
    x, y = xy
    if abs(x) > 360 or abs(y) > 360:
        return "EPSG:25832"
    if 53 < x < 58.5 and 7 < y < 16:  # lat/lon order (some WFS answers in EPSG:4326)
        return "EPSG:4326-latlon"
    return "EPSG:4326"


def _project(geom: Any, crs: str) -> Any:
    geom = shapely.force_2d(geom)
    if crs == "EPSG:25832":
        return geom
    t = _to_utm()
    if crs == "EPSG:4326-latlon":
        return shapely.transform(geom, lambda lat, lon: t.transform(lon, lat), interleaved=False)
    return shapely.transform(geom, lambda x, y: t.transform(x, y), interleaved=False)


def _polygonal(geom: Any) -> list[Polygon]:
    if not geom.is_valid:
        # "structure" keeps the intended areas of self-intersecting or nested rings and is
        # several times faster than the default "linework" on DAGI-like polygons.
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    if isinstance(geom, MultiPolygon):
        return [p for p in geom.geoms if not p.is_empty]
    if hasattr(geom, "geoms"):  # GeometryCollection after make_valid
        return [p for g in geom.geoms for p in _polygonal(g)]
    return []


def dissolve(
    ctx: RefreshContext,
    table: str,
    data: dict[str, Any],
    code_prop: str,
    name_prop: str,
    region_prop: str | None,
    crs_setting: str,
    p0: float,
    p1: float,
) -> dict[str, dict[str, Any]]:
    """Group the features by normalised code and dissolve each group into a MultiPolygon."""
    features = data["features"]
    declared = _declared_crs(data)
    parts: dict[str, list[Polygon]] = {}
    feature_count: dict[str, int] = {}
    names: dict[str, str] = {}
    region_codes: dict[str, str | None] = {}
    n = max(len(features), 1)
    for i, feature in enumerate(features, start=1):
        if i % 20 == 0:
            ctx.check_cancelled()
            ctx.progress(p0 + (p1 - p0) * i / n / 2, f"læser {table}: {i}/{n}")
        props = feature.get("properties") or {}
        raw_code = props.get(code_prop)
        code = normalise_kommune_kode(raw_code)
        if code is None:
            reason = f"mangler {code_prop}" if raw_code in (None, "") else "ugyldig kode"
            ctx.staging.reject(
                table, reason, row_number=i, field=code_prop, value=raw_code, raw=props
            )
            continue
        gj = feature.get("geometry")
        if not gj or gj.get("type") not in ("Polygon", "MultiPolygon"):
            kind = gj.get("type") if gj else "ingen"
            ctx.staging.reject(
                table, f"geometri er ikke et polygon ({kind})", i, "geometry", kind, props
            )
            continue
        try:
            crs = crs_setting if crs_setting != "auto" else (declared or _guess_crs(gj))
            polys = _polygonal(_project(shape(gj), crs))
        except Exception as exc:  # malformed coordinates in one feature: reject the feature
            ctx.staging.reject(table, f"ugyldig geometri: {exc}", i, "geometry", None, props)
            continue
        if not polys:
            ctx.staging.reject(table, "tom geometri", i, "geometry", None, props)
            continue
        parts.setdefault(code, []).extend(polys)
        feature_count[code] = feature_count.get(code, 0) + 1
        name = props.get(name_prop)
        if name and code not in names:
            names[code] = str(name).strip()
        if region_prop:
            rk = normalise_kommune_kode(props.get(region_prop))
            if rk and not region_codes.get(code):
                region_codes[code] = rk
    out: dict[str, dict[str, Any]] = {}
    m = max(len(parts), 1)
    for j, (code, polys) in enumerate(parts.items(), start=1):
        if j % 10 == 0:
            ctx.check_cancelled()
            ctx.progress(p0 + (p1 - p0) * (0.5 + j / m / 2), f"samler {table}: {j}/{m}")
        if code not in names:
            ctx.staging.reject(table, f"mangler {name_prop}", None, name_prop, code, {"kode": code})
            continue
        # One valid feature has non-overlapping parts already; only several need a union.
        geom = MultiPolygon(polys) if feature_count[code] == 1 else _as_multipolygon(polys)
        largest = max(geom.geoms, key=lambda p: p.area)
        point = largest.representative_point()
        out[code] = {
            "navn": names[code],
            "region_kode": region_codes.get(code),
            "geom": geom,
            "cx": float(point.x),
            "cy": float(point.y),
        }
    return out


def _as_multipolygon(polys: list[Polygon]) -> MultiPolygon:
    merged = shapely.union_all(polys) if len(polys) > 1 else polys[0]
    pieces = _polygonal(merged)
    return MultiPolygon(pieces)


def _assign_regions_by_location(
    munis: dict[str, dict[str, Any]], regions: dict[str, dict[str, Any]]
) -> None:
    """Fill missing region codes: the region whose polygon holds the municipality's point."""
    prepared = [(code, r["geom"]) for code, r in regions.items()]
    for g in prepared:
        shapely.prepare(g[1])
    for m in munis.values():
        if m["region_kode"]:
            continue
        pt = shapely.Point(m["cx"], m["cy"])
        hit = next((code for code, g in prepared if g.contains(pt)), None)
        if hit is None:  # a point on a coast line just outside the simplified region
            hit = min(prepared, key=lambda cg: cg[1].distance(pt))[0] if prepared else None
        m["region_kode"] = hit


def _keep_cached_region_codes(ctx: RefreshContext, munis: dict[str, dict[str, Any]]) -> int:
    """Give the municipalities the region codes the cache holds for them; return how many.

    Used when neither ``regions_url`` nor ``region_property`` gives region codes: the
    regions table is not staged (so it stays as it is) and the municipalities that still
    exist keep the codes a previous refresh stored instead of losing them.
    """
    cached = dict(
        ctx.query("SELECT kode, region_kode FROM municipalities WHERE region_kode IS NOT NULL")
    )
    kept = 0
    for code, m in munis.items():
        if cached.get(code):
            m["region_kode"] = cached[code]
            kept += 1
    return kept


def _regions_from_municipalities(munis: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Polygon]] = {}
    for m in munis.values():
        if m["region_kode"]:
            groups.setdefault(m["region_kode"], []).extend(m["geom"].geoms)
    return {
        code: {"navn": REGION_NAMES.get(code, code), "geom": _as_multipolygon(polys)}
        for code, polys in groups.items()
    }
