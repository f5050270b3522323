# SQL here is built only from the staging table name the host returned and fixed column
# names; values always go in as parameters.
"""Refresh ``companies`` and ``company_history`` from CVR's system-to-system Elasticsearch.

Full load (first run, or ``mode = "full"``): scroll all of ``virksomhed`` and
``produktionsenhed``; pages are mapped in worker processes (``mappers.PageMapper``,
``page_mapping.map_page``; ``map_workers``) and written to the staging tables in Arrow
batches (``batch_rows``), so memory holds a few pages and batches whatever the size (about
2M documents): the next page, fetched meanwhile (``es.prefetched``), two pages a worker, and
at most two batches waiting for the writer thread (``writer.StagingWriter``: DuckDB inserts
overlap the mapping). Then, in SQL on the staging tables: company facts (status, form,
advertising protection) are copied onto the company's production-unit rows, and the
company's own row is dropped where production units exist (one row per production unit; a
company without known units keeps one row at its own address). Swap mode ``replace``.

Incremental (``mode = "auto"`` once a full load exists): the CVR numbers of documents with
``sidstOpdateret`` on or after the newest value in the cache (minus ``overlap_hours``) are
collected; all documents of those companies are fetched again (``terms`` queries in chunks)
and replace their rows (swap mode ``replace_where`` on the CVR numbers).

Placement: x/y are carried over from the live cache when the address is unchanged, else taken
from the local address register (``addresses``, by CVR's DAR ``adresseId``). What remains is
marked "ikke placeret" with the reason in ``placement_note``; the ``addresses`` plugin
geocodes those (street, number, postcode; Adressevælger).

An expired scroll context fails the run (PluginError); the previous data stays, and the next
run starts again from the beginning.

Completeness: every scroll reports the documents it received against ``hits.total``
(``ctx.received``); the host swaps nothing in unless they match. Unusable documents go to
``companies_rejects``; a page where most documents are unusable (at least
``MIN_PAGE_FOR_RATIO`` of them) or more than ``max_rejects`` rejects in a run fail it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from workbench.core.plugins.api import PluginError, RefreshContext

from . import mapping
from .es import Page, Scroll, prefetched, scroll_pages
from .interpreter import fewer_collections, quick_switches
from .mappers import PageMapper
from .page_mapping import COMPANY_INDEX, UNIT_INDEX, MappedPage
from .writer import StagingWriter

COMPANY_UPDATED = "Vrvirksomhed.sidstOpdateret"
UNIT_UPDATED = "VrproduktionsEnhed.sidstOpdateret"
COMPANY_CVR = "Vrvirksomhed.cvrNummer"
UNIT_CVR = "VrproduktionsEnhed.virksomhedsrelation.cvrNummer"

MIN_PAGE_FOR_RATIO = 10  # smaller pages say too little about the source to fail a run
DEFAULT_MAX_REJECTS = 10_000
DEFAULT_MAP_WORKERS = 2  # processes that map pages (mappers.py); 0: in this process


class _Batcher:
    """Collects mapped pages' tables and writes them to a staging table every ``size``
    rows (DuckDB inserts large batches cheaper a row)."""

    def __init__(self, ctx: RefreshContext, table: str, size: int, writer: StagingWriter):
        self.ctx = ctx
        self.writer = writer
        self.table = table
        self.size = size
        self.tables: list[pa.Table] = []
        self.rows = 0
        self.written = 0

    def add(self, table: pa.Table) -> None:
        if table.num_rows:
            self.tables.append(table)
            self.rows += table.num_rows
            if self.rows >= self.size:
                self.flush()

    def flush(self) -> None:
        tables, self.tables = self.tables, []
        rows, self.rows = self.rows, 0
        if not rows:
            return
        ctx, name = self.ctx, self.table
        # one chunk (joined on the writer's thread): DuckDB reads few large batches faster
        self.writer.submit(lambda: ctx.staging.insert_arrow(name, _joined(tables)))
        self.written += rows


def _joined(tables: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(tables).combine_chunks()


class _Loader:
    """Adds mapped pages to the staging batches, counting and rejecting."""

    def __init__(
        self,
        ctx: RefreshContext,
        batch_rows: int,
        writer: StagingWriter,
        max_rejects: int = DEFAULT_MAX_REJECTS,
    ):
        self.ctx = ctx
        self.writer = writer
        self.max_rejects = max_rejects
        self.companies = _Batcher(ctx, "companies", batch_rows, writer)
        self.history = _Batcher(ctx, "company_history", batch_rows, writer)
        self.seen = 0
        self.rejected = 0

    def add_page(self, kind: str, mapped: MappedPage) -> None:
        if mapped.rejects:
            seen, staging = self.seen, self.ctx.staging
            self.writer.submit(
                functools.partial(
                    staging.reject_many,
                    "companies",
                    [
                        {
                            "reason": r.reason,
                            "row_number": seen + r.index + 1,
                            "value": r.value,
                            "raw": r.raw,
                        }
                        for r in mapped.rejects
                    ],
                )
            )
        self.seen += mapped.hits
        self.rejected += len(mapped.rejects)
        self.companies.add(mapped.companies)
        self.history.add(mapped.history)
        bad, hits = len(mapped.rejects), mapped.hits
        if hits >= MIN_PAGE_FOR_RATIO and bad * 2 > hits:
            raise PluginError(
                f"CVR: {bad} af {hits} dokumenter på en side fra {kind} kunne ikke bruges "
                "(se companies_rejects); kørslen er stoppet, tidligere data er bevaret"
            )
        if self.rejected > self.max_rejects:
            raise PluginError(
                f"CVR: mere end {self.max_rejects} afviste dokumenter (max_rejects); "
                "kørslen er stoppet, tidligere data er bevaret"
            )

    def flush(self) -> None:
        """Write what is batched and wait until it is in the staging tables."""
        self.companies.flush()
        self.history.flush()
        self.writer.drain()


def _auth(ctx: RefreshContext) -> tuple[str, str] | None:
    user = ctx.setting("username", "")
    if not user:
        return None
    return str(user), str(ctx.setting("password", ""))


class EsSource:
    """Documents from the system-to-system Elasticsearch service (``source = "es"``).

    A Datafordeler GraphQL source would offer the same ``pages(kind, query)`` method,
    yielding pages whose ``raw`` bytes are shaped like an Elasticsearch answer
    (``{"hits": {"hits": [{"_source": {"Vrvirksomhed": {...}}}]}}``): that is what
    ``page_mapping.map_page`` reads.
    """

    def __init__(self, ctx: RefreshContext):
        self.ctx = ctx
        self.base_url = str(ctx.setting("base_url", required=True))
        self.auth = _auth(ctx)
        self.size = int(ctx.setting("page_size", 1000))
        self.scroll = str(ctx.setting("scroll", "5m"))

    def pages(
        self, kind: str, query: Mapping[str, Any], tally: Scroll | None = None
    ) -> Iterator[Page]:
        return scroll_pages(
            self.ctx.session,
            self.base_url,
            kind,
            query,
            size=self.size,
            scroll=self.scroll,
            auth=self.auth,
            tally=tally,
        )


def _stream(
    ctx: RefreshContext,
    source: EsSource,
    mapper: PageMapper,
    loader: _Loader,
    kind: str,
    query: Mapping[str, Any],
    span: tuple[float, float],
) -> None:
    lo, hi = span
    done = 0
    label = "virksomheder" if kind == COMPANY_INDEX else "produktionsenheder"
    tally = Scroll()
    pages = prefetched(source.pages(kind, query, tally))
    try:
        for page, mapped in mapper.map(_checked(ctx, kind, pages)):
            ctx.check_cancelled()
            loader.add_page(kind, mapped)
            done += mapped.hits
            fraction = lo + (hi - lo) * min(1.0, done / page.total) if page.total else None
            total = f" af {page.total:,}".replace(",", ".") if page.total else ""
            ctx.progress(fraction, f"CVR: {done:,}{total} {label}".replace(",", "."))
    finally:
        pages.close()  # clears the scroll context also when cancelled or failing
    ctx.received(f"CVR {label}", tally.received, tally.announced)


def _checked(
    ctx: RefreshContext, kind: str, pages: Iterator[Page]
) -> Iterator[tuple[str, bytes, Page]]:
    for page in pages:
        ctx.check_cancelled()
        yield kind, page.raw, page


def _finish_staged(ctx: RefreshContext, companies: str, refreshed_at: datetime) -> None:
    """SQL over the staged companies: company facts onto units, drop replaced company rows,
    carry over or look up x/y, mark what is not placed."""
    ex = ctx.staging.execute
    ex(
        f"""
        UPDATE {companies} AS u SET
            company_form = c.company_form,
            advertising_protected = coalesce(u.advertising_protected, c.advertising_protected),
            status = CASE WHEN c.status = 'Ophørt' OR u.status = 'Ophørt' THEN 'Ophørt'
                          ELSE coalesce(c.status, u.status) END,
            name = coalesce(u.name, c.name),
            started = coalesce(u.started, c.started)
        FROM {companies} AS c
        WHERE c.pnr IS NULL AND u.pnr IS NOT NULL AND u.cvr = c.cvr
        """
    )
    ex(
        f"""
        DELETE FROM {companies} AS c
        WHERE c.pnr IS NULL
          AND EXISTS (SELECT 1 FROM {companies} u WHERE u.pnr IS NOT NULL AND u.cvr = c.cvr)
        """
    )
    ex(f"UPDATE {companies} SET refreshed_at = ?", [refreshed_at])
    # Unchanged address: keep the placement the cache already has.
    ex(
        f"""
        UPDATE {companies} AS s SET x = l.x, y = l.y, placement_note = l.placement_note
        FROM (SELECT cvr, pnr, address, any_value(x) AS x, any_value(y) AS y,
                     any_value(placement_note) AS placement_note
              FROM main.companies WHERE x IS NOT NULL GROUP BY ALL) AS l
        WHERE l.cvr = s.cvr AND l.pnr IS NOT DISTINCT FROM s.pnr
          AND l.address IS NOT DISTINCT FROM s.address
        """
    )
    for column in ("address_id", "access_id"):
        ex(
            f"""
            UPDATE {companies} AS s SET x = a.x, y = a.y, placement_note = NULL
            FROM (SELECT {column} AS id, any_value(x) AS x, any_value(y) AS y
                  FROM main.addresses WHERE {column} IS NOT NULL AND x IS NOT NULL
                  GROUP BY {column}) AS a
            WHERE s.x IS NULL AND s.address_id = a.id
            """
        )
    ex(
        f"""
        UPDATE {companies} SET placement_note = CASE
            WHEN street IS NULL AND address IS NULL THEN 'ikke placeret: ingen adresse i CVR'
            WHEN street IS NULL THEN 'ikke placeret: adressen har ingen vej og husnummer'
            ELSE 'ikke placeret: afventer geokodning (adresser)' END
        WHERE x IS NULL
        """
    )


def _watermark(ctx: RefreshContext) -> datetime | None:
    rows = ctx.query("SELECT max(cvr_updated) FROM companies WHERE source = ?", [mapping.SOURCE])
    return rows[0][0] if rows and rows[0][0] is not None else None


def _changed_cvrs(
    ctx: RefreshContext, source: EsSource, mapper: PageMapper, since: str
) -> set[str]:
    """CVR numbers of companies changed since ``since`` (their own or a unit's document);
    unusable documents are rejected with their reason when the company is loaded."""
    cvrs: set[str] = set()
    for kind, field in ((COMPANY_INDEX, COMPANY_UPDATED), (UNIT_INDEX, UNIT_UPDATED)):
        tally = Scroll()
        pages = source.pages(kind, {"range": {field: {"gte": since}}}, tally)
        try:
            for _page, mapped in mapper.map(_checked(ctx, kind, pages)):
                cvrs.update(mapped.companies.column("cvr").to_pylist())
                ctx.progress(None, f"CVR: {len(cvrs)} ændrede virksomheder")
        finally:
            pages.close()
        # A change list cut short would leave changed companies out without a trace.
        ctx.received(f"CVR ændringer i {kind}", tally.received, tally.announced)
        _check_received(ctx)
    return cvrs


def _check_received(ctx: RefreshContext) -> None:
    """Stop at once when a scroll came back short (the host would refuse the swap anyway)."""
    short = [c.describe() for c in ctx.counts if not c.complete]
    if short:
        raise PluginError(f"CVR: ufuldstændig: {'; '.join(short)}; tidligere data er bevaret")


def refresh(ctx: RefreshContext) -> None:
    """The plugin's refresh function (manifest ``refresh = ".refresh:refresh"``)."""
    if str(ctx.setting("source", "es")) != "es":
        raise PluginError(
            f"CVR: kilden {ctx.setting('source')!r} understøttes ikke endnu (kun 'es')"
        )
    setting = ctx.setting("map_workers", DEFAULT_MAP_WORKERS)
    try:  # a number in TOML, text from an environment variable
        workers = -1 if isinstance(setting, bool) else int(str(setting).strip())
    except ValueError:
        workers = -1
    if workers < 0:
        raise PluginError(
            f"CVR: [plugins.cvr] map_workers skal være et helt tal, 0 eller flere (er {setting!r})"
        )
    writer = StagingWriter()
    try:
        with (
            PageMapper(workers, ctx.note, ctx.check_cancelled) as mapper,
            fewer_collections(),
            quick_switches(),
        ):
            _refresh(ctx, writer, mapper)
    finally:
        writer.close()


def _refresh(ctx: RefreshContext, writer: StagingWriter, mapper: PageMapper) -> None:
    source = EsSource(ctx)
    # 50k rows a batch: DuckDB inserts ~20% cheaper a row than at 10k; ~75 MB more at peak
    batch_rows = max(1, int(ctx.setting("batch_rows", 50_000)))
    mode = str(ctx.setting("mode", "auto"))
    if mode not in ("auto", "full", "incremental"):
        raise PluginError(f"CVR: ukendt mode {mode!r} (auto, full, incremental)")
    refreshed_at = datetime.now(UTC).replace(tzinfo=None)
    since = _watermark(ctx) if mode != "full" else None
    if mode == "incremental" and since is None:
        mode = "full"
    max_rejects = int(ctx.setting("max_rejects", DEFAULT_MAX_REJECTS))
    loader = _Loader(ctx, batch_rows, writer, max_rejects)

    if since is None:
        mapper.start()  # beside the staging tables and the first request
        companies = ctx.staging.table("companies", mode="replace")
        ctx.staging.table("company_history", mode="replace")
        _stream(ctx, source, mapper, loader, COMPANY_INDEX, {"match_all": {}}, (0.0, 0.5))
        _check_received(ctx)
        _stream(ctx, source, mapper, loader, UNIT_INDEX, {"match_all": {}}, (0.5, 0.95))
        _check_received(ctx)
    else:
        overlap = timedelta(hours=float(ctx.setting("overlap_hours", 24)))
        since_text = (since - overlap).strftime("%Y-%m-%dT%H:%M:%S")
        cvrs = sorted(_changed_cvrs(ctx, source, mapper, since_text))
        if not cvrs:
            ctx.progress(1.0, "CVR: ingen ændringer")
            return
        where = "list_contains(?::VARCHAR[], cvr)"
        companies = ctx.staging.table("companies", mode="replace_where", where=where, params=[cvrs])
        ctx.staging.table("company_history", mode="replace_where", where=where, params=[cvrs])
        chunk = max(1, int(ctx.setting("terms_chunk", 1000)))
        for i in range(0, len(cvrs), chunk):
            part = cvrs[i : i + chunk]
            numbers = [int(c) for c in part]
            span = (0.9 * i / len(cvrs), 0.9 * min(len(cvrs), i + chunk) / len(cvrs))
            _stream(
                ctx, source, mapper, loader, COMPANY_INDEX, {"terms": {COMPANY_CVR: numbers}}, span
            )
            _stream(ctx, source, mapper, loader, UNIT_INDEX, {"terms": {UNIT_CVR: numbers}}, span)
    loader.flush()
    ctx.check_cancelled()
    if since is None and loader.seen == 0:
        raise PluginError("CVR: søgningen gav ingen dokumenter; tidligere data er bevaret")
    if loader.seen and loader.companies.written == 0:
        raise PluginError(
            f"CVR: ingen af {loader.seen} dokumenter kunne bruges (se companies_rejects)"
        )
    ctx.progress(0.96, "CVR: samler produktionsenheder og placerer adresser")
    _finish_staged(ctx, companies, refreshed_at)
    ctx.progress(1.0, f"CVR: {loader.seen} dokumenter, {loader.rejected} afvist")
