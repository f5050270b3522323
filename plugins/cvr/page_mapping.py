"""One scroll answer (its bytes) to Arrow tables of cache rows and the rejected documents.

:func:`map_page` holds the whole per-document work of a load: the typed decode
(``documents``), the typed mapping with the dict mapping as its fallback (and the judge of
rejects), and the rows turned into columns. It takes bytes and returns Arrow tables and
plain records, so it runs in a worker process as well as in this one (:mod:`.mappers`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from . import documents, mapping, typed_mapping

COMPANY_INDEX = "virksomhed"
UNIT_INDEX = "produktionsenhed"

_ARROW_TYPES: dict[str, pa.DataType] = {
    "employees": pa.int32(),
    "started": pa.date32(),
    "advertising_protected": pa.bool_(),
    "cvr_updated": pa.timestamp("us"),
    "valid_from": pa.date32(),
    "valid_to": pa.date32(),
}


def _struct(columns: list[str]) -> pa.StructType:
    return pa.struct([(c, _ARROW_TYPES.get(c, pa.string())) for c in columns])


COMPANY_STRUCT = _struct(mapping.COMPANY_COLUMNS)
HISTORY_STRUCT = _struct(mapping.HISTORY_COLUMNS)

Row = tuple[Any, ...]


@dataclass
class Reject:
    """An unusable document: its position on the page, the reason, its ``_id`` and (cut)
    text."""

    index: int
    reason: str
    value: Any
    raw: Any


@dataclass
class MappedPage:
    companies: pa.Table  # mapping.COMPANY_COLUMNS
    history: pa.Table  # mapping.HISTORY_COLUMNS
    rejects: list[Reject]
    hits: int
    typed: bool  # the page decoded typed (else every document took the dict mapping)


def table(rows: list[Row], struct: pa.StructType) -> pa.Table:
    """Rows (tuples in the struct's field order) as a table: pyarrow reads the tuples as
    structs in C, cheaper than a zip and one array a column."""
    return pa.Table.from_struct_array(pa.array(rows, type=struct))


def map_page(kind: str, raw: bytes) -> MappedPage:
    """The rows, history and rejects of one answer of ``kind`` (an index name)."""
    companies: list[Row] = []
    history: list[Row] = []
    rejects: list[Reject] = []
    answer = documents.decode_answer(raw)
    if answer is None:
        hits = _dict_hits(raw)
        for i, hit in enumerate(hits):
            _add_dict(kind, i, hit, companies, history, rejects)
    else:
        hits = answer.hits.hits  # type: ignore[union-attr]
        dicts: list[dict[str, Any]] | None = None
        unit = kind != COMPANY_INDEX
        extend = history.extend
        for i, hit in enumerate(hits):
            try:
                source = hit._source
                if unit:
                    row, rows = typed_mapping.unit(source.VrproduktionsEnhed if source else None)
                else:
                    row, rows = typed_mapping.company(source.Vrvirksomhed if source else None)
            except Exception:
                # Not the usual shape, or unusable: the dict mapping decides, with the reason
                # of a reject (the tests hold both mappings to the same rows).
                if dicts is None:
                    dicts = _dict_hits(raw)
                _add_dict(kind, i, dicts[i], companies, history, rejects)
                continue
            companies.append(row)
            extend(rows)
    return MappedPage(
        table(companies, COMPANY_STRUCT),
        table(history, HISTORY_STRUCT),
        rejects,
        len(hits),
        answer is not None,
    )


def _dict_hits(raw: bytes) -> list[dict[str, Any]]:
    from .es import _loads, _page  # requests and the scroll rules: only for odd pages

    return _page(_loads(raw, "siden"), "siden").hits


def _add_dict(
    kind: str,
    index: int,
    hit: Any,
    companies: list[Row],
    history: list[Row],
    rejects: list[Reject],
) -> None:
    source = hit.get("_source") if isinstance(hit, dict) else None
    try:
        if source is None:
            raise mapping.MappingError("hit without _source")
        if kind == COMPANY_INDEX:
            row, _pnrs, rows = mapping.map_company(source)
        else:
            row, rows = mapping.map_unit(source)
    except (mapping.MappingError, TypeError, ValueError, OverflowError) as exc:
        # A document of an unexpected shape (mixed date types in one history, a month 13) is
        # rejected with its reason like any unusable document: one odd document must not end
        # the refresh with a traceback.
        if not isinstance(exc, mapping.MappingError):
            exc = mapping.MappingError(f"uventet indhold ({type(exc).__name__}: {exc})")
        value = hit.get("_id") if isinstance(hit, dict) else None
        rejects.append(Reject(index, f"{kind}: {exc}", value, _truncate(hit)))
        return
    companies.append(tuple([row[c] for c in mapping.COMPANY_COLUMNS]))
    history.extend(rows)


def _truncate(hit: Any, limit: int = 4000) -> Any:
    text = json.dumps(hit, ensure_ascii=False, default=str)
    return hit if len(text) <= limit else text[:limit]
