"""Why a filter finds nothing: count the matches with each active criterion relaxed.

When a search comes back empty the user wants to know which of their criteria is to blame.
Each active criterion (a field of the frozen :class:`~workbench.core.filters.Filter` that
differs from its default) is reset to its default in turn and the matches are counted; the
criterion whose removal gives the most matches is named. One count per active criterion,
and only for empty results, so it costs a few small queries, on the worker thread.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields, replace
from typing import Any

from .errors import FilterError
from .filters import Entity, Filter, compile_where
from .query import count

# Fields that only parameterise another criterion: they restrict nothing on their own.
PARAMETER_FIELDS = frozenset(
    {
        "today",
        "qualification_match",
        "driving_licence_match",
        "collaboration_scope",
        "jobcenter",
        "scope",  # the user's access scope is never relaxed
    }
)

# Criteria that are only meaningful together are relaxed together (a point without a radius
# is not a filter; a collaboration scope without kinds restricts nothing).
RELAXED_TOGETHER: dict[str, tuple[str, ...]] = {
    "near": ("near", "radius_km"),
    "radius_km": ("near", "radius_km"),
    "qualifications": ("qualifications", "qualification_match"),
    "driving_licences": ("driving_licences", "driving_licence_match"),
    "collaboration": ("collaboration", "collaboration_scope"),
}


@dataclass(frozen=True)
class Relaxation:
    """``criterion`` (a Filter field name) reset to its default gives ``count`` matches."""

    criterion: str
    count: int


def _default(name: str) -> Any:
    for f in fields(Filter):
        if f.name == name:
            if f.default is not MISSING:
                return f.default
            if f.default_factory is not MISSING:
                return f.default_factory()
    raise KeyError(name)


def active_criteria(flt: Filter) -> list[str]:
    """The criteria of ``flt`` that restrict something (not at their default)."""
    seen: set[str] = set()
    out: list[str] = []
    for f in fields(Filter):
        if f.name in PARAMETER_FIELDS or f.name in seen:
            continue
        if getattr(flt, f.name) == _default(f.name):
            continue
        group = RELAXED_TOGETHER.get(f.name, (f.name,))
        seen.update(group)
        out.append(group[0])
    return out


def relaxed(flt: Filter, criterion: str) -> Filter:
    """``flt`` with ``criterion`` (and what belongs to it) back at the default."""
    known = {f.name for f in fields(Filter)}
    group = [n for n in RELAXED_TOGETHER.get(criterion, (criterion,)) if n in known]
    return replace(flt, **{name: _default(name) for name in group})


def relaxations(con: Any, entity: Entity, flt: Filter) -> list[Relaxation]:
    """Matches of ``entity`` with each active criterion relaxed, the most first. Criteria
    that do not apply to ``entity`` (the same SQL without them) are left out."""
    base = compile_where(entity, flt, strict=False)
    out: list[Relaxation] = []
    for criterion in active_criteria(flt):
        try:
            other = relaxed(flt, criterion)
            compiled = compile_where(entity, other, strict=False)
        except FilterError:  # e.g. a new field that needs a partner to be valid
            continue
        if (
            compiled.where == base.where
            and compiled.params == base.params
            and other.selection == flt.selection  # the exact selection test runs in numpy
        ):
            continue
        out.append(Relaxation(criterion, count(con, entity, other, strict=False)))
    out.sort(key=lambda r: -r.count)
    return out


def why_empty(con: Any, entity: Entity, flt: Filter) -> Relaxation | None:
    """The criterion whose removal gives the most matches, for a filter that finds nothing.

    None when no single criterion's removal finds anything (or nothing is active)."""
    found = relaxations(con, entity, flt)
    return found[0] if found and found[0].count > 0 else None
