"""Running an import as a plugin-style source on the plugin host.

The import is a plugin defined in code (``import_candidates`` / ``import_collaborations``)
that the :class:`~workbench.core.plugins.host.PluginHost` runs like any refresh: a
``refresh_log`` row, staging, ``<table>_rejects``, and the swap in one transaction with
``replace_where jobcenter IN (...)`` (an import is a snapshot of those jobcenters). The
file is read and checked on a private in-memory DuckDB connection first, so a CPR number in
the file never reaches the cache file, not even its staging schema.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from workbench.core import retention
from workbench.core.cache import scratch_connection
from workbench.core.config import Settings, load_settings
from workbench.core.errors import FilterError, WorkbenchError
from workbench.core.plugins.api import Cancelled, Manifest, PluginError, RefreshContext
from workbench.core.plugins.host import (
    PluginHost,
    plugin_from_function,
)
from workbench.core.scrub import forget_deleted

from ..store import Store
from .cpr import mask_cpr_in
from .profiles import load_profile
from .reader import (
    ImportCancelled,
    RawLoad,
    TableFile,
    inspect_file,
    load_raw,
    quotes_unbalanced,
    unclosed_quote,
)
from .rejects_store import RejectsLocation, RejectsRecorder, location
from .spec import (
    TARGET_TABLE,
    ImportKind,
    ImportRefused,
    TooManyRejects,
    check_kind,
    resolve_mapping,
)
from .validate import Taxonomy, Validator, reason_text

log = logging.getLogger(__name__)
ProgressFn = Callable[[float | None, str], None]
SUMMARY_REJECTS = 1000  # reject records kept in the summary (the wizard's table)
TRANSFER_ROWS = 100_000  # rows per Arrow batch from the check connection into staging
# An export with more rejected rows than this share (and more than one) is probably broken
# (a shifted column, a wrong encoding, a cut-off file): an import is a snapshot, so every
# rejected row is a candidate that disappears. Refused unless the user confirms.
MAX_REJECT_SHARE = 0.10


class ImportFailed(WorkbenchError):
    """The import failed for another reason than the file (the cache is unchanged)."""


@dataclass
class ImportSummary:
    kind: ImportKind
    file: str
    run_id: str
    format: str
    accepted: int
    rejected: int  # rows
    rejects_file: str | None  # the encrypted rejects file beside the cache (run_id's rows)
    unresolved: dict[str, dict[str, int]]
    unplaced: int
    jobcenters: list[str]
    rejects: list[dict[str, Any]] = field(default_factory=list)  # first SUMMARY_REJECTS records
    # Jobcenters in the file none of whose rows could be used: their previous data is kept.
    jobcenters_unchanged: list[str] = field(default_factory=list)
    # Where the run's rejected rows are kept (encrypted as the cache): read them with
    # :func:`.rejects_store.read_run` (the wizard does).
    rejects_location: RejectsLocation | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": self.rejected,
            "rejects_file": self.rejects_file,
            "unresolved": self.unresolved,
            "unplaced": self.unplaced,
            "jobcenters": self.jobcenters,
            "jobcenters_unchanged": self.jobcenters_unchanged,
            "kind": self.kind,
            "file": mask_cpr_in(self.file),
            "format": self.format,
            "run_id": self.run_id,
        }


# The tables an import replaces rows of, with the ones derived from them.
_REWRITTEN: dict[str, tuple[str, ...]] = {
    "candidates": ("candidates", "candidate_occupations", "candidate_qualifications"),
    "collaborations": ("collaborations", "company_collaborations"),
}


def _jobcenter_code(value: str) -> str:
    """Jobcenters are named by their municipality's 4-digit code ('101' -> '0101')."""
    text = value.strip()
    if not text.isdigit() or len(text) > 4:
        raise FilterError(f"--jobcenter must be a municipality code of 1-4 digits, got {value!r}")
    return text.zfill(4)


def plugin_id(kind: ImportKind) -> str:
    return f"import_{kind}"


def manifest(kind: ImportKind) -> Manifest:
    return Manifest(
        id=plugin_id(kind),
        name=f"Import of {kind} (case system / CRM export)",
        source="file",
        licence="the jobcenter's own data",
        attribution="",
        tables=(TARGET_TABLE[kind],),
        refresh="workbench.core.imports.runner:import_file",  # not imported: plugin_from_function
    )


def _taxonomy(ctx: RefreshContext) -> Taxonomy:
    return Taxonomy(
        occupations=[
            (c, t, a) for c, t, a in ctx.query("SELECT code, title, aliases FROM occupations", [])
        ],
        qualifications=[(c, t) for c, t in ctx.query("SELECT code, title FROM qualifications", [])],
        municipalities=[r[0] for r in ctx.query("SELECT kode FROM municipalities", [])],
    )


def _record_rejects(ctx: RefreshContext, target: str, rejects: list[dict[str, Any]]) -> None:
    """Write the reject records to ``<target>_rejects`` through the host (set-based)."""
    ctx.staging.reject_many(
        target,
        (
            {
                "reason": reason_text(r["code"], r["detail"], "en"),
                "row_number": r["row"],
                "field": "(row)" if r["column"] == "(række)" else r["column"],
                "value": r["value"],
                "raw": r["values"] or None,
            }
            for r in rejects
        ),
    )


def import_file(
    cache: duckdb.DuckDBPyConnection | str | Path,
    path: str | Path,
    kind: str,
    *,
    mapping: dict[str, str] | None = None,
    profile: str | None = None,
    jobcenter: str | None = None,
    lang: str = "en",
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    settings: Settings | None = None,
    today: date | None = None,
    accept_rejects: bool = False,
) -> ImportSummary:
    """Import ``path`` into the cache as a snapshot of the jobcenter(s) it holds.

    A file whose rejected rows exceed :data:`MAX_REJECT_SHARE` raises :class:`TooManyRejects`
    unless ``accept_rejects``; a file that cannot prove it was read whole (an unclosed quote,
    a cut-off last row) is refused.

    Raises :class:`ImportRefused` (file refused whole; the cache's data is unchanged),
    :class:`ImportCancelled`, :class:`~.profiles.ProfileError` or :class:`ImportFailed`.
    Rows with problems are rejected (``<table>_rejects`` and the encrypted rejects file
    beside the cache, :mod:`.rejects_store`, which keeps them also when the import is
    refused); the rest load.
    ``today`` (default: ``date.today()``) is the day after which ``ledig_siden`` and
    ``cv_opdateret`` are rejected and Excel date serials are implausible.
    """
    kind = check_kind(kind)
    source = Path(path)
    jobcenter = _jobcenter_code(jobcenter) if jobcenter else None
    own = not isinstance(cache, duckdb.DuckDBPyConnection)
    con = Store.open(cache).con if own else cache  # type: ignore[arg-type]
    try:
        full_mapping: dict[str, str] = {}
        if profile:
            full_mapping.update(load_profile(con, profile, kind).mapping)
        if mapping:
            full_mapping.update(mapping)
        state: dict[str, Any] = {}

        def refresh(ctx: RefreshContext) -> None:
            try:
                state["summary"] = _run(
                    ctx,
                    source,
                    kind,
                    full_mapping,
                    jobcenter,
                    location(con),
                    lang,
                    today,
                    accept_rejects,
                )
            except ImportRefused as exc:
                state["refused"] = exc
                raise PluginError(exc.message) from None
            except ImportCancelled:
                raise Cancelled("afbrudt af brugeren") from None
            except (PluginError, Cancelled):
                raise
            except Exception as exc:
                # The host would store the message in refresh_log: mask it first (the
                # traceback goes to the log, which masks too).
                log.exception("import of %s failed", source.name)
                raise PluginError(mask_cpr_in(f"{type(exc).__name__}: {exc}")) from None

        def on_progress(_pid: str, fraction: float | None, message: str) -> None:
            if progress is not None:
                progress(fraction, message)

        settings = settings if settings is not None else load_settings()
        host = PluginHost(
            con,
            settings,
            plugins=[plugin_from_function(manifest(kind), refresh, core=True)],
        )
        result = host.run(plugin_id(kind), on_progress=on_progress, cancel=cancel)
        if result.status == "ok":
            if kind == "candidates" and "summary" in state:
                # The snapshot confirms its jobcenters' candidates; then the retention runs.
                retention.confirm(con, state["summary"].jobcenters, datetime.now())
                retention.purge_at_start(con, settings)  # a failed purge is logged, not fatal
            # The replaced (and purged) rows leave the file's bytes too, not only the table.
            forget_deleted(con, _REWRITTEN[TARGET_TABLE[kind]])
    finally:
        if own:
            con.close()
    if "refused" in state:
        raise state["refused"]
    if result.status == "cancelled":
        raise ImportCancelled()
    if result.status != "ok":
        raise ImportFailed(f"import failed: {result.message}")
    summary: ImportSummary = state["summary"]
    summary.run_id = result.run_id
    return summary


def _refuse_incomplete(mem: duckdb.DuckDBPyConnection, tf: TableFile, raw: RawLoad) -> None:
    """An import that cannot prove it read the whole file replaces nothing: a rejected row
    that spans several lines swallowed them (an unclosed quote), and a rejected last row
    without a line break after it is a cut-off file."""
    rejected = {r[0] for r in mem.execute("SELECT DISTINCT __row FROM rej").fetchall()}
    for number in sorted(set(raw.multiline) & rejected):
        span = raw.multiline[number]
        raise unclosed_quote(tf, number, *(span or (None, None)))
    if rejected and quotes_unbalanced(tf):
        # An unclosed quote in the last row swallows no other line, only its own line break:
        # an odd number of quotes and a rejected last row (a lone inch mark inside an
        # unquoted value elsewhere is literal and leaves the last row alone).
        loaded = mem.execute(f"SELECT max(__row) FROM {raw.table}").fetchone()
        numbers = [r.row_number for r in raw.structural]
        if loaded and loaded[0] is not None:
            numbers.append(int(loaded[0]))
        if numbers and max(numbers) in rejected:
            raise unclosed_quote(tf, max(numbers), None, None)
    if raw.open_last_row is not None and raw.open_last_row in rejected:
        n = raw.open_last_row
        raise ImportRefused(
            f"{tf.path.name} ends in the middle of row {n} (no line break after it and the row "
            "is incomplete): the file looks cut off; the file is refused and nothing was changed",
            f"{tf.path.name} slutter midt i række {n} (intet linjeskift efter den, og rækken er "
            "ufuldstændig): filen ser afkortet ud; filen er afvist, og intet er ændret",
        )


def _see_rejects(run_id: str | None) -> tuple[str, str]:
    """Where a refusal message sends the user for the rejected rows (English, Danish)."""
    if not run_id:
        return "", ""
    command = f"'workbench rejects show {run_id}'"
    return (
        f"; see the rejected rows with {command}",
        f"; se de afviste rækker med {command}",
    )


def _refuse_implausible_share(
    mem: duckdb.DuckDBPyConnection,
    source: Path,
    rejected: int,
    accepted: int,
    run_id: str | None,
) -> None:
    total = rejected + accepted
    share = rejected / total if total else 0.0
    if rejected <= 1 or share <= MAX_REJECT_SHARE:
        return
    first = mem.execute(
        "SELECT __row, field, code, detail FROM rej ORDER BY __row, field LIMIT 1"
    ).fetchone()
    row, column, code, detail = first
    pct, limit = f"{share:.0%}", f"{MAX_REJECT_SHARE:.0%}"
    where, where_da = _see_rejects(run_id)
    raise TooManyRejects(
        f"{rejected} of {total} rows of {source.name} ({pct}) were rejected, more than "
        f"{limit}; first bad row {row}, {column}: {reason_text(code, detail)}"
        f"{where}; nothing was changed (import anyway with --accept-rejects)",
        # Danish writes a space before the per cent sign.
        f"{rejected} af {total} rækker i {source.name} ({pct.replace('%', ' %')}) blev afvist, "
        f"flere end {limit.replace('%', ' %')}; første afviste række {row}, {column}: "
        f"{reason_text(code, detail, 'da')}{where_da}; intet er ændret",
        share=share,
        rejected=rejected,
        first_row=int(row),
    )


def _run(
    ctx: RefreshContext,
    source: Path,
    kind: ImportKind,
    mapping: dict[str, str],
    jobcenter: str | None,
    where: RejectsLocation,
    lang: str,
    today: date | None = None,
    accept_rejects: bool = False,
) -> ImportSummary:
    target = TARGET_TABLE[kind]
    ctx.progress(0.0, f"læser {mask_cpr_in(source.name)}")
    tf: TableFile = inspect_file(source)
    index = resolve_mapping(kind, tf.headers, mapping or None, jobcenter_given=bool(jobcenter))
    tax = _taxonomy(ctx)

    def check_cancel() -> None:
        if ctx.cancel_event.is_set():
            raise ImportCancelled()

    mem = scratch_connection()  # the file's rows: spills encrypted, user-only
    try:

        def on_read(fraction: float, message: str) -> None:
            ctx.progress(0.6 * fraction, f"læst {message.split()[0]} rækker")

        raw = load_raw(mem, tf, "raw", progress=on_read, cancel=ctx.cancel_event.is_set)
        if raw.rows == 0 and not raw.structural:
            raise ImportRefused(
                f"{source.name} has no data rows", f"{source.name} har ingen datarækker"
            )
        check_cancel()
        ctx.progress(0.65, "kontrollerer værdier")
        validator = Validator(
            mem,
            kind,
            tf.headers,
            index,
            jobcenter=jobcenter,
            taxonomy=tax,
            check_cancel=check_cancel,
            today=today,
        )
        result = validator.run()
        if raw.structural:
            mem.executemany(
                "INSERT INTO rej VALUES (?, ?, ?, ?, ?)",
                [(s.row_number, s.column, s.raw, s.code, s.reason_detail) for s in raw.structural],
            )
        rejected_rows = result.rejected_rows + len(raw.structural)
        _refuse_incomplete(mem, tf, raw)
        check_cancel()
        ctx.progress(0.85, "gemmer afviste rækker")
        rejects: list[dict[str, Any]] = []  # the first SUMMARY_REJECTS, for the summary
        rejects_file: Path | None = None
        if mem.execute("SELECT count(*) FROM rej").fetchone()[0]:
            # Beside the cache, encrypted like it, on a connection of its own: committed
            # before the import is refused or fails, so the rows stay for the user to see.
            with RejectsRecorder(where, ctx.run_id, target, source.name, tf.headers) as recorder:
                for batch in validator.iter_rejects(lang):
                    recorder.write(batch)
                    _record_rejects(ctx, target, batch)
                    rejects.extend(batch[: SUMMARY_REJECTS - len(rejects)])
                    check_cancel()
            rejects_file = where.path
        if result.accepted == 0:
            where, where_da = _see_rejects(ctx.run_id if rejects_file else None)
            raise ImportRefused(
                f"no row of {source.name} could be imported ({rejected_rows} rejected){where}; "
                f"the cache's {target} are unchanged",
                f"ingen rækker i {source.name} kunne indlæses ({rejected_rows} afvist)"
                f"{where_da}; cachen er uændret",
            )
        if not accept_rejects:
            run = ctx.run_id if rejects_file else None
            _refuse_implausible_share(mem, source, rejected_rows, result.accepted, run)
        check_cancel()
        ctx.progress(0.9, "klargør data")
        # The snapshot replaces only jobcenters with at least one usable row: a jobcenter whose
        # rows were all rejected keeps its previous data (a bad export must not empty it).
        replaced = [
            r[0]
            for r in mem.execute(
                "SELECT DISTINCT jobcenter FROM clean WHERE jobcenter IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        unchanged = [jc for jc in result.jobcenters if jc not in replaced]
        marks = ", ".join("?" for _ in replaced)
        ctx.staging.table(
            target, mode="replace_where", where=f"jobcenter IN ({marks})", params=replaced
        )
        reader = mem.execute("SELECT * FROM clean").to_arrow_reader(TRANSFER_ROWS)
        for batch in reader:
            check_cancel()
            ctx.staging.insert_arrow(target, pa.Table.from_batches([batch]))
        mem.execute("DROP TABLE clean")
        return ImportSummary(
            kind=kind,
            file=mask_cpr_in(source),
            run_id=ctx.run_id,
            format=tf.describe(),
            accepted=result.accepted,
            rejected=rejected_rows,
            rejects_file=str(rejects_file) if rejects_file else None,
            rejects_location=where if rejects_file else None,
            unresolved=result.unresolved,
            unplaced=result.unplaced,
            jobcenters=replaced,
            rejects=rejects,
            jobcenters_unchanged=unchanged,
        )
    finally:
        mem.close()
