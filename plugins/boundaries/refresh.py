"""Boundaries refresh: DAGI (WFS, download JSON or GeoPackage) or any GeoJSON ->
municipalities, regions.

Reading is in :mod:`.sources` (channels, formats, the ``skala`` of download files).
Geometry handling: 3-D coordinates are flattened, WGS84 is projected once per feature with
one cached pyproj Transformer (always_xy), invalid rings are repaired, and all parts with
the same code are dissolved into one MultiPolygon stored as WKB in EPSG:25832. ``cx, cy``
is a point guaranteed inside the largest part (label placement, fallback positions).

Regions: a municipality links to its region by the region's DAGI id (``regionLokalId``
on the municipality, the region's own id on the region), as the current DAGI data does;
else by a region code on the municipality (``region_property``, older files); else by
location. Christiansø is a special case, see :data:`CHRISTIANSOE`.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, shape

from workbench.core.plugins.api import PluginError, RefreshContext, normalise_kommune_kode

from . import sources

REGION_NAMES = {
    "1081": "Region Nordjylland",
    "1082": "Region Midtjylland",
    "1083": "Region Syddanmark",
    "1084": "Region Hovedstaden",
    "1085": "Region Sjælland",
}
SOURCE = "boundaries"
# Christiansø (0411) lies outside the municipal division: the state runs it, DAGI's
# kommuneinddeling may not hold it, yet statistics and the address register count it as a
# municipality in Region Hovedstaden. It always gets that region (never one by location),
# and when the source lacks it the cached row is carried over rather than dropped.
CHRISTIANSOE = "0411"
CHRISTIANSOE_REGION = "1084"
# Where DAGI puts an object's own id (GeoJSON from the WFS flattens "id.lokalId").
REGION_ID_PROPERTIES = ("id.lokalId", "id_lokalId", "id_lokalid", "lokalId", "dagi_id", "DAGIid")


@functools.cache
def _to_utm() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)


def refresh(ctx: RefreshContext) -> None:
    url = sources.resolve_url(ctx, str(ctx.setting("url", required=True)), "kommune")
    code_prop = ctx.setting("code_property", "kommunekode")
    name_prop = ctx.setting("name_property", "navn")
    region_prop = ctx.setting("region_property", "") or None
    link_prop = ctx.setting("region_link_property", "regionLokalId") or None
    crs = str(ctx.setting("crs", "auto"))
    skala = ctx.setting("skala", "250")

    ctx.progress(0.02, "henter kommunegrænser")
    data = sources.pick_scale(sources.load(ctx, url, "kommune", "url"), skala, url, ctx.note)
    ctx.check_cancelled()
    munis = dissolve(ctx, "municipalities", data, code_prop, name_prop, region_prop, crs, 0.05, 0.6)
    if not munis:
        raise PluginError("ingen brugbare kommuner i kilden; de hidtidige grænser er bevaret")
    links = _region_links(data, code_prop, link_prop)

    regions: dict[str, dict[str, Any]] = {}
    kept_regions: int | None = None  # regions left as they are in the cache (no source)
    regions_url = sources.resolve_url(ctx, str(ctx.setting("regions_url", "") or ""), "region")
    rdata = None
    if regions_url:
        ctx.progress(0.62, "henter regionsgrænser")
        rdata = sources.load(ctx, regions_url, "region", "regions_url")
    elif urlsplit(url).scheme not in ("http", "https") and url.lower().endswith(".gpkg"):
        rdata = sources.load(ctx, url, "region", "url")  # the same GeoPackage's region layer
        if rdata.get("missing_layer"):
            rdata = None
    if rdata is not None:
        rdata = sources.pick_scale(rdata, skala, regions_url or url, ctx.note)
        ctx.check_cancelled()
        region_code_prop = ctx.setting("region_code_property", "regionskode")
        regions = dissolve(
            ctx,
            "regions",
            rdata,
            region_code_prop,
            ctx.setting("region_name_property", "navn"),
            None,
            crs,
            0.65,
            0.85,
        )
        _assign_regions_by_dagi_id(munis, links, _region_ids(rdata, region_code_prop))
        _assign_regions_by_location(munis, regions)
    elif any(m["region_kode"] for m in munis.values()):
        regions = _regions_from_municipalities(munis)
    else:  # no regions source: keep the regions and the codes a previous refresh stored
        kept_regions = _keep_cached_region_codes(ctx, munis)
    christiansoe = _christiansoe(ctx, munis)

    ctx.progress(0.9, "gemmer")
    ctx.staging.table("municipalities")
    ctx.staging.insert(
        "municipalities",
        (
            {
                "kode": code,
                "navn": m["navn"],
                "region_kode": m["region_kode"],
                "geom": shapely.to_wkb(m["geom"]) if m["geom"] is not None else m.get("wkb"),
                "cx": m["cx"],
                "cy": m["cy"],
                "source": m.get("source", SOURCE),
            }
            for code, m in sorted(munis.items())
        ),
    )
    if christiansoe:
        ctx.note(christiansoe)
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


def _region_links(data: dict[str, Any], code_prop: str, link_prop: str | None) -> dict[str, str]:
    """Municipality code -> the DAGI id of its region (``regionLokalId``), where given."""
    if not link_prop:
        return {}
    out: dict[str, str] = {}
    for feature in data["features"]:
        props = feature.get("properties") or {}
        code = normalise_kommune_kode(props.get(code_prop))
        link = props.get(link_prop)
        if code and link not in (None, ""):
            out.setdefault(code, str(link).strip())
    return out


def _region_ids(data: dict[str, Any], code_prop: str) -> dict[str, str]:
    """A region's DAGI id -> its region code."""
    out: dict[str, str] = {}
    for feature in data["features"]:
        props = feature.get("properties") or {}
        code = normalise_kommune_kode(props.get(code_prop))
        ident = next(
            (props[k] for k in REGION_ID_PROPERTIES if props.get(k) not in (None, "")), None
        )
        if code and ident is not None:
            out[str(ident).strip()] = code
    return out


def _assign_regions_by_dagi_id(
    munis: dict[str, dict[str, Any]], links: dict[str, str], region_ids: dict[str, str]
) -> None:
    """The current DAGI data links a municipality to its region by the region's id."""
    for code, m in munis.items():
        region = region_ids.get(links.get(code, ""))
        if region:
            m["region_kode"] = region


def _christiansoe(ctx: RefreshContext, munis: dict[str, dict[str, Any]]) -> str | None:
    """Apply Christiansø's special case (see :data:`CHRISTIANSOE`); a line for the log."""
    if CHRISTIANSOE in munis:
        munis[CHRISTIANSOE]["region_kode"] = CHRISTIANSOE_REGION
        return None
    cached = ctx.query(
        "SELECT navn, geom, cx, cy, source FROM municipalities WHERE kode = ?", [CHRISTIANSOE]
    )
    if not cached:
        return None
    navn, wkb, cx, cy, source = cached[0]
    munis[CHRISTIANSOE] = {
        "navn": navn,
        "region_kode": CHRISTIANSOE_REGION,
        "geom": None,
        "wkb": wkb,
        "cx": cx,
        "cy": cy,
        "source": source,
    }
    return "Christiansø (0411) er uden for kommuneinddelingen i kilden: beholdt fra cachen"


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
    for code, m in munis.items():
        if m["region_kode"]:
            continue
        if code == CHRISTIANSOE:  # never by location: see CHRISTIANSOE
            m["region_kode"] = CHRISTIANSOE_REGION
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
