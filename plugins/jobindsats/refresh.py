"""Jobindsats refresh: configured tables by municipality and period -> ``unemployment_stats``.

Protocol (API v2, key in the ``Authorization`` header):
``GET {base_url}/tables/{id}/json`` gives the table's periods (used when only "latest N"
periods are configured); ``POST {base_url}/data/{id}/json`` with ``{"area": "*", "period":
[...]}`` gives the rows. Rows may come as a JSON list of objects, as ``{"Variables",
"Data"}`` blocks, or as NDJSON. The area is a municipality name (mapped to its code through
the cache's ``municipalities`` table) or a code. Numbers may be Danish text ("9,08").
Every numeric column becomes a measure ``"<table>: <column>"``; text columns other than
area and period (e.g. Ydelsesgrupper) qualify the measure in brackets.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from workbench.core.plugins.api import (
    PluginError,
    RefreshContext,
    normalise_kommune_kode,
    parse_decimal,
    source_status_error,
)

DEFAULT_TABLES = [{"id": "Y30R21"}]
SOURCE_PREFIX = "jobindsats:"
AGGREGATE_PREFIXES = ("hele landet", "region ", "rar ", "landsdel", "i alt")


def refresh(ctx: RefreshContext) -> None:
    base = str(ctx.setting("base_url", required=True)).rstrip("/")
    key = str(ctx.setting("api_key", required=True))
    headers = {"Authorization": key, "Accept": "application/json"}
    area_field = str(ctx.setting("area_field", "Area"))
    period_field = str(ctx.setting("period_field", "Periode"))
    default_periods = int(ctx.setting("periods", 6))
    tables = ctx.setting("tables") or DEFAULT_TABLES
    codes_by_name = _municipality_names(ctx)

    ctx.staging.table(
        "unemployment_stats",
        mode="replace_where",
        where="source LIKE ?",
        params=[SOURCE_PREFIX + "%"],
    )
    total = 0
    for i, item in enumerate(tables):
        spec = {"id": item} if isinstance(item, str) else dict(item)
        table_id = str(spec.get("id") or "")
        if not table_id:
            raise PluginError(f"[plugins.jobindsats] tables: ugyldig tabel {item!r}")
        step = 1 / len(tables)
        ctx.check_cancelled()
        periods = spec.get("period")
        if not periods:
            ctx.progress(i * step, f"{table_id}: perioder")
            periods = _latest_periods(
                ctx, base, table_id, headers, int(spec.get("periods", default_periods))
            )
        ctx.progress(i * step + step / 3, f"{table_id}: henter data")
        response = ctx.session.post(
            f"{base}/data/{table_id}/json",
            json={"area": "*", "period": list(periods)},
            headers=headers,
            timeout=ctx.timeout,
        )
        _check(response, table_id)
        rows = parse_rows(response)
        if not rows:
            raise PluginError(f"Jobindsats gav ingen rækker for {table_id}")
        written = ctx.staging.insert(
            "unemployment_stats",
            _records(ctx, table_id, rows, area_field, period_field, codes_by_name),
        )
        total += written
    if total == 0:
        raise PluginError(
            "Jobindsats gav ingen brugbare værdier pr. kommune; de hidtidige tal er bevaret"
        )
    ctx.progress(1.0, f"{total} værdier")


KEY_SETTING = "WORKBENCH__PLUGINS__JOBINDSATS__API_KEY ([plugins.jobindsats] api_key)"


def _check(response: Any, table_id: str) -> None:
    if response.status_code in (401, 403):
        raise PluginError(
            f"Jobindsats afviste API-nøglen (HTTP {response.status_code}): tjek {KEY_SETTING}"
        )
    if response.status_code == 404 and _json_body(response) is not None:
        raise PluginError(f"Jobindsats kender ikke tabellen {table_id} (HTTP 404)")
    error = source_status_error(
        response, source="Jobindsats", setting="[plugins.jobindsats] base_url"
    )
    if error is not None:
        raise error
    if response.status_code >= 400:
        raise PluginError(f"Jobindsats svarede HTTP {response.status_code} for {table_id}")
    if _key_refused(_json_body(response)):
        raise PluginError(f"Jobindsats: forkert eller udløbet API-nøgle; sæt en ny i {KEY_SETTING}")


def _json_body(response: Any) -> Any:
    """The body as JSON (a BOM allowed), or None when it is not JSON."""
    try:
        return json.loads(response.content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return None


def _key_refused(body: Any) -> bool:
    """Jobindsats answers a wrong or expired key with HTTP 200 and the message as the only
    key of an object: ``{"Forkert nøgle eller nøglen er udløbet.":""}``."""
    return (
        isinstance(body, dict)
        and len(body) == 1
        and "nøgle" in unicodedata.normalize("NFC", next(iter(body))).lower()
    )


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFC", str(name)).strip().lower()
    for suffix in (" kommune", "s kommune"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return " ".join(text.replace("–", "-").split())


def _lookup(codes_by_name: Mapping[str, str], name: str) -> str | None:
    """Code for a municipality name; Jobindsats sometimes uses the genitive ("Nordfyns")."""
    folded = _fold(name)
    code = codes_by_name.get(folded)
    if code is None and folded.endswith("s"):
        code = codes_by_name.get(folded[:-1])
    return code


def _municipality_names(ctx: RefreshContext) -> dict[str, str]:
    rows = ctx.query("SELECT kode, navn FROM municipalities")
    if not rows:
        raise PluginError("kommunetabellen er tom: opdatér 'boundaries' før 'jobindsats'")
    out: dict[str, str] = {}
    for kode, navn in rows:
        out[_fold(navn)] = kode
    out.setdefault("københavn", "0101")
    out.setdefault("københavns", "0101")
    return out


def _latest_periods(
    ctx: RefreshContext, base: str, table_id: str, headers: Mapping[str, str], n: int
) -> list[str]:
    response = ctx.session.get(
        f"{base}/tables/{table_id}/json", headers=headers, timeout=ctx.timeout
    )
    _check(response, table_id)
    try:
        meta = response.json()
    except ValueError as exc:
        raise PluginError(
            f"ugyldigt JSON i Jobindsats' tabelbeskrivelse for {table_id}: {exc}"
        ) from exc
    periods = _find_periods(meta)
    if not periods:
        raise PluginError(f"Jobindsats' tabelbeskrivelse for {table_id} har ingen perioder")
    return periods[-n:] if n > 0 else periods


def _find_periods(node: Any) -> list[str]:
    """The first list of period codes under a key that mentions 'period'."""
    if isinstance(node, list):
        for item in node:
            found = _find_periods(item)
            if found:
                return found
    elif isinstance(node, dict):
        for k, v in node.items():
            if "period" in k.lower() and isinstance(v, list) and v:
                return [
                    str(x.get("id") or x.get("Id") or x.get("code"))
                    if isinstance(x, dict)
                    else str(x)
                    for x in v
                ]
        for v in node.values():
            found = _find_periods(v)
            if found:
                return found
    return []


def parse_rows(response: Any) -> list[dict[str, Any]]:
    """Rows as dicts from the three response shapes (JSON list, Variables/Data, NDJSON)."""
    text = response.content.decode("utf-8-sig").strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) < 2:
            raise PluginError(f"ugyldigt JSON-svar fra Jobindsats: {exc.msg}") from exc
        try:
            return [json.loads(ln) for ln in lines]
        except json.JSONDecodeError as exc2:
            raise PluginError(f"ugyldigt NDJSON-svar fra Jobindsats: {exc2.msg}") from exc2
    if isinstance(data, dict):
        data = [data]
    rows: list[dict[str, Any]] = []
    for block in data:
        if isinstance(block, dict) and "Data" in block and "Variables" in block:
            names = [
                v.get("Label") or v.get("Name") if isinstance(v, dict) else str(v)
                for v in block["Variables"]
            ]
            rows.extend(dict(zip(names, r, strict=False)) for r in block["Data"])
        elif isinstance(block, dict):
            rows.append(block)
        else:
            raise PluginError("uventet svarformat fra Jobindsats")
    return rows


def _records(
    ctx: RefreshContext,
    table_id: str,
    rows: list[dict[str, Any]],
    area_field: str,
    period_field: str,
    codes_by_name: Mapping[str, str],
) -> Iterator[dict[str, Any]]:
    source = SOURCE_PREFIX + table_id
    for n, row in enumerate(rows, start=1):
        if n % 2000 == 0:
            ctx.check_cancelled()
        area = row.get(area_field)
        period = row.get(period_field)
        if area is None or period is None:
            missing = area_field if area is None else period_field
            ctx.staging.reject("unemployment_stats", f"mangler {missing}", n, missing, None, row)
            continue
        kode = normalise_kommune_kode(area) or _lookup(codes_by_name, str(area))
        if kode is None:
            if _fold(str(area)).startswith(AGGREGATE_PREFIXES):
                continue
            ctx.staging.reject("unemployment_stats", "ukendt kommune", n, area_field, area, row)
            continue
        dims: list[str] = []
        measures: list[tuple[str, Any]] = []
        for col, value in row.items():
            if col in (area_field, period_field):
                continue
            if isinstance(value, str):
                try:
                    parse_decimal(value)
                except ValueError:
                    dims.append(value)
                    continue
            measures.append((col, value))
        qualifier = f" [{', '.join(dims)}]" if dims else ""
        for col, value in measures:
            try:
                number = parse_decimal(value)
            except ValueError:
                number = None
            if number is None:
                ctx.staging.reject(
                    "unemployment_stats", "værdi mangler eller er ikke et tal", n, col, value, row
                )
                continue
            yield {
                "kommune_kode": kode,
                "period": str(period),
                "measure": f"{table_id}: {col}{qualifier}",
                "value": number,
                "unit": _unit(col),
                "source": source,
            }


def _unit(column: str) -> str:
    low = column.lower()
    if "pct" in low:
        return "pct."
    if "placering" in low or "rang" in low:
        return "placering"
    return "antal"
