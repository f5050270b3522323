"""Geocode company addresses to EPSG:25832: a local DAR register extract, then Adressevælger.

1. Register (when ``register_url``, ``download_url`` or ``graphql_url`` is set), swapped in
   whole: Datafordeler's current DAR file download (one ZIP per entity, listed by the
   service: ``download_url``, :mod:`.dar_download`), a DAR file given by URL or path (those
   ZIPs, or the old one-object extract that ends in January 2027) or the DAR GraphQL
   service, joined from its entities in :mod:`.dar`; or a flat extract as CSV (``;`` or ``,``, UTF-8 with or without BOM) or JSON
   lines, with column names matched loosely: id / adresseid / id_lokalId, husnummer id /
   adgangsadresseid, vejnavn, husnr, postnr, kommunekode, and either ETRS89/UTM
   (``etrs89koordinat_øst``/``_nord``, ``x``/``y``) or WGS84 (``wgs84koordinat_længde``/
   ``_bredde``, ``lon``/``lat``; converted once per batch with a cached Transformer).
2. Companies without x/y are matched in SQL: first CVR's DAR ``address_id`` against the
   register's address or house-number id, then the normalised street|number|postcode key
   (see :mod:`.normalize`).
3. Up to ``lookup_limit`` of the rest are looked up one by one with Adressevælger
   (:mod:`.adressevaelger`: ``/adresser/soeg?tekst=...``, ``/vask/`` when the search finds
   nothing, then ``/adresser/{id}``) when ``base_url`` and ``token`` are set.
4. Whatever is still not placed keeps NULL x/y and gets the reason in ``placement_note``
   ("ikke placeret: ..."); no company row is ever dropped. Companies are written with swap
   mode ``upsert`` on (cvr, pnr), so their rid stays.
"""

# SQL here is built from the staging names the host returned, fixed column names and the
# normalisation expression of .normalize; values always go in as parameters.

from __future__ import annotations

import csv
import functools
import json
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import requests
from pyproj import Transformer

from workbench.core.plugins.api import PluginError, RefreshContext

from . import dar, dar_download
from .adressevaelger import NOT_FOUND, Adressevaelger, AdressevaelgerError
from .normalize import house_key, match_key, match_key_sql, postnr_key

SOURCE = "addresses"
LABEL = "adresseregister"
REGISTER_COLUMNS = [
    "address_id",
    "access_id",
    "street",
    "house_no",
    "postnr",
    "kommune_kode",
    "match_key",
    "x",
    "y",
    "source",
]
ALIASES: dict[str, tuple[str, ...]] = {
    "address_id": ("id", "adresseid", "adresse_id", "id_lokalid", "adresseidentifikator"),
    "access_id": ("adgangsadresseid", "husnummerid", "husnummer_id", "adgangsadresse_id"),
    "street": ("vejnavn", "street"),
    "house_no": ("husnr", "husnummer", "husnummertekst", "house_no"),
    "postnr": ("postnr", "postnummer", "postcode"),
    "kommune_kode": ("kommunekode", "kommune_kode"),
    "x": ("etrs89koordinat_øst", "etrs89koordinat_oest", "etrs89_oest", "oest", "x"),
    "y": ("etrs89koordinat_nord", "etrs89_nord", "nord", "y"),
    "lon": ("wgs84koordinat_længde", "wgs84koordinat_laengde", "lon", "longitude", "lng"),
    "lat": ("wgs84koordinat_bredde", "lat", "latitude"),
}


@functools.cache
def _to_utm() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


# ------------------------------------------------------------------------------ register


def fetch(ctx: RefreshContext, url: str, folder: Path, name: str | None = None) -> Path:
    """The register as a local file: the path itself, or an http(s) download into ``folder``.

    Downloads go to disk first: a DAR ZIP must be opened by random access, and a download of
    several GB must not hold the connection open while it is parsed.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        path = Path(url[7:] if url.startswith("file://") else url)
        if not path.is_file():
            raise PluginError(f"adresseregister: filen {path} findes ikke")
        return path
    where = url.split("?")[0]
    response = ctx.session.get(url, stream=True)
    if response.status_code != 200:
        response.close()
        raise PluginError(f"adresseregister: HTTP {response.status_code} fra {where}")
    total = int(response.headers.get("Content-Length") or 0)
    target = folder / (name or Path(urlsplit(url).path).name or "register")
    done = reported = 0
    with response, target.open("wb") as out:
        for chunk in response.iter_content(1 << 20):
            out.write(chunk)
            done += len(chunk)
            ctx.check_cancelled()
            if done - reported >= 16 << 20:
                reported = done
                ctx.progress(
                    0.1 * done / total if total else None,
                    f"adresseregister: henter ({dar.number(done // 1_000_000)} MB)",
                )
    return target


def _open_lines(path: Path) -> Iterator[str]:
    """Text lines of a local flat extract (UTF-8 with or without BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        yield from fh


def _records(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    first = next(lines, None)
    if first is None:
        return
    if first.lstrip().startswith("{"):
        yield json.loads(first)
        for line in lines:
            if line.strip():
                yield json.loads(line)
        return
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter))

    def rest() -> Iterator[str]:
        for line in lines:
            yield line if line.endswith("\n") else line + "\n"

    for row in csv.reader(rest(), delimiter=delimiter):
        if row:
            yield dict(zip(header, row, strict=False))


def _resolver(keys: list[str]) -> dict[str, str | None]:
    lowered = {k.lower().strip(): k for k in keys}
    return {
        target: next((lowered[a] for a in aliases if a in lowered), None)
        for target, aliases in ALIASES.items()
    }


def load_register(ctx: RefreshContext, url: str, batch_rows: int) -> tuple[int, int]:
    """Load the register from a file or URL into the staged ``addresses``: a DAR file
    download (JSON or ZIP, see :mod:`.dar`) or a flat extract (CSV / JSON lines).

    Returns (rows, rejected)."""
    with tempfile.TemporaryDirectory(prefix="workbench-addresses-", dir=ctx.work_dir) as folder:
        path = fetch(ctx, url, Path(folder))
        kind = dar.sniff(path)
        if kind != "flat":
            collector = dar.Collector(ctx, batch_rows)
            found = dar.read_dar_file(ctx, path, collector, LABEL, kind)
            collector.finish()
            return dar.build_register(ctx, collector, found, LABEL)
        return load_flat(ctx, path, batch_rows)


def load_downloads(ctx: RefreshContext, base_url: str, batch_rows: int) -> tuple[int, int]:
    """Load the register from Datafordeler's current file download (one ZIP per entity, see
    :mod:`.dar_download`); each ZIP is deleted once read. Returns (rows, rejected)."""
    api_key = str(ctx.setting("api_key", "") or "")
    files = dar_download.list_files(ctx, base_url, api_key)
    collector = dar.Collector(ctx, batch_rows)
    found: list[str] = []
    with tempfile.TemporaryDirectory(prefix="workbench-addresses-", dir=ctx.work_dir) as folder:
        for _entity, name in files:
            ctx.progress(None, f"{LABEL}: henter {name}")
            path = fetch(ctx, dar_download.file_url(base_url, name, api_key), Path(folder), name)
            found += dar.read_dar_file(ctx, path, collector, LABEL)
            path.unlink()
    collector.finish()
    return dar.build_register(ctx, collector, found, LABEL)


def load_graphql(ctx: RefreshContext, url: str, batch_rows: int) -> tuple[int, int]:
    """Load the register from Datafordeler's DAR GraphQL service; returns (rows, rejected)."""
    collector = dar.Collector(ctx, batch_rows)
    api_key = str(ctx.setting("api_key", "") or "")
    page_size = int(ctx.setting("page_size", dar.MAX_PAGE))
    found = dar.read_graphql(ctx, url, api_key, page_size, collector)
    collector.finish()
    return dar.build_register(ctx, collector, found, "DAR GraphQL")


def load_flat(ctx: RefreshContext, path: Path, batch_rows: int) -> tuple[int, int]:
    """Stream a flat extract (one address per CSV row or JSON line); returns (rows, rejected)."""
    ctx.staging.table("addresses", mode="replace")
    columns: dict[str, str | None] | None = None
    batch: list[dict[str, Any]] = []
    written = rejected = 0
    for number, record in enumerate(_records(_open_lines(path)), start=1):
        if columns is None:
            columns = _resolver(list(record))
            if not columns["street"] or not columns["house_no"] or not columns["postnr"]:
                raise PluginError("adresseregister: kolonnerne vejnavn, husnr og postnr mangler")
            if not (columns["x"] and columns["y"]) and not (columns["lon"] and columns["lat"]):
                raise PluginError("adresseregister: ingen koordinatkolonner (ETRS89 eller WGS84)")

        def get(
            name: str, rec: dict[str, Any] = record, cols: dict[str, str | None] = columns
        ) -> Any:
            key = cols[name]
            return rec.get(key) if key else None

        utm = bool(columns["x"] and columns["y"])
        a, b = (
            (_float(get("x")), _float(get("y")))
            if utm
            else (_float(get("lon")), _float(get("lat")))
        )
        key = match_key(get("street"), get("house_no"), get("postnr"))
        if a is None or b is None or key is None:
            rejected += 1
            ctx.staging.reject(
                "addresses",
                "mangler koordinater" if key else "mangler vejnavn, husnummer eller postnummer",
                row_number=number,
                raw=record,
            )
            continue
        kommune = get("kommune_kode")
        batch.append(
            {
                "address_id": get("address_id") or None,
                "access_id": get("access_id") or None,
                "street": get("street"),
                "house_no": house_key(get("house_no")),
                "postnr": postnr_key(get("postnr")),
                "kommune_kode": f"{int(kommune):04d}"
                if kommune and str(kommune).isdigit()
                else None,
                "match_key": key,
                "a": a,
                "b": b,
                "utm": utm,
            }
        )
        if len(batch) >= batch_rows:
            written += _write_register(ctx, batch)
            batch = []
            ctx.check_cancelled()
            ctx.progress(None, f"adresseregister: {dar.number(written)} adresser")
    if batch:
        written += _write_register(ctx, batch)
    if written == 0:
        raise PluginError("adresseregister: ingen brugbare adresser; tidligere register er bevaret")
    return written, rejected


def _write_register(ctx: RefreshContext, batch: list[dict[str, Any]]) -> int:
    a = np.array([r["a"] for r in batch], dtype=float)
    b = np.array([r["b"] for r in batch], dtype=float)
    utm = np.array([r["utm"] for r in batch], dtype=bool)
    x, y = a.copy(), b.copy()
    if (~utm).any():
        tx, ty = _to_utm().transform(a[~utm], b[~utm])
        x[~utm], y[~utm] = tx, ty
    data = {c: [r.get(c) for r in batch] for c in REGISTER_COLUMNS if c not in ("x", "y", "source")}
    table = pa.table(
        {
            **{c: pa.array(v, type=pa.string()) for c, v in data.items()},
            "x": pa.array(x),
            "y": pa.array(y),
            "source": pa.array([SOURCE] * len(batch), type=pa.string()),
        }
    )
    return ctx.staging.insert_arrow("addresses", table)


# ------------------------------------------------------------------------------ lookups


_COORD_PAIRS = (
    ("etrs89koordinat_oest", "etrs89koordinat_nord", True),
    ("etrs89koordinat_øst", "etrs89koordinat_nord", True),
    ("x", "y", True),
    ("oest", "nord", True),
    ("wgs84koordinat_laengde", "wgs84koordinat_bredde", False),
    ("wgs84koordinat_længde", "wgs84koordinat_bredde", False),
    ("lon", "lat", False),
)


def coordinates(body: Any) -> tuple[float, float] | None:
    """The first coordinate pair in an Adressevælger detail answer, as EPSG:25832."""
    if isinstance(body, Mapping):
        for kx, ky, utm in _COORD_PAIRS:
            a, b = _float(body.get(kx)), _float(body.get(ky))
            if a is not None and b is not None:
                if not utm or (-180 <= a <= 180 and -90 <= b <= 90):
                    x, y = _to_utm().transform(a, b)
                    return float(x), float(y)
                return a, b
        for key in ("koordinater", "coordinates"):
            value = body.get(key)
            if (
                isinstance(value, list)
                and len(value) >= 2
                and all(_float(v) is not None for v in value[:2])
            ):
                return coordinates({"x": value[0], "y": value[1]})
        for value in body.values():
            if isinstance(value, Mapping | list):
                found = coordinates(value)
                if found:
                    return found
    elif isinstance(body, list):
        for value in body:
            found = coordinates(value)
            if found:
                return found
    return None


# ------------------------------------------------------------------------------ refresh


def refresh(ctx: RefreshContext) -> None:
    """The plugin's refresh function (manifest ``refresh = ".refresh:refresh"``)."""
    batch_rows = max(1, int(ctx.setting("batch_rows", 50_000)))
    register_url = str(ctx.setting("register_url", "") or "")
    graphql_url = str(ctx.setting("graphql_url", "") or "")
    download_url = str(ctx.setting("download_url", "") or "").rstrip("/")
    if sum(map(bool, (register_url, graphql_url, download_url))) > 1:
        raise PluginError(
            "[plugins.addresses]: sæt kun én af register_url, graphql_url og download_url"
        )
    register = "main.addresses"
    if register_url or graphql_url or download_url:
        ctx.progress(0.0, "adresseregister: henter")
        if register_url:
            load_register(ctx, register_url, batch_rows)
        elif download_url:
            load_downloads(ctx, download_url, batch_rows)
        else:
            load_graphql(ctx, graphql_url, batch_rows)
        register = ctx.staging.table("addresses", mode="replace")
    ctx.check_cancelled()

    companies = ctx.staging.table("companies", mode="upsert", key=["cvr", "pnr"])
    schema = companies.split(".")[0]
    todo = f'{schema}."address_todo"'
    ex = ctx.staging.execute
    key_sql = match_key_sql("street", "house_no", "postnr")
    ex(
        f"CREATE TABLE {todo} AS SELECT * EXCLUDE (rid), {key_sql} AS _key "
        "FROM main.companies WHERE x IS NULL OR y IS NULL"
    )
    total = ex(f"SELECT count(*) FROM {todo}")[0][0]
    ctx.progress(0.3, f"adresser: {dar.number(total)} virksomheder uden placering")
    for column in ("address_id", "access_id"):
        ex(
            f"""
            UPDATE {todo} AS t SET x = a.x, y = a.y, placement_note = NULL
            FROM (SELECT {column} AS id, any_value(x) AS x, any_value(y) AS y FROM {register}
                  WHERE {column} IS NOT NULL GROUP BY {column}) AS a
            WHERE t.x IS NULL AND t.address_id = a.id
            """
        )
    ex(
        f"""
        UPDATE {todo} AS t SET x = a.x, y = a.y, placement_note = NULL
        FROM (SELECT match_key, avg(x) AS x, avg(y) AS y FROM {register}
              WHERE match_key IS NOT NULL GROUP BY match_key) AS a
        WHERE t.x IS NULL AND t._key = a.match_key
        """
    )
    ctx.check_cancelled()

    ex(
        f"""
        UPDATE {todo} AS t SET placement_note = CASE
            WHEN t.address IS NULL THEN 'ikke placeret: ingen adresse'
            WHEN t.street IS NULL OR t._key IS NULL
                THEN 'ikke placeret: adressen mangler vej, husnummer eller postnummer'
            WHEN NOT EXISTS (SELECT 1 FROM {register} a WHERE a.postnr = t.postnr)
                THEN 'ikke placeret: postnummeret findes ikke i adresseregistret'
            ELSE 'ikke placeret: adressen findes ikke i adresseregistret' END
        WHERE t.x IS NULL
        """
    )

    base_url = str(ctx.setting("base_url", "") or "").rstrip("/")
    limit = int(ctx.setting("lookup_limit", 500))
    token = str(ctx.setting("token", "") or "")
    if base_url and token and limit > 0:  # Adressevælger requires a token
        client = Adressevaelger(ctx.session, base_url, token)
        pending = ex(
            f"SELECT cvr, pnr, address, _key FROM {todo} WHERE x IS NULL AND address IS NOT NULL "
            "AND street IS NOT NULL ORDER BY cvr, pnr LIMIT ?",
            [limit],
        )
        for i, (cvr, pnr, address, key) in enumerate(pending, start=1):
            ctx.check_cancelled()
            try:
                xy, reason = client.place(address, key)
            except AdressevaelgerError as exc:
                xy, reason = None, f"adresseopslag fejlede ({exc})"
            except requests.RequestException as exc:
                xy, reason = None, f"adresseopslag fejlede ({type(exc).__name__})"
            if xy:
                ex(
                    f"UPDATE {todo} SET x = ?, y = ?, placement_note = NULL "
                    "WHERE cvr = ? AND pnr IS NOT DISTINCT FROM ?",
                    [xy[0], xy[1], cvr, pnr],
                )
            elif reason != NOT_FOUND:  # "not found" keeps the more specific reason from SQL
                ex(
                    f"UPDATE {todo} SET placement_note = ? WHERE cvr = ? AND pnr IS NOT DISTINCT FROM ?",
                    [f"ikke placeret: {reason}", cvr, pnr],
                )
            ctx.progress(
                0.4 + 0.5 * i / max(1, len(pending)), f"adresseopslag {i} af {len(pending)}"
            )

    columns = [c for c in ctx.staging.columns("companies") if c != "rid"]
    col_list = ", ".join(f'"{c}"' for c in columns)
    ex(f"INSERT INTO {companies} ({col_list}) SELECT {col_list} FROM {todo}")
    placed = ex(f"SELECT count(*) FROM {todo} WHERE x IS NOT NULL")[0][0]
    ex(f"DROP TABLE {todo}")
    ctx.progress(1.0, f"adresser: {dar.number(placed)} af {dar.number(total)} placeret")
