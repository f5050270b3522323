"""StatBank refresh: ``GET /tableinfo`` validates each configured table, ``POST /data``
fetches it (JSON-stat or CSV) and the values by municipality go to ``unemployment_stats``.

Area codes in StatBank are three digits ("101" København); "000" (whole country), regions
("081"-"085") and other aggregates are skipped. Codes become 4 digits ("0101"). Only the
latest ``periods`` periods of the time variable are fetched. Variables not configured are
eliminated (totals) where the table allows it, else the first value is used.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.core.plugins.api import (
    PluginError,
    RefreshContext,
    parse_decimal,
    source_status_error,
)

# AUL01 (annual) stops at 2024: the current tables are quarterly (AULK01) and monthly
# (AUF01, provisional); AULK04 is long-term unemployment.
DEFAULT_TABLES = [
    {"id": "AULK01", "measure": "fuldtidsledige"},
    {"id": "AUF01", "measure": "fuldtidsledige, foreløbige (måned)"},
    {"id": "AULK04", "measure": "langtidsledige"},
]
SOURCE_PREFIX = "statbank:"
# AUK01 counts public-benefit recipients ("offentligt forsørgede"), not the unemployed: it
# gets that label by default and may never be labelled unemployment.
NOT_UNEMPLOYMENT = {"AUK01": "offentligt forsørgede"}
_QUARTER = re.compile(r"^(\d{4})[KQ]([1-4])$")


def normalise_period(value: Any) -> Any:
    """Quarter codes in one form so they sort: ``2025Q1`` (English) and ``2025K1`` (Danish)
    both become ``2025K1``; other periods (``2024M03``, ``2024``) stay as they are."""
    if value is None:
        return None
    match = _QUARTER.match(str(value).strip())
    return f"{match.group(1)}K{match.group(2)}" if match else value


@dataclass
class TableSpec:
    id: str
    measure: str
    area_variable: str
    periods: int
    variables: dict[str, list[str]] = field(default_factory=dict)


def _specs(ctx: RefreshContext) -> list[TableSpec]:
    raw = ctx.setting("tables") or DEFAULT_TABLES
    default_area = str(ctx.setting("area_variable", "OMRÅDE"))
    default_periods = int(ctx.setting("periods", 12))
    specs = []
    for item in raw:
        if isinstance(item, str):
            item = {"id": item}
        if not isinstance(item, Mapping) or not item.get("id"):
            raise PluginError(f"[plugins.statbank] tables: ugyldig tabel {item!r}")
        variables = item.get("variables") or {}
        if not isinstance(variables, Mapping):
            raise PluginError(
                f"[plugins.statbank] tabel {item['id']}: variables skal være en tabel"
            )
        table_id = str(item["id"]).upper()
        measure = str(item.get("measure") or NOT_UNEMPLOYMENT.get(table_id, table_id.lower()))
        if table_id in NOT_UNEMPLOYMENT and "ledig" in measure.lower():
            raise PluginError(
                f"[plugins.statbank] tables: {table_id} er {NOT_UNEMPLOYMENT[table_id]}, "
                f"ikke ledighed; ret measure {measure!r}"
            )
        specs.append(
            TableSpec(
                id=table_id,
                measure=measure,
                area_variable=str(item.get("area_variable", default_area)),
                periods=int(item.get("periods", default_periods)),
                variables={
                    str(k): [str(v) for v in _as_list(vals)] for k, vals in variables.items()
                },
            )
        )
    return specs


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def refresh(ctx: RefreshContext) -> None:
    base = str(ctx.setting("base_url", required=True)).rstrip("/")
    lang = str(ctx.setting("lang", "da"))
    fmt = str(ctx.setting("format", "jsonstat")).lower()
    if fmt not in ("jsonstat", "csv"):
        raise PluginError(f"[plugins.statbank] format skal være jsonstat eller csv, ikke {fmt!r}")
    specs = _specs(ctx)
    ctx.staging.table(
        "unemployment_stats",
        mode="replace_where",
        where="source LIKE ?",
        params=[SOURCE_PREFIX + "%"],
    )
    total = 0
    for i, spec in enumerate(specs):
        ctx.check_cancelled()
        step = 1 / len(specs)
        ctx.progress(i * step, f"{spec.id}: tabelinfo")
        info = _get_json(
            ctx, f"{base}/tableinfo", params={"id": spec.id, "lang": lang, "format": "JSON"}
        )
        request, area_var = build_request(spec, info, lang, fmt)
        ctx.check_cancelled()
        ctx.progress(i * step + step / 3, f"{spec.id}: henter data")
        response = ctx.session.post(f"{base}/data", json=request, timeout=ctx.timeout)
        _raise_for_status(response, spec.id)
        if fmt == "jsonstat":
            cells = parse_jsonstat(_json(response, spec.id))
        else:
            cells = parse_csv(response.content)
        unit = str(info.get("unit") or "")
        rows = list(_rows(ctx, spec, area_var, cells, unit))
        total += ctx.staging.insert("unemployment_stats", rows)
    if total == 0:
        raise PluginError(
            "Statistikbanken gav ingen værdier pr. kommune; de hidtidige tal er bevaret"
        )
    ctx.progress(1.0, f"{total} værdier")


def _raise_for_status(response: Any, table: str) -> None:
    if response.status_code in (401, 403, 404, 410) and not _statbank_error(response):
        # Not StatBank's own JSON error (an unknown table is a 400 with a message): the
        # address is wrong or has moved.
        error = source_status_error(
            response, source="Statistikbanken", setting="[plugins.statbank] base_url"
        )
        if error is not None:
            raise error
    if response.status_code >= 400:
        detail = ""
        try:
            body = response.json()
            detail = str(body.get("message") or body.get("errorTypeCode") or "")
        except ValueError:
            pass
        msg = f"Statistikbanken svarede HTTP {response.status_code} for {table}"
        raise PluginError(f"{msg}: {detail}" if detail else msg)


def _statbank_error(response: Any) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("errorTypeCode"))


def _json(response: Any, what: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise PluginError(f"ugyldigt JSON-svar fra Statistikbanken ({what}): {exc}") from exc


def _get_json(ctx: RefreshContext, url: str, params: Mapping[str, str]) -> dict[str, Any]:
    response = ctx.session.get(url, params=params, timeout=ctx.timeout)
    _raise_for_status(response, str(params.get("id", "")))
    data = _json(response, f"tableinfo {params.get('id', '')}")
    if not isinstance(data, dict) or "variables" not in data:
        raise PluginError(f"uventet tabelinfo for {params.get('id')}")
    return data


def build_request(
    spec: TableSpec, info: Mapping[str, Any], lang: str, fmt: str
) -> tuple[dict[str, Any], str | None]:
    """Validate ``spec`` against the table info; return the /data request and the area variable id."""
    variables = {v["id"].upper(): v for v in info["variables"]}
    chosen: dict[str, list[str]] = {}
    for name, values in spec.variables.items():
        var = variables.get(name.upper())
        if var is None:
            raise PluginError(
                f"tabel {spec.id} har ingen variabel {name}; findes: {', '.join(v['id'] for v in info['variables'])}"
            )
        known = {str(v["id"]) for v in var.get("values", [])}
        bad = [v for v in values if v != "*" and v not in known]
        if bad:
            raise PluginError(
                f"tabel {spec.id}, variabel {var['id']}: ukendte værdier {', '.join(bad)}"
            )
        chosen[var["id"]] = values
    area_var = None
    if spec.area_variable:
        var = variables.get(spec.area_variable.upper())
        if var is None:
            raise PluginError(f"tabel {spec.id} har ingen områdevariabel {spec.area_variable}")
        area_var = var["id"]
        if area_var not in chosen:
            munis = [str(v["id"]) for v in var.get("values", []) if _municipal(str(v["id"]))]
            if not munis:
                raise PluginError(f"tabel {spec.id}: variablen {area_var} har ingen kommuner")
            chosen[area_var] = munis
    for var in info["variables"]:
        if var["id"] in chosen:
            continue
        values = [str(v["id"]) for v in var.get("values", [])]
        if var.get("time"):
            chosen[var["id"]] = values[-spec.periods :] if spec.periods > 0 else ["*"]
        elif not var.get("elimination", False) and values:
            chosen[var["id"]] = values[:1]
    request = {
        "table": spec.id,
        "lang": lang,
        "format": "JSONSTAT" if fmt == "jsonstat" else "CSV",
        "valuePresentation": "Code",
        "variables": [{"code": code, "values": values} for code, values in chosen.items()],
    }
    return request, area_var


def _municipal(code: str) -> bool:
    return code.isdigit() and len(code) == 3 and 101 <= int(code) <= 999


Cell = tuple[dict[str, str], Any]


def parse_jsonstat(data: Any) -> Iterator[Cell]:
    """Cells of a JSON-stat (v1 ``dataset`` or v2) response: ({dimension: code}, value)."""
    ds = data.get("dataset", data) if isinstance(data, dict) else None
    if not isinstance(ds, dict) or "dimension" not in ds or "value" not in ds:
        raise PluginError("svaret er ikke JSON-stat (mangler dimension/value)")
    dims = ds["dimension"]
    ids = ds.get("id") or dims.get("id")
    codes: list[list[str]] = []
    for dim_id in ids:
        index = dims[dim_id]["category"].get("index")
        if index is None:
            index = list(dims[dim_id]["category"].get("label", {}))
        if isinstance(index, dict):
            codes.append([c for c, _ in sorted(index.items(), key=lambda kv: kv[1])])
        else:
            codes.append([str(c) for c in index])
    values = ds["value"]
    if isinstance(values, dict):
        lookup = {int(k): v for k, v in values.items()}
    else:
        lookup = dict(enumerate(values))
    for n, combo in enumerate(itertools.product(*codes)):
        yield dict(zip(ids, combo, strict=True)), lookup.get(n)


def parse_csv(body: bytes) -> Iterator[Cell]:
    """Cells of a StatBank CSV body (``;``, UTF-8 with BOM, CRLF); the last column is the value."""
    text = body.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = next(reader, None)
    if not header:
        raise PluginError("tomt CSV-svar fra Statistikbanken")
    names = [h.strip() for h in header]
    for row in reader:
        if not row:
            continue
        if len(row) != len(names):
            raise PluginError(f"CSV-række med {len(row)} felter, forventede {len(names)}")
        yield dict(zip(names[:-1], row[:-1], strict=True)), row[-1]


def _rows(
    ctx: RefreshContext, spec: TableSpec, area_var: str | None, cells: Iterator[Cell], unit: str
) -> Iterator[dict[str, Any]]:
    source = SOURCE_PREFIX + spec.id
    # Variables asked for with several values become part of the measure name.
    multi = {k.upper() for k, v in spec.variables.items() if len(v) > 1 or "*" in v}
    for n, (dims, raw_value) in enumerate(cells, start=1):
        if n % 5000 == 0:
            ctx.check_cancelled()
        norm = {k.upper(): v for k, v in dims.items()}
        time_key = next((k for k in norm if k in ("TID", "TIME")), None)
        period = normalise_period(norm.pop(time_key)) if time_key else None
        kode = None
        if area_var is not None:
            area = norm.pop(area_var.upper(), None)
            if area is None or not _municipal(str(area)):
                continue  # the whole country, regions, landsdele: not a municipality
            kode = str(area).zfill(4)
        norm.pop("CONTENTSCODE", None)
        measure = spec.measure + "".join(f"|{k}={v}" for k, v in sorted(norm.items()) if k in multi)
        try:
            value = parse_decimal(raw_value)
        except ValueError:
            ctx.staging.reject(
                "unemployment_stats",
                "værdien er ikke et tal",
                n,
                "value",
                raw_value,
                {"table": spec.id, **dims},
            )
            continue
        if value is None:
            ctx.staging.reject(
                "unemployment_stats",
                "værdi mangler (diskretioneret)",
                n,
                "value",
                raw_value,
                {"table": spec.id, **dims},
            )
            continue
        yield {
            "kommune_kode": kode,
            "period": period,
            "measure": measure,
            "value": value,
            "unit": unit,
            "source": source,
        }


__all__: Sequence[str] = [
    "build_request",
    "normalise_period",
    "parse_csv",
    "parse_jsonstat",
    "refresh",
]
