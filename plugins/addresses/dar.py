"""Danmarks Adresseregister (DAR) from Datafordeler, into the register table ``addresses``.

Two sources give the same entities, written to scratch tables and joined in SQL:

- the file download ("Fildownload", JSON; plain or in a ZIP): one object whose keys are
  entity lists (``HusnummerList``, ``AdressepunktList``, ``NavngivenVejList``,
  ``PostnummerList``, ``AdresseList``, ``NavngivenVejKommunedelList``, ...), or one file per
  entity holding a bare list. Files are several GB, so they are read as a stream of JSON
  events (ijson's C parser) and only the fields below are kept, in batches; memory holds one
  batch per entity whatever the file size. The file may carry history: only the current
  version of each object is used (no ``registreringTil``, ``virkningFra``..``virkningTil``
  around now, status not 4 "nedlagt" / 5 "henlagt").
- the GraphQL service (``DAR_Husnummer(first, after, registreringstid, virkningstid)`` with
  cursor paging): the service returns current versions only.

A house number (Husnummer = adgangsadresse) is placed at its access point (Adressepunkt,
``POINT(x y)`` in EPSG:25832) and named by its road (NavngivenVej) and postcode
(Postnummer). Each current unit address (Adresse) becomes one register row with both ids,
and each house number without unit addresses one row with only ``access_id``; so CVR's
``adresseId`` matches whichever DAR id it holds. A house number that cannot be placed or
named goes to ``addresses_rejects`` with the reason.
"""

# SQL here is built from fixed entity/column names and the host's scratch names; values go in
# as parameters.

from __future__ import annotations

import json
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import ijson
import pyarrow as pa

from workbench.core.plugins.api import PluginError, RefreshContext

from .normalize import house_key_sql, match_key_sql

COMMON = (
    "id_lokalId",
    "status",
    "registreringFra",
    "registreringTil",
    "virkningFra",
    "virkningTil",
)


@dataclass(frozen=True)
class Entity:
    key: str  # scratch table name
    list_name: str  # key in the file download
    graphql: str | None  # GraphQL query field, None when not fetched there
    fields: tuple[str, ...]  # own fields kept (besides COMMON)
    required: bool

    @property
    def columns(self) -> tuple[str, ...]:
        return COMMON + self.fields

    @property
    def graphql_selection(self) -> str:
        own = " ".join("position { wkt }" if f == "position" else f for f in self.fields)
        return f"id_lokalId status {own}"


ENTITIES = (
    Entity(
        "husnummer",
        "HusnummerList",
        "DAR_Husnummer",
        ("husnummertekst", "navngivenVej", "postnummer", "adgangspunkt"),
        True,
    ),
    Entity("adressepunkt", "AdressepunktList", "DAR_Adressepunkt", ("position",), True),
    Entity("navngivenvej", "NavngivenVejList", "DAR_NavngivenVej", ("vejnavn",), True),
    Entity("postnummer", "PostnummerList", "DAR_Postnummer", ("postnr", "navn"), True),
    Entity("adresse", "AdresseList", "DAR_Adresse", ("husnummer",), False),
    Entity(
        "vejkommunedel",
        "NavngivenVejKommunedelList",
        "DAR_NavngivenVejKommunedel",
        ("navngivenVej", "kommune"),
        False,
    ),
)
BY_LIST = {e.list_name: e for e in ENTITIES}
ZIP_MAGIC = b"PK\x03\x04"
BOM = b"\xef\xbb\xbf"
SCALARS = frozenset(("string", "number", "boolean", "null"))
_DAR_OBJECT = re.compile(rb'^\s*\{\s*"[^"]*List"\s*:')
READ_SIZE = 1 << 20


def text(value: Any) -> str | None:
    """A DAR value as text: ids, codes and WKT as given; numbers without a trailing .0."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict) and "wkt" in value:
        return text(value["wkt"])
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# ------------------------------------------------------------------------------ collecting


class Collector:
    """Rows per entity, written to the run's scratch tables every ``batch_rows``."""

    def __init__(self, ctx: RefreshContext, batch_rows: int):
        self.ctx = ctx
        self.batch_rows = batch_rows
        self.rows: dict[str, list[tuple[str | None, ...]]] = {e.key: [] for e in ENTITIES}
        self.counts: dict[str, int] = dict.fromkeys(self.rows, 0)
        self.tables = {e.key: self._write(e, []) for e in ENTITIES}  # created empty

    def add(self, entity: Entity, values: tuple[str | None, ...]) -> None:
        rows = self.rows[entity.key]
        rows.append(values)
        if len(rows) >= self.batch_rows:
            self.flush(entity)

    def flush(self, entity: Entity) -> None:
        rows = self.rows[entity.key]
        if rows:
            self._write(entity, rows)
            self.counts[entity.key] += len(rows)
            rows.clear()
        self.ctx.check_cancelled()

    def finish(self) -> None:
        for entity in ENTITIES:
            self.flush(entity)

    def _write(self, entity: Entity, rows: list[tuple[str | None, ...]]) -> str:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in entity.columns]
        table = pa.table(
            {c: pa.array(v, type=pa.string()) for c, v in zip(entity.columns, columns, strict=True)}
        )
        return self.ctx.staging.scratch(f"dar_{entity.key}", table)


# ------------------------------------------------------------------------------ file download


def number(n: int) -> str:
    """A count the Danish way: 1.234.567."""
    return f"{n:,}".replace(",", ".")


def sniff(path: Path) -> str:
    """What a register file is: ``"zip"``, ``"dar"`` (DAR JSON: an object of lists, or a bare
    list), ``"xml"`` or ``"flat"`` (CSV, or JSON lines: the first line is a whole object)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if head.startswith(ZIP_MAGIC):
        return "zip"
    text_head = head.removeprefix(BOM).lstrip()
    if text_head.startswith(b"<"):
        return "xml"
    if text_head.startswith(b"["):
        return "dar"
    if text_head.startswith(b"{"):
        first_line = text_head.split(b"\n", 1)[0]
        try:
            json.loads(first_line)
        except ValueError:
            return "dar"  # the object goes on past the first line: not JSON lines
        return "dar" if _DAR_OBJECT.match(text_head) else "flat"
    return "flat"


class _Progress:
    """A binary stream that counts what was read, reports it and honours cancellation; the
    bytes given as ``head`` (already read to peek) come first."""

    def __init__(
        self,
        raw: IO[bytes],
        head: bytes,
        report: Callable[[int], None],
        check: Callable[[], None],
    ):
        self.raw, self.pending, self.report, self.check = raw, head, report, check
        self.done = len(head)
        self._next_report = 0

    def read(self, n: int = -1) -> bytes:
        if n == 0:  # ijson probes with read(0) for bytes or str
            return b""
        if self.pending:
            data, self.pending = self.pending, b""
            return data
        self.check()
        data = self.raw.read(n)
        self.done += len(data)
        if self.done >= self._next_report:
            self._next_report = self.done + (32 << 20)
            self.report(self.done)
        return data


def _entity_for_member(name: str) -> Entity | None:
    """The entity of a one-entity file named like ``DAR_Husnummer_20261101.json``: a word of
    the name (split at ``_``, ``-``, ``.``, spaces) equals the entity's name."""
    words = {w.lower() for w in re.split(r"[\W_]+", Path(name).stem) if w}
    return next((e for e in ENTITIES if e.list_name[: -len("List")].lower() in words), None)


def read_dar_file(
    ctx: RefreshContext, path: Path, collector: Collector, label: str, kind: str | None = None
) -> list[str]:
    """Stream every DAR entity list of ``path`` (JSON or ZIP) into the collector; ``kind`` is
    what :func:`sniff` said, when the caller asked already.

    Returns the names of the lists found (for the check that the required ones were there).
    """
    kind = kind or sniff(path)
    if kind == "xml":
        raise PluginError(f"{label}: {path.name} er XML; bestil DAR-fildownloaden som JSON")
    if kind != "zip":
        with path.open("rb") as raw:
            return _parse(ctx, raw, path.name, collector, label, 0, path.stat().st_size)
    found: list[str] = []
    try:
        with zipfile.ZipFile(path) as zf:
            members = [
                m
                for m in zf.infolist()
                if not m.is_dir()
                and m.filename.lower().endswith(".json")
                and "metadata" not in m.filename.lower()
            ]
            if not members:
                raise PluginError(f"{label}: ZIP-filen indeholder ingen JSON-fil med DAR-data")
            total = sum(m.file_size for m in members)
            done = 0
            for member in members:
                # A bare list in a one-entity ZIP (DAR_V3_<Entity>_..._Current_<n>.zip) is
                # of the ZIP's entity whatever the member is called.
                name = member.filename
                if _entity_for_member(name) is None and _entity_for_member(path.name):
                    name = path.stem + ".json"
                with zf.open(member) as raw:
                    found += _parse(ctx, raw, name, collector, label, done, total)
                done += member.file_size
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise PluginError(
            f"{label}: ZIP-filen {path.name} er ufuldstændig eller beskadiget "
            f"(afbrudt download?): {exc}"
        ) from exc
    return found


def _parse(
    ctx: RefreshContext,
    raw: IO[bytes],
    name: str,
    collector: Collector,
    label: str,
    offset: int,
    total: int,
) -> list[str]:
    def report(done: int) -> None:
        share = min(1.0, (offset + done) / max(1, total))
        entries = sum(collector.counts.values()) + sum(len(r) for r in collector.rows.values())
        ctx.progress(0.25 * share, f"{label}: {share:.0%} læst, {number(entries)} poster")

    head = raw.read(1 << 16)
    if head.startswith(BOM):  # ijson does not accept a byte order mark
        head = head[len(BOM) :]
    root = head.lstrip()[:1]
    if root == b"[":
        entity = _entity_for_member(name)
        if entity is None:  # e.g. a list of an entity that is not needed
            ctx.progress(None, f"{label}: {name} springes over (ikke en DAR-type der bruges)")
            return []
        roots = {"item": entity}
    elif root == b"{":
        roots = {f"{e.list_name}.item": e for e in ENTITIES}
    elif not root:
        return []
    else:
        raise PluginError(f"{label}: {name} er ikke JSON fra DAR")

    # prefix of a kept field -> (entity, column index); prefix of an entry -> entity
    fields: dict[str, tuple[Entity, int]] = {}
    for prefix, entity in roots.items():
        for i, column in enumerate(entity.columns):
            fields[f"{prefix}.{column}"] = (entity, i)
    current = {e.key: [None] * len(e.columns) for e in roots.values()}
    top_keys: list[str] = []
    stream = _Progress(raw, head, report, ctx.check_cancelled)
    try:
        for prefix, event, value in ijson.parse(stream, buf_size=READ_SIZE, use_float=True):
            hit = fields.get(prefix)
            if hit is not None:
                if event in SCALARS:
                    current[hit[0].key][hit[1]] = value
                elif event == "start_map":  # e.g. {"wkt": ...}: keep the nested wkt
                    fields.setdefault(f"{prefix}.wkt", hit)
            elif event == "end_map":
                entity = roots.get(prefix)
                if entity is not None:
                    values = current[entity.key]
                    collector.add(entity, tuple(text(v) for v in values))
                    current[entity.key] = [None] * len(entity.columns)
            elif event == "map_key" and prefix == "" and root == b"{":
                top_keys.append(value)
    except ijson.JSONError as exc:
        raise PluginError(
            f"{label}: {name} er ikke gyldig JSON efter {number(stream.done)} byte "
            f"(afbrudt download?): {exc}"
        ) from exc
    report(stream.done)
    if root == b"[":
        return [roots["item"].list_name]
    return [k for k in top_keys if k in BY_LIST]


# ------------------------------------------------------------------------------ GraphQL

QUERY = """query($first: Int!, $after: String, $tid: DafDateTime!) {
  %s(first: $first, after: $after, registreringstid: $tid, virkningstid: $tid) {
    pageInfo { hasNextPage endCursor }
    nodes { %s }
  }
}"""


GRAPHQL_URL = "https://graphql.datafordeler.dk/DAR/v2"
MAX_PAGE = 1000  # Datafordeler's GraphQL answers at most 1000 nodes a page


def read_graphql(
    ctx: RefreshContext, url: str, api_key: str, page_size: int, collector: Collector
) -> list[str]:
    """Page through every entity of the DAR GraphQL service into the collector.

    The key goes as the query parameter ``apiKey``; ``virkningstid`` (required by the
    service) and ``registreringstid`` are always sent; pages hold at most :data:`MAX_PAGE`.
    """
    page_size = max(1, min(MAX_PAGE, page_size))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    params = {"apiKey": api_key} if api_key else None
    found = []
    for n, entity in enumerate(e for e in ENTITIES if e.graphql):
        after: str | None = None
        seen: set[str] = set()
        pages = 0
        while True:
            body = {
                "query": QUERY % (entity.graphql, entity.graphql_selection),
                "variables": {"first": page_size, "after": after, "tid": now},
            }
            response = ctx.session.post(url, params=params, json=body)
            data = _graphql_data(response, entity, url)
            nodes = data.get("nodes")
            info = data.get("pageInfo")
            if not isinstance(nodes, list) or not isinstance(info, dict):
                raise PluginError(
                    f"DAR GraphQL: {entity.graphql} svarede uden nodes eller pageInfo "
                    f"(side {pages + 1}); tidligere register er bevaret"
                )
            for node in nodes:
                if isinstance(node, dict):
                    collector.add(entity, tuple(text(node.get(c)) for c in entity.columns))
            pages += 1
            ctx.progress(0.25 * n / len(ENTITIES), f"DAR GraphQL: {entity.graphql} side {pages}")
            ctx.check_cancelled()
            if not info.get("hasNextPage"):
                break
            cursor = info.get("endCursor")
            if not nodes or not cursor or str(cursor) in seen:
                raise PluginError(
                    f"DAR GraphQL: {entity.graphql} side {pages} siger, at der er flere sider, "
                    "men giver ingen nye objekter eller ingen ny endCursor"
                )
            after = str(cursor)
            seen.add(after)
        found.append(entity.list_name)
    return found


def _graphql_data(response: Any, entity: Entity, url: str) -> dict[str, Any]:
    where = url.split("?")[0]
    if response.status_code in (401, 403):
        raise PluginError(
            f"DAR GraphQL: HTTP {response.status_code} fra {where}; "
            "tjek [plugins.addresses] api_key (WORKBENCH__PLUGINS__ADDRESSES__API_KEY)"
        )
    if response.status_code != 200:
        raise PluginError(f"DAR GraphQL: HTTP {response.status_code} fra {where}")
    try:
        payload = response.json()
    except ValueError as exc:
        raise PluginError(f"DAR GraphQL: svaret fra {where} er ikke JSON") from exc
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if errors:
        messages = "; ".join(
            str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors[:3]
        )
        raise PluginError(f"DAR GraphQL: {entity.graphql}: {messages}")
    data = (payload.get("data") or {}).get(entity.graphql) if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        raise PluginError(f"DAR GraphQL: svaret mangler data.{entity.graphql}")
    return data


# ------------------------------------------------------------------------------ joining


# DAR's life cycle codes (danmarksadresser.dk): 1 intern forberedelse, 2 foreløbig,
# 3 gældende, 4 nedlagt, 5 henlagt, 6 slettet, 7 ikke i brug, 8 i brug, 9 udgået.
# Objects that exist are 2 and 3 (addresses, house numbers, roads), 7 and 8 (points).
ENDED_STATUS = ("1", "4", "5", "6", "9")
MIN_FOR_SHARE_CHECK = 1000  # house numbers; below, a mostly rejected extract still loads


def _ts(column: str) -> str:
    """A bitemporal timestamp column as TIMESTAMPTZ; empty text counts as open (NULL)."""
    return f"TRY_CAST(nullif(trim({column}), '') AS TIMESTAMPTZ)"


def _bad_ts(column: str) -> str:
    """True when ``column`` holds text that is not a timestamp."""
    return f"(nullif(trim({column}), '') IS NOT NULL AND {_ts(column)} IS NULL)"


def _current(table: str) -> str:
    """The current version of each object in a scratch table (parameter: now, twice)."""
    ended = ", ".join(f"'{s}'" for s in ENDED_STATUS)
    return f"""(SELECT * FROM {table}
        WHERE id_lokalId IS NOT NULL AND nullif(trim(registreringTil), '') IS NULL
          AND (nullif(trim(virkningTil), '') IS NULL OR {_ts("virkningTil")} > ?::TIMESTAMPTZ)
          AND (nullif(trim(virkningFra), '') IS NULL OR {_ts("virkningFra")} <= ?::TIMESTAMPTZ)
          AND coalesce(status, '') NOT IN ({ended})
        QUALIFY row_number() OVER (PARTITION BY id_lokalId
            ORDER BY {_ts("virkningFra")} DESC NULLS LAST,
                     {_ts("registreringFra")} DESC NULLS LAST) = 1)"""


def build_register(
    ctx: RefreshContext, collector: Collector, found: list[str], label: str
) -> tuple[int, int]:
    """Join the entities into the staged ``addresses``; returns (rows, rejected house numbers)."""
    missing = [e.list_name for e in ENTITIES if e.required and e.list_name not in found]
    if missing:
        raise PluginError(
            f"{label}: udtrækket mangler {', '.join(missing)}; tidligere register er bevaret"
        )
    t = collector.tables
    now = datetime.now(UTC)
    staged = ctx.staging.table("addresses", mode="replace")
    schema = staged.split(".")[0]
    placed = f'{schema}."dar_placed"'
    ex = ctx.staging.execute
    ctx.progress(0.27, f"{label}: samler adresserne")
    point = r"^\s*(?:SRID=\d+;\s*)?POINT\s*Z?\s*\(\s*(\S+)\s+([^\s)]+)"
    ex(
        f"""
        CREATE TABLE {placed} AS
        WITH hn AS {_current(t["husnummer"])},
        ap AS (SELECT id_lokalId AS id,
                      TRY_CAST(regexp_extract(position, '{point}', 1) AS DOUBLE) AS x,
                      TRY_CAST(regexp_extract(position, '{point}', 2) AS DOUBLE) AS y
               FROM {_current(t["adressepunkt"])}),
        vej AS (SELECT id_lokalId AS id, vejnavn FROM {_current(t["navngivenvej"])}),
        pn AS (SELECT id_lokalId AS id, postnr FROM {_current(t["postnummer"])}),
        kd AS (SELECT navngivenVej AS id,
                      CASE WHEN count(DISTINCT kommune) = 1 THEN any_value(kommune) END AS kommune
               FROM {_current(t["vejkommunedel"])} GROUP BY navngivenVej)
        SELECT hn.id_lokalId AS access_id, vej.vejnavn AS street,
               {house_key_sql("hn.husnummertekst")} AS house_no,
               CASE WHEN regexp_full_match(pn.postnr, '\\d{{1,4}}') THEN lpad(pn.postnr, 4, '0') END
                   AS postnr,
               CASE WHEN regexp_full_match(kd.kommune, '\\d{{1,4}}') THEN lpad(kd.kommune, 4, '0') END
                   AS kommune_kode,
               ap.x, ap.y,
               hn.husnummertekst, hn.navngivenVej, hn.postnummer, hn.adgangspunkt,
               CASE
                   WHEN hn.adgangspunkt IS NULL THEN 'husnummeret har intet adgangspunkt'
                   WHEN ap.id IS NULL THEN 'adgangspunktet findes ikke i udtrækket'
                   WHEN ap.x IS NULL OR ap.y IS NULL THEN 'adgangspunktet har ingen gyldig position'
                   WHEN vej.id IS NULL THEN 'vejen (navngivenVej) findes ikke i udtrækket'
                   WHEN pn.id IS NULL THEN 'postnummeret findes ikke i udtrækket'
                   WHEN pn.postnr IS NULL OR NOT regexp_full_match(pn.postnr, '\\d{{1,4}}')
                       THEN 'postnummeret er ugyldigt'
                   WHEN vej.vejnavn IS NULL OR trim(vej.vejnavn) = '' THEN 'vejen har intet navn'
                   WHEN {house_key_sql("hn.husnummertekst")} IS NULL
                       THEN 'husnummerteksten er tom eller ugyldig'
               END AS reason
        FROM hn
        LEFT JOIN ap ON ap.id = hn.adgangspunkt
        LEFT JOIN vej ON vej.id = hn.navngivenVej
        LEFT JOIN pn ON pn.id = hn.postnummer
        LEFT JOIN kd ON kd.id = hn.navngivenVej
        """,
        [now, now] * 5,
    )
    ctx.check_cancelled()
    # House numbers whose dates cannot be read would vanish from the current versions: say so.
    ex(
        f"""
        INSERT INTO {placed} (access_id, husnummertekst, navngivenVej, postnummer, adgangspunkt,
                              reason)
        SELECT id_lokalId, husnummertekst, navngivenVej, postnummer, adgangspunkt,
               'ugyldig registrerings- eller virkningstid'
        FROM {t["husnummer"]}
        WHERE {_bad_ts("virkningFra")} OR {_bad_ts("virkningTil")}
           OR {_bad_ts("registreringTil")}
        """
    )
    total, rejected = ex(f"SELECT count(*), count(reason) FROM {placed}")[0]
    if total >= MIN_FOR_SHARE_CHECK and rejected > total / 2:  # a broken or wrong file
        top = ex(
            f"SELECT reason, count(*) AS n FROM {placed} WHERE reason IS NOT NULL "
            "GROUP BY reason ORDER BY n DESC LIMIT 1"
        )[0]
        _reject_house_numbers(ctx, placed, limit=1000)
        raise PluginError(
            f"{label}: {number(rejected)} af {number(total)} husnumre kan ikke bruges "
            f"(oftest: {top[0]}, {number(top[1])}); tidligere register er bevaret"
        )
    _reject_house_numbers(ctx, placed, limit=None)
    ctx.progress(0.3, f"{label}: skriver registret")
    key = match_key_sql("p.street", "p.house_no", "p.postnr")
    ex(
        f"""
        INSERT INTO {staged}
            (address_id, access_id, street, house_no, postnr, kommune_kode, match_key, x, y, source)
        WITH ad AS (SELECT id_lokalId, husnummer FROM {_current(t["adresse"])}),
        ok AS (SELECT * FROM {placed} WHERE reason IS NULL)
        SELECT ad.id_lokalId, p.access_id, p.street, p.house_no, p.postnr, p.kommune_kode,
               {key}, p.x, p.y, 'dar'
        FROM ok p JOIN ad ON ad.husnummer = p.access_id
        UNION ALL
        SELECT NULL, p.access_id, p.street, p.house_no, p.postnr, p.kommune_kode, {key}, p.x, p.y,
               'dar'
        FROM ok p WHERE NOT EXISTS (SELECT 1 FROM ad WHERE ad.husnummer = p.access_id)
        """,
        [now, now],
    )
    ex(f"DROP TABLE {placed}")
    rows = ex(f"SELECT count(*) FROM {staged}")[0][0]
    if rows == 0:
        raise PluginError(f"{label}: ingen brugbare adresser; tidligere register er bevaret")
    return int(rows), int(rejected)


def _reject_house_numbers(ctx: RefreshContext, placed: str, limit: int | None) -> None:
    """The unusable house numbers to ``addresses_rejects``, read in chunks (there may be many)."""
    chunk = 50_000
    offset = 0
    while limit is None or offset < limit:
        size = chunk if limit is None else min(chunk, limit - offset)
        rows = ctx.staging.execute(
            f"SELECT access_id, reason, husnummertekst, navngivenVej, postnummer, adgangspunkt "
            f"FROM {placed} WHERE reason IS NOT NULL ORDER BY access_id, reason "
            "LIMIT ? OFFSET ?",
            [size, offset],
        )
        ctx.staging.reject_many(
            "addresses",
            (
                {
                    "reason": reason,
                    "field": "husnummer",
                    "value": access_id,
                    "raw": {
                        "id_lokalId": access_id,
                        "husnummertekst": house,
                        "navngivenVej": road,
                        "postnummer": post,
                        "adgangspunkt": point_id,
                    },
                }
                for access_id, reason, house, road, post, point_id in rows
            ),
        )
        offset += len(rows)
        if len(rows) < size:
            break
