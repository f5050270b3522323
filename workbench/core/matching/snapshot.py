"""The candidate columns matching reads, held in memory for repeated matches.

A match scans the candidates' list columns (occupations, licences, languages, qualifications)
each time: most of its time at national scale. The window re-ranks on every criterion change,
so it may load a :class:`CandidateSnapshot` once and pass it to ``match(snapshot=...)``; a
match then takes its rows from memory. The holder owns freshness: it loads a new snapshot
when the cache's data changes (refresh, import, sync). Without a snapshot (the command line,
scripts) every match reads the cache. A snapshot loaded for another candidate base (the
user's scope changed) is not used.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from workbench.core.preload import LazyModule

from .eligibility import candidate_base

# pyarrow on first use: the window imports this before its first paint (issue #17)
pa = LazyModule("pyarrow")
pc = LazyModule("pyarrow.compute")

_EPOCH = date(1970, 1, 1)
_COLUMNS = (
    "rid, candidate_id, x, y, experience_years, education, unemployed_since, cv_searchable,"
    " occupation_codes, driving_licences, languages, qualification_codes"
)


class CandidateSnapshot:
    """Every candidate of the base relation with the columns matching reads."""

    def __init__(self, table: pa.Table, base: tuple[str, list[Any]]) -> None:
        self.table = table
        self.base = base
        occ = table["occupation_codes"].combine_chunks()
        self._occ_values = pc.list_flatten(occ)
        self._occ_parents = pc.list_parent_indices(occ).to_numpy(zero_copy_only=False)

    @classmethod
    def load(cls, store: Any, *, cursor: Any = None) -> CandidateSnapshot:
        cur = cursor if cursor is not None else store.cursor()
        base, params = candidate_base(store)
        table = cur.execute(f"SELECT {_COLUMNS} FROM {base} c", params).to_arrow_table()
        return cls(table, (base, list(params)))

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def usable_for(self, store: Any) -> bool:
        """Loaded for the store's current candidate base (scope)."""
        base, params = candidate_base(store)
        return self.base == (base, list(params))

    def rows(
        self, prefixes: list[str], reference: date, *, rids: list[int] | None = None
    ) -> pa.Table:
        """The rows whose occupation codes start with a prefix (or the ``rids``), as the
        scan returns them (``unemployed_days`` to ``reference``)."""
        if rids is not None:
            wanted = pa.array(rids, type=pa.int64())
            hit = pc.is_in(self.table["rid"], value_set=wanted).to_numpy(zero_copy_only=False)
            take = np.flatnonzero(hit)
        else:
            hit = np.zeros(len(self._occ_parents), dtype=bool)
            for prefix in prefixes:
                match = pc.fill_null(pc.starts_with(self._occ_values, prefix), False)
                hit |= match.to_numpy(zero_copy_only=False)
            take = np.unique(self._occ_parents[hit])
        table = self.table.take(pa.array(take, type=pa.int64()))
        since = pc.cast(table["unemployed_since"], pa.date32()).cast(pa.int32())
        days = pc.subtract(pa.scalar((reference - _EPOCH).days, pa.int32()), since)
        return table.drop_columns(["unemployed_since"]).append_column("unemployed_days", days)
