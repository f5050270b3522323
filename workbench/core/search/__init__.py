"""Search: the query pipeline from a filter to points and table rows (Qt-free)."""

from workbench.core.search.pipeline import (
    DURATION_EDGES,
    ENTITIES,
    DisplayRanks,
    QueryResult,
    reference_date,
    run_filter,
)

__all__ = [
    "DURATION_EDGES",
    "ENTITIES",
    "DisplayRanks",
    "QueryResult",
    "reference_date",
    "run_filter",
]
