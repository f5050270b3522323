"""A consultant's day: the next targets to visit, in driving order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..store import Store
from .records import targets
from .routing import Route, route

# Targets still to visit: planned, or contacted without a meeting yet.
OPEN_STATUSES = ("planlagt", "kontaktet", "moede_booket")


@dataclass(frozen=True)
class DayVisits:
    visits: list[dict[str, Any]]  # target rows in visiting order
    route: Route
    unplaced: int  # open targets without coordinates (not on the route)


def day_visits(
    store: Store,
    name: str,
    consultant: str,
    *,
    count: int = 8,
    start: tuple[float, float] | None = None,
    base_url: str | None = None,
) -> DayVisits:
    """The ``count`` best-scored open, placed targets assigned to ``consultant``, ordered
    for driving (from ``start`` when given; ``base_url``: an OSRM server)."""
    open_targets = [
        t for t in targets(store, name, assigned_to=consultant) if t["status"] in OPEN_STATUSES
    ]
    placed = [t for t in open_targets if t["x"] is not None and t["y"] is not None]
    chosen = placed[: max(int(count), 0)]
    r = route([t["x"] for t in chosen], [t["y"] for t in chosen], start=start, base_url=base_url)
    return DayVisits([chosen[i] for i in r.order], r, len(open_targets) - len(placed))
