"""Shortage occupations (STAR's Arbejdsmarkedsbalancen, table ``shortage``) as SQL: which
candidates, companies and postings have an occupation in a category, and each one's best
category for the map overlay.

An occupation matches a ``shortage`` row in the same municipality when its DISCO code starts
with the row's code (a 6-digit DISCO-AMS code of a candidate matches the 4-digit group the
balance names). Only the latest period in the table counts. Candidates by their
occupations and their municipality; companies (production units) by the occupations of their
job postings (a posting with a p-number counts for that unit only) and the unit's
municipality; postings by their own occupation and municipality.
"""

from __future__ import annotations

from typing import Any

from .errors import FilterError

# Best job prospects first: the class index of the map overlay (layers.styling.SHORTAGE).
CATEGORIES: tuple[str, ...] = ("mangel", "paradoks", "gode", "mindre_gode")

_LATEST = "(SELECT max(period) FROM shortage)"


def check_categories(values: tuple[str, ...]) -> tuple[str, ...]:
    """The categories, deduplicated in canonical order; FilterError for an unknown one."""
    for value in values:
        if value not in CATEGORIES:
            raise FilterError(
                f"unknown shortage category {value!r}; use one of: {', '.join(CATEGORIES)}"
            )
    return tuple(c for c in CATEGORIES if c in values)


def _occupation_pairs(entity: str) -> str:
    """SELECT rid, code, kommune_kode: each row's occupations with the municipality."""
    if entity == "candidates":
        return (
            "SELECT o.rid, o.code, c.kommune_kode FROM candidate_occupations o "
            "JOIN candidates c ON c.rid = o.rid"
        )
    if entity == "companies":
        return (
            "SELECT c.rid, p.occupation_code AS code, c.kommune_kode FROM companies c "
            "JOIN job_postings p ON p.cvr = c.cvr AND (p.pnr IS NULL OR c.pnr IS NULL "
            "OR p.pnr = c.pnr) WHERE p.occupation_code IS NOT NULL"
        )
    if entity == "postings":
        return "SELECT p.rid, p.occupation_code AS code, p.kommune_kode FROM job_postings p"
    raise FilterError(f"unknown entity {entity!r}")


def _matches(entity: str) -> str:
    """SELECT rid, category: each row's occupations matched to the latest balance.

    "The code starts with the balance's code" as an equi-join: each occupation code is cut
    to each length up to 7 (DISCO levels have 1-4 digits, DISCO-AMS 6) and joined on
    (municipality, prefix) by hash. A join on the municipality alone filtered by starts_with
    pairs every occupation with every balance row of its municipality. Measured on the region
    demo (50k candidates, 200k companies) against a balance of the real size (896
    occupations x 99 municipalities): the candidates' filter 0.5 s instead of 4.1 s, their
    overlay 0.55 s instead of 8.3 s; companies 0.35 s / 0.7 s instead of 1.1 s / 3.2 s."""
    return (
        "SELECT m.rid, s.category FROM "
        f"({_occupation_pairs(entity)}) m "
        # a constant range: a DISTINCT over shortage here made the planner choose a nested
        # loop (10x slower on the region demo)
        "CROSS JOIN (SELECT unnest(range(1, 8)) AS n) k "
        "JOIN shortage s ON s.area_code = m.kommune_kode "
        "AND s.occupation_code = left(m.code, k.n) "
        f"WHERE k.n <= length(m.code) AND s.period = {_LATEST}"
    )


def condition(entity: str, alias: str, categories: tuple[str, ...]) -> tuple[str, list[Any]]:
    """A WHERE condition over ``<entity table> AS alias``: the row has an occupation in one
    of ``categories`` in its municipality (parameterised)."""
    cats = check_categories(categories)
    marks = ", ".join("?" for _ in cats)
    sql = f"{alias}.rid IN (SELECT x.rid FROM ({_matches(entity)}) x WHERE x.category IN ({marks}))"
    return sql, list(cats)


def class_sql(entity: str, alias: str = "t") -> str:
    """A scalar expression over ``alias``: the index in CATEGORIES of the row's best category,
    NULL when none of its occupations is in the balance."""
    case = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(CATEGORIES))
    return (
        f"(SELECT min(CASE x.category {case} END) FROM ({_matches(entity)}) x "
        f"WHERE x.rid = {alias}.rid)"
    )
