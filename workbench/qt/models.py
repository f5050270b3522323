"""Virtual table models: the row order is the map layer's ``rid`` array; rows are fetched
from the cache a page at a time when the view asks for them, so 1M matches never load at once.

Pages the view paints are read off the GUI thread (``painting``): a page read is a lookup
by key in the whole table (~50 ms at 1M rows, issue #17), so scrolling would stutter. The
cells stay blank until their page arrives. Callers that need a row now (details, copy,
tooltips of a shown row, tests) still read synchronously through ``row_dict``/``data``.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from workbench.core.schema import ENTITY_COLUMNS
from workbench.core.store import person_rows
from workbench.core.table_sort import distance_km
from workbench.core.tasks import Task
from workbench.qt.i18n import fmt_decimal, tr

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    key: str  # message id suffix for the header (col.<key>)
    value: Callable[[dict[str, Any]], Any]
    align_right: bool = False
    descending_first: bool = False  # a header click sorts the largest first (counts, days)


def display_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    if isinstance(value, float):
        return fmt_decimal(value, 1)
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, list | tuple):
        return ", ".join(display_text(v) for v in value)
    return str(value)


class VirtualRowsModel(QAbstractTableModel):
    """Rows of one entity in the order of ``rids``; pages are fetched on demand and kept LRU."""

    PAGE = 100
    MAX_PAGES = 40
    # Emitted on the page reader's thread; Qt queues it to the model's (the GUI) thread.
    _pageRead = Signal(int, int, object)  # generation, page number, rows

    def __init__(
        self,
        cursor: duckdb.DuckDBPyConnection,
        entity: str,
        columns: list[Column],
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._cursor = cursor
        self.entity = entity
        self.columns = columns
        self._rids = np.empty(0, dtype=np.int64)
        self._pages: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()
        self.fetched_rows = 0  # rows read from the cache since the last reset (tests, profiling)
        self.scope: Any = None  # the user's candidate scope (core.store.scope); the window sets it
        self._painting = False  # data() asked by the view's paint: never read on this thread
        self._generation = 0  # bumped by every reset: a page read for older rids is dropped
        self._pending: dict[int, Task[Any]] = {}  # page number -> its read in the background
        self._reads: list[Task[Any]] = []  # every read still running (join before closing)
        self._pageRead.connect(self._on_page_read)

    # -- data ------------------------------------------------------------------------------
    def set_cursor(self, cursor: duckdb.DuckDBPyConnection) -> None:
        """Read from ``cursor`` from now on (the cache was reopened); cached pages go."""
        self._cursor = cursor
        self.set_rids(self._rids)

    def set_rids(self, rids: np.ndarray) -> None:
        self.beginResetModel()
        self._rids = np.asarray(rids, dtype=np.int64)
        self._pages.clear()
        self._pending.clear()
        self._generation += 1
        self.fetched_rows = 0
        self.endResetModel()

    def rids(self) -> np.ndarray:
        return self._rids

    def row_of_rid(self, rid: int) -> int:
        hits = np.flatnonzero(self._rids == int(rid))
        return int(hits[0]) if hits.size else -1

    def row_dict(self, row: int) -> dict[str, Any] | None:
        if not 0 <= row < len(self._rids):
            return None
        page = self._page(row // self.PAGE)
        off = row % self.PAGE
        return page[off] if off < len(page) else None

    def cached_row(self, row: int) -> dict[str, Any] | None:
        """Row ``row`` if its page is in memory; never reads (the GUI thread's hover)."""
        page = self._pages.get(row // self.PAGE) if 0 <= row < len(self._rids) else None
        off = row % self.PAGE
        return page[off] if page is not None and off < len(page) else None

    def _page(self, number: int) -> list[dict[str, Any]]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        keys = self._rids[number * self.PAGE : (number + 1) * self.PAGE]
        page = person_rows(
            self._cursor, self.entity, keys, columns=fetch_columns(self.entity), scope=self.scope
        )
        self._keep_page(number, page)
        return page

    def _keep_page(self, number: int, page: list[dict[str, Any]]) -> None:
        self.fetched_rows += len(page)
        self._pages[number] = page
        while len(self._pages) > self.MAX_PAGES:
            self._pages.popitem(last=False)

    # -- pages read in the background while painting -----------------------------------------
    @contextlib.contextmanager
    def painting(self) -> Iterator[None]:
        """While the view paints, a page not read yet is read in the background."""
        self._painting = True
        try:
            yield
        finally:
            self._painting = False

    def reading(self) -> bool:
        """Pages the view asked for are still being read (its cells are blank meanwhile)."""
        return bool(self._pending)

    def rows_ready(self, first: int, last: int) -> bool:
        """Whether rows ``first``..``last`` are read (what a view shows after a scroll)."""
        if last < first or not len(self._rids):
            return True
        last = min(last, len(self._rids) - 1)
        return all(
            n in self._pages for n in range(max(first, 0) // self.PAGE, last // self.PAGE + 1)
        )

    def _request_page(self, number: int) -> None:
        if number in self._pending:
            return
        keys = self._rids[number * self.PAGE : (number + 1) * self.PAGE].copy()
        source, entity, generation = self._cursor, self.entity, self._generation
        columns, scope = fetch_columns(entity), self.scope

        def read(_feedback: Any) -> list[dict[str, Any]]:
            cur = source.cursor()  # this thread's own cursor
            try:
                return person_rows(cur, entity, keys, columns=columns, scope=scope)
            finally:
                cur.close()

        def deliver(rows: Any) -> None:
            with contextlib.suppress(RuntimeError):  # the model was deleted meanwhile
                self._pageRead.emit(generation, number, rows)

        task: Task[Any] = Task(
            read,
            name="table-page",
            on_result=deliver,
            on_error=lambda _exc: deliver(None),  # e.g. the cache closed: read it when asked
        )
        self._pending[number] = task
        self._reads = [t for t in self._reads if t.is_running()] + [task]
        task.start()

    def _on_page_read(self, generation: int, number: int, rows: Any) -> None:
        if generation != self._generation:
            return  # read for rows that were replaced meanwhile
        self._pending.pop(number, None)
        if rows is None:
            return
        self._keep_page(number, rows)
        first = number * self.PAGE
        last = min(first + self.PAGE, len(self._rids)) - 1
        if last >= first:
            self.dataChanged.emit(
                self.index(first, 0),
                self.index(last, len(self.columns) - 1),
                [Qt.ItemDataRole.DisplayRole],
            )

    def join(self, timeout: float = 10) -> None:
        """Wait for the page reads in flight (before the cache closes)."""
        for task in self._reads:
            task.wait(timeout)
        self._reads = []

    # -- Qt API ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return tr(f"col.{self.columns[section].key}")
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            col = self.columns[section]
            return (
                Qt.SortOrder.DescendingOrder
                if col.descending_first
                else Qt.SortOrder.AscendingOrder
            )
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if self._painting and index.row() // self.PAGE not in self._pages:
                if 0 <= index.row() < len(self._rids):
                    self._request_page(index.row() // self.PAGE)
                return None  # blank until the page arrives
            row = self.row_dict(index.row())
            return None if row is None else display_text(col.value(row))
        if role == Qt.ItemDataRole.TextAlignmentRole and col.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


# What a table page reads: the search columns of the schema, plus what the views show beyond them.
_EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {"companies": ("placement_note",)}


def fetch_columns(entity: str) -> list[str]:
    return [*ENTITY_COLUMNS[entity], *_EXTRA_COLUMNS.get(entity, ())]


class DistanceOrigin:
    """Where the distance column measures from (EPSG:25832), shared by the columns of a
    window; None hides the column (no selection or distance filter: nothing to measure)."""

    def __init__(self) -> None:
        self.xy: tuple[float, float] | None = None

    def km(self, r: dict[str, Any]) -> float | None:
        x, y = r.get("x"), r.get("y")
        if self.xy is None or x is None or y is None:
            return None
        d = float(distance_km(np.asarray(x), np.asarray(y), self.xy))
        return None if np.isnan(d) else round(d, 1)


def candidate_columns(
    municipalities: Mapping[str, str],
    occupations: Mapping[str, str],
    today: date,
    qualifications: Mapping[str, str] | None = None,
    origin: DistanceOrigin | None = None,
) -> list[Column]:
    quals = qualifications or {}
    origin = origin or DistanceOrigin()

    def days(r: dict[str, Any]) -> Any:
        since = r.get("unemployed_since")
        return (today - since).days if since else None

    return [
        Column("candidate_id", lambda r: r["candidate_id"]),
        Column("kommune", lambda r: municipalities.get(r["kommune_kode"], r["kommune_kode"])),
        Column(
            "occupations", lambda r: [occupations.get(c, c) for c in r["occupation_codes"] or []]
        ),
        Column(
            "qualifications",
            lambda r: [quals.get(c, c) for c in r.get("qualification_codes") or []],
        ),
        Column("licences", lambda r: sorted(r.get("driving_licences") or [])),
        Column("unemployed_since", lambda r: r["unemployed_since"]),
        Column("days", days, align_right=True, descending_first=True),
        Column(
            "experience_years",
            lambda r: r["experience_years"],
            align_right=True,
            descending_first=True,
        ),
        Column("cv_searchable", lambda r: r["cv_searchable"]),
        Column("distance", origin.km, align_right=True),
    ]


def company_columns(
    municipalities: Mapping[str, str],
    industries: Mapping[str, str],
    origin: DistanceOrigin | None = None,
) -> list[Column]:
    origin = origin or DistanceOrigin()

    def industry(r: dict[str, Any]) -> Any:
        return r.get("industry_text") or industries.get(
            r.get("industry_code") or "", r.get("industry_code")
        )

    return [
        Column("name", lambda r: r["name"]),
        Column("kommune", lambda r: municipalities.get(r["kommune_kode"], r["kommune_kode"])),
        Column("industry", industry),
        Column("employees", lambda r: r["employees"], align_right=True, descending_first=True),
        Column("cvr", lambda r: r["cvr"]),
        Column("pnr", lambda r: r["pnr"]),
        Column("address", lambda r: " ".join(p for p in (r["address"], r["postnr"]) if p)),
        # reklamebeskyttet (CVR): no unsolicited advertising; campaigns mark or exclude them
        Column(
            "advertising",
            lambda r: tr("campaign.protected") if r.get("advertising_protected") else "",
        ),
        Column("distance", origin.km, align_right=True),
    ]


def not_placed_columns(municipalities: Mapping[str, str]) -> list[Column]:
    """Companies whose address could not be placed on the map, with the reason."""
    return [
        Column("name", lambda r: r["name"]),
        Column("cvr", lambda r: r["cvr"]),
        Column("pnr", lambda r: r["pnr"]),
        Column("address", lambda r: " ".join(p for p in (r["address"], r["postnr"]) if p)),
        Column("kommune", lambda r: municipalities.get(r["kommune_kode"], r["kommune_kode"])),
        Column("placement_note", lambda r: r.get("placement_note") or tr("not_placed.unknown")),
    ]
