"""Who is eligible for a job order: the required criteria, in funnel order.

A candidate is eligible when they meet every required criterion and their CV is searchable.
The rules, one per :class:`Requirement` (its key is the job order JSON key):

- ``occupation``: one of the candidate's occupation codes is a job code or a code below it
  (the search filter's rule: ``starts_with``); ``include_related`` widens that to the same
  DISCO minor group (the job code's first 3 digits).
- ``required_qualifications`` and ``certificates``: the candidate has all of them. The cache
  holds certificates among the qualification codes (no separate column), so certificates
  are looked up there.
- ``driving_licence`` and ``languages``: all of them (licence categories exactly, as the
  search filter; languages case-insensitively).
- ``min_experience_years``: ``experience_years >= min``.
- ``education``: the same education or one on a higher level of :data:`EDUCATION_LEVELS`
  (the two upper secondary tracks share a level and do not stand in for each other); an
  education name not on the list is met only by itself (case-insensitive).
- ``max_commute_km``: straight line in EPSG:25832 from the workplace.

Unknown values (NULL) never meet a criterion. The engine evaluates the rules with numpy over
the Arrow columns of one scan (fast); :func:`eligible_sql` states the same rules in SQL for
scripts, pools and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .order import JobOrder

# Levels of the Danish education names the case systems export (the demo uses them). A
# required level is met by itself and by every level strictly above it; the two upper
# secondary tracks are on one level but do not stand in for each other.
EDUCATION_LEVELS: dict[str, int] = {
    "grundskole": 0,
    "gymnasial uddannelse": 1,
    "erhvervsuddannelse": 1,
    "kort videregående uddannelse": 2,
    "mellemlang videregående uddannelse": 3,
    "bachelor": 3,
    "lang videregående uddannelse": 4,
    "ph.d.": 5,
}


def candidate_base(store: Any) -> tuple[str, list[Any]]:
    """The candidates a job order is matched against, as a relation for ``FROM`` and its
    parameters. The one place that narrows the population: the user's jobcenter scope
    (``Store.scope``, issue #15; a connection without a Store matches the whole cache). A
    team lead sees aggregates only: a ranked list of persons is refused."""
    scope = getattr(store, "scope", None)
    if scope is None:
        return "candidates", []
    scope.require_rows("ranked candidates")
    sql, params = scope.candidate_sql("t")
    if sql == "TRUE":
        return "candidates", []
    return f"(SELECT * FROM candidates AS t WHERE {sql})", list(params)


def accepted_educations(required: str) -> list[str]:
    """The (lower-case) education names that meet ``required``."""
    key = required.strip().lower()
    level = EDUCATION_LEVELS.get(key)
    if level is None:
        return [key]
    above = [name for name, lvl in EDUCATION_LEVELS.items() if lvl > level]
    return [key, *above]


def occupation_prefixes(order: JobOrder, *, related: bool | None = None) -> list[str]:
    """The code prefixes the occupation criterion accepts: the job codes, or with
    ``related`` (default: the order's include_related) their DISCO minor groups."""
    if related is None:
        related = order.include_related
    codes = order.occupation_codes
    if related:
        codes = [c[:3] for c in codes]
    return list(dict.fromkeys(codes))


@dataclass(frozen=True)
class Requirement:
    """One required criterion of an order: its JSON key and a Danish label."""

    key: str
    label: str


def criteria(order: JobOrder) -> list[Requirement]:
    """The order's required criteria in funnel order (occupation first, commute last)."""
    out = [Requirement("occupation", "Fag med beslægtede" if order.include_related else "Fag")]
    if order.required_qualifications:
        out.append(Requirement("required_qualifications", "Krævede kvalifikationer"))
    if order.certificates:
        out.append(Requirement("certificates", "Certifikater"))
    if order.driving_licence:
        out.append(Requirement("driving_licence", "Kørekort"))
    if order.languages:
        out.append(Requirement("languages", "Sprog"))
    if order.min_experience_years is not None:
        out.append(Requirement("min_experience_years", "Erfaring"))
    if order.education:
        out.append(Requirement("education", "Uddannelse"))
    if order.max_commute_km is not None:
        out.append(Requirement("max_commute_km", "Afstand"))
    return out


def criterion_sql(order: JobOrder, key: str, alias: str = "c") -> tuple[str, list[Any]]:
    """One criterion as a NULL-safe boolean SQL expression over ``alias``."""
    a = alias
    if key == "occupation":
        prefixes = occupation_prefixes(order)
        cond = " OR ".join("starts_with(o.code, ?)" for _ in prefixes)
        return f"{a}.rid IN (SELECT o.rid FROM candidate_occupations o WHERE {cond})", prefixes
    if key in ("required_qualifications", "certificates"):
        codes = getattr(order, key)
        marks = ", ".join("?" for _ in codes)
        return (
            f"{a}.rid IN (SELECT q.rid FROM candidate_qualifications q WHERE q.code IN "
            f"({marks}) GROUP BY q.rid HAVING count(DISTINCT q.code) = {len(codes)})",
            list(codes),
        )
    if key == "driving_licence":
        return f"coalesce(list_has_all({a}.driving_licences, ?::VARCHAR[]), false)", [
            list(order.driving_licence)
        ]
    if key == "languages":
        return (
            f"coalesce(list_has_all(list_transform({a}.languages, v -> lower(v)), "
            "?::VARCHAR[]), false)",
            [[lang.lower() for lang in order.languages]],
        )
    if key == "min_experience_years":
        return f"coalesce({a}.experience_years >= ?, false)", [order.min_experience_years]
    if key == "education":
        return f"coalesce(lower({a}.education) IN (SELECT unnest(?::VARCHAR[])), false)", [
            accepted_educations(order.education or "")
        ]
    if key == "max_commute_km":
        xy = order.workplace_xy
        if xy is None or order.max_commute_km is None:
            raise ValueError("max_commute_km needs a placed workplace (validate the order)")
        r = order.max_commute_km * 1000.0
        return (
            f"coalesce(({a}.x - ?) * ({a}.x - ?) + ({a}.y - ?) * ({a}.y - ?) <= ?, false)",
            [xy[0], xy[0], xy[1], xy[1], r * r],
        )
    raise KeyError(key)


def eligible_sql(
    store: Any, order: JobOrder, *, skip: str | None = None, searchable: bool | None = True
) -> tuple[str, list[Any]]:
    """``SELECT c.rid FROM <base> c WHERE <every required criterion>`` and its params.
    ``skip`` leaves one criterion out (a relaxation); ``searchable`` True keeps only
    searchable CVs, False only the others, None both."""
    base, params = candidate_base(store)
    where: list[str] = []
    params = list(params)
    for crit in criteria(order):
        if crit.key == skip:
            continue
        sql, p = criterion_sql(order, crit.key)
        where.append(sql)
        params.extend(p)
    if searchable is not None:
        where.append(
            "coalesce(c.cv_searchable, false)"
            if searchable
            else "NOT coalesce(c.cv_searchable, false)"
        )
    return f"SELECT c.rid FROM {base} c WHERE {' AND '.join(where) or 'true'}", params
