"""Exports of persons (candidates): permission, metadata and the audit entry (#15).

Every file or stream of candidate rows goes through here: the role must be allowed to
read person rows (a team lead sees aggregates only), the export carries who made it, for
what purpose and when, and the export is written to the audit log with the candidates'
pseudonymous ids. Cells are neutralised by ``export.tabular`` (formulas never run).

Where the metadata goes (Excel-safe, nothing in the data rows):
- XLSX: the workbook's document properties (creator = user, subject = purpose, created =
  date, description = all three) and the ``metadata`` sheet;
- CSV files: a sidecar ``<file>.meta.json`` beside the file (a comment line would break
  Excel's column detection and every program that reads the header);
- the command line's JSON output: an ``export`` object; its CSV on stdout has none in
  band (the audit log holds it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from .. import audit
from ..store.scope import Scope
from .tabular import write_csv, write_xlsx

META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class ExportMeta:
    """Who exports, for what, when."""

    user: str | None
    jobcenter: str | None
    purpose: str | None
    when: datetime = field(default_factory=datetime.now)
    job_order_id: str | None = None
    campaign_id: str | None = None
    audited: bool = True  # False for a demo cache's export: no real people, no audit entry

    def as_dict(self) -> dict[str, Any]:
        return {
            "user": self.user or "",
            "jobcenter": self.jobcenter or "",
            "purpose": self.purpose or "",
            "date": self.when.replace(microsecond=0).isoformat(),
        }


def check_allowed(scope: Scope | None) -> None:
    """Raise ``ScopeError`` when the role may not export person rows."""
    if scope is not None:
        scope.require_rows("person exports")


def collect_ids(
    rows: Iterable[Sequence[Any]],
    index: int | None,
    into: list[str],
    jobcenter_index: int | None = None,
) -> Iterator[Sequence[Any]]:
    """``rows`` passed through, the candidate at ``index`` (its id; with
    ``jobcenter_index`` its jobcenter too: :func:`audit.subject_id`) kept in ``into``."""
    for row in rows:
        if index is not None:
            jobcenter = row[jobcenter_index] if jobcenter_index is not None else None
            into.append(audit.subject_id(row[index], jobcenter))
        yield row


def record(
    con: duckdb.DuckDBPyConnection, meta: ExportMeta, ids: Sequence[str], action: str = "export"
) -> None:
    """The audit entry of an export (or a print) of these candidates."""
    if not meta.audited:
        return
    audit.append(
        con,
        user=meta.user,
        jobcenter=meta.jobcenter,
        action=action,
        subject_ids=ids,
        purpose=meta.purpose,
        job_order_id=meta.job_order_id,
        campaign_id=meta.campaign_id,
        at=meta.when,
    )


def write_file(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    meta: ExportMeta,
    *,
    sheet: str = "candidates",
) -> int:
    """Write ``rows`` to ``path`` (.xlsx, else CSV for Danish Excel) with the metadata;
    returns the number of rows written."""
    info = meta.as_dict()
    if path.suffix.lower() == ".xlsx":
        properties = {
            "creator": info["user"],
            "title": f"Jobkort: {sheet}",
            "subject": info["purpose"],
            "description": f"user: {info['user']}; purpose: {info['purpose']}; "
            f"date: {info['date']}",
            "created": meta.when.replace(microsecond=0),
        }
        return write_xlsx(path, columns, rows, metadata=info, sheet=sheet, properties=properties)
    n = write_csv(path, columns, rows, dialect="excel-da")
    sidecar = path.with_name(path.name + META_SUFFIX)
    sidecar.write_text(json.dumps(info | {"rows": n}, ensure_ascii=False, indent=1), "utf-8")
    return n
